//! DataContract XML, as .NET's DataContractSerializer writes and reads it (wire spec
//! section 7), laid out by the type model:
//! - the root element is the DTO's name in its contract namespace
//!   (`http://schemas.datacontract.org/2004/07/{namespace}`);
//! - a member's element is named by its DataMember (`Name` when given, else the
//!   property), in the namespace of the class that declares it; a class without
//!   `[DataContract]` is serialised by its property names, and ServiceStack's own types
//!   (ResponseStatus, ResponseError) by their PascalCase properties in declared order;
//! - order: the base class's members first, then each class's own members without an
//!   `Order` in ordinal order of their element names, then those with one, by it;
//! - an element whose content is in another namespace declares it, with the prefix
//!   DataContractSerializer gives it (`d{depth}p1`, the element's depth, the root being 1);
//! - nulls are written `i:nil="true"`; maps are `KeyValueOfstringstring` items and lists of
//!   scalars `string`, `int`... items in the Arrays namespace; a list of a class has one
//!   element per item named by the class; items of an interface type are `anyType` with
//!   an `i:type` naming the concrete class.
//!
//! Reading accepts the same (prefixes as declared, elements matched by name ignoring case,
//! `i:nil` as absent) and refuses DTDs, and so every external entity, outright.

use crate::{xml_namespace_of, Member, Scalar, TypeInfo, TypeRef, SERVICESTACK_NAMESPACE};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};
use std::fmt::Write;

const ARRAYS_NAMESPACE: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
const INSTANCE_NAMESPACE: &str = "http://www.w3.org/2001/XMLSchema-instance";
const MAX_DEPTH: usize = 64;

pub fn encode(value: &Value, ty: &TypeInfo, namespace: &str) -> String {
    let mut writer = XmlWriter::new(ty, namespace);
    writer.root(ty.name, |writer| writer.class_members(value, ty, 1));
    writer.out
}

/// `ArrayOf{Name}` with one `{Name}` element per response, as DataContract lists are.
pub fn encode_list(values: &[Value], ty: &TypeInfo, namespace: &str) -> String {
    let mut writer = XmlWriter::new(ty, namespace);
    let root = format!("ArrayOf{}", ty.name);
    writer.root(&root, |writer| {
        for value in values {
            let _ = write!(writer.out, "<{}>", ty.name);
            writer.class_members(value, ty, 2);
            let _ = write!(writer.out, "</{}>", ty.name);
        }
    });
    writer.out
}

/// A member as DataContract sees it: its element name and the namespace it is in.
struct ContractMember<'t> {
    element: String,
    namespace: String,
    member: &'t Member,
}

/// The members of `ty` in DataContract order, each in its declaring class's namespace.
fn contract_members<'t>(ty: &'t TypeInfo, default: &str) -> Vec<ContractMember<'t>> {
    let mut chain = base_chain(ty);
    chain.push(ty.clone());
    let mut out = Vec::new();
    for (level, class) in chain.iter().enumerate() {
        let below = level.checked_sub(1).map(|l| &chain[l]);
        let namespace = contract_namespace(class, default);
        let servicestack = class.namespace == Some(SERVICESTACK_NAMESPACE);
        let mut declared_here: Vec<ContractMember> = ty
            .members
            .iter()
            .filter(|m| class.member(m.name).is_some())
            .filter(|m| below.is_none_or(|b| b.member(m.name).is_none()))
            .map(|member| ContractMember {
                element: if servicestack || !class.data_contract {
                    member.property.clone()
                } else {
                    member.xml_name()
                },
                namespace: namespace.clone(),
                member,
            })
            .collect();
        // ServiceStack's types declare an Order on every member: their declared order.
        if !servicestack {
            // Ordinal (byte) order, capitals first; members with an Order after, by it.
            declared_here.sort_by(|a, b| {
                (
                    a.member.order.is_some(),
                    a.member.order,
                    a.element.as_bytes(),
                )
                    .cmp(&(
                        b.member.order.is_some(),
                        b.member.order,
                        b.element.as_bytes(),
                    ))
            });
        }
        out.extend(declared_here);
    }
    out
}

/// The chain of base classes of `ty`, the root class first.
fn base_chain(ty: &TypeInfo) -> Vec<TypeInfo> {
    let mut chain = Vec::new();
    let mut current = ty.base.map(|b| b());
    while let Some(base) = current {
        current = base.base.map(|b| b());
        chain.push(base);
        if chain.len() > MAX_DEPTH {
            break;
        }
    }
    chain.reverse();
    chain
}

