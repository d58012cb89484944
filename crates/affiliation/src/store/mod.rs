//! Storage behind one trait, so handlers never know which database they run on.

mod backend;
pub mod dump;
mod group_commit;
mod postgres;
mod records;
mod sql;
mod sqlite;
mod statements;

pub use postgres::{PgSettings, PostgresStore};
pub use sqlite::SqliteStore;

use crate::changes::ChangeFeed;
use crate::credentials::StoredKeys;
use crate::error::StoreError;
use crate::model::{
    Account, Actor, Group, HistoryEntry, Level, Parameters, Program, TokenRecord, TokenSetSnapshot,
    TokenView, User,
};
use crate::paging::{Page, Paged};
use async_trait::async_trait;
use dump::DumpLine;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// Which token records a listing returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    User,
    /// The overrides of one window of the owner's groups (ordered by id).
    Groups(Page),
}

/// Every write is one transaction: the record and its audit entry commit together.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `sqlite` or `postgres`, for logs and health.
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<(), StoreError>;
    /// What committed writes change, this node's and (where the backend can tell)
    /// other writers'.
    fn changes(&self) -> &Arc<ChangeFeed>;

    // Users and their keys.
    async fn create_user(
        &self,
        username: &str,
        is_admin: bool,
        keys: &StoredKeys,
        at: OffsetDateTime,
    ) -> Result<User, StoreError>;
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    async fn account_by_name(&self, username: &str) -> Result<Option<Account>, StoreError>;
    /// The account holding the key with this hash, and its secret's hash.
    async fn account_by_key(
        &self,
        key_hash: &[u8],
    ) -> Result<Option<(Account, Vec<u8>)>, StoreError>;
    /// Replaces (`Some`) or revokes (`None`) a user's keys; false when there is no such user.
    async fn set_keys(&self, username: &str, keys: Option<&StoredKeys>)
        -> Result<bool, StoreError>;

    // The catalog.
    /// Adds the programs whose GUID is not stored yet; returns how many were added.
    async fn add_missing_programs(
        &self,
        programs: &[Program],
        at: OffsetDateTime,
    ) -> Result<usize, StoreError>;
    /// Adds or replaces one program's definition; true when it was added.
    async fn save_program(&self, program: &Program, actor: &Actor) -> Result<bool, StoreError>;
    async fn programs(&self) -> Result<Vec<Program>, StoreError>;

    // Groups.
    async fn create_group(&self, name: &str, actor: &Actor) -> Result<Group, StoreError>;
    /// One window of the owner's groups, ordered by id, and how many there are.
    async fn groups(&self, owner_id: i64, page: Page) -> Result<Paged<Group>, StoreError>;
    async fn group(&self, id: u32) -> Result<Option<Group>, StoreError>;
    /// Deletes the group and its overrides; false when it is not there.
    async fn delete_group(&self, id: u32, actor: &Actor) -> Result<bool, StoreError>;

    // Token records.
    async fn tokens(&self, owner_id: i64, scope: TokenScope) -> Result<Vec<TokenView>, StoreError>;
    /// A group's overrides if the group is `owner_id`'s; `None` when it is not theirs
    /// or does not exist.
    async fn group_tokens(
        &self,
        owner_id: i64,
        group_id: u32,
    ) -> Result<Option<Vec<TokenView>>, StoreError>;
    async fn token(&self, guid: Uuid) -> Result<Option<TokenRecord>, StoreError>;
    /// Fails with `Conflict` naming the existing record when the owner (or group)
    /// already has tokens for the program.
    async fn insert_token(&self, record: &TokenRecord, actor: &Actor) -> Result<(), StoreError>;
    /// Replaces the parameters of `guid` if it belongs to `actor.subject_id` at `level`.
    async fn replace_parameters(
        &self,
        guid: Uuid,
        level: Level,
        parameters: &Parameters,
        actor: &Actor,
    ) -> Result<Option<TokenRecord>, StoreError>;
    async fn delete_token(
        &self,
        guid: Uuid,
        level: Level,
        actor: &Actor,
    ) -> Result<bool, StoreError>;

    // Token-set snapshots.
    /// Writes every program's user-level tokens (insert or replace) and the snapshot.
    async fn save_token_set(
        &self,
        snapshot: &TokenSetSnapshot,
        actor: &Actor,
    ) -> Result<TokenSetSnapshot, StoreError>;
    async fn token_set(&self, set_guid: Uuid) -> Result<Option<TokenSetSnapshot>, StoreError>;

    /// One window of the audit entries of one token record, oldest first, and how
    /// many there are.
    async fn history(
        &self,
        token_guid: Uuid,
        page: Page,
    ) -> Result<Paged<HistoryEntry>, StoreError>;

    // Moving between databases.
    async fn export(&self) -> Result<Vec<DumpLine>, StoreError>;
    /// Loads a dump into a database without users; returns how many lines were loaded.
    async fn import(&self, lines: &[DumpLine]) -> Result<usize, StoreError>;
}

