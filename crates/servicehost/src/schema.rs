//! Type descriptions of request and response DTOs: the one place the router's binding,
//! the metadata pages and the generated clients learn a DTO's members from.

use serde::{de::DeserializeOwned, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Where a request member is read from on a user route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Path,
    Query,
    Body,
}

impl Binding {
    /// Used by [`crate::dto!`]; a typo in a declaration fails at compile time.
    pub const fn parse(word: &str) -> Binding {
        match word.as_bytes() {
            b"path" => Binding::Path,
            b"query" => Binding::Query,
            b"body" => Binding::Body,
            _ => panic!("binding must be path, query or body"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Binding::Path => "path",
            Binding::Query => "query",
            Binding::Body => "body",
        }
    }
}

/// The shape of a value, enough to read it from a query string or form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    String,
    Bool,
    Integer,
    Number,
    Map,
    List,
    Object,
}

/// A Rust type as it appears on the wire and on metadata pages.
pub trait WireType {
    /// The .NET-style type name shown in field tables (`string`, `uint`, `List<T>`).
    fn type_name() -> String;
    fn kind() -> ValueKind;
    /// The DTO this type is, or holds (for lists, maps and options), if any.
    fn nested() -> Option<fn() -> TypeInfo> {
        None
    }
    /// The XML element name of one item when this type is a list's item.
    fn item_element() -> String {
        Self::type_name()
    }
    /// Optional members may be left out of a request.
    fn optional() -> bool {
        false
    }
    /// Absent values are left out when writing (nulls are omitted on the wire).
    fn is_absent(&self) -> bool {
        false
    }
}

macro_rules! scalar_wire_type {
    ($($t:ty => $name:literal, $kind:ident;)*) => {
        $(impl WireType for $t {
            fn type_name() -> String { $name.into() }
            fn kind() -> ValueKind { ValueKind::$kind }
        })*
    };
}

scalar_wire_type! {
    String => "string", String;
    bool => "bool", Bool;
    u32 => "uint", Integer;
    u64 => "ulong", Integer;
    i32 => "int", Integer;
    i64 => "long", Integer;
    f64 => "double", Number;
}

impl<T: WireType> WireType for Option<T> {
    fn type_name() -> String {
        T::type_name()
    }
    fn kind() -> ValueKind {
        T::kind()
    }
    fn nested() -> Option<fn() -> TypeInfo> {
        T::nested()
    }
    fn item_element() -> String {
        T::item_element()
    }
    fn optional() -> bool {
        true
    }
    fn is_absent(&self) -> bool {
        self.is_none()
    }
}

impl<T: WireType> WireType for Vec<T> {
    fn type_name() -> String {
        format!("List<{}>", T::type_name())
    }
    fn kind() -> ValueKind {
        ValueKind::List
    }
    fn nested() -> Option<fn() -> TypeInfo> {
        T::nested()
    }
    fn item_element() -> String {
        T::item_element()
    }
}

impl<V: WireType> WireType for BTreeMap<String, V> {
    fn type_name() -> String {
        format!("Dictionary<string,{}>", V::type_name())
    }
    fn kind() -> ValueKind {
        ValueKind::Map
    }
}

impl<V: WireType> WireType for HashMap<String, V> {
    fn type_name() -> String {
        format!("Dictionary<string,{}>", V::type_name())
    }
    fn kind() -> ValueKind {
        ValueKind::Map
    }
}

impl WireType for crate::ResponseStatus {
    fn type_name() -> String {
        "ResponseStatus".into()
    }
    fn kind() -> ValueKind {
        ValueKind::Object
    }
    fn nested() -> Option<fn() -> TypeInfo> {
        Some(response_status_type)
    }
}

impl WireType for crate::FieldError {
    fn type_name() -> String {
        "ResponseError".into()
    }
    fn kind() -> ValueKind {
        ValueKind::Object
    }
    fn nested() -> Option<fn() -> TypeInfo> {
        Some(response_error_type)
    }
}

/// Namespace of ServiceStack's own types (ResponseStatus, ResponseError) in XML.
pub const SERVICESTACK_TYPES_NAMESPACE: &str = "http://schemas.servicestack.net/types";

fn member<T: WireType>(name: &'static str, description: &'static str) -> Member {
    Member {
        name,
        type_name: T::type_name(),
        kind: T::kind(),
        binding: Binding::Body,
        optional: T::optional(),
        description,
        nested: T::nested(),
        item_element: T::item_element(),
    }
}

