//! Tenancy, over JSON, against the real server: one user can neither read nor
//! change another's tokens or groups, nor learn that they exist; `username` is
//! honoured for admins only; revoked and mismatched credentials are refused.

use crate::common::{Keys, Reply, Server};
use serde_json::{json, Value};

/// A well-formed GUID that names nothing.
const UNKNOWN_GUID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
/// A valid group id no test creates.
const UNKNOWN_GROUP: u64 = 4_000_000_000;
const AMAZON_URL: &str = "https://www.amazon.com/dp/B000000001";

/// One user's stored things.
#[derive(Clone, Debug)]
struct Side {
    keys: Keys,
    group: u64,
    /// User-level Amazon US tokens.
    user_guid: String,
    /// Amazon US override of `group`.
    group_guid: String,
    /// The token set that wrote the user-level tokens (N form).
    set_guid: String,
    user_tag: String,
    group_tag: String,
    group_name: String,
}

/// Alice and Bob, normal users with the same shape of data, and an admin.
struct World {
    server: Server,
    amazon: String,
    apple: String,
    alice: Side,
    bob: Side,
    admin: Keys,
}

impl World {
    fn new() -> World {
        let server = Server::start();
        let admin = server.add_user("root", true);
        let amazon = server.amazon_us(&admin);
        let apple = server.apple(&admin);
        let alice = Self::side(&server, &amazon, "alice", "Alice picks");
        let bob = Self::side(&server, &amazon, "bob", "Bob picks");
        World {
            server,
            amazon,
            apple,
            alice,
            bob,
            admin,
        }
    }

