//! What a member expects, in words, and a check of a request's JSON value against
//! its DTO's declared members. Messages name the member and what it expects, never
//! the value that was sent (it may be someone's token).

use crate::{FieldError, TypeInfo, ValueKind};
use serde_json::Value;

/// The scalar types of the wire, by their .NET names.
fn scalar_expectation(type_name: &str) -> Option<String> {
    Some(match type_name {
        // Guid and DateTime travel as strings; their format is the handler's to judge.
        "string" | "Guid" | "DateTime" => "a string".into(),
        "bool" => "true or false".into(),
        "uint" => format!("a whole number from 0 to {}", u32::MAX),
        "ulong" => format!("a whole number from 0 to {}", u64::MAX),
        "int" => format!("a whole number from {} to {}", i32::MIN, i32::MAX),
        "long" => format!("a whole number from {} to {}", i64::MIN, i64::MAX),
        "double" => "a number".into(),
        _ => return None,
    })
}

fn plural(type_name: &str) -> String {
    match type_name {
        "string" | "Guid" | "DateTime" => "strings".into(),
        "bool" => "booleans (true or false)".into(),
        "uint" | "ulong" | "int" | "long" => "whole numbers".into(),
        "double" => "numbers".into(),
        other => format!("{other} objects"),
    }
}

/// "a map of strings", "a list of AffiliateProgram objects", "a whole number from 0 to ...".
pub fn expectation(kind: ValueKind, type_name: &str) -> String {
    match kind {
        ValueKind::Map => match map_value_type(type_name) {
            Some(inner) => format!("a map of {}", plural(inner)),
            None => "a map".into(),
        },
        ValueKind::List => match type_name
            .strip_prefix("List<")
            .and_then(|t| t.strip_suffix('>'))
        {
            Some(inner) => format!("a list of {}", plural(inner)),
            None => "a list".into(),
        },
        ValueKind::Object => format!("a {type_name} object"),
        _ => scalar_expectation(type_name).unwrap_or_else(|| format!("a {type_name}")),
    }
}

fn map_value_type(type_name: &str) -> Option<&str> {
    type_name
        .strip_prefix("Dictionary<string,")
        .and_then(|t| t.strip_suffix('>'))
}

/// The field error for a member whose value is not what it expects.
pub fn invalid(field: &str, kind: ValueKind, type_name: &str) -> FieldError {
    FieldError::new(
        "SerializationException",
        field,
        format!("'{field}' must be {}", expectation(kind, type_name)),
    )
}

/// Every member of `value` whose JSON shape does not fit its declaration, with a
/// path such as `AffiliatePrograms[2].Parameters`.
pub fn check(value: &Value, ty: &TypeInfo) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_object(value, ty, "", &mut errors);
    errors
}

fn check_object(value: &Value, ty: &TypeInfo, prefix: &str, errors: &mut Vec<FieldError>) {
    let Value::Object(object) = value else {
        return;
    };
    for (key, member_value) in object {
        let Some(member) = ty.member(key) else {
            continue;
        };
        let path = format!("{prefix}{}", member.pascal_name());
        if member_value.is_null() {
            if !member.optional {
                errors.push(invalid(&path, member.kind, &member.type_name));
            }
            continue;
        }
        let nested = member.nested.map(|f| f());
        match member.kind {
            ValueKind::Object => match (member_value, &nested) {
                (Value::Object(_), Some(nested)) => {
                    check_object(member_value, nested, &format!("{path}."), errors)
                }
                (Value::Object(_), None) => {}
                _ => errors.push(invalid(&path, member.kind, &member.type_name)),
            },
            ValueKind::List => {
                let Value::Array(items) = member_value else {
                    errors.push(invalid(&path, member.kind, &member.type_name));
                    continue;
                };
                let inner = member
                    .type_name
                    .strip_prefix("List<")
                    .and_then(|t| t.strip_suffix('>'))
                    .unwrap_or("");
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    match &nested {
                        Some(nested) if item.is_object() => {
                            check_object(item, nested, &format!("{item_path}."), errors)
                        }
                        Some(_) => errors.push(invalid(&item_path, ValueKind::Object, inner)),
                        None if !scalar_fits(item, inner) => {
                            errors.push(invalid_scalar(&item_path, inner))
                        }
                        None => {}
                    }
                }
            }
            ValueKind::Map => {
                let Value::Object(entries) = member_value else {
                    errors.push(invalid(&path, member.kind, &member.type_name));
                    continue;
                };
                let inner = map_value_type(&member.type_name).unwrap_or("");
                let fits = entries.values().all(|v| match &nested {
                    Some(nested) => v.is_object() && check(v, nested).is_empty(),
                    None => scalar_fits(v, inner),
                });
                if !fits {
                    // A map's keys are the caller's words: the error names the member only.
                    errors.push(invalid(&path, member.kind, &member.type_name));
                }
            }
            _ => {
                if !scalar_fits(member_value, &member.type_name) {
                    errors.push(invalid(&path, member.kind, &member.type_name));
                }
            }
        }
    }
}

