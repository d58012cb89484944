//! Several server processes on one database, on the backend under test
//! (`AFFILIATION_TEST_BACKEND`): what one node acknowledges, the other sees at once,
//! and races are decided by the database, not by luck.

use crate::common::{Keys, Server};
use serde_json::json;
use std::sync::Barrier;

fn post_group_tokens(server: &Server, keys: &Keys, group: u64, program: &str, tag: &str) -> u16 {
    server
        .call(
            keys,
            "POST",
            &format!("/v4/groups/{group}/group-affiliate-tokens"),
            json!({ "programGuid": program, "parameters": { "tag": tag } }),
        )
        .status
}

#[test]
fn a_write_on_one_node_is_read_on_the_other_at_once() {
    let a = Server::start();
    let b = a.another_node();
    let keys = a.add_user("nina", false);
    let program = a.amazon_us(&keys);
    for round in 0..20 {
        let group = a.create_group(&keys, &format!("round {round}"));
        assert_eq!(
            post_group_tokens(&a, &keys, group, &program, "nina-20"),
            200
        );
        let seen = b.get(&keys, &format!("/v4/groups/{group}/group-affiliate-tokens"));
        assert_eq!(seen.status, 200, "{}", seen.text);
        let programs = seen.json()["affiliatePrograms"].clone();
        assert_eq!(
            programs.as_array().map(Vec::len),
            Some(1),
            "round {round}: {programs}"
        );
        assert_eq!(programs[0]["affiliateTokens"]["tag"], "nina-20");
    }
}

#[test]
fn a_revoked_key_stops_working_on_every_node() {
    let a = Server::start();
    let b = a.another_node();
    let keys = a.add_user("omar", false);
    for node in [&a, &b] {
        assert_eq!(node.get(&keys, "/v4/groups").status, 200);
    }
    let output = a.cli(&["keys", "revoke", "omar"]);
    assert!(output.status.success(), "{:?}", output);
    for node in [&a, &b] {
        node.await_key_refused(&keys);
    }
}

#[test]
fn concurrent_posts_for_one_group_and_program_yield_one_200_and_one_409() {
    let a = Server::start();
    let b = a.another_node();
    let keys = a.add_user("pia", false);
    let program = a.amazon_us(&keys);
    for round in 0..10 {
        let group = a.create_group(&keys, &format!("race {round}"));
        let barrier = Barrier::new(2);
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let racers: Vec<_> = [(&a, "pia-20"), (&b, "pia-21")]
                .into_iter()
                .map(|(node, tag)| {
                    let (barrier, keys, program) = (&barrier, &keys, &program);
                    scope.spawn(move || {
                        barrier.wait();
                        post_group_tokens(node, keys, group, program, tag)
                    })
                })
                .collect();
            racers.into_iter().map(|r| r.join().unwrap()).collect()
        });
        let mut sorted = statuses.clone();
        sorted.sort();
        assert_eq!(sorted, vec![200, 409], "round {round}: {statuses:?}");
        let listed = a.get(&keys, &format!("/v4/groups/{group}/group-affiliate-tokens"));
        assert_eq!(
            listed.json()["affiliatePrograms"].as_array().map(Vec::len),
            Some(1)
        );
    }
}

#[test]
fn concurrent_puts_to_one_guid_never_mix_parameter_sets() {
    let a = Server::start();
    let b = a.another_node();
    let keys = a.add_user("quin", false);
    let program = a.amazon_us(&keys);
    let group = a.create_group(&keys, "puts");
    let created = a.call(
        &keys,
        "POST",
        &format!("/v4/groups/{group}/group-affiliate-tokens"),
        json!({ "programGuid": program, "parameters": { "tag": "quin-20" } }),
    );
    let guid = created.json()["affiliateTokensId"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v4/groups/{group}/group-affiliate-tokens/{guid}");
    let writers = [(&a, "left"), (&b, "right")];
    std::thread::scope(|scope| {
        for (node, side) in writers {
            let (keys, path) = (&keys, &path);
            scope.spawn(move || {
                for i in 0..25 {
                    node.call_ok(keys, "PUT", path, json!({ "parameters": { "tag": format!("{side}{i}-20"), "ascsubtag": format!("{side}{i}") } }));
                }
            });
        }
    });
    for node in [&a, &b] {
        let listed = node.get(&keys, &format!("/v4/groups/{group}/group-affiliate-tokens"));
        let parameters = listed.json()["affiliatePrograms"][0]["affiliateTokens"].clone();
        let tag = parameters["tag"].as_str().unwrap().to_string();
        let sub = parameters["ascsubtag"].as_str().unwrap().to_string();
        assert_eq!(
            tag,
            format!("{sub}-20"),
            "a mixed parameter set: {parameters}"
        );
    }
}
