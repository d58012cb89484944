//! End-to-end behaviour of the core operations, over JSON, against the real server.

use crate::common::{Reply, Server};
use serde_json::{json, Value};

/// A group with Amazon US override tokens: (server, keys, group id, program, guid).
fn group_with_tokens() -> (Server, crate::common::Keys, u64, String, String) {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let program = server.amazon_us(&keys);
    let group = server.create_group(&keys, "Summer picks");
    let reply = server.call_ok(
        &keys,
        "POST",
        &format!("/v4/groups/{group}/group-affiliate-tokens"),
        json!({ "programGuid": program, "parameters": { "tag": "alice-20" } }),
    );
    let body = reply.json();
    assert_eq!(body["success"], true);
    let guid = body["affiliateTokensId"].as_str().unwrap().to_string();
    (server, keys, group, program, guid)
}

fn group_tokens(server: &Server, keys: &crate::common::Keys, group: u64) -> Value {
    let reply = server.get(keys, &format!("/v4/groups/{group}/group-affiliate-tokens"));
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["affiliatePrograms"].clone()
}

#[test]
fn seed_request_updates_group_tokens_at_the_user_route() {
    let (server, keys, group, program, guid) = group_with_tokens();
    // The seed's sample request, as JSON, with real values.
    let reply = server.call_ok(&keys, "PUT", &format!("/v4/groups/{group}/group-affiliate-tokens/{guid}"), json!({ "groupId": group, "guid": guid, "username": "alice", "parameters": { "tag": "alice2-20" } }));
    assert_eq!(
        reply.text,
        format!(r#"{{"success":true,"affiliateTokensId":"{guid}"}}"#)
    );
    assert!(reply.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));

    let listed = group_tokens(&server, &keys, group);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["programGuid"], program);
    assert_eq!(listed[0]["affiliateTokensId"], guid);
    assert_eq!(listed[0]["affiliateTokens"], json!({ "tag": "alice2-20" }));
    assert_eq!(listed[0]["groupId"], group);
}

#[test]
fn seed_request_works_through_the_predefined_routes() {
    let (server, keys, group, _program, guid) = group_with_tokens();
    for (path, tag) in [
        ("/api/PutGroupAffiliateTokensRequest", "alice3-20"),
        ("/api/putgroupaffiliatetokensrequest", "alice4-20"),
        ("/json/reply/PutGroupAffiliateTokensRequest", "alice5-20"),
    ] {
        let body = json!({ "groupId": group, "guid": guid, "parameters": { "tag": tag } });
        let reply = server.call(&keys, "PUT", path, body);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        assert_eq!(
            reply.json(),
            json!({ "success": true, "affiliateTokensId": guid })
        );
        assert_eq!(
            group_tokens(&server, &keys, group)[0]["affiliateTokens"]["tag"],
            tag
        );
    }
    // Clients POST to /api by default, whatever the operation's verb.
    let body = json!({ "groupId": group, "guid": guid, "parameters": { "tag": "alice-25" } });
    let reply = server.call(&keys, "POST", "/api/PutGroupAffiliateTokensRequest", body);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        group_tokens(&server, &keys, group)[0]["affiliateTokens"]["tag"],
        "alice-25"
    );
    // GET operations through /api take their DTO from the query string.
    let reply = server.get(
        &keys,
        &format!("/api/GetGroupAffiliateTokensRequest?groupId={group}"),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json()["affiliatePrograms"][0]["affiliateTokensId"],
        guid
    );
    // A verb that makes no sense for the operation is refused.
    let reply = server.call(
        &keys,
        "DELETE",
        "/api/GetGroupAffiliateTokensRequest",
        Value::Null,
    );
    assert_eq!(reply.status, 405, "{}", reply.text);
}