fn invalid_scalar(path: &str, type_name: &str) -> FieldError {
    let kind = match type_name {
        "string" | "Guid" | "DateTime" => ValueKind::String,
        "bool" => ValueKind::Bool,
        "double" => ValueKind::Number,
        _ => ValueKind::Integer,
    };
    invalid(path, kind, type_name)
}

/// Whether a JSON value deserializes as the scalar type `type_name`.
fn scalar_fits(value: &Value, type_name: &str) -> bool {
    let int = |min: i128, max: i128| {
        value
            .as_i64()
            .map(i128::from)
            .or_else(|| value.as_u64().map(i128::from))
            .is_some_and(|n| n >= min && n <= max)
    };
    match type_name {
        "string" | "Guid" | "DateTime" => value.is_string(),
        "bool" => value.is_boolean(),
        "uint" => int(0, u32::MAX.into()),
        "ulong" => int(0, u64::MAX.into()),
        "int" => int(i32::MIN.into(), i32::MAX.into()),
        "long" => int(i64::MIN.into(), i64::MAX.into()),
        "double" => value.is_number(),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    crate::dto! {
        /// Inner.
        pub struct Inner {
            /// A name.
            name: Option<String> as "name" in body,
            /// Params.
            parameters: Option<BTreeMap<String, String>> as "parameters" in body,
        }
        /// Outer.
        pub struct Outer {
            /// Id.
            id: u32 as "id" in path,
            /// Flag.
            flag: Option<bool> as "flag" in query,
            /// Items.
            items: Option<Vec<Inner>> as "items" in body,
            /// Tags.
            tags: Option<Vec<String>> as "tags" in body,
            /// Params.
            parameters: Option<BTreeMap<String, String>> as "parameters" in body,
        }
    }

    fn messages(value: Value) -> Vec<(String, String)> {
        check(&value, &TypeInfo::of::<Outer>())
            .into_iter()
            .map(|e| (e.field_name, e.message))
            .collect()
    }

    #[test]
    fn names_the_member_and_what_it_expects_never_the_value() {
        let marker = "secretvalue-20";
        let cases = [
            (
                serde_json::json!({ "parameters": format!("tag={marker}") }),
                ("Parameters", "'Parameters' must be a map of strings"),
            ),
            (
                serde_json::json!({ "parameters": { marker: [marker] } }),
                ("Parameters", "'Parameters' must be a map of strings"),
            ),
            (
                serde_json::json!({ "ID": marker }),
                ("Id", "'Id' must be a whole number from 0 to 4294967295"),
            ),
            (
                serde_json::json!({ "id": -1 }),
                ("Id", "'Id' must be a whole number from 0 to 4294967295"),
            ),
            (
                serde_json::json!({ "flag": marker }),
                ("Flag", "'Flag' must be true or false"),
            ),
            (
                serde_json::json!({ "tags": [1, marker] }),
                ("Tags[0]", "'Tags[0]' must be a string"),
            ),
            (
                serde_json::json!({ "items": [{ "name": 5 }] }),
                ("Items[0].Name", "'Items[0].Name' must be a string"),
            ),
            (
                serde_json::json!({ "items": marker }),
                ("Items", "'Items' must be a list of Inner objects"),
            ),
        ];
        for (value, (field, message)) in cases {
            let found = messages(value.clone());
            assert_eq!(
                found,
                vec![(field.to_string(), message.to_string())],
                "{value}"
            );
        }
        assert!(messages(serde_json::json!({ "id": 3, "tags": ["a"], "x": marker })).is_empty());
    }
}
