//! The HTML metadata pages: an index of operations and one page per operation and
//! format, like the original's (routes, field tables, DTOs, sample HTTP).

use super::{body_members, sample_value, DtoOptions, Language, OperationInfo, ServiceDescription};
use crate::codec::escape_html;
use crate::{Format, TypeInfo};
use std::collections::HashSet;
use std::fmt::Write;

pub const STYLE: &str = "<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}\
th{background:#f4f4f4}pre{background:#f8f8f8;border:1px solid #ddd;padding:1em;overflow:auto}.verb{font-weight:bold;color:#06c}\
.auth{color:#a60}</style>";

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

pub fn operation(
    service: &ServiceDescription,
    op: &OperationInfo,
    format: Format,
    language: &str,
    base_url: &str,
) -> String {
    let service_name = escape_html(service.service_name);
    let name = escape_html(op.name);
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} | {service_name}</title>{STYLE}</head><body>\
<p><a href=\"/metadata\">&lt;back to all web services</a></p><h1>{service_name}</h1><h2>{name}</h2>"
    );
    if op.requires_auth {
        out.push_str("<p class=\"auth\">Requires Authentication</p>");
    }
    routes_table(&mut out, op);
    let mut shown = HashSet::new();
    field_tables(&mut out, &op.request, true, &mut shown);
    field_tables(&mut out, &op.response, false, &mut shown);
    dto_section(&mut out, service, op, language);
    http_samples(&mut out, service, op, format, base_url);
    out
}

fn routes_table(out: &mut String, op: &OperationInfo) {
    out.push_str("<p>The following routes are available for this service:</p><table>");
    for route in &op.routes {
        let _ = write!(
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

/// The operation's own DTOs in one client language (any of `/types/{lang}`), with
/// links to the others. An unknown `lang` shows what the valid ones are, in place of
/// the code (ServiceStack shows its generator's error there).
fn dto_section(out: &mut String, service: &ServiceDescription, op: &OperationInfo, language: &str) {
    let name = escape_html(op.name);
    let links: Vec<String> = Language::ON_PAGES
        .iter()
        .map(|l| {
            format!(
                "<a href=\"?op={name}&amp;lang={}\">{}</a>",
                l.path(),
                escape_html(l.display_name())
            )
        })
        .collect();
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
        "<h3>{} {name} DTOs</h3><p>Other languages: {}</p><pre>{}</pre>",
        escape_html(title),
        links.join(" "),
        escape_html(&code)
    );
}

/// Sample HTTP request and response in `format`.
fn http_samples(
    out: &mut String,
    service: &ServiceDescription,
    op: &OperationInfo,
    format: Format,
    base_url: &str,
) {
    let fmt = format.name();
    let _ = write!(
        out,
        "<p>To override the Content-type in your clients, use the HTTP Accept Header, append the .{fmt} suffix or ?format={fmt}</p>\
<h3>HTTP + {upper}</h3><p>The following are sample HTTP requests and responses. The placeholders shown need to be replaced with actual values.</p>",
        upper = fmt.to_uppercase()
    );
    let route = &op.routes[0];
    let content_type = format.content_type().split(';').next().unwrap_or_default();
    let mut request = format!(
        "{} {} HTTP/1.1\nHost: {}\nAccept: {content_type}\n",
        route.verb.as_str(),
        route.path,
        base_url.split("://").nth(1).unwrap_or(base_url)
    );
    if route.verb.has_body() {
        let body_names: Vec<&str> = body_members(&op.request, route)
            .iter()
            .map(|m| m.name)
            .collect();
        let mut sample = sample_value(&op.request, 0);
        if let Some(object) = sample.as_object_mut() {
            object.retain(|k, _| {
                body_names.contains(&k.as_str()) || route.path.contains(&format!("{{{k}}}"))
            });
        }
        let body = format.encode(&sample, &op.request, service.namespaces.0);
        let _ = write!(
            request,
            "Content-Type: {content_type}\nContent-Length: length\n\n{}",
            String::from_utf8_lossy(&body)
        );
    }
    let mut sample_response = sample_value(&op.response, 0);
    if let Some(object) = sample_response.as_object_mut() {
        if object.contains_key("responseStatus") {
            object.insert(
                "responseStatus".into(),
                sample_value(&crate::schema::response_status_type(), 1),
            );
        }
    }
    let response_body = format.encode(&sample_response, &op.response, service.namespaces.1);
    let response = format!(
        "HTTP/1.1 200 OK\nContent-Type: {content_type}\nContent-Length: length\n\n{}",
        String::from_utf8_lossy(&response_body)
    );
    let _ = write!(
        out,
        "<pre>{}</pre><pre>{}</pre></body></html>",
        escape_html(&request),
        escape_html(&response)
    );
}

/// The type's table (its own members), then its base's, then nested types'.
fn field_tables(
    out: &mut String,
    ty: &TypeInfo,
    is_request: bool,
    shown: &mut HashSet<&'static str>,
) {
    if !shown.insert(ty.name) {
        return;
    }
    let base = ty.base.map(|b| b());
    let _ = write!(
        out,
        "<h3>{}{}</h3><table><tr><th>Name</th><th>Parameter</th><th>Data Type</th><th>Required</th><th>Description</th></tr>",
        escape_html(ty.name),
        base.as_ref().map(|b| format!(" : {}", escape_html(b.name))).unwrap_or_default()
    );
    for member in ty.own_members() {
        let parameter = if is_request {
            member.binding.as_str()
        } else {
            "form"
        };
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{parameter}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape_html(&member.property),
            escape_html(&member.type_name),
            if member.optional { "No" } else { "Yes" },
            escape_html(member.description.trim()),
        );
    }
    out.push_str("</table>");
    if let Some(base) = base {
        // A request's base holds request members: they keep their path/query/body binding.
        field_tables(out, &base, is_request, shown);
    }
    for member in &ty.members {
        for nested in [member.ty.referenced(), member.nested]
            .into_iter()
            .flatten()
        {
            let nested = nested();
            if !super::is_servicestack_type(nested.name) {
                field_tables(out, &nested, false, shown);
            }
        }
    }
}
