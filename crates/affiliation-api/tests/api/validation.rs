//! Validation of the token operations, over JSON, against the real server: for
//! user-level and group-level writes (POST, PUT, DELETE) and token-set writes, each
//! bad input gets the status, errorCode and field errors the spec names, every
//! problem at once, and the stored data is left exactly as it was.

use crate::common::{Keys, Reply, Server};
use serde_json::{json, Value};

/// A well-formed GUID that names nothing.
const UNKNOWN_GUID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

/// (errorCode, fieldName, meta.Name) of one expected field error.
type Expected<'a> = (&'a str, &'a str, Option<&'a str>);

#[derive(Clone, Copy, Debug)]
enum At {
    User,
    Group(u64),
}

impl At {
    fn collection(self) -> String {
        match self {
            At::User => "/v4/user-affiliate-tokens".to_string(),
            At::Group(group) => format!("/v4/groups/{group}/group-affiliate-tokens"),
        }
    }

    fn item(self, guid: &str) -> String {
        format!("{}/{guid}", self.collection())
    }
}

/// A user with Amazon US tokens at user level and as an override of one group;
/// Apple is left unconnected so POSTs for it reach parameter validation.
struct Fixture {
    server: Server,
    keys: Keys,
    amazon: String,
    amazon_program: Value,
    apple: String,
    group: u64,
    user_guid: String,
    group_guid: String,
}

impl Fixture {
    fn new() -> Fixture {
        let server = Server::start();
        let keys = server.add_user("valerie", false);
        let amazon = server.amazon_us(&keys);
        let amazon_program = server.program(&keys, |p| p["programGuid"] == amazon);
        let apple = server.apple(&keys);
        let group = server.create_group(&keys, "Validated");
        let mut fixture = Fixture {
            server,
            keys,
            amazon,
            amazon_program,
            apple,
            group,
            user_guid: String::new(),
            group_guid: String::new(),
        };
        fixture.user_guid = fixture.created(At::User, "valerie-20");
        fixture.group_guid = fixture.created(At::Group(group), "valgroup-20");
        fixture
    }

