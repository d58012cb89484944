//! What differs between SQLite and PostgreSQL, as one trait. The store in `sql.rs`
//! and the statements in `statements.rs` are written once over any [`Backend`];
//! `sqlite.rs` and `postgres.rs` implement it.
//! Connecting and migrations are not here: each backend's `open` does them.

use super::sql::Replacement;
use super::sqlite::InPlaceReader;
use super::statements::Statements;
use crate::changes::Change;
use crate::error::StoreError;
use crate::model::TokenRecord;
use futures::future::BoxFuture;
use sqlx::{Database, Pool};
use std::future::Future;

/// A connection of backend `B`'s sqlx driver.
pub type Conn<B> = <<B as Backend>::Db as Database>::Connection;

pub trait Backend: Send + Sync + 'static {
    /// The sqlx driver; its connections run the shared statements.
    type Db: Database<Connection: Statements>;

    /// `sqlite` or `postgres`, for logs and health.
    const NAME: &'static str;
    /// Row-lock clauses appended to the reads a write re-checks: `LOCK_SHARE` on the
    /// group of a token write, `LOCK_UPDATE` on the record a write changes and on the
    /// group a DELETE removes. Empty where writers are serialized anyway.
    const LOCK_SHARE: &'static str;
    const LOCK_UPDATE: &'static str;
    /// A group's overrides packed into one row (see `sql::unpack_group_tokens`); the
    /// JSON functions differ.
    const GROUP_TOKENS_SQL: &'static str;

    /// The pool reads use.
    fn reader(&self) -> &Pool<Self::Db>;

    /// Runs `job` in a write transaction and answers after its commit, in a group
    /// commit (`group_commit.rs`) that tells other nodes about `change` when it commits.
    fn write<T: Send + 'static>(
        &self,
        change: Option<Change>,
        job: impl for<'c> FnOnce(&'c mut Conn<Self>) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    ) -> impl Future<Output = Result<T, StoreError>> + Send;

    /// Where the hot reads (an API key, a group's overrides, and the group and record a
    /// write is checked against first) run in place instead of through sqlx; `None`
    /// (the default) reads through sqlx.
    fn in_place(&self) -> Option<&InPlaceReader> {
        None
    }

    /// Whether [`Backend::replace_in_place`] runs the hot write.
    const REPLACES_IN_PLACE: bool = false;

    /// The hot write's statements (see [`Replacement`]) in place on the write
    /// connection, inside its transaction: one hand-off to the driver for all of them
    /// instead of one each. Called only where [`Backend::REPLACES_IN_PLACE`].
    fn replace_in_place(
        conn: &mut Conn<Self>,
        write: Replacement,
    ) -> BoxFuture<'_, Result<Option<TokenRecord>, StoreError>> {
        let _ = (conn, write);
        Box::pin(async { Err(StoreError::Database("no in-place writes here".into())) })
    }

    /// Run at the end of an import's transaction (PostgreSQL moves its identity
    /// sequences past the imported ids).
    fn after_import(conn: &mut Conn<Self>) -> impl Future<Output = Result<(), StoreError>> + Send;
}
