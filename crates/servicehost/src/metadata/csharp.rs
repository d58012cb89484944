//! C# DTOs as ServiceStack's "Add ServiceStack Reference" generates them.

use super::{is_servicestack_type, options_header, ServiceDescription};
use crate::{pascal_case, Member, TypeInfo, ValueKind, Verb};
use std::fmt::Write;

/// With a base URL, the file starts with the "Options:" header of Add ServiceStack Reference.
pub fn generate(service: &ServiceDescription, base_url: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(base_url) = base_url {
        let header = options_header(
            base_url,
            "//",
            &[
                "MakePartial: True",
                "MakeVirtual: True",
                "AddReturnMarker: True",
            ],
        );
        let _ = writeln!(out, "/* Options:\n{header}\n//AddDefaultXmlNamespace: http://schemas.servicestack.net/types\n*/\n");
    }
    out.push_str("using System;\nusing System.Collections.Generic;\nusing System.Runtime.Serialization;\nusing ServiceStack;\nusing ServiceStack.DataAnnotations;\n");
    for (namespace, responses) in [(service.namespaces.0, false), (service.namespaces.1, true)] {
        let _ = writeln!(out, "\nnamespace {namespace}\n{{");
        for ty in service
            .types
            .iter()
            .filter(|t| !is_servicestack_type(t.name) && t.name.ends_with("Response") == responses)
        {
            write_class(&mut out, service, ty);
        }
        out.push_str("}\n");
    }
    out
}

fn write_class(out: &mut String, service: &ServiceDescription, ty: &TypeInfo) {
    let op = service.operation_of_request(ty.name);
    if let Some(op) = op {
        for route in &op.routes {
            let _ = writeln!(
                out,
                "    [Route(\"{}\", \"{}\")]",
                route.path,
                route.verb.as_str()
            );
        }
    }
    out.push_str("    [DataContract]\n");
    let mut parents: Vec<String> = ty.base.map(|b| b().name.to_string()).into_iter().collect();
    if let Some(op) = op {
        parents.push(format!("IReturn<{}>", op.response.name));
        parents.push(
            match op.preferred_verb() {
                Verb::Get => "IGet",
                Verb::Post => "IPost",
                Verb::Put => "IPut",
                Verb::Patch => "IPatch",
                Verb::Delete => "IDelete",
            }
            .into(),
        );
    }
    let parents = if parents.is_empty() {
        String::new()
    } else {
        format!(" : {}", parents.join(", "))
    };
    let _ = writeln!(out, "    public partial class {}{parents}\n    {{", ty.name);
    for member in ty.own_members() {
        let _ = writeln!(
            out,
            "        [DataMember(Name=\"{}\")]\n        public virtual {} {} {{ get; set; }}\n",
            member.name,
            cs_type(member),
            pascal_case(member.name)
        );
    }
    out.push_str("    }\n\n");
}

fn cs_type(member: &Member) -> String {
    let nullable = if member.optional { "?" } else { "" };
    match member.kind {
        ValueKind::Map => "Dictionary<string, string>".into(),
        ValueKind::List => format!("List<{}>", member.item_element),
        ValueKind::Bool | ValueKind::Integer | ValueKind::Number => {
            format!("{}{nullable}", member.type_name)
        }
        _ => member.type_name.clone(),
    }
}
