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
    fn type_name() -> String {
        Self::type_ref().dotnet_name()
    }
    /// The declared type, in the vocabulary the generators map to each language.
    fn type_ref() -> TypeRef;
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
    ($($t:ty => $type_ref:ident, $kind:ident;)*) => {
        $(impl WireType for $t {
            fn type_ref() -> TypeRef { TypeRef::Scalar(Scalar::$type_ref) }
            fn kind() -> ValueKind { ValueKind::$kind }
        })*
    };
}

scalar_wire_type! {
    String => String, String;
    bool => Bool, Bool;
    u32 => UInt, Integer;
    u64 => ULong, Integer;
    i32 => Int, Integer;
    i64 => Long, Integer;
    f64 => Double, Number;
}

impl<T: WireType> WireType for Option<T> {
    fn type_ref() -> TypeRef {
        T::type_ref()
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
    fn type_ref() -> TypeRef {
        TypeRef::List(Box::new(T::type_ref()))
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
    fn type_ref() -> TypeRef {
        TypeRef::Map {
            value: Box::new(V::type_ref()),
            interface: false,
        }
    }
    fn kind() -> ValueKind {
        ValueKind::Map
    }
}

impl<V: WireType> WireType for HashMap<String, V> {
    fn type_ref() -> TypeRef {
        TypeRef::Map {
            value: Box::new(V::type_ref()),
            interface: false,
        }
    }
    fn kind() -> ValueKind {
        ValueKind::Map
    }
}

impl WireType for crate::ResponseStatus {
    fn type_ref() -> TypeRef {
        TypeRef::Type {
            name: "ResponseStatus",
            info: response_status_type,
        }
    }
    fn kind() -> ValueKind {
        ValueKind::Object
    }
    fn nested() -> Option<fn() -> TypeInfo> {
        Some(response_status_type)
    }
}

impl WireType for crate::FieldError {
    fn type_ref() -> TypeRef {
        TypeRef::Type {
            name: "ResponseError",
            info: response_error_type,
        }
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

/// The .NET namespace of ServiceStack's own types.
pub const SERVICESTACK_NAMESPACE: &str = "ServiceStack";

/// A member's declared type, in the small vocabulary every generator maps to its
/// language (`uint` is Kotlin `Long`, `Guid` is Java `UUID`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar {
    String,
    UInt,
    Int,
    ULong,
    Long,
    Double,
    Bool,
    Guid,
    DateTime,
}

impl Scalar {
    /// The C# name, as field tables and `/types/metadata` show it.
    pub fn dotnet_name(self) -> &'static str {
        match self {
            Scalar::String => "string",
            Scalar::UInt => "uint",
            Scalar::Int => "int",
            Scalar::ULong => "ulong",
            Scalar::Long => "long",
            Scalar::Double => "double",
            Scalar::Bool => "bool",
            Scalar::Guid => "Guid",
            Scalar::DateTime => "DateTime",
        }
    }

    /// .NET value types (not nullable unless declared so).
    pub fn is_value_type(self) -> bool {
        !matches!(self, Scalar::String)
    }
}

/// The declared type of a member.
#[derive(Debug, Clone)]
pub enum TypeRef {
    Scalar(Scalar),
    /// `Dictionary<string,V>`, or `IDictionary<string,V>` when `interface`.
    Map {
        value: Box<TypeRef>,
        interface: bool,
    },
    List(Box<TypeRef>),
    /// An interface: a value's concrete type travels as a `__type` hint in JSON.
    Interface {
        name: &'static str,
        info: fn() -> TypeInfo,
    },
    /// A class (a DTO).
    Type {
        name: &'static str,
        info: fn() -> TypeInfo,
    },
}

impl TypeRef {
    /// `string`, `uint`, `List<IAffiliateProgram>`, `Dictionary<string,string>`.
    pub fn dotnet_name(&self) -> String {
        match self {
            TypeRef::Scalar(scalar) => scalar.dotnet_name().into(),
            TypeRef::Map { value, interface } => format!(
                "{}Dictionary<string,{}>",
                if *interface { "I" } else { "" },
                value.dotnet_name()
            ),
            TypeRef::List(item) => format!("List<{}>", item.dotnet_name()),
            TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
        }
    }

    /// The type this one is or holds (a list's item, a map's value).
    pub fn innermost(&self) -> &TypeRef {
        match self {
            TypeRef::List(inner) | TypeRef::Map { value: inner, .. } => inner.innermost(),
            other => other,
        }
    }

    /// The declared type (class or interface) this one is or holds, if any.
    pub fn referenced(&self) -> Option<fn() -> TypeInfo> {
        match self.innermost() {
            TypeRef::Interface { info, .. } | TypeRef::Type { info, .. } => Some(*info),
            _ => None,
        }
    }

    /// The same shape with its string scalar (or items) declared as `scalar` instead.
    fn with_scalar(self, scalar: Scalar) -> TypeRef {
        match self {
            TypeRef::Scalar(_) => TypeRef::Scalar(scalar),
            TypeRef::List(item) => TypeRef::List(Box::new(item.with_scalar(scalar))),
            other => other,
        }
    }
}

/// How a member's `[DataMember]` attribute is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataMemberForm {
    /// `[DataMember(Name="x")]`: the wire name everywhere, XML included.
    Named,
    /// `[DataMember]`: camelCase of the property in JSON/JSV, the property name in XML.
    Bare,
    /// No attribute (interface members, classes without `[DataContract]`): named as
    /// `Bare`.
    Absent,
}

/// Builds a member outside `dto!` (ServiceStack's own types, described by hand).
pub(crate) fn member<T: WireType>(name: &'static str, description: &'static str) -> Member {
    Member::of::<T>(name, pascal_case(name), Binding::Body, description)
}

/// ResponseStatus is ServiceStack's, not declared with `dto!`; described by hand.
pub fn response_status_type() -> TypeInfo {
    TypeInfo::new(
        "ResponseStatus",
        "The error of a failed request.",
        vec![
            member::<String>("errorCode", "A code naming the error, e.g. NotFound."),
            member::<String>("message", "What went wrong."),
            member::<Option<String>>("stackTrace", "Only in debug mode."),
            member::<Vec<crate::FieldError>>("errors", "One entry per problem with a member."),
            member::<Option<BTreeMap<String, String>>>("meta", "Extra facts about the error."),
        ],
    )
    .in_namespace(SERVICESTACK_NAMESPACE)
}

pub fn response_error_type() -> TypeInfo {
    TypeInfo::new(
        "ResponseError",
        "One problem with one member of a request.",
        vec![
            member::<String>("errorCode", "A code naming the problem."),
            member::<String>("fieldName", "The member, in PascalCase."),
            member::<String>("message", "What is wrong."),
            member::<Option<BTreeMap<String, String>>>(
                "meta",
                "Extra facts, e.g. the parameter's Name.",
            ),
        ],
    )
    .in_namespace(SERVICESTACK_NAMESPACE)
}

/// One member of a DTO.
#[derive(Debug, Clone)]
pub struct Member {
    /// The camelCase wire name (JSON, JSV, CSV, query strings).
    pub name: &'static str,
    /// The .NET property name (`AffiliatePrograms`, even when the wire name differs).
    pub property: String,
    /// Declared type.
    pub ty: TypeRef,
    /// `ty` by its C# name, for field tables and messages.
    pub type_name: String,
    pub kind: ValueKind,
    pub binding: Binding,
    pub optional: bool,
    /// `[DataMember(IsRequired=true)]`.
    pub is_required: bool,
    /// `[DataMember(Order=n)]`.
    pub order: Option<u32>,
    pub data_member: DataMemberForm,
    pub description: &'static str,
    /// The DTO this member is or holds, for nested encoding and metadata: the concrete
    /// class where `ty` names an interface.
    pub nested: Option<fn() -> TypeInfo>,
    /// XML element name of each item, for list members.
    pub item_element: String,
}

impl Member {
    /// A member of Rust type `T`; `dto!` calls this, then the declaration's modifiers.
    pub fn of<T: WireType>(
        name: &'static str,
        property: String,
        binding: Binding,
        description: &'static str,
    ) -> Member {
        let ty = T::type_ref();
        Member {
            name,
            property,
            type_name: ty.dotnet_name(),
            ty,
            kind: T::kind(),
            binding,
            optional: T::optional(),
            is_required: false,
            order: None,
            data_member: DataMemberForm::Named,
            description,
            nested: T::nested(),
            item_element: T::item_element(),
        }
    }

