//! Feeds arbitrary bytes to the JSV reader, untyped and typed; whatever reads is written
//! and read again and must come back unchanged. Run with `cargo +nightly fuzz run parse`
//! from `crates/jsv`.
#![no_main]

use std::collections::{BTreeMap, HashMap};

use libfuzzer_sys::fuzz_target;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Request {
    group_id: u32,
    guid: Option<String>,
    username: Option<String>,
    parameters: Option<HashMap<String, String>>,
    flag: Option<bool>,
    ids: Option<Vec<i64>>,
    kind: Option<Kind>,
    nested: Option<Vec<BTreeMap<String, Vec<String>>>>,
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Kind {
    Plain,
    Wrapped(String),
    Pair(u8, Option<String>),
    Named { x: i32 },
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = jsv::from_slice::<Value>(data) {
        let written = jsv::to_string(&value).expect("a read value writes");
        let again: Value = jsv::from_str(&written).expect("what we write reads");
        assert_eq!(again, value, "untyped round trip of {written:?}");
    }
    if let Ok(request) = jsv::from_slice::<Request>(data) {
        let written = jsv::to_string(&request).expect("a read request writes");
        let again: Request = jsv::from_str(&written).expect("what we write reads");
        assert_eq!(again, request, "typed round trip of {written:?}");
    }
    let _ = jsv::from_slice::<Vec<Option<String>>>(data);
    let _ = jsv::from_slice::<BTreeMap<u32, bool>>(data);
    let _ = jsv::from_slice::<serde::de::IgnoredAny>(data);
});
