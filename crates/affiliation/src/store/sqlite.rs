//! The embedded default: one SQLite file in WAL mode.
//!
//! Writes go through one connection, owned by the group-commit task
//! (`group_commit.rs`), so transactions never meet a busy lock; reads use their own
//! pool of read-only connections and see committed data only, and the hot reads (a
//! key, a group's overrides, what a write is checked against first) run in place
//! ([`InPlaceReader`]). `synchronous=FULL` makes
//! each commit durable before its answer is sent.

use super::backend::Backend;
use super::group_commit::{Flavor, GroupCommit};
use super::records::{bad_guid, bad_json};
use super::sql::{from_millis, millis, to_json, Replacement, SqlStore, ACCOUNT_BY_KEY_SQL};
use super::statements::{
    GROUP_SQL, INSERT_AUDIT_SQL, OWNED_GROUP_SQL, TOKEN_SQL, UPDATE_PARAMETERS_SQL,
};
use crate::changes::{Change, ChangeFeed};
use crate::error::{StoreError, Vanished};
use crate::model::{Account, Group, Level, TokenRecord};
use futures::future::BoxFuture;
use rusqlite::OptionalExtension;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Sqlite, SqliteConnection, SqlitePool};
use std::future::Future;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use uuid::Uuid;

pub type SqliteStore = SqlStore<SqliteBackend>;

pub struct SqliteBackend {
    reader: SqlitePool,
    writes: GroupCommit<SqliteConnection>,
    in_place: InPlaceReader,
}

/// Read-only connections used in place, without sqlx's per-connection thread, for the
/// reads every request makes. A query on cached pages takes microseconds, less than
/// the thread hand-offs it saves; it runs on the calling runtime thread.
pub struct InPlaceReader {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

/// Most idle in-place connections kept (one per runtime thread is the useful number).
const IN_PLACE_READERS: usize = 8;

/// Page cache of each read-only connection, in KiB (`PRAGMA cache_size` takes it
/// negated). Every connection has its own, and a commit by the writer empties them
/// all, so SQLite's 2 MiB default buys little and costs up to 2 MiB of resident memory
/// per connection; the file's pages stay in the system's page cache anyway.
const READER_CACHE_KIB: i64 = 512;

impl InPlaceReader {
    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let connection = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )?;
        connection.busy_timeout(Duration::from_secs(10))?;
        connection.pragma_update(None, "cache_size", -READER_CACHE_KIB)?;
        Ok(connection)
    }

    fn with<T>(
        &self,
        read: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let connection = match idle {
            Some(connection) => connection,
            None => self.open().map_err(in_place_error)?,
        };
        let result = read(&connection).map_err(in_place_error);
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < IN_PLACE_READERS {
            idle.push(connection);
        }
        result
    }

    /// As `Store::account_by_key`, with the same SQL text as the sqlx path.
    pub(super) fn account_by_key(
        &self,
        key_hash: &[u8],
    ) -> Result<Option<(Account, Vec<u8>)>, StoreError> {
        self.with(|connection| {
            connection
                .prepare_cached(ACCOUNT_BY_KEY_SQL)?
                .query_row([key_hash], |row| {
                    let account = Account {
                        id: row.get("id")?,
                        username: row.get("username")?,
                        is_admin: row.get("is_admin")?,
                    };
                    Ok((account, row.get("secret_hash")?))
                })
                .optional()
        })
    }

    /// The packed overrides `sql` (the backend's `GROUP_TOKENS_SQL`) answers, if the
    /// group is `owner_id`'s.
    pub(super) fn group_tokens(
        &self,
        sql: &str,
        owner_id: i64,
        group_id: u32,
    ) -> Result<Option<String>, StoreError> {
        self.with(|connection| {
            connection
                .prepare_cached(sql)?
                .query_row((i64::from(group_id), owner_id), |row| row.get("tokens"))
                .optional()
        })
    }
}

