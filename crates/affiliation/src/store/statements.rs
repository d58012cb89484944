//! Every statement the store runs, once, as a method on a connection of any sqlx
//! driver that meets the bounds of the impl below (sqlx's SQLite and PostgreSQL do:
//! both accept `$n` parameters, `RETURNING`, partial unique indexes, `ON CONFLICT`).
//! Transactions and the order of statements are `sql.rs`'s.

use super::dump::{from_hex, DumpLine};
use super::records::Records;
use super::sql::{millis, to_json, AuditEntry, ACCOUNT_BY_KEY_SQL};
use super::TokenScope;
use crate::credentials::StoredKeys;
use crate::error::StoreError;
use crate::model::{
    Account, Actor, Group, HistoryEntry, Level, Parameters, Program, TokenRecord, TokenSetSnapshot,
    TokenView, User,
};
use crate::paging::{Page, Paged};
use sqlx::{Connection, Database, Encode, Executor, IntoArguments, Type};
use std::future::Future;
use time::OffsetDateTime;
use uuid::Uuid;

/// How many rows a statement changed (sqlx has no driver-neutral accessor).
pub trait RowsAffected {
    fn rows_affected(&self) -> u64;
}

impl RowsAffected for sqlx::sqlite::SqliteQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::sqlite::SqliteQueryResult::rows_affected(self)
    }
}

impl RowsAffected for sqlx::postgres::PgQueryResult {
    fn rows_affected(&self) -> u64 {
        sqlx::postgres::PgQueryResult::rows_affected(self)
    }
}

/// A value the statements bind, on driver `DB`.
pub trait Bind<DB: Database>: for<'q> Encode<'q, DB> + Type<DB> + Send {}

impl<DB: Database, T: for<'q> Encode<'q, DB> + Type<DB> + Send> Bind<DB> for T {}

/// Answers of the statements that may fail on the database.
type Answer<T> = Result<T, StoreError>;

pub trait Statements: Send {
    fn ping(&mut self) -> impl Future<Output = Answer<()>> + Send;
    /// The new user's id; `DuplicateUsername` when the name is taken (ignoring case).
    fn insert_user(
        &mut self,
        username: &str,
        is_admin: bool,
        keys: &StoredKeys,
        at: OffsetDateTime,
    ) -> impl Future<Output = Answer<i64>> + Send;
    fn users(&mut self) -> impl Future<Output = Answer<Vec<User>>> + Send;
    fn count_users(&mut self) -> impl Future<Output = Answer<i64>> + Send;
    fn account_by_name(
        &mut self,
        username: &str,
    ) -> impl Future<Output = Answer<Option<Account>>> + Send;
    fn account_by_key(
        &mut self,
        key_hash: &[u8],
    ) -> impl Future<Output = Answer<Option<(Account, Vec<u8>)>>> + Send;
    /// False when there is no such user.
    fn set_keys(
        &mut self,
        username: &str,
        keys: Option<&StoredKeys>,
    ) -> impl Future<Output = Answer<bool>> + Send;

    /// False when the program's GUID is stored already (nothing changes then).
    fn insert_program_if_absent(
        &mut self,
        program: &Program,
        at: OffsetDateTime,
    ) -> impl Future<Output = Answer<bool>> + Send;
    /// Replaces the program's definition, or adds it; true when it was added.
    fn upsert_program(
        &mut self,
        program: &Program,
        at: OffsetDateTime,
    ) -> impl Future<Output = Answer<bool>> + Send;
    fn programs(&mut self) -> impl Future<Output = Answer<Vec<Program>>> + Send;
    /// Before an import: the dump's catalog replaces the seeded one.
    fn delete_programs(&mut self) -> impl Future<Output = Answer<()>> + Send;

