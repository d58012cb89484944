//! Wire formats: JSON, JSV, XML, CSV, JSONL and an HTML view, with the negotiation
//! rules of ServiceStack (format route, `?format=`, `.ext` suffix, `Accept`).

mod csv;
mod html;
mod jsconfig;
mod xml;

use crate::binding::read_text_value;
use crate::{TypeInfo, ValueKind};
use serde_json::Value;

pub use html::escape as escape_html;
pub use jsconfig::JsConfig;
pub use xml::pretty as indented_xml;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Jsv,
    Xml,
    Csv,
    Jsonl,
    Html,
}

/// The server's preference order when `Accept` lists several of ours.
const PREFERENCE: [Format; 6] = [
    Format::Json,
    Format::Xml,
    Format::Jsv,
    Format::Csv,
    Format::Jsonl,
    Format::Html,
];

impl Format {
    /// By the name used in `?format=`, `.ext` suffixes and `/{fmt}/reply/` routes.
    pub fn from_name(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "jsv" => Format::Jsv,
            "xml" => Format::Xml,
            "csv" => Format::Csv,
            "jsonl" => Format::Jsonl,
            "html" => Format::Html,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Jsv => "jsv",
            Format::Xml => "xml",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
            Format::Html => "html",
        }
    }

    /// Formats that have predefined `/{fmt}/reply/{Name}` routes.
    pub fn has_reply_route(self) -> bool {
        self != Format::Html
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json; charset=utf-8",
            Format::Jsv => "application/jsv; charset=utf-8",
            Format::Xml => "application/xml; charset=utf-8",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Jsonl => "text/jsonl; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    /// Encodes a response (or error) DTO described by `ty`.
    pub fn encode(self, value: &Value, ty: &TypeInfo, xml_namespace: &str) -> Vec<u8> {
        match self {
            // Writing a Value into a Vec cannot fail.
            Format::Json => serde_json::to_vec(value).unwrap_or_default(),
            Format::Jsv => jsv::to_string(value).unwrap_or_default().into_bytes(),
            Format::Xml => xml::encode(value, ty, xml_namespace).into_bytes(),
            Format::Csv => csv::encode(value, ty).into_bytes(),
            Format::Jsonl => jsonl(value, ty).into_bytes(),
            Format::Html => html::encode(value, ty.name).into_bytes(),
        }
    }

    /// Reads a request body into a JSON value shaped like the DTO `ty`; text scalars
    /// of JSV, XML and CSV are read by each member's type. An empty body is an empty DTO.
    pub fn decode(self, body: &[u8], ty: &TypeInfo) -> Result<Value, String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Object(Default::default()));
        }
        let mut value = match self {
            Format::Json => return decode_json(body),
            Format::Jsonl => {
                let line = body
                    .split(|b| *b == b'\n')
                    .find(|l| !l.iter().all(u8::is_ascii_whitespace))
                    .unwrap_or_default();
                return decode_json(line);
            }
            Format::Jsv => jsv::from_slice::<Value>(body).map_err(jsv_error)?,
            Format::Xml => xml::decode(body, ty)?,
            Format::Csv => csv::decode(body, ty)?,
            Format::Html => return Err("HTML is not a request format".into()),
        };
        coerce_text_scalars(&mut value, ty)?;
        Ok(value)
    }
}

impl Format {
    /// A batch body: a list of requests shaped like `ty` (JSON or JSV).
    pub fn decode_list(self, body: &[u8], ty: &TypeInfo) -> Result<Vec<Value>, String> {
        let value = match self {
            Format::Json => decode_json(body)?,
            Format::Jsv => jsv::from_slice::<Value>(body).map_err(jsv_error)?,
            _ => {
                return Err(format!(
                    "Batch requests are read as JSON or JSV, not {}",
                    self.name()
                ))
            }
        };
        let Value::Array(mut items) = value else {
            return Err("A batch request needs a list body".into());
        };
        if self != Format::Json {
            for item in &mut items {
                coerce_text_scalars(item, ty)?;
            }
        }
        Ok(items)
    }

    /// A batch answer: a list of responses of type `ty`.
    pub fn encode_list(self, values: &[Value], ty: &TypeInfo, xml_namespace: &str) -> Vec<u8> {
        let list = Value::Array(values.to_vec());
        match self {
            Format::Json => serde_json::to_vec(&list).unwrap_or_default(),
            Format::Jsv => jsv::to_string(&list).unwrap_or_default().into_bytes(),
            Format::Jsonl => values
                .iter()
                .map(|v| format!("{v}\n"))
                .collect::<String>()
                .into_bytes(),
            Format::Xml => xml::encode_list(values, ty, xml_namespace).into_bytes(),
            Format::Csv => csv::encode_rows(values, ty).into_bytes(),
            Format::Html => html::encode(&list, &format!("ArrayOf{}", ty.name)).into_bytes(),
        }
    }
}

// Parser messages can quote the input (a token, a tag name), so body errors say
// only where reading stopped.
fn decode_json(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| {
        format!(
            "The JSON body is malformed at line {} column {}",
            e.line(),
            e.column()
        )
    })
}

fn jsv_error(e: jsv::Error) -> String {
    match e.position() {
        Some(at) => format!("The JSV body is malformed at byte {at}"),
        None => "The JSV body is malformed".into(),
    }
}

