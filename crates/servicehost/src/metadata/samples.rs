//! The placeholder DTOs of the metadata pages' sample HTTP, filled as ServiceStack fills
//! them: `String`, `0`, `false`, an all-zero Guid, one item per list and one key per map.
//! A member typed as an interface cannot be built, so it is left out, and a list of
//! interface items holds one empty object (`[{}]`).

use crate::{Member, Scalar, TypeInfo, TypeRef};
use serde_json::{json, Map, Value};

/// .NET's `DateTime.MinValue` as ServiceStack writes it in JSON...
pub const DATETIME_SAMPLE: &str = "0001-01-01T00:00:00.0000000";
/// ...and in JSV, which drops a midnight time.
pub const DATETIME_SAMPLE_JSV: &str = "0001-01-01";

/// The sample as JSV writes it: dates at midnight as the date alone.
pub fn jsv_sample(value: &Value) -> Value {
    match value {
        Value::String(text) if text == DATETIME_SAMPLE => json!(DATETIME_SAMPLE_JSV),
        Value::Array(items) => Value::Array(items.iter().map(jsv_sample).collect()),
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(k, v)| (k.clone(), jsv_sample(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Nesting beyond this depth is shown empty, so self-referencing types end.
const MAX_DEPTH: usize = 3;

pub fn sample_value(ty: &TypeInfo, depth: usize) -> Value {
    Sample {
        maps_of_interfaces: false,
    }
    .value(ty, depth)
}

/// The XML page's sample, which fills `IDictionary` members too (as the original's shows
/// an `affiliateTokens` map where its JSON samples have none).
pub fn xml_sample_value(ty: &TypeInfo, depth: usize) -> Value {
    Sample {
        maps_of_interfaces: true,
    }
    .value(ty, depth)
}

struct Sample {
    maps_of_interfaces: bool,
}

impl Sample {
    fn value(&self, ty: &TypeInfo, depth: usize) -> Value {
        let mut object = Map::new();
        for member in &ty.members {
            if let Some(value) = self.member(member, depth) {
                object.insert(member.name.to_string(), value);
            }
        }
        Value::Object(object)
    }

    fn member(&self, member: &Member, depth: usize) -> Option<Value> {
        let fillable_map = self.maps_of_interfaces && matches!(member.ty, TypeRef::Map { .. });
        if is_interface(&member.ty) && !fillable_map {
            return None;
        }
        let nested = member.nested.map(|n| n());
        Some(match &member.ty {
            TypeRef::Map { .. } => json!({ "String": "String" }),
            TypeRef::List(item) => match (item.as_ref(), nested) {
                (item, _) if is_interface(item) => json!([{}]),
                (_, Some(item)) if depth < MAX_DEPTH => json!([self.value(&item, depth + 1)]),
                (_, Some(_)) => json!([]),
                (item, None) => json!([scalar(item)]),
            },
            TypeRef::Type { .. } => match nested {
                Some(item) if depth < MAX_DEPTH => self.value(&item, depth + 1),
                _ => json!({}),
            },
            other => scalar(other),
        })
    }
}

fn scalar(ty: &TypeRef) -> Value {
    match ty {
        TypeRef::Scalar(Scalar::Bool) => json!(false),
        TypeRef::Scalar(Scalar::UInt | Scalar::Int | Scalar::ULong | Scalar::Long) => json!(0),
        TypeRef::Scalar(Scalar::Double) => json!(0.0),
        TypeRef::Scalar(Scalar::Guid) => json!("00000000000000000000000000000000"),
        TypeRef::Scalar(Scalar::DateTime) => json!(DATETIME_SAMPLE),
        _ => json!("String"),
    }
}

/// A value that cannot be built: an interface, `IDictionary` included.
fn is_interface(ty: &TypeRef) -> bool {
    matches!(
        ty,
        TypeRef::Interface { .. }
            | TypeRef::Map {
                interface: true,
                ..
            }
    )
}
