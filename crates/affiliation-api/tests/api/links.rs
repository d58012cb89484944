//! Link affiliation over HTTP: precedence, rewriting rules and refusals.

use crate::common::Server;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub(crate) fn encoded(url: &str) -> String {
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

// ---- cleaning and unwrapping (link-engine.md's examples table) --------------------

/// The catalog program named `name`'s GUID.
pub(crate) fn program_named(server: &Server, keys: &crate::common::Keys, name: &str) -> String {
    server.program(keys, |p| p["name"] == name)["programGuid"]
        .as_str()
        .unwrap()
        .to_string()
}

fn connect(server: &Server, keys: &crate::common::Keys, program: &str, parameters: Value) {
    let reply = server.call(
        keys,
        "POST",
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": parameters }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
}

/// GET /v4/affiliate-link and the same URL in POST /v4/affiliate-links agree; the answer.
fn link(server: &Server, keys: &crate::common::Keys, url: &str) -> Value {
    let reply = server.get(keys, &format!("/v4/affiliate-link?url={}", encoded(url)));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let single = reply.json();
    let batch = server.call(
        keys,
        "POST",
        "/v4/affiliate-links",
        json!({ "urls": [url] }),
    );
    assert_eq!(batch.status, 200, "{}", batch.text);
    assert_eq!(batch.json()["links"][0]["url"], single["url"], "{url}");
    // Applying twice gives what applying once gave.
    let again = server.get(
        keys,
        &format!(
            "/v4/affiliate-link?url={}",
            encoded(single["url"].as_str().unwrap())
        ),
    );
    assert_eq!(again.json()["url"], single["url"], "{url} twice");
    single
}

/// A server with one user whose Amazon US tag is `mytag-20`.
fn with_amazon_us_tag(username: &str) -> (Server, crate::common::Keys) {
    let server = Server::start();
    let keys = server.add_user(username, false);
    let amazon = server.amazon_us(&keys);
    connect(&server, &keys, &amazon, json!({ "tag": "mytag-20" }));
    (server, keys)
}

/// Connects the user to Walmart (Impact) as publisher 1234567; returns the program.
fn connect_walmart(server: &Server, keys: &crate::common::Keys) -> String {
    let walmart = program_named(server, keys, "Walmart (Impact)");
    connect(
        server,
        keys,
        &walmart,
        json!({ "publisherId": "1234567", "adId": "565706" }),
    );
    walmart
}

/// The examples table of link-engine.md, rows without country, honorExisting or
/// missingToken: user tokens Amazon US `mytag-20`, Walmart publisher 1234567.
#[test]
fn the_spec_examples_of_cleaning_and_unwrapping() {
    let (server, keys) = with_amazon_us_tag("tess");
    connect_walmart(&server, &keys);
    for (input, want) in [
        (
            "https://www.amazon.com/dp/B0BJMGW6V3?th=1&linkCode=sl1&tag=eiv-20&linkId=8afc&language=en_CA&ref_=as_li_ss_tl",
            "https://www.amazon.com/dp/B0BJMGW6V3?th=1&language=en_CA&tag=mytag-20",
        ),
        (
            "https://www.amazon.com/exec/obidos/ASIN/0596005423/other-20",
            "https://www.amazon.com/dp/0596005423?tag=mytag-20",
        ),
        (
            "https://goto.walmart.com/c/111111/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1",
            "https://goto.walmart.com/c/1234567/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1",
        ),
    ] {
        let answer = link(&server, &keys, input);
        assert_eq!(answer["url"], want, "{input}");
        assert_eq!(answer["level"], "user", "{input}");
        assert_eq!(answer["affiliated"], true, "{input}");
    }
}

/// Issue 14's first bug: someone's Impact link came back wrapped a second time.
#[test]
fn regression_an_impact_tracking_link_is_reissued_not_nested() {
    let server = Server::start();
    let keys = server.add_user("uma", false);
    let walmart = connect_walmart(&server, &keys);
    let answer = link(
        &server,
        &keys,
        "https://goto.walmart.com/c/111111/565706/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1",
    );
    let url = answer["url"].as_str().unwrap();
    assert_eq!(url.matches("goto.walmart.com").count(), 1, "{url}");
    assert!(!url.contains("111111"), "{url}");
    assert_eq!(answer["programGuid"], walmart);
}

/// Issue 14's second bug: the legacy path kept the other affiliate's tag.
#[test]
fn regression_a_legacy_amazon_path_loses_its_tag() {
    let (server, keys) = with_amazon_us_tag("vic");
    let answer = link(
        &server,
        &keys,
        "https://www.amazon.com/exec/obidos/ASIN/0596005423/other-20",
    );
    let url = answer["url"].as_str().unwrap();
    assert!(!url.contains("other-20"), "{url}");
    assert_eq!(url, "https://www.amazon.com/dp/0596005423?tag=mytag-20");
    let answer = link(
        &server,
        &keys,
        "https://www.amazon.com/o/ASIN/0596005423/other-20",
    );
    assert_eq!(
        answer["url"],
        "https://www.amazon.com/dp/0596005423?tag=mytag-20"
    );
}

/// Issue 14's third bug: the tag was replaced but linkCode, linkId and ascsubtag stayed.
#[test]
fn regression_another_affiliates_link_parameters_go_with_their_tag() {
    let server = Server::start();
    let keys = server.add_user("wes", false);
    let amazon = server.amazon_us(&keys);
    connect(&server, &keys, &amazon, json!({ "tag": "mytag-20" }));
    let input = "https://www.amazon.com/dp/B08N5WRWNW?th=1&linkCode=sl1&tag=eiv-20&linkId=8afc&ascsubtag=foo";
    assert_eq!(
        link(&server, &keys, input)["url"],
        "https://www.amazon.com/dp/B08N5WRWNW?th=1&tag=mytag-20"
    );
    // With a sub-tag of one's own, that one is on the link.
    let other = server.add_user("xan", false);
    connect(
        &server,
        &other,
        &amazon,
        json!({ "tag": "xan-20", "ascsubtag": "mine" }),
    );
    assert_eq!(
        link(&server, &other, input)["url"],
        "https://www.amazon.com/dp/B08N5WRWNW?th=1&ascsubtag=mine&tag=xan-20"
    );
}

/// `strip` is part of a program's definition: PUT takes it, checks it, lists it, and
/// links use it.
#[test]
fn strip_lists_are_defined_checked_and_applied() {
    let server = Server::start();
    let admin = server.add_user("root", true);
    let guid = "5e0c2a8e-1b7d-4c1e-9f3a-2d6b8c4e7a10";
    let path = format!("/v4/affiliate-programs/{guid}");
    let definition = |strip: Value| {
        json!({
            "name": "Strip Shop",
            "network": "Test Network",
            "countries": ["US"],
            "hosts": ["strip.example"],
            "parameters": [{ "name": "aff", "displayName": "Affiliate", "required": true, "maxLength": 16 }],
            "link": { "kind": "query" },
            "strip": strip,
        })
    };
    let bad = server.call(&admin, "PUT", &path, definition(json!(["ok", "a&b"])));
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(
        bad.field_errors()
            .into_iter()
            .map(|(_, f)| f)
            .collect::<Vec<_>>(),
        vec!["Program"]
    );
    assert!(bad.text.contains("a&b"), "{}", bad.text);

    let put = server.call(
        &admin,
        "PUT",
        &path,
        definition(json!(["partner", "src=aff_*"])),
    );
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(
        put.json()["affiliateProgram"]["strip"],
        json!(["partner", "src=aff_*"])
    );
    let listed = server.program(&admin, |p| p["programGuid"] == guid);
    assert_eq!(listed["strip"], json!(["partner", "src=aff_*"]));
    connect(&server, &admin, guid, json!({ "aff": "me" }));
    assert_eq!(
        link(
            &server,
            &admin,
            "https://strip.example/p/1?color=red&partner=x&aff=them&src=aff_12&src=home"
        )["url"],
        "https://strip.example/p/1?color=red&src=home&aff=me"
    );

    // Without strip (older definitions), nothing is stripped and the member is absent.
    let mut plain = definition(Value::Null);
    plain.as_object_mut().unwrap().remove("strip");
    let put = server.call(&admin, "PUT", &path, plain);
    assert_eq!(put.status, 200, "{}", put.text);
    assert!(
        put.json()["affiliateProgram"]["strip"].is_null(),
        "{}",
        put.text
    );
    assert_eq!(
        link(&server, &admin, "https://strip.example/p/1?partner=x")["url"],
        "https://strip.example/p/1?partner=x&aff=me"
    );
}

/// `catalog export` writes the strip lists; `catalog import` checks them, and a file
/// without any (an older export) still imports.
#[test]
fn catalog_files_carry_strip_lists() {
    let server = Server::start();
    let exported = server.cli(&["catalog", "export"]);
    assert!(exported.status.success());
    let catalog: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let programs = catalog["programs"].as_array().unwrap();
    let us = programs
        .iter()
        .find(|p| p["name"] == "Amazon Associates (United States)")
        .unwrap();
    assert!(us["strip"].as_array().unwrap().contains(&json!("linkId")));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog.json");
    let mut older = catalog.clone();
    for p in older["programs"].as_array_mut().unwrap() {
        p.as_object_mut().unwrap().remove("strip");
    }
    std::fs::write(&file, serde_json::to_string(&older).unwrap()).unwrap();
    server.cli_ok(&["catalog", "import", file.to_str().unwrap()]);

    let mut broken = catalog.clone();
    broken["programs"][0]["strip"] = json!(["linkId", "linkId"]);
    std::fs::write(&file, serde_json::to_string(&broken).unwrap()).unwrap();
    let refused = server.cli(&["catalog", "import", file.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("strip entry \"linkId\" repeated"),
        "{stderr}"
    );
}

/// A program of the test's own, so a catalog PUT can change its rule.
fn shop_program(guid: &str, source: &str) -> Value {
    json!({
        "name": "Cache Test Shop",
        "network": "Test Network",
        "countries": ["US"],
        "hosts": ["cache-shop.example"],
        "parameters": [
            { "name": "aff", "displayName": "Affiliate id", "required": true, "pattern": "[0-9]{4,8}", "maxLength": 8, "example": "1234" }
        ],
        "link": { "kind": "query", "fixed": { "src": source } },
        "programGuid": guid,
    })
}

/// Every change a link is made from shows in the next link: at once on the node that
/// made it, and on another node that had already made the same link as soon as the
/// change's notification is in (half a second is far more than it takes, and shorter
/// than the catalog's own refresh).
#[test]
fn token_and_catalog_changes_show_in_the_next_link_on_every_node() {
    let a = Server::start();
    let b = a.another_node();
    let admin = a.add_user("root", true);
    let keys = a.add_user("tess", false);
    let program = "5b6c1f0e-8d2a-4f3b-9e7c-2a1d0c9b8e71";
    let catalog_path = format!("/v4/affiliate-programs/{program}");
    a.call_ok(&admin, "PUT", &catalog_path, shop_program(program, "one"));
    let user_guid = a.post_tokens(
        &keys,
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "aff": "1000" } }),
    );
    let group = a.create_group(&keys, "links");
    let groups_path = format!("/v4/groups/{group}/group-affiliate-tokens");
    let group_guid = a.post_tokens(
        &keys,
        &groups_path,
        json!({ "programGuid": program, "parameters": { "aff": "2000" } }),
    );
    let product = encoded("https://cache-shop.example/item/1");
    let link = |node: &Server, group: Option<u64>| -> String {
        let group = group.map(|g| format!("&groupId={g}")).unwrap_or_default();
        let reply = node.get(&keys, &format!("/v4/affiliate-link?url={product}{group}"));
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["url"].as_str().expect("a url").to_string()
    };
    let shows = |node: &Server, group: Option<u64>, aff: &str, src: &str| {
        let wanted = format!("https://cache-shop.example/item/1?aff={aff}&src={src}");
        // Node B hears A's change within milliseconds; the deadline is a loaded
        // machine's. Without the change it would link the kept tokens for good.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = link(node, group);
        while seen != wanted && !std::ptr::eq(node, &a) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
            seen = link(node, group);
        }
        assert_eq!(
            seen,
            wanted,
            "on node {}",
            if std::ptr::eq(node, &a) { "A" } else { "B" }
        );
    };
    let all_show = |user_aff: &str, group_aff: &str, src: &str| {
        for node in [&a, &b] {
            // Twice: the second link is made from what the first one kept.
            for _ in 0..2 {
                shows(node, None, user_aff, src);
                shows(node, Some(group), group_aff, src);
            }
        }
    };
    all_show("1000", "2000", "one");

    a.call_ok(
        &keys,
        "PUT",
        &format!("/v4/user-affiliate-tokens/{user_guid}"),
        json!({ "parameters": { "aff": "1001" } }),
    );
    all_show("1001", "2000", "one");

    a.call_ok(
        &keys,
        "PUT",
        &format!("{groups_path}/{group_guid}"),
        json!({ "parameters": { "aff": "2001" } }),
    );
    all_show("1001", "2001", "one");

    a.call_ok(&admin, "PUT", &catalog_path, shop_program(program, "two"));
    all_show("1001", "2001", "two");

    // Gone from the group: the user's own tokens apply to the group's links again.
    a.call_ok(
        &keys,
        "DELETE",
        &format!("{groups_path}/{group_guid}"),
        Value::Null,
    );
    all_show("1001", "1001", "two");
}

/// The round whose tag a link made with the group carries.
fn round_linked(server: &Server, keys: &crate::common::Keys, group: u64) -> u64 {
    let product = encoded("https://www.amazon.com/dp/B000RACE");
    let reply = server.get(
        keys,
        &format!("/v4/affiliate-link?url={product}&groupId={group}"),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let url = reply.json()["url"].as_str().expect("a url").to_string();
    let tag = url
        .split_once("tag=")
        .map(|(_, rest)| rest.split('&').next().unwrap_or(rest))
        .unwrap_or_else(|| panic!("no tag in {url}"));
    crate::answers::round_of_tag(tag)
}

/// Writer on node A, links made on node B: a link never carries a token older than
/// one a link on B has already carried (the link token cache keeps no read that
/// overlapped a write of its group).
#[test]
fn a_write_on_one_node_never_links_older_on_the_other_after_it_shows() {
    crate::answers::writes_on_one_node_never_read_older_on_the_other(round_linked);
}
