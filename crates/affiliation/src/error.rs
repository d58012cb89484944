//! What can go wrong in the domain, in the domain's words (no HTTP here).

use std::collections::BTreeMap;
use uuid::Uuid;

/// One problem with one member of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// A stable code, e.g. `NotEmpty`, `InvalidParameter`.
    pub code: &'static str,
    /// The member's PascalCase name, e.g. `Parameters`.
    pub field: &'static str,
    pub message: String,
    pub meta: BTreeMap<String, String>,
}

impl Problem {
    pub fn new(code: &'static str, field: &'static str, message: impl Into<String>) -> Self {
        Problem {
            code,
            field,
            message: message.into(),
            meta: BTreeMap::new(),
        }
    }

    pub fn meta(mut self, key: &str, value: impl Into<String>) -> Self {
        self.meta.insert(key.to_string(), value.into());
        self
    }
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
    Store(#[from] StoreError),
}

impl DomainError {
    pub fn invalid(problem: Problem) -> Self {
        DomainError::Invalid(vec![problem])
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule refused the write; `existing` names the record in the way.
    #[error("conflicts with {existing}")]
    Conflict { existing: Uuid },
    #[error("username already taken")]
    DuplicateUsername,
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
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        StoreError::Database(error.to_string())
    }
}

pub type Result<T, E = DomainError> = std::result::Result<T, E>;