    /// PascalCase, as field errors and field tables name members.
    pub fn pascal_name(&self) -> String {
        pascal_case(self.name)
    }

    /// The element name in DataContract XML: the DataMember's Name, else the property.
    pub fn xml_name(&self) -> String {
        match self.data_member {
            DataMemberForm::Named => self.name.to_string(),
            DataMemberForm::Bare | DataMemberForm::Absent => self.property.clone(),
        }
    }

    /// Declared `[DataMember(IsRequired=true)]`.
    pub fn required(mut self) -> Member {
        self.is_required = true;
        self
    }

    /// Declared with a bare `[DataMember]` (no Name).
    pub fn bare(mut self) -> Member {
        self.data_member = DataMemberForm::Bare;
        self
    }

    /// Declared without a `[DataMember]` attribute.
    pub fn no_data_member(mut self) -> Member {
        self.data_member = DataMemberForm::Absent;
        self
    }

    pub fn order(mut self, order: u32) -> Member {
        self.order = Some(order);
        self
    }

    /// Declared `Guid` (travels as a string).
    pub fn guid(self) -> Member {
        self.declared_scalar(Scalar::Guid)
    }

    /// Declared `DateTime` (travels as an ISO-8601 string).
    pub fn datetime(self) -> Member {
        self.declared_scalar(Scalar::DateTime)
    }

