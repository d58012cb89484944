//! Property tests: whatever we write reads back the same, and no input makes the reader
//! panic.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Strings that stress the quoting rules: arbitrary Unicode, and short strings drawn from
/// JSV's special characters, quotes and whitespace.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\"\":,{}\\[\\] \t\r\nab1é✓]{0,10}",
        Just(String::new()),
        Just("2001-01-13T01:02:03Z".to_string()),
        Just("null".to_string()),
        Just("True".to_string()),
    ]
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    name: String,
    nick: Option<String>,
    count: u32,
    delta: i64,
    active: bool,
    limit: Option<u32>,
    flag: Option<bool>,
    ratio: f64,
    tags: Vec<String>,
    ids: Option<Vec<u32>>,
    attrs: HashMap<String, String>,
    kind: Kind,
    inner: Option<Inner>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Kind {
    Plain,
    Wrapped(String),
    Pair(u8, Option<String>),
    Named { x: i32, label: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Inner {
    a: Vec<BTreeMap<String, String>>,
    b: Option<String>,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Plain),
        text().prop_map(Kind::Wrapped),
        (any::<u8>(), proptest::option::of(text())).prop_map(|(a, b)| Kind::Pair(a, b)),
        (any::<i32>(), text()).prop_map(|(x, label)| Kind::Named { x, label }),
    ]
}

fn record() -> impl Strategy<Value = Record> {
    (
        (
            text(),
            proptest::option::of(text()),
            any::<u32>(),
            any::<i64>(),
            any::<bool>(),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<bool>()),
        ),
        (
            any::<f64>().prop_filter("NaN never equals itself", |f| !f.is_nan()),
            prop::collection::vec(text(), 0..4),
            proptest::option::of(prop::collection::vec(any::<u32>(), 0..4)),
            prop::collection::hash_map(text(), text(), 0..4),
            kind(),
            proptest::option::of(
                (
                    prop::collection::vec(prop::collection::btree_map(text(), text(), 0..3), 0..3),
                    proptest::option::of(text()),
                )
                    .prop_map(|(a, b)| Inner { a, b }),
            ),
        ),
    )
        .prop_map(
            |(
                (name, nick, count, delta, active, limit, flag),
                (ratio, tags, ids, attrs, kind, inner),
            )| {
                Record {
                    name,
                    nick,
                    count,
                    delta,
                    active,
                    limit,
                    flag,
                    ratio,
                    tags,
                    ids,
                    attrs,
                    kind,
                    inner,
                }
            },
        )
}

