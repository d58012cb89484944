//! What every DTO generator shares: the "Add ServiceStack Reference" options (read from
//! the query string the update tools send back, echoed in the `Options:` header), the
//! choice of types (`IncludeTypes`, `ExcludeTypes`), and an indenting code writer. Each
//! language is a [`Dialect`]: its header and options, and how it writes the types.

use super::{is_servicestack_type, OperationInfo, ServiceDescription};
use crate::{DataMemberForm, Member, TypeInfo, Verb};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;

/// The options of one request, by name (case-insensitive, as ServiceStack reads them).
#[derive(Debug, Clone, Default)]
pub struct Options {
    given: BTreeMap<String, String>,
}

impl Options {
    pub fn from_query(pairs: &[(Cow<'_, str>, Cow<'_, str>)]) -> Options {
        let given = pairs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| (key.to_ascii_lowercase(), value.to_string()))
            .collect();
        Options { given }
    }

    pub fn given(&self, name: &str) -> Option<&str> {
        self.given
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// `True`/`False` as written in the header; anything else keeps the default.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        match self.given(name).map(str::to_ascii_lowercase).as_deref() {
            Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            _ => default,
        }
    }

    /// A comma-separated list (`IncludeTypes: A,B.*`).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.given(name)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// An option a language lists in its header, with the value it has by default.
/// The namespaces ServiceStack's C#, F# and VB.NET references import, in its order.
pub const DOTNET_NAMESPACES: [&str; 7] = [
    "System",
    "System.IO",
    "System.Collections",
    "System.Collections.Generic",
    "System.Runtime.Serialization",
    "ServiceStack",
    "ServiceStack.DataAnnotations",
];

/// The imports ServiceStack's Java and Kotlin references start with (also their
/// `DefaultImports` option's default).
pub const JVM_IMPORTS: [&str; 6] = [
    "java.math.*",
    "java.util.*",
    "java.io.InputStream",
    "net.servicestack.client.*",
    "com.google.gson.annotations.*",
    "com.google.gson.reflect.*",
];

pub struct OptionLine {
    pub name: &'static str,
    pub default: String,
}

pub fn option(name: &'static str, default: impl Into<String>) -> OptionLine {
    OptionLine {
        name,
        default: default.into(),
    }
}

/// A True/False option with its default.
pub fn flag(name: &'static str, default: bool) -> OptionLine {
    option(name, dotnet_bool(default))
}

/// `True`/`False`, as .NET prints booleans.
pub fn dotnet_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}

/// A language's `Options:` block: opening and closing lines and the prefix that
/// comments out an option left at its default (after `line_prefix`, which starts every
/// line of the block in languages without block comments: VB's `'`).
pub struct Header {
    pub open: &'static str,
    pub close: &'static str,
    pub comment: &'static str,
    pub line_prefix: &'static str,
    pub options: Vec<OptionLine>,
}

/// One generator: `/types/{name}` and `?lang={name}` on the metadata pages.
pub trait Dialect {
    /// What comes before the `Options:` header (PHP's `<?php namespace ..;`).
    fn preamble(&self, _context: &Context) -> String {
        String::new()
    }
    fn header(&self, context: &Context) -> Header;
    fn body(&self, out: &mut Code, context: &Context);
}

/// What a dialect reads while writing: the service, the chosen types, the options.
pub struct Context<'a> {
    pub service: &'a ServiceDescription,
    pub types: Vec<&'a TypeInfo>,
    pub options: &'a Options,
}

