//! Domain errors in the wire's terms: each [`Issue`] gets ServiceStack's vocabulary
//! here (FluentValidation-style message, errorCode, PascalCase fieldName, meta), and
//! nowhere else.

use affiliation::validation::Warning;
use affiliation::{Complaint, DomainError, Issue, Problem};
use servicehost::{FieldError, ServiceError};

/// What a handler fails with: a domain error, or a request that does not parse.
pub struct Failure(pub ServiceError);

impl From<DomainError> for Failure {
    fn from(error: DomainError) -> Self {
        Failure(service_error(error))
    }
}

impl From<FieldError> for Failure {
    fn from(error: FieldError) -> Self {
        Failure(ServiceError::validation(vec![error]))
    }
}

pub fn service_error(error: DomainError) -> ServiceError {
    match error {
        DomainError::Invalid(problems) => {
            ServiceError::validation(problems.into_iter().map(field_error).collect())
        }
        DomainError::NotFound(message) => ServiceError::not_found(message),
        DomainError::Forbidden(message) => ServiceError::forbidden(message),
        DomainError::Conflict { message, existing } => {
            let error = ServiceError::conflict(message);
            if existing.is_nil() {
                error
            } else {
                error.with_meta("AffiliateTokensId", existing.to_string())
            }
        }
        DomainError::Store(error) => {
            tracing::error!(%error, "store failed");
            ServiceError::internal()
        }
    }
}

/// The field errors of the domain's problems and the request's own (field errors the
/// handler found reading it, each with the entry it is about), in entry order.
pub fn merged(own: Vec<(usize, FieldError)>, domain: DomainError) -> Failure {
    let DomainError::Invalid(problems) = domain else {
        return domain.into();
    };
    let mut errors: Vec<(usize, FieldError)> = own;
    errors.extend(
        problems
            .into_iter()
            .map(|p| (p.item.unwrap_or(0), field_error(p))),
    );
    // Stable: each entry's errors keep their order.
    errors.sort_by_key(|(item, _)| *item);
    Failure(ServiceError::validation(
        errors.into_iter().map(|(_, e)| e).collect(),
    ))
}

