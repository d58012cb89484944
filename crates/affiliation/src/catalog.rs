//! The catalog file: parsing and checking it before it reaches the store.

use crate::model::{LinkRule, Program};
use crate::validation::Patterns;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The catalog file format (`catalog/programs.json`, `catalog export`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    version: u32,
    programs: Vec<Program>,
}

impl Catalog {
    pub fn new(programs: Vec<Program>) -> Catalog {
        Catalog {
            version: 1,
            programs,
        }
    }
}

/// Parses a catalog file and checks that it is coherent: unique GUIDs and names,
/// patterns that compile, examples that pass their own rules, templates whose
/// placeholders are parameters.
pub fn parse_catalog(text: &str) -> Result<Vec<Program>, String> {
    let file: Catalog =
        serde_json::from_str(text).map_err(|e| format!("catalog does not parse: {e}"))?;
    if file.version != 1 {
        return Err(format!("catalog version {} is not supported", file.version));
    }
    let mut guids = HashSet::new();
    let mut names = HashSet::new();
    for program in &file.programs {
        let name = &program.name;
        if !guids.insert(program.program_guid) {
            return Err(format!(
                "{name}: programGuid {} repeated",
                program.program_guid
            ));
        }
        if !names.insert(name.as_str()) {
            return Err(format!("{name}: name repeated"));
        }
        check_program(program)?;
    }
    Ok(file.programs)
}

/// Checks one program on its own: patterns compile, examples pass their own rules,
/// template placeholders are parameters.
pub fn check_program(program: &Program) -> Result<(), String> {
    let name = &program.name;
    if name.trim().is_empty() {
        return Err("a program needs a name".into());
    }
    if !crate::validation::is_displayable_name(name) {
        return Err(
            "a program's name must not contain control, bidirectional or zero-width characters"
                .into(),
        );
    }
    for parameter in &program.parameters {
        if let Some(expected) = &parameter.expected_pattern {
            Patterns::compile(expected)
                .map_err(|e| format!("{name}: expectedPattern of {}: {e}", parameter.name))?;
        }
        if let Some(pattern) = &parameter.pattern {
            let regex = Patterns::compile(pattern)
                .map_err(|e| format!("{name}: pattern of {}: {e}", parameter.name))?;
            if !parameter.example.is_empty() && !regex.is_match(&parameter.example) {
                return Err(format!(
                    "{name}: example of {} does not match its pattern",
                    parameter.name
                ));
            }
        }
    }
    if let LinkRule::Template { template, .. } = &program.link {
        for placeholder in placeholders(template) {
            if placeholder != "url" && program.parameter(placeholder).is_none() {
                return Err(format!(
                    "{name}: template placeholder {{{placeholder}}} is not a parameter"
                ));
            }
        }
    }
    Ok(())
}

fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"version":1,"programs":[{"programGuid":"0f8fad5b-d9cb-469f-a165-70867728950e",
        "name":"P","network":"N","parameters":[{"name":"tag","displayName":"Tag","required":true,
        "pattern":"[a-z]+","example":"abc"}],"link":{"kind":"template","template":"https://t/{tag}?u={url}"}}]}"#;

    #[test]
    fn parses_a_coherent_catalog() {
        let programs = parse_catalog(ONE).unwrap();
        assert_eq!(programs.len(), 1);
        assert_eq!(programs[0].parameters[0].max_length, 256);
    }

    #[test]
    fn refuses_incoherent_catalogs() {
        assert!(parse_catalog(&ONE.replace("\"abc\"", "\"ABC\""))
            .unwrap_err()
            .contains("example"));
        assert!(parse_catalog(&ONE.replace("{tag}?", "{nope}?"))
            .unwrap_err()
            .contains("placeholder"));
        assert!(parse_catalog(&ONE.replace("[a-z]+", "[a-z"))
            .unwrap_err()
            .contains("pattern"));
        assert!(parse_catalog(&ONE.replace("\"network\"", "\"extra\":1,\"network\"")).is_err());
    }
}