impl<'a> Context<'a> {
    pub fn new(service: &'a ServiceDescription, options: &'a Options) -> Context<'a> {
        Context {
            service,
            types: select(service, options),
            options,
        }
    }

    /// The operation whose request this type is (for IReturn markers and routes).
    pub fn operation_of(&self, ty: &TypeInfo) -> Option<&'a OperationInfo> {
        self.service.operation_of_request(ty.name)
    }

    pub fn namespace_of(&self, ty: &TypeInfo) -> &'static str {
        self.service.namespace_of(ty)
    }

    /// The chosen types grouped by .NET namespace, in order of first appearance;
    /// `GlobalNamespace` puts them all in one.
    pub fn by_namespace(&self) -> Vec<(String, Vec<&'a TypeInfo>)> {
        let global = self.options.given("GlobalNamespace");
        let mut groups: Vec<(String, Vec<&'a TypeInfo>)> = Vec::new();
        for ty in &self.types {
            let namespace = global.unwrap_or_else(|| self.namespace_of(ty)).to_string();
            match groups.iter_mut().find(|(n, _)| *n == namespace) {
                Some((_, types)) => types.push(ty),
                None => groups.push((namespace, vec![ty])),
            }
        }
        groups
    }

    pub fn return_marker(&self) -> bool {
        self.options.flag("AddReturnMarker", true)
    }

    pub fn descriptions(&self) -> bool {
        self.options.flag("AddDescriptionAsComments", true)
    }

    pub fn servicestack_types(&self) -> bool {
        self.options.flag("AddServiceStackTypes", true)
    }

    /// The response type a request's IReturn marker names, when markers are on.
    pub fn returns(&self, ty: &TypeInfo) -> Option<&'a str> {
        self.operation_of(ty)
            .filter(|_| self.return_marker())
            .map(|op| op.response.name)
    }

    /// `IGet`, `IPost`... for a request, when markers are on.
    pub fn verb_marker(&self, ty: &TypeInfo) -> Option<&'static str> {
        self.operation_of(ty)
            .filter(|_| self.return_marker())
            .map(|op| verb_interface(op.preferred_verb()))
    }
}

pub fn verb_interface(verb: Verb) -> &'static str {
    match verb {
        Verb::Get => "IGet",
        Verb::Post => "IPost",
        Verb::Put => "IPut",
        Verb::Patch => "IPatch",
        Verb::Delete => "IDelete",
    }
}

/// The whole file: the `Options:` header (unless `WithoutOptions`), then the body.
pub fn generate(
    dialect: &dyn Dialect,
    service: &ServiceDescription,
    options: &Options,
    base_url: Option<&str>,
) -> String {
    let context = Context::new(service, options);
    let mut out = Code::default();
    out.raw(&dialect.preamble(&context));
    if let Some(base_url) = base_url.filter(|_| !options.flag("WithoutOptions", false)) {
        out.raw(&options_header(
            &dialect.header(&context),
            base_url,
            options,
        ));
        out.raw("\n");
    }
    dialect.body(&mut out, &context);
    out.finish()
}

fn options_header(header: &Header, base_url: &str, options: &Options) -> String {
    let now = time::OffsetDateTime::now_utc();
    let prefix = header.line_prefix;
    let mut text = String::new();
    let _ = writeln!(text, "{}", header.open);
    let _ = writeln!(
        text,
        "{prefix}Date: {:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let _ = writeln!(text, "{prefix}Version: {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        text,
        "{prefix}Tip: To override a DTO option, remove \"{}\" prefix before updating",
        header
            .comment
            .strip_prefix(prefix)
            .unwrap_or(header.comment)
    );
    let _ = writeln!(text, "{prefix}BaseUrl: {base_url}");
    let _ = writeln!(text, "{prefix}");
    for line in &header.options {
        match options.given(line.name) {
            Some(value) => {
                let _ = writeln!(text, "{prefix}{}: {value}", line.name);
            }
            None => {
                let _ = writeln!(text, "{}{}: {}", header.comment, line.name, line.default);
            }
        }
    }
    let _ = writeln!(text, "{}", header.close);
    text
}

/// The types to write: every DTO of the service (ServiceStack's own come with the
/// clients), narrowed by `IncludeTypes` (`Name` the type, `Name.*` the type and all it
/// depends on, a request's response included) and `ExcludeTypes`.
fn select<'a>(service: &'a ServiceDescription, options: &Options) -> Vec<&'a TypeInfo> {
    let include = options.list("IncludeTypes");
    let exclude: HashSet<String> = options.list("ExcludeTypes").into_iter().collect();
    let mut wanted: Option<HashSet<&'static str>> = None;
    if !include.is_empty() {
        let mut names = HashSet::new();
        for entry in &include {
            match entry.strip_suffix(".*") {
                Some(name) => dependencies(service, name, &mut names),
                None => {
                    if let Some(ty) = service.types.iter().find(|t| t.name == entry.as_str()) {
                        names.insert(ty.name);
                    }
                }
            }
        }
        wanted = Some(names);
    }
    service
        .types
        .iter()
        .filter(|t| !is_servicestack_type(t.name))
        .filter(|t| wanted.as_ref().is_none_or(|w| w.contains(t.name)))
        .filter(|t| !exclude.contains(t.name))
        .collect()
}

