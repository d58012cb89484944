//! F# DTOs as ServiceStack's FSharpGenerator writes them: one namespace, classes with
//! `member val`, interfaces with `abstract` members, `[<DataContract>]` as declared.

use super::emit::{
    data_member_args, flag, option, Code, Context, Dialect, Header, DOTNET_NAMESPACES,
};
use super::vbnet::clr_type;
use crate::TypeInfo;

pub struct FSharp;

impl Dialect for FSharp {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "(* Options:",
            close: "*)",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("GlobalNamespace", ""),
                flag("MakeDataContractsExtensible", false),
                flag("AddReturnMarker", true),
                flag("AddDescriptionAsComments", true),
                flag("AddDataContractAttributes", false),
                flag("AddIndexesToDataMembers", false),
                flag("AddGeneratedCodeAttributes", false),
                flag("AddResponseStatus", false),
                option("AddImplicitVersion", ""),
                flag("ExportValueTypes", false),
                option("IncludeTypes", ""),
                option("ExcludeTypes", ""),
                flag("InitializeCollections", false),
                option("AddNamespaces", ""),
            ],
        }
    }

    fn body(&self, out: &mut Code, context: &Context) {
        // F# has one namespace per file: the requests' (GlobalNamespace when given).
        let namespace = context
            .options
            .given("GlobalNamespace")
            .unwrap_or(context.service.namespaces.0);
        out.line(format!("namespace {namespace}"));
        out.blank();
        for open in DOTNET_NAMESPACES {
            out.line(format!("open {open}"));
        }
        out.blank();
        out.indent();
        for ty in &context.types {
            declare(out, context, ty);
            out.blank();
        }
        out.outdent();
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    if ty.is_interface() {
        out.line("[<AllowNullLiteral>]");
        out.line(format!("type {} = ", ty.name));
        out.indent();
        for interface in &ty.interfaces {
            out.line(format!("inherit {}", interface().name));
        }
        for member in ty.own_members() {
            out.line(format!(
                "abstract {}:{} with get,set",
                member.property,
                fs_type(&member.ty)
            ));
        }
        out.outdent();
        return;
    }
    if let Some(op) = context.operation_of(ty) {
        for route in &op.routes {
            out.line(format!(
                "[<Route(\"{}\", \"{}\")>]",
                route.path,
                route.verb.as_str()
            ));
        }
    }
    if ty.data_contract {
        out.line("[<DataContract>]");
    }
    out.line("[<AllowNullLiteral>]");
    out.line(format!("type {}() = ", ty.name));
    out.indent();
    if let Some(base) = ty.base {
        out.line(format!("inherit {}()", base().name));
    }
    for member in ty.own_members() {
        match data_member_args(member, "=") {
            Some(args) if args.is_empty() => out.line("[<DataMember>]"),
            Some(args) => out.line(format!("[<DataMember({args})>]")),
            None => {}
        }
        out.line(format!(
            "member val {}:{} = {} with get,set",
            member.property,
            fs_type(&member.ty),
            default_value(&member.ty)
        ));
    }
    if let Some(response) = context.returns(ty) {
        out.line(format!("interface IReturn<{response}>"));
    }
    if ty.own_members().is_empty() && ty.base.is_none() && context.returns(ty).is_none() {
        out.line("class end");
    }
    for interface in &ty.interfaces {
        let interface = interface();
        out.line(format!("interface {} with", interface.name));
        out.indent();
        for member in &interface.members {
            out.line(format!(
                "member this.{0} with get() = this.{0} and set(v) = this.{0} <- v",
                member.property
            ));
        }
        out.outdent();
    }
    out.outdent();
}

/// F# spells the CLR names (`String`, `UInt32`) and generic brackets without `Of`.
fn fs_type(ty: &crate::TypeRef) -> String {
    clr_type(ty, "<", ">", "ResizeArray")
}

fn default_value(ty: &crate::TypeRef) -> &'static str {
    use crate::{Scalar, TypeRef};
    match ty {
        TypeRef::Scalar(Scalar::Bool) => "false",
        TypeRef::Scalar(Scalar::UInt) => "0u",
        TypeRef::Scalar(Scalar::Int) => "0",
        TypeRef::Scalar(Scalar::ULong) => "0UL",
        TypeRef::Scalar(Scalar::Long) => "0L",
        TypeRef::Scalar(Scalar::Double) => "0.0",
        TypeRef::Scalar(Scalar::Guid) => "new Guid()",
        TypeRef::Scalar(Scalar::DateTime) => "new DateTime()",
        _ => "null",
    }
}
