//! OpenAPI 3.1 for the user routes, and a browsable page rendered from it on the
//! server (the machine may be offline: no CDN, no script needed).

use super::{body_members, OperationInfo, ServiceDescription};
use crate::codec::escape_html;
use crate::RouteDecl;
use crate::{Member, Scalar, TypeInfo, TypeRef};
use serde_json::{json, Map, Value};

pub fn document(service: &ServiceDescription) -> Value {
    let mut paths = Map::new();
    for op in &service.operations {
        for route in &op.routes {
            let entry = paths
                .entry(route.path.to_string())
                .or_insert_with(|| json!({}));
            entry[route.verb.as_str().to_ascii_lowercase()] = route_operation(op, route);
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": service.service_name, "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "schemas": component_schemas(service),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "The API key as a bearer token." },
                "basic": { "type": "http", "scheme": "basic", "description": "The API key as user name, the secret (or nothing) as password." },
                "apiKey": { "type": "apiKey", "in": "header", "name": "X-Api-Key", "description": "The API key; send X-Api-Secret with it to check the secret too." },
            },
        },
        "security": [{ "bearer": [] }, { "basic": [] }, { "apiKey": [] }],
    })
}

/// One route of an operation: its parameters (path, then query), body and answers.
fn route_operation(op: &OperationInfo, route: &RouteDecl) -> Value {
    let path_vars: Vec<&Member> = op
        .request
        .members
        .iter()
        .filter(|m| route.path.contains(&format!("{{{}}}", m.name)))
        .collect();
    let body = body_members(&op.request, route);
    let query: Vec<&Member> = op
        .request
        .members
        .iter()
        .filter(|m| {
            !path_vars.iter().any(|p| p.name == m.name) && !body.iter().any(|b| b.name == m.name)
        })
        .collect();
    let mut parameters: Vec<Value> = path_vars
                .iter()
                .map(|m| json!({ "name": m.name, "in": "path", "required": true, "description": m.description.trim(), "schema": member_schema(m) }))
                .collect();
    parameters.extend(query.iter().map(|m| {
                json!({ "name": m.name, "in": "query", "required": false, "description": m.description.trim(), "schema": member_schema(m) })
            }));
    let mut operation = json!({
        "operationId": if op.routes.len() > 1 { format!("{}_{}", op.name, route.path.replace(['/', '{', '}', '-'], "_")) } else { op.name.to_string() },
        "summary": op.summary,
        "description": op.notes,
        "tags": [op.name.trim_end_matches("Request")],
        "parameters": parameters,
        "responses": responses(&op.response),
    });
    if !body.is_empty() {
        let properties: Map<String, Value> = body
            .iter()
            .map(|m| (m.name.to_string(), member_schema(m)))
            .collect();
        // Not required: a missing body binds as the DTO's defaults (then the
        // operation's validation answers), as ServiceStack does.
        operation["requestBody"] = json!({
            "required": false,
            "content": { "application/json": { "schema": { "type": "object", "properties": properties } } },
        });
    }
    if !op.requires_auth {
        operation["security"] = json!([]);
    }
    operation
}

/// Every DTO, and the error types every operation may answer.
fn component_schemas(service: &ServiceDescription) -> Map<String, Value> {
    let mut schemas = Map::new();
    for ty in &service.types {
        schemas.insert(ty.name.to_string(), type_schema(ty));
    }
    schemas.insert(
        "ResponseStatus".into(),
        type_schema(&crate::schema::response_status_type()),
    );
    schemas.insert(
        "ResponseError".into(),
        type_schema(&crate::schema::response_error_type()),
    );
    schemas.insert(
        "ErrorResponse".into(),
        json!({
            "type": "object",
            "description": "An error raised before the request reached an operation.",
            "properties": { "responseStatus": { "$ref": "#/components/schemas/ResponseStatus" } },
            "required": ["responseStatus"],
        }),
    );
    schemas
}

fn responses(response: &TypeInfo) -> Value {
    // An error is the operation's response DTO with its members at their defaults, or, when
    // the request failed before reaching the operation (e.g. a value that does not parse),
    // a bare ErrorResponse; both carry the responseStatus.
    let error = |description: &str| {
        json!({ "description": description, "content": { "application/json": { "schema": { "anyOf": [
            { "$ref": format!("#/components/schemas/{}", response.name) },
            { "$ref": "#/components/schemas/ErrorResponse" },
        ] } } } })
    };
    json!({
        "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{}", response.name) } } } },
        "400": error("Validation failed or the request does not parse"),
        "401": { "description": "Not authenticated (empty body) or wrong credentials" },
        "403": error("Not allowed to act for that user"),
        "404": error("Not found"),
        "405": error("The operation or the verb is not supported"),
        "409": error("Conflict"),
        "413": error("The body is too large"),
        "415": error("The Content-Type is not supported"),
        "500": error("Unexpected error"),
    })
}

