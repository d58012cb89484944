//! PostgreSQL-only behaviour: nodes starting together on a new database, and moving
//! an SQLite deployment to PostgreSQL. Skipped, visibly, where no PostgreSQL is
//! reachable, unless `AFFILIATION_REQUIRE_POSTGRES=1` (CI) makes that a failure.

use crate::common::postgres::TestDatabase;
use crate::common::{Keys, Server};
use serde_json::{json, Value};
use std::process::Command;

#[test]
fn nodes_starting_together_apply_the_migrations_once() {
    let Some(database) = TestDatabase::create_or_skip("nodes_starting_together") else {
        return;
    };
    let url = database.url.clone();
    let migrations: Vec<_> = (0..4)
        .map(|_| {
            Command::new(crate::common::BIN)
                .args(["migrate", "--database", &url])
                .spawn()
                .expect("start migrate")
        })
        .collect();
    for mut child in migrations {
        assert!(
            child.wait().unwrap().success(),
            "a concurrent migrate failed"
        );
    }
    let server = Server::start_postgres(database);
    let keys = server.add_user("first", false);
    assert_eq!(server.get(&keys, "/v4/groups").status, 200);
}

/// Every GET a user can make, by path, with its JSON answer.
fn everything_visible_to(server: &Server, keys: &Keys) -> Vec<(String, Value)> {
    let mut paths = vec![
        "/v4/groups".to_string(),
        "/v3/user-affiliate-tokens".to_string(),
        "/v3/group-affiliate-tokens".to_string(),
        "/v3/affiliate-programs?includeDisabled=true".to_string(),
    ];
    let groups = server.get(keys, "/v4/groups").json();
    for group in groups["groups"].as_array().expect("groups") {
        let id = &group["groupId"];
        paths.push(format!("/v4/groups/{id}/group-affiliate-tokens"));
    }
    let user_tokens = server.get(keys, "/v3/user-affiliate-tokens").json();
    for token in user_tokens["affiliateTokensSet"]
        .as_array()
        .expect("user tokens")
    {
        if let Some(guid) = token["affiliateTokensId"].as_str() {
            paths.push(format!("/v4/user-affiliate-tokens/{guid}/history"));
        }
    }
    paths
        .into_iter()
        .map(|path| {
            let reply = server.get(keys, &path);
            assert_eq!(reply.status, 200, "{path}: {}", reply.text);
            (path, reply.json())
        })
        .collect()
}

