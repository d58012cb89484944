//! Every list is bounded whatever a tenant stored: skip and take (AutoQuery's names),
//! at most 1,000 items per answer (the default), total counting all of them.

use crate::common::{Keys, Server};
use serde_json::{json, Value};

const MAX_TAKE: usize = 1000;
/// More groups than one answer holds.
const GROUPS: usize = MAX_TAKE + 50;

/// Creates `n` groups for `keys` from a few threads at once; returns their ids.
fn create_groups(server: &Server, keys: &Keys, n: usize) -> Vec<u64> {
    const THREADS: usize = 8;
    let mut ids: Vec<u64> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    (t..n)
                        .step_by(THREADS)
                        .map(|i| server.create_group(keys, &format!("g{i}")))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    ids.sort_unstable();
    ids
}

fn ok(server: &Server, keys: &Keys, path: &str) -> Value {
    let reply = server.get(keys, path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.text);
    reply.json()
}

fn group_ids(answer: &Value, list: &str) -> Vec<u64> {
    answer[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is a list: {answer}"))
        .iter()
        .map(|g| g["groupId"].as_u64().unwrap())
        .collect()
}

#[test]
fn group_lists_are_paged_and_bounded() {
    let server = Server::start();
    let alice = server.add_user("alice", false);
    let bob = server.add_user("bob", false);
    let amazon = server.amazon_us(&alice);
    let ids = create_groups(&server, &alice, GROUPS);
    assert_eq!(ids.len(), GROUPS);
    let bobs = create_groups(&server, &bob, 3);

    // No paging parameter: the first 1,000 in id order, and the total says there are more.
    let all = ok(&server, &alice, "/v4/groups");
    assert_eq!(all["total"], GROUPS);
    assert_eq!(group_ids(&all, "groups"), ids[..MAX_TAKE]);
    // Windows.
    let window = ok(&server, &alice, "/v4/groups?skip=10&take=5");
    assert_eq!(window["total"], GROUPS);
    assert_eq!(group_ids(&window, "groups"), ids[10..15]);
    let last = ok(&server, &alice, &format!("/v4/groups?skip={MAX_TAKE}"));
    assert_eq!(group_ids(&last, "groups"), ids[MAX_TAKE..]);
    assert_eq!(last["total"], GROUPS);
    // take above the maximum is clamped; take=0 only counts; past the end is empty.
    let clamped = ok(&server, &alice, "/v4/groups?take=5000");
    assert_eq!(group_ids(&clamped, "groups"), ids[..MAX_TAKE]);
    let counted = ok(&server, &alice, "/v4/groups?take=0");
    assert_eq!(group_ids(&counted, "groups"), Vec::<u64>::new());
    assert_eq!(counted["total"], GROUPS);
    let past = ok(&server, &alice, "/v4/groups?skip=5000&take=10");
    assert_eq!(group_ids(&past, "groups"), Vec::<u64>::new());
    assert_eq!(past["total"], GROUPS);
    // Consecutive windows cover the list once, in order.
    let mut walked = Vec::new();
    for skip in (0..GROUPS + 300).step_by(300) {
        let page = ok(&server, &alice, &format!("/v4/groups?skip={skip}&take=300"));
        assert_eq!(page["total"], GROUPS);
        walked.extend(group_ids(&page, "groups"));
    }
    assert_eq!(walked, ids);
    // Another tenant's count is its own.
    let theirs = ok(&server, &bob, "/v4/groups");
    assert_eq!(theirs["total"], 3);
    assert_eq!(group_ids(&theirs, "groups"), bobs);

    // Every group with its overrides: the same windows, overrides where they belong.
    for group in [ids[0], ids[GROUPS - 1]] {
        server.call_ok(
            &alice,
            "POST",
            &format!("/v4/groups/{group}/group-affiliate-tokens"),
            json!({ "programGuid": amazon, "parameters": { "tag": format!("g{group}-20") } }),
        );
    }
    let overrides = |answer: &Value, group: u64| -> Vec<String> {
        answer["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["groupId"] == group)
            .map(|g| {
                g["affiliatePrograms"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p["affiliateTokens"]["tag"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_else(|| panic!("group {group} listed"))
    };
    let first = ok(&server, &alice, "/v3/group-affiliate-tokens");
    assert_eq!(first["total"], GROUPS);
    assert_eq!(group_ids(&first, "groups"), ids[..MAX_TAKE]);
    assert_eq!(overrides(&first, ids[0]), [format!("g{}-20", ids[0])]);
    assert_eq!(overrides(&first, ids[1]), Vec::<String>::new());
    let rest = ok(
        &server,
        &alice,
        &format!("/v3/group-affiliate-tokens?skip={MAX_TAKE}"),
    );
    assert_eq!(rest["total"], GROUPS);
    assert_eq!(group_ids(&rest, "groups"), ids[MAX_TAKE..]);
    let last_group = ids[GROUPS - 1];
    assert_eq!(overrides(&rest, last_group), [format!("g{last_group}-20")]);
    let two = ok(&server, &alice, "/v3/group-affiliate-tokens?skip=1&take=2");
    assert_eq!(group_ids(&two, "groups"), ids[1..3]);
}

#[test]
fn token_listings_and_history_are_paged() {
    let server = Server::start();
    let alice = server.add_user("alice", false);
    let catalog = ok(&server, &alice, "/v3/affiliate-programs");
    // Three programs that take one free-form-ish parameter: Amazon storefronts.
    let amazons: Vec<(String, String)> = catalog["affiliatePrograms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["network"].as_str().unwrap_or("").contains("Amazon"))
        .filter(|p| {
            p["countries"] == json!(["US"])
                || p["countries"] == json!(["GB"])
                || p["countries"] == json!(["DE"])
        })
        .map(|p| {
            let suffix = if p["countries"] == json!(["US"]) {
                "20"
            } else {
                "21"
            };
            (
                p["programGuid"].as_str().unwrap().to_string(),
                suffix.to_string(),
            )
        })
        .collect();
    assert_eq!(amazons.len(), 3, "three Amazon storefronts in the catalog");
    let group = server.create_group(&alice, "paged");
    for (program, suffix) in &amazons {
        for path in [
            "/v4/user-affiliate-tokens".to_string(),
            format!("/v4/groups/{group}/group-affiliate-tokens"),
        ] {
            server.call_ok(&alice, "POST", &path, json!({ "programGuid": program, "parameters": { "tag": format!("paged-{suffix}") } }));
        }
    }

    for (path, list) in [
        ("/v4/user-affiliate-tokens", "affiliateTokensSet"),
        ("/v3/user-affiliate-tokens", "affiliateTokensSet"),
        (
            &format!("/v4/groups/{group}/group-affiliate-tokens") as &str,
            "affiliatePrograms",
        ),
    ] {
        let names = |answer: &Value| -> Vec<String> {
            answer[list]
                .as_array()
                .unwrap_or_else(|| panic!("{path}: {answer}"))
                .iter()
                .map(|p| p["programName"].as_str().unwrap().to_string())
                .collect()
        };
        let sep = if path.contains('?') { '&' } else { '?' };
        let all = ok(&server, &alice, path);
        assert_eq!(all["total"], 3, "{path}");
        let all_names = names(&all);
        assert_eq!(all_names.len(), 3, "{path}");
        let mut sorted = all_names.clone();
        sorted.sort();
        assert_eq!(all_names, sorted, "{path}: ordered by program name");
        let middle = ok(&server, &alice, &format!("{path}{sep}skip=1&take=1"));
        assert_eq!(names(&middle), all_names[1..2], "{path}");
        assert_eq!(middle["total"], 3, "{path}");
        let past = ok(&server, &alice, &format!("{path}{sep}skip=3"));
        assert_eq!(names(&past), Vec::<String>::new(), "{path}");
        assert_eq!(past["total"], 3, "{path}");
        let bad = server.get(&alice, &format!("{path}{sep}take=-1"));
        assert_eq!(bad.status, 400, "{path}: {}", bad.text);
        assert_eq!(bad.error_code(), "SerializationException", "{path}");
    }

    // History: one POST and five PUTs, oldest first.
    let user_tokens = ok(&server, &alice, "/v3/user-affiliate-tokens");
    let guid = user_tokens["affiliateTokensSet"][0]["affiliateTokensId"]
        .as_str()
        .unwrap()
        .to_string();
    let program = user_tokens["affiliateTokensSet"][0]["programGuid"]
        .as_str()
        .unwrap()
        .to_string();
    let suffix = &amazons.iter().find(|(p, _)| *p == program).unwrap().1;
    for n in 0..5 {
        server.call_ok(
            &alice,
            "PUT",
            &format!("/v4/user-affiliate-tokens/{guid}"),
            json!({ "parameters": { "tag": format!("put{n}-{suffix}") } }),
        );
    }
    let path = format!("/v4/user-affiliate-tokens/{guid}/history");
    let history = ok(&server, &alice, &path);
    assert_eq!(history["total"], 6);
    let entries = history["history"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 6);
    let window = ok(&server, &alice, &format!("{path}?skip=2&take=3"));
    assert_eq!(window["total"], 6);
    assert_eq!(window["history"].as_array().unwrap()[..], entries[2..5]);
    let counted = ok(&server, &alice, &format!("{path}?take=0"));
    assert_eq!(counted["history"], json!([]));
    assert_eq!(counted["total"], 6);
    let tail = ok(&server, &alice, &format!("{path}?skip=4&take=1000"));
    assert_eq!(tail["history"].as_array().unwrap()[..], entries[4..]);
    assert_eq!(tail["total"], 6);
}

#[test]
fn the_operations_say_how_they_are_paged() {
    let server = Server::start();
    let reply = server.fetch("/openapi.json");
    assert_eq!(reply.status, 200);
    let spec: Value = reply.json();
    let mut paged = 0;
    for (route, verbs) in spec["paths"].as_object().unwrap() {
        let Some(get) = verbs.get("get") else {
            continue;
        };
        let names: Vec<&str> = get["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect())
            .unwrap_or_default();
        if names.contains(&"take") {
            assert!(names.contains(&"skip"), "{route}");
            let described = format!("{}", get);
            assert!(
                described.contains("beyond that it holds the first 1,000"),
                "{route} tells what happens past 1,000 items: {described}"
            );
            paged += 1;
        }
    }
    // /v4/groups, /v3/group-affiliate-tokens, both user listings, the group listing
    // and both histories.
    assert!(paged >= 7, "{paged} paged GET routes");
}
