//! Self-description, derived from the operation declarations: the `/metadata` pages,
//! `/types/*` (metadata JSON and client DTOs in the 13 languages of "Add ServiceStack
//! Reference") and OpenAPI. An operation cannot be missing from any of them, since all
//! read the same list.

mod csharp;
mod dart;
mod emit;
pub mod explorer;
mod fsharp;
mod java;
mod js;
mod jvm;
mod kotlin;
mod mjs;
mod openapi;
mod pages;
mod php;
mod python;
mod samples;
mod swift;
mod typescript;
mod typescript_d;
mod vbnet;

pub use emit::Options as DtoOptions;

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

    /// The DTOs in `language` with the caller's options; `None` leaves out the
    /// "Options:" header (used for the per-operation excerpts).
    pub fn dtos(&self, language: Language, options: &DtoOptions, base_url: Option<&str>) -> String {
        emit::generate(language.dialect(), self, options, base_url)
    }

    /// `None` leaves out the "Options:" header (used for the per-operation excerpts).
    pub fn python(&self, base_url: Option<&str>) -> String {
        self.dtos(Language::Python, &DtoOptions::default(), base_url)
    }

    /// `None` leaves out the "Options:" header (used for the per-operation excerpts).
    pub fn typescript(&self, base_url: Option<&str>) -> String {
        self.dtos(Language::TypeScript, &DtoOptions::default(), base_url)
    }

    /// `None` leaves out the "Options:" header (used for the per-operation excerpts).
    pub fn csharp(&self, base_url: Option<&str>) -> String {
        self.dtos(Language::CSharp, &DtoOptions::default(), base_url)
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

    /// `/types`: where each generator is, by ServiceStack's `TypeLinks` names.
    pub fn types_index(&self, base_url: &str) -> Value {
        let mut links = serde_json::Map::new();
        links.insert(
            "Metadata".into(),
            json!(format!("{base_url}/types/metadata")),
        );
        for language in Language::ALL {
            links.insert(
                language.link_name().into(),
                json!(format!("{base_url}/types/{}", language.path())),
            );
        }
        Value::Object(links)
    }

    /// `/types/metadata`: operations and types as ServiceStack's `MetadataTypes`.
    pub fn metadata_json(&self) -> Value {
        let type_json = |ty: &TypeInfo| {
            json!({
                "name": ty.name,
                "namespace": if is_servicestack_type(ty.name) { "ServiceStack" } else { self.namespace_of(ty) },
                "description": ty.description.trim(),
                "inherits": ty.base.map(|b| json!({ "name": b().name })),
                "implements": ty.interfaces.iter().map(|i| json!({ "name": i().name })).collect::<Vec<_>>(),
                "isInterface": ty.is_interface(),
                "dataContract": ty.data_contract,
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

/// A client language of "Add ServiceStack Reference": `/types/{path}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    CSharp,
    FSharp,
    VbNet,
    TypeScript,
    TypeScriptDefinition,
    CommonJs,
    Mjs,
    Python,
    Dart,
    Java,
    Kotlin,
    Swift,
    Php,
}

impl Language {
    pub const ALL: [Language; 13] = [
        Language::CSharp,
        Language::FSharp,
        Language::VbNet,
        Language::TypeScript,
        Language::TypeScriptDefinition,
        Language::CommonJs,
        Language::Mjs,
        Language::Python,
        Language::Dart,
        Language::Java,
        Language::Kotlin,
        Language::Swift,
        Language::Php,
    ];

    /// The `lang` values of the metadata pages, in the order their links show them.
    pub const ON_PAGES: [Language; 11] = [
        Language::CSharp,
        Language::FSharp,
        Language::VbNet,
        Language::TypeScript,
        Language::Mjs,
        Language::Python,
        Language::Dart,
        Language::Java,
        Language::Kotlin,
        Language::Swift,
        Language::Php,
    ];

    /// `/types/{path}`, also the `lang` value of the metadata pages.
    pub fn path(self) -> &'static str {
        match self {
            Language::CSharp => "csharp",
            Language::FSharp => "fsharp",
            Language::VbNet => "vbnet",
            Language::TypeScript => "typescript",
            Language::TypeScriptDefinition => "typescript.d",
            Language::CommonJs => "js",
            Language::Mjs => "mjs",
            Language::Python => "python",
            Language::Dart => "dart",
            Language::Java => "java",
            Language::Kotlin => "kotlin",
            Language::Swift => "swift",
            Language::Php => "php",
        }
    }

    /// The route, `/types/{path}`.
    pub fn types_path(self) -> &'static str {
        match self {
            Language::CSharp => "/types/csharp",
            Language::FSharp => "/types/fsharp",
            Language::VbNet => "/types/vbnet",
            Language::TypeScript => "/types/typescript",
            Language::TypeScriptDefinition => "/types/typescript.d",
            Language::CommonJs => "/types/js",
            Language::Mjs => "/types/mjs",
            Language::Python => "/types/python",
            Language::Dart => "/types/dart",
            Language::Java => "/types/java",
            Language::Kotlin => "/types/kotlin",
            Language::Swift => "/types/swift",
            Language::Php => "/types/php",
        }
    }

    pub fn from_path(path: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| l.path().eq_ignore_ascii_case(path))
    }

    /// The key in `/types` (ServiceStack's `TypeLinks`).
    pub fn link_name(self) -> &'static str {
        match self {
            Language::CSharp => "CSharp",
            Language::FSharp => "FSharp",
            Language::VbNet => "VbNet",
            Language::TypeScript => "TypeScript",
            Language::TypeScriptDefinition => "TypeScriptDefinition",
            Language::CommonJs => "CommonJs",
            Language::Mjs => "Mjs",
            Language::Python => "Python",
            Language::Dart => "Dart",
            Language::Java => "Java",
            Language::Kotlin => "Kotlin",
            Language::Swift => "Swift",
            Language::Php => "Php",
        }
    }

    /// As the metadata pages title the DTOs ("Kotlin PutThing DTOs").
    pub fn display_name(self) -> &'static str {
        match self {
            Language::CSharp => "C#",
            Language::FSharp => "F#",
            Language::VbNet => "VB.NET",
            Language::TypeScript => "TypeScript",
            Language::TypeScriptDefinition => "TypeScript Definitions",
            Language::CommonJs | Language::Mjs => "JavaScript",
            Language::Python => "Python",
            Language::Dart => "Dart",
            Language::Java => "Java",
            Language::Kotlin => "Kotlin",
            Language::Swift => "Swift",
            Language::Php => "PHP",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Language::CommonJs | Language::Mjs => "text/javascript; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        }
    }

    fn dialect(self) -> &'static dyn emit::Dialect {
        match self {
            Language::CSharp => &csharp::CSharp,
            Language::FSharp => &fsharp::FSharp,
            Language::VbNet => &vbnet::VbNet,
            Language::TypeScript => &typescript::TypeScript,
            Language::TypeScriptDefinition => &typescript_d::TypeScriptDeclarations,
            Language::CommonJs => &js::CommonJs,
            Language::Mjs => &mjs::Mjs,
            Language::Python => &python::Python,
            Language::Dart => &dart::Dart,
            Language::Java => &java::Java,
            Language::Kotlin => &kotlin::Kotlin,
            Language::Swift => &swift::Swift,
            Language::Php => &php::Php,
        }
    }
}

/// ServiceStack's `MetadataDataMember`: `name` only when the attribute names one
/// (a bare `[DataMember]` is `{}`); `null` without the attribute. Ours always carries
/// `wireName`, the JSON name, for readers that need it.
fn data_member_json(member: &Member) -> Value {
    let mut data_member = match member.data_member {
        crate::DataMemberForm::Absent => return json!({ "wireName": member.name }),
        crate::DataMemberForm::Named => json!({ "name": member.name }),
        crate::DataMemberForm::Bare => json!({}),
    };
    if member.is_required {
        data_member["isRequired"] = json!(true);
    }
    if let Some(order) = member.order {
        data_member["order"] = json!(order);
    }
    data_member["wireName"] = json!(member.name);
    data_member
}

fn property_json(member: &Member) -> Value {
    json!({
        "name": member.property,
        "type": member.type_name,
        "isValueType": matches!(member.kind, ValueKind::Bool | ValueKind::Integer | ValueKind::Number),
        "isRequired": !member.optional,
        "description": member.description.trim(),
        "paramType": member.binding.as_str(),
        "dataMember": data_member_json(member),
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
