//! Self-description, derived from the operation declarations: the `/metadata` pages,
//! `/types/*` (metadata JSON and client DTOs in Python, TypeScript and C#) and OpenAPI.
//! An operation cannot be missing from any of them, since all read the same list.

mod csharp;
pub mod explorer;
mod openapi;
mod pages;
mod python;
mod samples;
mod typescript;

use crate::{Binding, Member, Operation, RouteDecl, TypeInfo, ValueKind, Verb};
use serde_json::{json, Value};
use std::collections::HashSet;

/// What the generators need of one operation.
#[derive(Debug, Clone)]
pub struct OperationInfo {
    pub name: &'static str,
    pub routes: Vec<RouteDecl>,
    pub summary: &'static str,
    pub notes: &'static str,
    pub requires_auth: bool,
    pub request: TypeInfo,
    pub response: TypeInfo,
}

impl OperationInfo {
    /// The verb clients should use: the single distinct verb of the routes, else POST.
    pub fn preferred_verb(&self) -> Verb {
        let mut verbs = self.routes.iter().map(|r| r.verb);
        match verbs.next() {
            Some(first) if self.routes.iter().all(|r| r.verb == first) => first,
            _ => Verb::Post,
        }
    }
}

/// The whole service, described once at start-up.
#[derive(Debug, Clone)]
pub struct ServiceDescription {
    pub service_name: &'static str,
    pub operations: Vec<OperationInfo>,
    /// Every DTO the operations use, each after the types it depends on.
    pub types: Vec<TypeInfo>,
    pub namespaces: (&'static str, &'static str),
}

/// ServiceStack's own types come with the clients; generators leave them out.
pub fn is_servicestack_type(name: &str) -> bool {
    matches!(name, "ResponseStatus" | "ResponseError" | "ErrorResponse")
}

impl ServiceDescription {
    pub fn new<I>(
        service_name: &'static str,
        operations: &[Operation<I>],
        namespaces: (&'static str, &'static str),
    ) -> Self {
        let operations: Vec<OperationInfo> = operations
            .iter()
            .map(|op| OperationInfo {
                name: op.name,
                routes: op.routes.clone(),
                summary: op.summary,
                notes: op.notes,
                requires_auth: op.requires_auth,
                request: op.request.clone(),
                response: op.response.clone(),
            })
            .collect();
        let mut types = Vec::new();
        let mut seen = HashSet::new();
        for op in &operations {
            collect(&op.response, &mut types, &mut seen);
            collect(&op.request, &mut types, &mut seen);
        }
        ServiceDescription {
            service_name,
            operations,
            types,
            namespaces,
        }
    }

    /// The same service reduced to one operation and the types it uses.
    pub fn only(&self, op: &OperationInfo) -> ServiceDescription {
        let mut types = Vec::new();
        let mut seen = HashSet::new();
        collect(&op.response, &mut types, &mut seen);
        collect(&op.request, &mut types, &mut seen);
        ServiceDescription {
            service_name: self.service_name,
            operations: vec![op.clone()],
            types,
            namespaces: self.namespaces,
        }
    }

    pub fn operation(&self, name: &str) -> Option<&OperationInfo> {
        self.operations
            .iter()
            .find(|op| op.name.eq_ignore_ascii_case(name))
    }

    /// The request DTO's operation, if the type is a request.
    pub fn operation_of_request(&self, type_name: &str) -> Option<&OperationInfo> {
        self.operations
            .iter()
            .find(|op| op.request.name == type_name)
    }