/// A class's contract namespace: its own .NET namespace's, else the host's `default`.
fn contract_namespace(ty: &TypeInfo, default: &str) -> String {
    ty.xml_namespace().unwrap_or_else(|| default.to_string())
}

struct XmlWriter {
    out: String,
    /// The root's namespace: unprefixed everywhere below it.
    default_namespace: String,
    /// Namespaces declared on the open elements, innermost last: (namespace, prefix).
    declared: Vec<(String, String)>,
}

impl XmlWriter {
    fn new(ty: &TypeInfo, namespace: &str) -> XmlWriter {
        XmlWriter {
            out: String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#),
            default_namespace: ty
                .xml_namespace()
                .unwrap_or_else(|| xml_namespace_of(namespace)),
            declared: Vec::new(),
        }
    }

    fn root(&mut self, name: &str, content: impl FnOnce(&mut XmlWriter)) {
        let _ = write!(
            self.out,
            r#"<{name} xmlns:i="{INSTANCE_NAMESPACE}" xmlns="{}">"#,
            self.default_namespace
        );
        content(self);
        let _ = write!(self.out, "</{name}>");
    }

    fn prefix_in_scope(&self, namespace: &str) -> Option<String> {
        if namespace == self.default_namespace {
            return Some(String::new());
        }
        self.declared
            .iter()
            .rev()
            .find(|(ns, _)| ns == namespace)
            .map(|(_, prefix)| prefix.clone())
    }

