//! The HTTP edge: timeouts, connection caps, overload, rate and batch limits. Short
//! limits are set per server so each case takes seconds; the margins are generous,
//! since a timeout is behaviour and speed is not asserted.

use super::raw::{connect, read_response, read_until_closed, send};
use crate::common::{Keys, Server};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Time allowed beyond a limit for a loaded 2-core machine to act on it.
const MARGIN: Duration = Duration::from_secs(3);

fn quick_timeouts() -> Server {
    Server::start_with_args(&[
        "--header-read-timeout",
        "1s",
        "--body-read-timeout",
        "1s",
        "--keep-alive-idle",
        "3s",
    ])
}

fn health_request() -> &'static [u8] {
    b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
}

fn authorized_post(keys: &Keys, path: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\n{extra_headers}\r\n",
        keys.api_key
    )
    .into_bytes()
}

/// A connection that has sent the head of `POST /v4/groups` with `extra_headers`.
fn start_post(server: &Server, keys: &Keys, extra_headers: &str) -> std::net::TcpStream {
    let mut stream = connect(&server.address());
    assert!(send(
        &mut stream,
        &authorized_post(keys, "/v4/groups", extra_headers)
    ));
    stream
}

#[test]
fn half_sent_headers_are_dropped_after_the_header_timeout() {
    let server = quick_timeouts();
    let mut stream = connect(&server.address());
    // Taken before sending: the server's clock starts later, never earlier.
    let started = Instant::now();
    assert!(send(&mut stream, b"GET /health HTTP/1.1\r\nHost: x\r\n"));
    let (received, closed) = read_until_closed(&mut stream, Duration::from_secs(1) + MARGIN);
    assert!(closed, "the connection stayed open");
    assert!(received.is_empty(), "no answer to half a request");
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "closed before the timeout"
    );
}

#[test]
fn slowloris_is_dropped_within_the_header_timeout() {
    let server = quick_timeouts();
    let mut stream = connect(&server.address());
    let started = Instant::now();
    let header =
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut closed_after = None;
    for byte in header.iter() {
        if !send(&mut stream, &[*byte]) {
            closed_after = Some(started.elapsed());
            break;
        }
        let (_, closed) = read_until_closed(&mut stream, Duration::from_millis(200));
        if closed {
            closed_after = Some(started.elapsed());
            break;
        }
    }
    let closed_after = closed_after.expect("a byte every 200 ms kept the connection open");
    assert!(
        closed_after <= Duration::from_secs(1) + MARGIN,
        "{closed_after:?}"
    );
    assert!(
        closed_after >= Duration::from_millis(800),
        "{closed_after:?}"
    );
}

#[test]
fn an_idle_keep_alive_connection_outlives_the_header_timeout_then_closes() {
    let keep_alive = Duration::from_secs(6);
    let server =
        Server::start_with_args(&["--header-read-timeout", "1s", "--keep-alive-idle", "6s"]);
    let mut stream = connect(&server.address());
    assert!(send(&mut stream, health_request()));
    let (status, _, _) = read_response(&mut stream, MARGIN).expect("first answer");
    assert_eq!(status, 200);
    // Idle longer than the header timeout (1 s), well short of keep-alive.
    std::thread::sleep(Duration::from_millis(1600));
    // Taken before the request: the server's idle time starts after its answer.
    let idle_from = Instant::now();
    assert!(send(&mut stream, health_request()));
    let (status, _, _) =
        read_response(&mut stream, MARGIN).expect("second answer on the same connection");
    assert_eq!(status, 200);
    let (_, closed) = read_until_closed(&mut stream, keep_alive + MARGIN);
    assert!(closed, "an idle connection stayed open past keep-alive");
    assert!(idle_from.elapsed() >= keep_alive);
}

#[test]
fn a_body_that_never_arrives_is_a_408() {
    let server = quick_timeouts();
    let keys = server.add_user("alice", false);
    let started = Instant::now();
    let mut stream = start_post(&server, &keys, "Content-Length: 100\r\n");
    assert!(send(&mut stream, b"{\"name\":"));
    let (status, head, body) =
        read_response(&mut stream, Duration::from_secs(1) + MARGIN).expect("an answer");
    assert_eq!(status, 408, "{head}\n{body}");
    assert!(started.elapsed() >= Duration::from_millis(800));
    let json: Value = serde_json::from_str(&body).expect("JSON error");
    assert_eq!(json["responseStatus"]["errorCode"], "RequestTimeout");
    let groups = server.get(&keys, "/v4/groups");
    assert_eq!(groups.json()["groups"], json!([]), "nothing was written");
}