fn type_schema(ty: &TypeInfo) -> Value {
    let properties: Map<String, Value> = ty
        .members
        .iter()
        .map(|m| (m.name.to_string(), member_schema(m)))
        .collect();
    let mut schema = json!({ "type": "object", "properties": properties });
    // Members that are not optional are always written (defaults included), also in errors,
    // which carry the response DTO with its defaults.
    let required: Vec<&str> = ty
        .members
        .iter()
        .filter(|m| !m.optional)
        .map(|m| m.name)
        .collect();
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    let description = ty.description.trim();
    if !description.is_empty() {
        schema["description"] = json!(description);
    }
    schema
}

fn scalar_schema(scalar: Scalar) -> Value {
    match scalar {
        // Guid and DateTime travel as strings (ServiceStack's spellings, not RFC 3339/4122).
        Scalar::String | Scalar::Guid | Scalar::DateTime => json!({ "type": "string" }),
        Scalar::Bool => json!({ "type": "boolean" }),
        Scalar::UInt => {
            json!({ "type": "integer", "format": "int64", "minimum": 0, "maximum": 4294967295u64 })
        }
        Scalar::Int => json!({ "type": "integer", "format": "int32" }),
        Scalar::Long | Scalar::ULong => json!({ "type": "integer", "format": "int64" }),
        Scalar::Double => json!({ "type": "number" }),
    }
}

/// The schema of what travels: an interface-typed value is its concrete class.
fn type_ref_schema(ty: &TypeRef, concrete: Option<&str>) -> Value {
    let reference = |name: &str| json!({ "$ref": format!("#/components/schemas/{name}") });
    match ty {
        TypeRef::Scalar(scalar) => scalar_schema(*scalar),
        TypeRef::Map { value, .. } => {
            json!({ "type": "object", "additionalProperties": type_ref_schema(value, concrete) })
        }
        TypeRef::List(item) => json!({ "type": "array", "items": type_ref_schema(item, concrete) }),
        TypeRef::Interface { name, .. } => reference(concrete.unwrap_or(name)),
        TypeRef::Type { name, .. } => reference(name),
    }
}

fn member_schema(member: &Member) -> Value {
    let concrete = member.nested.map(|n| n().name);
    let mut schema = type_ref_schema(&member.ty, concrete);
    let description = member.description.trim();
    if !description.is_empty() && schema.get("$ref").is_none() {
        schema["description"] = json!(description);
    }
    schema
}

pub fn page(service: &ServiceDescription) -> String {
    let doc = document(service);
    let mut out = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} API</title>{style}</head><body>\
<h1>{name} API</h1><p>OpenAPI 3.1 document: <a href=\"/openapi.json\">/openapi.json</a>. \
Authenticate with <code>Authorization: Bearer &lt;api key&gt;</code>, Basic, or <code>X-Api-Key</code>.</p>",
        name = escape_html(service.service_name),
        style = super::pages::STYLE,
    );
    if let Some(paths) = doc["paths"].as_object() {
        for (path, verbs) in paths {
            for (verb, op) in verbs.as_object().into_iter().flatten() {
                out.push_str(&format!(
                    "<section><h2><span class=\"verb\">{}</span> <code>{}</code></h2><p>{}</p><p>{}</p><table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>",
                    escape_html(&verb.to_uppercase()),
                    escape_html(path),
                    escape_html(op["summary"].as_str().unwrap_or("")),
                    escape_html(op["description"].as_str().unwrap_or("")),
                ));
                for p in op["parameters"].as_array().into_iter().flatten() {
                    out.push_str(&format!(
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape_html(p["name"].as_str().unwrap_or("")),
                        escape_html(p["in"].as_str().unwrap_or("")),
                        escape_html(
                            &p["schema"]["type"]
                                .as_str()
                                .map(str::to_string)
                                .unwrap_or_else(|| p["schema"].to_string())
                        ),
                        escape_html(p["description"].as_str().unwrap_or("")),
                    ));
                }
                if let Some(body) = op["requestBody"]["content"]["application/json"]["schema"]
                    ["properties"]
                    .as_object()
                {
                    for (name, schema) in body {
                        out.push_str(&format!(
                            "<tr><td>{}</td><td>body</td><td>{}</td><td>{}</td></tr>",
                            escape_html(name),
                            escape_html(
                                &schema["type"]
                                    .as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| schema.to_string())
                            ),
                            escape_html(schema["description"].as_str().unwrap_or("")),
                        ));
                    }
                }
                out.push_str("</table></section>");
            }
        }
    }
    out.push_str("</body></html>");
    out
}
