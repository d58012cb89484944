//! Python DTOs in the shape ServiceStack generates (dataclasses_json, camelCase).

use super::{is_servicestack_type, options_header, ServiceDescription};
use crate::{Member, TypeInfo, ValueKind, Verb};
use std::fmt::Write;

const IMPORTS: &str = "import datetime
import decimal
from marshmallow.fields import *
from servicestack import *
from typing import *
from dataclasses import dataclass, field
from dataclasses_json import dataclass_json, LetterCase, Undefined, config
from enum import Enum, IntEnum
";

/// With a base URL, the file starts with the "Options:" header of Add ServiceStack Reference.
pub fn generate(service: &ServiceDescription, base_url: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(base_url) = base_url {
        let header = options_header(
        base_url,
        "#",
        &["DefaultImports: datetime,decimal,marshmallow.fields:*,servicestack:*,typing:*,dataclasses:dataclass/field,dataclasses_json:dataclass_json/LetterCase/Undefined/config,enum:Enum/IntEnum"],
    );
        let _ = writeln!(
            out,
            "\"\"\" Options:\n{header}\n#DataClass: \n#DataClassJson: \n\"\"\"\n"
        );
    }
    out.push_str(IMPORTS);
    for ty in service
        .types
        .iter()
        .filter(|t| !is_servicestack_type(t.name))
    {
        out.push_str("\n\n");
        write_class(&mut out, service, ty);
    }
    out
}

fn write_class(out: &mut String, service: &ServiceDescription, ty: &TypeInfo) {
    let mut bases: Vec<String> = ty.base.map(|b| b().name.to_string()).into_iter().collect();
    if let Some(op) = service.operation_of_request(ty.name) {
        for route in &op.routes {
            let _ = writeln!(
                out,
                "# @Route(\"{}\", \"{}\")",
                route.path,
                route.verb.as_str()
            );
        }
        bases.push(format!("IReturn[{}]", op.response.name));
        bases.push(
            match op.preferred_verb() {
                Verb::Get => "IGet",
                Verb::Post => "IPost",
                Verb::Put => "IPut",
                Verb::Patch => "IPatch",
                Verb::Delete => "IDelete",
            }
            .to_string(),
        );
    }
    out.push_str(
        "@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)\n@dataclass\n",
    );
    if bases.is_empty() {
        let _ = writeln!(out, "class {}:", ty.name);
    } else {
        let _ = writeln!(out, "class {}({}):", ty.name, bases.join(", "));
    }
    let description = ty.description.trim();
    if !description.is_empty() {
        let _ = writeln!(
            out,
            "    \"\"\"\n    {}\n    \"\"\"\n",
            description.replace("\"\"\"", "'''")
        );
    }
    let members = ty.own_members();
    if members.is_empty() {
        out.push_str("    pass\n");
    }
    for member in members {
        let _ = writeln!(
            out,
            "    {}: {}",
            snake_case(member.name),
            annotation(member)
        );
    }
}

/// `groupId` -> `group_id`, as dataclasses_json's LetterCase.CAMEL expects.
pub fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn python_type(type_name: &str) -> String {
    match type_name {
        "string" | "Guid" => "str".into(),
        "DateTime" => "datetime.datetime".into(),
        "bool" => "bool".into(),
        "uint" | "int" | "long" | "ulong" => "int".into(),
        "double" => "float".into(),
        other => other.into(),
    }
}

fn annotation(member: &Member) -> String {
    match member.kind {
        ValueKind::Map => "Optional[Dict[str, str]] = None".into(),
        ValueKind::List => format!(
            "Optional[List[{}]] = None",
            python_type(&member.item_element)
        ),
        ValueKind::Object | ValueKind::String => {
            format!("Optional[{}] = None", python_type(&member.type_name))
        }
        _ if member.optional => format!("Optional[{}] = None", python_type(&member.type_name)),
        ValueKind::Bool => "bool = False".into(),
        ValueKind::Integer => "int = 0".into(),
        ValueKind::Number => "float = 0.0".into(),
    }
}
