//! Checking a request's parameter values against a program's parameter rules.
//! Every problem is reported, not just the first.

use crate::error::Problem;
use crate::model::{Parameters, Program};
use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// More than this many parameters in one token set is refused outright.
pub const MAX_PARAMETERS: usize = 64;

const FIELD: &str = "Parameters";

/// Characters that change how text around them is displayed without being seen:
/// bidirectional controls (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) and
/// zero-width characters (U+200B-U+200D, U+2060, U+FEFF). Refused in names, where they
/// let one name pass for another (`admin\u{202E}` ...).
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// A name shown to people: no control characters, no bidi or zero-width characters.
pub fn is_displayable_name(name: &str) -> bool {
    !name
        .chars()
        .any(|c| c.is_control() || is_invisible_control(c))
}

/// Compiled, anchored patterns, kept by pattern text so a changed catalog never
/// sees a stale regex.
#[derive(Default)]
pub struct Patterns {
    compiled: Mutex<HashMap<String, Arc<Regex>>>,
}

impl Patterns {
    pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
        Regex::new(&format!("^(?:{pattern})$"))
    }

    pub fn get(&self, pattern: &str) -> Option<Arc<Regex>> {
        let mut compiled = self.compiled.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(regex) = compiled.get(pattern) {
            return Some(regex.clone());
        }
        let regex = Arc::new(Self::compile(pattern).ok()?);
        compiled.insert(pattern.to_string(), regex.clone());
        Some(regex)
    }
}

/// Accepted values that look wrong: (parameter name, message), one per value that does
/// not match its parameter's expected pattern.
pub fn parameter_warnings(
    program: &Program,
    parameters: &Parameters,
    patterns: &Patterns,
) -> Vec<(String, String)> {
    parameters
        .iter()
        .filter_map(|(name, value)| {
            let rule = program.parameter(name)?;
            let expected = rule.expected_pattern.as_deref()?;
            let regex = patterns.get(expected)?;
            (!regex.is_match(value)).then(|| {
                (
                    rule.name.clone(),
                    format!(
                        "'{}' does not match what {} expects ({expected}); it was saved, but check it.",
                        rule.display_name, program.name
                    ),
                )
            })
        })
        .collect()
}

