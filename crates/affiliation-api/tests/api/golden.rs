//! Golden structural comparison with the original: for every (operation, language) page
//! of the original in `golden/original-dtos.txt` (facts read from its published metadata
//! pages), our DTOs of that operation in that language (`/types/{lang}?IncludeTypes=Op.*`,
//! what the page's excerpt shows) declare each of its types with the same kind, its
//! parents among ours, and each of its members with the same type. Formatting, comments
//! and attributes are not compared. Ours may add types, parents (the IReturn and verb
//! markers) and members (ours, marked "(ours)" in dtos.rs); none of the original's may
//! be missing or differ.

use crate::common::Server;

const FACTS: &str = include_str!("golden/original-dtos.txt");

#[derive(Debug, Clone, PartialEq)]
struct Declared {
    interface: bool,
    name: String,
    parents: Vec<String>,
    members: Vec<(String, String)>,
}

struct Pair {
    page: String,
    operation: String,
    language: String,
    types: Vec<Declared>,
}

fn facts() -> Vec<Pair> {
    let mut pairs: Vec<Pair> = Vec::new();
    let mut page = String::new();
    for line in FACTS.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(address) = line.strip_prefix("page ") {
            page = address.to_string();
        } else if let Some(rest) = line.strip_prefix("pair ") {
            let (operation, language) = rest.split_once(' ').unwrap();
            pairs.push(Pair {
                page: page.clone(),
                operation: operation.into(),
                language: language.into(),
                types: Vec::new(),
            });
        } else if let Some(member) = line.strip_prefix("  ") {
            let (name, ty) = member.split_once(' ').unwrap();
            let last = pairs.last_mut().unwrap().types.last_mut().unwrap();
            last.members.push((name.into(), normalize(ty)));
        } else {
            let (kind, rest) = line.split_once(' ').unwrap();
            let (name, parents) = match rest.split_once(" : ") {
                Some((name, parents)) => (name, parents.split(", ").map(str::to_string).collect()),
                None => (rest, Vec::new()),
            };
            pairs.last_mut().unwrap().types.push(Declared {
                interface: kind == "interface",
                name: name.into(),
                parents,
                members: Vec::new(),
            });
        }
    }
    pairs
}

/// Types compared without spaces, nullability marks or Python's Optional wrapper.
fn normalize(ty: &str) -> String {
    let mut ty: String = ty.chars().filter(|c| !c.is_whitespace()).collect();
    while let Some(inner) = ty
        .strip_prefix("Optional[")
        .and_then(|t| t.strip_suffix(']'))
    {
        ty = inner.to_string();
    }
    ty.trim_end_matches('?').to_string()
}