/// A `serde_json::Value` made only of strings, lists and objects: the shapes an untyped
/// read gives back, so these must survive exactly.
fn text_value() -> impl Strategy<Value = Value> {
    text()
        .prop_map(Value::String)
        .prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(text(), inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
}

/// Any JSON value, numbers, booleans and nulls included.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text made of JSV's own characters, for the never-panic properties.
fn jsv_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\"\":,{}\\[\\] \t\r\nab1é]{0,40}",
        any::<String>(),
        text_value().prop_map(|v| jsv::to_string(&v).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn string_maps_round_trip(map in prop::collection::btree_map(text(), text(), 0..8)) {
        let written = jsv::to_string(&map).unwrap();
        let back: BTreeMap<String, String> = jsv::from_str(&written)
            .map_err(|e| TestCaseError::fail(format!("{written:?}: {e}")))?;
        prop_assert_eq!(back, map);
    }

    #[test]
    fn string_lists_round_trip(list in prop::collection::vec(text(), 0..8)) {
        let written = jsv::to_string(&list).unwrap();
        let back: Vec<String> = jsv::from_str(&written)
            .map_err(|e| TestCaseError::fail(format!("{written:?}: {e}")))?;
        prop_assert_eq!(back, list);
    }

    #[test]
    fn single_strings_round_trip(s in text()) {
        let written = jsv::to_string(&s).unwrap();
        prop_assert_eq!(jsv::from_str::<String>(&written).unwrap(), s.clone());
        prop_assert_eq!(jsv::from_str::<Value>(&written).unwrap(), Value::String(s));
    }

    #[test]
    fn nested_maps_round_trip(
        map in prop::collection::btree_map(
            text(),
            prop::collection::btree_map(text(), prop::collection::vec(text(), 0..3), 0..3),
            0..4,
        )
    ) {
        let written = jsv::to_string(&map).unwrap();
        let back: BTreeMap<String, BTreeMap<String, Vec<String>>> = jsv::from_str(&written)
            .map_err(|e| TestCaseError::fail(format!("{written:?}: {e}")))?;
        prop_assert_eq!(back, map);
    }

    #[test]
    fn records_round_trip(record in record()) {
        let written = jsv::to_string(&record).unwrap();
        let back: Record = jsv::from_str(&written)
            .map_err(|e| TestCaseError::fail(format!("{written:?}: {e}")))?;
        prop_assert_eq!(back, record);
    }

    #[test]
    fn untyped_values_round_trip(value in text_value()) {
        let written = jsv::to_string(&value).unwrap();
        let back: Value = jsv::from_str(&written)
            .map_err(|e| TestCaseError::fail(format!("{written:?}: {e}")))?;
        prop_assert_eq!(back, value);
    }

    /// Writing a `serde_json::Value` gives what the placeholder codec gave (which quoted
    /// dates; the spec has them bare, and `text()` makes none).
    #[test]
    fn writes_like_the_placeholder(value in json_value()) {
        prop_assume!(!legacy::write(&value).contains("\"2001-01-13T01:02:03Z\""));
        prop_assert_eq!(jsv::to_string(&value).unwrap(), legacy::write(&value));
    }

    /// Untyped reads agree with the placeholder codec wherever it read the input.
    #[test]
    fn reads_like_the_placeholder(input in jsv_like()) {
        let new = jsv::from_str::<Value>(&input);
        if let Some(old) = legacy::read(&input) {
            prop_assert_eq!(new.ok(), Some(old), "{:?}", input);
        }
    }

    #[test]
    fn no_input_panics(input in jsv_like()) {
        let _ = jsv::from_str::<Value>(&input);
        let _ = jsv::from_str::<Record>(&input);
        let _ = jsv::from_str::<Vec<Option<Kind>>>(&input);
        let _ = jsv::from_str::<BTreeMap<u32, Vec<bool>>>(&input);
        let _ = jsv::from_slice::<serde::de::IgnoredAny>(input.as_bytes());
        if let Ok(value) = jsv::from_str::<Value>(&input) {
            // Anything that reads, written and read again, is unchanged.
            let written = jsv::to_string(&value).unwrap();
            prop_assert_eq!(jsv::from_str::<Value>(&written).unwrap(), value);
        }
    }

    #[test]
    fn no_bytes_panic(input in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = jsv::from_slice::<Value>(&input);
        let _ = jsv::from_slice::<Record>(&input);
    }
}

/// The placeholder codec this crate replaced (serde_json::Value in and out), kept to check
/// that the host sees the same text and the same values as before.
mod legacy {
    use serde_json::Value;

    pub fn write(value: &Value) -> String {
        let mut out = String::new();
        write_value(&mut out, value);
        out
    }

    fn write_value(out: &mut String, value: &Value) {
        match value {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => write_str(out, s),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_value(out, item);
                }
                out.push(']');
            }
            Value::Object(map) => {
                out.push('{');
                let mut first = true;
                for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                    if !first {
                        out.push(',');
                    }
                    first = false;
                    write_str(out, k);
                    out.push(':');
                    write_value(out, v);
                }
                out.push('}');
            }
        }
    }

    fn write_str(out: &mut String, s: &str) {
        let special = ['"', ':', ',', '{', '}', '[', ']', '\r', '\n'];
        // (This crate also quotes a leading U+FEFF, which reads as a byte-order mark.)
        if s.is_empty() || s.contains(special) || s.trim() != s || s.starts_with('\u{feff}') {
            out.push('"');
            out.push_str(&s.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(s);
        }
    }

    /// The placeholder's reader; `None` where it failed, or where it read something this
    /// crate deliberately reads differently (a bare key holding `,{}[]`, Unicode whitespace
    /// trimmed off a bare token, an empty last list item).
    pub fn read(text: &str) -> Option<Value> {
        if text.contains(|c: char| c.is_whitespace() && !matches!(c, ' ' | '\t' | '\r' | '\n'))
            || text.starts_with('\u{feff}')
        {
            return None;
        }
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
            depth: 0,
            differs: false,
        };
        p.ws();
        let value = if matches!(p.peek(), Some(b'{' | b'[')) {
            p.value()?
        } else {
            p.bare_list_or_value()?
        };
        p.ws();
        (p.i == p.s.len() && !p.differs).then_some(value)
    }

    struct Parser<'a> {
        s: &'a [u8],
        i: usize,
        depth: usize,
        differs: bool,
    }

    impl Parser<'_> {
        fn peek(&self) -> Option<u8> {
            self.s.get(self.i).copied()
        }
        fn ws(&mut self) {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                self.i += 1;
            }
        }
        fn bare_list_or_value(&mut self) -> Option<Value> {
            let first = self.value()?;
            self.ws();
            if self.peek() != Some(b',') {
                return Some(first);
            }
            let mut items = vec![first];
            while self.peek() == Some(b',') {
                self.i += 1;
                self.ws();
                items.push(self.value()?);
                self.ws();
            }
            Some(Value::Array(items))
        }
        fn value(&mut self) -> Option<Value> {
            self.ws();
            match self.peek() {
                Some(b'{') | Some(b'[') => {
                    self.depth += 1;
                    if self.depth > 128 {
                        return None;
                    }
                    let v = if self.peek() == Some(b'{') {
                        self.object()
                    } else {
                        self.list()
                    };
                    self.depth -= 1;
                    v
                }
                Some(b'"') => self.quoted().map(Value::String),
                _ => Some(Value::String(self.bare())),
            }
        }
        fn object(&mut self) -> Option<Value> {
            self.i += 1;
            let mut map = serde_json::Map::new();
            loop {
                self.ws();
                match self.peek() {
                    Some(b'}') => {
                        self.i += 1;
                        return Some(Value::Object(map));
                    }
                    None => return None,
                    _ => {}
                }
                let key = if self.peek() == Some(b'"') {
                    self.quoted()?
                } else {
                    self.key()
                };
                self.ws();
                if self.peek() != Some(b':') {
                    return None;
                }
                self.i += 1;
                let v = self.value()?;
                map.insert(key, v);
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {}
                    _ => return None,
                }
            }
        }
        fn list(&mut self) -> Option<Value> {
            self.i += 1;
            let mut items = Vec::new();
            loop {
                self.ws();
                match self.peek() {
                    Some(b']') => {
                        self.i += 1;
                        return Some(Value::Array(items));
                    }
                    None => return None,
                    _ => {}
                }
                items.push(self.value()?);
                self.ws();
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        self.ws();
                        // `[a,]`: the placeholder dropped the empty item after the comma.
                        if self.peek() == Some(b']') {
                            self.differs = true;
                        }
                    }
                    Some(b']') => {}
                    _ => return None,
                }
            }
        }
        fn quoted(&mut self) -> Option<String> {
            self.i += 1;
            let mut out = Vec::new();
            loop {
                match self.peek() {
                    None => return None,
                    Some(b'"') if self.s.get(self.i + 1) == Some(&b'"') => {
                        out.push(b'"');
                        self.i += 2;
                    }
                    Some(b'"') => {
                        self.i += 1;
                        return String::from_utf8(out).ok();
                    }
                    Some(c) => {
                        out.push(c);
                        self.i += 1;
                    }
                }
            }
        }
        fn key(&mut self) -> String {
            let start = self.i;
            while !matches!(self.peek(), None | Some(b':')) {
                self.i += 1;
            }
            let key = &self.s[start..self.i];
            if key.iter().any(|b| b"{}[],".contains(b)) {
                self.differs = true;
            }
            String::from_utf8_lossy(key).trim().to_string()
        }
        fn bare(&mut self) -> String {
            let start = self.i;
            while !matches!(self.peek(), None | Some(b',' | b'}' | b']')) {
                self.i += 1;
            }
            String::from_utf8_lossy(&self.s[start..self.i])
                .trim_end()
                .to_string()
        }
    }
}
