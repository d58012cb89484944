//! Self-description: every declared operation appears in every generated artefact, and every
//! metadata page is well-formed HTML that shows every member of its DTOs.

use crate::common::{Reply, Server};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const FORMATS: [&str; 5] = ["json", "jsv", "xml", "csv", "jsonl"];
const LANGUAGES: [&str; 3] = ["python", "typescript", "csharp"];

/// The operations the server declares, from its registry (`affiliation-api operations`,
/// which reads the declarations, not any generator): (request DTO, response DTO).
fn declared_operations(server: &Server) -> Vec<(String, String)> {
    let output = server.cli(&["operations", "--json"]);
    assert!(
        output.status.success(),
        "operations: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let op: Value = serde_json::from_str(line).expect("one JSON object per line");
            let name = |key: &str| op[key].as_str().expect("a type name").to_string();
            (name("request"), name("response"))
        })
        .collect()
}

/// The request DTOs dtos.rs declares (every `pub struct ...Request`, bases excepted).
fn declared_request_types() -> BTreeSet<String> {
    include_str!("../../src/api/dtos.rs")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub struct "))
        .map(|rest| {
            rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap()
                .to_string()
        })
        .filter(|name| name.ends_with("Request") && !name.ends_with("RequestBase"))
        .collect()
}

fn fetch(server: &Server, path: &str) -> Reply {
    server.request("GET", path).send().expect("request").into()
}

fn fetch_ok(server: &Server, path: &str) -> Reply {
    let reply = fetch(server, path);
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.text);
    reply
}

