//! Races between writes: a group deleted while tokens are written into it, token sets
//! written while the same records are changed. Every answer is a client's (200, 404,
//! 409), never a 5xx, and nothing is left behind: no row of a deleted group, every
//! override a group held is deleted with an audit entry.

use crate::common::{Keys, Server};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Barrier;

const ROUNDS: usize = 20;

/// Runs every request of `requests` at once (one thread each, released together) and
/// returns (label, status, body) per request.
fn race(
    server: &Server,
    keys: &Keys,
    requests: Vec<(&'static str, &'static str, String, Value)>,
) -> Vec<(&'static str, u16, String)> {
    let barrier = Barrier::new(requests.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = requests
            .into_iter()
            .map(|(label, method, path, body)| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    let reply = server.call(keys, method, &path, body);
                    (label, reply.status, reply.text)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

fn assert_allowed(answers: &[(&'static str, u16, String)], allowed: &[(&str, &[u16])]) {
    for (label, status, text) in answers {
        assert!(*status < 500, "{label} answered {status}: {text}");
        let expected = allowed
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, s)| *s)
            .unwrap_or_else(|| panic!("no expectation for {label}"));
        assert!(
            expected.contains(status),
            "{label} answered {status}, expected one of {expected:?}: {text}"
        );
        if *status != 200 {
            let body: Value = serde_json::from_str(text).expect("an error body is JSON");
            let code = body["responseStatus"]["errorCode"].as_str().unwrap_or("");
            let expected_code = if *status == 404 {
                "NotFound"
            } else {
                "Conflict"
            };
            assert_eq!(code, expected_code, "{label}: {text}");
            assert!(
                body["responseStatus"]["errors"].is_array(),
                "{label}: {text}"
            );
        }
    }
}

/// Runs `sql` (a single COUNT) against the server's database, whichever backend it is.
fn count(server: &Server, sql: &str, bind: Option<&str>) -> i64 {
    use sqlx::{Connection, Row};
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if server.backend() == "postgres" {
            let mut conn = sqlx::PgConnection::connect(&server.database)
                .await
                .expect("connect to the test database");
            let mut query = sqlx::query(sql);
            if let Some(value) = bind {
                query = query.bind(value);
            }
            query.fetch_one(&mut conn).await.unwrap().get::<i64, _>(0)
        } else {
            let options: sqlx::sqlite::SqliteConnectOptions =
                server.database.parse().expect("a SQLite URL");
            let mut conn = sqlx::SqliteConnection::connect_with(&options.read_only(true))
                .await
                .expect("open the test database");
            let mut query = sqlx::query(sql);
            if let Some(value) = bind {
                query = query.bind(value);
            }
            query.fetch_one(&mut conn).await.unwrap().get::<i64, _>(0)
        }
    })
}

const ORPHANS_SQL: &str = "SELECT COUNT(*) FROM affiliate_tokens t
     WHERE t.group_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM groups g WHERE g.id = t.group_id)";

fn tokens_id(text: &str) -> String {
    let body: Value = serde_json::from_str(text).unwrap();
    body["affiliateTokensId"].as_str().unwrap().to_string()
}

#[test]
fn deleting_a_group_while_its_tokens_are_written_answers_no_5xx_and_leaves_no_orphans() {
    let server = Server::start();
    let alice = server.add_user("alice", false);
    let amazon = server.amazon_us(&alice);
    let apple = server.apple(&alice);
    let mut written = Vec::new();
    let mut outcomes: HashMap<(&str, u16), usize> = HashMap::new();
    for round in 0..ROUNDS {
        let group = server.create_group(&alice, &format!("race {round}"));
        let base = format!("/v4/groups/{group}/group-affiliate-tokens");
        let existing = server.call_ok(
            &alice,
            "POST",
            &base,
            json!({ "programGuid": apple, "parameters": { "at": "1000lb" } }),
        );
        let existing = tokens_id(&existing.text);
        written.push(existing.clone());
        let post = || json!({ "programGuid": amazon, "parameters": { "tag": "race-20" } });
        let answers = race(
            &server,
            &alice,
            vec![
                (
                    "delete group",
                    "DELETE",
                    format!("/v4/groups/{group}"),
                    Value::Null,
                ),
                (
                    "delete group",
                    "DELETE",
                    format!("/v4/groups/{group}"),
                    Value::Null,
                ),
                ("post", "POST", base.clone(), post()),
                ("post", "POST", base.clone(), post()),
                ("post", "POST", base.clone(), post()),
                (
                    "put",
                    "PUT",
                    format!("{base}/{existing}"),
                    json!({ "parameters": { "at": "2000lb" } }),
                ),
                (
                    "delete tokens",
                    "DELETE",
                    format!("{base}/{existing}"),
                    Value::Null,
                ),
                ("get", "GET", base.clone(), Value::Null),
                (
                    "history",
                    "GET",
                    format!("{base}/{existing}/history"),
                    Value::Null,
                ),
            ],
        );
        assert_allowed(
            &answers,
            &[
                ("delete group", &[200, 404]),
                ("post", &[200, 404, 409]),
                ("put", &[200, 404]),
                ("delete tokens", &[200, 404]),
                ("get", &[200, 404]),
                ("history", &[200, 404]),
            ],
        );
        let deleted = answers
            .iter()
            .filter(|(l, s, _)| *l == "delete group" && *s == 200)
            .count();
        assert_eq!(deleted, 1, "exactly one delete wins: {answers:?}");
        let posted: Vec<_> = answers
            .iter()
            .filter(|(l, s, _)| *l == "post" && *s == 200)
            .collect();
        assert!(posted.len() <= 1, "one override per program: {answers:?}");
        written.extend(posted.iter().map(|(_, _, text)| tokens_id(text)));
        for (label, status, _) in &answers {
            *outcomes.entry((label, *status)).or_default() += 1;
        }

        // The group is gone, and everything in it.
        let after = server.get(&alice, &base);
        assert_eq!(after.status, 404, "{}", after.text);
        let groups = server.get(&alice, "/v4/groups");
        assert!(
            groups.json()["groups"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g["groupId"] != group),
            "{}",
            groups.text
        );
    }
    eprintln!("race outcomes ({}): {outcomes:?}", server.backend());

    assert_eq!(
        count(&server, ORPHANS_SQL, None),
        0,
        "rows of deleted groups"
    );
    assert_eq!(
        count(
            &server,
            "SELECT COUNT(*) FROM affiliate_tokens WHERE group_id IS NOT NULL",
            None
        ),
        0
    );
    // Every override that was written was deleted by a write that recorded it.
    for guid in &written {
        assert_eq!(
            count(
                &server,
                "SELECT COUNT(*) FROM audit_log WHERE token_guid = $1 AND action = 'DeleteGroupAffiliateTokens'",
                Some(guid),
            ),
            1,
            "the deletion of {guid} is in the history once"
        );
    }
    let health = server.request("GET", "/health").send().unwrap();
    assert_eq!(health.status(), 200);
}