    fn qualified(prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}:{name}")
        }
    }

    /// Opens `<name>` (in the namespace of `prefix`) whose content is in `content_namespace`;
    /// declares that namespace here when it is not in scope. Returns the element's
    /// qualified name and the content's prefix; `close` must follow.
    fn open(
        &mut self,
        prefix: &str,
        name: &str,
        content_namespace: Option<&str>,
        depth: usize,
        attributes: &str,
    ) -> (String, String, bool) {
        let qualified = Self::qualified(prefix, name);
        let _ = write!(self.out, "<{qualified}{attributes}");
        let (content_prefix, pushed) = match content_namespace {
            None => (prefix.to_string(), false),
            Some(ns) => match self.prefix_in_scope(ns) {
                Some(existing) => (existing, false),
                None => {
                    let new_prefix = format!("d{depth}p1");
                    let _ = write!(self.out, r#" xmlns:{new_prefix}="{ns}""#);
                    self.declared.push((ns.to_string(), new_prefix.clone()));
                    (new_prefix, true)
                }
            },
        };
        self.out.push('>');
        (qualified, content_prefix, pushed)
    }

    fn close(&mut self, qualified: &str, pushed: bool) {
        let _ = write!(self.out, "</{qualified}>");
        if pushed {
            self.declared.pop();
        }
    }

    /// The members of a class value at `depth` (its element's depth).
    fn class_members(&mut self, value: &Value, ty: &TypeInfo, depth: usize) {
        let default = self.default_namespace.clone();
        for entry in contract_members(ty, &default) {
            let prefix = self.prefix_in_scope(&entry.namespace).unwrap_or_default();
            let member_value = value.get(entry.member.name).unwrap_or(&Value::Null);
            self.member(
                &prefix,
                &entry.element,
                member_value,
                entry.member,
                depth + 1,
            );
        }
    }

    fn nil(&mut self, prefix: &str, name: &str) {
        let _ = write!(
            self.out,
            r#"<{} i:nil="true"/>"#,
            Self::qualified(prefix, name)
        );
    }

    fn scalar(&mut self, prefix: &str, name: &str, value: &Value) {
        let qualified = Self::qualified(prefix, name);
        let _ = write!(
            self.out,
            "<{qualified}>{}</{qualified}>",
            escape(&text_of(value))
        );
    }

    fn member(&mut self, prefix: &str, name: &str, value: &Value, member: &Member, depth: usize) {
        if value.is_null() {
            return self.nil(prefix, name);
        }
        let nested = member.nested.map(|n| n());
        match (&member.ty, nested) {
            (TypeRef::Map { .. }, _) => self.map(prefix, name, value, depth),
            (TypeRef::List(item), nested) => {
                self.list(prefix, name, value, item, nested.as_ref(), depth)
            }
            (TypeRef::Interface { .. }, Some(concrete)) => {
                self.typed_object(prefix, name, value, &concrete, depth)
            }
            (TypeRef::Type { .. }, Some(nested)) => {
                self.object(prefix, name, value, &nested, depth)
            }
            _ => self.scalar(prefix, name, value),
        }
    }

    fn object(&mut self, prefix: &str, name: &str, value: &Value, ty: &TypeInfo, depth: usize) {
        let default = self.default_namespace.clone();
        let namespace = contract_namespace(ty, &default);
        let (qualified, _, pushed) = self.open(prefix, name, Some(&namespace), depth, "");
        self.class_members(value, ty, depth);
        self.close(&qualified, pushed);
    }

    /// A value declared as an interface: its concrete class named by `i:type`.
    fn typed_object(
        &mut self,
        prefix: &str,
        name: &str,
        value: &Value,
        concrete: &TypeInfo,
        depth: usize,
    ) {
        let default = self.default_namespace.clone();
        let namespace = contract_namespace(concrete, &default);
        let qualified = Self::qualified(prefix, name);
        let (type_prefix, declaration, pushed) = match self.prefix_in_scope(&namespace) {
            Some(existing) => (existing, String::new(), false),
            None => {
                let new_prefix = format!("d{depth}p1");
                let declaration = format!(r#" xmlns:{new_prefix}="{namespace}""#);
                self.declared.push((namespace.clone(), new_prefix.clone()));
                (new_prefix, declaration, true)
            }
        };
        let _ = write!(
            self.out,
            r#"<{qualified} i:type="{}"{declaration}>"#,
            Self::qualified(&type_prefix, concrete.name)
        );
        self.class_members(value, concrete, depth);
        self.close(&qualified, pushed);
    }

    fn map(&mut self, prefix: &str, name: &str, value: &Value, depth: usize) {
        let (qualified, p, pushed) = self.open(prefix, name, Some(ARRAYS_NAMESPACE), depth, "");
        if let Value::Object(entries) = value {
            for (key, entry) in entries {
                let pair = if entry.is_string() || entry.is_null() {
                    "KeyValueOfstringstring"
                } else {
                    "KeyValueOfstringanyType"
                };
                let pair = Self::qualified(&p, pair);
                let _ = write!(self.out, "<{pair}>");
                self.scalar(&p, "Key", &Value::String(key.clone()));
                match entry {
                    Value::Null => self.nil(&p, "Value"),
                    other => self.scalar(&p, "Value", other),
                }
                let _ = write!(self.out, "</{pair}>");
            }
        }
        self.close(&qualified, pushed);
    }

    fn list(
        &mut self,
        prefix: &str,
        name: &str,
        value: &Value,
        item: &TypeRef,
        nested: Option<&TypeInfo>,
        depth: usize,
    ) {
        let items: &[Value] = value.as_array().map_or(&[], Vec::as_slice);
        let default = self.default_namespace.clone();
        match (item, nested) {
            (TypeRef::Interface { .. }, Some(concrete)) => {
                let (qualified, p, pushed) =
                    self.open(prefix, name, Some(ARRAYS_NAMESPACE), depth, "");
                for item in items {
                    match item {
                        Value::Null => self.nil(&p, "anyType"),
                        _ => self.typed_object(&p, "anyType", item, concrete, depth + 1),
                    }
                }
                self.close(&qualified, pushed);
            }
            (TypeRef::Type { .. }, Some(item_type)) => {
                let namespace = contract_namespace(item_type, &default);
                let (qualified, p, pushed) = self.open(prefix, name, Some(&namespace), depth, "");
                for item in items {
                    match item {
                        Value::Null => self.nil(&p, item_type.name),
                        _ => self.object(&p, item_type.name, item, item_type, depth + 1),
                    }
                }
                self.close(&qualified, pushed);
            }
            (item, _) => {
                let element = primitive_element(item);
                let (qualified, p, pushed) =
                    self.open(prefix, name, Some(ARRAYS_NAMESPACE), depth, "");
                for item in items {
                    self.scalar(&p, element, item);
                }
                self.close(&qualified, pushed);
            }
        }
    }
}

/// DataContract's names for primitive list items.
fn primitive_element(item: &TypeRef) -> &'static str {
    match item {
        TypeRef::Scalar(Scalar::UInt) => "unsignedInt",
        TypeRef::Scalar(Scalar::ULong) => "unsignedLong",
        TypeRef::Scalar(Scalar::Int) => "int",
        TypeRef::Scalar(Scalar::Long) => "long",
        TypeRef::Scalar(Scalar::Double) => "double",
        TypeRef::Scalar(Scalar::Bool) => "boolean",
        TypeRef::Scalar(Scalar::Guid) => "guid",
        TypeRef::Scalar(Scalar::DateTime) => "dateTime",
        _ => "string",
    }
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn escape(text: &str) -> String {
    super::html::escape_markup(text, "&apos;", "&#xD;")
}

/// The XML indented two spaces an element, as the metadata pages show samples (without
/// the declaration).
pub fn pretty(xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    loop {
        match reader.read_event() {
            Ok(Event::Eof) | Err(_) => break,
            Ok(Event::Decl(_)) => {}
            Ok(event) => {
                if writer.write_event(event).is_err() {
                    break;
                }
            }
        }
    }
    String::from_utf8_lossy(&writer.into_inner()).into_owned()
}

/// A parsed element: local name, `i:nil`, `i:type`, children and text content.
#[derive(Debug, Default)]
struct Element {
    name: String,
    nil: bool,
    children: Vec<Element>,
    text: String,
}

pub fn decode(body: &[u8], ty: &TypeInfo) -> Result<Value, String> {
    let root = parse(body)?;
    Ok(Value::Object(object_of(&root, Some(ty))))
}

fn parse(body: &[u8]) -> Result<Element, String> {
    let mut reader = Reader::from_reader(body);
    let mut stack: Vec<Element> = Vec::new();
    let mut buf = Vec::new();
    let position = |reader: &Reader<&[u8]>| reader.buffer_position();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|_| format!("The XML body is malformed at byte {}", position(&reader)))?;
        match event {
            Event::DocType(_) => {
                return Err("XML with a DOCTYPE is refused (no DTDs or external entities)".into())
            }
            Event::Start(start) | Event::Empty(start) if stack.len() >= MAX_DEPTH => {
                let _ = start;
                return Err(format!("XML nests deeper than {MAX_DEPTH} elements"));
            }
            Event::Start(ref start) | Event::Empty(ref start) => {
                let name = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let nil = start
                    .attributes()
                    .flatten()
                    .any(|a| a.key.local_name().as_ref() == b"nil" && a.value.as_ref() == b"true");
                let element = Element {
                    name,
                    nil,
                    ..Default::default()
                };
                if matches!(event, Event::Empty(_)) {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => return Ok(element),
                    }
                } else {
                    stack.push(element);
                }
            }
            Event::End(_) => {
                let element = stack.pop().ok_or("XML has an unmatched end tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    let text = text.unescape().map_err(|_| {
                        format!("The XML body is malformed at byte {}", position(&reader))
                    })?;
                    current.text.push_str(&text);
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::Eof => return Err("XML ends before its root element closes".into()),
            _ => {}
        }
        buf.clear();
    }
}