    fn created(&self, at: At, tag: &str) -> String {
        let reply = self.post(
            at,
            json!({ "programGuid": self.amazon, "parameters": { "tag": tag } }),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(reply.json()["success"], true);
        reply.json()["affiliateTokensId"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Both levels with the Amazon US token set stored there.
    fn levels(&self) -> [(At, String); 2] {
        [
            (At::User, self.user_guid.clone()),
            (At::Group(self.group), self.group_guid.clone()),
        ]
    }

    fn amazon_parameter(&self, name: &str) -> Value {
        self.amazon_program["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("Amazon US has no parameter {name}"))
    }

    fn max_length(&self, name: &str) -> usize {
        self.amazon_parameter(name)["maxLength"]
            .as_u64()
            .expect("maxLength") as usize
    }

    fn post(&self, at: At, body: Value) -> Reply {
        self.server.call(&self.keys, "POST", &at.collection(), body)
    }

    fn put(&self, at: At, guid: &str, body: Value) -> Reply {
        self.server.call(&self.keys, "PUT", &at.item(guid), body)
    }

    fn delete(&self, at: At, guid: &str) -> Reply {
        self.server
            .call(&self.keys, "DELETE", &at.item(guid), Value::Null)
    }

    /// A request with a raw JSON body.
    fn raw(&self, method: &str, path: &str, body: &str) -> Reply {
        self.server
            .request(method, path)
            .bearer_auth(&self.keys.api_key)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .expect("request")
            .into()
    }

    /// Everything the user has stored, as the GETs show it.
    fn snapshot(&self) -> Value {
        let mut state = serde_json::Map::new();
        let mut paths = vec![
            "/v3/user-affiliate-tokens?includeDisabled=true".to_string(),
            "/v4/user-affiliate-tokens?includeDisabled=true".to_string(),
            "/v3/group-affiliate-tokens".to_string(),
            "/v4/groups".to_string(),
        ];
        paths.push(format!(
            "/v4/groups/{}/group-affiliate-tokens?includeDisabled=true",
            self.group
        ));
        for path in paths {
            let reply = self.server.get(&self.keys, &path);
            assert_eq!(reply.status, 200, "{path}: {}", reply.text);
            state.insert(path, reply.json());
        }
        Value::Object(state)
    }

    fn assert_unchanged(&self, before: &Value, context: &str) {
        assert_eq!(&self.snapshot(), before, "stored data changed: {context}");
    }
}

/// A validation failure: the status, every field error (in any order) with its
/// code, field and meta `Name`, non-empty messages, and the top level copying the
/// first field error.
fn expect_errors(reply: &Reply, status: u16, expected: &[Expected], context: &str) {
    assert_eq!(reply.status, status, "{context}: {}", reply.text);
    let body = reply.json();
    let response_status = &body["responseStatus"];
    let errors = response_status["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{context}: errors is always a list: {}", reply.text));
    assert!(!errors.is_empty(), "{context}: no field errors");
    let mut actual: Vec<(String, String, Option<String>)> = errors
        .iter()
        .map(|e| {
            assert!(
                e["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{context}: a field error without message: {e}"
            );
            (
                e["errorCode"].as_str().unwrap_or_default().to_string(),
                e["fieldName"].as_str().unwrap_or_default().to_string(),
                e["meta"]["Name"].as_str().map(str::to_string),
            )
        })
        .collect();
    let mut wanted: Vec<(String, String, Option<String>)> = expected
        .iter()
        .map(|(code, field, name)| {
            (
                code.to_string(),
                field.to_string(),
                name.map(str::to_string),
            )
        })
        .collect();
    actual.sort();
    wanted.sort();
    assert_eq!(actual, wanted, "{context}: {}", reply.text);
    assert_eq!(
        response_status["errorCode"], errors[0]["errorCode"],
        "{context}: the top level copies the first field error"
    );
    assert_eq!(
        response_status["message"], errors[0]["message"],
        "{context}: the top level copies the first field error"
    );
}

/// An error without field errors (404, 409, body serialization).
fn expect_plain(reply: &Reply, status: u16, code: &str, context: &str) {
    assert_eq!(reply.status, status, "{context}: {}", reply.text);
    assert_eq!(reply.error_code(), code, "{context}: {}", reply.text);
    let body = reply.json();
    assert!(
        body["responseStatus"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{context}: empty message: {}",
        reply.text
    );
    assert!(
        body["responseStatus"]["errors"].is_array(),
        "{context}: errors is always a list: {}",
        reply.text
    );
}

/// A path or query value that does not parse: 400 SerializationException naming
/// the member (ServiceStack names it as it was written in the route).
fn expect_unparsable(reply: &Reply, member: &str, context: &str) {
    assert_eq!(reply.status, 400, "{context}: {}", reply.text);
    assert_eq!(
        reply.error_code(),
        "SerializationException",
        "{context}: {}",
        reply.text
    );
    let errors = reply.field_errors();
    assert_eq!(errors.len(), 1, "{context}: {}", reply.text);
    assert_eq!(errors[0].0, "SerializationException", "{context}");
    assert!(
        errors[0].1.eq_ignore_ascii_case(member),
        "{context}: fieldName {} should name {member}",
        errors[0].1
    );
    assert!(
        !reply.json()["responseStatus"]["message"]
            .as_str()
            .unwrap_or_default()
            .is_empty(),
        "{context}"
    );
}

// ---- programGuid ---------------------------------------------------------------

#[test]
fn missing_or_blank_program_guid_is_not_empty() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, _) in f.levels() {
        let apple_tokens = json!({ "at": "1001l3ab" });
        for body in [
            json!({ "parameters": apple_tokens }),
            json!({ "programGuid": null, "parameters": apple_tokens }),
            json!({ "programGuid": "", "parameters": apple_tokens }),
            json!({ "programGuid": "   ", "parameters": apple_tokens }),
        ] {
            let reply = f.post(at, body.clone());
            expect_errors(
                &reply,
                400,
                &[("NotEmpty", "ProgramGuid", None)],
                &format!("{at:?} {body}"),
            );
            assert_eq!(reply.json()["success"], false);
        }
    }
    f.assert_unchanged(&before, "missing programGuid");
}

#[test]
fn malformed_program_guid_is_invalid_guid() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, _) in f.levels() {
        for guid in [
            "nope".to_string(),
            "3f1b6a52".to_string(),
            // 35 and 37 characters.
            UNKNOWN_GUID[..35].to_string(),
            format!("{UNKNOWN_GUID}0"),
            "0f8fad5b-d9cb-469f-a165-70867728950g".to_string(),
            format!("urn:uuid:{UNKNOWN_GUID}"),
            format!("{{{UNKNOWN_GUID}"),
            format!("{{{}}}", &UNKNOWN_GUID.replace('-', "")[..31]),
        ] {
            let reply = f.post(
                at,
                json!({ "programGuid": guid, "parameters": { "at": "1001l3ab" } }),
            );
            expect_errors(
                &reply,
                400,
                &[("InvalidGuid", "ProgramGuid", None)],
                &format!("{at:?} {guid}"),
            );
        }
    }
    f.assert_unchanged(&before, "malformed programGuid");
}

#[test]
fn unknown_program_is_404_not_found() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, _) in f.levels() {
        for guid in [UNKNOWN_GUID.to_string(), UNKNOWN_GUID.replace('-', "")] {
            let reply = f.post(
                at,
                json!({ "programGuid": guid, "parameters": { "tag": "valerie-20" } }),
            );
            expect_plain(&reply, 404, "NotFound", &format!("{at:?} {guid}"));
            let message = reply.json()["responseStatus"]["message"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(
                message.contains("not found") && message.contains(UNKNOWN_GUID),
                "{message}"
            );
            assert_eq!(reply.json()["success"], false);
        }
    }
    f.assert_unchanged(&before, "unknown program");
}

