//! `/types/mjs`: ES module JavaScript DTOs (classes with JSDoc types), as ServiceStack's
//! MjsGenerator writes them. Interfaces have no JavaScript form and are left out, as
//! the original's pages show. The class writer is shared with `/types/js` (CommonJS).

use super::emit::{flag, option, Code, Context, Dialect, Header};
use super::typescript::type_name;
use crate::TypeInfo;

pub struct Mjs;

impl Dialect for Mjs {
    fn header(&self, _: &Context) -> Header {
        javascript_header()
    }

    fn body(&self, out: &mut Code, context: &Context) {
        out.line("\"use strict\";");
        for ty in classes(context) {
            write_class(out, context, ty, "export ");
        }
    }
}

pub fn javascript_header() -> Header {
    Header {
        open: "/* Options:",
        close: "*/",
        comment: "//",
        line_prefix: "",
        options: vec![
            flag("AddServiceStackTypes", true),
            flag("AddDocAnnotations", true),
            flag("AddDescriptionAsComments", true),
            option("IncludeTypes", ""),
            option("ExcludeTypes", ""),
            option("DefaultImports", ""),
        ],
    }
}

/// The types that become JavaScript classes (interfaces do not).
pub fn classes<'a>(context: &'a Context) -> impl Iterator<Item = &'a TypeInfo> + 'a {
    context.types.iter().copied().filter(|t| !t.is_interface())
}

/// One class: `init` documents every member, inherited ones included.
pub fn write_class(out: &mut Code, context: &Context, ty: &TypeInfo, export: &str) {
    let description = ty.description.trim();
    if context.descriptions() && !description.is_empty() {
        out.line(format!(
            "/** @description {} */",
            description.replace("*/", "* /")
        ));
    }
    let base = ty.base.map(|b| b().name);
    let extends = base.map(|b| format!(" extends {b}")).unwrap_or_default();
    out.line(format!("{export}class {}{extends} {{", ty.name));
    out.indent();
    let init: Vec<String> = ty
        .members
        .iter()
        .map(|m| format!("{}?:{}", m.name, type_name(&m.ty)))
        .collect();
    out.line(format!("/** @param {{{{{}}}}} [init] */", init.join(",")));
    let call_super = if base.is_some() { "super(init); " } else { "" };
    out.line(format!(
        "constructor(init) {{ {call_super}Object.assign(this, init) }}"
    ));
    for member in ty.own_members() {
        out.line(format!("/** @type {{{}}} */", type_name(&member.ty)));
        out.line(format!("{};", member.name));
    }
    if let Some(op) = context.operation_of(ty) {
        out.line(format!("getTypeName() {{ return '{}' }}", ty.name));
        out.line(format!(
            "getMethod() {{ return '{}' }}",
            op.preferred_verb().as_str()
        ));
        if context.return_marker() {
            out.line(format!(
                "createResponse() {{ return new {}() }}",
                op.response.name
            ));
        }
    }
    out.outdent();
    out.line("}");
}
