//! PostgreSQL, for deployments with many stateless API nodes on one database.
//!
//! Migrations run under sqlx's advisory lock, so nodes starting together apply
//! them once. Each statement has a time limit so a stuck query fails instead of
//! holding a connection forever.

use super::backend::Backend;
use super::group_commit::{Flavor, GroupCommit};
use super::sql::SqlStore;
use crate::changes::{Change, ChangeFeed};
use crate::error::StoreError;
use futures::future::BoxFuture;
use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool, Postgres};
use std::str::FromStr;
use std::sync::{Arc, Weak};
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

pub type PostgresStore = SqlStore<PostgresBackend>;

/// A pool serves reads; writes go through group commits on connections of their own.
pub struct PostgresBackend {
    pool: PgPool,
    writes: GroupCommit<PgConnection>,
}

/// Group-commit tasks per node, each with its own connection: while one waits for
/// its `COMMIT`, the next batch already runs on another.
const WRITE_CONNECTIONS: usize = 4;

/// PostgreSQL's group commit: read committed (the unique indexes and row locks
/// settle races between nodes), one `NOTIFY` per batch naming what its writes
/// changed, delivered when (and only if) the batch commits, so a node hearing it
/// reads the writes.
struct PgWrites {
    pool: PgPool,
}

impl Flavor for PgWrites {
    type Db = Postgres;
    const BEGIN: &'static str = "BEGIN";

    fn announcement(changes: &[Change]) -> Option<String> {
        // The payload is built of letters, digits and punctuation only: no quoting.
        (!changes.is_empty())
            .then(|| format!("NOTIFY {CHANNEL}, '{}'", Change::payload_of(changes)))
    }

    async fn reconnect(&mut self, old: &mut PgConnection) -> Option<PgConnection> {
        if old.ping().await.is_ok() {
            return None;
        }
        tracing::warn!("a PostgreSQL write connection failed; replacing it");
        Some(self.pool.acquire().await.ok()?.detach())
    }
}

impl Backend for PostgresBackend {
    type Db = Postgres;
    const NAME: &'static str = "postgres";
    /// Read committed: a write re-checks its group under a share lock (writes into one
    /// group run side by side; a group delete, holding `FOR UPDATE`, waits for them or
    /// makes them find the group gone) and the record it changes under an update lock.
    const LOCK_SHARE: &'static str = " FOR SHARE";
    const LOCK_UPDATE: &'static str = " FOR UPDATE";
    const GROUP_TOKENS_SQL: &'static str = "SELECT g.id,
        (SELECT COALESCE(json_agg(json_build_array(t.guid, t.program_guid, t.parameters, t.created_at,
                                                   t.updated_at, p.name, p.disabled)),
                         '[]'::json)::text
         FROM affiliate_tokens t JOIN programs p ON p.program_guid = t.program_guid
         WHERE t.group_id = g.id) AS tokens
        FROM groups g WHERE g.id = $1 AND g.owner_id = $2";

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn write<T: Send + 'static>(
        &self,
        change: Option<Change>,
        job: impl for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    ) -> impl std::future::Future<Output = Result<T, StoreError>> + Send {
        self.writes.write(change, job)
    }

    /// Identity sequences do not see explicitly inserted ids; move them past the
    /// imported ones.
    async fn after_import(conn: &mut PgConnection) -> Result<(), StoreError> {
        for table in ["users", "groups", "token_sets", "audit_log"] {
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                               COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            ))
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

impl SqlStore<PostgresBackend> {
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
            .map_err(migration_error)?;
        let feed = Arc::new(ChangeFeed::default());
        let listener = subscribe(&pool).await?;
        tokio::spawn(hear_other_nodes(
            pool.clone(),
            listener,
            Arc::downgrade(&feed),
        ));
        let mut writes = GroupCommit::new();
        for _ in 0..WRITE_CONNECTIONS {
            let connection = pool.acquire().await?.detach();
            tokio::spawn(writes.committer(PgWrites { pool: pool.clone() }, connection));
        }
        Ok(SqlStore::new(PostgresBackend { pool, writes }, feed))
    }
}

/// The notification channel: one per database (PostgreSQL's channels are), so every
/// node on the database hears every write.
const CHANNEL: &str = "affiliation_changes";

/// How long a node without its listening connection waits between attempts.
const RELISTEN_DELAY: Duration = Duration::from_millis(250);

async fn subscribe(pool: &PgPool) -> Result<PgListener, StoreError> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Publishes what other nodes (and this one: harmless twice) commit. A lost
/// connection may have lost notifications: the feed is down until a new connection
/// listens again; it ends with the store.
async fn hear_other_nodes(pool: PgPool, mut listener: PgListener, feed: Weak<ChangeFeed>) {
    loop {
        // `try_recv` answers `None` (or an error) when the connection is gone.
        while let Ok(Some(notification)) = listener.try_recv().await {
            let Some(feed) = feed.upgrade() else { return };
            for change in Change::all_from_payload(notification.payload()) {
                feed.publish(change);
            }
        }
        let Some(lost) = feed.upgrade() else { return };
        // Off first: whoever reads the warning may rely on the caches being off.
        lost.publish(Change::FeedLost);
        drop(lost);
        tracing::warn!(
            "lost the PostgreSQL notification connection; caches are off until it is back"
        );
        listener = loop {
            tokio::time::sleep(RELISTEN_DELAY).await;
            if feed.strong_count() == 0 {
                return;
            }
            if let Ok(listener) = subscribe(&pool).await {
                break listener;
            }
        };
        let Some(restored) = feed.upgrade() else {
            return;
        };
        tracing::info!("listening to PostgreSQL notifications again");
        restored.publish(Change::FeedRestored);
    }
}

/// A failed migration; the username-case check names the clashing usernames in
/// parentheses, passed on to the operator.
fn migration_error(error: sqlx::migrate::MigrateError) -> StoreError {
    let text = error.to_string();
    match text.split_once("differ only by case (") {
        Some((_, rest)) => StoreError::UsernamesDifferByCase(
            rest.split_once(')')
                .map_or(rest, |(names, _)| names)
                .to_string(),
        ),
        None => error.into(),
    }
}
