//! The original's type contract (shared/spec/original-dtos.md) as callers see it: the
//! `__type` hints of interface-typed items, and the declarations `/types/metadata` and
//! the generated DTOs carry.

use crate::common::Server;
use serde_json::{json, Value};

const AFFILIATE_PROGRAM_HINT: &str =
    "AffiliationAPI.ServiceModel.DomainModel.AffiliateProgram, AffiliationAPI.ServiceModel";

/// A user with one user-level and one group-level token set: (server, keys, group).
fn populated() -> (Server, crate::common::Keys, u64) {
    let server = Server::start();
    let keys = server.add_user("hinted", false);
    let program = server.amazon_us(&keys);
    let group = server.create_group(&keys, "Hinted");
    server.post_tokens(
        &keys,
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "hinted-20" } }),
    );
    server.post_tokens(
        &keys,
        &format!("/v4/groups/{group}/group-affiliate-tokens"),
        json!({ "programGuid": program, "parameters": { "tag": "hinted-21" } }),
    );
    (server, keys, group)
}

/// The raw JSON text: the hint must be each item's first member, which a parsed map hides.
fn first_keys_of_items(text: &str, member: &str) -> Vec<String> {
    let value: Value = serde_json::from_str(text).unwrap();
    value[member]
        .as_array()
        .unwrap_or_else(|| panic!("{member} is a list: {text}"))
        .iter()
        .map(|item| {
            item.as_object()
                .unwrap()
                .keys()
                .next()
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn interface_typed_items_carry_the_type_hint_first_in_json_and_jsv() {
    let (server, keys, group) = populated();
    for (path, member) in [
        (
            "/v4/user-affiliate-tokens".to_string(),
            "affiliateTokensSet",
        ),
        (
            format!("/v4/groups/{group}/group-affiliate-tokens"),
            "affiliatePrograms",
        ),
    ] {
        let reply = server.call_ok(&keys, "GET", &path, Value::Null);
        let keys_first = first_keys_of_items(&reply.text, member);
        assert_eq!(keys_first, vec!["__type"], "{path}: {}", reply.text);
        assert_eq!(reply.json()[member][0]["__type"], AFFILIATE_PROGRAM_HINT);
        assert_eq!(
            reply.json()[member][0]["affiliateTokens"]["tag"]
                .as_str()
                .map(|t| t.starts_with("hinted-")),
            Some(true)
        );

        let jsv = server
            .request("GET", &format!("{path}?format=jsv"))
            .bearer_auth(&keys.api_key)
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(
            jsv.contains(&format!("[{{__type:\"{AFFILIATE_PROGRAM_HINT}\",")),
            "{path} as JSV: {jsv}"
        );
        // Concrete-typed lists carry none (ServiceStack.Text writes hints for interfaces only).
        let xml = server
            .request("GET", &format!("{path}?format=xml"))
            .bearer_auth(&keys.api_key)
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert!(!xml.contains("__type"), "{path} as XML: {xml}");
    }
    let catalog = server.call_ok(&keys, "GET", "/v3/affiliate-programs", Value::Null);
    assert!(!catalog.text.contains("__type"), "{}", catalog.text);
}

#[test]
fn the_hint_names_a_type_that_the_csharp_dtos_declare() {
    let server = Server::start();
    let csharp = server.fetch("/types/csharp").text;
    let (namespace, class) = AFFILIATE_PROGRAM_HINT
        .split(',')
        .next()
        .unwrap()
        .rsplit_once('.')
        .unwrap();
    let at = csharp
        .find(&format!("namespace {namespace}\n"))
        .unwrap_or_else(|| panic!("/types/csharp lacks namespace {namespace}"));
    let block = &csharp[at..];
    let block = &block[..block[1..]
        .find("\nnamespace ")
        .map_or(block.len(), |end| end + 1)];
    assert!(
        block.contains(&format!("public partial class {class}")) && block.contains("IAffiliateProgram"),
        "namespace {namespace} of /types/csharp does not declare {class} : IAffiliateProgram:\n{block}"
    );
}

#[test]
fn a_type_hint_on_input_is_accepted_and_ignored() {
    let server = Server::start();
    let keys = server.add_user("hinting", false);
    let program = server.amazon_us(&keys);
    let reply = server.call_ok(
        &keys,
        "POST",
        "/v4/affiliate-tokens-sets",
        json!({ "affiliatePrograms": [{
            "__type": AFFILIATE_PROGRAM_HINT,
            "programGuid": program,
            "affiliateTokens": { "tag": "hinting-20" },
        }] }),
    );
    let set_guid = reply.json()["affiliateTokensSetGuid"]
        .as_str()
        .unwrap()
        .to_string();
    let set = server.call_ok(
        &keys,
        "GET",
        &format!("/v4/affiliate-tokens-sets?setGuid={set_guid}"),
        Value::Null,
    );
    assert_eq!(
        set.json()["affiliateTokensSet"]["programs"][0]["affiliateTokens"]["tag"],
        "hinting-20",
        "{}",
        set.text
    );
    let jsv = server
        .request("POST", "/v4/affiliate-tokens-sets")
        .bearer_auth(&keys.api_key)
        .header("content-type", "text/jsv")
        .body(format!(
            "{{affiliatePrograms:[{{__type:\"{AFFILIATE_PROGRAM_HINT}\",programGuid:{program},affiliateTokens:{{tag:hinting-21}}}}]}}"
        ))
        .send()
        .unwrap();
    assert_eq!(jsv.status(), 200, "{}", jsv.text().unwrap());
}