#[test]
fn guids_are_accepted_in_n_form_braces_and_upper_case() {
    let f = Fixture::new();
    let n_form = f.apple.replace('-', "");
    let braces = format!("{{{}}}", f.apple);
    let upper = f.apple.to_uppercase();
    let second_group = f.server.create_group(&f.keys, "Second");
    let mut created = Vec::new();
    for (at, program) in [
        (At::User, &n_form),
        (At::Group(f.group), &braces),
        (At::Group(second_group), &upper),
    ] {
        let reply = f.post(
            at,
            json!({ "programGuid": program, "parameters": { "at": "1001l3ab" } }),
        );
        assert_eq!(reply.status, 200, "{at:?} {program}: {}", reply.text);
        let guid = reply.json()["affiliateTokensId"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(guid.len(), 36, "written in the canonical form: {guid}");
        assert_eq!(guid, guid.to_lowercase());
        // The same program in another form is the same program: a conflict.
        let reply = f.post(
            at,
            json!({ "programGuid": f.apple, "parameters": { "at": "1001l3ab" } }),
        );
        expect_plain(&reply, 409, "Conflict", &format!("{at:?} same program"));
        created.push((at, guid));
    }
    // Stored with the canonical program GUID.
    let listed = f.server.get(&f.keys, "/v3/user-affiliate-tokens").json();
    assert!(listed["affiliateTokensSet"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["programGuid"] == f.apple.as_str()));

    // PUT and DELETE take the set's guid in every form too.
    for (at, guid) in &created {
        for (form, tag) in [
            (guid.replace('-', ""), "2002ab"),
            (format!("%7B{guid}%7D"), "3003ab"),
            (guid.to_uppercase(), "4004ab"),
        ] {
            let reply = f.put(*at, &form, json!({ "parameters": { "at": tag } }));
            assert_eq!(reply.status, 200, "{at:?} PUT {form}: {}", reply.text);
            assert_eq!(
                reply.json(),
                json!({ "success": true, "affiliateTokensId": guid }),
                "answers with the canonical guid"
            );
        }
        let reply = f.delete(*at, &format!("%7B{}%7D", guid.to_uppercase()));
        assert_eq!(reply.status, 200, "{at:?} DELETE: {}", reply.text);
        let reply = f.delete(*at, guid);
        expect_plain(&reply, 404, "NotFound", "deleted already");
    }
}

// ---- parameters ------------------------------------------------------------------

#[test]
fn missing_or_empty_parameters_are_not_empty() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, guid) in f.levels() {
        for parameters in [None, Some(Value::Null), Some(json!({}))] {
            let with = |mut body: Value| {
                if let Some(p) = &parameters {
                    body["parameters"] = p.clone();
                }
                body
            };
            let context = format!("{at:?} {parameters:?}");
            let reply = f.post(at, with(json!({ "programGuid": f.apple })));
            expect_errors(
                &reply,
                400,
                &[("NotEmpty", "Parameters", None)],
                &format!("POST {context}"),
            );
            let reply = f.put(at, &guid, with(json!({})));
            expect_errors(
                &reply,
                400,
                &[("NotEmpty", "Parameters", None)],
                &format!("PUT {context}"),
            );
            assert_eq!(reply.json()["success"], false);
        }
    }
    f.assert_unchanged(&before, "empty parameters");
}

#[test]
fn unknown_parameter_names_are_invalid_parameter_listing_the_valid_names() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, guid) in f.levels() {
        // A valid set plus an unknown name: only the unknown name is reported.
        let reply = f.put(
            at,
            &guid,
            json!({ "parameters": { "tag": "valerie-21", "nope": "x" } }),
        );
        expect_errors(
            &reply,
            400,
            &[("InvalidParameter", "Parameters", Some("nope"))],
            &format!("PUT {at:?}"),
        );
        let message = reply.json()["responseStatus"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains("nope") && message.contains("tag") && message.contains("ascsubtag"),
            "the message lists the valid names: {message}"
        );
        // Names match exactly: `TAG` is not `tag`, which is then missing.
        let reply = f.put(at, &guid, json!({ "parameters": { "TAG": "valerie-21" } }));
        expect_errors(
            &reply,
            400,
            &[
                ("InvalidParameter", "Parameters", Some("TAG")),
                ("RequiredParameter", "Parameters", Some("tag")),
            ],
            &format!("PUT {at:?} TAG"),
        );
        // Another program's parameter name is unknown here.
        let reply = f.post(
            at,
            json!({ "programGuid": f.apple, "parameters": { "at": "1001l3ab", "tag": "valerie-20" } }),
        );
        expect_errors(
            &reply,
            400,
            &[("InvalidParameter", "Parameters", Some("tag"))],
            &format!("POST {at:?}"),
        );
    }
    f.assert_unchanged(&before, "unknown parameter names");
}

