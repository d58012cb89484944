//! DataContract-style XML, as ServiceStack's XML format writes it: the root element is
//! the DTO's name, members are PascalCase elements, maps are `KeyValueOfstringstring`
//! items. Reading refuses DTDs (and so every external entity) outright.

use crate::{pascal_case, Member, TypeInfo, ValueKind};
use quick_xml::events::Event;
use quick_xml::Reader;
use serde_json::{Map, Value};
use std::fmt::Write;

const ARRAYS_NAMESPACE: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";
const MAX_DEPTH: usize = 64;

pub fn encode(value: &Value, ty: &TypeInfo, namespace: &str) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    open_root(&mut out, ty.name, ty, namespace);
    write_members(&mut out, value, Some(ty));
    let _ = write!(out, "</{}>", ty.name);
    out
}

/// `ArrayOf{Name}` with one `{Name}` element per response, as DataContract lists are.
pub fn encode_list(values: &[Value], ty: &TypeInfo, namespace: &str) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    let root = format!("ArrayOf{}", ty.name);
    open_root(&mut out, &root, ty, namespace);
    for value in values {
        let _ = write!(out, "<{}>", ty.name);
        write_members(&mut out, value, Some(ty));
        let _ = write!(out, "</{}>", ty.name);
    }
    let _ = write!(out, "</{root}>");
    out
}

fn open_root(out: &mut String, root: &str, ty: &TypeInfo, namespace: &str) {
    let namespace = ty
        .xml_namespace()
        .unwrap_or_else(|| format!("http://schemas.datacontract.org/2004/07/{namespace}"));
    let _ = write!(
        out,
        r#"<{root} xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="{namespace}">"#
    );
}

fn write_members(out: &mut String, value: &Value, ty: Option<&TypeInfo>) {
    let Value::Object(object) = value else {
        out.push_str(&escape(&text_of(value)));
        return;
    };
    for (key, member_value) in object {
        if member_value.is_null() {
            continue;
        }
        let member = ty.and_then(|t| t.member(key));
        write_member(out, &pascal_case(key), member_value, member);
    }
}

fn write_member(out: &mut String, element: &str, value: &Value, member: Option<&Member>) {
    let kind = member.map(|m| m.kind);
    let nested = member.and_then(|m| m.nested).map(|f| f());
    match value {
        Value::Object(map)
            if kind == Some(ValueKind::Map) || (kind.is_none() && nested.is_none()) =>
        {
            let _ = write!(out, r#"<{element} xmlns:d2p1="{ARRAYS_NAMESPACE}">"#);
            for (k, v) in map {
                let _ = write!(
                    out,
                    "<d2p1:KeyValueOfstring{t}><d2p1:Key>{}</d2p1:Key><d2p1:Value>{}</d2p1:Value></d2p1:KeyValueOfstring{t}>",
                    escape(k),
                    escape(&text_of(v)),
                    t = if v.is_string() { "string" } else { "anyType" }
                );
            }
            let _ = write!(out, "</{element}>");
        }
        Value::Object(_) => {
            match nested.as_ref().and_then(TypeInfo::xml_namespace) {
                Some(ns) => {
                    let _ = write!(out, r#"<{element} xmlns="{ns}">"#);
                }
                None => {
                    let _ = write!(out, "<{element}>");
                }
            }
            write_members(out, value, nested.as_ref());
            let _ = write!(out, "</{element}>");
        }
        Value::Array(items) => {
            let item_element = member
                .map(|m| m.item_element.clone())
                .unwrap_or_else(|| "string".into());
            match &nested {
                Some(item_type) => {
                    let ns_attr = item_type
                        .xml_namespace()
                        .map(|ns| format!(r#" xmlns="{ns}""#))
                        .unwrap_or_default();
                    let _ = write!(out, "<{element}{ns_attr}>");
                    for item in items {
                        let _ = write!(out, "<{item_element}>");
                        write_members(out, item, Some(item_type));
                        let _ = write!(out, "</{item_element}>");
                    }
                }
                None => {
                    let item_element = primitive_element(&item_element);
                    let _ = write!(out, r#"<{element} xmlns:d2p1="{ARRAYS_NAMESPACE}">"#);
                    for item in items {
                        let _ = write!(
                            out,
                            "<d2p1:{item_element}>{}</d2p1:{item_element}>",
                            escape(&text_of(item))
                        );
                    }
                }
            }
            let _ = write!(out, "</{element}>");
        }
        scalar => {
            let _ = write!(out, "<{element}>{}</{element}>", escape(&text_of(scalar)));
        }
    }
}

/// DataContract's names for primitive list items.
fn primitive_element(type_name: &str) -> &str {
    match type_name {
        "uint" => "unsignedInt",
        "ulong" => "unsignedLong",
        "bool" => "boolean",
        "string" | "int" | "long" | "double" => type_name,
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

/// A parsed element: local name, children, and text content.
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

fn object_of(element: &Element, ty: Option<&TypeInfo>) -> Map<String, Value> {
    let mut object = Map::new();
    for child in &element.children {
        let member = ty.and_then(|t| t.member(&child.name));
        let key = member
            .map(|m| m.name.to_string())
            .unwrap_or_else(|| camel_case(&child.name));
        object.insert(key, value_of(child, member));
    }
    object
}

fn value_of(element: &Element, member: Option<&Member>) -> Value {
    if element.nil {
        return Value::Null;
    }
    let nested = member.and_then(|m| m.nested).map(|f| f());
    match member.map(|m| m.kind) {
        Some(ValueKind::Map) => Value::Object(
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
        Some(ValueKind::List) => Value::Array(
            element
                .children
                .iter()
                .map(|item| match &nested {
                    Some(item_type) => Value::Object(object_of(item, Some(item_type))),
                    None => Value::String(item.text.clone()),
                })
                .collect(),
        ),
        Some(ValueKind::Object) => Value::Object(object_of(element, nested.as_ref())),
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
