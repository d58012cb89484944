//! Ready-to-send answers (the answer cache) and entity tags: a kept answer is never
//! older than what its own node acknowledged, or than what another node's reader has
//! already shown; a GET answer carries an `ETag` and a matching `If-None-Match` is 304.
//! Run on the backend under test, with the cache on (the default) or off
//! (`AFFILIATION_ANSWER_CACHE_MIB=0`, see `.ci/run`).

use crate::common::postgres::{backend_under_test, Backend, TestDatabase};
use crate::common::{Keys, Server};
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A user with one group holding one Amazon US override; returns the group and the
/// override's GUID.
fn group_with_override(server: &Server, keys: &Keys) -> (u64, String) {
    let program = server.amazon_us(keys);
    let group = server.create_group(keys, "polled");
    let guid = server.post_tokens(
        keys,
        &format!("/v4/groups/{group}/group-affiliate-tokens"),
        json!({ "programGuid": program, "parameters": { "tag": "w0-20" } }),
    );
    (group, guid)
}

fn put_tag(server: &Server, keys: &Keys, group: u64, guid: &str, round: u64) {
    server.call_ok(
        keys,
        "PUT",
        &format!("/v4/groups/{group}/group-affiliate-tokens/{guid}"),
        json!({ "parameters": { "tag": format!("w{round}-20") } }),
    );
}

/// The round whose tag the group's listing shows.
pub(crate) fn round_read(server: &Server, keys: &Keys, group: u64) -> u64 {
    let reply = server.get(keys, &format!("/v4/groups/{group}/group-affiliate-tokens"));
    assert_eq!(reply.status, 200, "{}", reply.text);
    let tag = reply.json()["affiliatePrograms"][0]["affiliateTokens"]["tag"]
        .as_str()
        .expect("a tag")
        .to_string();
    round_of_tag(&tag)
}

/// The round a tag `w<round>-20` names.
pub(crate) fn round_of_tag(tag: &str) -> u64 {
    tag.trim_start_matches('w')
        .trim_end_matches("-20")
        .parse()
        .expect("a round")
}

#[test]
fn get_answers_carry_an_etag_and_a_matching_if_none_match_is_304() {
    let server = Server::start();
    let keys = server.add_user("etta", false);
    let (group, guid) = group_with_override(&server, &keys);
    let path = format!("/v4/groups/{group}/group-affiliate-tokens");
    let conditional = |etag: &str, accept: &str| {
        server
            .request("GET", &path)
            .bearer_auth(&keys.api_key)
            .header("Accept", accept)
            .header("If-None-Match", etag)
            .send()
            .expect("request")
    };
    let first = server.get(&keys, &path);
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
    assert_eq!(server.get(&keys, &path).headers["etag"], etag.as_str());

    let unchanged = conditional(&etag, "application/json");
    assert_eq!(unchanged.status(), 304);
    assert_eq!(unchanged.headers()["etag"], etag.as_str());
    assert!(unchanged.text().unwrap().is_empty());
    // A list, a weak form or `*` match too; another tag does not.
    assert_eq!(
        conditional(&format!("\"x\", W/{etag}"), "application/json").status(),
        304
    );
    assert_eq!(conditional("*", "application/json").status(), 304);
    assert_eq!(conditional("\"x\"", "application/json").status(), 200);
    // Another format is another representation, with its own tag.
    let xml = conditional(&etag, "application/xml");
    assert_eq!(xml.status(), 200);
    assert_ne!(xml.headers()["etag"], etag.as_str());

    put_tag(&server, &keys, group, &guid, 1);
    let changed = conditional(&etag, "application/json");
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"], etag.as_str());
    assert!(changed.text().unwrap().contains("w1-20"));

    // Errors and writes carry no tag; another user's If-None-Match gets their 404.
    let other = server.add_user("otto", false);
    let foreign = server
        .request("GET", &path)
        .bearer_auth(&other.api_key)
        .header("If-None-Match", "*")
        .send()
        .unwrap();
    assert_eq!(foreign.status(), 404);
    assert!(foreign.headers().get("etag").is_none());
    assert!(server.server_errors().is_empty());
}