impl InPlaceReader {
    /// As `Store::group`: the service's check that a group is the caller's, before a
    /// group-level read or write.
    pub(super) fn group(&self, id: u32) -> Result<Option<Group>, StoreError> {
        self.with(|connection| {
            connection
                .prepare_cached(GROUP_SQL)?
                .query_row([i64::from(id)], |row| {
                    Ok(Group {
                        id: row.get::<_, i64>("id")? as u32,
                        owner_id: row.get("owner_id")?,
                        name: row.get("name")?,
                        created_at: from_millis(row.get("created_at")?),
                    })
                })
                .optional()
        })
    }

    /// As `Store::token`: the record a write of it is checked against first.
    pub(super) fn token(&self, guid: Uuid) -> Result<Option<TokenRecord>, StoreError> {
        self.with(|connection| StoredToken::read(connection, guid))?
            .map(StoredToken::record)
            .transpose()
    }
}

/// The hot write in place, on the write connection's own handle inside its
/// transaction (see [`Backend::replace_in_place`]): the same statements, with the
/// same text, as `SqlStore::replace_parameters` runs through sqlx.
fn replace_on(
    connection: &rusqlite::Connection,
    write: Replacement,
) -> Result<Option<TokenRecord>, StoreError> {
    let (actor, at) = (&write.actor, millis(write.actor.at));
    if let Level::Group(id) = write.level {
        let owned = connection
            .prepare_cached(OWNED_GROUP_SQL)?
            .exists((i64::from(id), actor.subject_id))?;
        if !owned {
            return Err(StoreError::Vanished(Vanished::Group(id)));
        }
    }
    let before = match StoredToken::read(connection, write.guid)? {
        Some(stored) => stored.record()?,
        None => return Ok(None),
    };
    if !write.applies_to(&before) {
        return Ok(None);
    }
    let guid = write.guid.to_string();
    let updated = connection.prepare_cached(UPDATE_PARAMETERS_SQL)?.execute((
        to_json(&write.parameters),
        at,
        &guid,
    ))?;
    if updated != 1 {
        return Ok(None);
    }
    let entry = write.audit_entry(&before);
    connection.prepare_cached(INSERT_AUDIT_SQL)?.execute((
        at,
        actor.caller_id,
        actor.subject_id,
        entry.action.as_str(),
        entry.token_guid.map(|g| g.to_string()),
        entry.group_id.map(i64::from),
        entry.program_guid.map(|g| g.to_string()),
        entry.before.map(to_json),
        entry.after.map(to_json),
    ))?;
    Ok(Some(write.replaced(before)))
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        in_place_error(error)
    }
}

/// A token record's columns as SQLite holds them.
struct StoredToken {
    guid: String,
    owner_id: i64,
    group_id: Option<i64>,
    program_guid: String,
    parameters: String,
    created_at: i64,
    updated_at: i64,
}

impl StoredToken {
    fn read(connection: &rusqlite::Connection, guid: Uuid) -> rusqlite::Result<Option<Self>> {
        connection
            .prepare_cached(TOKEN_SQL)?
            .query_row([guid.to_string()], |row| {
                Ok(StoredToken {
                    guid: row.get("guid")?,
                    owner_id: row.get("owner_id")?,
                    group_id: row.get("group_id")?,
                    program_guid: row.get("program_guid")?,
                    parameters: row.get("parameters")?,
                    created_at: row.get("created_at")?,
                    updated_at: row.get("updated_at")?,
                })
            })
            .optional()
    }

    fn record(self) -> Result<TokenRecord, StoreError> {
        let guid =
            |column: &str, text: &str| Uuid::parse_str(text).map_err(|e| bad_guid(column, e));
        Ok(TokenRecord {
            guid: guid("guid", &self.guid)?,
            owner_id: self.owner_id,
            level: self
                .group_id
                .map_or(Level::User, |id| Level::Group(id as u32)),
            program_guid: guid("program_guid", &self.program_guid)?,
            parameters: serde_json::from_str(&self.parameters)
                .map_err(|e| bad_json("parameters", e))?,
            created_at: from_millis(self.created_at),
            updated_at: from_millis(self.updated_at),
        })
    }
}

