//! VB.NET DTOs as ServiceStack's VbNetGenerator writes them: `Namespace` blocks,
//! `<DataContract>`/`<DataMember(Name:="..")>` as declared, `Public Partial Interface`.

use super::emit::{
    data_member_args, flag, option, Code, Context, Dialect, Header, DOTNET_NAMESPACES,
};
use crate::{Scalar, TypeInfo, TypeRef};

pub struct VbNet;

impl Dialect for VbNet {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "' Options:",
            close: "",
            comment: "'''",
            line_prefix: "'",
            options: vec![
                option("GlobalNamespace", ""),
                flag("MakePartial", true),
                flag("MakeVirtual", true),
                flag("MakeDataContractsExtensible", false),
                flag("AddReturnMarker", true),
                flag("AddDescriptionAsComments", true),
                flag("AddDataContractAttributes", false),
                flag("AddIndexesToDataMembers", false),
                flag("AddGeneratedCodeAttributes", false),
                flag("AddResponseStatus", false),
                option("AddImplicitVersion", ""),
                flag("InitializeCollections", false),
                flag("ExportValueTypes", false),
                option("IncludeTypes", ""),
                option("ExcludeTypes", ""),
                option("AddNamespaces", ""),
                option(
                    "AddDefaultXmlNamespace",
                    "http://schemas.servicestack.net/types",
                ),
            ],
        }
    }

    fn body(&self, out: &mut Code, context: &Context) {
        for import in DOTNET_NAMESPACES {
            out.line(format!("Imports {import}"));
        }
        for (namespace, _) in context.by_namespace() {
            out.line(format!("Imports {namespace}"));
        }
        out.blank();
        out.line("Namespace Global");
        out.indent();
        for (namespace, types) in context.by_namespace() {
            out.blank();
            out.line(format!("Namespace {namespace}"));
            out.indent();
            for ty in types {
                out.blank();
                declare(out, context, ty);
            }
            out.outdent();
            out.line("End Namespace");
        }
        out.outdent();
        out.line("End Namespace");
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let partial = if context.options.flag("MakePartial", true) {
        "Partial "
    } else {
        ""
    };
    let implements: Vec<String> = ty
        .interfaces
        .iter()
        .map(|i| i().name.to_string())
        .chain(context.returns(ty).map(|r| format!("IReturn(Of {r})")))
        .chain(context.verb_marker(ty).map(str::to_string))
        .collect();
    if ty.is_interface() {
        out.line(format!("Public {partial}Interface {}", ty.name));
        out.indent();
        for member in ty.own_members() {
            out.line(format!(
                "Property {} As {}",
                member.property,
                vb_type(&member.ty)
            ));
        }
        out.outdent();
        out.line("End Interface");
        return;
    }
    if let Some(op) = context.operation_of(ty) {
        for route in &op.routes {
            out.line(format!(
                "<Route(\"{}\", \"{}\")>",
                route.path,
                route.verb.as_str()
            ));
        }
    }
    if ty.data_contract {
        out.line("<DataContract>");
    }
    out.line(format!("Public {partial}Class {}", ty.name));
    out.indent();
    if let Some(base) = ty.base {
        out.line(format!("Inherits {}", base().name));
    }
    if !implements.is_empty() {
        out.line(format!("Implements {}", implements.join(", ")));
    }
    let overridable = if context.options.flag("MakeVirtual", true) {
        "Overridable "
    } else {
        ""
    };
    let inherited: Vec<(String, String)> = ty
        .interfaces
        .iter()
        .flat_map(|i| {
            let interface = i();
            interface
                .members
                .iter()
                .map(|m| {
                    (
                        m.property.clone(),
                        format!("{}.{}", interface.name, m.property),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for member in ty.own_members() {
        out.blank();
        match data_member_args(member, ":=") {
            Some(args) if args.is_empty() => out.line("<DataMember>"),
            Some(args) => out.line(format!("<DataMember({args})>")),
            None => {}
        }
        let implements = inherited
            .iter()
            .find(|(property, _)| *property == member.property)
            .map(|(_, qualified)| format!(" Implements {qualified}"))
            .unwrap_or_default();
        out.line(format!(
            "Public {overridable}Property {} As {}{implements}",
            member.property,
            vb_type(&member.ty)
        ));
    }
    out.outdent();
    out.line("End Class");
}

fn vb_type(ty: &TypeRef) -> String {
    clr_type(ty, "(Of ", ")", "List")
}

/// The CLR names VB and F# use (`String`, `UInt32`, `Boolean`), generic arguments
/// between `open` and `close`, lists as `list`.
pub fn clr_type(ty: &TypeRef, open: &str, close: &str, list: &str) -> String {
    match ty {
        TypeRef::Scalar(scalar) => match scalar {
            Scalar::String => "String",
            Scalar::UInt => "UInt32",
            Scalar::Int => "Int32",
            Scalar::ULong => "UInt64",
            Scalar::Long => "Int64",
            Scalar::Double => "Double",
            Scalar::Bool => "Boolean",
            Scalar::Guid => "Guid",
            Scalar::DateTime => "DateTime",
        }
        .into(),
        TypeRef::Map { value, interface } => format!(
            "{}Dictionary{open}String, {}{close}",
            if *interface { "I" } else { "" },
            clr_type(value, open, close, list)
        ),
        TypeRef::List(item) => format!("{list}{open}{}{close}", clr_type(item, open, close, list)),
        TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
    }
}
