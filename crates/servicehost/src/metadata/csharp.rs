//! C# DTOs as ServiceStack's CSharpGenerator writes them: one `namespace` block per
//! .NET namespace, `[DataContract]`/`[DataMember]` as declared, interfaces as
//! `public partial interface`.

use super::emit::{
    data_member_args, flag, option, Code, Context, Dialect, Header, DOTNET_NAMESPACES,
};
use crate::{Scalar, TypeInfo, TypeRef};

pub struct CSharp;

impl Dialect for CSharp {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "/* Options:",
            close: "*/",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("GlobalNamespace", ""),
                flag("MakePartial", true),
                flag("MakeVirtual", true),
                flag("MakeInternal", false),
                flag("MakeDataContractsExtensible", false),
                flag("AddNullableAnnotations", false),
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
        for using in DOTNET_NAMESPACES {
            out.line(format!("using {using};"));
        }
        let mut namespaces: Vec<String> = context
            .by_namespace()
            .into_iter()
            .map(|(namespace, _)| namespace)
            .collect();
        namespaces.extend(context.options.list("AddNamespaces"));
        for namespace in &namespaces {
            out.line(format!("using {namespace};"));
        }
        for (namespace, types) in context.by_namespace() {
            out.blank();
            out.line(format!("namespace {namespace}"));
            out.block("{", "}", |out| {
                for (i, ty) in types.iter().enumerate() {
                    if i > 0 {
                        out.blank();
                    }
                    declare(out, context, ty);
                }
            });
        }
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let partial = if context.options.flag("MakePartial", true) {
        "partial "
    } else {
        ""
    };
    let visibility = if context.options.flag("MakeInternal", false) {
        "internal"
    } else {
        "public"
    };
    if context.descriptions() && !ty.description.trim().is_empty() {
        out.comment("///", &format!("<summary>\n{}\n</summary>", ty.description));
    }
    if let Some(op) = context.operation_of(ty) {
        for route in &op.routes {
            out.line(format!(
                "[Route(\"{}\", \"{}\")]",
                route.path,
                route.verb.as_str()
            ));
        }
    }
    let mut parents: Vec<String> = ty.base.map(|b| b().name.to_string()).into_iter().collect();
    parents.extend(ty.interfaces.iter().map(|i| i().name.to_string()));
    parents.extend(context.returns(ty).map(|r| format!("IReturn<{r}>")));
    parents.extend(context.verb_marker(ty).map(str::to_string));
    let parents = if parents.is_empty() {
        String::new()
    } else {
        format!(" : {}", parents.join(", "))
    };
    if ty.is_interface() {
        out.line(format!(
            "{visibility} {partial}interface {}{parents}",
            ty.name
        ));
        out.block("{", "}", |out| {
            for member in ty.own_members() {
                out.line(format!(
                    "{} {} {{ get; set; }}",
                    type_name(&member.ty, member.optional),
                    member.property
                ));
            }
        });
        return;
    }
    if ty.data_contract {
        out.line("[DataContract]");
    }
    out.line(format!("{visibility} {partial}class {}{parents}", ty.name));
    let modifier = if context.options.flag("MakeVirtual", true) {
        "virtual "
    } else {
        ""
    };
    out.block("{", "}", |out| {
        for (i, member) in ty.own_members().into_iter().enumerate() {
            if i > 0 {
                out.blank();
            }
            if context.descriptions() && !member.description.trim().is_empty() {
                out.comment(
                    "///",
                    &format!("<summary>\n{}\n</summary>", member.description),
                );
            }
            match data_member_args(member, "=") {
                Some(args) if args.is_empty() => out.line("[DataMember]"),
                Some(args) => out.line(format!("[DataMember({args})]")),
                None => {}
            }
            out.line(format!(
                "public {modifier}{} {} {{ get; set; }}",
                type_name(&member.ty, member.optional),
                member.property
            ));
        }
    });
}

/// `uint`, `uint?` (an optional value type), `List<IAffiliateProgram>`, `IDictionary<string, string>`.
pub fn type_name(ty: &TypeRef, optional: bool) -> String {
    match ty {
        TypeRef::Scalar(scalar) => {
            let name = scalar.dotnet_name();
            if optional && scalar.is_value_type() && *scalar != Scalar::String {
                format!("{name}?")
            } else {
                name.into()
            }
        }
        TypeRef::Map { value, interface } => format!(
            "{}Dictionary<string, {}>",
            if *interface { "I" } else { "" },
            type_name(value, false)
        ),
        TypeRef::List(item) => format!("List<{}>", type_name(item, false)),
        TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
    }
}
