//! Host behaviours clients rely on (wire spec section 12): verb tunnelling through the
//! query string and form fields, and `?jsconfig=`.

use crate::common::Server;
use serde_json::{json, Value};

#[test]
fn the_verb_override_comes_from_the_query_string_or_a_form_field_of_a_post() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let program = server.amazon_us(&keys);
    let group = server.create_group(&keys, "picks");
    let tokens = format!("/v4/groups/{group}/group-affiliate-tokens");
    let guid = server.post_tokens(
        &keys,
        &tokens,
        json!({ "programGuid": program, "parameters": { "tag": "alice-20" } }),
    );

    let put = server.call(
        &keys,
        "POST",
        &format!("{tokens}/{guid}?X-Http-Method-Override=PUT"),
        json!({ "parameters": { "tag": "alice-21" } }),
    );
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.json()["success"], true);
    let listed = server.get(&keys, &tokens).json().to_string();
    assert!(listed.contains("alice-21"), "{listed}");

    // Only a POST is tunnelled by query or form: a link cannot delete.
    let get = server.get(
        &keys,
        &format!("/v4/groups/{group}?X-Http-Method-Override=DELETE"),
    );
    assert_eq!(get.status, 405, "the group's path has no GET: {}", get.text);
    assert_eq!(
        server.get(&keys, &tokens).status,
        200,
        "a GET deleted the group"
    );

    let delete = server
        .request("POST", &format!("/v4/groups/{group}"))
        .bearer_auth(&keys.api_key)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("x-http-method-override=DELETE")
        .send()
        .expect("request");
    assert_eq!(delete.status(), 200, "{:?}", delete.text());
    assert_eq!(server.get(&keys, &tokens).status, 404);
}

fn jsconfig(server: &Server, keys: &crate::common::Keys, path: &str) -> Value {
    let reply = server.get(keys, path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply.json()
}

#[test]
fn jsconfig_tunes_json_and_jsv_answers_and_ignores_unknown_settings() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let plain = jsconfig(&server, &keys, "/v4/user-affiliate-tokens");
    assert_eq!(plain, json!({ "affiliateTokensSet": [], "total": 0 }));

    assert_eq!(
        jsconfig(
            &server,
            &keys,
            "/v4/user-affiliate-tokens?jsconfig=ExcludeDefaultValues"
        ),
        json!({ "affiliateTokensSet": [] })
    );
    assert_eq!(
        jsconfig(
            &server,
            &keys,
            "/v4/user-affiliate-tokens?jsconfig=edv:false"
        ),
        plain
    );
    let with_nulls = jsconfig(&server, &keys, "/v4/user-affiliate-tokens?jsconfig=inv");
    assert_eq!(with_nulls["responseStatus"], Value::Null);
    assert!(with_nulls
        .as_object()
        .unwrap()
        .contains_key("responseStatus"));
    assert_eq!(
        jsconfig(&server, &keys, "/v4/user-affiliate-tokens?jsconfig=epcn"),
        json!({ "AffiliateTokensSet": [], "Total": 0 })
    );
    assert_eq!(
        jsconfig(
            &server,
            &keys,
            "/v4/user-affiliate-tokens?jsconfig=Nonsense:1,eti,,"
        ),
        plain
    );

    // Nested DTOs are renamed too; a map's keys are data, not member names.
    let programs = jsconfig(&server, &keys, "/v3/affiliate-programs?jsconfig=elun,edv");
    let first = &programs["affiliate_programs"][0];
    assert!(first["program_guid"].is_string(), "{first}");
    assert!(first.get("disabled").is_none(), "{first}");
    assert!(
        first["parameters"][0]["display_name"].is_string(),
        "{first}"
    );
    let program = server.amazon_us(&keys);
    server.call_ok(
        &keys,
        "POST",
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "alice-20" } }),
    );
    let jsv = server.get(
        &keys,
        "/v4/user-affiliate-tokens?jsconfig=TextCase:SnakeCase&format=jsv",
    );
    assert!(jsv.text.contains("affiliate_tokens_set:"), "{}", jsv.text);
    assert!(jsv.text.contains("{tag:alice-20}"), "{}", jsv.text);
}

#[test]
fn jsconfig_date_handler_writes_datetime_members_its_way() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let program = server.amazon_us(&keys);
    let created = server.call_ok(
        &keys,
        "POST",
        "/v4/affiliate-tokens-sets",
        json!({ "affiliatePrograms": [{ "programGuid": program, "affiliateTokens": { "tag": "alice-20" } }] }),
    );
    let set = created.json()["affiliateTokensSetGuid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v4/affiliate-tokens-sets?setGuid={set}");
    let iso = jsconfig(&server, &keys, &path)["affiliateTokensSet"]["createdAtUtc"]
        .as_str()
        .expect("an ISO-8601 date by default")
        .to_string();
    assert!(iso.ends_with('Z') && iso.contains('T'), "{iso}");
    let unix = jsconfig(&server, &keys, &format!("{path}&jsconfig=dh:ut"));
    let seconds = unix["affiliateTokensSet"]["createdAtUtc"]
        .as_i64()
        .expect("unix seconds");
    assert!(seconds > 1_700_000_000, "{seconds}");
    let date_only = jsconfig(
        &server,
        &keys,
        &format!("{path}&jsconfig=DateHandler:ISO8601DateOnly"),
    );
    assert_eq!(date_only["affiliateTokensSet"]["createdAtUtc"], iso[..10]);
    let wcf = jsconfig(&server, &keys, &format!("{path}&jsconfig=dh:dcjsc"));
    let text = wcf["affiliateTokensSet"]["createdAtUtc"].as_str().unwrap();
    assert!(text.starts_with("/Date(") && text.ends_with(")/"), "{text}");
}
