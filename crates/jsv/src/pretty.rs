//! The indented JSV of ServiceStack's documentation pages (its `JsvFormatter.Format`):
//! one member per line, tabs for depth, `name: value`, and a nested object or list opening
//! on its own line after `name: `. Only for showing JSV to people: answers stay compact.

/// Re-indents compact JSV. Text inside double quotes is copied as it is.
pub fn pretty(compact: &str) -> String {
    let chars: Vec<char> = compact.chars().collect();
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    // Only a member's first `:` is its name separator; later ones belong to its value.
    let mut expecting_name = true;
    let mut in_quotes = false;
    let mut i = 0;
    while i < chars.len() {
        let current = chars[i];
        let previous = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        match current {
            '{' | '[' if !in_quotes => {
                if previous == Some(':') {
                    if matches!(next, Some('}' | ']')) {
                        // An empty value after a name stays on the name's line: `meta: {}`.
                        out.push(current);
                        out.push(chars[i + 1]);
                        i += 2;
                        continue;
                    }
                    new_line(&mut out, depth);
                }
                out.push(current);
                depth += 1;
                new_line(&mut out, depth);
                expecting_name = true;
            }
            '}' | ']' if !in_quotes => {
                depth = depth.saturating_sub(1);
                new_line(&mut out, depth);
                out.push(current);
                expecting_name = true;
            }
            ',' if !in_quotes => {
                out.push(',');
                new_line(&mut out, depth);
                expecting_name = true;
            }
            _ => {
                if current == '"' {
                    in_quotes = !in_quotes;
                }
                out.push(current);
                if current == ':' && !in_quotes && expecting_name {
                    out.push(' ');
                    expecting_name = false;
                }
            }
        }
        i += 1;
    }
    out
}

fn new_line(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push('\t');
    }
}

#[cfg(test)]
mod tests {
    use super::pretty;

    #[test]
    fn nested_objects_open_on_their_own_line_after_the_name() {
        assert_eq!(
            pretty("{groupId:0,parameters:{String:String}}"),
            "{\n\tgroupId: 0,\n\tparameters: \n\t{\n\t\tString: String\n\t}\n}"
        );
    }

    #[test]
    fn an_empty_list_item_keeps_an_indented_blank_line() {
        assert_eq!(
            pretty("{items:[{}]}"),
            "{\n\titems: \n\t[\n\t\t{\n\t\t\t\n\t\t}\n\t]\n}"
        );
    }

    #[test]
    fn empty_values_after_a_name_stay_inline_and_quoted_text_is_kept() {
        assert_eq!(
            pretty("{meta:{},url:\"http://x/?a=1,b\"}"),
            "{\n\tmeta: {},\n\turl: \"http://x/?a=1,b\"\n}"
        );
    }
}