fn parse(language: &str, code: &str) -> Vec<Declared> {
    let lines: Vec<&str> = code.lines().collect();
    let mut types: Vec<Declared> = Vec::new();
    let start = |types: &mut Vec<Declared>, interface: bool, name: &str, parents: Vec<String>| {
        types.push(Declared {
            interface,
            name: name.to_string(),
            parents,
            members: Vec::new(),
        });
    };
    let list = |s: &str| -> Vec<String> {
        s.split(',')
            .map(|p| {
                p.trim()
                    .trim_end_matches("()")
                    .trim_end_matches('{')
                    .trim()
                    .to_string()
            })
            .filter(|p| !p.is_empty())
            .collect()
    };
    for (i, raw) in lines.iter().enumerate() {
        let line = raw.trim();
        let member = |types: &mut Vec<Declared>, name: &str, ty: &str| {
            if let Some(last) = types.last_mut() {
                last.members
                    .push((name.trim().trim_end_matches('?').to_string(), normalize(ty)));
            }
        };
        match language {
            "csharp" => {
                for (keyword, interface) in [("class ", false), ("interface ", true)] {
                    if let Some(rest) = line
                        .strip_prefix("public partial ")
                        .and_then(|r| r.strip_prefix(keyword))
                    {
                        let (name, parents) = rest.split_once(" : ").unwrap_or((rest, ""));
                        start(&mut types, interface, name, list(parents));
                    }
                }
                if let Some(declaration) = line.strip_suffix(" { get; set; }") {
                    let declaration = declaration
                        .trim_start_matches("public ")
                        .trim_start_matches("virtual ");
                    let (ty, name) = declaration.rsplit_once(' ').unwrap();
                    member(&mut types, name, ty);
                }
            }
            "vbnet" => {
                for (keyword, interface) in [("Class ", false), ("Interface ", true)] {
                    if let Some(rest) = line
                        .strip_prefix("Public Partial ")
                        .and_then(|r| r.strip_prefix(keyword))
                    {
                        start(&mut types, interface, rest, Vec::new());
                    }
                }
                for prefix in ["Inherits ", "Implements "] {
                    if let (Some(rest), Some(last)) = (line.strip_prefix(prefix), types.last_mut())
                    {
                        last.parents.extend(list(rest));
                    }
                }
                if let Some(at) = line.find("Property ") {
                    let rest = &line[at + "Property ".len()..];
                    let (name, ty) = rest.split_once(" As ").unwrap();
                    let ty = ty.split(" Implements ").next().unwrap();
                    member(&mut types, name, ty);
                }
            }
            "fsharp" => {
                if let Some(rest) = line.strip_prefix("type ") {
                    let interface = !rest.contains("()");
                    start(
                        &mut types,
                        interface,
                        rest.split(['(', ' ']).next().unwrap(),
                        Vec::new(),
                    );
                }
                if let (Some(rest), Some(last)) = (line.strip_prefix("inherit "), types.last_mut())
                {
                    last.parents.push(rest.trim_end_matches("()").to_string());
                }
                if let (Some(rest), Some(last)) =
                    (line.strip_prefix("interface "), types.last_mut())
                {
                    if let Some(name) = rest.strip_suffix(" with") {
                        last.parents.push(name.to_string());
                    }
                }
                for prefix in ["member val ", "abstract "] {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        let (name, ty) = rest.split_once(':').unwrap();
                        let ty = ty
                            .split(" = ")
                            .next()
                            .unwrap()
                            .trim_end_matches(" with get,set");
                        member(&mut types, name, ty);
                    }
                }
            }
            "typescript" => {
                if let Some(rest) = line.strip_prefix("export class ") {
                    let (name, rest) = rest.split_once(' ').unwrap_or((rest, ""));
                    let mut parents = Vec::new();
                    if let Some(base) = rest.strip_prefix("extends ") {
                        parents.push(base.split(' ').next().unwrap().to_string());
                    }
                    if let Some((_, implemented)) = rest.split_once("implements ") {
                        parents.extend(list(implemented));
                    }
                    start(&mut types, false, name, parents);
                } else if let Some(rest) = line.strip_prefix("export interface ") {
                    let (name, parents) = rest.split_once(" extends ").unwrap_or((rest, ""));
                    start(&mut types, true, name, list(parents));
                } else if !line.contains('(') && !line.starts_with("//") && line.ends_with(';') {
                    if let Some((name, ty)) = line.trim_start_matches("public ").split_once(": ") {
                        member(&mut types, name, ty.trim_end_matches(';'));
                    }
                }
            }
            "mjs" => {
                if let Some(rest) = line.strip_prefix("export class ") {
                    let rest = rest.trim_end_matches(" {");
                    let (name, base) = rest.split_once(" extends ").unwrap_or((rest, ""));
                    start(&mut types, false, name, list(base));
                } else if let Some(ty) = line
                    .strip_prefix("/** @type {")
                    .and_then(|t| t.strip_suffix("} */"))
                {
                    let name = lines[i + 1].trim().trim_end_matches(';');
                    member(&mut types, name, ty);
                }
            }
            "python" => {
                if let Some(rest) = line.strip_prefix("class ") {
                    let rest = rest.trim_end_matches(':');
                    let (name, parents) = match rest.split_once('(') {
                        Some((name, parents)) => (name, list(parents.trim_end_matches(')'))),
                        None => (rest, Vec::new()),
                    };
                    let decorated = i > 0 && lines[i - 1].starts_with('@');
                    start(&mut types, !decorated, name, parents);
                } else if raw.starts_with("    ")
                    && !raw.starts_with("        ")
                    && !line.starts_with("def ")
                {
                    if let Some((name, ty)) = line.split_once(": ") {
                        member(&mut types, name, ty.split(" = ").next().unwrap());
                    }
                }
            }
            "kotlin" => {
                for (prefix, interface) in [("open class ", false), ("interface ", true)] {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        let (name, parents) = rest.split_once(" : ").unwrap_or((rest, ""));
                        start(&mut types, interface, name, list(parents));
                    }
                }
                for prefix in ["open var ", "override var ", "var "] {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        let (name, ty) = rest.split_once(':').unwrap();
                        member(&mut types, name, ty.split(" = ").next().unwrap());
                        break;
                    }
                }
            }
            "java" => {
                for (prefix, interface) in [
                    ("public static class ", false),
                    ("public static interface ", true),
                ] {
                    if let Some(rest) = line.strip_prefix(prefix) {
                        let (head, implemented) =
                            rest.split_once(" implements ").unwrap_or((rest, ""));
                        let (name, base) = head.split_once(" extends ").unwrap_or((head, ""));
                        let mut parents = list(base);
                        parents.extend(list(implemented));
                        start(&mut types, interface, name, parents);
                    }
                }
                if let Some(rest) = line
                    .strip_prefix("public ")
                    .and_then(|r| r.strip_suffix(" = null;"))
                {
                    if !rest.contains('(') {
                        let (ty, name) = rest.rsplit_once(' ').unwrap();
                        member(&mut types, name, ty);
                    }
                }
            }
            "swift" => {
                if let Some(rest) = line.strip_prefix("public class ") {
                    let (name, parents) = rest.split_once(" : ").unwrap_or((rest, ""));
                    start(&mut types, false, name, list(parents));
                } else if let Some(rest) = line.strip_prefix("public protocol ") {
                    let (name, parents) = rest.split_once(" : ").unwrap_or((rest, ""));
                    start(&mut types, true, name, list(parents));
                } else if let Some(rest) = line
                    .strip_prefix("public var ")
                    .or_else(|| line.strip_prefix("var "))
                {
                    let (name, ty) = rest.split_once(':').unwrap();
                    member(&mut types, name, ty.trim_end_matches(" { get set }"));
                }
            }
            other => panic!("no parser for {other}"),
        }
    }
    types
}

