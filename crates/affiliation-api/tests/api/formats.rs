//! Every format the original speaks, chosen every way, against the real server.

use crate::common::{Reply, Server};
use serde_json::{json, Value};

/// A user with user-level tokens and a group with an override: (server, keys, group, guid).
fn populated() -> (Server, crate::common::Keys, u64, String) {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let program = server.amazon_us(&keys);
    let group = server.create_group(&keys, "Picks, \"best\" {of} [2026]");
    let guid = server.post_tokens(&keys, &format!("/v4/groups/{group}/group-affiliate-tokens"), json!({ "programGuid": program, "parameters": { "tag": "alice-20", "ascsubtag": "a, b: \"c\"" } }));
    server.call_ok(
        &keys,
        "POST",
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "alice-21" } }),
    );
    (server, keys, group, guid)
}

fn send(
    server: &Server,
    keys: &crate::common::Keys,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut request = server.request(method, path).bearer_auth(&keys.api_key);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    request.send().expect("request").into()
}

/// Scalars as the text formats carry them.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        other => other.to_string(),
    }
}

/// The scalars of a JSON answer, without its `__type` hints (JSON and JSV carry them; XML
/// and CSV do not, as ServiceStack).
fn leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| *key != "__type")
            .for_each(|(_, v)| leaves(v, out)),
        Value::Array(items) => items.iter().for_each(|v| leaves(v, out)),
        Value::Null => {}
        scalar => out.push(text(scalar)),
    }
}

/// Compares a text-format decoding (every scalar a string) with the JSON content.
fn same_content(json: &Value, decoded: &Value) -> bool {
    match (json, decoded) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| same_content(v, w)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(v, w)| same_content(v, w))
        }
        (scalar, Value::String(s)) => text(scalar).eq_ignore_ascii_case(s),
        _ => false,
    }
}

