//! Swift DTOs as ServiceStack's SwiftGenerator writes them: `Codable` classes, the
//! DataContract attributes as comments, `CodingKeys` and the Codable initialisers for
//! derived classes, interfaces as `public protocol`.

use super::emit::{data_member_annotation, flag, option, Code, Context, Dialect, Header};
use crate::{Scalar, TypeInfo, TypeRef};

pub struct Swift;

impl Dialect for Swift {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "/* Options:",
            close: "*/",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("BaseClass", ""),
                flag("AddModelExtensions", true),
                flag("AddServiceStackTypes", true),
                flag("MakePropertiesOptional", true),
                option("IncludeTypes", ""),
                option("ExcludeTypes", ""),
                flag("ExcludeGenericBaseTypes", false),
                flag("AddResponseStatus", false),
                option("AddImplicitVersion", ""),
                flag("AddDescriptionAsComments", true),
                flag("InitializeCollections", false),
                option("TreatTypesAsStrings", ""),
                option("DefaultImports", "Foundation,ServiceStack"),
            ],
        }
    }

    fn body(&self, out: &mut Code, context: &Context) {
        out.line("import Foundation");
        out.line("import ServiceStack");
        for ty in &context.types {
            out.blank();
            declare(out, context, ty);
        }
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let interfaces: Vec<String> = ty.interfaces.iter().map(|i| i().name.to_string()).collect();
    if ty.is_interface() {
        let inherits = if interfaces.is_empty() {
            String::new()
        } else {
            format!(" : {}", interfaces.join(", "))
        };
        out.line(format!("public protocol {}{inherits}", ty.name));
        out.block("{", "}", |out| {
            for member in ty.own_members() {
                out.line(format!(
                    "var {}:{}? {{ get set }}",
                    member.name,
                    swift_type(&member.ty)
                ));
            }
        });
        return;
    }
    if ty.data_contract {
        out.line("// @DataContract");
    }
    let base = ty.base.map(|b| b().name);
    let mut parents: Vec<String> = base.map(str::to_string).into_iter().collect();
    if context.returns(ty).is_some() {
        parents.push("IReturn".into());
    }
    parents.extend(interfaces);
    if base.is_none() {
        parents.push("Codable".into());
    }
    out.line(format!("public class {} : {}", ty.name, parents.join(", ")));
    out.block("{", "}", |out| {
        if let Some(response) = context.returns(ty) {
            out.line(format!("public typealias Return = {response}"));
            out.blank();
        }
        let members = ty.own_members();
        for member in &members {
            if let Some(annotation) = data_member_annotation(member) {
                out.line(format!("// @{annotation}"));
            }
            out.line(format!(
                "public var {}:{}?",
                member.name,
                swift_type(&member.ty)
            ));
            out.blank();
        }
        if base.is_none() {
            out.line("required public init(){}");
            return;
        }
        out.line("required public init(){ super.init() }");
        if members.is_empty() {
            return;
        }
        out.blank();
        out.block(
            "private enum CodingKeys : String, CodingKey {",
            "}",
            |out| {
                for member in &members {
                    out.line(format!("case {}", member.name));
                }
            },
        );
        out.blank();
        out.block(
            "required public init(from decoder: Decoder) throws {",
            "}",
            |out| {
                out.line("try super.init(from: decoder)");
                out.line("let container = try decoder.container(keyedBy: CodingKeys.self)");
                for member in &members {
                    out.line(format!(
                        "{0} = try container.decodeIfPresent({1}.self, forKey: .{0})",
                        member.name,
                        swift_type(&member.ty)
                    ));
                }
            },
        );
        out.blank();
        out.block(
            "public override func encode(to encoder: Encoder) throws {",
            "}",
            |out| {
                out.line("try super.encode(to: encoder)");
                out.line("var container = encoder.container(keyedBy: CodingKeys.self)");
                for member in &members {
                    out.line(format!(
                        "if {0} != nil {{ try container.encode({0}, forKey: .{0}) }}",
                        member.name
                    ));
                }
            },
        );
    });
}

fn swift_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Scalar(scalar) => match scalar {
            Scalar::String | Scalar::Guid => "String",
            Scalar::UInt => "UInt32",
            Scalar::Int => "Int",
            Scalar::ULong => "UInt64",
            Scalar::Long => "Int",
            Scalar::Double => "Double",
            Scalar::Bool => "Bool",
            Scalar::DateTime => "Date",
        }
        .into(),
        TypeRef::Map { value, .. } => format!("[String:{}]", swift_type(value)),
        TypeRef::List(item) => format!("[{}]", swift_type(item)),
        TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
    }
}