#[test]
fn our_dtos_declare_the_originals_types_in_every_language_its_pages_show() {
    let server = Server::start();
    let pairs = facts();
    let mut covered = Vec::new();
    let mut problems = Vec::new();
    for pair in &pairs {
        let path = format!(
            "/types/{}?IncludeTypes={}.*&WithoutOptions=true",
            pair.language, pair.operation
        );
        let ours = parse(&pair.language, &server.fetch(&path).text);
        for original in &pair.types {
            let place = format!(
                "{} {} ({}): {}",
                pair.operation, pair.language, pair.page, original.name
            );
            let Some(mine) = ours.iter().find(|t| t.name == original.name) else {
                problems.push(format!("{place} is not declared"));
                continue;
            };
            if mine.interface != original.interface {
                problems.push(format!(
                    "{place}: interface {} where the original has {}",
                    mine.interface, original.interface
                ));
            }
            for parent in &original.parents {
                if !mine.parents.contains(parent) {
                    problems.push(format!(
                        "{place}: lacks parent {parent} (ours: {:?})",
                        mine.parents
                    ));
                }
            }
            for (name, ty) in &original.members {
                match mine.members.iter().find(|(n, _)| n == name) {
                    None => problems.push(format!("{place}: lacks member {name}")),
                    Some((_, our_ty)) if our_ty != ty => problems.push(format!(
                        "{place}.{name}: {our_ty} where the original has {ty}"
                    )),
                    Some(_) => {}
                }
            }
        }
        covered.push(format!("{} {}", pair.operation, pair.language));
    }
    eprintln!(
        "golden (operation, language) pairs covered:\n  {}",
        covered.join("\n  ")
    );
    assert!(
        covered.len() >= 18,
        "the facts file lost pairs: {covered:?}"
    );
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
