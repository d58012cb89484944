//! A readable HTML view of any response for browsers, with the JSON embedded.

use serde_json::Value;
use std::fmt::Write;

pub fn encode(value: &Value, type_name: &str) -> String {
    let mut out = String::new();
    let title = escape(type_name);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>\
body{{font-family:system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:.3em 0}}\
th,td{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}th{{background:#f4f4f4}}\
</style></head><body><h1>{title}</h1>"
    );
    render(&mut out, value);
    // `</` is escaped so the embedded JSON can never close the script element.
    let json = serde_json::to_string(value)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"dto\">{json}</script></body></html>"
    );
    out
}

fn render(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            out.push_str("<table>");
            for (key, v) in map {
                let _ = write!(out, "<tr><th>{}</th><td>", escape(key));
                render(out, v);
                out.push_str("</td></tr>");
            }
            out.push_str("</table>");
        }
        Value::Array(items) if items.is_empty() => out.push_str("<em>(none)</em>"),
        Value::Array(items) => {
            out.push_str("<ol>");
            for item in items {
                out.push_str("<li>");
                render(out, item);
                out.push_str("</li>");
            }
            out.push_str("</ol>");
        }
        Value::String(s) => out.push_str(&escape(s)),
        Value::Null => {}
        other => out.push_str(&escape(&other.to_string())),
    }
}

pub fn escape(text: &str) -> String {
    escape_markup(text, "&#39;", "\r")
}

/// `&`, `<`, `>` and `"` as entities; `'` and CR as the caller's format writes them.
pub(crate) fn escape_markup(text: &str, apostrophe: &str, carriage_return: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            '\r' => out.push_str(carriage_return),
            c => out.push(c),
        }
    }
    out
}
