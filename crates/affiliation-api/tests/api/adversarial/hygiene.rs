//! Input hygiene (issue 11, items 6 and 7): no request value in any message, usernames
//! one tenant whatever their case, CSV cells that cannot run as formulas, no bidi or
//! zero-width characters in names, strict credentials, 403 before validation for admin
//! operations, and a strict CLI.

use crate::common::{Keys, Reply, Server};
use serde_json::{json, Value};

/// Distinctive text that must never come back in an answer to a bad request.
const MARKER: &str = "secretvalue7Qx-20";

fn send(
    server: &Server,
    keys: &Keys,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> Reply {
    server
        .request(method, path)
        .bearer_auth(&keys.api_key)
        .header("content-type", content_type)
        .body(body.to_vec())
        .send()
        .expect("request")
        .into()
}

fn assert_not_echoed(reply: &Reply, context: &str) {
    assert_eq!(reply.status, 400, "{context}: {}", reply.text);
    assert!(
        !reply.text.contains(MARKER) && !reply.text.contains("secretvalue"),
        "{context}: the answer repeats the request's value: {}",
        reply.text
    );
    for (name, value) in &reply.headers {
        assert!(
            !value.as_bytes().windows(11).any(|w| w == b"secretvalue"),
            "{context}: header {name} repeats the value"
        );
    }
}

#[test]
fn no_request_value_appears_in_an_error_message() {
    let server = Server::start();
    let keys = server.add_user("hygiene", false);
    let apple = server.apple(&keys);
    let guid = server.post_tokens(
        &keys,
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": apple, "parameters": { "at": "1001l3ab" } }),
    );
    let group = server.create_group(&keys, "Hygiene");
    let m = MARKER;

    // JSON bodies, each wrong in its own way, on every write.
    let json_bodies: Vec<Vec<u8>> = [
        json!({ "programGuid": apple, "parameters": format!("tag={m}") }).to_string(),
        json!({ "programGuid": apple, "parameters": { "at": [m] } }).to_string(),
        json!({ "programGuid": apple, "parameters": { "at": { "v": m } } }).to_string(),
        json!({ "programGuid": apple, "parameters": [m] }).to_string(),
        json!({ "programGuid": [m] }).to_string(),
        json!({ "programGuid": { m: m } }).to_string(),
        json!({ "programGuid": m }).to_string(),
        json!({ "programGuid": apple, "parameters": { "at": format!("{m}\u{7}") } }).to_string(),
        json!({ "programGuid": apple, "parameters": { "at": m.repeat(40) } }).to_string(),
        json!({ "programGuid": apple, "parameters": { m: "x" } }).to_string(),
        json!({ "programGuid": apple, "parameters": { format!("tag={m}"): "x" } }).to_string(),
        json!({ "programGuid": apple, "groupId": m }).to_string(),
        json!({ "programGuid": apple, "includeDisabled": m }).to_string(),
        json!([m]).to_string(),
        json!(m).to_string(),
        format!(r#"{{"programGuid":"{apple}","parameters":{{"at":"{m}"#),
        format!(r#"{{"parameters":{{"at":"{m}"}},}}"#),
        format!(r#"{{"parameters":{{"at":{m}}}}}"#),
        format!(r#"{{"parameters":{{"at":"{m}\ud800"}}}}"#),
        format!(r#"{{"parameters":{{"at":"{m}\q"}}}}"#),
        format!(r#"{{"{m}" "x"}}"#),
        m.to_string(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .chain([format!(r#"{{"parameters":{{"at":"{m}"#)
        .into_bytes()
        .into_iter()
        .chain(*b"\xff\"}}")
        .collect()])
    .collect();
    let writes = [
        ("POST", "/v4/user-affiliate-tokens".to_string()),
        ("PUT", format!("/v4/user-affiliate-tokens/{guid}")),
        ("POST", format!("/v4/groups/{group}/group-affiliate-tokens")),
        ("POST", "/api/PostUserAffiliateTokensRequest".to_string()),
        (
            "POST",
            "/json/reply/PutUserAffiliateTokensRequest".to_string(),
        ),
    ];
    for (method, path) in &writes {
        for body in &json_bodies {
            let reply = send(&server, &keys, method, path, "application/json", body);
            assert_not_echoed(
                &reply,
                &format!("{method} {path} {}", String::from_utf8_lossy(body)),
            );
        }
    }

    // Token sets, groups, links and batches.
    for (method, path, body) in [
        (
            "POST",
            "/v4/affiliate-tokens-sets",
            json!({ "affiliatePrograms": m }),
        ),
        (
            "POST",
            "/v4/affiliate-tokens-sets",
            json!({ "affiliatePrograms": [m] }),
        ),
        (
            "POST",
            "/v4/affiliate-tokens-sets",
            json!({ "affiliatePrograms": [{ "programGuid": apple, "parameters": { "at": [m] } }] }),
        ),
        (
            "POST",
            "/v4/affiliate-tokens-sets",
            json!({ "affiliatePrograms": [{ "programGuid": m, "parameters": { "at": "x" } }] }),
        ),
        ("POST", "/v4/groups", json!({ "name": [m] })),
        (
            "POST",
            "/v4/groups",
            json!({ "name": format!("{m}\u{202E}") }),
        ),
        ("POST", "/v4/groups", json!({ "name": m.repeat(20) })),
        ("POST", "/v4/groups", json!({ "username": format!("{m}") })),
        ("POST", "/v4/affiliate-links", json!({ "urls": m })),
        ("POST", "/v4/affiliate-links", json!({ "urls": [[m]] })),
        (
            "POST",
            "/api/PostAffiliateLinksRequest[]",
            json!([{ "urls": m }]),
        ),
        ("POST", "/api/PostGroupRequest[]", json!(m)),
    ] {
        let reply = send(
            &server,
            &keys,
            method,
            path,
            "application/json",
            body.to_string().as_bytes(),
        );
        // Naming another user is 403 for a non-admin, before anything is looked up.
        if path == "/v4/groups" && body.get("username").is_some() {
            assert_eq!(reply.status, 403, "{}", reply.text);
            assert!(!reply.text.contains(m), "{}", reply.text);
            continue;
        }
        assert_not_echoed(&reply, &format!("{method} {path} {body}"));
    }

    // The other body formats.
    let at = "/v4/user-affiliate-tokens";
    let others: Vec<(&str, String)> = vec![
        ("application/jsv", format!("{{programGuid:{apple},parameters:{m}}}")),
        ("application/jsv", format!("{{programGuid:{apple},parameters:{{at:[{m}]}}}}")),
        ("application/jsv", format!("{{programGuid:{apple},parameters:{{at:\"{m}")),
        ("application/jsv", format!("{{programGuid:[{m}]}}")),
        ("application/jsv", format!("[{m}]")),
        ("application/jsv", format!("{{includeDisabled:{m}}}")),
        ("application/xml", format!("<PostUserAffiliateTokensRequest><{m}></PostUserAffiliateTokensRequest>")),
        ("application/xml", format!("<PostUserAffiliateTokensRequest><ProgramGuid>{m}</Other></PostUserAffiliateTokensRequest>")),
        ("application/xml", format!("<PostUserAffiliateTokensRequest><ProgramGuid>{m}&bogus;</ProgramGuid></PostUserAffiliateTokensRequest>")),
        ("application/xml", format!("<PostUserAffiliateTokensRequest><IncludeDisabled>{m}</IncludeDisabled></PostUserAffiliateTokensRequest>")),
        ("application/xml", format!("<PostUserAffiliateTokensRequest {m}=\"x\">")),
        ("application/xml", format!("<{m}")),
        ("text/csv", format!("ProgramGuid,Parameters\r\n{apple},\"{{at:[{m}\"\r\n")),
        ("text/csv", format!("ProgramGuid,Parameters\r\n{apple},{m}\r\n")),
        ("text/csv", format!("ProgramGuid,IncludeDisabled\r\n{apple},{m}\r\n")),
        ("text/csv", format!("ProgramGuid\r\n\"{m}\"x\"\r\n")),
        ("application/x-www-form-urlencoded", format!("programGuid={apple}&parameters={m}")),
        ("application/x-www-form-urlencoded", format!("programGuid={apple}&includeDisabled={m}")),
        ("application/x-www-form-urlencoded", format!("programGuid={m}&parameters={{at:x}}")),
    ];
    for (content_type, body) in &others {
        let reply = send(&server, &keys, "POST", at, content_type, body.as_bytes());
        assert_not_echoed(&reply, &format!("{content_type} {body}"));
    }
    let mut csv = format!("ProgramGuid,Parameters\r\n{apple},\"{m}").into_bytes();
    csv.extend_from_slice(b"\xff\xfe\"\r\n");
    let reply = send(&server, &keys, "POST", at, "text/csv", &csv);
    assert_not_echoed(&reply, "CSV that is not UTF-8");

    // Query and path values.
    for path in [
        format!("/v4/user-affiliate-tokens?includeDisabled={m}"),
        format!("/v4/groups/{m}/group-affiliate-tokens"),
        format!("/v4/groups/{group}/group-affiliate-tokens?includeDisabled={m}"),
        format!("/v4/user-affiliate-tokens/{m}/history"),
        format!("/v3/affiliate-programs?country={m}"),
        format!("/v3/affiliate-programs?includeDisabled={m}"),
        format!("/v4/affiliate-link?url={m}"),
        format!("/v4/affiliate-link?url={m}://x/y"),
        format!("/v4/affiliate-link?url=https://www.amazon.com/dp/1&groupId={m}"),
        format!("/api/GetUserAffiliateTokensRequest?includeDisabled={m}"),
    ] {
        let reply = server.get(&keys, &path);
        assert_not_echoed(&reply, &path);
    }
    for path in [
        format!("/v4/user-affiliate-tokens/{m}"),
        format!("/v4/groups/{m}"),
    ] {
        let reply = server.call(&keys, "DELETE", &path, Value::Null);
        assert_not_echoed(&reply, &path);
    }
    // A media type we do not read: 415, without the header's value.
    let reply = send(
        &server,
        &keys,
        "POST",
        "/v4/groups",
        &format!("application/{m}"),
        b"{}",
    );
    assert_eq!(reply.status, 415, "{}", reply.text);
    assert!(!reply.text.contains("secretvalue"), "{}", reply.text);
    // A path that matches no route: 404, without the path.
    for path in [
        format!("/v4/user-affiliate-tokens/{m}/x/y"),
        format!("/{m}"),
    ] {
        let reply = server.get(&keys, &path);
        assert_eq!(reply.status, 404, "{path}: {}", reply.text);
        assert!(!reply.text.contains(m), "{path}: {}", reply.text);
    }
}

#[test]
fn shape_errors_name_the_member_and_what_it_expects() {
    let server = Server::start();
    let keys = server.add_user("shapes", false);
    let apple = server.apple(&keys);
    let reply = server.call(
        &keys,
        "POST",
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": apple, "parameters": "tag=secretvalue-20" }),
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.error_code(), "SerializationException");
    let status = &reply.json()["responseStatus"];
    assert_eq!(status["message"], "'Parameters' must be a map of strings");
    assert_eq!(status["errors"][0]["fieldName"], "Parameters");

    let reply = server.get(&keys, "/v4/groups/12x/group-affiliate-tokens");
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(
        reply.json()["responseStatus"]["errors"][0]["message"],
        "'GroupId' must be a whole number from 0 to 4294967295"
    );

    let reply = send(
        &server,
        &keys,
        "POST",
        "/v4/user-affiliate-tokens",
        "application/json",
        b"{\"programGuid\": x}",
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(
        reply.json()["responseStatus"]["message"],
        "The JSON body is malformed at line 1 column 17"
    );
}

#[test]
fn usernames_are_one_tenant_whatever_their_case() {
    let server = Server::start();
    let alice = server.add_user("alice", false);
    for name in ["Alice", "ALICE", "alicE"] {
        let output = server.cli(&["users", "add", name]);
        assert!(!output.status.success(), "{name} was added beside alice");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("is taken") && stderr.contains("ignoring case"),
            "{name}: {stderr}"
        );
    }
    let output = server.cli(&["users", "list", "--json"]);
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 1);

    // The `username` member names the caller whatever its case; an admin's lookup too.
    let reply = server.get(&alice, "/v4/user-affiliate-tokens?username=ALICE");
    assert_eq!(reply.status, 200, "{}", reply.text);
    let admin = server.add_user("root", true);
    server.call_ok(
        &admin,
        "POST",
        "/v4/groups",
        json!({ "name": "For Alice", "username": "Alice" }),
    );
    let listed = server.get(&alice, "/v4/groups");
    assert!(listed.text.contains("For Alice"), "{}", listed.text);
    let missing = server.get(&admin, "/v4/user-affiliate-tokens?username=nobody-here");
    assert_eq!(missing.status, 404, "{}", missing.text);
    assert!(!missing.text.contains("nobody-here"), "{}", missing.text);

    // Keys are managed by the name in any case.
    server.cli_ok(&["keys", "revoke", "ALICE"]);
}

/// A database made before usernames were unique ignoring case, holding two that
/// differ only by case: the migration refuses, saying which and what to do.
#[test]
fn the_case_migration_refuses_while_usernames_clash() {
    let mut server = Server::start();
    server.add_user("bob", false);
    let database = server.database.clone();
    let backend = server.backend();
    // Stopped, but kept: it owns the database's directory (or PostgreSQL database).
    server.kill9();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let undo_and_clash = [
        "DROP INDEX users_username_nocase",
        "DELETE FROM _sqlx_migrations WHERE version = 2",
        "INSERT INTO users (username, is_admin, created_at) VALUES ('Bob', false, 0)",
    ];
    rt.block_on(async {
        use sqlx::Connection;
        if backend == "postgres" {
            let mut conn = sqlx::PgConnection::connect(&database).await.unwrap();
            for statement in undo_and_clash {
                sqlx::query(statement).execute(&mut conn).await.unwrap();
            }
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&database).await.unwrap();
            for statement in undo_and_clash {
                sqlx::query(&statement.replace("false", "0"))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }
    });
    let bin = crate::common::BIN;
    for command in [vec!["migrate"], vec!["serve", "--bind", "127.0.0.1:0"]] {
        let output = std::process::Command::new(bin)
            .args(&command)
            .args(["--database", &database])
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        assert!(
            !output.status.success(),
            "{command:?} applied the migration"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("differ only by case")
                && stderr.contains("Bob")
                && stderr.contains("bob")
                && stderr.contains("Rename or remove"),
            "{command:?}: {stderr}"
        );
        assert!(
            !stderr.contains("constraint failed"),
            "{command:?}: {stderr}"
        );
    }
    // Once one of them is renamed, it applies.
    rt.block_on(async {
        use sqlx::Connection;
        let rename = "UPDATE users SET username = 'bob2' WHERE username = 'Bob'";
        if backend == "postgres" {
            let mut conn = sqlx::PgConnection::connect(&database).await.unwrap();
            sqlx::query(rename).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&database).await.unwrap();
            sqlx::query(rename).execute(&mut conn).await.unwrap();
        }
    });
    let output = std::process::Command::new(bin)
        .args(["migrate", "--database", &database])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn csv_cells_that_would_be_formulas_are_neutralised() {
    let server = Server::start();
    let keys = server.add_user("sheets", false);
    let formula = r#"=HYPERLINK("http://evil","x")"#;
    server.create_group(&keys, formula);
    server.create_group(&keys, "+1+1");
    server.create_group(&keys, "-2+3");
    server.create_group(&keys, "@SUM(A1)");
    server.create_group(&keys, "Plain");
    let reply = server.get(&keys, "/v4/groups?format=csv");
    assert_eq!(reply.status, 200, "{}", reply.text);
    let mut reader = csv::ReaderBuilder::new().from_reader(reply.text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let name_at = headers
        .iter()
        .position(|h| h == "Name")
        .expect("a Name column");
    let names: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[name_at].to_string())
        .collect();
    for cell in &names {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?} would run as a formula: {}",
            reply.text
        );
    }
    assert!(names.contains(&format!("'{formula}")), "{names:?}");
    assert!(names.contains(&"'+1+1".to_string()), "{names:?}");
    assert!(names.contains(&"Plain".to_string()), "{names:?}");
    // JSON is data, not a spreadsheet: unchanged there.
    let json = server.get(&keys, "/v4/groups");
    assert!(
        json.text.contains(r#""=HYPERLINK(\"http://evil\",\"x\")""#),
        "{}",
        json.text
    );
}

#[test]
fn bidi_and_zero_width_characters_are_refused_in_names() {
    let server = Server::start();
    let keys = server.add_user("names", false);
    for c in [
        '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
        '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}', '\u{200B}', '\u{200C}',
        '\u{200D}', '\u{2060}', '\u{FEFF}',
    ] {
        let name = format!("Team{c}A");
        let reply = server.call(&keys, "POST", "/v4/groups", json!({ "name": name }));
        assert_eq!(reply.status, 400, "U+{:04X}: {}", c as u32, reply.text);
        assert_eq!(
            reply.field_errors(),
            vec![("InvalidGroupName".to_string(), "Name".to_string())]
        );
        let output = server.cli(&["users", "add", &format!("eve{c}")]);
        assert!(!output.status.success(), "U+{:04X} in a username", c as u32);
        assert!(String::from_utf8_lossy(&output.stderr).contains("username"));
    }
    server.call_ok(
        &keys,
        "POST",
        "/v4/groups",
        json!({ "name": "Équipe 東京" }),
    );
    let groups = server.get(&keys, "/v4/groups");
    assert_eq!(
        groups.json()["groups"].as_array().map(Vec::len),
        Some(1),
        "{}",
        groups.text
    );
}

#[test]
fn non_ascii_or_malformed_credentials_are_401() {
    let server = Server::start();
    let keys = server.add_user("creds", false);
    let path = "/v4/user-affiliate-tokens";
    let basic = |text: &str| {
        use base64::Engine;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(text)
        )
    };
    /// A case's name and the raw headers it sends.
    type Case<'a> = (&'a str, Vec<(&'a str, Vec<u8>)>);
    let cases: Vec<Case> = vec![
        (
            "non-ASCII X-Api-Secret",
            vec![
                ("x-api-key", keys.api_key.clone().into_bytes()),
                ("x-api-secret", "s\u{e9}cret".as_bytes().to_vec()),
            ],
        ),
        (
            "non-ASCII X-Api-Secret after the real one",
            vec![
                ("x-api-key", keys.api_key.clone().into_bytes()),
                (
                    "x-api-secret",
                    format!("{}\u{e9}", keys.api_secret).into_bytes(),
                ),
            ],
        ),
        (
            "non-ASCII X-Api-Key",
            vec![("x-api-key", format!("{}\u{e9}", keys.api_key).into_bytes())],
        ),
        (
            "a secret without a key",
            vec![("x-api-secret", keys.api_secret.clone().into_bytes())],
        ),
        (
            "non-ASCII bearer",
            vec![(
                "authorization",
                format!("Bearer {}\u{e9}", keys.api_key).into_bytes(),
            )],
        ),
        (
            "Latin-1 bearer",
            vec![(
                "authorization",
                [b"Bearer ".as_slice(), keys.api_key.as_bytes(), b"\xe9"].concat(),
            )],
        ),
        (
            "non-ASCII basic",
            vec![(
                "authorization",
                basic(&format!("{}:\u{e9}", keys.api_key)).into_bytes(),
            )],
        ),
        (
            "basic that is not base64",
            vec![("authorization", b"Basic @@@".to_vec())],
        ),
        ("bare bearer", vec![("authorization", b"Bearer".to_vec())]),
        (
            "unknown scheme",
            vec![(
                "authorization",
                format!("Token {}", keys.api_key).into_bytes(),
            )],
        ),
    ];
    for (what, headers) in cases {
        let mut request = server.request("GET", path);
        for (name, value) in headers {
            request = request.header(
                name,
                reqwest::header::HeaderValue::from_bytes(&value).unwrap(),
            );
        }
        let reply: Reply = request.send().unwrap().into();
        assert_eq!(reply.status, 401, "{what}: {}", reply.text);
    }
    // Two keys at once are ambiguous.
    let reply: Reply = server
        .request("GET", path)
        .header("x-api-key", &keys.api_key)
        .header("x-api-key", "ak_other")
        .send()
        .unwrap()
        .into();
    assert_eq!(reply.status, 401, "two X-Api-Key headers: {}", reply.text);
    // The well-formed forms still work.
    let reply: Reply = server
        .request("GET", path)
        .header("x-api-key", &keys.api_key)
        .header("x-api-secret", &keys.api_secret)
        .send()
        .unwrap()
        .into();
    assert_eq!(reply.status, 200, "{}", reply.text);
}

#[test]
fn a_non_admin_gets_403_before_catalog_validation() {
    let server = Server::start();
    let user = server.add_user("plain", false);
    let admin = server.add_user("boss", true);
    let guid = "6f1c3a52-0d4b-4b7e-9d4a-3b1f2e5c7a90";
    let path = format!("/v4/affiliate-programs/{guid}");
    for body in [
        json!({}),
        json!({ "name": "" }),
        json!({ "name": "X", "parameters": [{ "name": "tag", "pattern": "(" }] }),
        json!({ "name": ["X"] }),
        json!({ "parameters": "x" }),
        json!({ "name": "X\u{202E}" }),
    ] {
        let reply = server.call(&user, "PUT", &path, body.clone());
        assert_eq!(reply.status, 403, "{body}: {}", reply.text);
        assert_eq!(reply.error_code(), "Forbidden", "{body}");
        let reply = server.call(&admin, "PUT", &path, body.clone());
        assert_eq!(reply.status, 400, "admin, {body}: {}", reply.text);
    }
    // A malformed GUID in the path too.
    let reply = server.call(&user, "PUT", "/v4/affiliate-programs/nope", json!({}));
    assert_eq!(reply.status, 403, "{}", reply.text);
}

#[test]
fn the_cli_refuses_unknown_schemes_and_missing_databases() {
    let dir = tempfile::tempdir().unwrap();
    let bin = crate::common::BIN;
    let run = |args: &[&str]| {
        std::process::Command::new(bin)
            .args(args)
            .current_dir(dir.path())
            .env_remove("AFFILIATION_DATABASE_URL")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    for url in ["mysql://x/y", "http://h/db", "file:a.db"] {
        for command in [
            &["users", "list"][..],
            &["migrate"],
            &["serve", "--bind", "127.0.0.1:0"],
        ] {
            let output = run(&[command, &["--database", url]].concat());
            assert!(!output.status.success(), "{url} {command:?}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("unknown database URL scheme")
                    && stderr.contains("sqlite:")
                    && stderr.contains("postgres")
                    && stderr.contains("postgresql"),
                "{url}: {stderr}"
            );
        }
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a file was created"
    );

    let missing = dir.path().join("typo.db");
    let missing = missing.to_str().unwrap();
    for command in [
        &["users", "list"][..],
        &["users", "add", "x"],
        &["keys", "rotate", "x"],
        &["keys", "revoke", "x"],
        &["export"],
        &["catalog", "export"],
    ] {
        for url in [missing.to_string(), format!("sqlite://{missing}")] {
            let output = run(&[command, &["--database", &url]].concat());
            assert!(!output.status.success(), "{command:?} {url}");
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                stderr.contains("no database at") && stderr.contains("migrate"),
                "{command:?}: {stderr}"
            );
        }
    }
    assert!(
        !std::path::Path::new(missing).exists(),
        "an empty database was created"
    );

    // migrate creates it; then the others use it.
    let output = run(&["migrate", "--database", missing]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = run(&["users", "list", "--database", missing]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // --help describes the database forms.
    let output = run(&["--help"]);
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("postgresql://") && help.contains("sqlite:"),
        "{help}"
    );
}
