//! PostgreSQL, for deployments with many stateless API nodes on one database.
//!
//! Migrations run under sqlx's advisory lock, so nodes starting together apply
//! them once. Each statement has a time limit so a stuck query fails instead of
//! holding a connection forever.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgConnection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// Connection settings beyond the URL.
#[derive(Debug, Clone)]
pub struct PgSettings {
    pub pool_size: u32,
    pub statement_timeout: Duration,
}

impl Default for PgSettings {
    fn default() -> Self {
        PgSettings {
            pool_size: 16,
            statement_timeout: Duration::from_secs(5),
        }
    }
}

pub struct PostgresStore {
    /// One pool serves both; the two names let the shared SQL stay backend-neutral.
    reader: PgPool,
    writer: PgPool,
}

impl PostgresStore {
    const BACKEND: &'static str = "postgres";
    /// Read committed: the unique indexes settle races between nodes.
    const BEGIN_WRITE: &'static str = "BEGIN";

    pub async fn open(url: &str, settings: &PgSettings) -> Result<PostgresStore, StoreError> {
        let timeout = format!("{}ms", settings.statement_timeout.as_millis());
        let options = PgConnectOptions::from_str(url)?
            .options([("statement_timeout", timeout.as_str())])
            .application_name("affiliation-api");
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PostgresStore {
            reader: pool.clone(),
            writer: pool,
        })
    }
}

/// Identity sequences do not see explicitly inserted ids; move them past the imported ones.
async fn after_import(conn: &mut PgConnection) -> Result<(), StoreError> {
    for table in ["users", "groups", "token_sets", "audit_log"] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

super::sql::sql_store!(store = PostgresStore, row = PgRow, conn = PgConnection);
