//! What Java and Kotlin share: the JVM type names of the vocabulary, the gson
//! `@SerializedName` for named DataMembers, and which members a class overrides.

use super::emit::camel_case;
use crate::{Member, Scalar, TypeInfo, TypeRef};

/// `Long` for `uint` (the JVM has no unsigned int), `UUID`, `Date`, `HashMap`, `ArrayList`.
pub fn jvm_type(ty: &TypeRef, int: &str) -> String {
    match ty {
        TypeRef::Scalar(scalar) => match scalar {
            Scalar::String => "String".into(),
            Scalar::UInt | Scalar::Long | Scalar::ULong => "Long".into(),
            Scalar::Int => int.into(),
            Scalar::Double => "Double".into(),
            Scalar::Bool => "Boolean".into(),
            Scalar::Guid => "UUID".into(),
            Scalar::DateTime => "Date".into(),
        },
        TypeRef::Map { value, .. } => format!("HashMap<String,{}>", jvm_type(value, int)),
        TypeRef::List(item) => format!("ArrayList<{}>", jvm_type(item, int)),
        TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
    }
}

/// The field name: the property in camelCase (the wire name travels in `@SerializedName`).
pub fn field_name(member: &Member) -> String {
    camel_case(&member.property)
}

/// The properties a class's interfaces declare (Kotlin marks them `override`).
pub fn interface_properties(ty: &TypeInfo) -> Vec<String> {
    let mut properties = Vec::new();
    let mut pending: Vec<TypeInfo> = ty.interfaces.iter().map(|i| i()).collect();
    while let Some(interface) = pending.pop() {
        properties.extend(interface.members.iter().map(|m| m.property.clone()));
        pending.extend(interface.interfaces.iter().map(|i| i()));
    }
    properties
}