    /// Declared `IDictionary<string,V>` instead of `Dictionary<string,V>`.
    pub fn idictionary(mut self) -> Member {
        if let TypeRef::Map { value, .. } = self.ty {
            self.ty = TypeRef::Map {
                value,
                interface: true,
            };
        }
        self.type_name = self.ty.dotnet_name();
        self
    }

    /// Declared `List<I>` of the interface `I`; the items stay the Rust type's class,
    /// named in each item's `__type` hint.
    pub fn interface_items<I: Dto>(mut self) -> Member {
        self.ty = TypeRef::List(Box::new(TypeRef::Interface {
            name: I::NAME,
            info: TypeInfo::of::<I>,
        }));
        self.type_name = self.ty.dotnet_name();
        self
    }

    fn declared_scalar(mut self, scalar: Scalar) -> Member {
        self.ty = self.ty.with_scalar(scalar);
        self.type_name = self.ty.dotnet_name();
        self
    }

    /// The interface this member's values are declared as, if any (list items included).
    pub fn declared_interface(&self) -> Option<fn() -> TypeInfo> {
        match self.ty.innermost() {
            TypeRef::Interface { info, .. } => Some(*info),
            _ => None,
        }
    }
}

pub fn pascal_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `affiliate_tokens_set_guid` -> `AffiliateTokensSetGuid`: a Rust field's .NET property.
pub fn pascal_from_snake(name: &str) -> String {
    name.split('_').map(pascal_case).collect()
}

/// A request or response DTO.
pub trait Dto: Serialize + DeserializeOwned + Default + Send + Sync + 'static {
    const NAME: &'static str;
    const DESCRIPTION: &'static str;
    fn members() -> Vec<Member>;
    fn base() -> Option<fn() -> TypeInfo> {
        None
    }
    /// The type-level declarations (`[interface, in_namespace(..), implements::<I>]`).
    fn declare(info: TypeInfo) -> TypeInfo {
        info
    }
}

/// Class or interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    Class,
    Interface,
}

