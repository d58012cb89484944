//! The raw store limit: how many single-row committed transactions per second the
//! database does, through sqlx like the server, one after another on one connection.
//! SQLite: on this disk with the server's settings (WAL, synchronous=FULL,
//! `BEGIN IMMEDIATE`). PostgreSQL: against the same server the bench's database is on,
//! with its own settings (`synchronous_commit` as configured). No HTTP, no JSON, no
//! audit row: the ceiling a durable PUT can approach when each answer waits for its
//! own commit.

use crate::load::{histogram, PassResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Row;
use std::path::Path;
use std::time::{Duration, Instant};

const ROWS: i64 = 50_000;

/// A table of 50,000 rows to update, on one of the backends.
pub enum RawStore {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

/// The raw table in its own table of the bench's PostgreSQL database.
pub async fn prepare_postgres(url: &str) -> Result<RawStore, String> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .map_err(|e| format!("raw store {url}: {e}"))?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_raw_tokens (guid TEXT PRIMARY KEY, parameters TEXT NOT NULL, updated_at BIGINT NOT NULL)",
    )
    .execute(&pool)
    .await
    .map_err(|e| e.to_string())?;
    sqlx::query(
        "INSERT INTO bench_raw_tokens (guid, parameters, updated_at)
         SELECT '00000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'), '{\"tag\":\"raw-20\"}', 0
         FROM generate_series(0, $1 - 1) AS n ON CONFLICT DO NOTHING",
    )
    .bind(ROWS)
    .execute(&pool)
    .await
    .map_err(|e| e.to_string())?;
    Ok(RawStore::Postgres(pool))
}

pub async fn prepare(dir: &Path) -> Result<RawStore, String> {
    prepare_sqlite(dir).await.map(RawStore::Sqlite)
}

async fn prepare_sqlite(dir: &Path) -> Result<sqlx::SqlitePool, String> {
    let path = dir.join("raw-store.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| format!("raw store {}: {e}", path.display()))?;
    let existing: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'tokens'",
    )
    .fetch_one(&pool)
    .await
    .and_then(|r| r.try_get("n"))
    .map_err(|e| e.to_string())?;
    if existing == 0 {
        let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
        sqlx::query(
            "CREATE TABLE tokens (guid TEXT PRIMARY KEY, parameters TEXT NOT NULL, updated_at INTEGER NOT NULL)",
        )
        .execute(&mut *tx)
        .await
        .map_err(|e| e.to_string())?;
        for id in 0..ROWS {
            sqlx::query("INSERT INTO tokens (guid, parameters, updated_at) VALUES ($1, $2, 0)")
                .bind(guid(id))
                .bind(r#"{"tag":"raw-20"}"#)
                .execute(&mut *tx)
                .await
                .map_err(|e| e.to_string())?;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
    }
    Ok(pool)
}

fn guid(id: i64) -> String {
    format!("00000000-0000-4000-8000-{id:012x}")
}

/// Single-row UPDATE transactions, one after another, for `duration`.
pub async fn run(store: &RawStore, duration: Duration) -> Result<PassResult, String> {
    match store {
        RawStore::Sqlite(pool) => run_sqlite(pool, duration).await,
        RawStore::Postgres(pool) => run_postgres(pool, duration).await,
    }
}

async fn run_postgres(pool: &sqlx::PgPool, duration: Duration) -> Result<PassResult, String> {
    let mut latency_us = histogram();
    let started = Instant::now();
    let end = started + duration;
    let mut completed = 0u64;
    let mut rows = Rows::default();
    while Instant::now() < end {
        let row = rows.next();
        let begun = Instant::now();
        let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
        sqlx::query("UPDATE bench_raw_tokens SET parameters = $1, updated_at = $2 WHERE guid = $3")
            .bind(format!(r#"{{"tag":"raw{completed}-20"}}"#))
            .bind(completed as i64)
            .bind(guid(row))
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        completed += 1;
        latency_us.saturating_record(begun.elapsed().as_micros().max(1) as u64);
    }
    Ok(PassResult {
        completed,
        errors: 0,
        first_error: None,
        elapsed: started.elapsed(),
        latency_us,
    })
}

/// A random row each time (xorshift), so no page stays hot.
struct Rows(u64);

impl Default for Rows {
    fn default() -> Self {
        Rows(0x2545_f491_4f6c_dd1d)
    }
}

impl Rows {
    fn next(&mut self) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % ROWS as u64) as i64
    }
}

async fn run_sqlite(pool: &sqlx::SqlitePool, duration: Duration) -> Result<PassResult, String> {
    let mut latency_us = histogram();
    let started = Instant::now();
    let end = started + duration;
    let mut completed = 0u64;
    let mut rows = Rows::default();
    while Instant::now() < end {
        let row = rows.next();
        let begun = Instant::now();
        let mut tx = pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query("UPDATE tokens SET parameters = $1, updated_at = $2 WHERE guid = $3")
            .bind(format!(r#"{{"tag":"raw{completed}-20"}}"#))
            .bind(completed as i64)
            .bind(guid(row))
            .execute(&mut *tx)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        completed += 1;
        latency_us.saturating_record(begun.elapsed().as_micros().max(1) as u64);
    }
    Ok(PassResult {
        completed,
        errors: 0,
        first_error: None,
        elapsed: started.elapsed(),
        latency_us,
    })
}