    fn insert_group(
        &mut self,
        owner_id: i64,
        name: &str,
        at: OffsetDateTime,
    ) -> impl Future<Output = Answer<u32>> + Send;
    fn groups(
        &mut self,
        owner_id: i64,
        page: Page,
    ) -> impl Future<Output = Answer<Paged<Group>>> + Send;
    fn group(&mut self, id: u32) -> impl Future<Output = Answer<Option<Group>>> + Send;
    /// Whether group `id` exists and is `owner_id`'s, read with `lock` appended (on
    /// PostgreSQL a row lock that a concurrent group delete waits for, or, when the
    /// delete came first, that finds the row gone).
    fn owned_group(
        &mut self,
        id: u32,
        owner_id: i64,
        lock: &str,
    ) -> impl Future<Output = Answer<bool>> + Send;
    /// False when it is not there (or not `owner_id`'s).
    fn delete_group_row(
        &mut self,
        id: u32,
        owner_id: i64,
    ) -> impl Future<Output = Answer<bool>> + Send;

    fn tokens(
        &mut self,
        owner_id: i64,
        scope: TokenScope,
    ) -> impl Future<Output = Answer<Vec<TokenView>>> + Send;
    /// A group's overrides, without their programs.
    fn group_overrides(
        &mut self,
        group_id: u32,
    ) -> impl Future<Output = Answer<Vec<TokenRecord>>> + Send;
    /// The backend's packed group-tokens statement `sql` (see `unpack_group_tokens`):
    /// `None` when the group is not `owner_id`'s.
    fn packed_group_tokens(
        &mut self,
        sql: &str,
        owner_id: i64,
        group_id: u32,
    ) -> impl Future<Output = Answer<Option<String>>> + Send;
    /// The record, read with `lock` appended (a row lock inside a write on
    /// PostgreSQL, nothing on SQLite, whose writers are serialized anyway).
    fn token(
        &mut self,
        guid: Uuid,
        lock: &str,
    ) -> impl Future<Output = Answer<Option<TokenRecord>>> + Send;
    /// The owner's (`Level::User`) or the group's record for the program.
    fn token_for(
        &mut self,
        owner_id: i64,
        level: Level,
        program_guid: Uuid,
        lock: &str,
    ) -> impl Future<Output = Answer<Option<TokenRecord>>> + Send;
    /// A unique violation is `Conflict` (naming nobody), a missing group or program
    /// `Vanished` (see `StoreError`'s `From<sqlx::Error>`).
    fn insert_token(&mut self, record: &TokenRecord) -> impl Future<Output = Answer<()>> + Send;
    /// Inserts a user-level record unless the owner has one for the program already
    /// (then false: a concurrent write got there first; the caller reads it again).
    fn insert_user_token_if_absent(
        &mut self,
        record: &TokenRecord,
    ) -> impl Future<Output = Answer<bool>> + Send;
    /// False when the record is gone (deleted by a concurrent write).
    fn update_parameters(
        &mut self,
        guid: Uuid,
        parameters: &Parameters,
        at: OffsetDateTime,
    ) -> impl Future<Output = Answer<bool>> + Send;
    /// False when the record is gone (deleted by a concurrent write).
    fn delete_token(&mut self, guid: Uuid) -> impl Future<Output = Answer<bool>> + Send;

    /// The snapshot's row id.
    fn insert_token_set(
        &mut self,
        snapshot: &TokenSetSnapshot,
    ) -> impl Future<Output = Answer<i64>> + Send;
    fn token_set(
        &mut self,
        set_guid: Uuid,
    ) -> impl Future<Output = Answer<Option<TokenSetSnapshot>>> + Send;

    fn insert_audit(
        &mut self,
        actor: &Actor,
        entry: AuditEntry<'_>,
    ) -> impl Future<Output = Answer<()>> + Send;
    fn history(
        &mut self,
        token_guid: Uuid,
        page: Page,
    ) -> impl Future<Output = Answer<Paged<HistoryEntry>>> + Send;

    /// Every row, in the order foreign keys want on import (see `dump.rs`).
    fn export(&mut self) -> impl Future<Output = Answer<Vec<DumpLine>>> + Send;
    /// Inserts one dump line as stored, ids included.
    fn import_line(&mut self, line: &DumpLine) -> impl Future<Output = Answer<()>> + Send;
}

/// A token record's columns, in every statement that reads whole records.
macro_rules! token_columns {
    () => {
        "guid, owner_id, group_id, program_guid, parameters, created_at, updated_at"
    };
}

const TOKEN_COLUMNS: &str = token_columns!();

