//! The examples of the wire spec (section 5) and of the seed's sample request, written and
//! read exactly.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

fn write<T: Serialize + ?Sized>(v: &T) -> String {
    jsv::to_string(v).unwrap()
}

fn read<T: serde::de::DeserializeOwned>(s: &str) -> T {
    jsv::from_str(s).unwrap_or_else(|e| panic!("{s:?} does not read: {e}"))
}

#[test]
fn strings_are_quoted_only_when_they_must_be() {
    for (plain, written) in [
        ("Me, Junior", r#""Me, Junior""#),
        (r#"2" x 1""#, r#""2"" x 1""""#),
        ("", r#""""#),
        (
            "https://example.com/p?a=1&b=2",
            r#""https://example.com/p?a=1&b=2""#,
        ),
        ("plain words", "plain words"),
        ("tab\tinside", "tab\tinside"),
        ("{braces}", r#""{braces}""#),
        ("[list]", r#""[list]""#),
        ("line\r\nbreak", "\"line\r\nbreak\""),
        (" padded ", r#"" padded ""#),
        ("ünïcödé ✓", "ünïcödé ✓"),
    ] {
        assert_eq!(write(plain), written, "writing {plain:?}");
        assert_eq!(read::<String>(written), plain, "reading {written:?}");
        // The same inside an object, where the quoting matters to the structure.
        let map = BTreeMap::from([("k", plain)]);
        let text = write(&map);
        assert_eq!(text, format!("{{k:{written}}}"));
        assert_eq!(read::<BTreeMap<String, String>>(&text)["k"], plain);
    }
}

#[test]
fn dates_are_written_unquoted() {
    for date in [
        "2001-01-13",
        "2001-01-13T01:02:03Z",
        "2001-01-13T01:02:03.1234567Z",
        "2001-01-13T01:02:03+01:00",
        "2001-01-13T01:02",
    ] {
        assert_eq!(write(date), date);
        let map = BTreeMap::from([("d", date)]);
        assert_eq!(write(&map), format!("{{d:{date}}}"));
        assert_eq!(read::<BTreeMap<String, String>>(&write(&map))["d"], date);
        // A key still needs its quotes, `:` ends a bare key.
        let keyed = BTreeMap::from([(date, "x")]);
        assert_eq!(read::<BTreeMap<String, String>>(&write(&keyed))[date], "x");
    }
    // Not dates: quoted as any string with a `:` is.
    for not_a_date in [
        "2001-01-13 01:02:03",
        "x2001-01-13T01:02:03Z",
        "2001-01-13T01:02:03Zz",
        "2001-01-13T1:02",
        "2001-01-13T01:02:03+1:00",
    ] {
        assert_eq!(write(not_a_date), format!("\"{not_a_date}\""));
    }
}

#[test]
fn booleans_numbers_and_nulls() {
    assert_eq!(write(&true), "True");
    assert_eq!(write(&false), "False");
    assert_eq!(write(&42u32), "42");
    assert_eq!(write(&-7i64), "-7");
    assert_eq!(write(&1.5f64), "1.5");
    assert_eq!(write(&1.0f64), "1.0");
    assert_eq!(write(&f64::NAN), "NaN");
    assert_eq!(write(&f64::NEG_INFINITY), "-Infinity");
    assert!(read::<f64>("NaN").is_nan());
    assert_eq!(read::<f64>("Infinity"), f64::INFINITY);
    for t in ["true", "True", "TRUE", "1", "t", "y", "on", "yes"] {
        assert!(read::<bool>(t), "{t}");
    }
    for f in ["false", "False", "0", "f", "n", "off", "no"] {
        assert!(!read::<bool>(f), "{f}");
    }
    assert!(jsv::from_str::<bool>("maybe").is_err());
    assert_eq!(read::<u32>(" 17 "), 17);
    assert_eq!(read::<i8>("-128"), -128);
    assert!(jsv::from_str::<u8>("256").is_err());
    assert!(jsv::from_str::<u32>("-1").is_err());

    // Null members are left out; null list items leave an empty slot.
    assert_eq!(write(&json!({"a": null, "b": 1, "c": null})), "{b:1}");
    assert_eq!(write(&json!({"a": null})), "{}");
    assert_eq!(write(&json!(["x", null, "y"])), "[x,,y]");
    assert_eq!(write(&None::<u32>), "");
    assert_eq!(
        read::<Vec<Option<String>>>("[x,,y]"),
        vec![Some("x".into()), None, Some("y".into())]
    );
}

#[test]
fn nested_maps_and_lists() {
    let value = json!({
        "name": "Me, Junior",
        "tags": ["a", "b c", ""],
        "meta": {"url": "https://example.com/p?a=1&b=2", "ok": true, "n": 3},
        "empty": {},
        "none": [],
    });
    let text = write(&value);
    assert_eq!(
        text,
        r#"{name:"Me, Junior",tags:[a,b c,""],meta:{url:"https://example.com/p?a=1&b=2",ok:True,n:3},empty:{},none:[]}"#
    );
    // Untyped, scalars come back as text.
    let back: Value = read(&text);
    assert_eq!(
        back,
        json!({
            "name": "Me, Junior",
            "tags": ["a", "b c", ""],
            "meta": {"url": "https://example.com/p?a=1&b=2", "ok": "True", "n": "3"},
            "empty": {},
            "none": [],
        })
    );

    let typed: BTreeMap<String, Vec<BTreeMap<String, u32>>> = read("{a:[{x:1,y:2},{}],b:[]}");
    assert_eq!(typed["a"][0]["y"], 2);
    assert!(typed["a"][1].is_empty() && typed["b"].is_empty());
    assert_eq!(write(&typed), "{a:[{x:1,y:2},{}],b:[]}");
}

#[test]
fn untyped_reads_give_strings() {
    assert_eq!(
        read::<Value>("{a:1,b:True}"),
        json!({"a": "1", "b": "True"})
    );
    assert_eq!(read::<Value>("{a:,b:\"\"}"), json!({"a": "", "b": ""}));
    assert_eq!(read::<Value>("{a:null}"), json!({"a": "null"}));
    assert_eq!(read::<Value>(""), json!(""));
    assert_eq!(read::<Value>("plain"), json!("plain"));
    assert_eq!(
        read::<Value>("[1,[2,{a:b}]]"),
        json!(["1", ["2", {"a": "b"}]])
    );
    assert_eq!(read::<Value>("[]"), json!([]));
    assert_eq!(read::<Value>("{}"), json!({}));
}

#[test]
fn lists_without_brackets() {
    assert_eq!(read::<Value>("1,2,3"), json!(["1", "2", "3"]));
    assert_eq!(read::<Vec<u32>>("1,2,3"), vec![1, 2, 3]);
    assert_eq!(read::<Vec<u32>>("[1,2,3]"), vec![1, 2, 3]);
    assert_eq!(read::<Vec<u32>>(" 1 , 2 ,3 "), vec![1, 2, 3]);
    assert_eq!(read::<Vec<String>>("a"), vec!["a"]);
    assert_eq!(read::<Vec<String>>(""), Vec::<String>::new());
    assert_eq!(read::<Vec<String>>(r#""a,b",c"#), vec!["a,b", "c"]);
    // Nested, a plain value where a list is wanted is a list of one.
    assert_eq!(
        read::<HashMap<String, Vec<u32>>>("{ids:7,none:}"),
        HashMap::from([("ids".to_string(), vec![7]), ("none".to_string(), vec![])])
    );
    // A comma always brings an item: an empty one at the end is a trailing null.
    assert_eq!(
        read::<Vec<Option<u32>>>("[1,2,]"),
        vec![Some(1), Some(2), None]
    );
    assert_eq!(read::<Value>("[a,]"), json!(["a", ""]));
    assert_eq!(read::<Value>("a,"), json!(["a", ""]));
    assert_eq!(read::<(u8, Option<String>)>("[1,]"), (1, None));
    // A whole-document string keeps its commas.
    assert_eq!(read::<String>("Me, Junior"), "Me, Junior");
}

#[test]
fn whitespace_between_tokens() {
    let text = "\r\n{ a :\t1 ,\n b : [ x , y ] ,c: { d : e } }\n";
    assert_eq!(
        read::<Value>(text),
        json!({"a": "1", "b": ["x", "y"], "c": {"d": "e"}})
    );
    // Inside a bare value, whitespace is kept.
    assert_eq!(read::<Value>("{a:x  y}"), json!({"a": "x  y"}));
}

/// The seed's sample request for PutGroupAffiliateTokensRequest, exactly as printed
/// (tabs, newlines, a trailing space after `parameters:`).
const SEED_REQUEST: &str = "{\n\tgroupId: 0,\n\tguid: String,\n\tusername: String,\n\tparameters: \n\t{\n\t\tString: String\n\t}\n}";

const SEED_RESPONSE: &str = "{\n\tsuccess: False,\n\taffiliateTokensId: String,\n\tresponseStatus: \n\t{\n\t\terrorCode: String,\n\t\tmessage: String,\n\t\tstackTrace: String,\n\t\terrors: \n\t\t[\n\t\t\t{\n\t\t\t\terrorCode: String,\n\t\t\t\tfieldName: String,\n\t\t\t\tmessage: String,\n\t\t\t\tmeta: \n\t\t\t\t{\n\t\t\t\t\tString: String\n\t\t\t\t}\n\t\t\t}\n\t\t],\n\t\tmeta: \n\t\t{\n\t\t\tString: String\n\t\t}\n\t}\n}";

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct PutGroupAffiliateTokensRequest {
    group_id: u32,
    guid: Option<String>,
    username: Option<String>,
    parameters: Option<HashMap<String, String>>,
}

#[test]
fn seed_sample_request_reads_into_a_struct_with_case_insensitive_keys() {
    // The struct's names are PascalCase; the sample's are camelCase.
    let request: PutGroupAffiliateTokensRequest = read(SEED_REQUEST);
    assert_eq!(
        request,
        PutGroupAffiliateTokensRequest {
            group_id: 0,
            guid: Some("String".into()),
            username: Some("String".into()),
            parameters: Some(HashMap::from([("String".into(), "String".into())])),
        }
    );
    assert_eq!(
        read::<Value>(SEED_REQUEST),
        json!({"groupId": "0", "guid": "String", "username": "String", "parameters": {"String": "String"}})
    );
    let written = write(&request);
    assert_eq!(
        written,
        "{GroupId:0,Guid:String,Username:String,Parameters:{String:String}}"
    );
    assert_eq!(read::<PutGroupAffiliateTokensRequest>(&written), request);
}

#[test]
fn seed_sample_response_reads() {
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Error {
        error_code: String,
        field_name: String,
        meta: BTreeMap<String, String>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Status {
        error_code: String,
        errors: Vec<Error>,
    }
    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Response {
        success: bool,
        affiliate_tokens_id: Option<String>,
        response_status: Status,
    }
    let r: Response = read(SEED_RESPONSE);
    assert!(!r.success);
    assert_eq!(r.affiliate_tokens_id.as_deref(), Some("String"));
    assert_eq!(r.response_status.error_code, "String");
    assert_eq!(r.response_status.errors[0].field_name, "String");
    assert_eq!(r.response_status.errors[0].error_code, "String");
    assert_eq!(r.response_status.errors[0].meta["String"], "String");
    let untyped: Value = read(SEED_RESPONSE);
    assert_eq!(
        untyped["responseStatus"]["errors"][0]["meta"]["String"],
        "String"
    );
}

#[test]
fn field_names_match_case_insensitively_and_unknown_keys_behave_as_serde_says() {
    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "camelCase")]
    struct Lenient {
        group_id: u32,
        #[serde(default)]
        flag: bool,
    }
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        id: u32,
    }
    assert_eq!(
        read::<Lenient>("{GROUPID:5,Flag:true,other:{x:[1]}}"),
        Lenient {
            group_id: 5,
            flag: true
        }
    );
    let err = jsv::from_str::<Strict>("{ID:1,extra:2}").unwrap_err();
    assert!(err.to_string().contains("unknown field `extra`"), "{err}");
    assert!(err.position().is_some(), "{err}");
    let err = jsv::from_str::<Lenient>("{flag:1}").unwrap_err();
    assert!(err.to_string().contains("missing field `groupId`"), "{err}");
}

#[test]
fn enums() {
    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    enum Kind {
        Plain,
        Wrapped(u32),
        Pair(u32, String),
        Named { a: bool },
    }
    let all = vec![
        Kind::Plain,
        Kind::Wrapped(3),
        Kind::Pair(1, "x, y".into()),
        Kind::Named { a: true },
    ];
    let text = write(&all);
    assert_eq!(
        text,
        r#"[Plain,{Wrapped:3},{Pair:[1,"x, y"]},{Named:{a:True}}]"#
    );
    assert_eq!(read::<Vec<Kind>>(&text), all);
    assert_eq!(read::<Kind>("plain"), Kind::Plain);
    assert_eq!(read::<Kind>("{ wrapped : 4 }"), Kind::Wrapped(4));
    assert!(jsv::from_str::<Kind>("Other").is_err());
}

#[test]
fn options_and_empty_values() {
    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    struct S {
        a: Option<String>,
        b: Option<u32>,
        #[serde(default)]
        c: Vec<u32>,
    }
    assert_eq!(
        read::<S>("{a:,b:}"),
        S {
            a: None,
            b: None,
            c: vec![]
        }
    );
    assert_eq!(
        read::<S>(r#"{a:"",b:2,c:[1]}"#),
        S {
            a: Some(String::new()),
            b: Some(2),
            c: vec![1]
        }
    );
    let s = S {
        a: None,
        b: Some(0),
        c: vec![],
    };
    assert_eq!(write(&s), "{b:0,c:[]}");
    assert_eq!(read::<S>("{b:0,c:[]}"), s);
    assert_eq!(read::<Option<u32>>(""), None);
    assert_eq!(read::<Option<u32>>("5"), Some(5));
}

#[test]
fn a_string_member_sent_a_structure_gets_its_text() {
    let v: BTreeMap<String, String> = read("{a:{x:1,y:[2]},b:[\"q,\",r]}");
    assert_eq!(v["a"], "{x:1,y:[2]}");
    assert_eq!(v["b"], "[\"q,\",r]");
}

#[test]
fn errors_say_where() {
    for (input, at) in [
        ("{a:1", 4),
        ("{a 1}", 4),
        ("[1,2", 4),
        ("{a:\"unterminated}", 3),
        ("{a:1}}", 5),
        ("[1}", 2),
    ] {
        let err = jsv::from_str::<Value>(input).unwrap_err();
        assert_eq!(err.position(), Some(at), "{input:?}: {err}");
        assert!(err.to_string().ends_with(&format!("at byte {at}")), "{err}");
    }
    let err = jsv::from_str::<BTreeMap<String, u32>>("{a:1,b:x}").unwrap_err();
    assert_eq!(err.to_string(), "invalid u32 `x` at byte 7");
    let err = jsv::from_slice::<Value>(b"{a:\xff}").unwrap_err();
    assert_eq!(err.to_string(), "invalid UTF-8 at byte 3");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let ok = format!(
        "{}{}",
        "[".repeat(jsv::MAX_DEPTH),
        "]".repeat(jsv::MAX_DEPTH)
    );
    assert!(jsv::from_str::<Value>(&ok).is_ok());
    for deep in [
        "[".repeat(jsv::MAX_DEPTH + 1),
        "{a:".repeat(100_000),
        format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000)),
    ] {
        let err = jsv::from_str::<Value>(&deep).unwrap_err();
        assert!(err.to_string().contains("nesting deeper than 128"), "{err}");
        assert!(jsv::from_str::<serde::de::IgnoredAny>(&deep).is_err());
        assert!(jsv::from_str::<BTreeMap<String, String>>(&deep).is_err());
    }
    // A recursive type fed a plain value must not recurse for ever.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Node(Vec<Node>);
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Chain(Option<Box<Chain>>);
    assert!(jsv::from_str::<Node>("{a:x}").is_err());
    assert!(jsv::from_str::<Chain>("x").is_err());
}

#[test]
fn byte_order_mark_is_skipped() {
    assert_eq!(read::<Value>("\u{feff}{a:b}"), json!({"a": "b"}));
    // So a string that starts with one is quoted (found by fuzzing).
    let s = "\u{feff}\u{c}\0ue";
    assert_eq!(write(s), format!("\"{s}\""));
    assert_eq!(read::<Value>(&write(s)), json!(s));
    assert_eq!(read::<Value>(&format!("\r\n{s}")), json!(s));
}

#[test]
fn map_keys() {
    let m = BTreeMap::from([(1u32, "one"), (20, "twenty")]);
    assert_eq!(write(&m), "{1:one,20:twenty}");
    assert_eq!(
        read::<BTreeMap<u32, String>>("{1:one,20:twenty}")[&20],
        "twenty"
    );
    let odd = BTreeMap::from([("a:b", "1"), ("", "2"), (" sp", "3"), ("q\"", "4")]);
    let text = write(&odd);
    assert_eq!(text, r#"{"":2," sp":3,"a:b":1,"q""":4}"#);
    assert_eq!(read::<BTreeMap<String, String>>(&text).len(), 4);
    assert!(jsv::to_string(&HashMap::from([(vec![1], 1)])).is_err());
}