fn dependencies(service: &ServiceDescription, name: &str, out: &mut HashSet<&'static str>) {
    let Some(ty) = service.types.iter().find(|t| t.name == name) else {
        return;
    };
    if !out.insert(ty.name) {
        return;
    }
    let mut used: Vec<&'static str> = Vec::new();
    used.extend(ty.base.map(|b| b().name));
    used.extend(ty.interfaces.iter().map(|i| i().name));
    for member in &ty.members {
        used.extend(member.ty.referenced().map(|r| r().name));
        used.extend(member.nested.map(|n| n().name));
    }
    used.extend(
        service
            .operation_of_request(ty.name)
            .map(|op| op.response.name),
    );
    for name in used {
        dependencies(service, name, out);
    }
}

/// The arguments of a member's `[DataMember(...)]`: `None` when it has no attribute,
/// `Some("")` for a bare one. `assign` is the language's `=` (`:=` in VB).
pub fn data_member_args(member: &Member, assign: &str) -> Option<String> {
    let mut args = Vec::new();
    match member.data_member {
        DataMemberForm::Absent => return None,
        DataMemberForm::Named => args.push(format!("Name{assign}\"{}\"", member.name)),
        DataMemberForm::Bare => {}
    }
    if let Some(order) = member.order {
        args.push(format!("Order{assign}{order}"));
    }
    if member.is_required {
        args.push(format!("IsRequired{assign}true"));
    }
    Some(args.join(", "))
}

/// `DataMember` or `DataMember(Name="x", IsRequired=true)`, for languages that show the
/// attribute in a comment or annotation.
pub fn data_member_annotation(member: &Member) -> Option<String> {
    data_member_args(member, "=").map(|args| {
        if args.is_empty() {
            "DataMember".into()
        } else {
            format!("DataMember({args})")
        }
    })
}

/// `camelCase` of a .NET property (`AffiliatePrograms` -> `affiliatePrograms`).
pub fn camel_case(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An indenting writer (four spaces a level); every dialect writes through it.
#[derive(Default)]
pub struct Code {
    text: String,
    depth: usize,
}

impl Code {
    pub fn line(&mut self, line: impl AsRef<str>) {
        let line = line.as_ref();
        if !line.is_empty() {
            for _ in 0..self.depth {
                self.text.push_str("    ");
            }
        }
        self.text.push_str(line);
        self.text.push('\n');
    }

    pub fn blank(&mut self) {
        self.text.push('\n');
    }

    pub fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub fn indent(&mut self) {
        self.depth += 1;
    }

    pub fn outdent(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// `open`, the lines `inside` writes one level deeper, then `close`.
    pub fn block(&mut self, open: &str, close: &str, inside: impl FnOnce(&mut Code)) {
        self.line(open);
        self.indent();
        inside(self);
        self.outdent();
        self.line(close);
    }

    /// A description as line comments (`// text`), when descriptions are on.
    pub fn comment(&mut self, prefix: &str, text: &str) {
        for line in text.trim().lines() {
            self.line(format!("{prefix}{}", line.trim()));
        }
    }

    pub fn finish(self) -> String {
        self.text
    }
}
