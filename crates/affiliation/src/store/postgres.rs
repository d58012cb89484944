//! PostgreSQL, for deployments with many stateless API nodes on one database.
//!
//! Migrations run under sqlx's advisory lock, so nodes starting together apply
//! them once. Each statement has a time limit so a stuck query fails instead of
//! holding a connection forever.

use futures::future::BoxFuture;
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
    /// Read committed: a write re-checks its group under a share lock (writes into one
    /// group run side by side; a group delete, holding `FOR UPDATE`, waits for them or
    /// makes them find the group gone) and the record it changes under an update lock.
    const LOCK_SHARE: &'static str = " FOR SHARE";
    const LOCK_UPDATE: &'static str = " FOR UPDATE";
    /// A group's overrides packed into one row (see `sql::unpack_group_tokens`).
    const GROUP_TOKENS_SQL: &'static str = "SELECT g.id,
        (SELECT COALESCE(json_agg(json_build_array(t.guid, t.program_guid, t.parameters, t.created_at,
                                                   t.updated_at, p.name, p.disabled)),
                         '[]'::json)::text
         FROM affiliate_tokens t JOIN programs p ON p.program_guid = t.program_guid
         WHERE t.group_id = g.id) AS tokens
        FROM groups g WHERE g.id = $1 AND g.owner_id = $2";

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
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|error| {
                // The migration's own check names the clashing usernames in parentheses.
                let text = error.to_string();
                match text.split_once("differ only by case (") {
                    Some((_, rest)) => StoreError::UsernamesDifferByCase(
                        rest.split_once(')')
                            .map_or(rest, |(names, _)| names)
                            .to_string(),
                    ),
                    None => error.into(),
                }
            })?;
        Ok(PostgresStore {
            reader: pool.clone(),
            writer: pool,
        })
    }
}

impl PostgresStore {
    /// One transaction per write (read committed: the unique indexes settle races
    /// between nodes); the answer comes after the commit.
    async fn write<T: Send + 'static>(
        &self,
        job: impl for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    ) -> Result<T, StoreError> {
        let mut tx = self.writer.begin().await?;
        let value = job(&mut tx).await?;
        tx.commit().await?;
        Ok(value)
    }

    async fn read_account_by_key(
        &self,
        key_hash: &[u8],
    ) -> Result<Option<(crate::model::Account, Vec<u8>)>, StoreError> {
        use sqlx::Row;
        sqlx::query(super::sql::ACCOUNT_BY_KEY_SQL)
            .bind(key_hash)
            .fetch_optional(&self.reader)
            .await?
            .map(|row| Ok((account(&row)?, row.try_get("secret_hash")?)))
            .transpose()
    }

    async fn read_group_tokens(
        &self,
        owner_id: i64,
        group_id: u32,
    ) -> Result<Option<Vec<crate::model::TokenView>>, StoreError> {
        use sqlx::Row;
        let Some(row) = sqlx::query(Self::GROUP_TOKENS_SQL)
            .bind(i64::from(group_id))
            .bind(owner_id)
            .fetch_optional(&self.reader)
            .await?
        else {
            return Ok(None);
        };
        let packed: String = row.try_get("tokens")?;
        super::sql::unpack_group_tokens(&packed, owner_id, group_id).map(Some)
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