#[test]
fn the_seed_jsv_body_as_printed_updates_the_tokens() {
    let (server, keys, group, guid) = populated();
    // The seed's sample body, byte for byte (tabs, newlines, bare values), with real values.
    let body = format!(
        "{{\n\tgroupId: {group},\n\tguid: {guid},\n\tusername: alice,\n\tparameters: \n\t{{\n\t\ttag: seeded-20\n\t}}\n}}"
    );
    let path = format!("/v4/groups/{group}/group-affiliate-tokens/{guid}");
    let reply = send(
        &server,
        &keys,
        "PUT",
        &path,
        &[("Content-Type", "text/jsv"), ("Accept", "text/jsv")],
        Some(&body),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/jsv"));
    let parsed: Value = jsv::from_str(&reply.text).expect("the answer is JSV");
    assert_eq!(parsed["success"], "True");
    assert_eq!(parsed["affiliateTokensId"], guid.as_str());
    let listed = server
        .get(&keys, &format!("/v4/groups/{group}/group-affiliate-tokens"))
        .json();
    assert_eq!(
        listed["affiliatePrograms"][0]["affiliateTokens"],
        json!({ "tag": "seeded-20" })
    );
}

#[test]
fn every_get_operation_answers_the_same_content_in_every_format_chosen_every_way() {
    let (server, keys, group, _guid) = populated();
    let operations = [
        (
            "GetUserAffiliateTokensRequest",
            "/v4/user-affiliate-tokens".to_string(),
            String::new(),
        ),
        (
            "GetUserAffiliateTokensV3Request",
            "/v3/user-affiliate-tokens".to_string(),
            String::new(),
        ),
        (
            "GetGroupAffiliateTokensRequest",
            format!("/v4/groups/{group}/group-affiliate-tokens"),
            format!("groupId={group}"),
        ),
        (
            "GetAllGroupAffiliateTokensRequest",
            "/v3/group-affiliate-tokens".to_string(),
            String::new(),
        ),
        ("GetGroupsRequest", "/v4/groups".to_string(), String::new()),
        (
            "GetAffiliateProgramsRequest",
            "/v3/affiliate-programs".to_string(),
            "country=GB".to_string(),
        ),
    ];
    for (name, route, query) in operations {
        let with_query = |path: String, extra: &str| -> String {
            let parts: Vec<&str> = [query.as_str(), extra]
                .into_iter()
                .filter(|p| !p.is_empty())
                .collect();
            if parts.is_empty() {
                path
            } else {
                format!("{path}?{}", parts.join("&"))
            }
        };
        let json_reply = send(
            &server,
            &keys,
            "GET",
            &with_query(route.clone(), ""),
            &[],
            None,
        );
        assert_eq!(json_reply.status, 200, "{name}: {}", json_reply.text);
        let expected = json_reply.json();
        let list_member = expected
            .as_object()
            .unwrap()
            .iter()
            .find(|(_, v)| v.is_array())
            .map(|(k, _)| k.clone())
            .unwrap();
        for (format, accept) in [
            ("json", "application/json"),
            ("jsv", "text/jsv"),
            ("xml", "application/xml"),
            ("csv", "text/csv"),
            ("jsonl", "text/jsonl"),
        ] {
            let ways = [
                (with_query(route.clone(), ""), Some(accept)),
                (with_query(format!("{route}.{format}"), ""), None),
                (with_query(route.clone(), &format!("format={format}")), None),
                (with_query(format!("/{format}/reply/{name}"), ""), None),
                (with_query(format!("/api/{name}.{format}"), ""), None),
            ];
            for (path, accept) in ways {
                let headers: Vec<(&str, &str)> = accept.iter().map(|a| ("Accept", *a)).collect();
                let reply = send(&server, &keys, "GET", &path, &headers, None);
                assert_eq!(reply.status, 200, "{name} {format} {path}: {}", reply.text);
                check_format(
                    format,
                    &reply,
                    &expected,
                    &list_member,
                    &format!("{name} {path}"),
                );
            }
        }
    }
}

fn check_format(format: &str, reply: &Reply, expected: &Value, list_member: &str, what: &str) {
    let items = expected[list_member].as_array().unwrap();
    match format {
        "json" => assert_eq!(&reply.json(), expected, "{what}"),
        "jsv" => {
            let decoded: Value = jsv::from_str(&reply.text)
                .unwrap_or_else(|e| panic!("{what}: {e}: {}", reply.text));
            assert!(
                same_content(expected, &decoded),
                "{what}: {expected} vs {decoded}"
            );
        }
        "jsonl" => {
            let lines: Vec<Value> = reply
                .text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(&lines, items, "{what}");
        }
        "csv" => {
            assert!(reply.text.ends_with("\r\n"), "{what}");
            let mut reader = csv::Reader::from_reader(reply.text.as_bytes());
            let headers = reader.headers().unwrap().clone();
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            assert_eq!(rows.len(), items.len(), "{what}: one row per item");
            for (row, item) in rows.iter().zip(items) {
                for (header, cell) in headers.iter().zip(row.iter()) {
                    let key = format!("{}{}", header[..1].to_lowercase(), &header[1..]);
                    let value = item.get(&key).unwrap_or(&Value::Null);
                    match value {
                        Value::Null => assert_eq!(cell, "", "{what} {key}"),
                        Value::Object(_) | Value::Array(_) => {
                            let decoded: Value = jsv::from_str(cell).unwrap();
                            assert!(
                                same_content(value, &decoded),
                                "{what} {key}: {value} vs {cell}"
                            );
                        }
                        scalar => assert_eq!(cell, text(scalar), "{what} {key}"),
                    }
                }
            }
        }
        "xml" => {
            let document =
                roxmltree::Document::parse(&reply.text).unwrap_or_else(|e| panic!("{what}: {e}"));
            let root = document.root_element();
            assert!(root.tag_name().name().ends_with("Response"), "{what}");
            assert!(root
                .tag_name()
                .namespace()
                .unwrap()
                .contains("AffiliationAPI.ServiceModel.V4.Responses"));
            let xml_leaves: Vec<String> = root
                .descendants()
                .filter(|n| n.is_element() && n.has_children() && n.children().all(|c| c.is_text()))
                .filter(|n| n.tag_name().name() != "Key")
                .map(|n| n.text().unwrap_or("").to_string())
                .collect();
            // XML names an interface item's class in i:type, not in a `__type` member, and
            // orders members by DataContract's rules: the same values, in another order.
            let mut json_leaves = Vec::new();
            leaves(expected, &mut json_leaves);
            let normalize = |s: &String| s.to_ascii_lowercase();
            let mut xml_set: Vec<String> = xml_leaves.iter().map(normalize).collect();
            let mut json_set: Vec<String> = json_leaves.iter().map(normalize).collect();
            xml_set.sort();
            json_set.sort();
            assert_eq!(xml_set, json_set, "{what}");
        }
        _ => unreachable!(),
    }
}

#[test]
fn errors_carry_the_same_status_in_every_format() {
    let (server, keys, group, guid) = populated();
    let path = format!("/v4/groups/{group}/group-affiliate-tokens/{guid}");
    let bad = r#"{"parameters":{"Tag":"x","tag":""}}"#;
    let json_reply = send(
        &server,
        &keys,
        "PUT",
        &path,
        &[("Content-Type", "application/json")],
        Some(bad),
    );
    assert_eq!(json_reply.status, 400);
    let status = json_reply.json()["responseStatus"].clone();
    let codes: Vec<Value> = status["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["errorCode"].clone())
        .collect();
    assert!(codes.len() >= 2, "{status}");

    let jsv_reply = send(
        &server,
        &keys,
        "PUT",
        &format!("{path}?format=jsv"),
        &[("Content-Type", "application/json")],
        Some(bad),
    );
    assert_eq!(jsv_reply.status, 400);
    let decoded: Value = jsv::from_str(&jsv_reply.text).unwrap();
    assert!(
        same_content(&status, &decoded["responseStatus"]),
        "{status} vs {decoded}"
    );

    let xml_reply = send(
        &server,
        &keys,
        "PUT",
        &format!("{path}.xml"),
        &[("Content-Type", "application/json")],
        Some(bad),
    );
    assert_eq!(xml_reply.status, 400);
    let document = roxmltree::Document::parse(&xml_reply.text).unwrap();
    let error_codes: Vec<&str> = document
        .descendants()
        .filter(|n| n.tag_name().name() == "ErrorCode")
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(error_codes[0], status["errorCode"].as_str().unwrap());
    assert_eq!(error_codes.len(), codes.len() + 1);

    let csv_reply = send(
        &server,
        &keys,
        "PUT",
        &path,
        &[("Content-Type", "application/json"), ("Accept", "text/csv")],
        Some(bad),
    );
    assert_eq!(csv_reply.status, 400);
    assert!(
        csv_reply
            .text
            .contains(status["errorCode"].as_str().unwrap()),
        "{}",
        csv_reply.text
    );

    let jsonl_reply = send(
        &server,
        &keys,
        "PUT",
        &format!("{path}?format=jsonl"),
        &[("Content-Type", "application/json")],
        Some(bad),
    );
    assert_eq!(jsonl_reply.status, 400);
    let line: Value = serde_json::from_str(jsonl_reply.text.trim()).unwrap();
    assert_eq!(line["responseStatus"], status);

    // 404 in XML and JSV too.
    let missing =
        format!("/v4/groups/{group}/group-affiliate-tokens/00000000-0000-0000-0000-000000000001");
    for (suffix, marker) in [
        (".xml", "<d2p1:ErrorCode>NotFound</d2p1:ErrorCode>"),
        (".jsv", "errorCode:NotFound"),
    ] {
        let reply = send(
            &server,
            &keys,
            "PUT",
            &format!("{missing}{suffix}"),
            &[("Content-Type", "application/json")],
            Some(r#"{"parameters":{"tag":"a-20"}}"#),
        );
        assert_eq!(reply.status, 404);
        assert!(reply.text.contains(marker), "{}", reply.text);
    }
}

#[test]
fn request_bodies_are_read_in_every_format() {
    let (server, keys, group, guid) = populated();
    let path = format!("/v4/groups/{group}/group-affiliate-tokens/{guid}");
    let bodies = [
        ("application/json", r#"{"parameters":{"tag":"json-20"}}"#.to_string(), "json-20"),
        ("application/jsv", "{parameters:{tag:jsv-20}}".to_string(), "jsv-20"),
        (
            "application/xml",
            r#"<PutGroupAffiliateTokensRequest xmlns="http://schemas.datacontract.org/2004/07/AffiliationAPI.ServiceModel.V4.Requests"><Parameters xmlns:d2p1="http://schemas.microsoft.com/2003/10/Serialization/Arrays"><d2p1:KeyValueOfstringstring><d2p1:Key>tag</d2p1:Key><d2p1:Value>xml-20</d2p1:Value></d2p1:KeyValueOfstringstring></Parameters></PutGroupAffiliateTokensRequest>"#.to_string(),
            "xml-20",
        ),
        ("text/csv", "Parameters\r\n{tag:csv-20}\r\n".to_string(), "csv-20"),
        ("application/x-www-form-urlencoded", "parameters=%7Btag%3Aform-20%7D".to_string(), "form-20"),
    ];
    for (content_type, body, tag) in bodies {
        let reply = send(
            &server,
            &keys,
            "PUT",
            &path,
            &[("Content-Type", content_type)],
            Some(&body),
        );
        assert_eq!(reply.status, 200, "{content_type}: {}", reply.text);
        let listed = server
            .get(&keys, &format!("/v4/groups/{group}/group-affiliate-tokens"))
            .json();
        assert_eq!(
            listed["affiliatePrograms"][0]["affiliateTokens"]["tag"], tag,
            "{content_type}"
        );
    }
    // Predefined routes read the route's format whatever Content-Type says.
    let reply = send(
        &server,
        &keys,
        "PUT",
        "/jsv/reply/PutGroupAffiliateTokensRequest",
        &[("Content-Type", "application/json")],
        Some(&format!(
            "{{groupId:{group},guid:{guid},parameters:{{tag:route-20}}}}"
        )),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.text.contains("success:True"), "{}", reply.text);
}

#[test]
fn unparseable_and_hostile_bodies_are_400_never_500() {
    let (server, keys, group, guid) = populated();
    let path = format!("/v4/groups/{group}/group-affiliate-tokens/{guid}");
    let deep_json = "[".repeat(1024 * 1024 - 16);
    let deep_jsv = "{a:".repeat(200_000);
    let cases = [
        ("application/json", "{\"parameters\":".to_string()),
        ("application/jsv", "{parameters:{tag:".to_string()),
        ("application/xml", "<PutGroupAffiliateTokensRequest><Parameters>".to_string()),
        (
            "application/xml",
            r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><PutGroupAffiliateTokensRequest><Parameters>&x;</Parameters></PutGroupAffiliateTokensRequest>"#.to_string(),
        ),
        ("application/json", deep_json),
        ("application/jsv", deep_jsv),
    ];
    for (content_type, body) in cases {
        let headers = [
            ("Content-Type", content_type),
            ("Accept", "application/json"),
        ];
        let reply = send(&server, &keys, "PUT", &path, &headers, Some(&body));
        assert_eq!(
            reply.status,
            400,
            "{content_type} {}",
            &body[..body.len().min(80)]
        );
        assert_eq!(reply.error_code(), "SerializationException");
    }
    assert_eq!(
        server.get(&keys, "/health").status,
        200,
        "the server survived"
    );
    let listed = server
        .get(&keys, &format!("/v4/groups/{group}/group-affiliate-tokens"))
        .json();
    assert_eq!(
        listed["affiliatePrograms"][0]["affiliateTokens"]["tag"], "alice-20",
        "nothing changed"
    );
}

#[test]
fn jsonp_html_and_content_negotiation_details() {
    let (server, keys, group, _guid) = populated();
    let path = format!("/v4/groups/{group}/group-affiliate-tokens");
    let reply = send(
        &server,
        &keys,
        "GET",
        &format!("{path}?callback=my.cb<script>"),
        &[],
        None,
    );
    assert_eq!(reply.status, 200);
    assert!(reply.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(
        reply.text.starts_with("my.cbscript(") && reply.text.ends_with(')'),
        "{}",
        reply.text
    );
    // Errors under JSONP travel with 200.
    let reply = send(
        &server,
        &keys,
        "GET",
        "/v4/groups/999/group-affiliate-tokens?callback=cb",
        &[],
        None,
    );
    assert_eq!(reply.status, 200);
    assert!(reply.text.starts_with("cb(") && reply.text.contains("NotFound"));

    let reply = send(
        &server,
        &keys,
        "GET",
        &path,
        &[("Accept", "text/html")],
        None,
    );
    assert!(reply.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(reply.text.contains("Picks, &quot;best&quot;") || reply.text.contains("alice-20"));
    assert!(!reply.text.contains("<script>alert"));
    assert!(reply.text.contains("application/json"));

    let reply = send(
        &server,
        &keys,
        "GET",
        &path,
        &[("Accept", "text/csv, application/xml")],
        None,
    );
    assert!(reply.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    let reply = send(
        &server,
        &keys,
        "GET",
        &path,
        &[("Accept", "text/csv")],
        None,
    );
    assert_eq!(
        reply.headers["content-disposition"],
        "attachment;filename=\"GetGroupAffiliateTokensResponse.csv\""
    );
    assert_eq!(reply.headers["vary"], "Accept");
    let reply = send(
        &server,
        &keys,
        "GET",
        &path,
        &[("Accept", "application/jsv")],
        None,
    );
    assert!(reply.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/jsv"));
    // X-Http-Method-Override turns a POST into the route's DELETE.
    let reply = send(
        &server,
        &keys,
        "POST",
        &format!("/v4/groups/{group}"),
        &[("X-Http-Method-Override", "DELETE")],
        None,
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(server.get(&keys, &path).status, 404);
}

#[test]
fn batches_answer_a_list_and_stop_at_the_first_failure() {
    let (server, keys, _group, _guid) = populated();
    let body = json!([{ "name": "one" }, { "name": "two" }]).to_string();
    let reply = send(
        &server,
        &keys,
        "POST",
        "/api/PostGroupRequest[]",
        &[("Content-Type", "application/json")],
        Some(&body),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let answers = reply.json();
    assert_eq!(answers.as_array().unwrap().len(), 2);
    assert_eq!(answers[1]["name"], "two");
    assert_eq!(reply.headers["x-autobatch-completed"], "2");

    let body =
        json!([{ "name": "three" }, { "name": "x".repeat(101) }, { "name": "never" }]).to_string();
    let reply = send(
        &server,
        &keys,
        "POST",
        "/json/reply/PostGroupRequest[]",
        &[],
        Some(&body),
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.headers["x-autobatch-completed"], "1");
    assert_eq!(
        reply.json()["responseStatus"]["meta"]["AutoBatchIndex"],
        "1"
    );
    let names: Vec<String> = server.get(&keys, "/v4/groups").json()["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"three".to_string()) && !names.contains(&"never".to_string()),
        "{names:?}"
    );
}