#[test]
fn values_must_match_the_pattern_and_be_printable() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, guid) in f.levels() {
        for tag in [
            "bad",
            "valerie-2",
            "valerie-20x",
            "-valerie-20",
            "valerie 20",
            "valerie_-20",
            "ünicode-20",
        ] {
            let reply = f.put(at, &guid, json!({ "parameters": { "tag": tag } }));
            expect_errors(
                &reply,
                400,
                &[("InvalidParameterValue", "Parameters", Some("tag"))],
                &format!("PUT {at:?} tag={tag:?}"),
            );
        }
        // Empty values and control characters (ascsubtag has no pattern).
        for sub in ["", "a\nb", "tab\there", "nul\u{0}"] {
            let reply = f.put(
                at,
                &guid,
                json!({ "parameters": { "tag": "valerie-21", "ascsubtag": sub } }),
            );
            expect_errors(
                &reply,
                400,
                &[("InvalidParameterValue", "Parameters", Some("ascsubtag"))],
                &format!("PUT {at:?} ascsubtag={sub:?}"),
            );
        }
        let reply = f.post(
            at,
            json!({ "programGuid": f.apple, "parameters": { "at": "x!" } }),
        );
        expect_errors(
            &reply,
            400,
            &[("InvalidParameterValue", "Parameters", Some("at"))],
            &format!("POST {at:?} Apple"),
        );
    }
    f.assert_unchanged(&before, "values not matching the pattern");
}

#[test]
fn values_longer_than_max_length_are_refused_and_max_length_is_accepted() {
    let f = Fixture::new();
    let tag_max = f.max_length("tag");
    let sub_max = f.max_length("ascsubtag");
    // Matches the tag pattern, one character too long.
    let long_tag = format!("{}-20", "v".repeat(tag_max - 2));
    assert_eq!(long_tag.chars().count(), tag_max + 1);
    let before = f.snapshot();
    for (at, guid) in f.levels() {
        let reply = f.put(at, &guid, json!({ "parameters": { "tag": long_tag } }));
        expect_errors(
            &reply,
            400,
            &[("InvalidParameterValue", "Parameters", Some("tag"))],
            &format!("PUT {at:?} long tag"),
        );
        let message = reply.json()["responseStatus"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains(&tag_max.to_string()),
            "says the limit: {message}"
        );
        for sub in [
            "s".repeat(sub_max + 1),
            "é".repeat(sub_max + 1),
            "x".repeat(100_000),
        ] {
            let reply = f.put(
                at,
                &guid,
                json!({ "parameters": { "tag": "valerie-21", "ascsubtag": sub } }),
            );
            expect_errors(
                &reply,
                400,
                &[("InvalidParameterValue", "Parameters", Some("ascsubtag"))],
                &format!("PUT {at:?} long ascsubtag ({} chars)", sub.chars().count()),
            );
        }
    }
    f.assert_unchanged(&before, "values too long");

    // Exactly maxLength characters (counted as characters, not bytes) is fine.
    let tag = format!("{}-20", "v".repeat(tag_max - 3));
    let sub = "é".repeat(sub_max);
    for (at, guid) in f.levels() {
        let reply = f.put(
            at,
            &guid,
            json!({ "parameters": { "tag": tag, "ascsubtag": sub } }),
        );
        assert_eq!(reply.status, 200, "{at:?}: {}", reply.text);
    }
    let listed = f.server.get(&f.keys, "/v4/user-affiliate-tokens").json();
    assert_eq!(
        listed["affiliateTokensSet"][0]["affiliateTokens"],
        json!({ "tag": tag, "ascsubtag": sub })
    );
}

#[test]
fn a_missing_required_parameter_is_required_parameter() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, guid) in f.levels() {
        let reply = f.put(at, &guid, json!({ "parameters": { "ascsubtag": "sub" } }));
        expect_errors(
            &reply,
            400,
            &[("RequiredParameter", "Parameters", Some("tag"))],
            &format!("PUT {at:?}"),
        );
        let reply = f.post(
            at,
            json!({ "programGuid": f.apple, "parameters": { "ct": "spring" } }),
        );
        expect_errors(
            &reply,
            400,
            &[("RequiredParameter", "Parameters", Some("at"))],
            &format!("POST {at:?}"),
        );
    }
    f.assert_unchanged(&before, "missing required parameter");
}

#[test]
fn every_parameter_problem_is_reported_at_once() {
    let f = Fixture::new();
    let before = f.snapshot();
    let sub_max = f.max_length("ascsubtag");
    for (at, guid) in f.levels() {
        let bad = json!({
            "Tag": "valerie-20",
            "ascsubtag": "",
            "zzz": "1",
        });
        let expected = [
            ("InvalidParameter", "Parameters", Some("Tag")),
            ("InvalidParameterValue", "Parameters", Some("ascsubtag")),
            ("InvalidParameter", "Parameters", Some("zzz")),
            ("RequiredParameter", "Parameters", Some("tag")),
        ];
        let reply = f.put(at, &guid, json!({ "parameters": bad }));
        expect_errors(&reply, 400, &expected, &format!("PUT {at:?}"));

        // Two bad values are two errors.
        let reply = f.put(
            at,
            &guid,
            json!({ "parameters": { "tag": "bad", "ascsubtag": "s".repeat(sub_max + 1) } }),
        );
        expect_errors(
            &reply,
            400,
            &[
                ("InvalidParameterValue", "Parameters", Some("tag")),
                ("InvalidParameterValue", "Parameters", Some("ascsubtag")),
            ],
            &format!("PUT {at:?} two values"),
        );

        let reply = f.post(
            at,
            json!({ "programGuid": f.apple, "parameters": { "ct": "a?b", "AT": "x", "tag": "t" } }),
        );
        expect_errors(
            &reply,
            400,
            &[
                ("InvalidParameterValue", "Parameters", Some("ct")),
                ("InvalidParameter", "Parameters", Some("AT")),
                ("InvalidParameter", "Parameters", Some("tag")),
                ("RequiredParameter", "Parameters", Some("at")),
            ],
            &format!("POST {at:?}"),
        );
    }
    f.assert_unchanged(&before, "several problems");
}