/// A dump of `users` users, each with `groups` groups holding overrides for the first
/// `per_group` programs: users * groups * per_group token sets, plus one user-level
/// set per user and program.
fn synthetic_dump(programs: &[Value], users: usize, groups: usize, per_group: usize) -> String {
    let mut lines = Vec::new();
    let at = 1_764_000_000_000_i64;
    for program in programs {
        lines.push(json!({
            "kind": "program",
            "programGuid": program["programGuid"],
            "name": program["name"],
            "disabled": program["disabled"],
            "definition": program["definition"],
            "updatedAt": at,
        }));
    }
    let tag = |n: usize| format!("gen{n}-20");
    let mut group_id = 0;
    let mut token = 0u128;
    let mut guid = || {
        token += 1;
        format!("00000000-0000-4000-8000-{token:012x}")
    };
    for user in 1..=users {
        lines.push(json!({
            "kind": "user", "id": user, "username": format!("user{user}"), "isAdmin": false,
            "keyHash": null, "secretHash": null, "keyHint": null, "createdAt": at,
        }));
        for program in programs.iter().take(per_group) {
            lines.push(json!({
                "kind": "token", "guid": guid(), "ownerId": user, "groupId": null,
                "programGuid": program["programGuid"],
                "parameters": json!({ "tag": tag(user) }).to_string(),
                "createdAt": at, "updatedAt": at,
            }));
        }
        for _ in 0..groups {
            group_id += 1;
            lines.push(json!({
                "kind": "group", "id": group_id, "ownerId": user,
                "name": format!("group {group_id}"), "createdAt": at,
            }));
            for program in programs.iter().take(per_group) {
                lines.push(json!({
                    "kind": "token", "guid": guid(), "ownerId": user, "groupId": group_id,
                    "programGuid": program["programGuid"],
                    "parameters": json!({ "tag": tag(group_id) }).to_string(),
                    "createdAt": at, "updatedAt": at,
                }));
            }
        }
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

#[test]
fn an_sqlite_deployment_moves_to_postgres_without_losing_anything() {
    let Some(target) = TestDatabase::create_or_skip("an_sqlite_deployment_moves_to_postgres")
    else {
        return;
    };
    let source = Server::start_sqlite();
    let dir = tempfile::tempdir().unwrap();

    // Programs whose tag rule accepts the generated values: the Amazon storefronts.
    let exported = source.cli(&["export"]);
    assert!(exported.status.success());
    let catalog: Vec<Value> = String::from_utf8(exported.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["kind"] == "program")
        .collect();
    let amazon: Vec<Value> = catalog
        .iter()
        .filter(|p| p["name"].as_str().unwrap_or("").starts_with("Amazon"))
        .cloned()
        .collect();
    assert!(
        amazon.len() >= 10,
        "the catalog ships 10 Amazon storefronts"
    );

    // 40 users x 25 groups x 10 programs = 10,000 group token sets (+ 400 user-level).
    let dump = synthetic_dump(&amazon, 40, 25, 10);
    let seed = dir.path().join("seed.jsonl");
    std::fs::write(&seed, dump).unwrap();
    let fresh = dir.path().join("fresh.db");
    let fresh_url = format!("sqlite://{}", fresh.display());
    let loaded = Command::new(crate::common::BIN)
        .args(["import", seed.to_str().unwrap(), "--database", &fresh_url])
        .output()
        .unwrap();
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    drop(source);

    // Changes made through the API too, so keys, history and token sets move as well.
    let source = Server::start_with_database(&fresh_url);
    let keys = source.add_user("mover", false);
    let program = source.amazon_us(&keys);
    let group = source.create_group(&keys, "moving");
    let guid = source.post_tokens(
        &keys,
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "mover-20" } }),
    );
    source.call_ok(
        &keys,
        "PUT",
        &format!("/v4/user-affiliate-tokens/{guid}"),
        json!({ "parameters": { "tag": "mover-21" } }),
    );
    source.call_ok(
        &keys,
        "POST",
        &format!("/v4/groups/{group}/group-affiliate-tokens"),
        json!({ "programGuid": program, "parameters": { "tag": "movergroup-20" } }),
    );

    let before_mover = everything_visible_to(&source, &keys);
    let admin = source.add_user("mover-admin", true);
    let sample_users = ["user1", "user17", "user40"];
    let before_users: Vec<_> = sample_users
        .iter()
        .map(|u| as_user(&source, &admin, u))
        .collect();

    let export_file = dir.path().join("export.jsonl");
    source.cli_ok(&["export", "--output", export_file.to_str().unwrap()]);
    let imported = Command::new(crate::common::BIN)
        .args([
            "import",
            export_file.to_str().unwrap(),
            "--database",
            &target.url,
        ])
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );

    let moved = Server::start_postgres(target);
    // The same key and secret work: only their hashes moved, and that is enough.
    assert_eq!(everything_visible_to(&moved, &keys), before_mover);
    let after_users: Vec<_> = sample_users
        .iter()
        .map(|u| as_user(&moved, &admin, u))
        .collect();
    assert_eq!(after_users, before_users);
    let total: usize = after_users.iter().map(|gets| gets.len()).sum();
    assert!(total > 3 * 25, "every sampled group was compared");

    // And the database keeps working after the move: new ids follow the imported ones.
    let next = moved.create_group(&keys, "after the move");
    assert!(
        next > 1000,
        "group ids continue after the imported ones, got {next}"
    );
}

/// What an admin sees acting for `username`: groups and every group's tokens.
fn as_user(server: &Server, admin: &Keys, username: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let groups = server.get(admin, &format!("/v4/groups?username={username}"));
    assert_eq!(groups.status, 200, "{}", groups.text);
    let groups = groups.json();
    for group in groups["groups"].as_array().unwrap() {
        let path = format!(
            "/v4/groups/{}/group-affiliate-tokens?username={username}",
            group["groupId"]
        );
        let reply = server.get(admin, &path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.text);
        out.push((path, reply.json()));
    }
    let path = format!("/v3/user-affiliate-tokens?username={username}");
    out.push((path.clone(), server.get(admin, &path).json()));
    out
}
