//! Checking a request's parameter values against a program's parameter rules.
//! Every problem is reported, not just the first.

use crate::error::{Complaint, Issue, Problem};
use crate::model::{Parameters, Program};
use regex::Regex;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// More than this many parameters in one token set is refused outright.
pub const MAX_PARAMETERS: usize = 64;

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

/// An accepted value that does not look like what its program expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The parameter's name.
    pub parameter: String,
    pub display_name: String,
    pub program: String,
    /// The pattern the value was expected to match.
    pub expected: String,
}

/// Accepted values that look wrong: one per value that does not match its parameter's
/// expected pattern.
pub fn parameter_warnings(
    program: &Program,
    parameters: &Parameters,
    patterns: &Patterns,
) -> Vec<Warning> {
    parameters
        .iter()
        .filter_map(|(name, value)| {
            let rule = program.parameter(name)?;
            let expected = rule.expected_pattern.as_deref()?;
            let regex = patterns.get(expected)?;
            (!regex.is_match(value)).then(|| Warning {
                parameter: rule.name.clone(),
                display_name: rule.display_name.clone(),
                program: program.name.clone(),
                expected: expected.to_string(),
            })
        })
        .collect()
}

/// Every problem of a parameter set against the program's rules (empty when valid).
pub fn validate_parameters(
    program: &Program,
    parameters: Option<&Parameters>,
    patterns: &Patterns,
) -> Vec<Problem> {
    let Some(parameters) = parameters.filter(|p| !p.is_empty()) else {
        return vec![Issue::NoParameters.into()];
    };
    if parameters.len() > MAX_PARAMETERS {
        return vec![Issue::TooManyParameters {
            max: MAX_PARAMETERS,
        }
        .into()];
    }
    let mut problems: Vec<Problem> = Vec::new();
    for (name, value) in parameters {
        let Some(rule) = program.parameter(name) else {
            problems.push(
                Issue::UnknownParameter {
                    name: name.clone(),
                    program: program.name.clone(),
                    valid: program.parameters.iter().map(|p| p.name.clone()).collect(),
                }
                .into(),
            );
            continue;
        };
        let complaint = if value.is_empty() {
            Some(Complaint::Empty)
        } else if value.chars().count() > rule.max_length as usize {
            Some(Complaint::TooLong {
                max: rule.max_length,
            })
        } else if value.chars().any(char::is_control) {
            Some(Complaint::ControlCharacters)
        } else if rule
            .pattern
            .as_deref()
            .and_then(|p| patterns.get(p))
            .is_some_and(|regex| !regex.is_match(value))
        {
            Some(Complaint::NoMatch {
                display_name: rule.display_name.clone(),
                example: rule.example.clone(),
            })
        } else {
            None
        };
        if let Some(complaint) = complaint {
            problems.push(
                Issue::InvalidValue {
                    name: name.clone(),
                    complaint,
                }
                .into(),
            );
        }
    }
    for rule in program.parameters.iter().filter(|r| r.required) {
        if !parameters.contains_key(&rule.name) {
            problems.push(
                Issue::MissingParameter {
                    name: rule.name.clone(),
                    program: program.name.clone(),
                }
                .into(),
            );
        }
    }
    problems
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
            strip: vec![],
            localization: None,
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
            .map(|p| code_and_name(p.issue))
            .collect()
    }

    /// The error code the API gives each issue, and the parameter it names.
    fn code_and_name(issue: Issue) -> (&'static str, String) {
        match issue {
            Issue::NoParameters => ("NotEmpty", String::new()),
            Issue::TooManyParameters { .. } => ("TooManyParameters", String::new()),
            Issue::UnknownParameter { name, .. } => ("InvalidParameter", name),
            Issue::InvalidValue { name, .. } => ("InvalidParameterValue", name),
            Issue::MissingParameter { name, .. } => ("RequiredParameter", name),
            other => panic!("not a parameter issue: {other:?}"),
        }
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
        assert_eq!(code_and_name(none[0].issue.clone()).0, "NotEmpty");
        let many: Parameters = (0..65).map(|i| (format!("p{i}"), "v".into())).collect();
        let many = validate_parameters(&program(), Some(&many), &Patterns::default());
        assert_eq!(code_and_name(many[0].issue.clone()).0, "TooManyParameters");
    }
}