/// ResponseStatus is ServiceStack's, not declared with `dto!`; described by hand.
pub fn response_status_type() -> TypeInfo {
    TypeInfo {
        name: "ResponseStatus",
        description: "The error of a failed request.",
        namespace: Some(SERVICESTACK_TYPES_NAMESPACE),
        base: None,
        members: vec![
            member::<String>("errorCode", "A code naming the error, e.g. NotFound."),
            member::<String>("message", "What went wrong."),
            member::<Option<String>>("stackTrace", "Only in debug mode."),
            member::<Vec<crate::FieldError>>("errors", "One entry per problem with a member."),
            member::<Option<BTreeMap<String, String>>>("meta", "Extra facts about the error."),
        ],
    }
}

pub fn response_error_type() -> TypeInfo {
    TypeInfo {
        name: "ResponseError",
        description: "One problem with one member of a request.",
        namespace: Some(SERVICESTACK_TYPES_NAMESPACE),
        base: None,
        members: vec![
            member::<String>("errorCode", "A code naming the problem."),
            member::<String>("fieldName", "The member, in PascalCase."),
            member::<String>("message", "What is wrong."),
            member::<Option<BTreeMap<String, String>>>(
                "meta",
                "Extra facts, e.g. the parameter's Name.",
            ),
        ],
    }
}

/// One member of a DTO.
#[derive(Debug, Clone)]
pub struct Member {
    /// The camelCase wire name.
    pub name: &'static str,
    pub type_name: String,
    pub kind: ValueKind,
    pub binding: Binding,
    pub optional: bool,
    pub description: &'static str,
    /// The DTO this member is or holds, for nested encoding and metadata.
    pub nested: Option<fn() -> TypeInfo>,
    /// XML element name of each item, for list members.
    pub item_element: String,
}

impl Member {
    /// PascalCase, as field errors and field tables name members.
    pub fn pascal_name(&self) -> String {
        pascal_case(self.name)
    }
}

pub fn pascal_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A request or response DTO.
pub trait Dto: Serialize + DeserializeOwned + Default + Send + Sync + 'static {
    const NAME: &'static str;
    const DESCRIPTION: &'static str;
    fn members() -> Vec<Member>;
    fn base() -> Option<fn() -> TypeInfo> {
        None
    }
}

/// A DTO's name and members, detached from its Rust type.
#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// An XML namespace of its own (ServiceStack's types); `None` means the host's.
    pub namespace: Option<&'static str>,
    /// The base type whose members this one inherits (they are listed in `members` too).
    pub base: Option<fn() -> TypeInfo>,
    pub members: Vec<Member>,
}

impl TypeInfo {
    pub fn of<T: Dto>() -> TypeInfo {
        TypeInfo {
            name: T::NAME,
            description: T::DESCRIPTION,
            namespace: None,
            base: T::base(),
            members: T::members(),
        }
    }

    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(name))
    }

    /// The members this type declares itself (not inherited from its base).
    pub fn own_members(&self) -> Vec<&Member> {
        let base = self.base.map(|b| b());
        self.members
            .iter()
            .filter(|m| base.as_ref().is_none_or(|b| b.member(m.name).is_none()))
            .collect()
    }
}