/// One group (in place on SQLite too, with the same text).
pub(super) const GROUP_SQL: &str =
    "SELECT id, owner_id, name, created_at FROM groups WHERE id = $1";

/// One token record, unlocked (in place on SQLite too, with the same text).
pub(super) const TOKEN_SQL: &str = concat!(
    "SELECT ",
    token_columns!(),
    " FROM affiliate_tokens WHERE guid = $1"
);

/// Whether a group is an owner's (a write's re-check; in place on SQLite too).
pub(super) const OWNED_GROUP_SQL: &str = "SELECT id FROM groups WHERE id = $1 AND owner_id = $2";

/// A record's new parameters (in place on SQLite too, with the same text).
pub(super) const UPDATE_PARAMETERS_SQL: &str =
    "UPDATE affiliate_tokens SET parameters = $1, updated_at = $2 WHERE guid = $3";

/// An audit entry (in place on SQLite too, with the same text).
pub(super) const INSERT_AUDIT_SQL: &str = "INSERT INTO audit_log
    (at, caller_id, subject_id, action, token_guid, group_id, program_guid, before, after)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const INSERT_PROGRAM_SQL: &str = "INSERT INTO programs
    (program_guid, name, disabled, definition, updated_at) VALUES ($1, $2, $3, $4, $5)";

const INSERT_TOKEN_SQL: &str = "INSERT INTO affiliate_tokens
    (guid, owner_id, group_id, program_guid, parameters, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7)";