/// A DTO's name and members, detached from its Rust type.
#[derive(Debug, Clone)]
pub struct TypeInfo {
    pub name: &'static str,
    pub description: &'static str,
    /// The .NET namespace it declares; `None` is the host's for its role (requests,
    /// responses).
    pub namespace: Option<&'static str>,
    pub kind: TypeKind,
    /// Whether the class carries `[DataContract]`.
    pub data_contract: bool,
    /// The base type whose members this one inherits (they are listed in `members` too).
    pub base: Option<fn() -> TypeInfo>,
    /// The interfaces it implements.
    pub interfaces: Vec<fn() -> TypeInfo>,
    pub members: Vec<Member>,
}

impl TypeInfo {
    /// A `[DataContract]` class in the host's namespace, without base or interfaces.
    pub fn new(name: &'static str, description: &'static str, members: Vec<Member>) -> TypeInfo {
        TypeInfo {
            name,
            description,
            namespace: None,
            kind: TypeKind::Class,
            data_contract: true,
            base: None,
            interfaces: Vec::new(),
            members,
        }
    }

    pub fn of<T: Dto>() -> TypeInfo {
        let mut info = TypeInfo::new(T::NAME, T::DESCRIPTION, T::members());
        info.base = T::base();
        T::declare(info)
    }

    pub fn in_namespace(mut self, namespace: &'static str) -> TypeInfo {
        self.namespace = Some(namespace);
        self
    }

    /// An interface (no `[DataContract]`, members without `[DataMember]`).
    pub fn interface(mut self) -> TypeInfo {
        self.kind = TypeKind::Interface;
        self.data_contract = false;
        self.members = self
            .members
            .into_iter()
            .map(Member::no_data_member)
            .collect();
        self
    }

    pub fn implements<I: Dto>(mut self) -> TypeInfo {
        self.interfaces.push(TypeInfo::of::<I>);
        self
    }

    /// A class without `[DataContract]`.
    pub fn no_data_contract(mut self) -> TypeInfo {
        self.data_contract = false;
        self
    }

    pub fn is_interface(&self) -> bool {
        self.kind == TypeKind::Interface
    }

    /// The XML namespace it declares, if it declares a .NET namespace.
    pub fn xml_namespace(&self) -> Option<String> {
        self.namespace.map(xml_namespace_of)
    }