    fn side(server: &Server, amazon: &str, name: &str, group_name: &str) -> Side {
        let keys = server.add_user(name, false);
        let user_tag = format!("{name}-20");
        let group_tag = format!("{name}grp-20");
        let reply = server.call(
            &keys,
            "POST",
            "/v4/affiliate-tokens-sets",
            json!({ "affiliatePrograms": [
                { "programGuid": amazon, "affiliateTokens": { "tag": user_tag } },
            ]}),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        let set_guid = reply.json()["affiliateTokensSetGuid"]
            .as_str()
            .unwrap()
            .to_string();
        let listed = server.get(&keys, "/v3/user-affiliate-tokens").json();
        let user_guid = listed["affiliateTokensSet"][0]["affiliateTokensId"]
            .as_str()
            .unwrap()
            .to_string();
        let group = server.create_group(&keys, group_name);
        let group_guid = server.post_tokens(
            &keys,
            &format!("/v4/groups/{group}/group-affiliate-tokens"),
            json!({ "programGuid": amazon, "parameters": { "tag": group_tag } }),
        );
        Side {
            keys,
            group,
            user_guid,
            group_guid,
            set_guid,
            user_tag,
            group_tag,
            group_name: group_name.to_string(),
        }
    }

    fn send(&self, keys: &Keys, request: &Req) -> Reply {
        self.server
            .call(keys, request.method, &request.path, request.body.clone())
    }

    /// Everything a side has stored, as its own GETs show it.
    fn snapshot(&self, side: &Side) -> Value {
        let mut state = serde_json::Map::new();
        let paths = [
            "/v3/user-affiliate-tokens?includeDisabled=true".to_string(),
            "/v4/user-affiliate-tokens?includeDisabled=true".to_string(),
            "/v3/group-affiliate-tokens".to_string(),
            "/v4/groups".to_string(),
            format!(
                "/v4/groups/{}/group-affiliate-tokens?includeDisabled=true",
                side.group
            ),
            format!("/v4/affiliate-tokens-sets?setGuid={}", side.set_guid),
        ];
        for path in paths {
            let reply = self.server.get(&side.keys, &path);
            assert_eq!(reply.status, 200, "{path}: {}", reply.text);
            state.insert(path, reply.json());
        }
        Value::Object(state)
    }

    /// Every identifying value of a side, as it would appear in a reply.
    fn secrets(side: &Side) -> Vec<String> {
        vec![
            side.user_guid.clone(),
            side.user_guid.replace('-', ""),
            side.group_guid.clone(),
            side.group_guid.replace('-', ""),
            side.set_guid.clone(),
            side.user_tag.clone(),
            side.group_tag.clone(),
            side.group_name.clone(),
            side.keys.username.clone(),
        ]
    }
}

#[derive(Clone, Debug)]
struct Req {
    method: &'static str,
    path: String,
    body: Value,
}

fn req(method: &'static str, path: impl Into<String>, body: Value) -> Req {
    Req {
        method,
        path: path.into(),
        body,
    }
}

/// A path with `username` in its query string (when given).
fn with_username(path: &str, username: Option<&str>) -> String {
    match username {
        None => path.to_string(),
        Some(name) => {
            let separator = if path.contains('?') { '&' } else { '?' };
            format!("{path}{separator}username={name}")
        }
    }
}

/// A body with `username` (when given).
fn body_with_username(mut body: Value, username: Option<&str>) -> Value {
    if let Some(name) = username {
        body["username"] = json!(name);
    }
    body
}

/// Every operation that acts for a user, against `side`'s things, each naming
/// `username`; reads first, then writes, then deletes, so that the whole list
/// succeeds in order when the caller may act for `side`.
fn acting_ops(world: &World, side: &Side, username: Option<&str>) -> Vec<Req> {
    let q = |path: &str| with_username(path, username);
    let b = |body: Value| body_with_username(body, username);
    let group = side.group;
    let group_tokens = format!("/v4/groups/{group}/group-affiliate-tokens");
    vec![
        req("GET", q("/v4/user-affiliate-tokens"), Value::Null),
        req("GET", q("/v3/user-affiliate-tokens"), Value::Null),
        req("GET", q(&group_tokens), Value::Null),
        req("GET", q("/v3/group-affiliate-tokens"), Value::Null),
        req("GET", q("/v4/groups"), Value::Null),
        req(
            "GET",
            q(&format!(
                "/v4/affiliate-link?url={AMAZON_URL}&groupId={group}"
            )),
            Value::Null,
        ),
        req(
            "POST",
            "/v4/affiliate-links",
            b(json!({ "urls": [AMAZON_URL], "groupId": group })),
        ),
        req(
            "PUT",
            format!("/v4/user-affiliate-tokens/{}", side.user_guid),
            b(json!({ "parameters": { "tag": "acted-20" } })),
        ),
        req(
            "PUT",
            format!("{group_tokens}/{}", side.group_guid),
            b(json!({ "parameters": { "tag": "actedgrp-20" } })),
        ),
        req(
            "POST",
            "/v4/user-affiliate-tokens",
            b(json!({ "programGuid": world.apple, "parameters": { "at": "1001l3ab" } })),
        ),
        req(
            "POST",
            group_tokens.clone(),
            b(json!({ "programGuid": world.apple, "parameters": { "at": "2002l3ab" } })),
        ),
        req(
            "POST",
            "/v4/affiliate-tokens-sets",
            b(json!({ "affiliatePrograms": [
                { "programGuid": world.amazon, "affiliateTokens": { "tag": "actedset-20" } },
            ]})),
        ),
        req("POST", "/v4/groups", b(json!({ "name": "Acted" }))),
        // Through a predefined route too.
        req(
            "POST",
            "/api/PutGroupAffiliateTokensRequest",
            b(
                json!({ "groupId": group, "guid": side.group_guid, "parameters": { "tag": "actedapi-20" } }),
            ),
        ),
        req(
            "DELETE",
            q(&format!("{group_tokens}/{}", side.group_guid)),
            Value::Null,
        ),
        req(
            "DELETE",
            q(&format!("/v4/user-affiliate-tokens/{}", side.user_guid)),
            Value::Null,
        ),
        req("DELETE", q(&format!("/v4/groups/{group}")), Value::Null),
    ]
}

/// Operations naming a group (and a token guid in it) that is not the caller's.
fn foreign_group_ops(world: &World, group: u64, guid: &str) -> Vec<Req> {
    let group_tokens = format!("/v4/groups/{group}/group-affiliate-tokens");
    vec![
        req("GET", group_tokens.clone(), Value::Null),
        req(
            "GET",
            format!("{group_tokens}?includeDisabled=true"),
            Value::Null,
        ),
        // A program the group has (409 would reveal it) and one it has not.
        req(
            "POST",
            group_tokens.clone(),
            json!({ "programGuid": world.amazon, "parameters": { "tag": "intruder-20" } }),
        ),
        req(
            "POST",
            group_tokens.clone(),
            json!({ "programGuid": world.apple, "parameters": { "at": "1001l3ab" } }),
        ),
        // Invalid parameters: still 404, never a 400 that would reveal the group.
        req(
            "POST",
            group_tokens.clone(),
            json!({ "programGuid": world.amazon, "parameters": { "nope": "x" } }),
        ),
        req("DELETE", format!("/v4/groups/{group}"), Value::Null),
        req(
            "GET",
            format!("/v4/affiliate-link?url={AMAZON_URL}&groupId={group}"),
            Value::Null,
        ),
        req(
            "POST",
            "/v4/affiliate-links",
            json!({ "urls": [AMAZON_URL], "groupId": group }),
        ),
        req(
            "GET",
            format!("/api/GetGroupAffiliateTokensRequest?groupId={group}"),
            Value::Null,
        ),
        req(
            "POST",
            "/json/reply/DeleteGroupRequest",
            json!({ "groupId": group }),
        ),
    ]
    .into_iter()
    .chain(foreign_guid_ops(group, guid))
    .collect()
}

/// Operations naming a group token guid that is not the caller's (in a group that
/// may be the caller's).
fn foreign_guid_ops(group: u64, guid: &str) -> Vec<Req> {
    let item = format!("/v4/groups/{group}/group-affiliate-tokens/{guid}");
    vec![
        req(
            "PUT",
            item.clone(),
            json!({ "parameters": { "tag": "intruder-20" } }),
        ),
        req("PUT", item.clone(), json!({ "parameters": { "nope": "" } })),
        req("PUT", item.clone(), json!({})),
        req("DELETE", item.clone(), Value::Null),
        req(
            "POST",
            "/api/PutGroupAffiliateTokensRequest",
            json!({ "groupId": group, "guid": guid, "parameters": { "tag": "intruder-20" } }),
        ),
        req(
            "POST",
            "/json/reply/DeleteGroupAffiliateTokensRequest",
            json!({ "groupId": group, "guid": guid }),
        ),
    ]
}

/// Operations naming a user-level token guid that is not the caller's.
fn foreign_user_guid_ops(guid: &str) -> Vec<Req> {
    let item = format!("/v4/user-affiliate-tokens/{guid}");
    vec![
        req(
            "PUT",
            item.clone(),
            json!({ "parameters": { "tag": "intruder-20" } }),
        ),
        req("PUT", item.clone(), json!({ "parameters": {} })),
        req(
            "PUT",
            format!("/v4/user-affiliate-tokens/{}", guid.replace('-', "")),
            json!({ "parameters": { "tag": "intruder-20" } }),
        ),
        req("DELETE", item, Value::Null),
        req(
            "POST",
            "/api/PutUserAffiliateTokensRequest",
            json!({ "guid": guid, "parameters": { "tag": "intruder-20" } }),
        ),
        req(
            "POST",
            "/json/reply/DeleteUserAffiliateTokensRequest",
            json!({ "guid": guid }),
        ),
    ]
}

/// The 36-char form of a 32-hex GUID.
fn hyphenated(n_form: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &n_form[..8],
        &n_form[8..12],
        &n_form[12..16],
        &n_form[16..20],
        &n_form[20..]
    )
}

