//! The placeholder DTOs of the metadata pages' sample HTTP, filled as ServiceStack fills
//! them: `String`, `0`, `false`, an all-zero Guid, one item per list and one key per map.
//! A member typed as an interface cannot be built, so it is left out, and a list of
//! interface items holds one empty object (`[{}]`).

use crate::{Member, TypeInfo, ValueKind};
use serde_json::{json, Map, Value};

/// Nesting beyond this depth is shown empty, so self-referencing types end.
const MAX_DEPTH: usize = 3;

pub fn sample_value(ty: &TypeInfo, depth: usize) -> Value {
    let mut object = Map::new();
    for member in &ty.members {
        if let Some(value) = sample_member(member, depth) {
            object.insert(member.name.to_string(), value);
        }
    }
    Value::Object(object)
}

fn sample_member(member: &Member, depth: usize) -> Option<Value> {
    if is_interface(&member.type_name) {
        return None;
    }
    let nested = member.nested.map(|n| n());
    Some(match member.kind {
        ValueKind::Map => json!({ "String": "String" }),
        ValueKind::List => {
            let item = list_item_type(&member.type_name);
            match nested {
                _ if is_interface(item) => json!([{}]),
                Some(item) if depth < MAX_DEPTH => json!([sample_value(&item, depth + 1)]),
                Some(_) => json!([]),
                None => json!([scalar(item)]),
            }
        }
        ValueKind::Object => match nested {
            Some(item) if depth < MAX_DEPTH => sample_value(&item, depth + 1),
            _ => json!({}),
        },
        _ => scalar(&member.type_name),
    })
}

fn scalar(type_name: &str) -> Value {
    match type_name {
        "bool" => json!(false),
        "uint" | "int" | "long" | "ulong" => json!(0),
        "double" => json!(0.0),
        "Guid" => json!("00000000000000000000000000000000"),
        _ => json!("String"),
    }
}

/// `T` of `List<T>` (the name itself for anything else).
fn list_item_type(type_name: &str) -> &str {
    type_name
        .strip_prefix("List<")
        .and_then(|rest| rest.strip_suffix('>'))
        .unwrap_or(type_name)
}

/// .NET's naming rule for interfaces: `I` and a capital (`IAffiliateProgram`, `IDictionary<..>`).
pub fn is_interface(type_name: &str) -> bool {
    let mut chars = type_name.chars();
    chars.next() == Some('I') && chars.next().is_some_and(|c| c.is_ascii_uppercase())
}