#[test]
fn token_sets_written_while_the_same_tokens_change_answer_no_5xx() {
    let server = Server::start();
    let alice = server.add_user("alice", false);
    let amazon = server.amazon_us(&alice);
    let apple = server.apple(&alice);
    let set = || {
        json!({ "affiliatePrograms": [
            { "programGuid": amazon, "affiliateTokens": { "tag": "set-20" } },
            { "programGuid": apple, "affiliateTokens": { "at": "1000lb" } },
        ] })
    };
    // The same programs in the other order: the writes must not deadlock each other.
    let reversed = || {
        json!({ "affiliatePrograms": [
            { "programGuid": apple, "affiliateTokens": { "at": "2000lb" } },
            { "programGuid": amazon, "affiliateTokens": { "tag": "reversed-20" } },
        ] })
    };
    for round in 0..ROUNDS {
        // Start each round from a connected Amazon program (or none, every third round).
        let listed = server.get(&alice, "/v3/user-affiliate-tokens");
        assert_eq!(listed.status, 200, "{}", listed.text);
        let connected = listed.json()["affiliateTokensSet"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["programGuid"] == amazon.as_str())
            .map(|p| p["affiliateTokensId"].as_str().unwrap().to_string());
        let amazon_id = match (connected, round % 3) {
            (Some(id), 0) => {
                server.call_ok(
                    &alice,
                    "DELETE",
                    &format!("/v4/user-affiliate-tokens/{id}"),
                    Value::Null,
                );
                id
            }
            (Some(id), _) => id,
            (None, _) => "00000000-0000-4000-8000-000000000000".to_string(),
        };
        let user = "/v4/user-affiliate-tokens".to_string();
        let answers = race(
            &server,
            &alice,
            vec![
                ("set", "POST", "/v4/affiliate-tokens-sets".into(), set()),
                (
                    "set",
                    "POST",
                    "/v4/affiliate-tokens-sets".into(),
                    reversed(),
                ),
                ("set", "POST", "/v4/affiliate-tokens-sets".into(), set()),
                (
                    "set",
                    "POST",
                    "/v4/affiliate-tokens-sets".into(),
                    reversed(),
                ),
                (
                    "post",
                    "POST",
                    user.clone(),
                    json!({ "programGuid": amazon, "parameters": { "tag": "single-20" } }),
                ),
                (
                    "put",
                    "PUT",
                    format!("{user}/{amazon_id}"),
                    json!({ "parameters": { "tag": "put-20" } }),
                ),
                (
                    "delete",
                    "DELETE",
                    format!("{user}/{amazon_id}"),
                    Value::Null,
                ),
                (
                    "delete",
                    "DELETE",
                    format!("{user}/{amazon_id}"),
                    Value::Null,
                ),
            ],
        );
        // A token set inserts or replaces: a concurrent change never makes it fail.
        assert_allowed(
            &answers,
            &[
                ("set", &[200]),
                ("post", &[200, 409]),
                ("put", &[200, 404]),
                ("delete", &[200, 404]),
            ],
        );
        let deleted = answers
            .iter()
            .filter(|(l, s, _)| *l == "delete" && *s == 200)
            .count();
        assert!(deleted <= 1, "a record is deleted once: {answers:?}");

        // Still one record per program, and the listing agrees with the database.
        let listed = server.get(&alice, "/v3/user-affiliate-tokens");
        assert_eq!(listed.status, 200, "{}", listed.text);
        let programs: Vec<String> = listed.json()["affiliateTokensSet"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["programGuid"].as_str().unwrap().to_string())
            .collect();
        let mut unique = programs.clone();
        unique.dedup();
        assert_eq!(programs, unique, "{}", listed.text);
        assert_eq!(
            count(
                &server,
                "SELECT COUNT(*) FROM affiliate_tokens WHERE group_id IS NULL",
                None
            ),
            programs.len() as i64
        );
    }
}
