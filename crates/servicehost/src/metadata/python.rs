//! Python DTOs in the shape ServiceStack's PythonGenerator writes (dataclasses_json,
//! camelCase on the wire, snake_case fields). Interfaces are plain classes, as the
//! original's; ours also take the JSON object in `__init__` (each of its members as an
//! attribute), since the official client builds each list item by calling its declared
//! class with the item: a plain class without it fails on every non-empty list.

use super::emit::{flag, option, Code, Context, Dialect, Header};
use crate::{Member, Scalar, TypeInfo, TypeRef};

pub struct Python;

const DEFAULT_IMPORTS: &str = "datetime,decimal,marshmallow.fields:*,servicestack:*,typing:*,dataclasses:dataclass/field,dataclasses_json:dataclass_json/LetterCase/Undefined/config,enum:Enum/IntEnum";

impl Dialect for Python {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "\"\"\" Options:",
            close: "\"\"\"",
            comment: "#",
            line_prefix: "",
            options: vec![
                option("GlobalNamespace", ""),
                flag("AddServiceStackTypes", true),
                flag("AddResponseStatus", false),
                option("AddImplicitVersion", ""),
                flag("AddDescriptionAsComments", true),
                option("IncludeTypes", ""),
                option("ExcludeTypes", ""),
                option("DefaultImports", DEFAULT_IMPORTS),
                option("DataClass", ""),
                option("DataClassJson", ""),
            ],
        }
    }

    fn body(&self, out: &mut Code, context: &Context) {
        for line in [
            "import datetime",
            "import decimal",
            "from marshmallow.fields import *",
            "from servicestack import *",
            "from typing import *",
            "from dataclasses import dataclass, field",
            "from dataclasses_json import dataclass_json, LetterCase, Undefined, config",
            "from enum import Enum, IntEnum",
        ] {
            out.line(line);
        }
        for ty in &context.types {
            out.blank();
            out.blank();
            declare(out, context, ty);
        }
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let mut bases: Vec<String> = ty.base.map(|b| b().name.to_string()).into_iter().collect();
    bases.extend(ty.interfaces.iter().map(|i| i().name.to_string()));
    if let Some(op) = context.operation_of(ty) {
        for route in &op.routes {
            out.line(format!(
                "# @Route(\"{}\", \"{}\")",
                route.path,
                route.verb.as_str()
            ));
        }
    }
    bases.extend(context.returns(ty).map(|r| format!("IReturn[{r}]")));
    bases.extend(context.verb_marker(ty).map(str::to_string));
    if !ty.is_interface() {
        out.line("@dataclass_json(letter_case=LetterCase.CAMEL, undefined=Undefined.EXCLUDE)");
        out.line("@dataclass");
    }
    if bases.is_empty() {
        out.line(format!("class {}:", ty.name));
    } else {
        out.line(format!("class {}({}):", ty.name, bases.join(", ")));
    }
    out.indent();
    let description = ty.description.trim();
    if context.descriptions() && !description.is_empty() {
        out.line("\"\"\"");
        out.line(description.replace("\"\"\"", "'''"));
        out.line("\"\"\"");
        out.blank();
    }
    let members = ty.own_members();
    if members.is_empty() {
        out.line("pass");
    }
    for member in &members {
        out.line(format!(
            "{}: {}",
            snake_case(member.name),
            annotation(member)
        ));
    }
    if ty.is_interface() {
        // The item's members, by their snake_case names, whatever its concrete class.
        out.blank();
        out.line("def __init__(self, init: Optional[Dict[str, Any]] = None):");
        out.line("    for key, value in (init or {}).items():");
        out.line("        if not key.startswith('__'):");
        out.line("            setattr(self, ''.join('_' + c.lower() if c.isupper() else c for c in key), value)");
    }
    out.outdent();
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

pub fn type_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Scalar(scalar) => match scalar {
            Scalar::String | Scalar::Guid => "str",
            Scalar::Bool => "bool",
            Scalar::UInt | Scalar::Int | Scalar::ULong | Scalar::Long => "int",
            Scalar::Double => "float",
            Scalar::DateTime => "datetime.datetime",
        }
        .into(),
        TypeRef::Map { value, .. } => format!("Dict[str, {}]", type_name(value)),
        TypeRef::List(item) => format!("List[{}]", type_name(item)),
        TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
    }
}

/// ServiceStack's defaults: value types `= 0`/`= False` unless optional, the rest `None`.
fn annotation(member: &Member) -> String {
    let name = type_name(&member.ty);
    match &member.ty {
        TypeRef::Scalar(Scalar::Bool) if !member.optional => format!("{name} = False"),
        TypeRef::Scalar(Scalar::UInt | Scalar::Int | Scalar::ULong | Scalar::Long)
            if !member.optional =>
        {
            format!("{name} = 0")
        }
        TypeRef::Scalar(Scalar::Double) if !member.optional => format!("{name} = 0.0"),
        _ => format!("Optional[{name}] = None"),
    }
}
