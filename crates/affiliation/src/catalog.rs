//! The catalog's rules for a program's definition, in one place: a catalog file's
//! programs and an administrator's definition are checked by the same
//! [`check_program`], after [`define`] has checked a definition's members.

use crate::country::Country;
use crate::error::{Issue, Problem};
use crate::model::{
    LinkRule, Localization, LocalizeBy, Parameters, Program, ProgramParameter, DEFAULT_MAX_LENGTH,
};
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
    check_families(&file.programs)?;
    Ok(file.programs)
}

/// Checks the families of a whole catalog: one way of localizing per family, no
/// country claimed by two enabled storefronts of one family, and every fallback
/// leading to a country where the family has a storefront.
pub fn check_families(programs: &[Program]) -> Result<(), String> {
    let families = programs
        .iter()
        .filter_map(|p| Some((p, p.localization.as_ref()?)));
    for (program, localization) in families.clone() {
        let family = &localization.family;
        let members = || families.clone().filter(|(_, l)| l.family == *family);
        if members().any(|(_, l)| l.by != localization.by) {
            return Err(format!(
                "{family}: its programs localize links in different ways"
            ));
        }
        for country in &program.countries {
            let claimed = members()
                .filter(|(p, _)| !p.disabled && p.countries.contains(country))
                .count();
            if !program.disabled && claimed > 1 {
                return Err(format!("{family}: two storefronts for {country}"));
            }
        }
        for (from, to) in &localization.country_fallbacks {
            if !members().any(|(p, _)| p.countries.contains(to)) {
                return Err(format!(
                    "{}: countryFallbacks {from} to {to}: {family} has no storefront for {to}",
                    program.name
                ));
            }
        }
    }
    Ok(())
}

/// A program's localization on its own: a family name, countries that are assigned
/// ISO 3166-1 alpha-2 codes (upper case), one country and a host per storefront
/// program when localizing by host, fallbacks between two different such codes.
fn check_localization(program: &Program, localization: &Localization) -> Result<(), String> {
    let name = &program.name;
    let code = |text: &str| Country::parse(text).is_some_and(|c| c.is(text));
    if localization.family.trim().is_empty()
        || !crate::validation::is_displayable_name(&localization.family)
    {
        return Err(format!("{name}: localization needs a family name"));
    }
    if let Some(bad) = program.countries.iter().find(|c| !code(c)) {
        return Err(format!(
            "{name}: country {bad:?} is not an upper-case ISO 3166-1 alpha-2 code"
        ));
    }
    match localization.by {
        LocalizeBy::Host if program.countries.len() != 1 || program.hosts.is_empty() => {
            return Err(format!(
                "{name}: a storefront localized by host has exactly one country and a host"
            ))
        }
        LocalizeBy::Path if program.countries.is_empty() => {
            return Err(format!(
                "{name}: a program localized by path lists its storefronts' countries"
            ))
        }
        _ => {}
    }
    for (from, to) in &localization.country_fallbacks {
        if !code(from) || !code(to) {
            return Err(format!(
                "{name}: countryFallbacks {from:?} to {to:?}: both must be upper-case ISO 3166-1 alpha-2 codes"
            ));
        }
        if from == to {
            return Err(format!("{name}: countryFallbacks {from} to itself"));
        }
    }
    Ok(())
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
    let mut seen = HashSet::new();
    for entry in &program.strip {
        check_strip_entry(entry).map_err(|e| format!("{name}: strip entry {entry:?} {e}"))?;
        if !seen.insert(entry.as_str()) {
            return Err(format!("{name}: strip entry {entry:?} repeated"));
        }
    }
    if let Some(localization) = &program.localization {
        check_localization(program, localization)?;
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

/// A `strip` entry: a query parameter name, or `name=prefix*` (the parameter when its
/// value starts with `prefix`). Names are what a URL's query holds, decoded: no
/// `&`, `=`, `#`, `?`, `*`, `%`, `+`, spaces or control characters, at most 64 bytes.
fn check_strip_entry(entry: &str) -> Result<(), &'static str> {
    let plain = |part: &str| {
        !part.is_empty()
            && part.len() <= 64
            && part
                .chars()
                .all(|c| c.is_ascii_graphic() && !"&=#?*%+".contains(c))
    };
    match entry.split_once('=') {
        None if plain(entry) => Ok(()),
        None => {
            Err("is not a parameter name (1 to 64 visible ASCII characters, none of & = # ? * % +)")
        }
        Some((name, prefix)) => match prefix.strip_suffix('*') {
            Some(prefix) if plain(name) && plain(prefix) => Ok(()),
            _ => Err("is not of the form name=prefix*"),
        },
    }
}

/// A program's definition as an administrator sends it, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct ProgramDraft {
    pub name: Option<String>,
    pub network: Option<String>,
    pub countries: Option<Vec<String>>,
    pub hosts: Option<Vec<String>>,
    pub disabled: bool,
    pub parameters: Option<Vec<ProgramParameter>>,
    pub link: Option<LinkDraft>,
    /// Query parameters carrying someone else's attribution (absent: none).
    pub strip: Option<Vec<String>>,
    /// The program's family of storefronts (absent: links are not localized).
    pub localization: Option<LocalizationDraft>,
}

/// A localization as sent: `by` names how links move (host or path).
#[derive(Debug, Clone, Default)]
pub struct LocalizationDraft {
    pub family: String,
    pub by: String,
    pub country_fallbacks: Option<Parameters>,
}