fn in_place_error(error: rusqlite::Error) -> StoreError {
    StoreError::Database(error.to_string())
}

impl Backend for SqliteBackend {
    type Db = Sqlite;
    const NAME: &'static str = "sqlite";
    /// No row locks: every write runs under `BEGIN IMMEDIATE` on the one writer, so
    /// what a write re-checks cannot change before it commits.
    const LOCK_SHARE: &'static str = "";
    const LOCK_UPDATE: &'static str = "";
    const GROUP_TOKENS_SQL: &'static str = "SELECT g.id,
        (SELECT json_group_array(json_array(t.guid, t.program_guid, t.parameters, t.created_at,
                                            t.updated_at, p.name, p.disabled))
         FROM affiliate_tokens t JOIN programs p ON p.program_guid = t.program_guid
         WHERE t.group_id = g.id) AS tokens
        FROM groups g WHERE g.id = $1 AND g.owner_id = $2";

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    fn write<T: Send + 'static>(
        &self,
        change: Option<Change>,
        job: impl for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    ) -> impl Future<Output = Result<T, StoreError>> + Send {
        self.writes.write(change, job)
    }

    fn in_place(&self) -> Option<&InPlaceReader> {
        Some(&self.in_place)
    }

    const REPLACES_IN_PLACE: bool = true;

    fn replace_in_place(
        conn: &mut SqliteConnection,
        write: Replacement,
    ) -> BoxFuture<'_, Result<Option<TokenRecord>, StoreError>> {
        Box::pin(async move {
            let mut handle = conn.lock_handle().await?;
            // SAFETY: while `handle` lives, sqlx's connection thread makes no call on
            // this connection (its lock is ours), and the wrapper, which does not close
            // what it did not open, is dropped (finalizing its statements) before it.
            let connection =
                unsafe { rusqlite::Connection::from_handle(handle.as_raw_handle().as_ptr()) }?;
            let replaced = replace_on(&connection, write);
            drop(connection);
            drop(handle);
            replaced
        })
    }

    /// SQLite moves AUTOINCREMENT past explicitly inserted ids by itself.
    async fn after_import(_conn: &mut SqliteConnection) -> Result<(), StoreError> {
        Ok(())
    }
}

