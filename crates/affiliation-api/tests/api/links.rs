//! Link affiliation over HTTP: precedence, rewriting rules and refusals.

use crate::common::Server;
use serde_json::{json, Value};

fn encoded(url: &str) -> String {
    url.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn group_overrides_win_over_user_tokens_which_win_over_none() {
    let server = Server::start();
    let keys = server.add_user("lena", false);
    let program = server.amazon_us(&keys);
    let product = "https://www.amazon.com/dp/B000TEST?th=1&tag=someone-20&psc=1#reviews";
    let link = |group: Option<u64>| -> Value {
        let group = group.map(|g| format!("&groupId={g}")).unwrap_or_default();
        let reply = server.get(
            &keys,
            &format!("/v4/affiliate-link?url={}{group}", encoded(product)),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()
    };

    let none = link(None);
    assert_eq!(none["affiliated"], false);
    assert_eq!(none["level"], "none");
    assert_eq!(none["url"], product);
    assert!(none["reason"].as_str().unwrap().contains("No tokens"));

    let reply = server.call(
        &keys,
        "POST",
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "lena-20" } }),
    );
    assert_eq!(reply.status, 200);
    let user = link(None);
    assert_eq!(user["level"], "user");
    assert_eq!(user["programGuid"], program);
    // The existing tag is replaced in place; other parameters and the fragment stay.
    assert_eq!(
        user["url"],
        "https://www.amazon.com/dp/B000TEST?th=1&tag=lena-20&psc=1#reviews"
    );

    let group = server.create_group(&keys, "g");
    assert_eq!(
        link(Some(group))["level"],
        "user",
        "a group without overrides falls back to the user"
    );
    let path = format!("/v4/groups/{group}/group-affiliate-tokens");
    let reply = server.call(
        &keys,
        "POST",
        &path,
        json!({ "programGuid": program, "parameters": { "tag": "lenagroup-20" } }),
    );
    assert_eq!(reply.status, 200);
    let grouped = link(Some(group));
    assert_eq!(grouped["level"], "group");
    assert_eq!(
        grouped["url"],
        "https://www.amazon.com/dp/B000TEST?th=1&tag=lenagroup-20&psc=1#reviews"
    );

    // Another storefront's host is not this program's.
    let reply = server.get(
        &keys,
        &format!(
            "/v4/affiliate-link?url={}",
            encoded("https://www.amazon.co.uk.example/dp/B0")
        ),
    );
    assert_eq!(reply.json()["level"], "none");
    let reply = server.get(
        &keys,
        &format!("/v4/affiliate-link?url={}", encoded("https://amzn.to/3abc")),
    );
    assert!(reply.json()["reason"]
        .as_str()
        .unwrap()
        .contains("short-link"));
}

#[test]
fn unusable_urls_are_refused_and_batches_answer_each_link() {
    let server = Server::start();
    let keys = server.add_user("mo", false);
    for bad in ["ftp://amazon.com/x", "not a url", ""] {
        let reply = server.get(&keys, &format!("/v4/affiliate-link?url={}", encoded(bad)));
        assert_eq!(reply.status, 400, "{bad}: {}", reply.text);
        assert!(["InvalidUrl", "NotEmpty"].contains(&reply.error_code().as_str()));
    }
    let long = format!("https://www.amazon.com/{}", "a".repeat(8 * 1024));
    let reply = server.call(
        &keys,
        "POST",
        "/v4/affiliate-links",
        json!({ "urls": [long] }),
    );
    assert_eq!(reply.json()["links"][0]["errorCode"], "InvalidUrl");

    let reply = server.call_ok(&keys, "POST", "/v4/affiliate-links", json!({ "urls": ["https://www.amazon.com/dp/B1", "javascript:alert(1)", "https://example.com/"] }));
    let links = reply.json()["links"].as_array().unwrap().clone();
    assert_eq!(links.len(), 3);
    assert_eq!(links[0]["level"], "none");
    assert_eq!(links[1]["errorCode"], "InvalidUrl");
    assert!(links[2]["reason"].as_str().unwrap().contains("example.com"));

    let many: Vec<String> = (0..1001)
        .map(|i| format!("https://example.com/{i}"))
        .collect();
    let reply = server.call(
        &keys,
        "POST",
        "/v4/affiliate-links",
        json!({ "urls": many }),
    );
    assert_eq!(reply.status, 400);
    assert_eq!(reply.error_code(), "TooManyUrls");

    // Another tenant's group is not found.
    let other = server.add_user("ned", false);
    let group = server.create_group(&other, "theirs");
    let reply = server.get(
        &keys,
        &format!(
            "/v4/affiliate-link?url={}&groupId={group}",
            encoded("https://www.amazon.com/dp/B1")
        ),
    );
    assert_eq!(reply.status, 404);
}

#[test]
fn an_unconfirmed_amazon_suffix_is_saved_with_a_warning() {
    let server = Server::start();
    let keys = server.add_user("wendy", false);
    let program = server.amazon_us(&keys);
    // amazon.com tags end in -20; -21 is accepted but flagged.
    let flagged = server.call_ok(
        &keys,
        "POST",
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "wendy-21" } }),
    );
    let body = flagged.json();
    assert_eq!(body["success"], true);
    let warning = body["responseStatus"]["meta"]["Warning.tag"]
        .as_str()
        .unwrap_or_default();
    assert!(warning.contains("-20"), "{}", flagged.text);
    assert_eq!(body["responseStatus"]["errorCode"], "");
    let guid = body["affiliateTokensId"].as_str().unwrap().to_string();
    let stored = server.get(&keys, "/v3/user-affiliate-tokens").json();
    assert_eq!(
        stored["affiliateTokensSet"][0]["affiliateTokens"]["tag"],
        "wendy-21"
    );

    // The confirmed suffix: no responseStatus at all.
    let clean = server.call_ok(
        &keys,
        "PUT",
        &format!("/v4/user-affiliate-tokens/{guid}"),
        json!({ "parameters": { "tag": "wendy-20" } }),
    );
    assert!(
        clean.json().get("responseStatus").is_none(),
        "{}",
        clean.text
    );
}
