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

/// A text value (path segment, query or form field, a scalar of an untyped JSV body)
/// read as its member's type by the `jsv` crate's typed reader: JSV's rules for
/// booleans and numbers live there only. `None` when the text is not of that type.
pub(crate) fn read_text_value(kind: ValueKind, type_name: &str, raw: &str) -> Option<Value> {
    match kind {
        ValueKind::String => Some(Value::String(raw.to_string())),
        ValueKind::Bool => typed::<bool>(raw).map(Value::Bool),
        ValueKind::Integer => match type_name {
            "uint" => typed::<u32>(raw).map(Value::from),
            "int" => typed::<i32>(raw).map(Value::from),
            "ulong" => typed::<u64>(raw).map(Value::from),
            _ => typed::<i64>(raw).map(Value::from),
        },
        ValueKind::Number => typed::<f64>(raw)
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        // Structured values in query strings and forms are JSV (`{a:1}`, `1,2,3`).
        ValueKind::Map | ValueKind::List | ValueKind::Object => typed::<Value>(raw),
    }
}

fn typed<T: serde::de::DeserializeOwned>(raw: &str) -> Option<T> {
    jsv::from_str::<T>(raw).ok()
}

/// JSV's spellings of booleans (`true/t/1/y/yes/on`, `false/f/0/n/no/off`, empty).
pub fn parse_bool(raw: &str) -> Option<bool> {
    typed::<bool>(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_respect_their_declared_range() {
        let integer = |type_name, raw| read_text_value(ValueKind::Integer, type_name, raw);
        assert_eq!(integer("uint", "42"), Some(Value::from(42u64)));
        assert_eq!(integer("uint", " 42 "), Some(Value::from(42u64)));
        assert_eq!(integer("uint", "4294967296"), None);
        assert_eq!(integer("uint", "-1"), None);
        assert_eq!(integer("uint", "abc"), None);
        assert_eq!(integer("int", "-2147483649"), None);
        assert_eq!(integer("long", "-5"), Some(Value::from(-5i64)));
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
        assert_eq!(parse_bool(""), Some(false), "an empty field is false");
    }
}
