//! `/types/typescript.d`: ambient TypeScript declarations (`interface`s only, no code),
//! as ServiceStack's TypeScriptGenerator writes with `ExportAsTypes` off.

use super::emit::{flag, option, Code, Context, Dialect, Header};
use super::typescript::type_name;
use crate::TypeInfo;

pub struct TypeScriptDeclarations;

impl Dialect for TypeScriptDeclarations {
    fn header(&self, _: &Context) -> Header {
        Header {
            open: "/* Options:",
            close: "*/",
            comment: "//",
            line_prefix: "",
            options: vec![
                option("GlobalNamespace", ""),
                flag("MakePropertiesOptional", true),
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
            out.line(format!("declare module {module}"));
            out.line("{");
            out.indent();
        }
        if context.servicestack_types() {
            out.line("interface IReturn<T> {}");
            out.blank();
            out.line("interface ResponseError");
            out.block("{", "}", |out| {
                for line in [
                    "errorCode?: string;",
                    "fieldName?: string;",
                    "message?: string;",
                    "meta?: { [index: string]: string; };",
                ] {
                    out.line(line);
                }
            });
            out.blank();
            out.line("interface ResponseStatus");
            out.block("{", "}", |out| {
                for line in [
                    "errorCode?: string;",
                    "message?: string;",
                    "stackTrace?: string;",
                    "errors?: ResponseError[];",
                    "meta?: { [index: string]: string; };",
                ] {
                    out.line(line);
                }
            });
        }
        for ty in &context.types {
            out.blank();
            declare(out, context, ty);
        }
        if module.is_some() {
            out.outdent();
            out.line("}");
        }
    }
}

fn declare(out: &mut Code, context: &Context, ty: &TypeInfo) {
    let mut parents: Vec<String> = ty.base.map(|b| b().name.to_string()).into_iter().collect();
    parents.extend(ty.interfaces.iter().map(|i| i().name.to_string()));
    parents.extend(context.returns(ty).map(|r| format!("IReturn<{r}>")));
    let extends = if parents.is_empty() {
        String::new()
    } else {
        format!(" extends {}", parents.join(", "))
    };
    out.line(format!("interface {}{extends}", ty.name));
    out.block("{", "}", |out| {
        for member in ty.own_members() {
            out.line(format!("{}?: {};", member.name, type_name(&member.ty)));
        }
    });
}