#[test]
fn more_than_64_parameters_is_too_many_parameters() {
    let f = Fixture::new();
    let before = f.snapshot();
    let many = |count: usize| {
        let mut parameters = serde_json::Map::new();
        parameters.insert("tag".into(), json!("valerie-21"));
        for i in 1..count {
            parameters.insert(format!("p{i:03}"), json!("v"));
        }
        Value::Object(parameters)
    };
    for (at, guid) in f.levels() {
        for count in [65, 66, 1000] {
            let reply = f.put(at, &guid, json!({ "parameters": many(count) }));
            expect_errors(
                &reply,
                400,
                &[("TooManyParameters", "Parameters", None)],
                &format!("PUT {at:?} {count}"),
            );
            let reply = f.post(
                at,
                json!({ "programGuid": f.apple, "parameters": many(count) }),
            );
            expect_errors(
                &reply,
                400,
                &[("TooManyParameters", "Parameters", None)],
                &format!("POST {at:?} {count}"),
            );
        }
        // 64 is not too many: each unknown name is reported instead.
        let reply = f.put(at, &guid, json!({ "parameters": many(64) }));
        assert_eq!(reply.status, 400, "{}", reply.text);
        let errors = reply.field_errors();
        assert_eq!(errors.len(), 63, "{}", reply.text);
        assert!(errors
            .iter()
            .all(|e| e == &("InvalidParameter".to_string(), "Parameters".to_string())));
    }
    f.assert_unchanged(&before, "too many parameters");
}

// ---- existence ---------------------------------------------------------------------

#[test]
fn a_second_post_for_the_same_program_is_409_and_changes_nothing() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, guid) in f.levels() {
        for program in [f.amazon.clone(), f.amazon.replace('-', "")] {
            let reply = f.post(
                at,
                json!({ "programGuid": program, "parameters": { "tag": "other-21" } }),
            );
            expect_plain(&reply, 409, "Conflict", &format!("{at:?} {program}"));
            let body = reply.json();
            assert_eq!(body["success"], false);
            assert_eq!(
                body["responseStatus"]["meta"]["AffiliateTokensId"], guid,
                "names the existing set: {}",
                reply.text
            );
            assert!(body["responseStatus"]["message"]
                .as_str()
                .unwrap()
                .contains(&guid));
        }
        // Even an invalid second POST for a connected program changes nothing.
        let reply = f.post(
            at,
            json!({ "programGuid": f.amazon, "parameters": { "tag": "bad" } }),
        );
        assert!(
            reply.status == 400 || reply.status == 409,
            "{at:?}: {}",
            reply.text
        );
    }
    f.assert_unchanged(&before, "duplicate POST");
    // The same program in another group, or at the other level, is no conflict.
    let other = f.server.create_group(&f.keys, "Other");
    let reply = f.post(
        At::Group(other),
        json!({ "programGuid": f.amazon, "parameters": { "tag": "other-21" } }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[test]
fn put_and_delete_of_a_token_set_that_is_not_there_is_404() {
    let f = Fixture::new();
    let other = f.server.create_group(&f.keys, "Other");
    let before = f.snapshot();
    let body = json!({ "parameters": { "tag": "valerie-22" } });
    let mut cases: Vec<(At, String, &str)> = Vec::new();
    for (at, _) in f.levels() {
        cases.push((at, UNKNOWN_GUID.to_string(), "unknown guid"));
        cases.push((at, UNKNOWN_GUID.replace('-', ""), "unknown guid, N form"));
    }
    cases.push((
        At::Group(f.group),
        f.user_guid.clone(),
        "user-level guid at the group route",
    ));
    cases.push((
        At::User,
        f.group_guid.clone(),
        "group-level guid at the user route",
    ));
    cases.push((
        At::Group(other),
        f.group_guid.clone(),
        "another group's guid",
    ));
    for (at, guid, what) in &cases {
        let reply = f.put(*at, guid, body.clone());
        expect_plain(&reply, 404, "NotFound", &format!("PUT {what} {at:?}"));
        assert_eq!(reply.json()["success"], false);
        let reply = f.delete(*at, guid);
        expect_plain(&reply, 404, "NotFound", &format!("DELETE {what} {at:?}"));
    }
    f.assert_unchanged(&before, "PUT/DELETE of missing sets");
    // A PUT of a missing set is 404 even when its parameters are also bad (the
    // same must hold for another user's set, so existence is checked first).
    for (at, _) in f.levels() {
        for parameters in [json!({}), json!({ "nope": "" })] {
            let reply = f.put(at, UNKNOWN_GUID, json!({ "parameters": parameters }));
            expect_plain(&reply, 404, "NotFound", &format!("{at:?} {parameters}"));
        }
    }
}

#[test]
fn malformed_guids_in_the_path_are_400_invalid_guid() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, _) in f.levels() {
        for guid in [
            "nope",
            "123",
            "0f8fad5b-d9cb-469f-a165-70867728950g",
            "%20x%20",
        ] {
            let reply = f.put(at, guid, json!({ "parameters": { "tag": "valerie-22" } }));
            expect_errors(
                &reply,
                400,
                &[("InvalidGuid", "Guid", None)],
                &format!("PUT {at:?} {guid}"),
            );
            let reply = f.delete(at, guid);
            expect_errors(
                &reply,
                400,
                &[("InvalidGuid", "Guid", None)],
                &format!("DELETE {at:?} {guid}"),
            );
        }
    }
    f.assert_unchanged(&before, "malformed guids");
}

