//! The HTML metadata pages: an index of operations and one page per operation and
//! format, like the original's (routes, field tables, DTOs, sample HTTP).

use super::samples::{jsv_sample, sample_value, xml_sample_value};
use super::{body_members, DtoOptions, Language, OperationInfo, ServiceDescription};
use crate::codec::escape_html;
use crate::{Format, TypeInfo};
use serde_json::Value;
use std::collections::HashSet;
use std::fmt::Write;

pub const STYLE: &str = "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}pre{background:#f8f8f8;border:1px solid #ddd;padding:1em;overflow:auto}.verb{font-weight:bold;color:#06c}\
.auth{color:#a60}\
nav.langs a{margin-right:.8em}nav.langs a::before{content:attr(data-label)}</style>";

const FORMATS: [Format; 5] = [
    Format::Json,
    Format::Xml,
    Format::Jsv,
    Format::Csv,
    Format::Jsonl,
];

pub fn index(service: &ServiceDescription) -> String {
    let name = escape_html(service.service_name);
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}</title>{STYLE}</head><body>\
<h1>{name}</h1><p>The following operations are available. Their formats: {formats}.</p><table>\
<tr><th>Operation</th><th>Routes</th><th>Auth</th><th>Formats</th></tr>",
        formats = FORMATS.map(|f| f.name().to_uppercase()).join(", "),
    );
    for op in &service.operations {
        let routes: Vec<String> = op
            .routes
            .iter()
            .map(|r| {
                format!(
                    "<span class=\"verb\">{}</span> {}",
                    r.verb.as_str(),
                    escape_html(r.path)
                )
            })
            .collect();
        let links: Vec<String> = FORMATS
            .iter()
            .map(|f| {
                format!(
                    "<a href=\"/{fmt}/metadata?op={op}\">{upper}</a>",
                    fmt = f.name(),
                    op = op.name,
                    upper = f.name().to_uppercase()
                )
            })
            .collect();
        let _ = write!(
            out,
            "<tr><th><a href=\"/json/metadata?op={n}\">{n}</a></th><td>{}</td><td>{}</td><td>{}</td></tr>",
            routes.join("<br>"),
            if op.requires_auth { "<span class=\"auth\">Requires Authentication</span>" } else { "" },
            links.join(" "),
            n = escape_html(op.name),
        );
    }
    out.push_str(
        "</table><p>Client DTOs: <a href=\"/types/python\">Python</a>, <a href=\"/types/typescript\">TypeScript</a>, \
<a href=\"/types/csharp\">C#</a>, <a href=\"/types/metadata\">metadata JSON</a>. \
OpenAPI: <a href=\"/openapi.json\">/openapi.json</a>, <a href=\"/openapi\">browse</a>.</p></body></html>",
    );
    out
}

/// One operation's page in one format: without `language`, the field tables of its DTOs;
/// with one, its DTOs in that language. Laid out like the original's page, down to the
/// line breaks between blocks, so that its text reads as the original's does.
pub fn operation(
    service: &ServiceDescription,
    op: &OperationInfo,
    format: Format,
    language: Option<&str>,
    base_url: &str,
) -> String {
    let service_name = escape_html(service.service_name);
    let name = escape_html(op.name);
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} | {service_name}</title>{STYLE}</head><body>\
<h1>{service_name}</h1>\n\n<p><a href=\"/metadata\">&lt;back to all web services</a></p>\n\n<h2>{name}</h2>\n\n"
    );
    if op.requires_auth {
        out.push_str("<p class=\"auth\">Requires Authentication</p>\n");
    }
    routes_table(&mut out, op);
    match language {
        Some(language) => dto_section(&mut out, service, op, language),
        None => {
            let mut shown = HashSet::new();
            let request_paths: Vec<&str> = op.routes.iter().map(|r| r.path).collect();
            field_tables(&mut out, &op.request, Some(&request_paths), &mut shown);
            field_tables(&mut out, &op.response, None, &mut shown);
            language_links(&mut out, op.name);
            out.push('\n');
        }
    }
    http_samples(&mut out, service, op, format, base_url);
    out
}