#[test]
fn an_endless_chunked_body_is_cut_at_the_body_timeout() {
    let server = quick_timeouts();
    let keys = server.add_user("alice", false);
    let started = Instant::now();
    let mut stream = start_post(&server, &keys, "Transfer-Encoding: chunked\r\n");
    let mut answered = None;
    // A chunk every 100 ms: never idle, never finished.
    while started.elapsed() < Duration::from_secs(1) + MARGIN {
        if !send(&mut stream, b"1\r\n \r\n") {
            break;
        }
        if let Some(answer) = read_response(&mut stream, Duration::from_millis(100)) {
            answered = Some(answer);
            break;
        }
    }
    let (status, _, body) = answered.expect("the server answered before the margin");
    assert_eq!(status, 408, "{body}");
    assert!(started.elapsed() >= Duration::from_millis(800));
}

#[test]
fn a_malformed_chunked_body_is_a_400() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let mut stream = start_post(&server, &keys, "Transfer-Encoding: chunked\r\n");
    assert!(send(&mut stream, b"zz\r\n{}\r\n0\r\n\r\n"));
    let (status, _, body) = read_response(&mut stream, MARGIN).expect("an answer");
    assert_eq!(status, 400, "{body}");
    let json: Value = serde_json::from_str(&body).expect("JSON error");
    assert!(!json["responseStatus"]["message"]
        .as_str()
        .unwrap()
        .is_empty());
}

#[test]
fn head_is_answered_for_get_routes_and_fixed_pages() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    for path in [
        "/health",
        "/metadata",
        "/types/python",
        "/v4/groups",
        "/api/GetGroupsRequest",
    ] {
        let get = server
            .request("GET", path)
            .bearer_auth(&keys.api_key)
            .send()
            .unwrap();
        let get_status = get.status();
        let get_length = get.bytes().unwrap().len();
        let head = server
            .request("HEAD", path)
            .bearer_auth(&keys.api_key)
            .send()
            .unwrap();
        assert_eq!(head.status(), get_status, "HEAD {path}");
        assert_eq!(get_status, 200, "GET {path}");
        let length: usize = head.headers()["content-length"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            length, get_length,
            "HEAD {path} announces the GET body's length"
        );
        assert!(head.bytes().unwrap().is_empty(), "HEAD {path} has no body");
    }
}

#[test]
fn past_the_requests_in_flight_the_server_answers_503_with_retry_after() {
    let server = Server::start_with_args(&["--max-in-flight", "1", "--body-read-timeout", "30s"]);
    let keys = server.add_user("alice", false);
    // One request holds the only place: its body is still arriving.
    let mut holder = connect(&server.address());
    assert!(send(
        &mut holder,
        &authorized_post(&keys, "/v4/groups", "Content-Length: 20\r\n")
    ));
    assert!(send(&mut holder, b"{"));
    std::thread::sleep(Duration::from_millis(300));
    // A loaded machine may take the holder in later than that: ask until it holds.
    let deadline = Instant::now() + Duration::from_secs(10);
    let reply = loop {
        let reply: crate::common::Reply = server
            .request("GET", "/v4/groups")
            .bearer_auth(&keys.api_key)
            .send()
            .unwrap()
            .into();
        if reply.status != 200 || Instant::now() > deadline {
            break reply;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(reply.status, 503, "{}", reply.text);
    assert_eq!(reply.headers["retry-after"], "1");
    assert_eq!(reply.error_code(), "ServiceUnavailable");
    // Health checks are never refused for load.
    let health = server.request("GET", "/health").send().unwrap();
    assert_eq!(health.status(), 200);
    // Once the holder's request ends, the next one is served.
    assert!(send(&mut holder, b"\"name\":\"held\"}     "));
    let (status, _, body) = read_response(&mut holder, MARGIN).expect("held request answered");
    assert_eq!(status, 200, "{body}");
    assert_eq!(server.get(&keys, "/v4/groups").status, 200);
}

#[test]
fn a_key_over_its_rate_gets_429_and_other_keys_do_not() {
    let server = Server::start_with_args(&["--rate-limit", "5/min"]);
    let alice = server.add_user("alice", false);
    let bob = server.add_user("bob", false);
    for _ in 0..5 {
        assert_eq!(server.get(&alice, "/v4/groups").status, 200);
    }
    let refused = server.get(&alice, "/v4/groups");
    assert_eq!(refused.status, 429, "{}", refused.text);
    assert_eq!(refused.error_code(), "TooManyRequests");
    let wait: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(server.get(&bob, "/v4/groups").status, 200);
    // A wrong key is a 401 whatever the rate: it is not counted against anyone.
    let wrong = Keys {
        api_key: "ak_wrong".into(),
        ..alice.clone()
    };
    assert_eq!(server.get(&wrong, "/v4/groups").status, 401);
}

/// A batch creating `count` groups named g0, g1, ...
fn post_groups(server: &Server, keys: &Keys, count: usize) -> crate::common::Reply {
    let items: Vec<Value> = (0..count)
        .map(|i| json!({ "name": format!("g{i}") }))
        .collect();
    server.call(keys, "POST", "/api/PostGroupRequest[]", Value::Array(items))
}

#[test]
fn batches_over_the_item_cap_run_nothing() {
    let server = Server::start_with_args(&["--max-batch-items", "10"]);
    let keys = server.add_user("alice", false);
    let reply = post_groups(&server, &keys, 11);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.error_code(), "BatchLimitExceeded");
    assert_eq!(reply.headers["x-autobatch-completed"], "0");
    assert_eq!(server.get(&keys, "/v4/groups").json()["groups"], json!([]));
    let reply = post_groups(&server, &keys, 10);
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.headers["x-autobatch-completed"], "10");
}