/// Replaces each whole word (letters, digits, '-') that is one of `ids` by `ID`.
fn normalize(text: &str, ids: &[String]) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if ids.iter().any(|id| id == word) {
            out.push_str("ID");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// B's request against A's thing is a 404 NotFound that reads exactly like the
/// same request against a thing that does not exist.
fn assert_indistinguishable_404(
    world: &World,
    caller: &Keys,
    real: &[Req],
    fake: &[Req],
    ids: &[String],
) {
    assert_eq!(real.len(), fake.len());
    for (real, fake) in real.iter().zip(fake) {
        let context = format!("{} {} {}", real.method, real.path, real.body);
        let real_reply = world.send(caller, real);
        assert_eq!(real_reply.status, 404, "{context}: {}", real_reply.text);
        assert_eq!(real_reply.error_code(), "NotFound", "{context}");
        assert!(
            !real_reply.json()["responseStatus"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{context}"
        );
        let fake_reply = world.send(caller, fake);
        assert_eq!(
            fake_reply.status, 404,
            "{} {}: {}",
            fake.method, fake.path, fake_reply.text
        );
        assert_eq!(
            normalize(&real_reply.text, ids),
            normalize(&fake_reply.text, ids),
            "{context}: another user's thing reads differently from a missing one"
        );
    }
}

#[test]
fn another_users_groups_and_guids_are_404_on_every_operation() {
    let w = World::new();
    let (a, b) = (&w.alice, &w.bob);
    let alice_before = w.snapshot(a);
    let unknown_n = UNKNOWN_GUID.replace('-', "");
    let ids: Vec<String> = [
        a.group.to_string(),
        b.group.to_string(),
        UNKNOWN_GROUP.to_string(),
        a.user_guid.clone(),
        a.user_guid.replace('-', ""),
        a.group_guid.clone(),
        b.group_guid.clone(),
        a.set_guid.clone(),
        hyphenated(&a.set_guid),
        UNKNOWN_GUID.to_string(),
        unknown_n.clone(),
    ]
    .into();

    // Alice's group, with her guid and with Bob's own guid.
    for guid in [&a.group_guid, &b.group_guid] {
        assert_indistinguishable_404(
            &w,
            &b.keys,
            &foreign_group_ops(&w, a.group, guid),
            &foreign_group_ops(&w, UNKNOWN_GROUP, guid),
            &ids,
        );
    }
    // Alice's group-level guid in Bob's own group.
    assert_indistinguishable_404(
        &w,
        &b.keys,
        &foreign_guid_ops(b.group, &a.group_guid),
        &foreign_guid_ops(b.group, UNKNOWN_GUID),
        &ids,
    );
    // Alice's user-level and group-level guids at the user-level routes.
    for guid in [&a.user_guid, &a.group_guid] {
        assert_indistinguishable_404(
            &w,
            &b.keys,
            &foreign_user_guid_ops(guid),
            &foreign_user_guid_ops(UNKNOWN_GUID),
            &ids,
        );
    }
    // Alice's token set snapshot.
    let set = |guid: &str| {
        vec![
            req(
                "GET",
                format!("/v4/affiliate-tokens-sets?setGuid={guid}"),
                Value::Null,
            ),
            req(
                "GET",
                format!("/api/GetAffiliateTokensSetRequest?setGuid={guid}"),
                Value::Null,
            ),
        ]
    };
    assert_indistinguishable_404(&w, &b.keys, &set(&a.set_guid), &set(&unknown_n), &ids);

    // A batch whose second request names Alice's group stops there with 404.
    let batch = |group: u64| {
        json!([
            { "groupId": b.group, "guid": b.group_guid, "parameters": { "tag": b.group_tag } },
            { "groupId": group, "guid": a.group_guid, "parameters": { "tag": "intruder-20" } },
        ])
    };
    let real = w.server.call(
        &b.keys,
        "POST",
        "/api/PutGroupAffiliateTokensRequest[]",
        batch(a.group),
    );
    assert_eq!(real.status, 404, "{}", real.text);
    assert_eq!(real.error_code(), "NotFound");
    let fake = w.server.call(
        &b.keys,
        "POST",
        "/api/PutGroupAffiliateTokensRequest[]",
        batch(UNKNOWN_GROUP),
    );
    assert_eq!(normalize(&real.text, &ids), normalize(&fake.text, &ids));

    assert_eq!(w.snapshot(a), alice_before, "Alice's data changed");
    // Bob's refused writes never landed anywhere: his own data is his own.
    let bob_state = w.snapshot(b).to_string();
    for secret in ["intruder-20", &a.user_tag, &a.group_tag] {
        assert!(!bob_state.contains(secret), "{secret} in {bob_state}");
    }
}

#[test]
fn lists_never_show_another_users_items() {
    let w = World::new();
    let carol = w.server.add_user("carol", false);
    let alice_secrets = World::secrets(&w.alice);
    for (keys, own_groups) in [
        (&w.bob.keys, vec![w.bob.group]),
        (&carol, vec![]),
        (&w.admin, vec![]),
    ] {
        let mut paths = vec![
            "/v4/user-affiliate-tokens?includeDisabled=true".to_string(),
            "/v3/user-affiliate-tokens?includeDisabled=true".to_string(),
            "/v3/group-affiliate-tokens".to_string(),
            "/v4/groups".to_string(),
            format!("/v4/affiliate-link?url={AMAZON_URL}"),
        ];
        for group in &own_groups {
            paths.push(format!("/v4/groups/{group}/group-affiliate-tokens"));
            paths.push(format!(
                "/v4/affiliate-link?url={AMAZON_URL}&groupId={group}"
            ));
        }
        for path in &paths {
            let reply = w.server.get(keys, path);
            assert_eq!(
                reply.status, 200,
                "{} {path}: {}",
                keys.username, reply.text
            );
            for secret in &alice_secrets {
                assert!(
                    !reply.text.contains(secret.as_str()),
                    "{} {path} shows Alice's {secret}: {}",
                    keys.username,
                    reply.text
                );
            }
        }
        let groups: Vec<u64> = w.server.get(keys, "/v4/groups").json()["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["groupId"].as_u64().unwrap())
            .collect();
        assert_eq!(groups, own_groups, "{}", keys.username);
        let all: Vec<u64> = w.server.get(keys, "/v3/group-affiliate-tokens").json()["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["groupId"].as_u64().unwrap())
            .collect();
        assert_eq!(all, own_groups, "{}", keys.username);
    }

    // Bob's lists show exactly his own things.
    let user = w
        .server
        .get(&w.bob.keys, "/v3/user-affiliate-tokens")
        .json();
    assert_eq!(
        user["affiliateTokensSet"],
        json!([{
            // The listed items are declared IAffiliateProgram: the class travels as a hint.
            "__type": "AffiliationAPI.ServiceModel.DomainModel.AffiliateProgram, AffiliationAPI.ServiceModel",
            "programGuid": w.amazon,
            "affiliateTokens": { "tag": w.bob.user_tag },
            "affiliateTokensId": w.bob.user_guid,
            "programName": user["affiliateTokensSet"][0]["programName"],
            "disabled": false,
            "updatedAt": user["affiliateTokensSet"][0]["updatedAt"],
        }])
    );
    let group = w.server.get(
        &w.bob.keys,
        &format!("/v4/groups/{}/group-affiliate-tokens", w.bob.group),
    );
    let listed = group.json()["affiliatePrograms"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{}", group.text);
    assert_eq!(listed[0]["affiliateTokensId"], w.bob.group_guid);
    assert_eq!(
        listed[0]["affiliateTokens"],
        json!({ "tag": w.bob.group_tag })
    );

    // Links use the caller's own tokens only: Bob's, or none for Carol.
    let link = w.server.get(
        &w.bob.keys,
        &format!(
            "/v4/affiliate-link?url={AMAZON_URL}&groupId={}",
            w.bob.group
        ),
    );
    assert_eq!(link.status, 200, "{}", link.text);
    assert_eq!(link.json()["level"], "group");
    assert!(link.json()["url"]
        .as_str()
        .unwrap()
        .contains(&w.bob.group_tag));
    let link = w
        .server
        .get(&carol, &format!("/v4/affiliate-link?url={AMAZON_URL}"));
    assert_eq!(link.json()["level"], "none", "{}", link.text);
    assert_eq!(link.json()["url"], AMAZON_URL);
    let links = w.server.call(
        &carol,
        "POST",
        "/v4/affiliate-links",
        json!({ "urls": [AMAZON_URL] }),
    );
    assert_eq!(links.json()["links"][0]["level"], "none", "{}", links.text);
}

#[test]
fn a_normal_user_naming_another_user_is_403_and_changes_nothing() {
    let w = World::new();
    let alice_before = w.snapshot(&w.alice);
    let bob_before = w.snapshot(&w.bob);
    // Against Bob's own things and against Alice's, naming Alice, an unknown user
    // (403 too: a normal user learns nothing about who exists) and the admin.
    for side in [&w.bob, &w.alice] {
        for username in ["alice", "nobody", "root", "bob2"] {
            // `username` where each operation declares it, and in the query string
            // (which binding lays over the body) for the writes too.
            let in_query = acting_ops(&w, side, None)
                .into_iter()
                .filter(|r| !r.body.is_null())
                .map(|r| Req {
                    path: with_username(&r.path, Some(username)),
                    ..r
                });
            for request in acting_ops(&w, side, Some(username))
                .into_iter()
                .chain(in_query)
            {
                let reply = w.send(&w.bob.keys, &request);
                let context = format!(
                    "bob as {username}: {} {} {}",
                    request.method, request.path, request.body
                );
                assert_eq!(reply.status, 403, "{context}: {}", reply.text);
                assert_eq!(reply.error_code(), "Forbidden", "{context}");
                assert!(
                    !reply.json()["responseStatus"]["message"]
                        .as_str()
                        .unwrap_or_default()
                        .is_empty(),
                    "{context}"
                );
            }
        }
    }
    assert_eq!(w.snapshot(&w.alice), alice_before, "Alice's data changed");
    assert_eq!(w.snapshot(&w.bob), bob_before, "Bob's data changed");
}

#[test]
fn a_normal_user_naming_itself_acts_as_itself() {
    let w = World::new();
    let alice_before = w.snapshot(&w.alice);
    for request in acting_ops(&w, &w.bob, Some("bob")) {
        let reply = w.send(&w.bob.keys, &request);
        assert_eq!(
            reply.status, 200,
            "{} {} {}: {}",
            request.method, request.path, request.body, reply.text
        );
    }
    // The writes landed on Bob's account.
    let user = w
        .server
        .get(&w.bob.keys, "/v4/user-affiliate-tokens")
        .json();
    let programs: Vec<&str> = user["affiliateTokensSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["programGuid"].as_str().unwrap())
        .collect();
    // Amazon was written by the token set, then deleted; Apple was connected.
    assert_eq!(programs, [w.apple.as_str()], "{user}");
    let groups = w.server.get(&w.bob.keys, "/v4/groups").json();
    assert_eq!(groups["groups"][0]["name"], "Acted", "{groups}");
    assert_eq!(groups["groups"].as_array().unwrap().len(), 1);
    assert_eq!(w.snapshot(&w.alice), alice_before, "Alice's data changed");
}

#[test]
fn an_admin_naming_a_user_acts_for_that_user_on_every_operation() {
    let w = World::new();
    let bob_before = w.snapshot(&w.bob);
    let admin_groups_before = w.server.get(&w.admin, "/v4/groups").text;
    let a = &w.alice;
    let ops = acting_ops(&w, a, Some("alice"));
    // Every operation succeeds; reads answer exactly what Alice sees herself.
    for request in &ops {
        let reply = w.send(&w.admin, request);
        let context = format!("{} {} {}", request.method, request.path, request.body);
        assert_eq!(reply.status, 200, "{context}: {}", reply.text);
        if request.method == "GET" {
            let own_path = request
                .path
                .replace("?username=alice", "")
                .replace("&username=alice", "");
            let own = w.server.get(&a.keys, &own_path);
            assert_eq!(own.status, 200, "{own_path}: {}", own.text);
            assert_eq!(reply.json(), own.json(), "{context}");
        }
    }
    // The admin's writes are Alice's: her user-level Amazon tokens were deleted,
    // Apple was connected, the new group "Acted" is hers, her first group is gone.
    let user = w.server.get(&a.keys, "/v3/user-affiliate-tokens").json();
    let user = user["affiliateTokensSet"].as_array().unwrap().clone();
    assert_eq!(user.len(), 1, "{user:?}");
    assert_eq!(user[0]["programGuid"], w.apple.as_str());
    assert_eq!(user[0]["affiliateTokens"], json!({ "at": "1001l3ab" }));
    let groups = w.server.get(&a.keys, "/v4/groups").json();
    assert_eq!(groups["groups"].as_array().unwrap().len(), 1, "{groups}");
    assert_eq!(groups["groups"][0]["name"], "Acted");
    assert_eq!(
        w.server.get(&w.admin, "/v4/groups").text,
        admin_groups_before,
        "nothing was written for the admin itself"
    );
    assert_eq!(w.snapshot(&w.bob), bob_before, "Bob's data changed");
}

#[test]
fn admin_writes_for_a_user_are_visible_to_that_user() {
    let w = World::new();
    let a = &w.alice;
    let admin = &w.admin;
    let group_item = format!(
        "/v4/groups/{}/group-affiliate-tokens/{}",
        a.group, a.group_guid
    );

    let reply = w.server.call(
        admin,
        "PUT",
        &group_item,
        json!({ "username": "alice", "parameters": { "tag": "byadmin-20" } }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        reply.json(),
        json!({ "success": true, "affiliateTokensId": a.group_guid })
    );
    let reply = w.server.call(
        admin,
        "PUT",
        &format!("/v4/user-affiliate-tokens/{}", a.user_guid),
        json!({ "username": "alice", "parameters": { "tag": "byadmin-21" } }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply = w.server.call(
        admin,
        "POST",
        &format!("/v4/groups/{}/group-affiliate-tokens", a.group),
        json!({ "username": "alice", "programGuid": w.apple, "parameters": { "at": "9009ab" } }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let apple_guid = reply.json()["affiliateTokensId"]
        .as_str()
        .unwrap()
        .to_string();

    let group = w
        .server
        .get(
            &a.keys,
            &format!("/v4/groups/{}/group-affiliate-tokens", a.group),
        )
        .json();
    let tokens: Vec<(Value, Value)> = group["affiliatePrograms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["affiliateTokensId"].clone(), p["affiliateTokens"].clone()))
        .collect();
    assert!(
        tokens.contains(&(json!(a.group_guid), json!({ "tag": "byadmin-20" }))),
        "{group}"
    );
    assert!(
        tokens.contains(&(json!(apple_guid), json!({ "at": "9009ab" }))),
        "{group}"
    );
    let user = w.server.get(&a.keys, "/v4/user-affiliate-tokens").json();
    assert_eq!(
        user["affiliateTokensSet"][0]["affiliateTokens"],
        json!({ "tag": "byadmin-21" })
    );
    // Alice's links now carry what the admin wrote.
    let link = w.server.get(
        &a.keys,
        &format!("/v4/affiliate-link?url={AMAZON_URL}&groupId={}", a.group),
    );
    assert!(
        link.json()["url"].as_str().unwrap().contains("byadmin-20"),
        "{}",
        link.text
    );

    // A token set written by the admin for Alice is Alice's; the admin reads hers.
    let reply = w.server.call(
        admin,
        "POST",
        "/v4/affiliate-tokens-sets",
        json!({ "username": "alice", "affiliatePrograms": [
            { "programGuid": w.amazon, "affiliateTokens": { "tag": "adminset-20" } },
        ]}),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let set_guid = reply.json()["affiliateTokensSetGuid"]
        .as_str()
        .unwrap()
        .to_string();
    let set = w.server.get(
        &a.keys,
        &format!("/v4/affiliate-tokens-sets?setGuid={set_guid}"),
    );
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json()["affiliateTokensSet"]["username"], "alice");
    let user = w.server.get(&a.keys, "/v4/user-affiliate-tokens").json();
    assert_eq!(
        user["affiliateTokensSet"][0]["affiliateTokens"],
        json!({ "tag": "adminset-20" })
    );
    let theirs = w.server.get(
        admin,
        &format!("/v4/affiliate-tokens-sets?setGuid={}", a.set_guid),
    );
    assert_eq!(theirs.status, 200, "{}", theirs.text);
    assert_eq!(theirs.json()["affiliateTokensSet"]["username"], "alice");

    // A group the admin creates for Alice is hers, and the admin deletes for her.
    let reply = w.server.call(
        admin,
        "POST",
        "/v4/groups",
        json!({ "username": "alice", "name": "From admin" }),
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let made = reply.json()["groupId"].as_u64().unwrap();
    let groups = w.server.get(&a.keys, "/v4/groups").json();
    assert!(groups["groups"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["groupId"] == made && g["name"] == "From admin"));
    let reply = w.server.call(
        admin,
        "DELETE",
        &format!(
            "/v4/groups/{}/group-affiliate-tokens/{apple_guid}?username=alice",
            a.group
        ),
        Value::Null,
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply = w.server.call(
        admin,
        "DELETE",
        &format!("/v4/groups/{made}?username=alice"),
        Value::Null,
    );
    assert_eq!(reply.status, 200, "{}", reply.text);
    let groups = w.server.get(&a.keys, "/v4/groups").json();
    assert_eq!(groups["groups"].as_array().unwrap().len(), 1, "{groups}");
    let group = w
        .server
        .get(
            &a.keys,
            &format!("/v4/groups/{}/group-affiliate-tokens", a.group),
        )
        .json();
    assert_eq!(group["affiliatePrograms"].as_array().unwrap().len(), 1);
}

#[test]
fn an_admin_acts_on_a_group_only_for_its_owner() {
    let w = World::new();
    let alice_before = w.snapshot(&w.alice);
    let bob_before = w.snapshot(&w.bob);
    let a = &w.alice;
    // Without username the admin acts as itself, and Alice's group is not its own;
    // naming Bob, Alice's group is not Bob's either.
    for username in [None, Some("root"), Some("bob")] {
        let q = |path: &str| with_username(path, username);
        let b = |body: Value| body_with_username(body, username);
        let group_tokens = format!("/v4/groups/{}/group-affiliate-tokens", a.group);
        for request in [
            req("GET", q(&group_tokens), Value::Null),
            req(
                "POST",
                group_tokens.clone(),
                b(json!({ "programGuid": w.apple, "parameters": { "at": "1001l3ab" } })),
            ),
            req(
                "PUT",
                format!("{group_tokens}/{}", a.group_guid),
                b(json!({ "parameters": { "tag": "wrongowner-20" } })),
            ),
            req(
                "DELETE",
                q(&format!("{group_tokens}/{}", a.group_guid)),
                Value::Null,
            ),
            req(
                "PUT",
                format!("/v4/user-affiliate-tokens/{}", a.user_guid),
                b(json!({ "parameters": { "tag": "wrongowner-20" } })),
            ),
            req(
                "DELETE",
                q(&format!("/v4/user-affiliate-tokens/{}", a.user_guid)),
                Value::Null,
            ),
            req("DELETE", q(&format!("/v4/groups/{}", a.group)), Value::Null),
            req(
                "GET",
                q(&format!(
                    "/v4/affiliate-link?url={AMAZON_URL}&groupId={}",
                    a.group
                )),
                Value::Null,
            ),
        ] {
            let reply = w.send(&w.admin, &request);
            let context = format!(
                "admin as {username:?}: {} {} {}",
                request.method, request.path, request.body
            );
            assert_eq!(reply.status, 404, "{context}: {}", reply.text);
            assert_eq!(reply.error_code(), "NotFound", "{context}");
        }
    }
    assert_eq!(w.snapshot(&w.alice), alice_before, "Alice's data changed");
    assert_eq!(w.snapshot(&w.bob), bob_before, "Bob's data changed");
}

#[test]
fn an_admin_naming_an_unknown_user_is_404() {
    let w = World::new();
    let alice_before = w.snapshot(&w.alice);
    let admin_before = w.server.get(&w.admin, "/v3/user-affiliate-tokens").text;
    for username in ["nobody", "alice2", "ALICE_"] {
        for request in acting_ops(&w, &w.alice, Some(username)) {
            let reply = w.send(&w.admin, &request);
            let context = format!(
                "admin as {username}: {} {} {}",
                request.method, request.path, request.body
            );
            assert_eq!(reply.status, 404, "{context}: {}", reply.text);
            assert_eq!(reply.error_code(), "NotFound", "{context}");
            let message = reply.json()["responseStatus"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            // The name is the request's value: the message names the member instead.
            assert!(
                !message.contains(username) && message.contains("'Username'"),
                "{context}: {message}"
            );
        }
    }
    assert_eq!(w.snapshot(&w.alice), alice_before, "Alice's data changed");
    assert_eq!(
        w.server.get(&w.admin, "/v3/user-affiliate-tokens").text,
        admin_before
    );
}

#[test]
fn a_revoked_key_is_401_everywhere_and_the_data_stays() {
    let w = World::new();
    let a = &w.alice;
    let alice_before = w.snapshot(a);
    let output = w.server.cli(&["keys", "revoke", "alice"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    w.server.await_key_refused(&a.keys);
    let mut requests = acting_ops(&w, a, None);
    requests.push(req(
        "GET",
        format!("/v4/affiliate-tokens-sets?setGuid={}", a.set_guid),
        Value::Null,
    ));
    requests.push(req("GET", "/v3/affiliate-programs", Value::Null));
    for request in &requests {
        let reply = w.send(&a.keys, request);
        let context = format!("{} {}", request.method, request.path);
        assert_eq!(reply.status, 401, "{context}: {}", reply.text);
        assert_eq!(reply.error_code(), "Unauthorized", "{context}");
    }
    // With the secret too, in every credential form.
    for builder in [
        w.server
            .request("GET", "/v4/groups")
            .basic_auth(&a.keys.api_key, Some(&a.keys.api_secret)),
        w.server
            .request("GET", "/v4/groups")
            .header("X-Api-Key", &a.keys.api_key)
            .header("X-Api-Secret", &a.keys.api_secret),
    ] {
        let reply: Reply = builder.send().unwrap().into();
        assert_eq!(reply.status, 401, "{}", reply.text);
    }
    // Nothing was written, the data is kept (the admin still sees it) and the
    // other users are not affected.
    let as_alice = |path: &str| w.server.get(&w.admin, &with_username(path, Some("alice")));
    let user = as_alice("/v3/user-affiliate-tokens?includeDisabled=true");
    assert_eq!(user.status, 200, "{}", user.text);
    assert_eq!(
        user.json(),
        alice_before["/v3/user-affiliate-tokens?includeDisabled=true"]
    );
    let groups = as_alice("/v3/group-affiliate-tokens");
    assert_eq!(groups.json(), alice_before["/v3/group-affiliate-tokens"]);
    assert_eq!(w.server.get(&w.bob.keys, "/v4/groups").status, 200);
}

#[test]
fn a_key_with_another_users_secret_is_401() {
    let w = World::new();
    let (a, b) = (&w.alice.keys, &w.bob.keys);
    let alice_before = w.snapshot(&w.alice);
    let path = format!("/v4/groups/{}/group-affiliate-tokens", w.alice.group);
    let send =
        |builder: reqwest::blocking::RequestBuilder| -> Reply { builder.send().unwrap().into() };
    // The right pairs work.
    for keys in [a, b] {
        let reply = send(
            w.server
                .request("GET", "/v4/groups")
                .basic_auth(&keys.api_key, Some(&keys.api_secret)),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
    }
    for (key, secret) in [(a, b), (b, a), (a, &w.admin), (&w.admin, a)] {
        for (method, path, body) in [
            ("GET", path.clone(), Value::Null),
            ("GET", "/v4/groups".to_string(), Value::Null),
            (
                "PUT",
                format!("{path}/{}", w.alice.group_guid),
                json!({ "parameters": { "tag": "mixed-20" } }),
            ),
        ] {
            for builder in [
                w.server
                    .request(method, &path)
                    .basic_auth(&key.api_key, Some(&secret.api_secret)),
                w.server
                    .request(method, &path)
                    .header("X-Api-Key", &key.api_key)
                    .header("X-Api-Secret", &secret.api_secret),
            ] {
                let builder = if body.is_null() {
                    builder
                } else {
                    builder.json(&body)
                };
                let reply = send(builder);
                let context = format!(
                    "{}'s key with {}'s secret: {method} {path}",
                    key.username, secret.username
                );
                assert_eq!(reply.status, 401, "{context}: {}", reply.text);
                assert_eq!(reply.error_code(), "Unauthorized", "{context}");
                assert_eq!(reply.json()["responseStatus"]["errors"], json!([]));
            }
        }
    }
    assert_eq!(w.snapshot(&w.alice), alice_before, "Alice's data changed");
}