#[test]
fn user_level_tokens_lifecycle() {
    let server = Server::start();
    let keys = server.add_user("carol", false);
    let program = server.amazon_us(&keys);
    let guid = server.post_tokens(
        &keys,
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "carol-20" } }),
    );

    // A second POST for the same program is a conflict naming the existing set.
    let reply = server.call(
        &keys,
        "POST",
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "carol2-20" } }),
    );
    assert_eq!(reply.status, 409, "{}", reply.text);
    assert_eq!(reply.error_code(), "Conflict");
    assert!(reply.text.contains(&guid));

    let listed = server.get(&keys, "/v4/user-affiliate-tokens").json();
    assert_eq!(
        listed["affiliateTokensSet"][0]["affiliateTokens"],
        json!({ "tag": "carol-20" })
    );
    let v3 = server.get(&keys, "/v3/user-affiliate-tokens").json();
    assert_eq!(v3["affiliateTokensSet"][0]["affiliateTokensId"], guid);

    let reply = server.call(
        &keys,
        "PUT",
        &format!("/v4/user-affiliate-tokens/{guid}"),
        json!({ "parameters": { "tag": "carol3-20" } }),
    );
    assert_eq!(
        reply.json(),
        json!({ "success": true, "affiliateTokensId": guid })
    );
    // 32-hex "N" form and braces name the same set.
    let n_form = guid.replace('-', "");
    server.call_ok(
        &keys,
        "PUT",
        &format!("/v4/user-affiliate-tokens/{n_form}"),
        json!({ "parameters": { "tag": "carol-23" } }),
    );
    let listed = server.get(&keys, "/v4/user-affiliate-tokens").json();
    assert_eq!(
        listed["affiliateTokensSet"][0]["affiliateTokens"]["tag"],
        "carol-23"
    );

    let reply = server.call(
        &keys,
        "DELETE",
        &format!("/v4/user-affiliate-tokens/{guid}"),
        Value::Null,
    );
    assert_eq!(reply.json(), json!({ "success": true }));
    let reply = server.call(
        &keys,
        "DELETE",
        &format!("/v4/user-affiliate-tokens/{guid}"),
        Value::Null,
    );
    assert_eq!(reply.status, 404);
    assert_eq!(reply.error_code(), "NotFound");
    assert_eq!(
        server.get(&keys, "/v4/user-affiliate-tokens").json()["affiliateTokensSet"],
        json!([])
    );
}

#[test]
fn groups_and_all_group_overrides() {
    let (server, keys, group, program, guid) = group_with_tokens();
    let empty = server.create_group(&keys, "Empty");
    let groups = server.get(&keys, "/v4/groups").json();
    assert_eq!(groups["groups"].as_array().unwrap().len(), 2);
    assert_eq!(groups["groups"][0]["name"], "Summer picks");

    let all = server.get(&keys, "/v3/group-affiliate-tokens").json();
    assert_eq!(all["groups"][0]["groupId"], group);
    assert_eq!(
        all["groups"][0]["affiliatePrograms"][0]["affiliateTokensId"],
        guid
    );
    assert_eq!(
        all["groups"][0]["affiliatePrograms"][0]["programGuid"],
        program
    );
    assert_eq!(all["groups"][1]["groupId"], empty);
    assert_eq!(all["groups"][1]["affiliatePrograms"], json!([]));

    let reply = server.call(&keys, "DELETE", &format!("/v4/groups/{group}"), Value::Null);
    assert_eq!(reply.json(), json!({ "success": true }));
    let reply = server.get(&keys, &format!("/v4/groups/{group}/group-affiliate-tokens"));
    assert_eq!(reply.status, 404);
    let reply = server.call(&keys, "DELETE", &format!("/v4/groups/{group}"), Value::Null);
    assert_eq!(reply.status, 404);
}