#[test]
fn unknown_groups_are_404() {
    let f = Fixture::new();
    let before = f.snapshot();
    for group in [f.group + 1, 999_999, u64::from(u32::MAX)] {
        let at = At::Group(group);
        let context = format!("group {group}");
        let reply = f.server.get(&f.keys, &at.collection());
        expect_plain(&reply, 404, "NotFound", &format!("GET {context}"));
        let reply = f.post(
            at,
            json!({ "programGuid": f.amazon, "parameters": { "tag": "valerie-20" } }),
        );
        expect_plain(&reply, 404, "NotFound", &format!("POST {context}"));
        let reply = f.put(
            at,
            &f.group_guid,
            json!({ "parameters": { "tag": "valerie-22" } }),
        );
        expect_plain(&reply, 404, "NotFound", &format!("PUT {context}"));
        let reply = f.delete(at, &f.group_guid);
        expect_plain(&reply, 404, "NotFound", &format!("DELETE {context}"));
        let reply = f.server.call(
            &f.keys,
            "DELETE",
            &format!("/v4/groups/{group}"),
            Value::Null,
        );
        expect_plain(&reply, 404, "NotFound", &format!("DELETE group {context}"));
    }
    f.assert_unchanged(&before, "unknown groups");
}

#[test]
fn group_ids_in_the_path_that_are_not_positive_u32_are_400_never_500() {
    let f = Fixture::new();
    let before = f.snapshot();
    let paths = |id: &str| {
        vec![
            ("GET", format!("/v4/groups/{id}/group-affiliate-tokens")),
            ("POST", format!("/v4/groups/{id}/group-affiliate-tokens")),
            (
                "PUT",
                format!("/v4/groups/{id}/group-affiliate-tokens/{}", f.group_guid),
            ),
            (
                "DELETE",
                format!("/v4/groups/{id}/group-affiliate-tokens/{}", f.group_guid),
            ),
            ("DELETE", format!("/v4/groups/{id}")),
        ]
    };
    let body = json!({ "programGuid": f.apple, "parameters": { "at": "1001l3ab" } });
    let put_body = json!({ "parameters": { "tag": "valerie-22" } });
    for id in [
        "-1",
        "-0x1",
        "abc",
        "1.5",
        "1e3",
        "4294967296",
        "99999999999999999999999",
        "%20",
    ] {
        for (method, path) in paths(id) {
            let body = match method {
                "POST" => body.clone(),
                "PUT" => put_body.clone(),
                _ => Value::Null,
            };
            let reply = f.server.call(&f.keys, method, &path, body);
            expect_unparsable(&reply, "GroupId", &format!("{method} {path}"));
        }
    }
    for (method, path) in paths("0") {
        let body = match method {
            "POST" => body.clone(),
            "PUT" => put_body.clone(),
            _ => Value::Null,
        };
        let reply = f.server.call(&f.keys, method, &path, body);
        expect_errors(
            &reply,
            400,
            &[("GreaterThan", "GroupId", None)],
            &format!("{method} {path}"),
        );
    }
    f.assert_unchanged(&before, "bad group ids");
}

// ---- bodies that do not parse ----------------------------------------------------

#[test]
fn malformed_json_bodies_are_400_serialization_exception() {
    let f = Fixture::new();
    let before = f.snapshot();
    let targets = [
        ("POST", At::User.collection()),
        ("PUT", At::User.item(&f.user_guid)),
        ("POST", At::Group(f.group).collection()),
        ("PUT", At::Group(f.group).item(&f.group_guid)),
        ("POST", "/v4/affiliate-tokens-sets".to_string()),
    ];
    let good =
        json!({ "programGuid": f.apple, "parameters": { "tag": "valerie-22", "at": "1001l3ab" } })
            .to_string();
    for (method, path) in &targets {
        for body in [
            "{".to_string(),
            "{\"parameters\": {\"tag\": \"valerie-22\"}".to_string(),
            "not json".to_string(),
            "[1,2]".to_string(),
            "\"a string\"".to_string(),
            "{\"parameters\": {\"tag\": \"valerie-22\",}}".to_string(),
            good[..good.len() - 1].to_string(),
        ] {
            let reply = f.raw(method, path, &body);
            expect_plain(
                &reply,
                400,
                "SerializationException",
                &format!("{method} {path} {body:?}"),
            );
        }
    }
    f.assert_unchanged(&before, "malformed JSON");
}

