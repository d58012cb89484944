//! Dart DTOs for `servicestack` (pub.dev) as ServiceStack's DartGenerator writes them:
//! `IConvertible` classes with `fromMap`/`toJson`, interfaces as `abstract class`, and
//! the `TypeContext` the client resolves types with.

use super::emit::{data_member_annotation, flag, option, Code, Context, Dialect, Header};
use crate::{Scalar, TypeInfo, TypeRef};

pub struct Dart;

impl Dialect for Dart {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "/* Options:",
            close: "*/",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("GlobalNamespace", ""),
                flag("AddServiceStackTypes", true),
                flag("AddResponseStatus", false),
                option("AddImplicitVersion", ""),
                flag("AddDescriptionAsComments", true),
                option("IncludeTypes", ""),
                option("ExcludeTypes", ""),
                option("DefaultImports", "package:servicestack/servicestack.dart"),
            ],
        }
    }

    fn body(&self, out: &mut Code, context: &Context) {
        out.line("import 'package:servicestack/servicestack.dart';");
        for ty in &context.types {
            out.blank();
            declare(out, context, ty);
        }
        out.blank();
        let library = context.options.given("GlobalNamespace").unwrap_or("dtos");
        out.line(format!(
            "TypeContext _ctx = TypeContext(library: '{library}', types: <String, TypeInfo> {{"
        ));
        out.indent();
        for ty in &context.types {
            let entry = if ty.is_interface() {
                format!("'{}': TypeInfo(TypeOf.Interface),", ty.name)
            } else {
                format!(
                    "'{0}': TypeInfo(TypeOf.Class, create:() => {0}()),",
                    ty.name
                )
            };
            out.line(entry);
        }
        out.outdent();
        out.line("});");
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let members = ty.own_members();
    if ty.is_interface() {
        out.line(format!("abstract class {}", ty.name));
        out.block("{", "}", |out| {
            for member in &members {
                out.line(format!("{}? {};", dart_type(&member.ty), member.name));
            }
        });
        return;
    }
    if ty.data_contract {
        out.line("// @DataContract");
    }
    let mut implements: Vec<String> = context
        .returns(ty)
        .map(|r| format!("IReturn<{r}>"))
        .into_iter()
        .collect();
    implements.extend(ty.interfaces.iter().map(|i| i().name.to_string()));
    implements.push("IConvertible".into());
    let extends = ty
        .base
        .map(|b| format!(" extends {}", b().name))
        .unwrap_or_default();
    out.line(format!(
        "class {}{extends} implements {}",
        ty.name,
        implements.join(", ")
    ));
    out.block("{", "}", |out| {
        for member in &members {
            if let Some(annotation) = data_member_annotation(member) {
                out.line(format!("// @{annotation}"));
            }
            out.line(format!("{}? {};", dart_type(&member.ty), member.name));
            out.blank();
        }
        let own: Vec<String> = members.iter().map(|m| format!("this.{}", m.name)).collect();
        out.line(format!("{}({{{}}});", ty.name, own.join(",")));
        out.line(format!(
            "{}.fromJson(Map<String, dynamic> json) {{ fromMap(json); }}",
            ty.name
        ));
        out.blank();
        out.block("fromMap(Map<String, dynamic> json) {", "}", |out| {
            if ty.base.is_some() {
                out.line("super.fromMap(json);");
            }
            for member in &members {
                out.line(format!(
                    "{} = {};",
                    member.name,
                    from_json(member.name, &member.ty)
                ));
            }
            out.line("return this;");
        });
        out.blank();
        let entries: Vec<String> = members
            .iter()
            .map(|m| format!("'{}': {}", m.name, to_json(m.name, &m.ty)))
            .collect();
        let base = if ty.base.is_some() {
            "super.toJson()..addAll("
        } else {
            ""
        };
        let close = if ty.base.is_some() { ")" } else { "" };
        out.line(format!(
            "Map<String, dynamic> toJson() => {base}{{{}}}{close};",
            entries.join(", ")
        ));
        out.blank();
        if let Some(response) = context.returns(ty) {
            out.line(format!("createResponse() => {response}();"));
            out.line(format!("getResponseTypeName() => \"{response}\";"));
        }
        out.line(format!("getTypeName() => \"{}\";", ty.name));
        out.line("TypeContext? context = _ctx;");
    });
}

fn is_scalar(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Scalar(s) if !matches!(s, Scalar::DateTime))
}

fn from_json(name: &str, ty: &TypeRef) -> String {
    if is_scalar(ty) {
        format!("json['{name}']")
    } else {
        format!(
            "JsonConverters.fromJson(json['{name}'],'{}',context!)",
            dart_type(ty)
        )
    }
}

fn to_json(name: &str, ty: &TypeRef) -> String {
    if is_scalar(ty) {
        name.to_string()
    } else {
        format!("JsonConverters.toJson({name},'{}',context!)", dart_type(ty))
    }
}

fn dart_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Scalar(scalar) => match scalar {
            Scalar::String | Scalar::Guid => "String",
            Scalar::UInt | Scalar::Int | Scalar::ULong | Scalar::Long => "int",
            Scalar::Double => "double",
            Scalar::Bool => "bool",
            Scalar::DateTime => "DateTime",
        }
        .into(),
        TypeRef::Map { value, .. } => format!("Map<String,{}?>", dart_type(value)),
        TypeRef::List(item) => format!("List<{}>", dart_type(item)),
        TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
    }
}
