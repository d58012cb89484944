//! The SQL both backends share. SQLite and PostgreSQL accept the same statements
//! here (`$n` parameters, `RETURNING`, partial unique indexes, `ON CONFLICT`), so
//! the implementation is written once and instantiated per driver by `sql_store!`;
//! only connecting, migrations and a few import details differ per backend.

use crate::model::Parameters;
use time::OffsetDateTime;

pub(super) fn millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(super) fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub(super) const ACCOUNT_BY_KEY_SQL: &str =
    "SELECT id, username, is_admin, secret_hash FROM users WHERE key_hash = $1";

/// How often a token-set write reads a program's record again after a concurrent
/// write moved it (each round follows a commit of another writer, so a few suffice).
pub(super) const TOKEN_SET_ROUNDS: usize = 8;

pub(super) const TOKEN_COLUMNS: &str =
    "guid, owner_id, group_id, program_guid, parameters, created_at, updated_at";

/// One audit entry, written in the same transaction as the change it records.
pub(super) struct AuditEntry<'a> {
    pub action: &'static str,
    pub token_guid: Option<uuid::Uuid>,
    pub group_id: Option<u32>,
    pub program_guid: Option<uuid::Uuid>,
    pub before: Option<&'a Parameters>,
    pub after: Option<&'a Parameters>,
}

impl<'a> AuditEntry<'a> {
    pub fn group(action: &'static str, group_id: u32) -> Self {
        AuditEntry {
            action,
            token_guid: None,
            group_id: Some(group_id),
            program_guid: None,
            before: None,
            after: None,
        }
    }

    pub fn token(
        action: &'static str,
        record: &crate::model::TokenRecord,
        before: Option<&'a Parameters>,
        after: Option<&'a Parameters>,
    ) -> Self {
        AuditEntry {
            action,
            token_guid: Some(record.guid),
            group_id: record.level.group_id(),
            program_guid: Some(record.program_guid),
            before,
            after,
        }
    }
}

/// One override as the group-tokens statement packs it:
/// `[guid, programGuid, parameters (JSON text), createdAt, updatedAt, programName, disabled]`.
type PackedToken = (String, String, String, i64, i64, String, serde_json::Value);

/// Reads the JSON array the group-tokens statement returns. The overrides travel as
/// one value because every row costs a round trip to the driver's thread.
pub(super) fn unpack_group_tokens(
    packed: &str,
    owner_id: i64,
    group_id: u32,
) -> Result<Vec<crate::model::TokenView>, crate::error::StoreError> {
    use crate::error::StoreError;
    use crate::model::{Level, TokenRecord, TokenView};
    let bad = |what: String| StoreError::Database(format!("group tokens: {what}"));
    let items: Vec<PackedToken> = serde_json::from_str(packed).map_err(|e| bad(e.to_string()))?;
    let mut views = items
        .into_iter()
        .map(
            |(guid, program, parameters, created, updated, name, disabled)| {
                Ok(TokenView {
                    record: TokenRecord {
                        guid: uuid::Uuid::parse_str(&guid).map_err(|e| bad(e.to_string()))?,
                        owner_id,
                        level: Level::Group(group_id),
                        program_guid: uuid::Uuid::parse_str(&program)
                            .map_err(|e| bad(e.to_string()))?,
                        parameters: serde_json::from_str(&parameters)
                            .map_err(|e| bad(e.to_string()))?,
                        created_at: from_millis(created),
                        updated_at: from_millis(updated),
                    },
                    program_name: name,
                    // SQLite has no boolean type: 0/1 there, true/false on PostgreSQL.
                    program_disabled: disabled
                        .as_bool()
                        .or_else(|| disabled.as_i64().map(|v| v != 0))
                        .unwrap_or(false),
                })
            },
        )
        .collect::<Result<Vec<_>, StoreError>>()?;
    // Sorted here rather than in SQL: an ordered aggregate costs SQLite a temporary table.
    views.sort_by(|a, b| {
        (a.program_name.as_str(), a.record.guid).cmp(&(b.program_name.as_str(), b.record.guid))
    });
    Ok(views)
}

/// The audit action name of a token write at a level.
pub(super) fn token_action(verb: &str, level: crate::model::Level) -> &'static str {
    use crate::model::Level;
    match (verb, level) {
        ("Post", Level::User) => "PostUserAffiliateTokens",
        ("Post", Level::Group(_)) => "PostGroupAffiliateTokens",
        ("Put", Level::User) => "PutUserAffiliateTokens",
        ("Put", Level::Group(_)) => "PutGroupAffiliateTokens",
        (_, Level::User) => "DeleteUserAffiliateTokens",
        (_, Level::Group(_)) => "DeleteGroupAffiliateTokens",
    }
}