fn localize_by(by: &str) -> Option<LocalizeBy> {
    match by.trim().to_ascii_lowercase().as_str() {
        "host" => Some(LocalizeBy::Host),
        "path" => Some(LocalizeBy::Path),
        _ => None,
    }
}

/// A link rule as sent: its kind names which of the other members apply.
#[derive(Debug, Clone, Default)]
pub struct LinkDraft {
    pub kind: String,
    pub fixed: Option<Parameters>,
    pub template: Option<String>,
    pub optional: Option<Parameters>,
    pub reason: Option<String>,
}

/// The problems of a definition's members, all at once (empty when there are none).
pub fn check_draft(draft: &ProgramDraft) -> Vec<Problem> {
    let mut problems: Vec<Problem> = Vec::new();
    if draft.name.as_deref().unwrap_or("").trim().is_empty() {
        problems.push(Issue::NoProgramName.into());
    }
    if let Some(link) = &draft.link {
        match link.kind.to_ascii_lowercase().as_str() {
            "query" | "none" => {}
            "template"
                if link
                    .template
                    .as_deref()
                    .is_some_and(|t| t.contains("{url}")) => {}
            "template" => problems.push(Issue::TemplateWithoutUrl.into()),
            _ => problems.push(Issue::UnknownLinkKind.into()),
        }
    }
    if draft
        .localization
        .as_ref()
        .is_some_and(|l| localize_by(&l.by).is_none())
    {
        problems.push(Issue::UnknownLocalizeBy.into());
    }
    if draft
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name.trim().is_empty())
    {
        problems.push(Issue::UnnamedParameter.into());
    }
    problems
}

/// The program a definition describes, checked: its members ([`check_draft`]), then
/// the program as a whole ([`check_program`]). Defaults: a query rule, parameters
/// displayed by their names, [`DEFAULT_MAX_LENGTH`], hosts in lower case.
pub fn define(program_guid: uuid::Uuid, draft: ProgramDraft) -> Result<Program, Vec<Problem>> {
    let problems = check_draft(&draft);
    if !problems.is_empty() {
        return Err(problems);
    }
    let link = match draft.link {
        None => LinkRule::Query {
            fixed: Default::default(),
        },
        Some(rule) => match rule.kind.to_ascii_lowercase().as_str() {
            "template" => LinkRule::Template {
                template: rule.template.unwrap_or_default(),
                optional: rule.optional.unwrap_or_default(),
            },
            "none" => LinkRule::None {
                reason: rule.reason.unwrap_or_default(),
            },
            _ => LinkRule::Query {
                fixed: rule.fixed.unwrap_or_default(),
            },
        },
    };
    let parameters = draft
        .parameters
        .unwrap_or_default()
        .into_iter()
        .map(|p| ProgramParameter {
            display_name: if p.display_name.is_empty() {
                p.name.clone()
            } else {
                p.display_name
            },
            pattern: p.pattern.filter(|p| !p.is_empty()),
            expected_pattern: p.expected_pattern.filter(|p| !p.is_empty()),
            max_length: if p.max_length == 0 {
                DEFAULT_MAX_LENGTH
            } else {
                p.max_length
            },
            ..p
        })
        .collect();
    let program = Program {
        program_guid,
        name: draft.name.unwrap_or_default().trim().to_string(),
        network: draft.network.unwrap_or_default(),
        countries: draft
            .countries
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.trim().to_ascii_uppercase())
            .collect(),
        hosts: draft
            .hosts
            .unwrap_or_default()
            .into_iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect(),
        disabled: draft.disabled,
        parameters,
        link,
        strip: draft
            .strip
            .unwrap_or_default()
            .into_iter()
            .map(|entry| entry.trim().to_string())
            .collect(),
        localization: draft.localization.map(|l| Localization {
            family: l.family.trim().to_string(),
            by: localize_by(&l.by).unwrap_or(LocalizeBy::Host),
            country_fallbacks: l
                .country_fallbacks
                .unwrap_or_default()
                .into_iter()
                .map(|(from, to)| {
                    (
                        from.trim().to_ascii_uppercase(),
                        to.trim().to_ascii_uppercase(),
                    )
                })
                .collect(),
        }),
        notes: String::new(),
    };
    check_program(&program).map_err(|reason| vec![Issue::IncoherentProgram(reason).into()])?;
    Ok(program)
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

    #[test]
    fn strip_lists_are_optional_and_checked() {
        let with =
            |strip: &str| ONE.replace("\"network\"", &format!("\"strip\":{strip},\"network\""));
        assert!(parse_catalog(ONE).unwrap()[0].strip.is_empty());
        let programs = parse_catalog(&with(r#"["linkId","ref=as_li_*"]"#)).unwrap();
        assert_eq!(programs[0].strip, vec!["linkId", "ref=as_li_*"]);
        for (bad, says) in [
            (r#"[""]"#, "not a parameter name"),
            (r#"["a b"]"#, "not a parameter name"),
            (r#"["a&b"]"#, "not a parameter name"),
            (r#"["ref=as_li_"]"#, "name=prefix*"),
            (r#"["ref=*"]"#, "name=prefix*"),
            (r#"["=x*"]"#, "name=prefix*"),
            (r#"["linkId","linkId"]"#, "repeated"),
            (r#""linkId""#, "does not parse"),
        ] {
            let error = parse_catalog(&with(bad)).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
