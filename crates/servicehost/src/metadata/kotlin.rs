//! Kotlin DTOs as ServiceStack's KotlinGenerator writes them: `open class` with
//! `open var name:Type? = null`, `override` for what an interface declares, gson
//! `@SerializedName` for named DataMembers.

use super::emit::{
    data_member_annotation, flag, option, Code, Context, Dialect, Header, JVM_IMPORTS,
};
use super::jvm::{field_name, interface_properties, jvm_type};
use crate::{DataMemberForm, TypeInfo};

pub struct Kotlin;

impl Dialect for Kotlin {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "/* Options:",
            close: "*/",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("Package", ""),
                flag("AddServiceStackTypes", true),
                flag("AddResponseStatus", false),
                option("AddImplicitVersion", ""),
                flag("AddDescriptionAsComments", true),
                option("IncludeTypes", ""),
                option("ExcludeTypes", ""),
                flag("InitializeCollections", false),
                option("TreatTypesAsStrings", ""),
                option("DefaultImports", JVM_IMPORTS.join(",")),
            ],
        }
    }

    fn body(&self, out: &mut Code, context: &Context) {
        if let Some(package) = context.options.given("Package") {
            out.line(format!("package {package}"));
            out.blank();
        }
        for import in JVM_IMPORTS {
            out.line(format!("import {import}"));
        }
        for ty in &context.types {
            out.blank();
            declare(out, context, ty);
        }
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let mut parents: Vec<String> = ty
        .base
        .map(|b| format!("{}()", b().name))
        .into_iter()
        .collect();
    parents.extend(context.returns(ty).map(|r| format!("IReturn<{r}>")));
    parents.extend(ty.interfaces.iter().map(|i| i().name.to_string()));
    let parents = if parents.is_empty() {
        String::new()
    } else {
        format!(" : {}", parents.join(", "))
    };
    if ty.is_interface() {
        out.line(format!("interface {}{parents}", ty.name));
        out.block("{", "}", |out| {
            for member in ty.own_members() {
                out.line(format!(
                    "var {}:{}?",
                    field_name(member),
                    jvm_type(&member.ty, "Int")
                ));
            }
        });
        return;
    }
    if ty.data_contract {
        out.line("@DataContract");
    }
    out.line(format!("open class {}{parents}", ty.name));
    let overridden = interface_properties(ty);
    out.block("{", "}", |out| {
        for (i, member) in ty.own_members().into_iter().enumerate() {
            if i > 0 {
                out.blank();
            }
            if let Some(annotation) = data_member_annotation(member) {
                out.line(format!("@{annotation}"));
            }
            if member.data_member == DataMemberForm::Named {
                out.line(format!("@SerializedName(\"{}\")", member.name));
            }
            let modifier = if overridden.contains(&member.property) {
                "override"
            } else {
                "open"
            };
            out.line(format!(
                "{modifier} var {}:{}? = null",
                field_name(member),
                jvm_type(&member.ty, "Int")
            ));
        }
        if let Some(response) = context.returns(ty) {
            out.line(format!(
                "companion object {{ private val responseType = {response}::class.java }}"
            ));
            out.line(format!(
                "override fun getResponseType(): Any? = {}.responseType",
                ty.name
            ));
        }
    });
}
