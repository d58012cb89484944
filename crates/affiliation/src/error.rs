//! What can go wrong in the domain, in the domain's words (no HTTP here).

use uuid::Uuid;

/// One problem with one member of a request, in the domain's terms: what is wrong
/// and with what. The API layer words it (message, error code, member name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub issue: Issue,
    /// The position of the entry it is about, in a request carrying many (a token set).
    pub item: Option<usize>,
}

impl Problem {
    pub fn at(self, item: usize) -> Self {
        Problem {
            item: Some(item),
            ..self
        }
    }
}

impl From<Issue> for Problem {
    fn from(issue: Issue) -> Self {
        Problem { issue, item: None }
    }
}

/// What is wrong with a request, naming the domain concept it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Issue {
    /// A new user's name breaks the username rule.
    InvalidUsername,
    /// A country filter that is not an ISO 3166 alpha-2 code.
    InvalidCountry,
    /// A group name longer than `max` characters or with control characters.
    GroupNameTooLong {
        max: usize,
    },
    /// A group name with bidirectional or zero-width control characters.
    GroupNameInvisible,
    /// No parameter values at all.
    NoParameters,
    TooManyParameters {
        max: usize,
    },
    /// A parameter name the program does not have (the name as sent).
    UnknownParameter {
        name: String,
        program: String,
        valid: Vec<String>,
    },
    /// A value that breaks its parameter's rule.
    InvalidValue {
        name: String,
        complaint: Complaint,
    },
    /// A required parameter left out.
    MissingParameter {
        name: String,
        program: String,
    },
    /// The program is retired and accepts no new tokens.
    ProgramRetired {
        program: Uuid,
        name: String,
    },
    /// No program of the catalog has this GUID (an entry of a token set).
    UnknownProgram(Uuid),
    /// The same program twice in one token set.
    DuplicateProgram(Uuid),
    /// A token set without programs.
    NoPrograms,
    TooManyPrograms {
        max: usize,
    },
    /// A link request without a URL.
    NoUrl,
    TooManyUrls {
        max: usize,
    },
    /// The one URL of a link request cannot be a product link.
    UnusableUrl(crate::link::LinkError),
    /// A program definition without a name.
    NoProgramName,
    /// A link rule whose kind is not query, template or none.
    UnknownLinkKind,
    /// A localization whose `by` is not host or path.
    UnknownLocalizeBy,
    /// A link request's missingToken that is not local or original.
    InvalidMissingToken,
    /// A template link rule without `{url}`.
    TemplateWithoutUrl,
    /// A program parameter without a name.
    UnnamedParameter,
    /// A program definition that is not coherent (`catalog::check_program`'s reason).
    IncoherentProgram(String),
}

/// How a parameter value breaks its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Complaint {
    Empty,
    TooLong {
        max: u32,
    },
    ControlCharacters,
    /// It does not match the parameter's pattern.
    NoMatch {
        display_name: String,
        example: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("validation failed")]
    Invalid(Vec<Problem>),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{message}")]
    Conflict { message: String, existing: Uuid },
    #[error(transparent)]
    Store(StoreError),
}

/// What a concurrent change removed from under a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vanished {
    Group(u32),
    Tokens(Uuid),
    /// A foreign key refused the write: a row it refers to is gone (which one the
    /// database does not say).
    Referenced,
}

