//! The history of token sets and catalog administration, against the real server.

use crate::common::Server;
use serde_json::{json, Value};

#[test]
fn group_token_history_lists_every_change_with_who_and_when() {
    let server = Server::start();
    let alice = server.add_user("alice", false);
    let admin = server.add_user("root", true);
    let program = server.amazon_us(&alice);
    let group = server.create_group(&alice, "history");
    let guid = server.post_tokens(
        &alice,
        &format!("/v4/groups/{group}/group-affiliate-tokens"),
        json!({ "programGuid": program, "parameters": { "tag": "alice-20" } }),
    );
    let path = format!("/v4/groups/{group}/group-affiliate-tokens/{guid}");
    server.call_ok(
        &alice,
        "PUT",
        &path,
        json!({ "parameters": { "tag": "alice-21" } }),
    );
    server.call_ok(
        &admin,
        "PUT",
        &path,
        json!({ "username": "alice", "parameters": { "tag": "alice-22" } }),
    );

    let history = server.get(&alice, &format!("{path}/history"));
    assert_eq!(history.status, 200, "{}", history.text);
    let entries = history.json()["history"].as_array().unwrap().clone();
    let summary: Vec<(String, String, Value, Value)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["changedBy"].as_str().unwrap().to_string(),
                e["before"]["tag"].clone(),
                e["after"]["tag"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "PostGroupAffiliateTokens".into(),
                "alice".into(),
                Value::Null,
                json!("alice-20")
            ),
            (
                "PutGroupAffiliateTokens".into(),
                "alice".into(),
                json!("alice-20"),
                json!("alice-21")
            ),
            (
                "PutGroupAffiliateTokens".into(),
                "root".into(),
                json!("alice-21"),
                json!("alice-22")
            ),
        ]
    );
    for entry in &entries {
        assert_eq!(entry["username"], "alice");
        assert_eq!(entry["groupId"], group);
        assert!(entry["changedAt"].as_str().unwrap().ends_with('Z'));
    }

    // Another user learns nothing, not even that the record exists.
    let bob = server.add_user("bob", false);
    let other = server.get(&bob, &format!("{path}/history"));
    assert_eq!(other.status, 404, "{}", other.text);
    // The user-level route does not show group records.
    let wrong_level = server.get(&alice, &format!("/v4/user-affiliate-tokens/{guid}/history"));
    assert_eq!(wrong_level.status, 404, "{}", wrong_level.text);
    let bad = server.get(&alice, "/v4/user-affiliate-tokens/not-a-guid/history");
    assert_eq!(bad.status, 400, "{}", bad.text);
}

fn secret_program(guid: &str) -> Value {
    json!({
        "name": "Test Network Shop",
        "network": "Test Network",
        "countries": ["US"],
        "hosts": ["shop.example"],
        "parameters": [
            { "name": "aff", "displayName": "Affiliate id", "required": true, "pattern": "[0-9]{4,8}", "maxLength": 8, "example": "1234" },
            { "name": "key", "displayName": "Signing key", "required": false, "maxLength": 64, "sensitive": true }
        ],
        "link": { "kind": "query", "fixed": { "src": "aff" } },
        "programGuid": guid,
    })
}