    pub fn namespace_of(&self, ty: &TypeInfo) -> &'static str {
        if let Some(namespace) = ty.namespace {
            namespace
        } else if ty.name.ends_with("Response") {
            self.namespaces.1
        } else {
            self.namespaces.0
        }
    }

    /// `None` leaves out the "Options:" header (used for the per-operation excerpts).
    pub fn python(&self, base_url: Option<&str>) -> String {
        python::generate(self, base_url)
    }

    /// `None` leaves out the "Options:" header (used for the per-operation excerpts).
    pub fn typescript(&self, base_url: Option<&str>) -> String {
        typescript::generate(self, base_url)
    }

    /// `None` leaves out the "Options:" header (used for the per-operation excerpts).
    pub fn csharp(&self, base_url: Option<&str>) -> String {
        csharp::generate(self, base_url)
    }

    pub fn openapi(&self) -> Value {
        openapi::document(self)
    }

    pub fn openapi_page(&self) -> String {
        openapi::page(self)
    }

    pub fn index_page(&self) -> String {
        pages::index(self)
    }

    pub fn operation_page(
        &self,
        op: &OperationInfo,
        format: crate::Format,
        language: Option<&str>,
        base_url: &str,
    ) -> String {
        pages::operation(self, op, format, language, base_url)
    }

    /// `/types`: where each generator is.
    pub fn types_index(&self, base_url: &str) -> Value {
        json!({
            "Metadata": format!("{base_url}/types/metadata"),
            "CSharp": format!("{base_url}/types/csharp"),
            "TypeScript": format!("{base_url}/types/typescript"),
            "Python": format!("{base_url}/types/python"),
        })
    }

    /// `/types/metadata`: operations and types as ServiceStack's `MetadataTypes`.
    pub fn metadata_json(&self) -> Value {
        let type_json = |ty: &TypeInfo| {
            json!({
                "name": ty.name,
                "namespace": if is_servicestack_type(ty.name) { "ServiceStack" } else { self.namespace_of(ty) },
                "description": ty.description.trim(),
                "inherits": ty.base.map(|b| json!({ "name": b().name })),
                "dataContract": true,
                "properties": ty.own_members().iter().map(|m| property_json(m)).collect::<Vec<_>>(),
            })
        };
        json!({
            "config": { "baseUrl": "", "serviceName": self.service_name },
            "namespaces": [self.namespaces.0, self.namespaces.1],
            "types": self.types.iter().map(type_json).collect::<Vec<_>>(),
            "operations": self.operations.iter().map(|op| json!({
                "request": type_json(&op.request),
                "response": type_json(&op.response),
                "method": op.preferred_verb().as_str(),
                "actions": op.routes.iter().map(|r| r.verb.as_str()).collect::<Vec<_>>(),
                "returnType": { "name": op.response.name },
                "routes": op.routes.iter().map(|r| json!({
                    "path": r.path, "verbs": r.verb.as_str(), "summary": op.summary, "notes": op.notes,
                })).collect::<Vec<_>>(),
                "requiresAuth": op.requires_auth,
                "requiresApiKey": op.requires_auth,
            })).collect::<Vec<_>>(),
        })
    }
}

fn property_json(member: &Member) -> Value {
    json!({
        "name": member.property,
        "type": member.type_name,
        "isValueType": matches!(member.kind, ValueKind::Bool | ValueKind::Integer | ValueKind::Number),
        "isRequired": !member.optional,
        "description": member.description.trim(),
        "paramType": member.binding.as_str(),
        "dataMember": { "name": member.name },
    })
}

fn collect(ty: &TypeInfo, out: &mut Vec<TypeInfo>, seen: &mut HashSet<&'static str>) {
    if !seen.insert(ty.name) {
        return;
    }
    if let Some(base) = ty.base {
        collect(&base(), out, seen);
    }
    for interface in &ty.interfaces {
        collect(&interface(), out, seen);
    }
    for member in &ty.members {
        for used in [member.ty.referenced(), member.nested]
            .into_iter()
            .flatten()
        {
            collect(&used(), out, seen);
        }
    }
    out.push(ty.clone());
}

/// Members of a request that travel in the body on a given route.
pub fn body_members<'a>(request: &'a TypeInfo, route: &RouteDecl) -> Vec<&'a Member> {
    let in_path = |m: &Member| route.path.contains(&format!("{{{}}}", m.name));
    request
        .members
        .iter()
        .filter(|m| !in_path(m) && (route.verb.has_body() && m.binding != Binding::Query))
        .collect()
}

/// The header comment of "Add ServiceStack Reference" DTOs.
pub fn options_header(base_url: &str, comment: &str, extra_options: &[&str]) -> String {
    let date = time::OffsetDateTime::now_utc();
    let date = format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        date.year(),
        date.month() as u8,
        date.day(),
        date.hour(),
        date.minute(),
        date.second()
    );
    let mut lines = vec![
        format!("Date: {date}"),
        format!("Version: {}", env!("CARGO_PKG_VERSION")),
        format!("Tip: To override a DTO option, remove \"{comment}\" prefix before updating"),
        format!("BaseUrl: {base_url}"),
        String::new(),
        format!("{comment}GlobalNamespace: "),
    ];
    for option in extra_options {
        lines.push(format!("{comment}{option}"));
    }
    lines.push(format!("{comment}AddServiceStackTypes: True"));
    lines.push(format!("{comment}AddResponseStatus: False"));
    lines.push(format!("{comment}AddImplicitVersion: "));
    lines.push(format!("{comment}AddDescriptionAsComments: True"));
    lines.push(format!("{comment}IncludeTypes: "));
    lines.push(format!("{comment}ExcludeTypes: "));
    lines.join("\n")
}