/// Which backend a database URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Sqlite,
    Postgres,
}

/// The database URL forms: `sqlite:PATH` / `sqlite://PATH` or a plain file path for
/// SQLite, `postgres:` or `postgresql:` (`postgres://USER@HOST:PORT/DB`) for PostgreSQL. Anything else that starts
/// like a URL (`mysql://x/y`) is refused rather than taken for a file name.
pub fn backend_of(url: &str) -> Result<BackendKind, StoreError> {
    if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        return Ok(BackendKind::Postgres);
    }
    if url.starts_with("sqlite:") {
        return Ok(BackendKind::Sqlite);
    }
    // A scheme is a letter then letters, digits, '+', '-' or '.', then ':'. One letter
    // (`C:`) is a drive, not a scheme.
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme)
        .filter(|s| s.len() > 1)
        .filter(|s| s.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter(|s| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
    match scheme {
        Some(scheme) => Err(StoreError::UnknownScheme(scheme.to_string())),
        None if url.trim().is_empty() => Err(StoreError::UnknownScheme(String::new())),
        None => Ok(BackendKind::Sqlite),
    }
}

/// Opens the store a database URL names (see [`backend_of`]), creating an SQLite file
/// that does not exist yet.
pub async fn open(url: &str, pg: &PgSettings) -> Result<Arc<dyn Store>, StoreError> {
    open_with(url, pg, true).await
}

/// As [`open`]; with `create` false a missing SQLite file is
/// [`StoreError::NoDatabase`] instead of a new empty database.
pub async fn open_with(
    url: &str,
    pg: &PgSettings,
    create: bool,
) -> Result<Arc<dyn Store>, StoreError> {
    match backend_of(url)? {
        BackendKind::Postgres => Ok(Arc::new(PostgresStore::open(url, pg).await?)),
        BackendKind::Sqlite => Ok(Arc::new(SqliteStore::open_with(url, create).await?)),
    }
}

#[cfg(test)]
mod url_tests {
    use super::*;

    #[test]
    fn database_urls_name_a_known_backend_or_are_refused() {
        for (url, backend) in [
            ("sqlite://data/a.db", BackendKind::Sqlite),
            ("sqlite:a.db", BackendKind::Sqlite),
            ("data/a.db", BackendKind::Sqlite),
            ("/tmp/a:b.db", BackendKind::Sqlite),
            ("./mysql:x", BackendKind::Sqlite),
            ("C:/data/a.db", BackendKind::Sqlite),
            ("postgres://u@h/db", BackendKind::Postgres),
            ("postgresql://u@h/db", BackendKind::Postgres),
        ] {
            assert_eq!(backend_of(url).unwrap(), backend, "{url}");
        }
        for url in ["mysql://x/y", "http://h/db", "file:a.db", ""] {
            let error = backend_of(url).unwrap_err().to_string();
            assert!(error.contains("sqlite:"), "{url}: {error}");
            assert!(error.contains("postgresql:"), "{url}: {error}");
        }
    }
}