#[test]
fn wrong_json_types_are_400() {
    let f = Fixture::new();
    let before = f.snapshot();
    let targets = [
        ("PUT", At::User.item(&f.user_guid)),
        ("PUT", At::Group(f.group).item(&f.group_guid)),
        ("POST", At::User.collection()),
        ("POST", At::Group(f.group).collection()),
    ];
    for (method, path) in &targets {
        for parameters in [
            json!(["tag", "valerie-22"]),
            json!([{ "tag": "valerie-22" }]),
            json!("tag=valerie-22"),
            json!({ "tag": { "value": "valerie-22" } }),
            json!({ "tag": ["valerie-22"] }),
        ] {
            let body = json!({ "programGuid": f.apple, "parameters": parameters });
            let reply = f.server.call(&f.keys, method, path, body);
            expect_plain(
                &reply,
                400,
                "SerializationException",
                &format!("{method} {path} {parameters}"),
            );
        }
    }
    // groupId in the body where no route provides it.
    for group_id in [json!("abc"), json!(-1), json!(4_294_967_296u64), json!(1.5)] {
        for (op, body) in [
            (
                "PostGroupAffiliateTokensRequest",
                json!({ "groupId": group_id, "programGuid": f.apple, "parameters": { "at": "1001l3ab" } }),
            ),
            (
                "PutGroupAffiliateTokensRequest",
                json!({ "groupId": group_id, "guid": f.group_guid, "parameters": { "tag": "valerie-22" } }),
            ),
            (
                "DeleteGroupAffiliateTokensRequest",
                json!({ "groupId": group_id, "guid": f.group_guid }),
            ),
        ] {
            for prefix in ["/json/reply/", "/api/"] {
                let path = format!("{prefix}{op}");
                let reply = f.server.call(&f.keys, "POST", &path, body.clone());
                expect_plain(
                    &reply,
                    400,
                    "SerializationException",
                    &format!("{path} groupId={group_id}"),
                );
            }
        }
    }
    // A query value that does not parse.
    for path in [
        "/v4/user-affiliate-tokens?includeDisabled=maybe".to_string(),
        format!(
            "/v4/groups/{}/group-affiliate-tokens?includeDisabled=2x",
            f.group
        ),
    ] {
        let reply = f.server.get(&f.keys, &path);
        expect_unparsable(&reply, "includeDisabled", &path);
    }
    f.assert_unchanged(&before, "wrong JSON types");
}

// ---- token sets (bulk writes) --------------------------------------------------

#[test]
fn token_set_writes_report_every_problem_and_write_nothing() {
    let f = Fixture::new();
    let before = f.snapshot();
    let post = |body: Value| {
        f.server
            .call(&f.keys, "POST", "/v4/affiliate-tokens-sets", body)
    };

    for body in [
        json!({}),
        json!({ "affiliatePrograms": null }),
        json!({ "affiliatePrograms": [] }),
    ] {
        let reply = post(body.clone());
        expect_errors(
            &reply,
            400,
            &[("NotEmpty", "AffiliatePrograms", None)],
            &body.to_string(),
        );
        assert_eq!(reply.json()["success"], false);
    }

    let reply = post(json!({ "affiliatePrograms": [
        { "programGuid": "nope", "affiliateTokens": { "at": "1001l3ab" } },
        { "programGuid": f.amazon, "affiliateTokens": { "tag": "bulk-20" } },
        { "programGuid": f.amazon.replace('-', ""), "affiliateTokens": { "tag": "bulk-21" } },
        { "programGuid": UNKNOWN_GUID, "affiliateTokens": { "x": "y" } },
        { "programGuid": f.apple, "affiliateTokens": { "ct": "a?b", "zzz": "1" } },
        { "programGuid": "", "affiliateTokens": { "at": "1001l3ab" } },
    ]}));
    expect_errors(
        &reply,
        400,
        &[
            ("InvalidGuid", "ProgramGuid", None),
            ("DuplicateProgram", "ProgramGuid", None),
            ("NotFound", "ProgramGuid", None),
            ("InvalidParameterValue", "AffiliateTokens", Some("ct")),
            ("InvalidParameter", "AffiliateTokens", Some("zzz")),
            ("RequiredParameter", "AffiliateTokens", Some("at")),
            ("NotEmpty", "ProgramGuid", None),
        ],
        "mixed token set",
    );
    // Each problem says which program of the list it is about.
    let indexes: Vec<String> = reply.json()["responseStatus"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["meta"]["Index"].as_str().unwrap_or("?").to_string())
        .collect();
    let mut sorted = indexes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["0", "2", "3", "4", "4", "4", "5"],
        "{}",
        reply.text
    );

    // Parameters of one program checked as single writes: empty and too many.
    let many: serde_json::Map<String, Value> =
        (0..65).map(|i| (format!("p{i}"), json!("v"))).collect();
    let reply = post(json!({ "affiliatePrograms": [
        { "programGuid": f.amazon, "affiliateTokens": {} },
        { "programGuid": f.apple, "affiliateTokens": many },
    ]}));
    expect_errors(
        &reply,
        400,
        &[
            ("NotEmpty", "AffiliateTokens", None),
            ("TooManyParameters", "AffiliateTokens", None),
        ],
        "empty and oversized tokens",
    );

    // More programs than a set may hold.
    let programs: Vec<Value> = (0..257)
        .map(|_| json!({ "programGuid": f.amazon, "affiliateTokens": { "tag": "bulk-20" } }))
        .collect();
    let reply = post(json!({ "affiliatePrograms": programs }));
    expect_errors(
        &reply,
        400,
        &[("TooManyPrograms", "AffiliatePrograms", None)],
        "257 programs",
    );

    f.assert_unchanged(&before, "bad token sets");
}

