//! `?jsconfig=`: ServiceStack's per-request tuning of JSON and JSV answers
//! (docs.servicestack.net/customize-json-responses). A comma-separated list of settings,
//! each `Name` or `Name:value`, named in full or by its "camel humps" (the capitals of the
//! name, `ExcludeDefaultValues` = `edv`), case-insensitively. A bool setting given without
//! a value, or with any value but `false` or `0`, is on. Settings that change nothing in
//! our answers (type info, parsing, enums, public fields...) and unknown names are ignored,
//! as ServiceStack ignores names it does not know.

use crate::{TypeInfo, ValueKind};
use serde_json::{Map, Value};
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

/// ServiceStack.Text's type hint member (wire spec section 12), never renamed.
const TYPE_HINT: &str = "__type";

/// `?jsconfig=TextCase:...`: the variants are ServiceStack's `TextCase` names, which
/// callers write, so they keep their common suffix.
#[allow(clippy::enum_variant_names)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextCase {
    /// Ours: camelCase, the DataMember names.
    #[default]
    CamelCase,
    PascalCase,
    SnakeCase,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateHandler {
    /// Ours: ISO-8601 in UTC, as stored.
    #[default]
    Iso8601,
    Iso8601DateOnly,
    Iso8601DateTime,
    /// `/Date(ms)/`, WCF's form (TimestampOffset and DCJSCompatible write the same for UTC).
    Timestamp,
    Rfc1123,
    UnixTime,
    UnixTimeMs,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsConfig {
    pub text_case: TextCase,
    pub exclude_default_values: bool,
    pub include_null_values: bool,
    pub date_handler: DateHandler,
}

/// A setting's full name or its camel humps, ignoring case.
fn names(text: &str, full: &str) -> bool {
    let humps: String = full
        .chars()
        .filter(|c| c.is_ascii_uppercase())
        .collect::<String>()
        .to_ascii_lowercase();
    text.eq_ignore_ascii_case(full) || text.eq_ignore_ascii_case(&humps)
}

impl JsConfig {
    pub fn parse(text: &str) -> JsConfig {
        let mut config = JsConfig::default();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = match item.split_once(':') {
                Some((key, value)) => (key.trim(), Some(value.trim())),
                None => (item, None),
            };
            let on = value.is_none_or(|v| !v.eq_ignore_ascii_case("false") && v != "0");
            if names(key, "ExcludeDefaultValues") {
                config.exclude_default_values = on;
            } else if names(key, "IncludeNullValues") {
                config.include_null_values = on;
            } else if names(key, "EmitCamelCaseNames") && on {
                config.text_case = TextCase::CamelCase;
            } else if names(key, "EmitPascalCaseNames") && on {
                config.text_case = TextCase::PascalCase;
            } else if names(key, "EmitLowercaseUnderscoreNames") && on {
                config.text_case = TextCase::SnakeCase;
            } else if names(key, "TextCase") {
                config.text_case = value.and_then(text_case).unwrap_or(config.text_case);
            } else if names(key, "DateHandler") {
                config.date_handler = value.and_then(date_handler).unwrap_or(config.date_handler);
            }
        }
        config
    }

    /// Applies the settings to an answer of type `ty` (nested DTOs by their own types).
    pub fn apply(&self, value: &Value, ty: &TypeInfo) -> Value {
        match value {
            Value::Object(object) => Value::Object(self.object(object, ty)),
            Value::Array(items) => Value::Array(items.iter().map(|v| self.apply(v, ty)).collect()),
            other => other.clone(),
        }
    }

    fn object(&self, object: &Map<String, Value>, ty: &TypeInfo) -> Map<String, Value> {
        let mut out = Map::new();
        // A type hint stays the first member, where .NET readers look for it.
        if let Some(hint) = object.get(TYPE_HINT) {
            out.insert(TYPE_HINT.to_string(), hint.clone());
        }
        // Declared members next, in their order; null ones only when asked for.
        for member in &ty.members {
            let value = object.get(member.name).unwrap_or(&Value::Null);
            if value.is_null() && !self.include_null_values {
                continue;
            }
            let is_default = match (member.kind, value) {
                (ValueKind::Bool, Value::Bool(b)) => !b,
                (ValueKind::Integer | ValueKind::Number, Value::Number(n)) => {
                    n.as_f64() == Some(0.0)
                }
                _ => false,
            };
            if is_default && self.exclude_default_values {
                continue;
            }
            let value = match (member.nested, value) {
                (Some(nested), Value::Object(_) | Value::Array(_)) => self.apply(value, &nested()),
                _ if member.type_name == "DateTime" => self.date(value),
                _ => value.clone(),
            };
            out.insert(self.key(member.name), value);
        }
        for (key, value) in object {
            if ty.member(key).is_none() && key != TYPE_HINT {
                out.insert(self.key(key), value.clone());
            }
        }
        out
    }

    fn key(&self, name: &str) -> String {
        match self.text_case {
            TextCase::CamelCase => name.to_string(),
            TextCase::PascalCase => crate::pascal_case(name),
            TextCase::SnakeCase => {
                let mut out = String::with_capacity(name.len() + 4);
                for (i, c) in name.chars().enumerate() {
                    if c.is_ascii_uppercase() {
                        if i > 0 {
                            out.push('_');
                        }
                        out.push(c.to_ascii_lowercase());
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }

    fn date(&self, value: &Value) -> Value {
        let Some(text) = value.as_str() else {
            return value.clone();
        };
        let Ok(date) = OffsetDateTime::parse(text, &Rfc3339) else {
            return value.clone();
        };
        let date = date.to_offset(time::UtcOffset::UTC);
        let millis = (date.unix_timestamp_nanos() / 1_000_000) as i64;
        match self.date_handler {
            DateHandler::Iso8601 => value.clone(),
            DateHandler::Iso8601DateOnly => Value::String(text.get(..10).unwrap_or(text).into()),
            DateHandler::Iso8601DateTime => Value::String(format!(
                "{} {}",
                &text[..10],
                text.get(11..19).unwrap_or("")
            )),
            DateHandler::Timestamp => Value::String(format!("/Date({millis})/")),
            DateHandler::Rfc1123 => date
                .format(&Rfc2822)
                .map(|s| Value::String(s.replace("+0000", "GMT")))
                .unwrap_or_else(|_| value.clone()),
            DateHandler::UnixTime => Value::from(date.unix_timestamp()),
            DateHandler::UnixTimeMs => Value::from(millis),
        }
    }
}

fn text_case(value: &str) -> Option<TextCase> {
    [
        ("CamelCase", TextCase::CamelCase),
        ("Default", TextCase::CamelCase),
        ("PascalCase", TextCase::PascalCase),
        ("SnakeCase", TextCase::SnakeCase),
    ]
    .into_iter()
    .find(|(name, _)| names(value, name))
    .map(|(_, case)| case)
}

fn date_handler(value: &str) -> Option<DateHandler> {
    // The aliases of the docs' table; camel humps would make ISO8601DateOnly "isodo".
    let aliases = [
        ("iso8601", DateHandler::Iso8601),
        ("iso8601do", DateHandler::Iso8601DateOnly),
        ("iso8601dt", DateHandler::Iso8601DateTime),
        ("to", DateHandler::Timestamp),
        ("dcjsc", DateHandler::Timestamp),
        ("rfc1123", DateHandler::Rfc1123),
        ("ut", DateHandler::UnixTime),
        ("utm", DateHandler::UnixTimeMs),
        ("ISO8601DateOnly", DateHandler::Iso8601DateOnly),
        ("ISO8601DateTime", DateHandler::Iso8601DateTime),
        ("TimestampOffset", DateHandler::Timestamp),
        ("DCJSCompatible", DateHandler::Timestamp),
        ("UnixTimeMs", DateHandler::UnixTimeMs),
        ("UnixTime", DateHandler::UnixTime),
    ];
    aliases
        .into_iter()
        .find(|(name, _)| value.eq_ignore_ascii_case(name))
        .map(|(_, handler)| handler)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_by_full_name_or_camel_humps_and_unknown_ones_ignored() {
        let config = JsConfig::parse("edv,IncludeNullValues:true,elun,dh:ut,Nonsense:3,eti");
        assert_eq!(
            config,
            JsConfig {
                text_case: TextCase::SnakeCase,
                exclude_default_values: true,
                include_null_values: true,
                date_handler: DateHandler::UnixTime,
            }
        );
        assert_eq!(
            JsConfig::parse("ExcludeDefaultValues:false"),
            JsConfig::default()
        );
        assert_eq!(JsConfig::parse("edv:0"), JsConfig::default());
        assert_eq!(
            JsConfig::parse("TextCase:PascalCase").text_case,
            TextCase::PascalCase
        );
        assert_eq!(
            JsConfig::parse("DateHandler:ISO8601DateOnly").date_handler,
            DateHandler::Iso8601DateOnly
        );
    }

    #[test]
    fn dates_are_written_by_the_date_handler() {
        let date = Value::from("2026-12-01T12:34:56Z");
        let with = |text: &str| JsConfig::parse(text).date(&date);
        assert_eq!(with("dh:ut"), Value::from(1_796_128_496_i64));
        assert_eq!(with("dh:utm"), Value::from(1_796_128_496_000_i64));
        assert_eq!(with("dh:iso8601do"), Value::from("2026-12-01"));
        assert_eq!(with("dh:iso8601dt"), Value::from("2026-12-01 12:34:56"));
        assert_eq!(with("dh:to"), Value::from("/Date(1796128496000)/"));
        assert_eq!(
            with("dh:rfc1123"),
            Value::from("Tue, 01 Dec 2026 12:34:56 GMT")
        );
        assert_eq!(with(""), date);
    }
}