/// Every constraint a write can meet is a client's answer (404 or 409), never a 500:
/// a store error only stays a `Store` error when it is not about the data.
impl From<StoreError> for DomainError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict { existing } => DomainError::Conflict {
                message: if existing.is_nil() {
                    "The write conflicts with a concurrent change; read the current state and try again".into()
                } else {
                    format!("Already connected; update affiliateTokensId {existing} instead")
                },
                existing,
            },
            StoreError::DuplicateUsername => DomainError::Conflict {
                message: "The username is taken".into(),
                existing: Uuid::nil(),
            },
            StoreError::Vanished(Vanished::Group(id)) => {
                DomainError::NotFound(format!("Group {id} not found"))
            }
            StoreError::Vanished(Vanished::Tokens(guid)) => {
                DomainError::NotFound(format!("Affiliate tokens {guid} not found"))
            }
            StoreError::Vanished(Vanished::Referenced) => DomainError::NotFound(
                "The group or token set this write refers to no longer exists".into(),
            ),
            StoreError::Database(_)
            | StoreError::UnknownScheme(_)
            | StoreError::NoDatabase(_)
            | StoreError::UsernamesDifferByCase(_) => DomainError::Store(error),
        }
    }
}

impl DomainError {
    pub fn invalid(issue: Issue) -> Self {
        DomainError::Invalid(vec![issue.into()])
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; `existing` names the record in the way.
    #[error("conflicts with {existing}")]
    Conflict { existing: Uuid },
    #[error("username already taken")]
    DuplicateUsername,
    /// A concurrent change removed what the write needs (checked inside its
    /// transaction, or refused by a foreign key).
    #[error("no longer there: {0:?}")]
    Vanished(Vanished),
    #[error("database: {0}")]
    Database(String),
    /// A database URL whose scheme is not one of ours.
    #[error(
        "unknown database URL scheme '{0}:'; use sqlite:PATH (or sqlite://PATH, or a plain \
         file path) for SQLite, or postgres://... / postgresql://... for PostgreSQL"
    )]
    UnknownScheme(String),
    /// An SQLite file that does not exist, where creating one was not asked for.
    #[error("no SQLite database at {0}")]
    NoDatabase(String),
    /// Stored usernames that differ only by case stop the migration that makes
    /// usernames unique ignoring case.
    #[error(
        "cannot apply the migration that makes usernames unique ignoring case: these \
         usernames differ only by case: {0}. Rename or remove one of each pair (e.g. export, \
         edit, import into a new database), then run `affiliation-api migrate` again"
    )]
    UsernamesDifferByCase(String),
}

impl From<sqlx::Error> for StoreError {
    /// Constraint violations are about the data, not the database: a unique index is a
    /// conflict, a foreign key a vanished row. Everything else is the database's error.
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(e) if e.is_unique_violation() => StoreError::Conflict {
                existing: Uuid::nil(),
            },
            sqlx::Error::Database(e) if e.is_foreign_key_violation() => {
                StoreError::Vanished(Vanished::Referenced)
            }
            // PostgreSQL gave up one of two racing transactions (serialization failure,
            // deadlock): the loser is told to read again and retry, as for any conflict.
            sqlx::Error::Database(e) if matches!(e.code().as_deref(), Some("40001" | "40P01")) => {
                StoreError::Conflict {
                    existing: Uuid::nil(),
                }
            }
            _ => StoreError::Database(error.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(error.to_string())
    }
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraint_failures_are_client_errors_and_only_database_errors_are_not() {
        let existing = Uuid::new_v4();
        assert!(matches!(
            DomainError::from(StoreError::Conflict { existing }),
            DomainError::Conflict { existing: e, .. } if e == existing
        ));
        assert!(matches!(
            DomainError::from(StoreError::Conflict { existing: Uuid::nil() }),
            DomainError::Conflict { ref message, .. } if !message.contains("0000")
        ));
        assert!(matches!(
            DomainError::from(StoreError::Vanished(Vanished::Group(7))),
            DomainError::NotFound(ref m) if m == "Group 7 not found"
        ));
        assert!(matches!(
            DomainError::from(StoreError::Vanished(Vanished::Referenced)),
            DomainError::NotFound(_)
        ));
        assert!(matches!(
            DomainError::from(StoreError::DuplicateUsername),
            DomainError::Conflict { .. }
        ));
        assert!(matches!(
            DomainError::from(StoreError::Database("disk".into())),
            DomainError::Store(_)
        ));
    }
}