/// A domain error as the CLI prints it: the messages only.
pub fn describe(error: DomainError) -> String {
    match error {
        DomainError::Invalid(problems) => problems
            .into_iter()
            .map(|p| field_error(p).message)
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

/// One problem as ServiceStack's `ResponseError`. Parameter problems of a token set's
/// entry name its `AffiliateTokens` member; every entry's problem carries `meta.Index`.
///
/// Long on purpose: one arm per [`Issue`], the service's whole wording table in one
/// place, so a message is found (and changed) here and nowhere else.
pub fn field_error(problem: Problem) -> FieldError {
    let parameters = if problem.item.is_some() {
        "AffiliateTokens"
    } else {
        "Parameters"
    };
    let error = match problem.issue {
        Issue::InvalidUsername => FieldError::new(
            "InvalidUsername",
            "Username",
            "A username is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.",
        ),
        Issue::InvalidCountry => FieldError::new(
            "InvalidCountry",
            "Country",
            "'Country' must be an ISO 3166 alpha-2 code such as US or GB.",
        ),
        Issue::GroupNameTooLong { max } => FieldError::new(
            "InvalidGroupName",
            "Name",
            format!("'Name' must be at most {max} printable characters."),
        ),
        Issue::GroupNameInvisible => FieldError::new(
            "InvalidGroupName",
            "Name",
            "'Name' must not contain bidirectional or zero-width control characters.",
        ),
        // The message names `Parameters` even for a token set's `AffiliateTokens`.
        Issue::NoParameters => {
            FieldError::new("NotEmpty", parameters, "'Parameters' must not be empty.")
        }
        Issue::TooManyParameters { max } => FieldError::new(
            "TooManyParameters",
            parameters,
            format!("'Parameters' must not have more than {max} entries."),
        ),
        Issue::UnknownParameter {
            name,
            program,
            valid,
        } => unknown_parameter(parameters, name, &program, &valid.join(", ")),
        Issue::InvalidValue { name, complaint } => FieldError::new(
            "InvalidParameterValue",
            parameters,
            format!("The value of '{name}' {}.", complaint_text(&complaint)),
        )
        .with_meta("Name", name),
        Issue::MissingParameter { name, program } => FieldError::new(
            "RequiredParameter",
            parameters,
            format!("'{name}' is required by {program}."),
        )
        .with_meta("Name", name),
        Issue::ProgramRetired { program, name } => FieldError::new(
            "ProgramDisabled",
            "ProgramGuid",
            format!("{name} is retired and accepts no new tokens."),
        )
        .with_meta("ProgramGuid", program.to_string()),
        Issue::UnknownProgram(guid) => FieldError::new(
            "NotFound",
            "ProgramGuid",
            format!("Affiliate program {guid} not found"),
        ),
        Issue::DuplicateProgram(guid) => FieldError::new(
            "DuplicateProgram",
            "ProgramGuid",
            format!("Program {guid} appears more than once."),
        ),
        Issue::NoPrograms => not_empty("AffiliatePrograms"),
        Issue::TooManyPrograms { max } => FieldError::new(
            "TooManyPrograms",
            "AffiliatePrograms",
            format!("'Affiliate Programs' must not have more than {max} entries."),
        ),
        Issue::NoUrl => not_empty("Url"),
        Issue::TooManyUrls { max } => FieldError::new(
            "TooManyUrls",
            "Urls",
            format!("At most {max} URLs may be sent at once."),
        ),
        Issue::UnusableUrl(error) => FieldError::new(
            "InvalidUrl",
            "Url",
            format!("'Url' is not usable: {error}."),
        ),
        Issue::NoProgramName => not_empty("Name"),
        Issue::UnknownLinkKind => FieldError::new(
            "InvalidLinkRule",
            "Link",
            "'Link.Kind' must be query, template or none.",
        ),
        Issue::TemplateWithoutUrl => FieldError::new(
            "InvalidLinkRule",
            "Link",
            "A template link rule needs a template containing {url}.",
        ),
        Issue::UnknownLocalizeBy => FieldError::new(
            "InvalidLocalization",
            "Localization",
            "'Localization.By' must be host or path.",
        ),
        Issue::InvalidMissingToken => FieldError::new(
            "InvalidMissingToken",
            "MissingToken",
            "'Missing Token' must be local or original.",
        ),
        Issue::UnnamedParameter => {
            FieldError::new("NotEmpty", "Parameters", "Every parameter needs a name.")
        }
        Issue::IncoherentProgram(reason) => FieldError::new("InvalidProgram", "Program", reason),
    };
    match problem.item {
        Some(index) => error.with_meta("Index", index.to_string()),
        None => error,
    }
}

/// FluentValidation's `NotEmpty`: `'Affiliate Programs' must not be empty.`
pub fn not_empty(field: &'static str) -> FieldError {
    FieldError::new(
        "NotEmpty",
        field,
        format!("'{}' must not be empty.", spaced(field)),
    )
}

/// A name says which entry is wrong, so it is repeated when it looks like a parameter
/// name; anything else may be a value typed in the wrong place, and is described.
fn unknown_parameter(field: &'static str, name: String, program: &str, valid: &str) -> FieldError {
    if looks_like_a_name(&name) {
        FieldError::new(
            "InvalidParameter",
            field,
            format!("'{name}' is not a parameter of {program}; valid names: {valid}."),
        )
        .with_meta("Name", name)
    } else {
        FieldError::new(
            "InvalidParameter",
            field,
            format!(
                "A name in 'Parameters' is not a parameter of {program}; valid names: {valid}."
            ),
        )
    }
}

fn complaint_text(complaint: &Complaint) -> String {
    match complaint {
        Complaint::Empty => "must not be empty".to_string(),
        Complaint::TooLong { max } => format!("must be at most {max} characters"),
        Complaint::ControlCharacters => "must not contain control characters".to_string(),
        Complaint::NoMatch {
            display_name,
            example,
        } => match example.as_str() {
            "" => format!("is not a valid {display_name}"),
            example => format!("is not a valid {display_name} (for example: {example})"),
        },
    }
}

/// Names come from the client; keep control characters out of messages.
/// Catalog parameter names are short ASCII identifiers (`tag`, `ascsubtag`, `at`).
fn looks_like_a_name(text: &str) -> bool {
    (1..=32).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
}

/// An accepted value's warning: (`Warning.<parameter>`, message).
pub fn warning(warning: Warning) -> (String, String) {
    (
        format!("Warning.{}", warning.parameter),
        format!(
            "'{}' does not match what {} expects ({}); it was saved, but check it.",
            warning.display_name, warning.program, warning.expected
        ),
    )
}

/// FluentValidation's display names: `ProgramGuid` -> `Program Guid`.
pub fn spaced(pascal: &str) -> String {
    let mut out = String::new();
    for (i, c) in pascal.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The groupId a request names: 0 names no group (`GreaterThan`).
pub fn group_id(id: u32) -> Result<affiliation::model::GroupId, FieldError> {
    affiliation::model::GroupId::new(id).ok_or_else(|| {
        FieldError::new(
            "GreaterThan",
            "GroupId",
            "'Group Id' must be greater than '0'.",
        )
    })
}