#[test]
fn admins_add_change_and_disable_programs() {
    let server = Server::start();
    let admin = server.add_user("root", true);
    let carol = server.add_user("carol", false);
    let guid = "7d0f7d4e-3b1e-4a55-9c61-8f2f2d0c9a11";
    let path = format!("/v4/affiliate-programs/{guid}");

    let refused = server.call(&carol, "PUT", &path, secret_program(guid));
    assert_eq!(refused.status, 403, "{}", refused.text);

    let invalid = server.call(
        &admin,
        "PUT",
        &path,
        json!({ "name": "", "link": { "kind": "sideways" } }),
    );
    assert_eq!(invalid.status, 400, "{}", invalid.text);
    let mut fields: Vec<String> = invalid.field_errors().into_iter().map(|(_, f)| f).collect();
    fields.sort();
    assert_eq!(fields, vec!["Link", "Name"]);

    let added = server.call(&admin, "PUT", &path, secret_program(guid));
    assert_eq!(added.status, 200, "{}", added.text);
    assert_eq!(added.json()["created"], true);
    let listed = server.program(&carol, |p| p["programGuid"] == guid);
    assert_eq!(listed["hosts"], json!(["shop.example"]));

    // Carol connects it and uses it on a link.
    let token = server.post_tokens(
        &carol,
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": guid, "parameters": { "aff": "5678", "key": "s3cr3t-value" } }),
    );
    let link = server.get(
        &carol,
        "/v4/affiliate-link?url=https%3A%2F%2Fshop.example%2Fitem%2F1%3Fcolor%3Dred",
    );
    assert_eq!(link.status, 200, "{}", link.text);
    assert_eq!(
        link.json()["url"],
        "https://shop.example/item/1?color=red&aff=5678&key=s3cr3t-value&src=aff"
    );

    // The history masks the sensitive parameter.
    let history = server.get(
        &carol,
        &format!("/v4/user-affiliate-tokens/{token}/history"),
    );
    assert_eq!(history.status, 200, "{}", history.text);
    assert!(!history.text.contains("s3cr3t"), "{}", history.text);
    assert_eq!(history.json()["history"][0]["after"]["key"], "********");
    assert_eq!(history.json()["history"][0]["after"]["aff"], "5678");

    // Disabled: no longer listed, no longer applied, tokens hidden unless asked for.
    let mut disabled = secret_program(guid);
    disabled["disabled"] = json!(true);
    let changed = server.call(&admin, "PUT", &path, disabled);
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json()["created"], false);
    let programs = server.get(&carol, "/v3/affiliate-programs").json();
    assert!(!programs["affiliatePrograms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["programGuid"] == guid));
    let link = server.get(
        &carol,
        "/v4/affiliate-link?url=https%3A%2F%2Fshop.example%2Fitem%2F1",
    );
    assert_eq!(link.json()["affiliated"], false, "{}", link.text);
    assert_eq!(link.json()["url"], "https://shop.example/item/1");
    let tokens = server.get(&carol, "/v3/user-affiliate-tokens").json();
    assert_eq!(tokens["affiliateTokensSet"].as_array().unwrap().len(), 0);
    // A retired program takes no new tokens, and changes to its existing ones are refused.
    let dave = server.add_user("dave", false);
    let refused = server.call(
        &dave,
        "POST",
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": guid, "parameters": { "aff": "1111" } }),
    );
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert_eq!(refused.error_code(), "ProgramDisabled");
    let before = server
        .get(&carol, "/v3/user-affiliate-tokens?includeDisabled=true")
        .text;
    let changed = server.call(
        &carol,
        "PUT",
        &format!("/v4/user-affiliate-tokens/{token}"),
        json!({ "parameters": { "aff": "2222" } }),
    );
    assert_eq!(changed.status, 400, "{}", changed.text);
    assert_eq!(changed.error_code(), "ProgramDisabled");
    assert_eq!(
        server
            .get(&carol, "/v3/user-affiliate-tokens?includeDisabled=true")
            .text,
        before
    );
    let tokens = server
        .get(&carol, "/v3/user-affiliate-tokens?includeDisabled=true")
        .json();
    assert_eq!(tokens["affiliateTokensSet"].as_array().unwrap().len(), 1);
}

#[test]
fn catalog_export_and_import_round_trip_through_the_cli() {
    let server = Server::start();
    let exported = server.cli_ok(&["catalog", "export"]);
    let catalog: Value = serde_json::from_slice(&exported.stdout).unwrap();
    let count = catalog["programs"].as_array().unwrap().len();
    assert!(count >= 20, "the shipped catalog is exported: {count}");

    let mut changed = catalog.clone();
    changed["programs"][0]["disabled"] = json!(true);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalog.json");
    std::fs::write(&file, serde_json::to_string(&changed).unwrap()).unwrap();
    let imported = server.cli_ok(&["catalog", "import", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&imported.stdout)
        .contains(&format!("0 programs added, {count} updated")));
    let again: Value = serde_json::from_slice(&server.cli(&["catalog", "export"]).stdout).unwrap();
    let first = changed["programs"][0]["programGuid"].clone();
    let stored = again["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["programGuid"] == first)
        .unwrap();
    assert_eq!(stored["disabled"], true);

    std::fs::write(
        &file,
        "{\"version\":1,\"programs\":[{\"name\":\"broken\"}]}",
    )
    .unwrap();
    let refused = server.cli(&["catalog", "import", file.to_str().unwrap()]);
    assert!(!refused.status.success());
}
