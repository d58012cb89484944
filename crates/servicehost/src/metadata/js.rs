//! `/types/js`: CommonJS JavaScript DTOs, as ServiceStack's CommonJsGenerator writes
//! them (the classes of `/types/mjs`, exported through `exports`).

use super::emit::{Code, Context, Dialect, Header};
use super::mjs::{classes, javascript_header, write_class};

pub struct CommonJs;

impl Dialect for CommonJs {
    fn header(&self, _: &Context) -> Header {
        javascript_header()
    }

    fn body(&self, out: &mut Code, context: &Context) {
        out.line("\"use strict\";");
        out.line("Object.defineProperty(exports, \"__esModule\", { value: true });");
        let names: Vec<String> = classes(context)
            .map(|t| format!("exports.{}", t.name))
            .collect();
        if !names.is_empty() {
            out.line(format!("{} = void 0;", names.join(" = ")));
        }
        for ty in classes(context) {
            write_class(out, context, ty, "");
            out.line(format!("exports.{0} = {0};", ty.name));
        }
    }
}
