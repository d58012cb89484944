//! TypeScript DTOs for `@servicestack/client` (classes with getTypeName, getMethod,
//! createResponse, as ServiceStack generates them).

use super::{is_servicestack_type, options_header, ServiceDescription};
use crate::{Member, TypeInfo, ValueKind};
use std::fmt::Write;

const SERVICESTACK_TYPES: &str = "export interface IReturn<T>
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

/// With a base URL, the file starts with the "Options:" header of Add ServiceStack Reference.
pub fn generate(service: &ServiceDescription, base_url: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(base_url) = base_url {
        let header = options_header(base_url, "//", &["MakePropertiesOptional: False"]);
        let _ = writeln!(out, "/* Options:\n{header}\n//DefaultImports: \n*/\n");
    }
    out.push_str(SERVICESTACK_TYPES);
    for ty in service
        .types
        .iter()
        .filter(|t| !is_servicestack_type(t.name))
    {
        out.push('\n');
        write_class(&mut out, service, ty);
    }
    out
}

fn write_class(out: &mut String, service: &ServiceDescription, ty: &TypeInfo) {
    let op = service.operation_of_request(ty.name);
    let base = ty.base.map(|b| b().name);
    let description = ty.description.trim();
    if !description.is_empty() {
        let _ = writeln!(
            out,
            "/** @description {} */",
            description.replace("*/", "* /")
        );
    }
    if let Some(op) = op {
        for route in &op.routes {
            let _ = writeln!(
                out,
                "// @Route(\"{}\", \"{}\")",
                route.path,
                route.verb.as_str()
            );
        }
    }
    let mut declaration = format!("export class {}", ty.name);
    if let Some(base) = base {
        let _ = write!(declaration, " extends {base}");
    }
    if let Some(op) = op {
        let _ = write!(declaration, " implements IReturn<{}>", op.response.name);
    }
    let _ = writeln!(out, "{declaration}\n{{");
    for member in ty.own_members() {
        let optional = if member.optional || !is_value_type(member) {
            "?"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "    public {}{optional}: {};",
            member.name,
            ts_type(member)
        );
    }
    let init = if base.is_some() {
        "super(init); (Object as any).assign(this, init);"
    } else {
        "(Object as any).assign(this, init);"
    };
    let _ = writeln!(
        out,
        "\n    public constructor(init?: Partial<{}>) {{ {init} }}",
        ty.name
    );
    if let Some(op) = op {
        let _ = writeln!(out, "    public getTypeName() {{ return '{}'; }}", ty.name);
        let _ = writeln!(
            out,
            "    public getMethod() {{ return '{}'; }}",
            op.preferred_verb().as_str()
        );
        let _ = writeln!(
            out,
            "    public createResponse() {{ return new {}(); }}",
            op.response.name
        );
    }
    out.push_str("}\n");
}

fn is_value_type(member: &Member) -> bool {
    matches!(
        member.kind,
        ValueKind::Bool | ValueKind::Integer | ValueKind::Number
    )
}

fn scalar(type_name: &str) -> String {
    match type_name {
        "string" | "Guid" | "DateTime" => "string".into(),
        "bool" => "boolean".into(),
        "uint" | "int" | "long" | "ulong" | "double" => "number".into(),
        other => other.into(),
    }
}

fn ts_type(member: &Member) -> String {
    match member.kind {
        ValueKind::Map => "{ [index: string]: string; }".into(),
        ValueKind::List => format!("{}[]", scalar(&member.item_element)),
        _ => scalar(&member.type_name),
    }
}
