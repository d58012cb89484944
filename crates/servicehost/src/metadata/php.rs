//! PHP DTOs for `servicestack/client` (Composer) as ServiceStack's PhpGenerator writes
//! them: `JsonSerializable` classes with promoted constructor properties, `fromMap`
//! and `jsonSerialize`; interfaces are empty (PHP interfaces cannot hold properties).

use super::emit::{data_member_annotation, flag, option, Code, Context, Dialect, Header};
use crate::{Member, Scalar, TypeInfo, TypeRef};

pub struct Php;

impl Dialect for Php {
    fn preamble(&self, context: &Context) -> String {
        let namespace = context.options.given("GlobalNamespace").unwrap_or("dtos");
        format!("<?php namespace {namespace};\n\n")
    }

    fn header(&self, _: &Context) -> Header {
        Header {
            open: "/* Options:",
            close: "*/",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("GlobalNamespace", "dtos"),
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
        for line in [
            "use DateTime;",
            "use Exception;",
            "use DateInterval;",
            "use JsonSerializable;",
            "use ServiceStack\\{IReturn,IReturnVoid,IGet,IPost,IPut,IDelete,IPatch,IMeta,IHasSessionId,IHasBearerToken,IHasVersion};",
            "use ServiceStack\\{ResponseStatus,ResponseError,EmptyResponse,IdResponse,ArrayList,KeyValuePair2,StringResponse,StringsResponse,Tuple2,Tuple3,ByteArray};",
            "use ServiceStack\\{JsonConverters,Returns,TypeContext};",
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
    let interfaces: Vec<String> = ty.interfaces.iter().map(|i| i().name.to_string()).collect();
    if ty.is_interface() {
        let extends = if interfaces.is_empty() {
            String::new()
        } else {
            format!(" extends {}", interfaces.join(", "))
        };
        out.line(format!("interface {}{extends}", ty.name));
        out.line("{");
        for member in ty.own_members() {
            out.line(format!(
                "    // {} {}",
                php_doc_type(&member.ty),
                member.name
            ));
        }
        out.line("}");
        return;
    }
    if ty.data_contract {
        out.line("// @DataContract");
    }
    let mut implements: Vec<String> = Vec::new();
    if context.returns(ty).is_some() {
        implements.push("IReturn".into());
    }
    implements.extend(context.verb_marker(ty).map(str::to_string));
    implements.extend(interfaces);
    implements.push("JsonSerializable".into());
    let extends = ty
        .base
        .map(|b| format!(" extends {}", b().name))
        .unwrap_or_default();
    out.line(format!(
        "class {}{extends} implements {}",
        ty.name,
        implements.join(", ")
    ));
    let members = ty.own_members();
    let has_base = ty.base.is_some();
    out.block("{", "}", |out| {
        out.line("public function __construct(");
        out.indent();
        for (i, member) in members.iter().enumerate() {
            if let Some(annotation) = data_member_annotation(member) {
                out.line(format!("// @{annotation}"));
            }
            out.line(format!("/** @var {}|null */", php_doc_type(&member.ty)));
            let comma = if i + 1 < members.len() { "," } else { "" };
            out.line(format!(
                "public ?{} ${}=null{comma}",
                php_type(&member.ty),
                member.name
            ));
        }
        out.outdent();
        out.line(") {");
        if has_base {
            out.line("    parent::__construct();");
        }
        out.line("}");
        out.blank();
        out.line("/** @throws Exception */");
        out.block("public function fromMap($o): void {", "}", |out| {
            if has_base {
                out.line("parent::fromMap($o);");
            }
            for member in &members {
                out.line(format!(
                    "if (isset($o['{0}'])) $this->{0} = {1};",
                    member.name,
                    from_map(member)
                ));
            }
        });
        out.blank();
        out.line("/** @throws Exception */");
        out.line("public function jsonSerialize(): mixed");
        out.block("{", "}", |out| {
            out.line(if has_base {
                "$o = parent::jsonSerialize();"
            } else {
                "$o = [];"
            });
            for member in &members {
                out.line(format!(
                    "if (isset($this->{0})) $o['{0}'] = {1};",
                    member.name,
                    to_map(member)
                ));
            }
            out.line("return empty($o) ? new class(){} : $o;");
        });
        if let Some(op) = context.operation_of(ty) {
            out.line(format!(
                "public function getTypeName(): string {{ return '{}'; }}",
                ty.name
            ));
            out.line(format!(
                "public function getMethod(): string {{ return '{}'; }}",
                op.preferred_verb().as_str()
            ));
            if let Some(response) = context.returns(ty) {
                out.line(format!(
                    "public function createResponse(): mixed {{ return new {response}(); }}"
                ));
            }
        }
    });
}

fn is_plain(ty: &TypeRef) -> bool {
    matches!(ty, TypeRef::Scalar(s) if !matches!(s, Scalar::DateTime))
}

fn from_map(member: &Member) -> String {
    if is_plain(&member.ty) {
        format!("$o['{}']", member.name)
    } else {
        format!(
            "JsonConverters::from('{}', $o['{}'])",
            converter_name(&member.ty),
            member.name
        )
    }
}

fn to_map(member: &Member) -> String {
    if is_plain(&member.ty) {
        format!("$this->{}", member.name)
    } else {
        format!(
            "JsonConverters::to('{}', $this->{})",
            converter_name(&member.ty),
            member.name
        )
    }
}

/// The type names JsonConverters knows: `Dictionary<string,string>`, `array<T>`, `T`.
fn converter_name(ty: &TypeRef) -> String {
    match ty {
        TypeRef::List(item) => format!("array<{}>", converter_name(item)),
        TypeRef::Map { .. } => "array<string,string>".into(),
        other => php_doc_type(other),
    }
}

fn php_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Scalar(scalar) => match scalar {
            Scalar::String | Scalar::Guid => "string",
            Scalar::UInt | Scalar::Int | Scalar::ULong | Scalar::Long => "int",
            Scalar::Double => "float",
            Scalar::Bool => "bool",
            Scalar::DateTime => "DateTime",
        }
        .into(),
        TypeRef::Map { .. } | TypeRef::List(_) => "array".into(),
        TypeRef::Interface { name, .. } | TypeRef::Type { name, .. } => (*name).into(),
    }
}

/// The PHPDoc spelling: `string`, `int`, `array<string,string>`, `array<AffiliateProgram>`.
fn php_doc_type(ty: &TypeRef) -> String {
    match ty {
        TypeRef::Map { value, .. } => format!("array<string,{}>", php_doc_type(value)),
        TypeRef::List(item) => format!("array<{}>", php_doc_type(item)),
        other => php_type(other),
    }
}
