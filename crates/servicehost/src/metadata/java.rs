//! Java DTOs as ServiceStack's JavaGenerator writes them: static nested classes of one
//! `dtos` class, gson `@SerializedName`, property accessors with setters returning this.

use super::emit::{
    data_member_annotation, flag, option, Code, Context, Dialect, Header, JVM_IMPORTS,
};
use super::jvm::{field_name, jvm_type};
use crate::{DataMemberForm, TypeInfo};

pub struct Java;

impl Dialect for Java {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "/* Options:",
            close: "*/",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("Package", ""),
                option("GlobalNamespace", "dtos"),
                flag("AddPropertyAccessors", true),
                flag("SettersReturnThis", true),
                flag("AddServiceStackTypes", true),
                flag("AddResponseStatus", false),
                flag("AddDescriptionAsComments", true),
                option("AddImplicitVersion", ""),
                option("IncludeTypes", ""),
                option("ExcludeTypes", ""),
                option("TreatTypesAsStrings", ""),
                option("DefaultImports", JVM_IMPORTS.join(",")),
            ],
        }
    }

    fn body(&self, out: &mut Code, context: &Context) {
        if let Some(package) = context.options.given("Package") {
            out.line(format!("package {package};"));
            out.blank();
        }
        for import in JVM_IMPORTS {
            out.line(format!("import {import};"));
        }
        out.blank();
        let outer = context.options.given("GlobalNamespace").unwrap_or("dtos");
        out.line(format!("public class {outer}"));
        out.block("{", "}", |out| {
            for ty in &context.types {
                out.blank();
                declare(out, context, ty);
            }
        });
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let accessors = context.options.flag("AddPropertyAccessors", true) && !ty.is_interface();
    let setters_return_this = context.options.flag("SettersReturnThis", true);
    let mut interfaces: Vec<String> = context
        .returns(ty)
        .map(|r| format!("IReturn<{r}>"))
        .into_iter()
        .collect();
    interfaces.extend(ty.interfaces.iter().map(|i| i().name.to_string()));
    let mut declaration = format!(
        "public static {} {}",
        if ty.is_interface() {
            "interface"
        } else {
            "class"
        },
        ty.name
    );
    if let Some(base) = ty.base {
        declaration.push_str(&format!(" extends {}", base().name));
    }
    if !interfaces.is_empty() {
        let keyword = if ty.is_interface() {
            "extends"
        } else {
            "implements"
        };
        declaration.push_str(&format!(" {keyword} {}", interfaces.join(", ")));
    }
    if ty.data_contract {
        out.line("@DataContract");
    }
    out.line(declaration);
    out.block("{", "}", |out| {
        let members = ty.own_members();
        for member in &members {
            if !ty.is_interface() {
                if let Some(annotation) = data_member_annotation(member) {
                    out.line(format!("@{annotation}"));
                }
                if member.data_member == DataMemberForm::Named {
                    out.line(format!("@SerializedName(\"{}\")", member.name));
                }
            }
            out.line(format!(
                "public {} {} = null;",
                jvm_type(&member.ty, "Integer"),
                field_name(member)
            ));
            out.blank();
        }
        if accessors {
            for member in &members {
                let java_type = jvm_type(&member.ty, "Integer");
                let field = field_name(member);
                out.line(format!(
                    "public {java_type} get{}() {{ return {field}; }}",
                    member.property
                ));
                if setters_return_this {
                    out.line(format!(
                        "public {} set{}({java_type} value) {{ this.{field} = value; return this; }}",
                        ty.name, member.property
                    ));
                } else {
                    out.line(format!(
                        "public void set{}({java_type} value) {{ this.{field} = value; }}",
                        member.property
                    ));
                }
            }
        }
        if let Some(response) = context.returns(ty) {
            out.line(format!("private static Object responseType = {response}.class;"));
            out.line("public Object getResponseType() { return responseType; }");
        }
    });
}