fn counted(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// A window of `items` and the total, counted (`count`) only when the window does
/// not tell it by itself.
async fn paged<T, F: Future<Output = Answer<i64>>>(
    items: Vec<T>,
    page: Page,
    count: impl FnOnce() -> F,
) -> Answer<Paged<T>> {
    let total = match page.total_without_count(items.len()) {
        Some(total) => total,
        None => counted(count().await?),
    };
    Ok(Paged { items, total })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// What the SQL needs of a driver is said here once. Rust does not carry a `where`
/// clause from a trait to its users, but it does carry `Backend::Db`'s bound
/// `Connection: Statements`, so the store in `sql.rs` needs only `B: Backend`.
impl<C, DB> Statements for C
where
    C: Connection<Database = DB>,
    DB: Database<QueryResult: RowsAffected, Row: Records>,
    for<'c> &'c mut C: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> &'q [u8]: Encode<'q, DB> + Type<DB>,
    i64: Bind<DB>,
    Option<i64>: Bind<DB>,
    String: Bind<DB>,
    Option<String>: Bind<DB>,
    bool: Bind<DB>,
    Option<Vec<u8>>: Bind<DB>,
{
    async fn ping(&mut self) -> Answer<()> {
        sqlx::query("SELECT 1").execute(self).await?;
        Ok(())
    }

    async fn insert_user(
        &mut self,
        username: &str,
        is_admin: bool,
        keys: &StoredKeys,
        at: OffsetDateTime,
    ) -> Answer<i64> {
        let result = sqlx::query(
            "INSERT INTO users (username, is_admin, key_hash, secret_hash, key_hint, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(username)
        .bind(is_admin)
        .bind(keys.key_hash.as_slice())
        .bind(keys.secret_hash.as_slice())
        .bind(keys.key_hint.as_str())
        .bind(millis(at))
        .fetch_one(self)
        .await;
        match result {
            Ok(row) => row.integer("id"),
            Err(e) if is_unique_violation(&e) => Err(StoreError::DuplicateUsername),
            Err(e) => Err(e.into()),
        }
    }

    async fn users(&mut self) -> Answer<Vec<User>> {
        sqlx::query(
            "SELECT id, username, is_admin, key_hash IS NOT NULL AS has_key, key_hint, created_at
             FROM users ORDER BY username",
        )
        .fetch_all(self)
        .await?
        .iter()
        .map(|row| row.user())
        .collect()
    }

    async fn count_users(&mut self) -> Answer<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
            .fetch_one(self)
            .await?;
        row.integer("n")
    }

    async fn account_by_name(&mut self, username: &str) -> Answer<Option<Account>> {
        sqlx::query("SELECT id, username, is_admin FROM users WHERE lower(username) = lower($1)")
            .bind(username)
            .fetch_optional(self)
            .await?
            .map(|row| row.account())
            .transpose()
    }

    async fn account_by_key(&mut self, key_hash: &[u8]) -> Answer<Option<(Account, Vec<u8>)>> {
        sqlx::query(ACCOUNT_BY_KEY_SQL)
            .bind(key_hash)
            .fetch_optional(self)
            .await?
            .map(|row| Ok((row.account()?, row.bytes("secret_hash")?)))
            .transpose()
    }

    async fn set_keys(&mut self, username: &str, keys: Option<&StoredKeys>) -> Answer<bool> {
        let done = sqlx::query(
            "UPDATE users SET key_hash = $1, secret_hash = $2, key_hint = $3
             WHERE lower(username) = lower($4)",
        )
        .bind(keys.map(|k| k.key_hash.clone()))
        .bind(keys.map(|k| k.secret_hash.clone()))
        .bind(keys.map(|k| k.key_hint.clone()))
        .bind(username)
        .execute(self)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_program_if_absent(
        &mut self,
        program: &Program,
        at: OffsetDateTime,
    ) -> Answer<bool> {
        let sql = format!("{INSERT_PROGRAM_SQL} ON CONFLICT (program_guid) DO NOTHING");
        let done = sqlx::query(&sql)
            .bind(program.program_guid.to_string())
            .bind(program.name.as_str())
            .bind(program.disabled)
            .bind(to_json(program))
            .bind(millis(at))
            .execute(self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn upsert_program(&mut self, program: &Program, at: OffsetDateTime) -> Answer<bool> {
        let done = sqlx::query(
            "UPDATE programs SET name = $1, disabled = $2, definition = $3, updated_at = $4
             WHERE program_guid = $5",
        )
        .bind(program.name.as_str())
        .bind(program.disabled)
        .bind(to_json(program))
        .bind(millis(at))
        .bind(program.program_guid.to_string())
        .execute(&mut *self)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(false);
        }
        sqlx::query(INSERT_PROGRAM_SQL)
            .bind(program.program_guid.to_string())
            .bind(program.name.as_str())
            .bind(program.disabled)
            .bind(to_json(program))
            .bind(millis(at))
            .execute(self)
            .await?;
        Ok(true)
    }

    async fn programs(&mut self) -> Answer<Vec<Program>> {
        sqlx::query("SELECT definition FROM programs ORDER BY name, program_guid")
            .fetch_all(self)
            .await?
            .iter()
            .map(|row| row.json("definition"))
            .collect()
    }

    async fn delete_programs(&mut self) -> Answer<()> {
        sqlx::query("DELETE FROM programs").execute(self).await?;
        Ok(())
    }

    async fn insert_group(&mut self, owner_id: i64, name: &str, at: OffsetDateTime) -> Answer<u32> {
        let id: i64 = sqlx::query(
            "INSERT INTO groups (owner_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(owner_id)
        .bind(name)
        .bind(millis(at))
        .fetch_one(self)
        .await?
        .integer("id")?;
        u32::try_from(id).map_err(|_| StoreError::Database("group ids exhausted".into()))
    }

    async fn groups(&mut self, owner_id: i64, page: Page) -> Answer<Paged<Group>> {
        let items: Vec<Group> = sqlx::query(
            "SELECT id, owner_id, name, created_at FROM groups WHERE owner_id = $1
             ORDER BY id LIMIT $2 OFFSET $3",
        )
        .bind(owner_id)
        .bind(i64::from(page.take))
        .bind(i64::from(page.skip))
        .fetch_all(&mut *self)
        .await?
        .iter()
        .map(|row| row.group())
        .collect::<Result<_, _>>()?;
        let count = "SELECT COUNT(*) AS n FROM groups WHERE owner_id = $1";
        paged(items, page, || async move {
            let row = sqlx::query(count).bind(owner_id).fetch_one(self).await?;
            row.integer("n")
        })
        .await
    }

    async fn group(&mut self, id: u32) -> Answer<Option<Group>> {
        sqlx::query(GROUP_SQL)
            .bind(i64::from(id))
            .fetch_optional(self)
            .await?
            .map(|row| row.group())
            .transpose()
    }

    async fn owned_group(&mut self, id: u32, owner_id: i64, lock: &str) -> Answer<bool> {
        let sql = format!("{OWNED_GROUP_SQL}{lock}");
        let found = sqlx::query(&sql)
            .bind(i64::from(id))
            .bind(owner_id)
            .fetch_optional(self)
            .await?;
        Ok(found.is_some())
    }

    async fn delete_group_row(&mut self, id: u32, owner_id: i64) -> Answer<bool> {
        let done = sqlx::query("DELETE FROM groups WHERE id = $1 AND owner_id = $2")
            .bind(i64::from(id))
            .bind(owner_id)
            .execute(self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn tokens(&mut self, owner_id: i64, scope: TokenScope) -> Answer<Vec<TokenView>> {
        let filter = match scope {
            TokenScope::User => "t.group_id IS NULL",
            TokenScope::Groups(_) => {
                "t.group_id IN (SELECT g.id FROM groups g WHERE g.owner_id = $1
                                ORDER BY g.id LIMIT $2 OFFSET $3)"
            }
        };
        let sql = format!(
            "SELECT t.guid, t.owner_id, t.group_id, t.program_guid, t.parameters, t.created_at,
                    t.updated_at, p.name AS program_name, p.disabled AS program_disabled
             FROM affiliate_tokens t JOIN programs p ON p.program_guid = t.program_guid
             WHERE t.owner_id = $1 AND {filter}
             ORDER BY t.group_id, p.name, t.guid"
        );
        let mut query = sqlx::query(&sql).bind(owner_id);
        if let TokenScope::Groups(page) = scope {
            query = query.bind(i64::from(page.take)).bind(i64::from(page.skip));
        }
        query
            .fetch_all(self)
            .await?
            .iter()
            .map(|row| row.token_view())
            .collect()
    }

    async fn group_overrides(&mut self, group_id: u32) -> Answer<Vec<TokenRecord>> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM affiliate_tokens WHERE group_id = $1");
        sqlx::query(&sql)
            .bind(i64::from(group_id))
            .fetch_all(self)
            .await?
            .iter()
            .map(|row| row.token())
            .collect()
    }

    async fn packed_group_tokens(
        &mut self,
        sql: &str,
        owner_id: i64,
        group_id: u32,
    ) -> Answer<Option<String>> {
        let row = sqlx::query(sql)
            .bind(i64::from(group_id))
            .bind(owner_id)
            .fetch_optional(self)
            .await?;
        row.map(|row| row.text("tokens")).transpose()
    }

    async fn token(&mut self, guid: Uuid, lock: &str) -> Answer<Option<TokenRecord>> {
        let sql = format!("{TOKEN_SQL}{lock}");
        sqlx::query(&sql)
            .bind(guid.to_string())
            .fetch_optional(self)
            .await?
            .map(|row| row.token())
            .transpose()
    }

    async fn token_for(
        &mut self,
        owner_id: i64,
        level: Level,
        program_guid: Uuid,
        lock: &str,
    ) -> Answer<Option<TokenRecord>> {
        let (filter, owner_or_group) = match level {
            Level::User => ("owner_id = $1 AND group_id IS NULL", owner_id),
            Level::Group(id) => ("group_id = $1", i64::from(id)),
        };
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM affiliate_tokens WHERE {filter} AND program_guid = $2{lock}"
        );
        sqlx::query(&sql)
            .bind(owner_or_group)
            .bind(program_guid.to_string())
            .fetch_optional(self)
            .await?
            .map(|row| row.token())
            .transpose()
    }

    async fn insert_token(&mut self, record: &TokenRecord) -> Answer<()> {
        sqlx::query(INSERT_TOKEN_SQL)
            .bind(record.guid.to_string())
            .bind(record.owner_id)
            .bind(record.level.group_id().map(i64::from))
            .bind(record.program_guid.to_string())
            .bind(to_json(&record.parameters))
            .bind(millis(record.created_at))
            .bind(millis(record.updated_at))
            .execute(self)
            .await?;
        Ok(())
    }

    async fn insert_user_token_if_absent(&mut self, record: &TokenRecord) -> Answer<bool> {
        let sql = format!(
            "INSERT INTO affiliate_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, NULL, $3, $4, $5, $6)
             ON CONFLICT (owner_id, program_guid) WHERE group_id IS NULL DO NOTHING"
        );
        let done = sqlx::query(&sql)
            .bind(record.guid.to_string())
            .bind(record.owner_id)
            .bind(record.program_guid.to_string())
            .bind(to_json(&record.parameters))
            .bind(millis(record.created_at))
            .bind(millis(record.updated_at))
            .execute(self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn update_parameters(
        &mut self,
        guid: Uuid,
        parameters: &Parameters,
        at: OffsetDateTime,
    ) -> Answer<bool> {
        let done = sqlx::query(UPDATE_PARAMETERS_SQL)
            .bind(to_json(parameters))
            .bind(millis(at))
            .bind(guid.to_string())
            .execute(self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn delete_token(&mut self, guid: Uuid) -> Answer<bool> {
        let done = sqlx::query("DELETE FROM affiliate_tokens WHERE guid = $1")
            .bind(guid.to_string())
            .execute(self)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_token_set(&mut self, snapshot: &TokenSetSnapshot) -> Answer<i64> {
        let row = sqlx::query(
            "INSERT INTO token_sets (set_guid, owner_id, programs, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(snapshot.set_guid.to_string())
        .bind(snapshot.owner_id)
        .bind(to_json(&snapshot.programs))
        .bind(millis(snapshot.created_at))
        .bind(millis(snapshot.updated_at))
        .fetch_one(self)
        .await?;
        row.integer("id")
    }

    async fn token_set(&mut self, set_guid: Uuid) -> Answer<Option<TokenSetSnapshot>> {
        sqlx::query(
            "SELECT s.id, s.set_guid, s.owner_id, u.username, s.programs, s.created_at, s.updated_at
             FROM token_sets s JOIN users u ON u.id = s.owner_id WHERE s.set_guid = $1",
        )
        .bind(set_guid.to_string())
        .fetch_optional(self)
        .await?
        .map(|row| row.snapshot())
        .transpose()
    }

    async fn insert_audit(&mut self, actor: &Actor, entry: AuditEntry<'_>) -> Answer<()> {
        sqlx::query(INSERT_AUDIT_SQL)
            .bind(millis(actor.at))
            .bind(actor.caller_id)
            .bind(actor.subject_id)
            .bind(entry.action.as_str())
            .bind(entry.token_guid.map(|g| g.to_string()))
            .bind(entry.group_id.map(i64::from))
            .bind(entry.program_guid.map(|g| g.to_string()))
            .bind(entry.before.map(to_json))
            .bind(entry.after.map(to_json))
            .execute(self)
            .await?;
        Ok(())
    }

    async fn history(&mut self, token_guid: Uuid, page: Page) -> Answer<Paged<HistoryEntry>> {
        let items: Vec<HistoryEntry> = sqlx::query(
            "SELECT a.at, c.username AS changed_by, s.username AS subject, a.action,
                    a.group_id, a.program_guid, a.before, a.after
             FROM audit_log a
             LEFT JOIN users c ON c.id = a.caller_id
             LEFT JOIN users s ON s.id = a.subject_id
             WHERE a.token_guid = $1 ORDER BY a.id LIMIT $2 OFFSET $3",
        )
        .bind(token_guid.to_string())
        .bind(i64::from(page.take))
        .bind(i64::from(page.skip))
        .fetch_all(&mut *self)
        .await?
        .iter()
        .map(|row| row.history_entry())
        .collect::<Result<_, StoreError>>()?;
        let count = "SELECT COUNT(*) AS n FROM audit_log WHERE token_guid = $1";
        paged(items, page, || async move {
            let row = sqlx::query(count)
                .bind(token_guid.to_string())
                .fetch_one(self)
                .await?;
            row.integer("n")
        })
        .await
    }

    async fn export(&mut self) -> Answer<Vec<DumpLine>> {
        type Line<R> = fn(&R) -> Result<DumpLine, sqlx::Error>;
        let tables: [(&str, Line<DB::Row>); 6] = [
            (
                "SELECT id, username, is_admin, key_hash, secret_hash, key_hint, created_at
                 FROM users ORDER BY id",
                Records::dump_user,
            ),
            (
                "SELECT program_guid, name, disabled, definition, updated_at
                 FROM programs ORDER BY program_guid",
                Records::dump_program,
            ),
            (
                "SELECT id, owner_id, name, created_at FROM groups ORDER BY id",
                Records::dump_group,
            ),
            (
                "SELECT guid, owner_id, group_id, program_guid, parameters, created_at, updated_at
                 FROM affiliate_tokens ORDER BY created_at, guid",
                Records::dump_token,
            ),
            (
                "SELECT id, set_guid, owner_id, programs, created_at, updated_at
                 FROM token_sets ORDER BY id",
                Records::dump_token_set,
            ),
            (
                "SELECT id, at, caller_id, subject_id, action, token_guid, group_id, program_guid,
                        before, after
                 FROM audit_log ORDER BY id",
                Records::dump_audit,
            ),
        ];
        let mut lines = Vec::new();
        for (sql, line) in tables {
            for row in sqlx::query(sql).fetch_all(&mut *self).await? {
                lines.push(line(&row)?);
            }
        }
        Ok(lines)
    }

    /// One arm per kind of line, each binding that table's columns in order, hence
    /// the length.
    async fn import_line(&mut self, line: &DumpLine) -> Answer<()> {
        let bad_hex = || StoreError::Database("bad hex in a user's key hash".into());
        let hash = |hex: &Option<String>| {
            hex.as_deref()
                .map(|h| from_hex(h).ok_or_else(bad_hex))
                .transpose()
        };
        let query = match line {
            DumpLine::User {
                id,
                username,
                is_admin,
                key_hash,
                secret_hash,
                key_hint,
                created_at,
            } => sqlx::query(
                "INSERT INTO users (id, username, is_admin, key_hash, secret_hash, key_hint, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(*id)
            .bind(username.as_str())
            .bind(*is_admin)
            .bind(hash(key_hash)?)
            .bind(hash(secret_hash)?)
            .bind(key_hint.clone())
            .bind(*created_at),
            DumpLine::Program {
                program_guid,
                name,
                disabled,
                definition,
                updated_at,
            } => sqlx::query(INSERT_PROGRAM_SQL)
                .bind(program_guid.as_str())
                .bind(name.as_str())
                .bind(*disabled)
                .bind(definition.as_str())
                .bind(*updated_at),
            DumpLine::Group {
                id,
                owner_id,
                name,
                created_at,
            } => sqlx::query(
                "INSERT INTO groups (id, owner_id, name, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(*id)
            .bind(*owner_id)
            .bind(name.as_str())
            .bind(*created_at),
            DumpLine::Token {
                guid,
                owner_id,
                group_id,
                program_guid,
                parameters,
                created_at,
                updated_at,
            } => sqlx::query(INSERT_TOKEN_SQL)
                .bind(guid.as_str())
                .bind(*owner_id)
                .bind(*group_id)
                .bind(program_guid.as_str())
                .bind(parameters.as_str())
                .bind(*created_at)
                .bind(*updated_at),
            DumpLine::TokenSet {
                id,
                set_guid,
                owner_id,
                programs,
                created_at,
                updated_at,
            } => sqlx::query(
                "INSERT INTO token_sets (id, set_guid, owner_id, programs, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(*id)
            .bind(set_guid.as_str())
            .bind(*owner_id)
            .bind(programs.as_str())
            .bind(*created_at)
            .bind(*updated_at),
            DumpLine::Audit {
                id,
                at,
                caller_id,
                subject_id,
                action,
                token_guid,
                group_id,
                program_guid,
                before,
                after,
            } => sqlx::query(
                "INSERT INTO audit_log
                 (id, at, caller_id, subject_id, action, token_guid, group_id, program_guid,
                  before, after)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(*id)
            .bind(*at)
            .bind(*caller_id)
            .bind(*subject_id)
            .bind(action.as_str())
            .bind(token_guid.clone())
            .bind(*group_id)
            .bind(program_guid.clone())
            .bind(before.clone())
            .bind(after.clone()),
        };
        query.execute(self).await?;
        Ok(())
    }
}
