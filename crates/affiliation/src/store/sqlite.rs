//! The embedded default: one SQLite file in WAL mode.
//!
//! Writes go through a pool of one connection, so transactions never meet a busy
//! lock; reads use their own pool and see committed data only. `synchronous=FULL`
//! makes each commit durable before its answer is sent.

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{SqliteConnection, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
}

impl SqliteStore {
    const BACKEND: &'static str = "sqlite";
    /// Take the write lock at the start: a deferred transaction that reads first
    /// fails at once (not after the busy timeout) when another process wrote meanwhile.
    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";

    /// Opens (creating if needed) the database at `url` (`sqlite://path` or a plain
    /// path) and applies migrations.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let url = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        if let Some(parent) = Path::new(options.get_filename()).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Database(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        // An embedded connection cannot drop like a network one: no ping before each use.
        let writer = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await?;
        Ok(SqliteStore { reader, writer })
    }
}

/// SQLite moves AUTOINCREMENT past explicitly inserted ids by itself.
async fn after_import(_conn: &mut SqliteConnection) -> Result<(), StoreError> {
    Ok(())
}

super::sql::sql_store!(
    store = SqliteStore,
    row = SqliteRow,
    conn = SqliteConnection
);