fn routes_table(out: &mut String, op: &OperationInfo) {
    out.push_str("<p>The following routes are available for this service:</p>\n<table>");
    for route in &op.routes {
        let _ = writeln!(
            out,
            "<tr><td class=\"verb\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            route.verb.as_str(),
            escape_html(route.path),
            escape_html(op.summary),
            escape_html(op.notes)
        );
    }
    out.push_str("</table>");
}

/// The operation's own DTOs in one client language (any of `/types/{lang}`), then the way
/// to the other languages. An unknown `lang` shows what the valid ones are in place of
/// the code (ServiceStack shows its generator's error there), without repeating it.
fn dto_section(out: &mut String, service: &ServiceDescription, op: &OperationInfo, language: &str) {
    let (title, code) = match Language::from_path(language) {
        Some(language) => (
            language.display_name(),
            service
                .only(op)
                .dtos(language, &DtoOptions::default(), None),
        ),
        None => {
            let known: Vec<&str> = Language::ALL.iter().map(|l| l.path()).collect();
            (
                "Unknown language",
                format!("lang must be one of: {}", known.join(", ")),
            )
        }
    };
    let _ = write!(
        out,
        "<pre class=\"dtos\">{}\n</pre>\n<h3>{} {} DTOs</h3>",
        escape_html(code.trim_end()),
        escape_html(title),
        escape_html(op.name)
    );
    language_links(out, op.name);
    out.push_str("\n\n");
}

/// Links to the page in every language. Their labels come from the style sheet, so the
/// page's text stays the original's (which draws its language menu with script).
fn language_links(out: &mut String, op_name: &str) {
    out.push_str("<nav class=\"langs\">");
    for language in Language::ON_PAGES {
        let _ = write!(
            out,
            "<a href=\"?op={}&amp;lang={}\" aria-label=\"{label}\" data-label=\"{label}\"></a>",
            escape_html(op_name),
            language.path(),
            label = escape_html(language.display_name()),
        );
    }
    out.push_str("</nav>");
}

/// The media type a page shows for a format: JSV as `text/jsv`, as the original's page does.
fn shown_media_type(format: Format) -> &'static str {
    match format {
        Format::Jsv => "text/jsv",
        other => other.content_type().split(';').next().unwrap_or_default(),
    }
}

/// The format's name in the page's wording. JSONL's page says "other", a quirk of
/// ServiceStack's page (it has no name for formats registered late) kept as the original shows it.
fn shown_format_name(format: Format) -> &'static str {
    match format {
        Format::Jsonl => "other",
        other => other.name(),
    }
}

/// A sample body as the page shows it: JSV indented, XML as encoded, the rest compact JSON.
fn sample_text(format: Format, value: &Value, ty: &TypeInfo, namespace: &str) -> String {
    match format {
        Format::Jsv => jsv::pretty(&jsv::to_string(&jsv_sample(value)).unwrap_or_default()),
        Format::Xml => crate::codec::indented_xml(&String::from_utf8_lossy(
            &format.encode(value, ty, namespace),
        )),
        _ => value.to_string(),
    }
}

fn sample_for(format: Format, ty: &TypeInfo, depth: usize) -> Value {
    match format {
        Format::Xml => xml_sample_value(ty, depth),
        _ => sample_value(ty, depth),
    }
}