/// The member an element names: by its DataContract element name, its property or its
/// wire name, ignoring case.
fn member_named<'t>(ty: &'t TypeInfo, element: &str) -> Option<&'t Member> {
    ty.members.iter().find(|m| {
        m.xml_name().eq_ignore_ascii_case(element)
            || m.property.eq_ignore_ascii_case(element)
            || m.name.eq_ignore_ascii_case(element)
    })
}

fn object_of(element: &Element, ty: Option<&TypeInfo>) -> Map<String, Value> {
    let mut object = Map::new();
    for child in &element.children {
        // A nil member is an absent one (DataContractSerializer writes every null).
        if child.nil {
            continue;
        }
        let member = ty.and_then(|t| member_named(t, &child.name));
        let key = member
            .map(|m| m.name.to_string())
            .unwrap_or_else(|| camel_case(&child.name));
        object.insert(key, value_of(child, member));
    }
    object
}

fn value_of(element: &Element, member: Option<&Member>) -> Value {
    let nested = member.and_then(|m| m.nested).map(|f| f());
    match member.map(|m| &m.ty) {
        Some(TypeRef::Map { .. }) => Value::Object(
            element
                .children
                .iter()
                .map(|pair| {
                    let field = |name: &str| {
                        pair.children
                            .iter()
                            .find(|c| c.name == name)
                            .map(|c| c.text.clone())
                            .unwrap_or_default()
                    };
                    (field("Key"), Value::String(field("Value")))
                })
                .collect(),
        ),
        Some(TypeRef::List(_)) => Value::Array(
            element
                .children
                .iter()
                .filter(|item| !item.nil)
                .map(|item| match &nested {
                    Some(item_type) => Value::Object(object_of(item, Some(item_type))),
                    None => Value::String(item.text.clone()),
                })
                .collect(),
        ),
        Some(TypeRef::Type { .. } | TypeRef::Interface { .. }) => {
            Value::Object(object_of(element, nested.as_ref()))
        }
        _ if element.children.is_empty() => Value::String(element.text.clone()),
        _ => Value::Object(object_of(element, None)),
    }
}

fn camel_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