#[test]
fn token_sets_write_many_programs_at_once_or_none() {
    let server = Server::start();
    let keys = server.add_user("dave", false);
    let amazon = server.amazon_us(&keys);
    let tag_program = |p: &Value, tag: &str| {
        p["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["name"] == tag)
    };
    let apple = server.program(&keys, |p| tag_program(p, "at") && p["disabled"] == false)
        ["programGuid"]
        .as_str()
        .unwrap()
        .to_string();

    // One bad program spoils the whole write.
    let bad = json!({ "affiliatePrograms": [
        { "programGuid": amazon, "affiliateTokens": { "tag": "dave-20" } },
        { "programGuid": apple, "affiliateTokens": { "nope": "x" } },
    ]});
    let reply = server.call(&keys, "POST", "/v4/affiliate-tokens-sets", bad);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(
        server.get(&keys, "/v4/user-affiliate-tokens").json()["affiliateTokensSet"],
        json!([])
    );

    let apple_tokens = server.program(&keys, |p| p["programGuid"] == apple)["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["required"] == true)
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["example"].clone(),
            )
        })
        .collect::<serde_json::Map<_, _>>();
    let good = json!({ "affiliatePrograms": [
        { "programGuid": amazon, "affiliateTokens": { "tag": "dave-20" } },
        { "programGuid": apple, "affiliateTokens": apple_tokens },
    ]});
    let reply = server.call(&keys, "POST", "/v4/affiliate-tokens-sets", good);
    assert_eq!(reply.status, 200, "{}", reply.text);
    let set_guid = reply.json()["affiliateTokensSetGuid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(set_guid.len(), 32, "N form");
    assert_eq!(
        server.get(&keys, "/v4/user-affiliate-tokens").json()["affiliateTokensSet"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let reply = server.get(
        &keys,
        &format!("/v4/affiliate-tokens-sets?setGuid={set_guid}"),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let set = &reply.json()["affiliateTokensSet"];
    assert_eq!(set["setGuid"], set_guid);
    assert_eq!(set["username"], "dave");
    assert_eq!(set["programs"].as_array().unwrap().len(), 2);
}

#[test]
fn no_credentials_is_401_with_empty_body_and_a_challenge() {
    let server = Server::start();
    let reply: Reply = server
        .request("GET", "/v4/user-affiliate-tokens")
        .send()
        .unwrap()
        .into();
    assert_eq!(reply.status, 401);
    assert_eq!(reply.text, "");
    assert!(reply.headers.get("www-authenticate").is_some());
    let reply: Reply = server
        .request("POST", "/api/PostGroupRequest")
        .send()
        .unwrap()
        .into();
    assert_eq!(reply.status, 401);
    assert_eq!(reply.text, "");
}

#[test]
fn every_credential_form_works_and_wrong_ones_are_refused() {
    let server = Server::start();
    let keys = server.add_user("erin", false);
    let ok = |builder: reqwest::blocking::RequestBuilder| -> u16 {
        builder.send().unwrap().status().as_u16()
    };
    let path = "/v4/groups";
    assert_eq!(
        ok(server.request("GET", path).bearer_auth(&keys.api_key)),
        200
    );
    assert_eq!(
        ok(server
            .request("GET", path)
            .basic_auth(&keys.api_key, None::<&str>)),
        200
    );
    assert_eq!(
        ok(server
            .request("GET", path)
            .basic_auth(&keys.api_key, Some(&keys.api_secret))),
        200
    );
    assert_eq!(
        ok(server
            .request("GET", path)
            .header("X-Api-Key", &keys.api_key)
            .header("X-Api-Secret", &keys.api_secret)),
        200
    );

    for builder in [
        server.request("GET", path).bearer_auth("ak_not-a-key"),
        server
            .request("GET", path)
            .basic_auth(&keys.api_key, Some("wrong-secret")),
        server
            .request("GET", path)
            .header("X-Api-Key", &keys.api_key)
            .header("X-Api-Secret", "wrong"),
        server
            .request("GET", path)
            .header("Authorization", "Digest abc"),
    ] {
        let reply: Reply = builder.send().unwrap().into();
        assert_eq!(reply.status, 401, "{}", reply.text);
        assert_eq!(reply.error_code(), "Unauthorized");
        assert_eq!(reply.json()["responseStatus"]["errors"], json!([]));
    }
}

#[test]
fn unknown_operations_and_paths() {
    let server = Server::start();
    let keys = server.add_user("frank", false);
    let reply = server.get(&keys, "/api/Nope");
    assert_eq!(reply.status, 405);
    assert_eq!(reply.error_code(), "NotImplementedException");
    assert_eq!(
        reply.json()["responseStatus"]["message"],
        "The operation does not exist for this service"
    );
    let reply = server.get(&keys, "/json/reply/Nope");
    assert_eq!(reply.status, 405);
    let reply = server.get(&keys, "/no/such/path");
    assert_eq!(reply.status, 404);
    // A method no operation can have still says what the resource allows.
    let reply: Reply = server
        .request("TRACE", "/v4/groups")
        .bearer_auth(&keys.api_key)
        .send()
        .unwrap()
        .into();
    assert_eq!(reply.status, 405);
    assert_eq!(reply.error_code(), "NotSupportedException");
    assert_eq!(reply.headers["allow"], "GET, POST");
}

#[test]
fn keys_rotate_and_revoke_take_effect_once_heard() {
    let server = Server::start();
    let keys = server.add_user("gina", false);
    assert_eq!(server.get(&keys, "/v4/groups").status, 200);
    let output = server.cli(&["keys", "rotate", "gina", "--json"]);
    assert!(output.status.success());
    let rotated: Value = serde_json::from_slice(&output.stdout).unwrap();
    server.await_key_refused(&keys);
    let new_keys = crate::common::Keys {
        username: "gina".into(),
        api_key: rotated["apiKey"].as_str().unwrap().into(),
        api_secret: rotated["apiSecret"].as_str().unwrap().into(),
    };
    assert_eq!(server.get(&new_keys, "/v4/groups").status, 200);
    assert!(server.cli(&["keys", "revoke", "gina"]).status.success());
    server.await_key_refused(&new_keys);
    assert!(!server.cli(&["keys", "revoke", "nobody"]).status.success());

    let listing = String::from_utf8(server.cli(&["users", "list"]).stdout).unwrap();
    assert!(
        listing.contains("gina") && listing.contains("(revoked)"),
        "{listing}"
    );
    assert!(!listing.contains(&new_keys.api_key));
    // A taken username is refused.
    assert!(!server.cli(&["users", "add", "gina"]).status.success());
}

#[test]
fn a_write_answered_200_survives_kill_9() {
    let (mut server, keys, group, _program, guid) = group_with_tokens();
    let reply = server.call(
        &keys,
        "PUT",
        &format!("/v4/groups/{group}/group-affiliate-tokens/{guid}"),
        json!({ "parameters": { "tag": "durable-20" } }),
    );
    assert_eq!(reply.status, 200);
    server.kill9();
    let server = server.restart();
    let listed = group_tokens(&server, &keys, group);
    assert_eq!(listed[0]["affiliateTokens"]["tag"], "durable-20");
}

#[test]
fn oversized_bodies_get_413() {
    let server = Server::start();
    let keys = server.add_user("hank", false);
    let big = "x".repeat(1024 * 1024 + 1);
    let reply: Reply = server
        .request("POST", "/v4/groups")
        .bearer_auth(&keys.api_key)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .unwrap()
        .into();
    assert_eq!(reply.status, 413);
    assert_eq!(reply.error_code(), "RequestEntityTooLarge");
}

#[test]
fn malformed_bodies_are_400_serialization_errors() {
    let server = Server::start();
    let keys = server.add_user("ivy", false);
    for body in ["{", "[1,2]", "{\"parameters\": \"not a map\"}", "\u{0}"] {
        let reply: Reply = server
            .request("POST", "/v4/user-affiliate-tokens")
            .bearer_auth(&keys.api_key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .unwrap()
            .into();
        assert_eq!(reply.status, 400, "{body}: {}", reply.text);
        assert_eq!(reply.error_code(), "SerializationException", "{body}");
    }
}

#[test]
fn health_needs_no_auth_and_sigterm_stops_cleanly() {
    let mut server = Server::start();
    let reply: Reply = server.request("GET", "/health").send().unwrap().into();
    assert_eq!(reply.status, 200);
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    assert!(server.log_text().contains("shutting down"));
}

#[test]
fn logs_never_contain_keys_or_token_values() {
    let (server, keys, group, _program, guid) = group_with_tokens();
    server.call(
        &keys,
        "PUT",
        &format!("/v4/groups/{group}/group-affiliate-tokens/{guid}"),
        json!({ "parameters": { "tag": "secretive-20" } }),
    );
    let log = server.log_text();
    assert!(log.contains("request"), "requests are logged");
    assert!(!log.contains(&keys.api_key[3..]));
    assert!(!log.contains("secretive-20"));
    assert!(!log.contains("alice-20"));
}