/// Groups created through batches, each with one Amazon US override tagged by its
/// index; returns their ids in order.
fn groups_with_tagged_overrides(server: &Server, keys: &Keys, count: usize) -> Vec<u64> {
    let program = server.amazon_us(keys);
    let mut groups = Vec::new();
    for first in (0..count).step_by(100) {
        let batch: Vec<_> = (first..count.min(first + 100))
            .map(|i| json!({ "name": format!("filled {i}") }))
            .collect();
        let reply = server.call_ok(keys, "POST", "/api/PostGroupRequest[]", json!(batch));
        groups.extend(
            reply
                .json()
                .as_array()
                .unwrap()
                .iter()
                .map(|g| g["groupId"].as_u64().unwrap()),
        );
    }
    for (first, chunk) in groups.chunks(100).enumerate() {
        let batch: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(i, group)| {
                json!({
                    "groupId": group,
                    "programGuid": program,
                    "parameters": { "tag": format!("f{}-20", first * 100 + i) },
                })
            })
            .collect();
        server.call_ok(
            keys,
            "POST",
            "/api/PostGroupAffiliateTokensRequest[]",
            json!(batch),
        );
    }
    groups
}

#[test]
fn answers_stay_right_when_there_are_more_than_the_budget_holds() {
    let server = Server::start_with_args(&["--answer-cache-mib", "1"]);
    let keys = server.add_user("fill", false);
    let groups = groups_with_tagged_overrides(&server, &keys, 800);
    let formats = [
        "application/json",
        "application/xml",
        "text/jsv",
        "text/csv",
    ];
    let read = |group: u64, accept: &str| {
        let reply = server
            .request("GET", &format!("/v4/groups/{group}/group-affiliate-tokens"))
            .bearer_auth(&keys.api_key)
            .header("Accept", accept)
            .send()
            .expect("request");
        assert_eq!(reply.status(), 200);
        let etag = reply.headers()["etag"].to_str().unwrap().to_string();
        (reply.text().unwrap(), etag)
    };
    let mut first = Vec::new();
    for (i, &group) in groups.iter().enumerate() {
        for accept in formats {
            let (body, etag) = read(group, accept);
            assert!(
                body.contains(&format!("f{i}-20")),
                "{group} {accept}: {body}"
            );
            first.push((group, accept, body, etag));
        }
    }
    let held: usize = first
        .iter()
        .map(|(_, _, body, etag)| body.len() + etag.len())
        .sum();
    assert!(
        held > 1 << 20,
        "only {held} bytes of answers: the cache never filled"
    );
    // Read again, oldest first (evicted, read afresh) and newest last (still kept).
    for (group, accept, body, etag) in &first {
        assert_eq!(
            &read(*group, accept),
            &(body.clone(), etag.clone()),
            "{group} {accept}"
        );
    }
    // A change to a group read long ago still shows at once.
    let guid = server
        .get(
            &keys,
            &format!("/v4/groups/{}/group-affiliate-tokens", groups[0]),
        )
        .json()["affiliatePrograms"][0]["affiliateTokensId"]
        .as_str()
        .unwrap()
        .to_string();
    put_tag(&server, &keys, groups[0], &guid, 7);
    assert_eq!(round_read(&server, &keys, groups[0]), 7);
    assert!(server.server_errors().is_empty());
}

