//! TypeScript DTOs for `@servicestack/client` as ServiceStack's TypeScriptGenerator
//! writes them: classes with `getTypeName`, `getMethod`, `createResponse` on requests,
//! `export interface` for interfaces, the DataContract attributes as comments.

use super::emit::{data_member_annotation, flag, option, Code, Context, Dialect, Header};
use crate::{Member, Scalar, TypeInfo, TypeRef};

pub struct TypeScript;

pub const SERVICESTACK_TYPES: &str = "export interface IReturn<T>
{
    createResponse(): T;
}

export class ResponseError
{
    public errorCode: string;
    public fieldName: string;
    public message: string;
    public meta?: { [index: string]: string; };

    public constructor(init?: Partial<ResponseError>) { (Object as any).assign(this, init); }
}

export class ResponseStatus
{
    public errorCode: string;
    public message?: string;
    public stackTrace?: string;
    public errors?: ResponseError[];
    public meta?: { [index: string]: string; };

    public constructor(init?: Partial<ResponseStatus>) { (Object as any).assign(this, init); }
}
";

impl Dialect for TypeScript {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "/* Options:",
            close: "*/",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("GlobalNamespace", ""),
                flag("MakePropertiesOptional", false),
                flag("AddServiceStackTypes", true),
                flag("AddResponseStatus", false),
                option("AddImplicitVersion", ""),
                flag("AddDescriptionAsComments", true),
                option("IncludeTypes", ""),
                option("ExcludeTypes", ""),
                option("DefaultImports", ""),
            ],
        }
    }

    fn body(&self, out: &mut Code, context: &Context) {
        let module = context.options.given("GlobalNamespace");
        if let Some(module) = module {
            out.line(format!("export module {module}"));
            out.line("{");
        }
        if context.servicestack_types() {
            out.raw(SERVICESTACK_TYPES);
        }
        for ty in &context.types {
            out.blank();
            declare(out, context, ty);
        }
        if module.is_some() {
            out.line("}");
        }
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let description = ty.description.trim();
    if context.descriptions() && !description.is_empty() {
        out.line(format!(
            "/** @description {} */",
            description.replace("*/", "* /")
        ));
    }
    if let Some(op) = context.operation_of(ty) {
        for route in &op.routes {
            out.line(format!(
                "// @Route(\"{}\", \"{}\")",
                route.path,
                route.verb.as_str()
            ));
        }
    }
    let base = ty.base.map(|b| b().name);
    let interfaces: Vec<String> = ty.interfaces.iter().map(|i| i().name.to_string()).collect();
    if ty.is_interface() {
        let extends = if interfaces.is_empty() {
            String::new()
        } else {
            format!(" extends {}", interfaces.join(", "))
        };
        out.line(format!("export interface {}{extends}", ty.name));
        out.block("{", "}", |out| {
            for member in ty.own_members() {
                out.line(format!(
                    "{}{}: {};",
                    member.name,
                    optional_mark(context, member),
                    type_name(&member.ty)
                ));
            }
        });
        return;
    }
    if ty.data_contract {
        out.line("// @DataContract");
    }
    let mut implements = interfaces;
    implements.extend(context.returns(ty).map(|r| format!("IReturn<{r}>")));
    let mut declaration = format!("export class {}", ty.name);
    if let Some(base) = base {
        declaration.push_str(&format!(" extends {base}"));
    }
    if !implements.is_empty() {
        declaration.push_str(&format!(" implements {}", implements.join(", ")));
    }
    out.line(declaration);
    out.block("{", "}", |out| {
        for member in ty.own_members() {
            if let Some(annotation) = data_member_annotation(member) {
                out.line(format!("// @{annotation}"));
            }
            out.line(format!(
                "public {}{}: {};",
                member.name,
                optional_mark(context, member),
                type_name(&member.ty)
            ));
            out.blank();
        }
        let init = if base.is_some() {
            "super(init); (Object as any).assign(this, init);"
        } else {
            "(Object as any).assign(this, init);"
        };
        out.line(format!(
            "public constructor(init?: Partial<{}>) {{ {init} }}",
            ty.name
        ));
        if let Some(op) = context.operation_of(ty) {
            out.line(format!("public getTypeName() {{ return '{}'; }}", ty.name));
            out.line(format!(
                "public getMethod() {{ return '{}'; }}",
                op.preferred_verb().as_str()
            ));
            out.line(format!(
                "public createResponse() {{ return new {}(); }}",
                op.response.name
            ));
        }
    });
}

/// `?` on members that may be absent: optional ones and every reference type (ours
/// leaves nulls out), unless `MakePropertiesOptional` asks for all.
fn optional_mark(context: &Context, member: &Member) -> &'static str {
    let value_type = matches!(&member.ty, TypeRef::Scalar(s) if s.is_value_type() && !matches!(s, Scalar::Guid | Scalar::DateTime));
    if context.options.flag("MakePropertiesOptional", false) || member.optional || !value_type {
        "?"
    } else {
        ""
    }
}

pub fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Scalar(scalar) => match scalar {
            Scalar::String | Scalar::Guid | Scalar::DateTime => "string",
            Scalar::Bool => "boolean",
            _ => "number",
        }
        .into(),
        TypeRef::Map { value, .. } => format!("{{ [index: string]: {}; }}", type_name(value)),
        TypeRef::List(item) => format!("{}[]", type_name(item)),
        TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
    }
}
