//! Building the request DTO's JSON value: body first, then path values, then the
//! query string laid over it, with member names matched case-insensitively.

use crate::{FieldError, ServiceError, TypeInfo, ValueKind};
use serde_json::{Map, Value};

/// Renames a body's top-level keys to the declared member names they match
/// ignoring case; unknown keys are kept (and ignored by the DTO).
pub(crate) fn normalize_keys(
    body: Value,
    request: &TypeInfo,
) -> Result<Map<String, Value>, ServiceError> {
    let Value::Object(object) = body else {
        return Err(ServiceError::serialization(
            "The request body must be an object",
        ));
    };
    Ok(object
        .into_iter()
        .map(|(key, value)| match request.member(&key) {
            Some(member) => (member.name.to_string(), value),
            None => (key, value),
        })
        .collect())
}

/// Lays text values (path segments, query or form fields) over the DTO, each read
/// according to its member's type. Keys that name no member are ignored.
pub(crate) fn overlay_text_values<'a>(
    target: &mut Map<String, Value>,
    values: impl IntoIterator<Item = (&'a str, &'a str)>,
    request: &TypeInfo,
    errors: &mut Vec<FieldError>,
) {
    for (key, raw) in values {
        let Some(member) = request.member(key) else {
            continue;
        };
        match read_text_value(member.kind, &member.type_name, raw) {
            Some(value) => {
                target.insert(member.name.to_string(), value);
            }
            None => errors.push(ServiceError::invalid_value(member)),
        }
    }
}

pub(crate) fn read_text_value(kind: ValueKind, type_name: &str, raw: &str) -> Option<Value> {
    match kind {
        ValueKind::String => Some(Value::String(raw.to_string())),
        ValueKind::Bool => parse_bool(raw).map(Value::Bool),
        ValueKind::Integer => parse_integer(type_name, raw.trim()),
        ValueKind::Number => raw
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        // Structured values in query strings and forms are JSV (`{a:1}`, `1,2,3`).
        ValueKind::Map | ValueKind::List | ValueKind::Object => jsv::from_str::<Value>(raw).ok(),
    }
}

/// JSV's spellings of booleans.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "t" | "y" | "yes" | "on" => Some(true),
        "false" | "0" | "f" | "n" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

fn parse_integer(type_name: &str, raw: &str) -> Option<Value> {
    let (min, max): (i128, i128) = match type_name {
        "uint" => (0, u32::MAX.into()),
        "int" => (i32::MIN.into(), i32::MAX.into()),
        "ulong" => (0, u64::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    };
    let n: i128 = raw.parse().ok()?;
    if n < min || n > max {
        return None;
    }
    if n < 0 {
        Some(Value::from(n as i64))
    } else {
        Some(Value::from(n as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_respect_their_declared_range() {
        assert_eq!(parse_integer("uint", "42"), Some(Value::from(42u64)));
        assert_eq!(parse_integer("uint", "4294967296"), None);
        assert_eq!(parse_integer("uint", "-1"), None);
        assert_eq!(parse_integer("uint", "abc"), None);
        assert_eq!(parse_integer("long", "-5"), Some(Value::from(-5i64)));
    }

    #[test]
    fn booleans_accept_jsv_spellings() {
        for t in ["true", "True", "1", "on"] {
            assert_eq!(parse_bool(t), Some(true), "{t}");
        }
        for f in ["false", "False", "0", "off"] {
            assert_eq!(parse_bool(f), Some(false), "{f}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }
}