/// Implements `Store` for `$store` (with `reader`/`writer` pools) over one sqlx driver.
/// The module invoking it must define `async fn after_import(&mut $conn)`, and `$store`
/// the consts `BACKEND`, `LOCK_SHARE` and `LOCK_UPDATE` (row-lock clauses appended to
/// the reads a write re-checks, empty where writers are serialized anyway), `async fn read_group_tokens`, `async fn read_account_by_key` and
/// `async fn write(job) -> Result<T>`, which runs `job` in a write transaction and
/// answers after its commit.
macro_rules! sql_store {
    (store = $store:ident, row = $row:ty, conn = $conn:ty) => {
        use super::sql::{
            from_millis, millis, to_json, token_action, AuditEntry, TOKEN_COLUMNS, TOKEN_SET_ROUNDS,
        };
        use super::dump::{from_hex, to_hex, DumpLine};
        use super::{Store, TokenScope};
        use crate::paging::{Page, Paged};

        fn counted(n: i64) -> u32 {
            u32::try_from(n.max(0)).unwrap_or(u32::MAX)
        }
        use crate::credentials::StoredKeys;
        use crate::error::{StoreError, Vanished};
        use crate::model::{
            Account, Actor, Group, HistoryEntry, Level, Parameters, Program, ProgramTokens,
            TokenRecord, TokenSetSnapshot, TokenView, User,
        };
        use async_trait::async_trait;
        use sqlx::Row;
        use time::OffsetDateTime;
        use uuid::Uuid;

        fn guid(row: &$row, column: &str) -> Result<Uuid, StoreError> {
            let text: String = row.try_get(column)?;
            Uuid::parse_str(&text)
                .map_err(|e| StoreError::Database(format!("bad guid in {column}: {e}")))
        }

        fn optional_guid(row: &$row, column: &str) -> Result<Option<Uuid>, StoreError> {
            let text: Option<String> = row.try_get(column)?;
            text.map(|text| {
                Uuid::parse_str(&text)
                    .map_err(|e| StoreError::Database(format!("bad guid in {column}: {e}")))
            })
            .transpose()
        }

        fn json<T: serde::de::DeserializeOwned>(row: &$row, column: &str) -> Result<T, StoreError> {
            let text: String = row.try_get(column)?;
            serde_json::from_str(&text)
                .map_err(|e| StoreError::Database(format!("bad json in {column}: {e}")))
        }

        fn optional_json<T: serde::de::DeserializeOwned>(
            row: &$row,
            column: &str,
        ) -> Result<Option<T>, StoreError> {
            let text: Option<String> = row.try_get(column)?;
            text.map(|text| {
                serde_json::from_str(&text)
                    .map_err(|e| StoreError::Database(format!("bad json in {column}: {e}")))
            })
            .transpose()
        }

        fn account(row: &$row) -> Result<Account, StoreError> {
            Ok(Account {
                id: row.try_get("id")?,
                username: row.try_get("username")?,
                is_admin: row.try_get("is_admin")?,
            })
        }

        fn group(row: &$row) -> Result<Group, StoreError> {
            Ok(Group {
                id: row.try_get::<i64, _>("id")? as u32,
                owner_id: row.try_get("owner_id")?,
                name: row.try_get("name")?,
                created_at: from_millis(row.try_get("created_at")?),
            })
        }

        fn token(row: &$row) -> Result<TokenRecord, StoreError> {
            let group_id: Option<i64> = row.try_get("group_id")?;
            Ok(TokenRecord {
                guid: guid(row, "guid")?,
                owner_id: row.try_get("owner_id")?,
                level: group_id.map_or(Level::User, |id| Level::Group(id as u32)),
                program_guid: guid(row, "program_guid")?,
                parameters: json(row, "parameters")?,
                created_at: from_millis(row.try_get("created_at")?),
                updated_at: from_millis(row.try_get("updated_at")?),
            })
        }

        fn snapshot(row: &$row) -> Result<TokenSetSnapshot, StoreError> {
            Ok(TokenSetSnapshot {
                id: row.try_get("id")?,
                set_guid: guid(row, "set_guid")?,
                owner_id: row.try_get("owner_id")?,
                username: row.try_get("username")?,
                programs: json(row, "programs")?,
                created_at: from_millis(row.try_get("created_at")?),
                updated_at: from_millis(row.try_get("updated_at")?),
            })
        }

        fn is_unique_violation(error: &sqlx::Error) -> bool {
            matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
        }

        async fn audit(
            conn: &mut $conn,
            actor: &Actor,
            entry: AuditEntry<'_>,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO audit_log (at, caller_id, subject_id, action, token_guid, group_id, program_guid, before, after)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(millis(actor.at))
            .bind(actor.caller_id)
            .bind(actor.subject_id)
            .bind(entry.action)
            .bind(entry.token_guid.map(|g| g.to_string()))
            .bind(entry.group_id.map(i64::from))
            .bind(entry.program_guid.map(|g| g.to_string()))
            .bind(entry.before.map(to_json))
            .bind(entry.after.map(to_json))
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// The record, read with `lock` appended (a row lock inside a write on
        /// PostgreSQL, nothing on SQLite, whose writers are serialized anyway).
        async fn token_in(
            conn: &mut $conn,
            guid: Uuid,
            lock: &str,
        ) -> Result<Option<TokenRecord>, StoreError> {
            sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM affiliate_tokens WHERE guid = $1{lock}"))
                .bind(guid.to_string())
                .fetch_optional(&mut *conn)
                .await?
                .map(|row| token(&row))
                .transpose()
        }

        async fn existing_token_for(
            conn: &mut $conn,
            owner_id: i64,
            level: Level,
            program_guid: Uuid,
            lock: &str,
        ) -> Result<Option<TokenRecord>, StoreError> {
            let (filter, owner_or_group) = match level {
                Level::User => ("owner_id = $1 AND group_id IS NULL", owner_id),
                Level::Group(id) => ("group_id = $1", i64::from(id)),
            };
            let sql = format!(
                "SELECT {TOKEN_COLUMNS} FROM affiliate_tokens WHERE {filter} AND program_guid = $2{lock}"
            );
            let row = sqlx::query(&sql)
                .bind(owner_or_group)
                .bind(program_guid.to_string())
                .fetch_optional(&mut *conn)
                .await?;
            row.map(|row| token(&row)).transpose()
        }

        /// Inside a write: whether group `id` exists and is `owner_id`'s, read with `lock`
        /// appended (on PostgreSQL a row lock that a concurrent group delete waits for,
        /// or, when the delete came first, that finds the row gone).
        async fn owned_group_in(
            conn: &mut $conn,
            id: u32,
            owner_id: i64,
            lock: &str,
        ) -> Result<bool, StoreError> {
            Ok(sqlx::query(&format!("SELECT id FROM groups WHERE id = $1 AND owner_id = $2{lock}"))
                .bind(i64::from(id))
                .bind(owner_id)
                .fetch_optional(&mut *conn)
                .await?
                .is_some())
        }

        /// Inside a write at `level`: a group-level write needs its group, still the
        /// subject's. Checked in the transaction, so a group deleted since the service's
        /// first check is a 404, not a foreign-key failure.
        async fn recheck_level(conn: &mut $conn, level: Level, owner_id: i64) -> Result<(), StoreError> {
            if let Level::Group(id) = level {
                if !owned_group_in(conn, id, owner_id, $store::LOCK_SHARE).await? {
                    return Err(StoreError::Vanished(Vanished::Group(id)));
                }
            }
            Ok(())
        }

        /// True when the token is the subject's and at the expected level.
        fn belongs(record: &TokenRecord, level: Level, actor: &Actor) -> bool {
            record.owner_id == actor.subject_id && record.level == level
        }

        async fn insert_token_row(
            conn: &mut $conn,
            record: &TokenRecord,
        ) -> Result<(), sqlx::Error> {
            sqlx::query(&format!(
                "INSERT INTO affiliate_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(record.guid.to_string())
            .bind(record.owner_id)
            .bind(record.level.group_id().map(i64::from))
            .bind(record.program_guid.to_string())
            .bind(to_json(&record.parameters))
            .bind(millis(record.created_at))
            .bind(millis(record.updated_at))
            .execute(&mut *conn)
            .await?;
            Ok(())
        }

        /// False when the record is gone (deleted by a concurrent write).
        async fn update_parameters(
            conn: &mut $conn,
            guid: Uuid,
            parameters: &Parameters,
            at: OffsetDateTime,
        ) -> Result<bool, StoreError> {
            let done = sqlx::query("UPDATE affiliate_tokens SET parameters = $1, updated_at = $2 WHERE guid = $3")
                .bind(to_json(parameters))
                .bind(millis(at))
                .bind(guid.to_string())
                .execute(&mut *conn)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        /// False when the record is gone (deleted by a concurrent write).
        async fn delete_token_row(conn: &mut $conn, guid: Uuid) -> Result<bool, StoreError> {
            let done = sqlx::query("DELETE FROM affiliate_tokens WHERE guid = $1")
                .bind(guid.to_string())
                .execute(&mut *conn)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        /// Inserts a user-level record unless the owner has one for the program already
        /// (then false: a concurrent write got there first; the caller reads it again).
        async fn insert_user_token_if_absent(
            conn: &mut $conn,
            record: &TokenRecord,
        ) -> Result<bool, StoreError> {
            let done = sqlx::query(&format!(
                "INSERT INTO affiliate_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, NULL, $3, $4, $5, $6)
                 ON CONFLICT (owner_id, program_guid) WHERE group_id IS NULL DO NOTHING"
            ))
            .bind(record.guid.to_string())
            .bind(record.owner_id)
            .bind(record.program_guid.to_string())
            .bind(to_json(&record.parameters))
            .bind(millis(record.created_at))
            .bind(millis(record.updated_at))
            .execute(&mut *conn)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> &'static str {
                Self::BACKEND
            }

            async fn ping(&self) -> Result<(), StoreError> {
                sqlx::query("SELECT 1").execute(&self.reader).await?;
                Ok(())
            }

            async fn create_user(
                &self,
                username: &str,
                is_admin: bool,
                keys: &StoredKeys,
                at: OffsetDateTime,
            ) -> Result<User, StoreError> {
                let (name, stored) = (username.to_string(), keys.clone());
                let id: i64 = self.write(move |tx| Box::pin(async move {
                    let result = sqlx::query(
                        "INSERT INTO users (username, is_admin, key_hash, secret_hash, key_hint, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(&name)
                    .bind(is_admin)
                    .bind(&stored.key_hash)
                    .bind(&stored.secret_hash)
                    .bind(&stored.key_hint)
                    .bind(millis(at))
                    .fetch_one(&mut *tx)
                    .await;
                    match result {
                        Ok(row) => Ok(row.try_get("id")?),
                        Err(e) if is_unique_violation(&e) => Err(StoreError::DuplicateUsername),
                        Err(e) => Err(e.into()),
                    }
                })).await?;
                Ok(User {
                    account: Account { id, username: username.to_string(), is_admin },
                    created_at: from_millis(millis(at)),
                    has_key: true,
                    key_hint: Some(keys.key_hint.clone()),
                })
            }

            async fn users(&self) -> Result<Vec<User>, StoreError> {
                sqlx::query(
                    "SELECT id, username, is_admin, key_hash IS NOT NULL AS has_key, key_hint, created_at
                     FROM users ORDER BY username",
                )
                .fetch_all(&self.reader)
                .await?
                .iter()
                .map(|row| {
                    let has_key: bool = row.try_get("has_key")?;
                    Ok(User {
                        account: account(row)?,
                        created_at: from_millis(row.try_get("created_at")?),
                        has_key,
                        key_hint: if has_key { row.try_get("key_hint")? } else { None },
                    })
                })
                .collect()
            }

            async fn account_by_name(&self, username: &str) -> Result<Option<Account>, StoreError> {
                sqlx::query("SELECT id, username, is_admin FROM users WHERE lower(username) = lower($1)")
                    .bind(username)
                    .fetch_optional(&self.reader)
                    .await?
                    .map(|row| account(&row))
                    .transpose()
            }

            async fn account_by_key(
                &self,
                key_hash: &[u8],
            ) -> Result<Option<(Account, Vec<u8>)>, StoreError> {
                // Per backend: every request whose key is not in the key cache asks this.
                self.read_account_by_key(key_hash).await
            }

            async fn set_keys(
                &self,
                username: &str,
                keys: Option<&StoredKeys>,
            ) -> Result<bool, StoreError> {
                let (name, stored) = (username.to_string(), keys.cloned());
                self.write(move |tx| Box::pin(async move {
                    let done = sqlx::query(
                        "UPDATE users SET key_hash = $1, secret_hash = $2, key_hint = $3 WHERE lower(username) = lower($4)",
                    )
                    .bind(stored.as_ref().map(|k| k.key_hash.clone()))
                    .bind(stored.as_ref().map(|k| k.secret_hash.clone()))
                    .bind(stored.as_ref().map(|k| k.key_hint.clone()))
                    .bind(&name)
                    .execute(&mut *tx)
                    .await?;
                    Ok(done.rows_affected() == 1)
                })).await
            }

            async fn add_missing_programs(
                &self,
                programs: &[Program],
                at: OffsetDateTime,
            ) -> Result<usize, StoreError> {
                let programs = programs.to_vec();
                self.write(move |tx| Box::pin(async move {
                    let programs = &programs;
                    let mut added = 0;
                    for program in programs {
                        let done = sqlx::query(
                            "INSERT INTO programs (program_guid, name, disabled, definition, updated_at)
                             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (program_guid) DO NOTHING",
                        )
                        .bind(program.program_guid.to_string())
                        .bind(&program.name)
                        .bind(program.disabled)
                        .bind(to_json(program))
                        .bind(millis(at))
                        .execute(&mut *tx)
                        .await?;
                        added += done.rows_affected() as usize;
                    }
                    Ok(added)
                })).await
            }

            async fn save_program(&self, program: &Program, actor: &Actor) -> Result<bool, StoreError> {
                let (program, actor) = (program.clone(), *actor);
                self.write(move |tx| Box::pin(async move {
                    let (program, actor) = (&program, &actor);
                    let updated = sqlx::query(
                        "UPDATE programs SET name = $1, disabled = $2, definition = $3, updated_at = $4
                         WHERE program_guid = $5",
                    )
                    .bind(&program.name)
                    .bind(program.disabled)
                    .bind(to_json(program))
                    .bind(millis(actor.at))
                    .bind(program.program_guid.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                        == 1;
                    if !updated {
                        sqlx::query(
                            "INSERT INTO programs (program_guid, name, disabled, definition, updated_at)
                             VALUES ($1, $2, $3, $4, $5)",
                        )
                        .bind(program.program_guid.to_string())
                        .bind(&program.name)
                        .bind(program.disabled)
                        .bind(to_json(program))
                        .bind(millis(actor.at))
                        .execute(&mut *tx)
                        .await?;
                    }
                    audit(
                        &mut *tx,
                        actor,
                        AuditEntry {
                            action: if updated { "UpdateProgram" } else { "AddProgram" },
                            token_guid: None,
                            group_id: None,
                            program_guid: Some(program.program_guid),
                            before: None,
                            after: None,
                        },
                    )
                    .await?;
                    Ok(!updated)
                })).await
            }

            async fn programs(&self) -> Result<Vec<Program>, StoreError> {
                sqlx::query("SELECT definition FROM programs ORDER BY name, program_guid")
                    .fetch_all(&self.reader)
                    .await?
                    .iter()
                    .map(|row| json(row, "definition"))
                    .collect()
            }

            async fn program(&self, guid: Uuid) -> Result<Option<Program>, StoreError> {
                sqlx::query("SELECT definition FROM programs WHERE program_guid = $1")
                    .bind(guid.to_string())
                    .fetch_optional(&self.reader)
                    .await?
                    .map(|row| json(&row, "definition"))
                    .transpose()
            }

            async fn create_group(&self, name: &str, actor: &Actor) -> Result<Group, StoreError> {
                let (name, actor) = (name.to_string(), *actor);
                self.write(move |tx| Box::pin(async move {
                    let (name, actor) = (name.as_str(), &actor);
                    let id: i64 = sqlx::query(
                        "INSERT INTO groups (owner_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
                    )
                    .bind(actor.subject_id)
                    .bind(name)
                    .bind(millis(actor.at))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    let id = u32::try_from(id)
                        .map_err(|_| StoreError::Database("group ids exhausted".into()))?;
                    audit(&mut *tx, actor, AuditEntry::group("CreateGroup", id)).await?;
                    Ok(Group {
                        id,
                        owner_id: actor.subject_id,
                        name: name.to_string(),
                        created_at: from_millis(millis(actor.at)),
                    })
                })).await
            }

            async fn groups(&self, owner_id: i64, page: Page) -> Result<Paged<Group>, StoreError> {
                let items: Vec<Group> = sqlx::query(
                    "SELECT id, owner_id, name, created_at FROM groups WHERE owner_id = $1
                     ORDER BY id LIMIT $2 OFFSET $3",
                )
                .bind(owner_id)
                .bind(i64::from(page.take))
                .bind(i64::from(page.skip))
                .fetch_all(&self.reader)
                .await?
                .iter()
                .map(group)
                .collect::<Result<_, _>>()?;
                let total = match page.total_without_count(items.len()) {
                    Some(total) => total,
                    None => counted(
                        sqlx::query("SELECT COUNT(*) AS n FROM groups WHERE owner_id = $1")
                            .bind(owner_id)
                            .fetch_one(&self.reader)
                            .await?
                            .try_get("n")?,
                    ),
                };
                Ok(Paged { items, total })
            }

            async fn group(&self, id: u32) -> Result<Option<Group>, StoreError> {
                sqlx::query("SELECT id, owner_id, name, created_at FROM groups WHERE id = $1")
                    .bind(i64::from(id))
                    .fetch_optional(&self.reader)
                    .await?
                    .map(|row| group(&row))
                    .transpose()
            }

            async fn delete_group(&self, id: u32, actor: &Actor) -> Result<bool, StoreError> {
                let actor = *actor;
                self.write(move |tx| Box::pin(async move {
                    let actor = &actor;
                    // Locked first (PostgreSQL): writes into the group wait for this delete
                    // and then find the group gone, so none slips in after the overrides
                    // are read. Every override goes, whoever wrote it: no orphan can stay.
                    if !owned_group_in(&mut *tx, id, actor.subject_id, $store::LOCK_UPDATE).await? {
                        return Ok(false);
                    }
                    let overrides: Vec<TokenRecord> = sqlx::query(&format!(
                        "SELECT {TOKEN_COLUMNS} FROM affiliate_tokens WHERE group_id = $1"
                    ))
                    .bind(i64::from(id))
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(token)
                    .collect::<Result<_, _>>()?;
                    for record in &overrides {
                        if !delete_token_row(&mut *tx, record.guid).await? {
                            continue;
                        }
                        let entry = AuditEntry::token(
                            token_action("Delete", record.level),
                            record,
                            Some(&record.parameters),
                            None,
                        );
                        audit(&mut *tx, actor, entry).await?;
                    }
                    let deleted = sqlx::query("DELETE FROM groups WHERE id = $1 AND owner_id = $2")
                        .bind(i64::from(id))
                        .bind(actor.subject_id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        == 1;
                    if !deleted {
                        return Ok(false);
                    }
                    audit(&mut *tx, actor, AuditEntry::group("DeleteGroup", id)).await?;
                    Ok(true)
                })).await
            }

            async fn tokens(&self, owner_id: i64, scope: TokenScope) -> Result<Vec<TokenView>, StoreError> {
                let filter = match scope {
                    TokenScope::User => "t.group_id IS NULL",
                    TokenScope::Group(_) => "t.group_id = $2",
                    TokenScope::Groups(_) => {
                        "t.group_id IN (SELECT g.id FROM groups g WHERE g.owner_id = $1
                                        ORDER BY g.id LIMIT $2 OFFSET $3)"
                    }
                };
                let sql = format!(
                    "SELECT t.guid, t.owner_id, t.group_id, t.program_guid, t.parameters, t.created_at, t.updated_at,
                            p.name AS program_name, p.disabled AS program_disabled
                     FROM affiliate_tokens t JOIN programs p ON p.program_guid = t.program_guid
                     WHERE t.owner_id = $1 AND {filter}
                     ORDER BY t.group_id, p.name, t.guid"
                );
                let mut query = sqlx::query(&sql).bind(owner_id);
                match scope {
                    TokenScope::User => {}
                    TokenScope::Group(id) => query = query.bind(i64::from(id)),
                    TokenScope::Groups(page) => {
                        query = query.bind(i64::from(page.take)).bind(i64::from(page.skip))
                    }
                }
                query
                    .fetch_all(&self.reader)
                    .await?
                    .iter()
                    .map(|row| {
                        Ok(TokenView {
                            record: token(row)?,
                            program_name: row.try_get("program_name")?,
                            program_disabled: row.try_get("program_disabled")?,
                        })
                    })
                    .collect()
            }

            async fn group_tokens(
                &self,
                owner_id: i64,
                group_id: u32,
            ) -> Result<Option<Vec<TokenView>>, StoreError> {
                // Per backend: the hottest read of the service.
                self.read_group_tokens(owner_id, group_id).await
            }

            async fn token(&self, guid: Uuid) -> Result<Option<TokenRecord>, StoreError> {
                let mut conn = self.reader.acquire().await?;
                token_in(&mut conn, guid, "").await
            }

            async fn insert_token(&self, record: &TokenRecord, actor: &Actor) -> Result<(), StoreError> {
                let (owned, actor) = (record.clone(), *actor);
                let written = self.write(move |tx| Box::pin(async move {
                    let record = &owned;
                    recheck_level(&mut *tx, record.level, record.owner_id).await?;
                    let existing =
                        existing_token_for(&mut *tx, record.owner_id, record.level, record.program_guid, "")
                            .await?;
                    if let Some(existing) = existing {
                        return Err(StoreError::Conflict { existing: existing.guid });
                    }
                    match insert_token_row(&mut *tx, record).await {
                        // A concurrent writer (another node) got there between our check and
                        // our insert: the unique index decides; the winner is named below.
                        Err(error) if is_unique_violation(&error) => {
                            return Err(StoreError::Conflict { existing: Uuid::nil() })
                        }
                        other => other?,
                    }
                    let entry = AuditEntry::token(
                        token_action("Post", record.level),
                        record,
                        None,
                        Some(&record.parameters),
                    );
                    audit(&mut *tx, &actor, entry).await?;
                    Ok(())
                })).await;
                match written {
                    Err(StoreError::Conflict { existing }) if existing.is_nil() => {
                        let mut conn = self.reader.acquire().await?;
                        let winner = existing_token_for(
                            &mut conn,
                            record.owner_id,
                            record.level,
                            record.program_guid,
                            "",
                        )
                        .await?;
                        Err(StoreError::Conflict { existing: winner.map_or(Uuid::nil(), |w| w.guid) })
                    }
                    other => other,
                }
            }

            async fn replace_parameters(
                &self,
                guid: Uuid,
                level: Level,
                parameters: &Parameters,
                actor: &Actor,
            ) -> Result<Option<TokenRecord>, StoreError> {
                let (parameters, actor) = (parameters.clone(), *actor);
                self.write(move |tx| Box::pin(async move {
                    let (parameters, actor) = (&parameters, &actor);
                    recheck_level(&mut *tx, level, actor.subject_id).await?;
                    let Some(before) = token_in(&mut *tx, guid, $store::LOCK_UPDATE)
                        .await?
                        .filter(|r| belongs(r, level, actor))
                    else {
                        return Ok(None);
                    };
                    if !update_parameters(&mut *tx, guid, parameters, actor.at).await? {
                        return Ok(None);
                    }
                    let entry = AuditEntry::token(
                        token_action("Put", level),
                        &before,
                        Some(&before.parameters),
                        Some(parameters),
                    );
                    audit(&mut *tx, actor, entry).await?;
                    Ok(Some(TokenRecord {
                        parameters: parameters.clone(),
                        updated_at: from_millis(millis(actor.at)),
                        ..before
                    }))
                })).await
            }

            async fn delete_token(&self, guid: Uuid, level: Level, actor: &Actor) -> Result<bool, StoreError> {
                let actor = *actor;
                self.write(move |tx| Box::pin(async move {
                    let actor = &actor;
                    recheck_level(&mut *tx, level, actor.subject_id).await?;
                    let Some(before) = token_in(&mut *tx, guid, $store::LOCK_UPDATE)
                        .await?
                        .filter(|r| belongs(r, level, actor))
                    else {
                        return Ok(false);
                    };
                    if !delete_token_row(&mut *tx, guid).await? {
                        return Ok(false);
                    }
                    let entry = AuditEntry::token(
                        token_action("Delete", level),
                        &before,
                        Some(&before.parameters),
                        None,
                    );
                    audit(&mut *tx, actor, entry).await?;
                    Ok(true)
                })).await
            }

            async fn save_token_set(
                &self,
                snapshot: &TokenSetSnapshot,
                actor: &Actor,
            ) -> Result<TokenSetSnapshot, StoreError> {
                let (snapshot, actor) = (snapshot.clone(), *actor);
                self.write(move |tx| Box::pin(async move {
                    let (snapshot, actor) = (&snapshot, &actor);
                    // Rows are locked in one order (by program) whatever order the request
                    // lists them in, so two token sets never wait for each other in a cycle.
                    let mut in_lock_order: Vec<&ProgramTokens> = snapshot.programs.iter().collect();
                    in_lock_order.sort_by_key(|p| p.program_guid);
                    for ProgramTokens { program_guid, affiliate_tokens } in in_lock_order {
                        // Insert or replace, settled by the unique index: a concurrent
                        // write that connects the program first is found and replaced on
                        // the next round; one that deletes it first makes the next round
                        // insert. Each round sees what committed before it (read committed).
                        let mut settled = None;
                        for _ in 0..TOKEN_SET_ROUNDS {
                            let existing = existing_token_for(
                                &mut *tx,
                                snapshot.owner_id,
                                Level::User,
                                *program_guid,
                                $store::LOCK_UPDATE,
                            )
                            .await?;
                            match existing {
                                Some(record) => {
                                    if update_parameters(&mut *tx, record.guid, affiliate_tokens, actor.at).await? {
                                        settled = Some((record.clone(), Some(record)));
                                        break;
                                    }
                                }
                                None => {
                                    let record = TokenRecord {
                                        guid: Uuid::new_v4(),
                                        owner_id: snapshot.owner_id,
                                        level: Level::User,
                                        program_guid: *program_guid,
                                        parameters: affiliate_tokens.clone(),
                                        created_at: actor.at,
                                        updated_at: actor.at,
                                    };
                                    if insert_user_token_if_absent(&mut *tx, &record).await? {
                                        settled = Some((record, None));
                                        break;
                                    }
                                }
                            }
                        }
                        let Some((record, existing)) = settled else {
                            return Err(StoreError::Conflict { existing: Uuid::nil() });
                        };
                        let before = existing.as_ref().map(|r| &r.parameters);
                        let entry = AuditEntry::token(
                            "PostAffiliateTokensSet",
                            &record,
                            before,
                            Some(affiliate_tokens),
                        );
                        audit(&mut *tx, actor, entry).await?;
                    }
                    let id: i64 = sqlx::query(
                        "INSERT INTO token_sets (set_guid, owner_id, programs, created_at, updated_at)
                         VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(snapshot.set_guid.to_string())
                    .bind(snapshot.owner_id)
                    .bind(to_json(&snapshot.programs))
                    .bind(millis(snapshot.created_at))
                    .bind(millis(snapshot.updated_at))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    Ok(TokenSetSnapshot {
                        id,
                        created_at: from_millis(millis(snapshot.created_at)),
                        updated_at: from_millis(millis(snapshot.updated_at)),
                        ..snapshot.clone()
                    })
                })).await
            }

            async fn token_set(&self, set_guid: Uuid) -> Result<Option<TokenSetSnapshot>, StoreError> {
                sqlx::query(
                    "SELECT s.id, s.set_guid, s.owner_id, u.username, s.programs, s.created_at, s.updated_at
                     FROM token_sets s JOIN users u ON u.id = s.owner_id WHERE s.set_guid = $1",
                )
                .bind(set_guid.to_string())
                .fetch_optional(&self.reader)
                .await?
                .map(|row| snapshot(&row))
                .transpose()
            }

            async fn history(&self, token_guid: Uuid, page: Page) -> Result<Paged<HistoryEntry>, StoreError> {
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
                .fetch_all(&self.reader)
                .await?
                .iter()
                .map(|row| {
                    let group_id: Option<i64> = row.try_get("group_id")?;
                    let changed_by: Option<String> = row.try_get("changed_by")?;
                    let subject: Option<String> = row.try_get("subject")?;
                    Ok(HistoryEntry {
                        at: from_millis(row.try_get("at")?),
                        changed_by: changed_by.unwrap_or_default(),
                        subject: subject.unwrap_or_default(),
                        action: row.try_get("action")?,
                        group_id: group_id.map(|id| id as u32),
                        program_guid: optional_guid(row, "program_guid")?,
                        before: optional_json(row, "before")?,
                        after: optional_json(row, "after")?,
                    })
                })
                .collect::<Result<_, StoreError>>()?;
                let total = match page.total_without_count(items.len()) {
                    Some(total) => total,
                    None => counted(
                        sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE token_guid = $1")
                            .bind(token_guid.to_string())
                            .fetch_one(&self.reader)
                            .await?
                            .try_get("n")?,
                    ),
                };
                Ok(Paged { items, total })
            }

            async fn export(&self) -> Result<Vec<DumpLine>, StoreError> {
                let mut conn = self.reader.acquire().await?;
                let mut lines = Vec::new();
                for row in sqlx::query(
                    "SELECT id, username, is_admin, key_hash, secret_hash, key_hint, created_at FROM users ORDER BY id",
                )
                .fetch_all(&mut *conn)
                .await?
                {
                    let key_hash: Option<Vec<u8>> = row.try_get("key_hash")?;
                    let secret_hash: Option<Vec<u8>> = row.try_get("secret_hash")?;
                    lines.push(DumpLine::User {
                        id: row.try_get("id")?,
                        username: row.try_get("username")?,
                        is_admin: row.try_get("is_admin")?,
                        key_hash: key_hash.as_deref().map(to_hex),
                        secret_hash: secret_hash.as_deref().map(to_hex),
                        key_hint: row.try_get("key_hint")?,
                        created_at: row.try_get("created_at")?,
                    });
                }
                for row in sqlx::query(
                    "SELECT program_guid, name, disabled, definition, updated_at FROM programs ORDER BY program_guid",
                )
                .fetch_all(&mut *conn)
                .await?
                {
                    lines.push(DumpLine::Program {
                        program_guid: row.try_get("program_guid")?,
                        name: row.try_get("name")?,
                        disabled: row.try_get("disabled")?,
                        definition: row.try_get("definition")?,
                        updated_at: row.try_get("updated_at")?,
                    });
                }
                for row in sqlx::query("SELECT id, owner_id, name, created_at FROM groups ORDER BY id")
                    .fetch_all(&mut *conn)
                    .await?
                {
                    lines.push(DumpLine::Group {
                        id: row.try_get("id")?,
                        owner_id: row.try_get("owner_id")?,
                        name: row.try_get("name")?,
                        created_at: row.try_get("created_at")?,
                    });
                }
                for row in sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM affiliate_tokens ORDER BY created_at, guid"))
                    .fetch_all(&mut *conn)
                    .await?
                {
                    lines.push(DumpLine::Token {
                        guid: row.try_get("guid")?,
                        owner_id: row.try_get("owner_id")?,
                        group_id: row.try_get("group_id")?,
                        program_guid: row.try_get("program_guid")?,
                        parameters: row.try_get("parameters")?,
                        created_at: row.try_get("created_at")?,
                        updated_at: row.try_get("updated_at")?,
                    });
                }
                for row in sqlx::query(
                    "SELECT id, set_guid, owner_id, programs, created_at, updated_at FROM token_sets ORDER BY id",
                )
                .fetch_all(&mut *conn)
                .await?
                {
                    lines.push(DumpLine::TokenSet {
                        id: row.try_get("id")?,
                        set_guid: row.try_get("set_guid")?,
                        owner_id: row.try_get("owner_id")?,
                        programs: row.try_get("programs")?,
                        created_at: row.try_get("created_at")?,
                        updated_at: row.try_get("updated_at")?,
                    });
                }
                for row in sqlx::query(
                    "SELECT id, at, caller_id, subject_id, action, token_guid, group_id, program_guid, before, after
                     FROM audit_log ORDER BY id",
                )
                .fetch_all(&mut *conn)
                .await?
                {
                    lines.push(DumpLine::Audit {
                        id: row.try_get("id")?,
                        at: row.try_get("at")?,
                        caller_id: row.try_get("caller_id")?,
                        subject_id: row.try_get("subject_id")?,
                        action: row.try_get("action")?,
                        token_guid: row.try_get("token_guid")?,
                        group_id: row.try_get("group_id")?,
                        program_guid: row.try_get("program_guid")?,
                        before: row.try_get("before")?,
                        after: row.try_get("after")?,
                    });
                }
                Ok(lines)
            }

            async fn import(&self, lines: &[DumpLine]) -> Result<usize, StoreError> {
                let lines = lines.to_vec();
                self.write(move |tx| Box::pin(async move {
                    let lines = &lines;
                    let users: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users")
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                    if users > 0 {
                        return Err(StoreError::Database(
                            "import needs an empty database (it already has users)".into(),
                        ));
                    }
                    // The catalog may be seeded already; the dump's copy wins.
                    sqlx::query("DELETE FROM programs").execute(&mut *tx).await?;
                    let bad_hex = || StoreError::Database("bad hex in a user's key hash".into());
                    for line in lines {
                        match line {
                            DumpLine::User { id, username, is_admin, key_hash, secret_hash, key_hint, created_at } => {
                                let key_hash = key_hash.as_deref().map(|h| from_hex(h).ok_or_else(bad_hex)).transpose()?;
                                let secret_hash = secret_hash.as_deref().map(|h| from_hex(h).ok_or_else(bad_hex)).transpose()?;
                                sqlx::query(
                                    "INSERT INTO users (id, username, is_admin, key_hash, secret_hash, key_hint, created_at)
                                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                                )
                                .bind(id).bind(username).bind(is_admin).bind(key_hash).bind(secret_hash)
                                .bind(key_hint).bind(created_at)
                                .execute(&mut *tx)
                                .await?;
                            }
                            DumpLine::Program { program_guid, name, disabled, definition, updated_at } => {
                                sqlx::query(
                                    "INSERT INTO programs (program_guid, name, disabled, definition, updated_at)
                                     VALUES ($1, $2, $3, $4, $5)",
                                )
                                .bind(program_guid).bind(name).bind(disabled).bind(definition).bind(updated_at)
                                .execute(&mut *tx)
                                .await?;
                            }
                            DumpLine::Group { id, owner_id, name, created_at } => {
                                sqlx::query("INSERT INTO groups (id, owner_id, name, created_at) VALUES ($1, $2, $3, $4)")
                                    .bind(id).bind(owner_id).bind(name).bind(created_at)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            DumpLine::Token { guid, owner_id, group_id, program_guid, parameters, created_at, updated_at } => {
                                sqlx::query(&format!(
                                    "INSERT INTO affiliate_tokens ({TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
                                ))
                                .bind(guid).bind(owner_id).bind(group_id).bind(program_guid).bind(parameters)
                                .bind(created_at).bind(updated_at)
                                .execute(&mut *tx)
                                .await?;
                            }
                            DumpLine::TokenSet { id, set_guid, owner_id, programs, created_at, updated_at } => {
                                sqlx::query(
                                    "INSERT INTO token_sets (id, set_guid, owner_id, programs, created_at, updated_at)
                                     VALUES ($1, $2, $3, $4, $5, $6)",
                                )
                                .bind(id).bind(set_guid).bind(owner_id).bind(programs).bind(created_at).bind(updated_at)
                                .execute(&mut *tx)
                                .await?;
                            }
                            DumpLine::Audit { id, at, caller_id, subject_id, action, token_guid, group_id, program_guid, before, after } => {
                                sqlx::query(
                                    "INSERT INTO audit_log (id, at, caller_id, subject_id, action, token_guid, group_id, program_guid, before, after)
                                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                                )
                                .bind(id).bind(at).bind(caller_id).bind(subject_id).bind(action).bind(token_guid)
                                .bind(group_id).bind(program_guid).bind(before).bind(after)
                                .execute(&mut *tx)
                                .await?;
                            }
                        }
                    }
                    after_import(&mut *tx).await?;
                    Ok(lines.len())
                }))
                .await
                .map_err(|e| match e {
                    StoreError::Conflict { .. } => {
                        StoreError::Database("the dump holds a row twice (a unique rule refused it)".into())
                    }
                    StoreError::Vanished(_) => {
                        StoreError::Database("the dump refers to a row it does not hold".into())
                    }
                    e => e,
                })
            }
        }
    };
}

pub(super) use sql_store;

#[cfg(test)]
mod tests {
    use super::unpack_group_tokens;

    #[test]
    fn packed_overrides_come_back_ordered_by_program_name() {
        let packed = r#"[
            ["00000000-0000-4000-8000-000000000002","3f1b6a52-6d0e-4c77-9a3e-5a1f0e3c2b01","{\"tag\":\"b-20\"}",1,2,"Zeta",0],
            ["00000000-0000-4000-8000-000000000001","9b2c1f0e-4a3d-4e5f-8a7b-6c5d4e3f2a10","{\"at\":\"abcd\"}",3,4,"Alpha",true]
        ]"#;
        let views = unpack_group_tokens(packed, 7, 9).unwrap();
        let names: Vec<&str> = views.iter().map(|v| v.program_name.as_str()).collect();
        assert_eq!(names, ["Alpha", "Zeta"]);
        assert!(views[0].program_disabled && !views[1].program_disabled);
        assert_eq!(views[1].record.parameters["tag"], "b-20");
        assert_eq!(views[0].record.owner_id, 7);
        assert!(unpack_group_tokens("[[1]]", 7, 9).is_err());
    }
}