    /// `Namespace.Name`, with `default` when the type declares none.
    pub fn full_name(&self, default: &str) -> String {
        format!("{}.{}", self.namespace.unwrap_or(default), self.name)
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

/// DataContract's XML namespace of a .NET namespace (ServiceStack's types have their own).
pub fn xml_namespace_of(namespace: &str) -> String {
    if namespace == SERVICESTACK_NAMESPACE {
        SERVICESTACK_TYPES_NAMESPACE.to_string()
    } else {
        format!("http://schemas.datacontract.org/2004/07/{namespace}")
    }
}

/// Declares a DTO once: the struct, its serde names and its member descriptions.
///
/// ```ignore
/// dto! {
///     /// Update one token set.
///     pub struct PutThingRequest [in_namespace(REQUESTS)] {
///         /// The thing's id.
///         id: u32 as "id" in path [required],
///         parameters: Option<BTreeMap<String, String>> as "parameters" in body,
///         success: bool as "success" in body [bare],
///     }
/// }
/// ```
///
/// A member's `[..]` after its binding declares what its Rust type does not say, each
/// a [`Member`] method: `required` (`IsRequired=true`), `bare` (a `[DataMember]`
/// without Name), `order(n)`, `guid`, `datetime`, `idictionary`,
/// `interface_items::<I>` (declared `List<I>` of an interface). The type's `[..]` after
/// its name (and base) are [`TypeInfo`] methods: `interface`, `in_namespace(ns)`,
/// `implements::<I>`, `no_data_contract`. The .NET property name is the field's
/// name in PascalCase.
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
    (@one ($d:tt) [$($doc:literal),*] $name:ident [] [] [$($declared:tt)*] { $($fields:tt)* } describing { }) => {
        $crate::dto!(@emit [$($doc),*] $name [] [$($declared)*] { $($fields)* } describing { } { });
        #[allow(unused_macros)]
        macro_rules! $name {
            (@extend $d($d derived:tt)*) => {
                $crate::dto!(@emit $d($d derived)* { $($fields)* });
            };
        }
    };
    // A type with a base: the base's macro adds its members and emits it.
    (@one ($d:tt) [$($doc:literal),*] $name:ident [$base:ident] [] [$($declared:tt)*] { $($fields:tt)* }
        describing { $($described:tt)* }) => {
        $base!(@extend [$($doc),*] $name [$base] [$($declared)*] { $($fields)* } describing { $($described)* });
    };
    // Members shared without inheritance (`with Paging`): spliced, no base in metadata.
    (@one ($d:tt) [$($doc:literal),*] $name:ident [] [$shared:ident] [$($declared:tt)*] { $($fields:tt)* }
        describing { $($described:tt)* }) => {
        $shared!(@extend [$($doc),*] $name [] [$($declared)*] { $($fields)* } describing { $($described)* });
    };
    (@emit [$($doc:literal),*] $name:ident [$($base:ident)?] [$($declared:tt)*]
        { $( $(#[doc = $fdoc:literal])* $field:ident : $ty:ty as $wire:literal in $binding:ident $([$($modifier:tt)*])? ),* $(,)? }
        describing { $( $(#[doc = $ddoc:literal])* $described:ident ),* $(,)? }
        { $( $(#[doc = $bdoc:literal])* $bfield:ident : $bty:ty as $bwire:literal in $bbinding:ident $([$($bmodifier:tt)*])? ),* $(,)? }
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
                    $crate::dto!(@modify
                        ($crate::dto!(@member $ty, $field, $wire, $binding, concat!("" $(, $fdoc)*)))
                        [$($($modifier)*)?])
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
                    members.push($crate::dto!(@modify
                        ($crate::dto!(@member $bty, $bfield, $bwire, $bbinding, description))
                        [$($($bmodifier)*)?]));
                )*
                members
            }
            $(
                fn base() -> Option<fn() -> $crate::TypeInfo> {
                    Some($crate::TypeInfo::of::<$base>)
                }
            )?
            fn declare(info: $crate::TypeInfo) -> $crate::TypeInfo {
                $crate::dto!(@modify (info) [$($declared)*])
            }
        }

        impl $crate::WireType for $name {
            fn type_name() -> String { stringify!($name).into() }
            fn type_ref() -> $crate::TypeRef {
                $crate::TypeRef::Type { name: stringify!($name), info: $crate::TypeInfo::of::<$name> }
            }
            fn kind() -> $crate::ValueKind { $crate::ValueKind::Object }
            fn nested() -> Option<fn() -> $crate::TypeInfo> { Some($crate::TypeInfo::of::<$name>) }
        }
    };
    (@member $ty:ty, $field:ident, $wire:literal, $binding:ident, $description:expr) => {
        $crate::Member::of::<$ty>(
            $wire,
            $crate::pascal_from_snake(stringify!($field)),
            const { $crate::Binding::parse(stringify!($binding)) },
            $description,
        )
    };
    // Declarations as method calls: `[required, order(2), interface_items::<I>]`.
    (@modify ($value:expr) [$($method:ident $(::<$generic:ty>)? $(($($arg:tt)*))?),* $(,)?]) => {
        $value $(.$method $(::<$generic>)? ($($($arg)*)?))*
    };
    ($(
        $(#[doc = $doc:literal])*
        pub struct $name:ident $(: $base:ident)? $(with $shared:ident)? $([$($declared:tt)*])? { $($fields:tt)* }
        $(describing { $($described:tt)* })?
    )*) => {$(
        $crate::dto!(@one ($) [$($doc),*] $name [$($base)?] [$($shared)?] [$($($declared)*)?] { $($fields)* }
            describing { $($($described)*)? });
    )*};
}