/// Sample HTTP request and response in `format`.
fn http_samples(
    out: &mut String,
    service: &ServiceDescription,
    op: &OperationInfo,
    format: Format,
    base_url: &str,
) {
    let shown = shown_format_name(format);
    let _ = write!(
        out,
        "<p>To override the Content-type in your clients, use the HTTP Accept Header, append the .{shown} suffix or ?format={shown}</p>\n\n"
    );
    if format == Format::Json {
        out.push_str(
            "<p>To embed the response in a jsonp callback, append ?callback=myCallback</p>\n\n",
        );
    }
    let _ = write!(
        out,
        "<h3>HTTP + {}</h3>\n\n<p>The following are sample HTTP requests and responses. \
The placeholders shown need to be replaced with actual values.</p>\n\n",
        shown.to_uppercase()
    );
    let route = &op.routes[0];
    let media_type = shown_media_type(format);
    // The trailing spaces after the request line and Host are the original's.
    let mut request = format!(
        "{} {} HTTP/1.1 \nHost: {} \nAccept: {media_type}\n",
        route.verb.as_str(),
        route.path,
        base_url.split("://").nth(1).unwrap_or(base_url)
    );
    if route.verb.has_body() {
        let body_names: Vec<&str> = body_members(&op.request, route)
            .iter()
            .map(|m| m.name)
            .collect();
        let mut sample = sample_for(format, &op.request, 0);
        if let Some(object) = sample.as_object_mut() {
            object.retain(|k, _| {
                body_names.contains(&k.as_str()) || route.path.contains(&format!("{{{k}}}"))
            });
        }
        let body = sample_text(format, &sample, &op.request, service.namespaces.0);
        let _ = write!(
            request,
            "Content-Type: {media_type}\nContent-Length: length\n\n{body}\n"
        );
    }
    let mut sample_response = sample_for(format, &op.response, 0);
    if let Some(object) = sample_response.as_object_mut() {
        if object.contains_key("responseStatus") {
            object.insert(
                "responseStatus".into(),
                sample_for(format, &crate::schema::response_status_type(), 1),
            );
        }
    }
    let response_body = sample_text(format, &sample_response, &op.response, service.namespaces.1);
    let response = format!(
        "HTTP/1.1 200 OK\nContent-Type: {media_type}\nContent-Length: length\n\n{response_body}"
    );
    let _ = write!(
        out,
        "<pre class=\"request\">{}</pre><pre class=\"response\">{}</pre></body></html>",
        escape_html(&request),
        escape_html(&response)
    );
}

/// The type's table (its own members), then its base's, then nested types', as the
/// original lists them. `request_paths` is given for the request type itself: its own
/// members say where they travel (path, query, body); every other member is "form", as
/// the original's tables show them.
fn field_tables(
    out: &mut String,
    ty: &TypeInfo,
    request_paths: Option<&[&str]>,
    shown: &mut HashSet<&'static str>,
) {
    if !shown.insert(ty.name) {
        return;
    }
    let _ = write!(
        out,
        "<h3>{} Parameters:</h3>\n<table><tr><th>Name</th><th>Parameter</th><th>Data Type</th><th>Required</th><th>Description</th></tr>\n",
        escape_html(ty.name),
    );
    for member in ty.own_members() {
        let in_path = |paths: &[&str]| {
            paths
                .iter()
                .any(|p| p.contains(&format!("{{{}}}", member.name)))
        };
        let parameter = match request_paths {
            Some(paths) if in_path(paths) => "path",
            Some(_) => member.binding.as_str(),
            None => "form",
        };
        // "Required" is ServiceStack's [ApiMember(IsRequired)], which the original never
        // sets: its tables say "No" throughout, and so do ours.
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{parameter}</td><td>{}</td><td>No</td><td>{}</td></tr>",
            escape_html(&member.property),
            escape_html(&shown_type_name(&member.type_name)),
            escape_html(member.description.trim()),
        );
    }
    out.push_str("</table>");
    if let Some(base) = ty.base.map(|b| b()) {
        field_tables(out, &base, None, shown);
    }
    // The declared types, as the original's tables: an interface, not our class behind it.
    for member in &ty.members {
        if let Some(nested) = member.ty.referenced() {
            let nested = nested();
            if !super::is_servicestack_type(nested.name) {
                field_tables(out, &nested, None, shown);
            }
        }
    }
}

/// Type arguments separated by ", " as .NET writes them: `Dictionary<string, string>`.
fn shown_type_name(type_name: &str) -> String {
    type_name.replace(", ", ",").replace(',', ", ")
}