/// JSON lines: one line per item of the first collection, else the whole DTO.
fn jsonl(value: &Value, ty: &TypeInfo) -> String {
    let items = ty
        .members
        .iter()
        .find(|m| m.kind == ValueKind::List)
        .and_then(|m| value.get(m.name)?.as_array())
        .filter(|_| value.get("responseStatus").is_none());
    let mut out = String::new();
    match items {
        Some(items) => {
            for item in items {
                out.push_str(&item.to_string());
                out.push('\n');
            }
        }
        None => {
            out.push_str(&value.to_string());
            out.push('\n');
        }
    }
    out
}

/// Text formats carry every scalar as text; members declared as numbers or booleans
/// are read as such, recursively through nested DTOs.
pub(crate) fn coerce_text_scalars(value: &mut Value, ty: &TypeInfo) -> Result<(), String> {
    let Value::Object(object) = value else {
        return Ok(());
    };
    for (key, member_value) in object.iter_mut() {
        let Some(member) = ty.member(key) else {
            continue;
        };
        match (member.kind, &mut *member_value) {
            (ValueKind::Bool | ValueKind::Integer | ValueKind::Number, Value::String(text)) => {
                *member_value = read_text_value(member.kind, &member.type_name, text)
                    .ok_or_else(|| crate::ServiceError::invalid_value(member).message)?;
            }
            (ValueKind::Object, nested_value) => {
                if let Some(nested) = member.nested {
                    coerce_text_scalars(nested_value, &nested())?;
                }
            }
            (ValueKind::List, Value::Array(items)) => {
                if let Some(nested) = member.nested {
                    let nested = nested();
                    for item in items {
                        coerce_text_scalars(item, &nested)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Which format a `Content-Type` or `Accept` media type names, if it is one of ours.
pub fn format_of_media_type(media_type: &str) -> Option<Format> {
    const MEDIA_TYPES: [(&str, Format); 11] = [
        ("application/json", Format::Json),
        ("text/json", Format::Json),
        ("application/jsv", Format::Jsv),
        ("text/jsv", Format::Jsv),
        ("application/xml", Format::Xml),
        ("text/xml", Format::Xml),
        ("text/csv", Format::Csv),
        ("text/jsonl", Format::Jsonl),
        ("application/jsonl", Format::Jsonl),
        ("application/x-ndjson", Format::Jsonl),
        ("text/html", Format::Html),
    ];
    let essence = media_type.split(';').next()?.trim();
    MEDIA_TYPES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(essence))
        .map(|(_, format)| *format)
}

/// The response format from `Accept` (user routes only): a type equal to the
/// request's Content-Type wins outright, else the server's preference order; `*/*`
/// alone means the request's Content-Type when it is one of ours.
pub fn format_from_accept(accept: &str, request_format: Option<Format>) -> Option<Format> {
    let listed = || {
        accept
            .split(',')
            .map(|t| t.split(';').next().unwrap_or("").trim())
            .filter(|t| !t.is_empty())
    };
    let lists = |format: Format| listed().any(|t| format_of_media_type(t) == Some(format));
    if let Some(request_format) = request_format {
        if lists(request_format) || listed().eq(["*/*"]) {
            return Some(request_format);
        }
    }
    PREFERENCE.into_iter().find(|f| lists(*f))
}

/// The JSV media type the client used (`text/jsv` or `application/jsv`), so the
/// answer can use the same alias.
pub fn jsv_alias(accept: &str, content_type: &str) -> Option<&'static str> {
    let mentions = |text: &str, alias: &str| {
        text.as_bytes()
            .windows(alias.len())
            .any(|window| window.eq_ignore_ascii_case(alias.as_bytes()))
    };
    if mentions(accept, "text/jsv")
        || (!mentions(accept, "application/jsv") && mentions(content_type, "text/jsv"))
    {
        Some("text/jsv; charset=utf-8")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_follows_the_preference_order_and_the_request_type() {
        assert_eq!(
            format_from_accept("text/csv, application/xml", None),
            Some(Format::Xml)
        );
        assert_eq!(
            format_from_accept("text/csv;q=0.9, application/jsv", None),
            Some(Format::Jsv)
        );
        assert_eq!(
            format_from_accept("text/jsv, application/json", Some(Format::Jsv)),
            Some(Format::Jsv)
        );
        assert_eq!(
            format_from_accept("*/*", Some(Format::Xml)),
            Some(Format::Xml)
        );
        assert_eq!(format_from_accept("*/*", None), None);
        assert_eq!(
            format_from_accept("Text/JSV; q=0.8 , APPLICATION/JSON", None),
            Some(Format::Json)
        );
        assert_eq!(
            format_from_accept("*/*", Some(Format::Json)),
            Some(Format::Json)
        );
        assert_eq!(
            format_from_accept("*/*, image/png", Some(Format::Xml)),
            None
        );
        assert_eq!(
            format_of_media_type(" Application/JSON ; charset=utf-8"),
            Some(Format::Json)
        );
        assert_eq!(format_of_media_type("application/jsonx"), None);
        assert_eq!(jsv_alias("TEXT/JSV", ""), Some("text/jsv; charset=utf-8"));
        assert_eq!(jsv_alias("application/jsv", "text/jsv"), None);
        assert_eq!(jsv_alias("", "text/jsv"), Some("text/jsv; charset=utf-8"));
        assert_eq!(jsv_alias("text/js", ""), None);
        assert_eq!(format_from_accept("image/png", None), None);
        assert_eq!(
            format_from_accept("text/html,application/xhtml+xml", None),
            Some(Format::Html)
        );
    }
}
