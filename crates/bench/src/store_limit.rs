//! The raw store limit: how many single-row committed transactions per second SQLite
//! does on this disk with the server's settings (WAL, synchronous=FULL, one writer
//! connection, `BEGIN IMMEDIATE`), through sqlx like the server. No HTTP, no JSON,
//! no audit row: the ceiling a durable PUT can approach when each answer waits for
//! its own commit.

use crate::load::{histogram, PassResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Row;
use std::path::Path;
use std::time::{Duration, Instant};

const ROWS: i64 = 50_000;

pub async fn prepare(dir: &Path) -> Result<sqlx::SqlitePool, String> {
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
pub async fn run(pool: &sqlx::SqlitePool, duration: Duration) -> Result<PassResult, String> {
    let mut latency_us = histogram();
    let started = Instant::now();
    let end = started + duration;
    let mut completed = 0u64;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    while Instant::now() < end {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let row = (state % ROWS as u64) as i64;
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