#[test]
fn answers_reshaped_by_jsconfig_are_never_kept_for_plain_readers() {
    let server = Server::start();
    let keys = server.add_user("jo", false);
    let (group, _) = group_with_override(&server, &keys);
    let path = format!("/v4/groups/{group}/group-affiliate-tokens");
    // Reshaped first, then plain: the plain reader must not get the reshaped bytes.
    let pascal = server.get(&keys, &format!("{path}?jsconfig=epcn"));
    assert_eq!(pascal.status, 200, "{}", pascal.text);
    assert!(
        pascal.json().get("AffiliatePrograms").is_some(),
        "{}",
        pascal.text
    );
    let plain = server.get(&keys, &path);
    assert!(
        plain.json().get("affiliatePrograms").is_some(),
        "{}",
        plain.text
    );
    // And the other way round: a kept plain answer does not stand for a reshaped one.
    let again = server.get(&keys, &format!("{path}?jsconfig=epcn"));
    assert!(
        again.json().get("AffiliatePrograms").is_some(),
        "{}",
        again.text
    );
    assert!(server.server_errors().is_empty());
}

#[test]
fn a_node_answers_its_own_writes_at_once() {
    let server = Server::start();
    let keys = server.add_user("ida", false);
    let (group, guid) = group_with_override(&server, &keys);
    for round in 1..=30 {
        // Read twice: the second read is the kept answer when the cache is on.
        assert_eq!(round_read(&server, &keys, group), round - 1);
        assert_eq!(round_read(&server, &keys, group), round - 1);
        put_tag(&server, &keys, group, &guid, round);
        assert_eq!(round_read(&server, &keys, group), round, "round {round}");
    }
    // The user-level listing too.
    let program = server.amazon_us(&keys);
    let user_guid = server.post_tokens(
        &keys,
        "/v4/user-affiliate-tokens",
        json!({ "programGuid": program, "parameters": { "tag": "u0-20" } }),
    );
    for round in 1..=10 {
        for _ in 0..2 {
            let listed = server.get(&keys, "/v3/user-affiliate-tokens");
            assert!(
                listed.text.contains(&format!("u{}-20", round - 1)),
                "{}",
                listed.text
            );
        }
        server.call_ok(
            &keys,
            "PUT",
            &format!("/v4/user-affiliate-tokens/{user_guid}"),
            json!({ "parameters": { "tag": format!("u{round}-20") } }),
        );
        let listed = server.get(&keys, "/v3/user-affiliate-tokens");
        assert!(
            listed.text.contains(&format!("u{round}-20")),
            "{}",
            listed.text
        );
    }
}

/// One read on node B: when it started and ended, and the round it showed.
#[derive(Clone, Copy)]
struct Read {
    started: Instant,
    ended: Instant,
    round: u64,
}

/// No read that started after another read ended shows an older round: once node B
/// has shown a write, it never goes back (a kept answer read before the change and
/// stored after it would).
fn assert_never_goes_back(mut reads: Vec<Read>) {
    reads.sort_by_key(|r| r.ended);
    let mut newest_before = Vec::with_capacity(reads.len());
    let mut newest = 0;
    for read in &reads {
        newest = newest.max(read.round);
        newest_before.push(newest);
    }
    for read in &reads {
        let ended_before = reads.partition_point(|r| r.ended < read.started);
        if ended_before > 0 {
            assert!(
                read.round >= newest_before[ended_before - 1],
                "a read on node B showed round {} after node B had shown round {}",
                read.round,
                newest_before[ended_before - 1]
            );
        }
    }
}

struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// Writer on node A, readers on node B (on SQLite: two processes on one file). Each
/// write is read back on A at once; B never shows a round older than one it has shown,
/// and shows the last round in the end.
#[test]
fn a_write_on_one_node_never_reads_older_on_the_other_after_it_shows() {
    writes_on_one_node_never_read_older_on_the_other(round_read);
}