#[test]
fn token_set_reads_check_the_set_guid() {
    let f = Fixture::new();
    for (query, expected) in [
        ("", "NotEmpty"),
        ("?setGuid=", "NotEmpty"),
        ("?setGuid=%20%20", "NotEmpty"),
        ("?setGuid=nope", "InvalidGuid"),
        ("?setGuid=123", "InvalidGuid"),
    ] {
        let reply = f
            .server
            .get(&f.keys, &format!("/v4/affiliate-tokens-sets{query}"));
        expect_errors(&reply, 400, &[(expected, "SetGuid", None)], query);
    }
    for guid in [UNKNOWN_GUID.to_string(), UNKNOWN_GUID.replace('-', "")] {
        let reply = f.server.get(
            &f.keys,
            &format!("/v4/affiliate-tokens-sets?setGuid={guid}"),
        );
        expect_plain(&reply, 404, "NotFound", &guid);
    }
}

/// The spec: "All problems are reported at once, not just the first." A request
/// missing both its programGuid and its parameters has two problems, which a
/// FluentValidation validator (the original) reports together.
#[test]
fn missing_program_guid_and_parameters_are_reported_together() {
    let f = Fixture::new();
    let before = f.snapshot();
    for (at, _) in f.levels() {
        let reply = f.post(at, json!({ "programGuid": "", "parameters": {} }));
        expect_errors(
            &reply,
            400,
            &[
                ("NotEmpty", "ProgramGuid", None),
                ("NotEmpty", "Parameters", None),
            ],
            &format!("{at:?}"),
        );
    }
    f.assert_unchanged(&before, "two missing members");
}

#[test]
fn valid_writes_still_work_after_refused_ones() {
    // Guards the tests above against passing vacuously (e.g. a server refusing all).
    let f = Fixture::new();
    for (at, guid) in f.levels() {
        let reply = f.put(at, &guid, json!({ "parameters": { "tag": "bad" } }));
        assert_eq!(reply.status, 400);
        let reply = f.put(
            at,
            &guid,
            json!({ "parameters": { "tag": "valerie-23", "ascsubtag": "spring sale" } }),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        let reply = f.post(
            at,
            json!({ "programGuid": f.apple, "parameters": { "at": "1001l3ab", "ct": "spring" } }),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    let user = f.server.get(&f.keys, "/v4/user-affiliate-tokens").json();
    assert_eq!(user["affiliateTokensSet"].as_array().unwrap().len(), 2);
    let group = f
        .server
        .get(&f.keys, &At::Group(f.group).collection())
        .json();
    let amazon = group["affiliatePrograms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["programGuid"] == f.amazon.as_str())
        .cloned()
        .unwrap();
    assert_eq!(
        amazon["affiliateTokens"],
        json!({ "tag": "valerie-23", "ascsubtag": "spring sale" })
    );
}

#[test]
fn concurrent_posts_for_the_same_program_connect_it_once() {
    let f = Fixture::new();
    let group = f.server.create_group(&f.keys, "Race");
    for at in [At::User, At::Group(group)] {
        let replies: Vec<Reply> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let f = &f;
                    scope.spawn(move || {
                        f.post(
                            at,
                            json!({ "programGuid": f.apple, "parameters": { "at": format!("race{i}ab") } }),
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let statuses: Vec<u16> = replies.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{at:?}: {statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 409),
            "{at:?}: {statuses:?}"
        );
        let winner =
            replies.iter().find(|r| r.status == 200).unwrap().json()["affiliateTokensId"].clone();
        for reply in replies.iter().filter(|r| r.status == 409) {
            assert_eq!(reply.error_code(), "Conflict");
            assert_eq!(
                reply.json()["responseStatus"]["meta"]["AffiliateTokensId"],
                winner,
                "{}",
                reply.text
            );
        }
        let listed = f.server.get(&f.keys, &at.collection()).json();
        let key = match at {
            At::User => "affiliateTokensSet",
            At::Group(_) => "affiliatePrograms",
        };
        let apple: Vec<&Value> = listed[key]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["programGuid"] == f.apple.as_str())
            .collect();
        assert_eq!(apple.len(), 1, "{listed}");
        assert_eq!(apple[0]["affiliateTokensId"], winner);
    }
}