/// Declares a DTO once: the struct, its serde names and its member descriptions.
///
/// ```ignore
/// dto! {
///     /// Update one token set.
///     pub struct PutThingRequest {
///         /// The thing's id.
///         id: u32 as "id" in path,
///         parameters: Option<BTreeMap<String, String>> as "parameters" in body,
///     }
/// }
/// ```
///
/// A type declared with a base (`pub struct PutThingRequest : ThingBase { ... }`) gets the
/// base's members spliced in after its own: fields of the struct, and members of its
/// table (the base's declaration is the only one). A `describing { /// text  member, }`
/// block after the body gives an inherited member a description of its own in this
/// type. `pub struct X with Shared { ... }` splices `Shared`'s members the same way
/// without making it a base (metadata shows no inheritance). The base must be declared
/// with `dto!` earlier in the same module: each DTO also defines a macro of its name
/// that hands its members to the types built on it.
#[macro_export]
macro_rules! dto {
    // A type without a base: emitted, and its members offered to types built on it.
    (@one ($d:tt) [$($doc:literal),*] $name:ident [] [] { $($fields:tt)* } describing { }) => {
        $crate::dto!(@emit [$($doc),*] $name [] { $($fields)* } describing { } { });
        #[allow(unused_macros)]
        macro_rules! $name {
            (@extend $d($d derived:tt)*) => {
                $crate::dto!(@emit $d($d derived)* { $($fields)* });
            };
        }
    };
    // A type with a base: the base's macro adds its members and emits it.
    (@one ($d:tt) [$($doc:literal),*] $name:ident [$base:ident] [] { $($fields:tt)* }
        describing { $($described:tt)* }) => {
        $base!(@extend [$($doc),*] $name [$base] { $($fields)* } describing { $($described)* });
    };
    // Members shared without inheritance (`with Paging`): spliced, no base in metadata.
    (@one ($d:tt) [$($doc:literal),*] $name:ident [] [$shared:ident] { $($fields:tt)* }
        describing { $($described:tt)* }) => {
        $shared!(@extend [$($doc),*] $name [] { $($fields)* } describing { $($described)* });
    };
    (@emit [$($doc:literal),*] $name:ident [$($base:ident)?]
        { $( $(#[doc = $fdoc:literal])* $field:ident : $ty:ty as $wire:literal in $binding:ident ),* $(,)? }
        describing { $( $(#[doc = $ddoc:literal])* $described:ident ),* $(,)? }
        { $( $(#[doc = $bdoc:literal])* $bfield:ident : $bty:ty as $bwire:literal in $bbinding:ident ),* $(,)? }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(default)]
        pub struct $name {
            $(
                $(#[doc = $fdoc])*
                #[serde(rename = $wire, skip_serializing_if = "::servicehost::WireType::is_absent")]
                pub $field: $ty,
            )*
            $(
                $(#[doc = $bdoc])*
                #[serde(rename = $bwire, skip_serializing_if = "::servicehost::WireType::is_absent")]
                pub $bfield: $bty,
            )*
        }

        impl $crate::Dto for $name {
            const NAME: &'static str = stringify!($name);
            const DESCRIPTION: &'static str = concat!("" $(, $doc)*);
            fn members() -> Vec<$crate::Member> {
                #[allow(unused_mut)]
                let mut members: Vec<$crate::Member> = vec![$(
                    $crate::dto!(@member $ty, $wire, $binding, concat!("" $(, $fdoc)*))
                ),*];
                // Inherited members, with this type's own description where it gives one.
                #[allow(unused_variables)]
                let described: &[(&str, &str)] =
                    &[$((stringify!($described), concat!("" $(, $ddoc)*))),*];
                $(
                    let description = described
                        .iter()
                        .find(|(field, _)| *field == stringify!($bfield))
                        .map_or(concat!("" $(, $bdoc)*), |(_, text)| *text);
                    members.push($crate::dto!(@member $bty, $bwire, $bbinding, description));
                )*
                members
            }
            $(
                fn base() -> Option<fn() -> $crate::TypeInfo> {
                    Some($crate::TypeInfo::of::<$base>)
                }
            )?
        }

        impl $crate::WireType for $name {
            fn type_name() -> String { stringify!($name).into() }
            fn kind() -> $crate::ValueKind { $crate::ValueKind::Object }
            fn nested() -> Option<fn() -> $crate::TypeInfo> { Some($crate::TypeInfo::of::<$name>) }
        }
    };
    (@member $ty:ty, $wire:literal, $binding:ident, $description:expr) => {
        $crate::Member {
            name: $wire,
            type_name: <$ty as $crate::WireType>::type_name(),
            kind: <$ty as $crate::WireType>::kind(),
            binding: const { $crate::Binding::parse(stringify!($binding)) },
            optional: <$ty as $crate::WireType>::optional(),
            description: $description,
            nested: <$ty as $crate::WireType>::nested(),
            item_element: <$ty as $crate::WireType>::item_element(),
        }
    };
    ($(
        $(#[doc = $doc:literal])*
        pub struct $name:ident $(: $base:ident)? $(with $shared:ident)? { $($fields:tt)* }
        $(describing { $($described:tt)* })?
    )*) => {$(
        $crate::dto!(@one ($) [$($doc),*] $name [$($base)?] [$($shared)?] { $($fields)* }
            describing { $($($described)*)? });
    )*};
}
