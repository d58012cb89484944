//! Building the request DTO's JSON value: body first, then path values, then the
//! query string laid over it, with member names matched case-insensitively.

use crate::{FieldError, Member, ServiceError, TypeInfo, ValueKind};
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
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

/// Reads a request DTO straight from text values (path segments, then the query
/// string), for requests without a body. `None` whenever the plain reading might
/// differ from the general one (`overlay_text_values`, then the DTO from the value):
/// a member named twice, a structured member, a value that does not read, a
/// required member missing. The caller then binds the general way, which also says
/// what was wrong.
pub(crate) fn dto_from_text_values<T: DeserializeOwned>(
    values: &mut dyn Iterator<Item = (&str, &str)>,
    request: &TypeInfo,
) -> Option<T> {
    T::deserialize(TextFields {
        values,
        request,
        next_value: None,
    })
    .ok()
}

/// The members a request's text values name, as a map for a DTO's `Deserialize`.
struct TextFields<'v, 'k, 'a, 't> {
    values: &'v mut dyn Iterator<Item = (&'k str, &'a str)>,
    request: &'t TypeInfo,
    next_value: Option<TextValue<'a, 't>>,
}

/// One text value, read as its member's declared type.
struct TextValue<'a, 't> {
    member: &'t Member,
    raw: &'a str,
}

impl<'de> Deserializer<'de> for TextFields<'_, '_, '_, '_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_map(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
        struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for TextFields<'_, '_, '_, '_> {
    type Error = de::value::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        for (key, raw) in &mut *self.values {
            let Some(member) = self.request.member(key) else {
                continue;
            };
            if matches!(
                member.kind,
                ValueKind::Map | ValueKind::List | ValueKind::Object
            ) {
                return Err(de::Error::custom("a structured member"));
            }
            self.next_value = Some(TextValue { member, raw });
            let name: de::value::BorrowedStrDeserializer<'de, Self::Error> =
                de::value::BorrowedStrDeserializer::new(member.name);
            return seed.deserialize(name).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.next_value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("a value without its key")),
        }
    }
}

impl<'de> Deserializer<'de> for TextValue<'_, '_> {
    type Error = de::value::Error;

    /// Strings as they are; other scalars as `read_text_value` reads them, so the
    /// DTO sees exactly what it would see in the general binding's value.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let member = self.member;
        if member.kind == ValueKind::String {
            return visitor.visit_str(self.raw);
        }
        match read_text_value(member.kind, &member.type_name, self.raw) {
            Some(value) => value.deserialize_any(visitor).map_err(de::Error::custom),
            None => Err(de::Error::custom("a value that does not read")),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf unit unit_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
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
    use serde::Deserialize;

    crate::dto! {
        pub struct Lookup {
            name: Option<String> as "name" in query,
            group_id: Option<u32> as "groupId" in path,
            skip: Option<u32> as "skip" in query,
            include_disabled: bool as "includeDisabled" in query,
            tags: Option<Vec<String>> as "tags" in query,
        }
    }

    /// What the general binding makes of the same values: laid over a value, then read.
    fn the_general_way(values: &[(&str, &str)]) -> Option<Lookup> {
        let mut value = Map::new();
        let mut errors = Vec::new();
        let request = TypeInfo::of::<Lookup>();
        overlay_text_values(&mut value, values.iter().copied(), &request, &mut errors);
        if !errors.is_empty() {
            return None;
        }
        Lookup::deserialize(&Value::Object(value)).ok()
    }

    fn the_plain_way(values: &[(&str, &str)]) -> Option<Lookup> {
        let request = TypeInfo::of::<Lookup>();
        dto_from_text_values(&mut values.iter().copied(), &request)
    }

    #[test]
    fn text_values_read_plainly_give_the_dto_the_general_binding_gives() {
        let plain_cases: &[&[(&str, &str)]] = &[
            &[],
            &[("groupId", "7")],
            &[("GROUPID", " 7 "), ("name", "Ann"), ("format", "json")],
            &[("name", ""), ("skip", "0"), ("includeDisabled", "yes")],
            &[("includedisabled", ""), ("callback", "f")],
        ];
        for values in plain_cases {
            let plain = the_plain_way(values);
            assert!(plain.is_some(), "{values:?} reads plainly");
            assert_eq!(plain, the_general_way(values), "{values:?}");
        }
        assert_eq!(
            the_plain_way(&[("groupId", "7"), ("name", "Ann")]).map(|l| (l.group_id, l.name)),
            Some((Some(7), Some("Ann".to_string())))
        );
    }

    #[test]
    fn values_that_do_not_read_plainly_are_left_to_the_general_binding() {
        let general_cases: &[&[(&str, &str)]] = &[
            // The general binding takes the last; it also says what is wrong.
            &[("groupId", "7"), ("groupid", "8")],
            &[("groupId", "seven")],
            &[("groupId", "-1")],
            &[("skip", "4294967296")],
            &[("includeDisabled", "maybe")],
            // Structured members are JSV text.
            &[("tags", "a,b")],
        ];
        for values in general_cases {
            assert_eq!(the_plain_way(values), None, "{values:?}");
        }
        assert_eq!(
            the_general_way(&[("groupId", "7"), ("groupid", "8")]).map(|l| l.group_id),
            Some(Some(8))
        );
    }

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