impl SqlStore<SqliteBackend> {
    /// Opens (creating if needed) the database at `url` (`sqlite://path` or a plain
    /// path) and applies migrations.
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(url, true).await
    }

    /// As [`SqliteStore::open`]; with `create` false a missing file is
    /// [`StoreError::NoDatabase`].
    pub async fn open_with(url: &str, create: bool) -> Result<SqliteStore, StoreError> {
        let url = if url.starts_with("sqlite:") {
            url.to_string()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let path = options.get_filename().to_path_buf();
        let in_memory = path.as_os_str() == ":memory:" || path.as_os_str().is_empty();
        if !create && !in_memory && !path.exists() {
            return Err(StoreError::NoDatabase(path.display().to_string()));
        }
        if let Some(parent) = path.parent().filter(|_| create) {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Database(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        // One connection writes, owned by the group-commit task (see group_commit.rs).
        let mut writer = options.connect().await?;
        if let Err(error) = sqlx::migrate!("./migrations/sqlite").run(&mut writer).await {
            return Err(migration_error(&mut writer, error).await);
        }
        // An embedded connection cannot drop like a network one: no ping before each use.
        let reader = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(4)
            .connect_with(
                options
                    .read_only(true)
                    .pragma("cache_size", (-READER_CACHE_KIB).to_string()),
            )
            .await?;
        let in_place = InPlaceReader {
            path,
            idle: Mutex::new(Vec::new()),
        };
        let feed = Arc::new(ChangeFeed::default());
        let others = OtherWriters::start(&mut writer, Arc::downgrade(&feed)).await;
        // One writer: SQLite takes one at a time anyway, and it never meets a busy lock.
        let mut writes = GroupCommit::new();
        tokio::spawn(writes.committer(others, writer));
        Ok(SqlStore::new(
            SqliteBackend {
                reader,
                writes,
                in_place,
            },
            feed,
        ))
    }
}

/// SQLite's group commit: `BEGIN IMMEDIATE` takes the write lock up front; nobody
/// else is told (other processes on the file watch `PRAGMA data_version` too).
impl Flavor for OtherWriters {
    type Db = Sqlite;
    const BEGIN: &'static str = "BEGIN IMMEDIATE";
    const IDLE_TICK: Option<Duration> = Some(DATA_VERSION_POLL);

    async fn between_batches(&mut self, connection: &mut SqliteConnection) {
        self.check(connection).await
    }
}

/// How often, at most, the writer asks whether another process committed: the delay
/// before this process's caches forget what another process changed.
const DATA_VERSION_POLL: Duration = Duration::from_millis(5);

/// Commits by other processes on the same file, seen through `PRAGMA data_version`
/// between batches and published as [`Change::Everything`]: on the writer's
/// connection it moves only when another connection commits, and this process's
/// other connections only read.
struct OtherWriters {
    feed: Weak<ChangeFeed>,
    version: Option<i64>,
    checked: Instant,
}

impl OtherWriters {
    async fn start(connection: &mut SqliteConnection, feed: Weak<ChangeFeed>) -> OtherWriters {
        OtherWriters {
            feed,
            version: data_version(connection).await,
            checked: Instant::now(),
        }
    }

    async fn check(&mut self, connection: &mut SqliteConnection) {
        if self.checked.elapsed() < DATA_VERSION_POLL {
            return;
        }
        self.checked = Instant::now();
        let version = data_version(connection).await;
        if version != self.version {
            self.version = version;
            if let Some(feed) = self.feed.upgrade() {
                feed.publish(Change::Everything);
            }
        }
    }
}

async fn data_version(connection: &mut SqliteConnection) -> Option<i64> {
    sqlx::query_scalar("PRAGMA data_version")
        .fetch_one(connection)
        .await
        .ok()
}

/// A failed migration, said plainly when it is the username-case check (its CHECK
/// constraint's name is in the message): the clashing names are listed for the operator.
async fn migration_error(
    conn: &mut SqliteConnection,
    error: sqlx::migrate::MigrateError,
) -> StoreError {
    if !error.to_string().contains("differ only by case") {
        return error.into();
    }
    let clashes: Vec<String> = sqlx::query_scalar(
        "SELECT group_concat(username, ', ') FROM users GROUP BY lower(username) HAVING count(*) > 1",
    )
    .fetch_all(conn)
    .await
    .unwrap_or_default();
    StoreError::UsernamesDifferByCase(clashes.join("; "))
}

#[cfg(test)]
mod tests {
    use super::SqliteStore;
    use crate::credentials::IssuedKeys;
    use crate::error::{StoreError, Vanished};
    use crate::model::{Actor, Level, Parameters, TokenRecord};
    use crate::paging::Page;
    use crate::store::Store;
    use time::OffsetDateTime;
    use uuid::Uuid;

    /// A new store in a temporary directory (kept while the test holds it) with one
    /// user, and that user acting for themself at `at`.
    async fn store_with_user(
        name: &str,
        at: OffsetDateTime,
    ) -> (tempfile::TempDir, SqliteStore, Actor) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("t.db").to_str().unwrap())
            .await
            .unwrap();
        let user = store
            .create_user(name, false, &IssuedKeys::generate().stored(), at)
            .await
            .unwrap();
        let id = user.account.id;
        let actor = Actor {
            caller_id: id,
            subject_id: id,
            at,
        };
        (dir, store, actor)
    }

    #[tokio::test]
    async fn a_write_into_a_vanished_group_is_refused_inside_its_transaction() {
        let at = OffsetDateTime::now_utc();
        let (_dir, store, actor) = store_with_user("alice", at).await;
        let group = store.create_group("g", &actor).await.unwrap();
        assert!(store.delete_group(group.id, &actor).await.unwrap());
        let record = TokenRecord {
            guid: Uuid::new_v4(),
            owner_id: actor.subject_id,
            level: Level::Group(group.id),
            program_guid: Uuid::new_v4(),
            parameters: Default::default(),
            created_at: at,
            updated_at: at,
        };
        let refused = store.insert_token(&record, &actor).await;
        assert!(
            matches!(refused, Err(StoreError::Vanished(Vanished::Group(id))) if id == group.id),
            "{refused:?}"
        );
        let replaced = store
            .replace_parameters(
                Uuid::new_v4(),
                Level::Group(group.id),
                &Default::default(),
                &actor,
            )
            .await;
        assert!(
            matches!(replaced, Err(StoreError::Vanished(Vanished::Group(_)))),
            "{replaced:?}"
        );

        // Past the checks, the foreign key itself reads as a vanished row, not a database error.
        let user_level = TokenRecord {
            level: Level::User,
            ..record
        };
        let unknown_program = store.insert_token(&user_level, &actor).await;
        assert!(
            matches!(
                unknown_program,
                Err(StoreError::Vanished(Vanished::Referenced))
            ),
            "{unknown_program:?}"
        );
    }

    /// The hot write runs in place on SQLite: what it stores, answers and audits.
    #[tokio::test]
    async fn a_replacement_in_place_stores_answers_and_audits_the_change() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let (_dir, store, actor) = store_with_user("bob", at).await;
        let programs =
            crate::catalog::parse_catalog(include_str!("../../../../catalog/programs.json"))
                .unwrap();
        store.add_missing_programs(&programs, at).await.unwrap();
        let group = store.create_group("g", &actor).await.unwrap();
        let tags = |tag: &str| Parameters::from([("tag".to_string(), tag.to_string())]);
        let record = TokenRecord {
            guid: Uuid::new_v4(),
            owner_id: actor.subject_id,
            level: Level::Group(group.id),
            program_guid: programs[0].program_guid,
            parameters: tags("old-20"),
            created_at: at,
            updated_at: at,
        };
        store.insert_token(&record, &actor).await.unwrap();
        let later = Actor {
            at: at + time::Duration::seconds(5),
            ..actor
        };
        let level = record.level;
        let replaced = store
            .replace_parameters(record.guid, level, &tags("new-20"), &later)
            .await
            .unwrap()
            .expect("replaced");
        let stored = store.token(record.guid).await.unwrap().expect("stored");
        for answered in [&replaced, &stored] {
            assert_eq!(answered.parameters, tags("new-20"));
            assert_eq!(answered.updated_at, later.at);
            assert_eq!(answered.created_at, at);
            assert_eq!(answered.level, level);
        }
        let history = store
            .history(record.guid, Page::new(None, None))
            .await
            .unwrap();
        let last = history.items.last().expect("an audit entry");
        assert_eq!(last.before, Some(tags("old-20")));
        assert_eq!(last.after, Some(tags("new-20")));
        assert_eq!((last.at, last.group_id), (later.at, Some(group.id)));

        // Another level, or another owner: not this record, and nothing is written.
        let other = Actor {
            subject_id: actor.subject_id + 1,
            ..later
        };
        for (level, actor) in [(Level::User, &later), (level, &other)] {
            let result = store
                .replace_parameters(record.guid, level, &tags("x-20"), actor)
                .await;
            assert!(
                matches!(result, Ok(None) | Err(StoreError::Vanished(_))),
                "{result:?}"
            );
        }
        assert_eq!(store.token(record.guid).await.unwrap(), Some(stored));
        let unchanged = store
            .history(record.guid, Page::new(None, None))
            .await
            .unwrap();
        assert_eq!(unchanged.items.len(), history.items.len());
    }
}