fn types_metadata(server: &Server) -> Value {
    fetch_ok(server, "/types/metadata").json()
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[test]
fn every_declared_operation_appears_in_every_generated_artefact() {
    let server = Server::start();
    let declared = declared_operations(&server);
    assert!(declared.len() >= 13, "the registry lists only {declared:?}");
    let declared_names: BTreeSet<String> = declared.iter().map(|(req, _)| req.clone()).collect();
    assert_eq!(
        declared_names.len(),
        declared.len(),
        "an operation is declared twice"
    );
    assert_eq!(
        declared_names,
        declared_request_types(),
        "every request DTO of dtos.rs is an operation, and every operation's request is in dtos.rs"
    );

    let metadata = types_metadata(&server);
    let operations = metadata["operations"].as_array().expect("operations");
    assert_eq!(
        operations.len(),
        declared.len(),
        "/types/metadata lists {} operations, the api declares {}",
        operations.len(),
        declared.len()
    );
    let listed: BTreeMap<String, &Value> = operations
        .iter()
        .map(|op| (op["request"]["name"].as_str().unwrap().to_string(), op))
        .collect();
    assert_eq!(
        listed.keys().cloned().collect::<BTreeSet<_>>(),
        declared_names
    );
    for (request, response) in &declared {
        assert_eq!(listed[request]["response"]["name"], response.as_str());
        assert_eq!(listed[request]["returnType"]["name"], response.as_str());
        assert!(
            !listed[request]["routes"].as_array().unwrap().is_empty(),
            "{request} has no route"
        );
    }

    let index = fetch_ok(&server, "/metadata").text;
    let python = fetch_ok(&server, "/types/python").text;
    let typescript = fetch_ok(&server, "/types/typescript").text;
    let csharp = fetch_ok(&server, "/types/csharp").text;
    let openapi = fetch_ok(&server, "/openapi.json").json();
    let openapi_page = fetch_ok(&server, "/openapi").text;

    let mut openapi_operations = 0;
    for verbs in openapi["paths"].as_object().unwrap().values() {
        openapi_operations += verbs.as_object().unwrap().len();
    }
    let mut route_count = 0;

    for (name, op) in &listed {
        let response = op["response"]["name"].as_str().unwrap();
        assert!(
            index.contains(&format!("<a href=\"/json/metadata?op={name}\">{name}</a>")),
            "/metadata lacks {name}"
        );
        for fmt in FORMATS {
            assert!(
                index.contains(&format!("/{fmt}/metadata?op={name}\"")),
                "/metadata lacks the {fmt} page of {name}"
            );
        }
        assert!(
            python.contains(&format!("\nclass {name}(")),
            "/types/python lacks {name}"
        );
        assert!(
            python.contains(&format!("IReturn[{response}]")),
            "/types/python: {name} lacks IReturn[{response}]"
        );
        assert!(
            python.contains(&format!("\nclass {response}("))
                || python.contains(&format!("\nclass {response}:")),
            "/types/python lacks {response}"
        );
        assert!(
            typescript.contains(&format!("export class {name} "))
                && typescript.contains(&format!("getTypeName() {{ return '{name}'; }}"))
                && typescript.contains(&format!("implements IReturn<{response}>")),
            "/types/typescript lacks {name}"
        );
        assert!(
            csharp.contains(&format!("public partial class {name}"))
                && csharp.contains(&format!("IReturn<{response}>")),
            "/types/csharp lacks {name}"
        );
        for route in op["routes"].as_array().unwrap() {
            let path = route["path"].as_str().unwrap();
            for verb in route["verbs"].as_str().unwrap().split(',') {
                route_count += 1;
                let verb = verb.trim();
                assert!(
                    index.contains(&format!(
                        "<span class=\"verb\">{verb}</span> {}",
                        html_escape(path)
                    )),
                    "/metadata lacks {verb} {path}"
                );
                let route_comment = format!("@Route(\"{path}\", \"{verb}\")");
                assert!(
                    python.contains(&format!("# {route_comment}")),
                    "/types/python lacks {route_comment}"
                );
                assert!(
                    typescript.contains(&format!("// {route_comment}")),
                    "/types/typescript lacks {route_comment}"
                );
                assert!(
                    csharp.contains(&format!("[Route(\"{path}\", \"{verb}\")]")),
                    "/types/csharp lacks {route_comment}"
                );
                let documented = &openapi["paths"][path][verb.to_ascii_lowercase()];
                assert!(
                    documented.is_object(),
                    "/openapi.json lacks {verb} {path} ({name})"
                );
                assert!(
                    documented["operationId"]
                        .as_str()
                        .is_some_and(|id| id.starts_with(name.as_str())),
                    "/openapi.json: {verb} {path} is not {name}"
                );
                let response_ref = format!("#/components/schemas/{response}");
                assert_eq!(
                    documented["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
                    response_ref.as_str()
                );
                assert!(
                    openapi_page.contains(&format!("<code>{}</code>", html_escape(path))),
                    "/openapi lacks {path}"
                );
            }
        }
    }
    assert_eq!(
        openapi_operations, route_count,
        "/openapi.json documents a route no operation declares, or misses one"
    );
    for ty in metadata["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        assert!(
            openapi["components"]["schemas"][name].is_object(),
            "/openapi.json lacks the schema of {name}"
        );
    }
}

/// Every type a page must show: the request and response, their bases and the types their
/// members hold, ServiceStack's own types excepted.
fn reachable_types<'a>(types: &'a BTreeMap<String, Value>, roots: &[&str]) -> Vec<&'a Value> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.iter().map(|r| r.to_string()).collect();
    let mut out = Vec::new();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(ty) = types.get(&name) else { continue };
        out.push(ty);
        if let Some(base) = ty["inherits"]["name"].as_str() {
            stack.push(base.to_string());
        }
        for property in ty["properties"].as_array().unwrap() {
            let type_name = property["type"].as_str().unwrap();
            for word in type_name.split(|c: char| !c.is_alphanumeric() && c != '_') {
                if types.contains_key(word) {
                    stack.push(word.to_string());
                }
            }
        }
    }
    out.retain(|ty| {
        !matches!(
            ty["name"].as_str(),
            Some("ResponseStatus" | "ResponseError")
        )
    });
    out
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn every_metadata_page_is_well_formed_html_showing_every_member() {
    let server = Server::start();
    let metadata = types_metadata(&server);
    let types: BTreeMap<String, Value> = metadata["types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_string(), t.clone()))
        .collect();

    for path in ["/metadata", "/openapi"] {
        let reply = fetch_ok(&server, path);
        assert!(
            reply.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        if let Err(problem) = html::check(&reply.text) {
            panic!("{path} is not well-formed HTML: {problem}");
        }
    }

    let operations = metadata["operations"].as_array().unwrap();
    assert_eq!(operations.len(), declared_operations(&server).len());
    let mut pages = 0;
    for op in operations {
        let name = op["request"]["name"].as_str().unwrap();
        let response = op["response"]["name"].as_str().unwrap();
        let shown = reachable_types(&types, &[name, response]);
        for fmt in FORMATS {
            // Without `lang` a page shows the field tables; with one, the DTOs in it.
            for lang in std::iter::once(None).chain(LANGUAGES.map(Some)) {
                let path = match lang {
                    Some(lang) => format!("/{fmt}/metadata?op={name}&lang={lang}"),
                    None => format!("/{fmt}/metadata?op={name}"),
                };
                let reply = fetch_ok(&server, &path);
                pages += 1;
                assert!(
                    reply.headers["content-type"]
                        .to_str()
                        .unwrap()
                        .starts_with("text/html"),
                    "{path}"
                );
                let page = &reply.text;
                if let Err(problem) = html::check(page) {
                    panic!("{path} is not well-formed HTML: {problem}");
                }
                assert!(page.contains(&format!("<h2>{name}</h2>")), "{path}");
                let shown_format = if fmt == "jsonl" {
                    "OTHER"
                } else {
                    &fmt.to_uppercase()
                };
                assert!(page.contains(&format!("HTTP + {shown_format}")), "{path}");
                for route in op["routes"].as_array().unwrap() {
                    let route_path = html_escape(route["path"].as_str().unwrap());
                    assert!(
                        page.contains(&route_path),
                        "{path} lacks its route {route_path}"
                    );
                }
                let Some(lang) = lang else {
                    for ty in &shown {
                        let type_name = ty["name"].as_str().unwrap();
                        assert!(
                            page.contains(&format!("<h3>{type_name} Parameters:</h3>")),
                            "{path} has no field table for {type_name}"
                        );
                        for property in ty["properties"].as_array().unwrap() {
                            let pascal = property["name"].as_str().unwrap();
                            assert!(
                                page.contains(&format!("<tr><td>{pascal}</td>")),
                                "{path}: the field table of {type_name} lacks {pascal}"
                            );
                        }
                    }
                    // The request's own members say where they travel.
                    for property in types[name]["properties"].as_array().unwrap() {
                        let pascal = property["name"].as_str().unwrap();
                        let param_type = property["paramType"].as_str().unwrap();
                        assert!(
                            page.contains(&format!("<tr><td>{pascal}</td><td>{param_type}</td>")),
                            "{path}: {name}.{pascal} is not shown as a {param_type} parameter"
                        );
                    }
                    continue;
                };
                let code = page
                    .split("<pre class=\"dtos\">")
                    .nth(1)
                    .expect("the DTO code block")
                    .split("</pre>")
                    .next()
                    .unwrap();
                assert!(
                    !page.contains(" Parameters:</h3>"),
                    "{path} shows field tables"
                );
                for ty in &shown {
                    let type_name = ty["name"].as_str().unwrap();
                    let interface = ty["isInterface"] == true;
                    let declared = match (lang, interface) {
                        ("python", _) => format!("class {type_name}"),
                        ("typescript", true) => format!("export interface {type_name}"),
                        ("typescript", false) => format!("export class {type_name}"),
                        (_, true) => format!("public partial interface {type_name}"),
                        (_, false) => format!("public partial class {type_name}"),
                    };
                    assert!(
                        code.contains(&declared),
                        "{path}: the {lang} code lacks {type_name}"
                    );
                    for property in ty["properties"].as_array().unwrap() {
                        let pascal = property["name"].as_str().unwrap();
                        let wire = property["dataMember"]["wireName"].as_str().unwrap();
                        let member = match (lang, interface) {
                            ("python", _) => format!("    {}: ", snake_case(wire)),
                            ("typescript", true) => format!("    {wire}"),
                            ("typescript", false) => format!("    public {wire}"),
                            _ => format!(" {pascal} {{ get; set; }}"),
                        };
                        assert!(
                            code.contains(&member),
                            "{path}: the {lang} code of {type_name} lacks {member:?}"
                        );
                    }
                }
            }
        }
    }
    assert_eq!(
        pages,
        operations.len() * FORMATS.len() * (LANGUAGES.len() + 1)
    );
}

#[test]
fn the_checker_rejects_malformed_html() {
    let good = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>t &amp; u</title>\
<style>a>b{}</style></head><body><p>x<br>y</p><table><tr><td>1</td></tr></table><pre>&lt;a&gt;</pre></body></html>";
    assert_eq!(html::check(good), Ok(()));
    for bad in [
        "<html><head><title>t</title></head><body></body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body><p>a</b></body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body><p>a</body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body>a & b</body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body>a < b</body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body><a href=x>a</a></body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body><a href=\"x\" href=\"y\">a</a></body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body><p><table></table></p></body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body><br></br></body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body><td>x</td></body></html>",
        "<!DOCTYPE html><html><head><title>t</title></head><body></body></html><p>after</p>",
        "<!DOCTYPE html><html><head></head><body></body></html>",
    ] {
        assert!(html::check(bad).is_err(), "accepted: {bad}");
    }
}

/// A strict well-formedness check for the HTML we generate: a doctype, one `html` root with
/// `head` (with a `title`) and `body`, every element closed in order (void elements never
/// closed), quoted and unique attributes, `<` and `&` in text and attributes escaped (only
/// known character references), and no nesting an HTML5 parser would silently repair (block
/// elements inside `p`, `a` inside `a`, table cells outside rows, rows outside tables).
mod html {
    const VOID: [&str; 13] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr",
    ];
    const RAW_TEXT: [&str; 2] = ["script", "style"];
    const CLOSES_P: [&str; 24] = [
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "div",
        "dl",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "main",
        "nav",
        "p",
        "pre",
        "table",
    ];
    const ENTITIES: [&str; 6] = ["amp", "lt", "gt", "quot", "apos", "nbsp"];

    pub fn check(text: &str) -> Result<(), String> {
        let rest = text.trim_start();
        let doctype = "<!doctype html>";
        if rest.len() < doctype.len() || !rest[..doctype.len()].eq_ignore_ascii_case(doctype) {
            return Err("no <!DOCTYPE html>".into());
        }
        let mut rest = &rest[doctype.len()..];
        let mut stack: Vec<String> = Vec::new();
        let mut root_closed = false;
        let mut seen_title = false;
        let mut root_children: Vec<String> = Vec::new();
        let at = |rest: &str| text.len() - rest.len();
        while !rest.is_empty() {
            if let Some(comment) = rest.strip_prefix("<!--") {
                let end = comment.find("-->").ok_or("unterminated comment")?;
                rest = &comment[end + 3..];
                continue;
            }
            if let Some(tag) = rest.strip_prefix("</") {
                let end = tag.find('>').ok_or("unterminated end tag")?;
                let name = tag[..end].trim_end().to_ascii_lowercase();
                if !valid_name(&name) {
                    return Err(format!("bad end tag </{name}> at {}", at(rest)));
                }
                if VOID.contains(&name.as_str()) {
                    return Err(format!("end tag of void element </{name}> at {}", at(rest)));
                }
                match stack.pop() {
                    Some(open) if open == name => {}
                    Some(open) => {
                        return Err(format!("</{name}> closes <{open}> at {}", at(rest)));
                    }
                    None => return Err(format!("stray </{name}> at {}", at(rest))),
                }
                if stack.is_empty() {
                    root_closed = true;
                }
                rest = &tag[end + 1..];
                continue;
            }
            if let Some(tag) = rest.strip_prefix('<') {
                let (name, attributes, self_closing, after) =
                    start_tag(tag).map_err(|e| format!("{e} at {}", at(rest)))?;
                if root_closed || (stack.is_empty() && name != "html") {
                    return Err(format!("<{name}> outside the html element at {}", at(rest)));
                }
                if name == "html" && !stack.is_empty() {
                    return Err("nested <html>".into());
                }
                if stack.len() == 1 {
                    root_children.push(name.clone());
                }
                if name == "title" {
                    seen_title = stack.last().map(String::as_str) == Some("head");
                }
                nesting(&stack, &name).map_err(|e| format!("{e} at {}", at(rest)))?;
                let mut seen = std::collections::BTreeSet::new();
                for (attribute, value) in &attributes {
                    if !seen.insert(attribute.clone()) {
                        return Err(format!("duplicate attribute {attribute} on <{name}>"));
                    }
                    references(value).map_err(|e| format!("in {attribute}=: {e}"))?;
                }
                rest = after;
                if RAW_TEXT.contains(&name.as_str()) {
                    let close = format!("</{name}");
                    let end = rest
                        .to_ascii_lowercase()
                        .find(&close)
                        .ok_or_else(|| format!("unterminated <{name}>"))?;
                    rest = &rest[end..];
                    stack.push(name);
                    continue;
                }
                if !VOID.contains(&name.as_str()) {
                    if self_closing {
                        return Err(format!("self-closing non-void <{name}/>"));
                    }
                    stack.push(name);
                }
                continue;
            }
            let end = rest.find('<').unwrap_or(rest.len());
            let chunk = &rest[..end];
            if (stack.is_empty() || stack.len() == 1) && !chunk.trim().is_empty() {
                return Err(format!("text outside head and body: {chunk:?}"));
            }
            references(chunk).map_err(|e| format!("{e} at {}", at(rest)))?;
            rest = &rest[end..];
        }
        if let Some(open) = stack.last() {
            return Err(format!("<{open}> is never closed"));
        }
        if root_children != ["head", "body"] {
            return Err(format!("html holds {root_children:?}, not head then body"));
        }
        if !seen_title {
            return Err("no <title> in <head>".into());
        }
        Ok(())
    }

    fn valid_name(name: &str) -> bool {
        let mut chars = name.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric())
    }

    type StartTag<'a> = (String, Vec<(String, String)>, bool, &'a str);

    /// Reads `name attr="v" ...>` (after the `<`).
    fn start_tag(tag: &str) -> Result<StartTag<'_>, String> {
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .ok_or("unterminated start tag")?;
        let name = tag[..name_end].to_ascii_lowercase();
        if !valid_name(&name) {
            return Err(format!("a bare '<' or a bad tag name {name:?}"));
        }
        let mut rest = &tag[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix("/>") {
                return Ok((name, attributes, true, after));
            }
            if let Some(after) = rest.strip_prefix('>') {
                return Ok((name, attributes, false, after));
            }
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
                .ok_or("unterminated start tag")?;
            let attribute = rest[..end].to_ascii_lowercase();
            if attribute.is_empty()
                || !attribute
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':' || c == '_')
            {
                return Err(format!("bad attribute name {attribute:?} on <{name}>"));
            }
            rest = &rest[end..];
            if let Some(value) = rest.strip_prefix('=') {
                let quote = value
                    .chars()
                    .next()
                    .filter(|c| *c == '"' || *c == '\'')
                    .ok_or_else(|| format!("unquoted value of {attribute} on <{name}>"))?;
                let value = &value[1..];
                let close = value
                    .find(quote)
                    .ok_or_else(|| format!("unterminated value of {attribute}"))?;
                if value[..close].contains('<') {
                    return Err(format!("'<' in the value of {attribute}"));
                }
                attributes.push((attribute, value[..close].to_string()));
                rest = &value[close + 1..];
            } else {
                attributes.push((attribute, String::new()));
            }
        }
    }

    /// `&` only as a known character reference; no bare `<` (tags are handled before).
    fn references(text: &str) -> Result<(), String> {
        if text.contains('<') {
            return Err("unescaped '<' in text".into());
        }
        let mut rest = text;
        while let Some(position) = rest.find('&') {
            let after = &rest[position + 1..];
            let end = after.find(';').filter(|end| *end <= 10).ok_or_else(|| {
                format!("unescaped '&' before {:?}", &after[..after.len().min(12)])
            })?;
            let name = &after[..end];
            let valid = ENTITIES.contains(&name)
                || name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .is_some_and(|hex| {
                        !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit())
                    })
                || name
                    .strip_prefix('#')
                    .is_some_and(|dec| !dec.is_empty() && dec.chars().all(|c| c.is_ascii_digit()));
            if !valid {
                return Err(format!("unknown character reference &{name};"));
            }
            rest = &after[end + 1..];
        }
        Ok(())
    }

    /// Nesting an HTML5 parser would repair (so the document is not what it says).
    fn nesting(stack: &[String], name: &str) -> Result<(), String> {
        let parent = stack.last().map(String::as_str).unwrap_or("");
        let inside = |element: &str| stack.iter().any(|open| open == element);
        if parent == "p" && CLOSES_P.contains(&name) {
            return Err(format!("<{name}> inside <p>"));
        }
        if name == "a" && inside("a") {
            return Err("<a> inside <a>".into());
        }
        if matches!(name, "td" | "th") && parent != "tr" {
            return Err(format!("<{name}> outside a row (in <{parent}>)"));
        }
        if name == "tr" && !matches!(parent, "table" | "thead" | "tbody" | "tfoot") {
            return Err(format!("<tr> outside a table (in <{parent}>)"));
        }
        if parent == "tr" && !matches!(name, "td" | "th") {
            return Err(format!("<{name}> directly inside <tr>"));
        }
        if matches!(parent, "table" | "thead" | "tbody" | "tfoot")
            && !matches!(
                name,
                "tr" | "thead" | "tbody" | "tfoot" | "caption" | "colgroup"
            )
        {
            return Err(format!("<{name}> directly inside <{parent}>"));
        }
        if parent == "head"
            && !matches!(
                name,
                "meta" | "title" | "style" | "link" | "script" | "base"
            )
        {
            return Err(format!("<{name}> inside <head>"));
        }
        if matches!(name, "head" | "body") && parent != "html" {
            return Err(format!("<{name}> inside <{parent}>"));
        }
        Ok(())
    }
}
