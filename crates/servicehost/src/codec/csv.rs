//! CSV as ServiceStack writes it: `\r\n` rows, PascalCase headers, one row per item
//! when the response's first collection holds the data, nested values as JSV.

use crate::{pascal_case, TypeInfo, ValueKind};
use serde_json::{Map, Value};

pub fn encode(value: &Value, ty: &TypeInfo) -> String {
    let object = value.as_object();
    let has_error = object.is_some_and(|o| o.contains_key("responseStatus"));
    let collection = ty
        .members
        .iter()
        .find(|m| m.kind == ValueKind::List)
        .and_then(|m| Some((m, object?.get(m.name)?.as_array()?)));
    let mut out = String::new();
    match collection {
        Some((member, items)) if !has_error => {
            let headers: Vec<String> = match member.nested {
                Some(item_type) => item_type()
                    .members
                    .iter()
                    .map(|m| m.name.to_string())
                    .collect(),
                None => item_keys(items),
            };
            write_row(
                &mut out,
                headers.iter().map(|h| neutralise(&pascal_case(h))),
            );
            for item in items {
                write_row(
                    &mut out,
                    headers
                        .iter()
                        .map(|h| cell(item.get(h).unwrap_or(&Value::Null))),
                );
            }
        }
        _ => {
            let empty = Map::new();
            let object = object.unwrap_or(&empty);
            let mut headers: Vec<&str> = ty.members.iter().map(|m| m.name).collect();
            headers.extend(
                object
                    .keys()
                    .map(String::as_str)
                    .filter(|k| ty.member(k).is_none()),
            );
            write_row(
                &mut out,
                headers.iter().map(|h| neutralise(&pascal_case(h))),
            );
            write_row(
                &mut out,
                headers
                    .iter()
                    .map(|h| cell(object.get(*h).unwrap_or(&Value::Null))),
            );
        }
    }
    out
}

/// One row per value, headed by the members of `ty`.
pub fn encode_rows(values: &[Value], ty: &TypeInfo) -> String {
    let headers: Vec<&str> = ty.members.iter().map(|m| m.name).collect();
    let mut out = String::new();
    write_row(
        &mut out,
        headers.iter().map(|h| neutralise(&pascal_case(h))),
    );
    for value in values {
        write_row(
            &mut out,
            headers
                .iter()
                .map(|h| cell(value.get(*h).unwrap_or(&Value::Null))),
        );
    }
    out
}

fn item_keys(items: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for item in items.iter().filter_map(Value::as_object) {
        for key in item.keys() {
            if !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    keys
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => neutralise(s),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        // Numbers are ours (a negative one is data, not a formula).
        Value::Number(n) => n.to_string(),
        nested => neutralise(&jsv::to_string(nested).unwrap_or_default()),
    }
}

/// OWASP's CSV-injection defence: a text cell a spreadsheet would read as a formula
/// (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`.
fn neutralise(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

fn write_row(out: &mut String, cells: impl Iterator<Item = String>) {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let needs_quotes = cell.contains(['"', ',', '\r', '\n']) || cell.starts_with(['[', '{']);
        if needs_quotes {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
    out.push_str("\r\n");
}

/// A request in CSV: a header row and one row of values. Nested members are JSV.
pub fn decode(body: &[u8], ty: &TypeInfo) -> Result<Value, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(body);
    let headers = reader.headers().map_err(csv_error)?.clone();
    let mut object = Map::new();
    if let Some(record) = reader.records().next() {
        let record = record.map_err(csv_error)?;
        for (header, raw) in headers.iter().zip(record.iter()) {
            let member = ty.member(header.trim());
            let key = member
                .map(|m| m.name.to_string())
                .unwrap_or_else(|| header.trim().to_string());
            let value = match member.map(|m| m.kind) {
                Some(ValueKind::Map | ValueKind::List | ValueKind::Object) if !raw.is_empty() => {
                    jsv::from_str::<Value>(raw).map_err(|_| {
                        let member = member.expect("matched above");
                        format!(
                            "'{}' must be {} written as JSV",
                            member.pascal_name(),
                            crate::shape::expectation(member.kind, &member.type_name)
                        )
                    })?
                }
                _ if raw.is_empty() => continue,
                _ => Value::String(raw.to_string()),
            };
            object.insert(key, value);
        }
    }
    Ok(Value::Object(object))
}

/// Where reading stopped, never the text (the csv crate's messages can quote it).
fn csv_error(e: csv::Error) -> String {
    match e.position() {
        Some(at) => format!("The CSV body is malformed at line {}", at.line()),
        None => "The CSV body is malformed".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        for formula in [
            "=HYPERLINK(\"http://evil\",\"x\")",
            "+1",
            "-1+2",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(cell(&Value::String(formula.into())), format!("'{formula}"));
        }
        assert_eq!(cell(&Value::String("plain =x".into())), "plain =x");
        assert_eq!(cell(&serde_json::json!(-5)), "-5");
        let mut out = String::new();
        write_row(
            &mut out,
            [cell(&Value::String("=1+2,3".into()))].into_iter(),
        );
        assert_eq!(out, "\"'=1+2,3\"\r\n");
    }
}