pub fn validate_parameters(
    program: &Program,
    parameters: Option<&Parameters>,
    patterns: &Patterns,
) -> Vec<Problem> {
    let Some(parameters) = parameters.filter(|p| !p.is_empty()) else {
        return vec![Problem::new(
            "NotEmpty",
            FIELD,
            "'Parameters' must not be empty.",
        )];
    };
    if parameters.len() > MAX_PARAMETERS {
        return vec![Problem::new(
            "TooManyParameters",
            FIELD,
            format!("'Parameters' must not have more than {MAX_PARAMETERS} entries."),
        )];
    }
    let mut problems = Vec::new();
    let valid_names = || {
        program
            .parameters
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (name, value) in parameters {
        let Some(rule) = program.parameter(name) else {
            // A name says which entry is wrong, so it is repeated when it looks like a
            // parameter name; anything else may be a value typed in the wrong place.
            let problem = if looks_like_a_name(name) {
                Problem::new(
                    "InvalidParameter",
                    FIELD,
                    format!(
                        "'{name}' is not a parameter of {}; valid names: {}.",
                        program.name,
                        valid_names()
                    ),
                )
                .meta("Name", name.clone())
            } else {
                Problem::new(
                    "InvalidParameter",
                    FIELD,
                    format!(
                        "A name in 'Parameters' is not a parameter of {}; valid names: {}.",
                        program.name,
                        valid_names()
                    ),
                )
            };
            problems.push(problem);
            continue;
        };
        let complaint = if value.is_empty() {
            Some("must not be empty".to_string())
        } else if value.chars().count() > rule.max_length as usize {
            Some(format!("must be at most {} characters", rule.max_length))
        } else if value.chars().any(char::is_control) {
            Some("must not contain control characters".to_string())
        } else if rule
            .pattern
            .as_deref()
            .and_then(|p| patterns.get(p))
            .is_some_and(|regex| !regex.is_match(value))
        {
            Some(match rule.example.as_str() {
                "" => format!("is not a valid {}", rule.display_name),
                example => format!(
                    "is not a valid {} (for example: {example})",
                    rule.display_name
                ),
            })
        } else {
            None
        };
        if let Some(complaint) = complaint {
            problems.push(
                Problem::new(
                    "InvalidParameterValue",
                    FIELD,
                    format!("The value of '{name}' {complaint}."),
                )
                .meta("Name", name.clone()),
            );
        }
    }
    for rule in program.parameters.iter().filter(|r| r.required) {
        if !parameters.contains_key(&rule.name) {
            problems.push(
                Problem::new(
                    "RequiredParameter",
                    FIELD,
                    format!("'{}' is required by {}.", rule.name, program.name),
                )
                .meta("Name", rule.name.clone()),
            );
        }
    }
    problems
}

/// Names come from the client; keep control characters out of messages.
/// Catalog parameter names are short ASCII identifiers (`tag`, `ascsubtag`, `at`).
fn looks_like_a_name(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_and_zero_width_characters_are_not_displayable() {
        for c in [
            '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
            '\u{200B}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\n', '\u{7}',
        ] {
            assert!(!is_displayable_name(&format!("Team{c}A")), "{:?}", c);
        }
        assert!(is_displayable_name("Équipe été 東京 - A/B"));
    }
    use crate::model::{LinkRule, ProgramParameter};

    fn program() -> Program {
        let parameter = |name: &str, required, pattern: Option<&str>| ProgramParameter {
            name: name.into(),
            display_name: name.to_uppercase(),
            required,
            pattern: pattern.map(Into::into),
            expected_pattern: None,
            max_length: 20,
            description: String::new(),
            example: String::new(),
            sensitive: false,
        };
        Program {
            program_guid: uuid::Uuid::nil(),
            name: "Test".into(),
            network: "Net".into(),
            countries: vec![],
            hosts: vec![],
            disabled: false,
            parameters: vec![
                parameter("tag", true, Some("[a-z]+-[0-9]{2}")),
                parameter("sub", false, None),
            ],
            link: LinkRule::Query {
                fixed: Default::default(),
            },
            notes: String::new(),
        }
    }

    fn codes(params: &[(&str, &str)]) -> Vec<(&'static str, String)> {
        let params: Parameters = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        validate_parameters(&program(), Some(&params), &Patterns::default())
            .into_iter()
            .map(|p| (p.code, p.meta.get("Name").cloned().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn accepts_valid_values() {
        assert!(codes(&[("tag", "abc-20")]).is_empty());
        assert!(codes(&[("tag", "abc-20"), ("sub", "x")]).is_empty());
    }

    #[test]
    fn reports_every_problem_at_once() {
        assert_eq!(
            codes(&[("Tag", "abc-20"), ("sub", "")]),
            vec![
                ("InvalidParameter", "Tag".to_string()),
                ("InvalidParameterValue", "sub".to_string()),
                ("RequiredParameter", "tag".to_string()),
            ]
        );
    }

    #[test]
    fn checks_pattern_length_and_control_characters() {
        assert_eq!(
            codes(&[("tag", "abc-2")]),
            vec![("InvalidParameterValue", "tag".into())]
        );
        assert_eq!(
            codes(&[("tag", "xabc-20\n")]),
            vec![("InvalidParameterValue", "tag".into())]
        );
        assert_eq!(
            codes(&[("tag", "abc-20"), ("sub", &"x".repeat(21))]),
            vec![("InvalidParameterValue", "sub".into())]
        );
        // The pattern is anchored: a valid value inside a longer one is not enough.
        assert_eq!(
            codes(&[("tag", "abc-20x")]),
            vec![("InvalidParameterValue", "tag".into())]
        );
    }

    #[test]
    fn refuses_empty_and_oversized_sets() {
        let none = validate_parameters(&program(), None, &Patterns::default());
        assert_eq!(none[0].code, "NotEmpty");
        let many: Parameters = (0..65).map(|i| (format!("p{i}"), "v".into())).collect();
        let many = validate_parameters(&program(), Some(&many), &Patterns::default());
        assert_eq!(many[0].code, "TooManyParameters");
    }
}