#[test]
fn link_batches_count_urls_across_the_whole_batch() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let urls: Vec<String> = (0..600)
        .map(|i| format!("https://www.amazon.com/dp/B0{i:08}"))
        .collect();
    let item = json!({ "urls": urls });
    let reply = server.call(
        &keys,
        "POST",
        "/api/PostAffiliateLinksRequest[]",
        json!([item.clone(), item.clone()]),
    );
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.error_code(), "BatchLimitExceeded");
    assert!(reply.text.contains("1000"), "{}", reply.text);
    server.call_ok(
        &keys,
        "POST",
        "/api/PostAffiliateLinksRequest[]",
        json!([item]),
    );
}

#[test]
fn a_failing_batch_says_how_many_items_were_done() {
    let server = Server::start();
    let keys = server.add_user("alice", false);
    let items = json!([{ "name": "first" }, { "name": "second" }, { "name": "x".repeat(500) }, { "name": "fourth" }]);
    let reply = server.call(&keys, "POST", "/api/PostGroupRequest[]", items);
    assert_eq!(reply.status, 400, "{}", reply.text);
    assert_eq!(reply.headers["x-autobatch-completed"], "2");
    let meta = &reply.json()["responseStatus"]["meta"];
    assert_eq!(meta["AutoBatchIndex"], "2");
    assert_eq!(meta["AutoBatchCompleted"], "2");
    let names: Vec<Value> = server.get(&keys, "/v4/groups").json()["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].clone())
        .collect();
    assert_eq!(
        names,
        vec![json!("first"), json!("second")],
        "the items before the failure stay, none after"
    );
}

#[test]
fn a_connection_flood_past_the_cap_sheds_the_oldest_idle_and_keeps_serving() {
    super::raw::raise_file_limit();
    let server =
        Server::start_with_args(&["--max-connections", "200", "--header-read-timeout", "5s"]);
    let keys = server.add_user("alice", false);
    let mut flood = Vec::new();
    for _ in 0..1000 {
        let mut stream = connect(&server.address());
        send(&mut stream, b"GET /health HTTP/1.1\r\nHost: x\r\n");
        flood.push(stream);
    }
    let started = Instant::now();
    assert_eq!(server.fetch("/health").status, 200, "health under flood");
    assert_eq!(server.get(&keys, "/v4/groups").status, 200);
    assert!(started.elapsed() < Duration::from_secs(5) + MARGIN);
    // The oldest half-open connections were closed to make room (the closing runs
    // in the background: asked again until enough are seen closed).
    let mut open: Vec<_> = flood.iter_mut().take(500).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    let closed = loop {
        open.retain_mut(|s| !read_until_closed(s, Duration::from_millis(5)).1);
        let closed = 500 - open.len();
        if closed >= 400 || Instant::now() > deadline {
            break closed;
        }
    };
    assert!(closed >= 400, "only {closed} of the 500 oldest were shed");
}

#[test]
fn an_oversized_request_head_is_a_431() {
    let server = Server::start();
    let mut stream = connect(&server.address());
    let head = format!(
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(80 * 1024)
    );
    send(&mut stream, head.as_bytes());
    let (received, _) = read_until_closed(&mut stream, MARGIN);
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 431"), "{text}");
    // The server is fine afterwards.
    assert_eq!(
        server.request("GET", "/health").send().unwrap().status(),
        200
    );
}