/// The race of writes on node A and reads on node B, with `read` telling the round a
/// group's read shows (its listing, or a link made with it).
pub(crate) fn writes_on_one_node_never_read_older_on_the_other(
    read: fn(&Server, &Keys, u64) -> u64,
) {
    let a = Server::start();
    let b = a.another_node();
    let keys = a.add_user("rhea", false);
    let (group, guid) = group_with_override(&a, &keys);
    let (reads, writing) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(AtomicBool::new(true)),
    );
    const ROUNDS: u64 = 60;
    std::thread::scope(|scope| {
        for _ in 0..3 {
            let (reads, writing, b, keys) = (reads.clone(), writing.clone(), &b, &keys);
            scope.spawn(move || {
                while writing.load(Ordering::SeqCst) {
                    let started = Instant::now();
                    let round = read(b, keys, group);
                    let ended = Instant::now();
                    reads.lock().unwrap().push(Read {
                        started,
                        ended,
                        round,
                    });
                }
            });
        }
        // Readers stop however the writer ends (a failed assertion included).
        let _stop_readers = StopOnDrop(&writing);
        for round in 1..=ROUNDS {
            put_tag(&a, &keys, group, &guid, round);
            assert_eq!(read(&a, &keys, group), round, "node A, round {round}");
            std::thread::sleep(Duration::from_millis(3));
        }
        // The last write reaches B (the delay is the bench's to measure, not ours).
        let deadline = Instant::now() + Duration::from_secs(10);
        while read(&b, &keys, group) != ROUNDS {
            assert!(
                Instant::now() < deadline,
                "node B never showed the last write"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let reads = reads.lock().unwrap().clone();
    assert!(reads.len() > 50, "too few reads on node B: {}", reads.len());
    assert_never_goes_back(reads);
    // Once B has shown the last round, every later read shows it.
    for _ in 0..20 {
        assert_eq!(read(&b, &keys, group), ROUNDS);
    }
    assert!(a.server_errors().is_empty() && b.server_errors().is_empty());
}

/// PostgreSQL: a node whose notification connection is cut cannot know what other
/// nodes write meanwhile; it drops what it kept rather than answer it, and keeps
/// answers again once it listens again.
#[test]
fn a_node_that_loses_its_notifications_does_not_answer_what_it_kept() {
    if backend_under_test() != Backend::Postgres {
        return;
    }
    let Some(database) = TestDatabase::create_or_skip("answers::lost_notifications") else {
        return;
    };
    let url = database.url.clone();
    let a = Server::start_postgres(database);
    let b = a.another_node();
    let keys = a.add_user("lena", false);
    let (group, guid) = group_with_override(&a, &keys);
    for round in 1..=3u64 {
        assert_eq!(round_read(&b, &keys, group), round - 1);
        assert_eq!(round_read(&b, &keys, group), round - 1);
        terminate_listeners(&url);
        wait_for_log(
            &b,
            "lost the PostgreSQL notification connection",
            round as usize,
        );
        put_tag(&a, &keys, group, &guid, round);
        // The write's notification is lost with the connection, and B listens again
        // only after a pause (250 ms): only a node that dropped what it kept shows
        // the write now.
        assert_eq!(
            round_read(&b, &keys, group),
            round,
            "node B answered what it kept"
        );
        wait_for_log(
            &b,
            "listening to PostgreSQL notifications again",
            round as usize,
        );
    }
    // Listening again, B hears A's writes again.
    put_tag(&a, &keys, group, &guid, 9);
    let deadline = Instant::now() + Duration::from_secs(10);
    while round_read(&b, &keys, group) != 9 {
        assert!(Instant::now() < deadline, "node B never showed the write");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(a.server_errors().is_empty() && b.server_errors().is_empty());
}

/// Ends every connection listening for notifications on the database.
fn terminate_listeners(url: &str) {
    use sqlx::Connection;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ended: i64 = runtime.block_on(async {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_scalar(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND query ILIKE 'LISTEN%'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap()
    });
    assert!(ended >= 1, "no listening connection found");
}

/// Waits until the server has logged `text` `times` times.
fn wait_for_log(server: &Server, text: &str, times: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.log_text().matches(text).count() < times {
        assert!(
            Instant::now() < deadline,
            "the server never logged {text:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}
