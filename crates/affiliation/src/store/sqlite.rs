//! The embedded default: one SQLite file in WAL mode.
//!
//! Writes go through a pool of one connection, so transactions never meet a busy
//! lock; reads use their own pool and see committed data only. `synchronous=FULL`
//! makes each commit durable before its answer is sent.

use super::{Store, TokenScope};
use crate::credentials::StoredKeys;
use crate::error::StoreError;
use crate::model::{
    Account, Actor, Group, Level, Parameters, Program, ProgramTokens, TokenRecord,
    TokenSetSnapshot, TokenView, User,
};
use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqliteConnection, SqlitePool};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;
use uuid::Uuid;

pub struct SqliteStore {
    reader: SqlitePool,
    writer: SqlitePool,
}

impl SqliteStore {
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
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await?;
        Ok(SqliteStore { reader, writer })
    }
}

fn millis(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn guid(row: &SqliteRow, column: &str) -> Result<Uuid, StoreError> {
    let text: String = row.try_get(column)?;
    Uuid::parse_str(&text).map_err(|e| StoreError::Database(format!("bad guid in {column}: {e}")))
}

fn json<T: serde::de::DeserializeOwned>(row: &SqliteRow, column: &str) -> Result<T, StoreError> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text)
        .map_err(|e| StoreError::Database(format!("bad json in {column}: {e}")))
}

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn account(row: &SqliteRow) -> Result<Account, StoreError> {
    Ok(Account {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        is_admin: row.try_get("is_admin")?,
    })
}

fn group(row: &SqliteRow) -> Result<Group, StoreError> {
    Ok(Group {
        id: row.try_get::<i64, _>("id")? as u32,
        owner_id: row.try_get("owner_id")?,
        name: row.try_get("name")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

fn token(row: &SqliteRow) -> Result<TokenRecord, StoreError> {
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

fn snapshot(row: &SqliteRow) -> Result<TokenSetSnapshot, StoreError> {
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

const TOKEN_COLUMNS: &str =
    "guid, owner_id, group_id, program_guid, parameters, created_at, updated_at";

/// One audit entry, written in the same transaction as the change it records.
struct AuditEntry<'a> {
    action: &'static str,
    token_guid: Option<Uuid>,
    group_id: Option<u32>,
    program_guid: Option<Uuid>,
    before: Option<&'a Parameters>,
    after: Option<&'a Parameters>,
}

async fn audit(
    conn: &mut SqliteConnection,
    actor: &Actor,
    entry: AuditEntry<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, caller_id, subject_id, action, token_guid, group_id, program_guid, before, after)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

async fn token_in(
    conn: &mut SqliteConnection,
    guid: Uuid,
) -> Result<Option<TokenRecord>, StoreError> {
    sqlx::query(&format!(
        "SELECT {TOKEN_COLUMNS} FROM affiliate_tokens WHERE guid = ?"
    ))
    .bind(guid.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .map(|row| token(&row))
    .transpose()
}

async fn existing_token_for(
    conn: &mut SqliteConnection,
    owner_id: i64,
    level: Level,
    program_guid: Uuid,
) -> Result<Option<TokenRecord>, StoreError> {
    let (filter, owner_or_group) = match level {
        Level::User => ("owner_id = ? AND group_id IS NULL", owner_id),
        Level::Group(id) => ("group_id = ?", i64::from(id)),
    };
    let sql =
        format!("SELECT {TOKEN_COLUMNS} FROM affiliate_tokens WHERE {filter} AND program_guid = ?");
    let row = sqlx::query(&sql)
        .bind(owner_or_group)
        .bind(program_guid.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| token(&row)).transpose()
}

/// True when the token is the subject's and at the expected level.
fn belongs(record: &TokenRecord, level: Level, actor: &Actor) -> bool {
    record.owner_id == actor.subject_id && record.level == level
}

#[async_trait]
impl Store for SqliteStore {
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
        let result = sqlx::query(
            "INSERT INTO users (username, is_admin, key_hash, secret_hash, key_hint, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(username)
        .bind(is_admin)
        .bind(&keys.key_hash)
        .bind(&keys.secret_hash)
        .bind(&keys.key_hint)
        .bind(millis(at))
        .execute(&self.writer)
        .await;
        let id = match result {
            Ok(done) => done.last_insert_rowid(),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(StoreError::DuplicateUsername)
            }
            Err(e) => return Err(e.into()),
        };
        Ok(User {
            account: Account {
                id,
                username: username.to_string(),
                is_admin,
            },
            created_at: from_millis(millis(at)),
            has_key: true,
            key_hint: Some(keys.key_hint.clone()),
        })
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        sqlx::query("SELECT id, username, is_admin, key_hash IS NOT NULL AS has_key, key_hint, created_at FROM users ORDER BY username")
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
        sqlx::query("SELECT id, username, is_admin FROM users WHERE username = ?")
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
        sqlx::query("SELECT id, username, is_admin, secret_hash FROM users WHERE key_hash = ?")
            .bind(key_hash)
            .fetch_optional(&self.reader)
            .await?
            .map(|row| Ok((account(&row)?, row.try_get("secret_hash")?)))
            .transpose()
    }

    async fn set_keys(
        &self,
        username: &str,
        keys: Option<&StoredKeys>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET key_hash = ?, secret_hash = ?, key_hint = ? WHERE username = ?",
        )
        .bind(keys.map(|k| k.key_hash.clone()))
        .bind(keys.map(|k| k.secret_hash.clone()))
        .bind(keys.map(|k| k.key_hint.clone()))
        .bind(username)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_missing_programs(
        &self,
        programs: &[Program],
        at: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let mut tx = self.writer.begin().await?;
        let mut added = 0;
        for program in programs {
            let done = sqlx::query(
                "INSERT INTO programs (program_guid, name, disabled, definition, updated_at) VALUES (?, ?, ?, ?, ?)
                 ON CONFLICT (program_guid) DO NOTHING",
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
        tx.commit().await?;
        Ok(added)
    }

    async fn programs(&self) -> Result<Vec<Program>, StoreError> {
        sqlx::query("SELECT definition FROM programs ORDER BY name")
            .fetch_all(&self.reader)
            .await?
            .iter()
            .map(|row| json(row, "definition"))
            .collect()
    }

    async fn program(&self, guid: Uuid) -> Result<Option<Program>, StoreError> {
        sqlx::query("SELECT definition FROM programs WHERE program_guid = ?")
            .bind(guid.to_string())
            .fetch_optional(&self.reader)
            .await?
            .map(|row| json(&row, "definition"))
            .transpose()
    }

    async fn create_group(&self, name: &str, actor: &Actor) -> Result<Group, StoreError> {
        let mut tx = self.writer.begin().await?;
        let id = sqlx::query("INSERT INTO groups (owner_id, name, created_at) VALUES (?, ?, ?)")
            .bind(actor.subject_id)
            .bind(name)
            .bind(millis(actor.at))
            .execute(&mut *tx)
            .await?
            .last_insert_rowid();
        let id =
            u32::try_from(id).map_err(|_| StoreError::Database("group ids exhausted".into()))?;
        audit(
            &mut tx,
            actor,
            AuditEntry {
                action: "CreateGroup",
                token_guid: None,
                group_id: Some(id),
                program_guid: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Group {
            id,
            owner_id: actor.subject_id,
            name: name.to_string(),
            created_at: from_millis(millis(actor.at)),
        })
    }

    async fn groups(&self, owner_id: i64) -> Result<Vec<Group>, StoreError> {
        sqlx::query(
            "SELECT id, owner_id, name, created_at FROM groups WHERE owner_id = ? ORDER BY id",
        )
        .bind(owner_id)
        .fetch_all(&self.reader)
        .await?
        .iter()
        .map(group)
        .collect()
    }

    async fn group(&self, id: u32) -> Result<Option<Group>, StoreError> {
        sqlx::query("SELECT id, owner_id, name, created_at FROM groups WHERE id = ?")
            .bind(i64::from(id))
            .fetch_optional(&self.reader)
            .await?
            .map(|row| group(&row))
            .transpose()
    }

    async fn delete_group(&self, id: u32, actor: &Actor) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let overrides: Vec<TokenRecord> = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM affiliate_tokens WHERE group_id = ? AND owner_id = ?"
        ))
        .bind(i64::from(id))
        .bind(actor.subject_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(token)
        .collect::<Result<_, _>>()?;
        for record in &overrides {
            sqlx::query("DELETE FROM affiliate_tokens WHERE guid = ?")
                .bind(record.guid.to_string())
                .execute(&mut *tx)
                .await?;
            audit(
                &mut tx,
                actor,
                AuditEntry {
                    action: "DeleteGroupAffiliateTokens",
                    token_guid: Some(record.guid),
                    group_id: Some(id),
                    program_guid: Some(record.program_guid),
                    before: Some(&record.parameters),
                    after: None,
                },
            )
            .await?;
        }
        let deleted = sqlx::query("DELETE FROM groups WHERE id = ? AND owner_id = ?")
            .bind(i64::from(id))
            .bind(actor.subject_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if !deleted {
            return Ok(false);
        }
        audit(
            &mut tx,
            actor,
            AuditEntry {
                action: "DeleteGroup",
                token_guid: None,
                group_id: Some(id),
                program_guid: None,
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn tokens(&self, owner_id: i64, scope: TokenScope) -> Result<Vec<TokenView>, StoreError> {
        let filter = match scope {
            TokenScope::User => "t.group_id IS NULL",
            TokenScope::Group(_) => "t.group_id = ?",
            TokenScope::AllGroups => "t.group_id IS NOT NULL",
        };
        let sql = format!(
            "SELECT t.guid, t.owner_id, t.group_id, t.program_guid, t.parameters, t.created_at, t.updated_at,
                    p.name AS program_name, p.disabled AS program_disabled
             FROM affiliate_tokens t JOIN programs p ON p.program_guid = t.program_guid
             WHERE t.owner_id = ? AND {filter}
             ORDER BY t.group_id, p.name"
        );
        let mut query = sqlx::query(&sql).bind(owner_id);
        if let TokenScope::Group(id) = scope {
            query = query.bind(i64::from(id));
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

    async fn token(&self, guid: Uuid) -> Result<Option<TokenRecord>, StoreError> {
        let mut conn = self.reader.acquire().await?;
        token_in(&mut conn, guid).await
    }

    async fn insert_token(&self, record: &TokenRecord, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        if let Some(existing) =
            existing_token_for(&mut tx, record.owner_id, record.level, record.program_guid).await?
        {
            return Err(StoreError::Conflict {
                existing: existing.guid,
            });
        }
        sqlx::query(&format!(
            "INSERT INTO affiliate_tokens ({TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(record.guid.to_string())
        .bind(record.owner_id)
        .bind(record.level.group_id().map(i64::from))
        .bind(record.program_guid.to_string())
        .bind(to_json(&record.parameters))
        .bind(millis(record.created_at))
        .bind(millis(record.updated_at))
        .execute(&mut *tx)
        .await?;
        let action = match record.level {
            Level::User => "PostUserAffiliateTokens",
            Level::Group(_) => "PostGroupAffiliateTokens",
        };
        audit(
            &mut tx,
            actor,
            AuditEntry {
                action,
                token_guid: Some(record.guid),
                group_id: record.level.group_id(),
                program_guid: Some(record.program_guid),
                before: None,
                after: Some(&record.parameters),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn replace_parameters(
        &self,
        guid: Uuid,
        level: Level,
        parameters: &Parameters,
        actor: &Actor,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let Some(before) = token_in(&mut tx, guid)
            .await?
            .filter(|r| belongs(r, level, actor))
        else {
            return Ok(None);
        };
        sqlx::query("UPDATE affiliate_tokens SET parameters = ?, updated_at = ? WHERE guid = ?")
            .bind(to_json(parameters))
            .bind(millis(actor.at))
            .bind(guid.to_string())
            .execute(&mut *tx)
            .await?;
        let action = match level {
            Level::User => "PutUserAffiliateTokens",
            Level::Group(_) => "PutGroupAffiliateTokens",
        };
        audit(
            &mut tx,
            actor,
            AuditEntry {
                action,
                token_guid: Some(guid),
                group_id: level.group_id(),
                program_guid: Some(before.program_guid),
                before: Some(&before.parameters),
                after: Some(parameters),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some(TokenRecord {
            parameters: parameters.clone(),
            updated_at: from_millis(millis(actor.at)),
            ..before
        }))
    }

    async fn delete_token(
        &self,
        guid: Uuid,
        level: Level,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let Some(before) = token_in(&mut tx, guid)
            .await?
            .filter(|r| belongs(r, level, actor))
        else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM affiliate_tokens WHERE guid = ?")
            .bind(guid.to_string())
            .execute(&mut *tx)
            .await?;
        let action = match level {
            Level::User => "DeleteUserAffiliateTokens",
            Level::Group(_) => "DeleteGroupAffiliateTokens",
        };
        audit(
            &mut tx,
            actor,
            AuditEntry {
                action,
                token_guid: Some(guid),
                group_id: level.group_id(),
                program_guid: Some(before.program_guid),
                before: Some(&before.parameters),
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn save_token_set(
        &self,
        snapshot: &TokenSetSnapshot,
        actor: &Actor,
    ) -> Result<TokenSetSnapshot, StoreError> {
        let mut tx = self.writer.begin().await?;
        for ProgramTokens {
            program_guid,
            affiliate_tokens,
        } in &snapshot.programs
        {
            let existing =
                existing_token_for(&mut tx, snapshot.owner_id, Level::User, *program_guid).await?;
            let (guid, before) = match &existing {
                Some(record) => {
                    sqlx::query(
                        "UPDATE affiliate_tokens SET parameters = ?, updated_at = ? WHERE guid = ?",
                    )
                    .bind(to_json(affiliate_tokens))
                    .bind(millis(actor.at))
                    .bind(record.guid.to_string())
                    .execute(&mut *tx)
                    .await?;
                    (record.guid, Some(&record.parameters))
                }
                None => {
                    let guid = Uuid::new_v4();
                    sqlx::query(&format!("INSERT INTO affiliate_tokens ({TOKEN_COLUMNS}) VALUES (?, ?, NULL, ?, ?, ?, ?)"))
                        .bind(guid.to_string())
                        .bind(snapshot.owner_id)
                        .bind(program_guid.to_string())
                        .bind(to_json(affiliate_tokens))
                        .bind(millis(actor.at))
                        .bind(millis(actor.at))
                        .execute(&mut *tx)
                        .await?;
                    (guid, None)
                }
            };
            audit(
                &mut tx,
                actor,
                AuditEntry {
                    action: "PostAffiliateTokensSet",
                    token_guid: Some(guid),
                    group_id: None,
                    program_guid: Some(*program_guid),
                    before,
                    after: Some(affiliate_tokens),
                },
            )
            .await?;
        }
        let id = sqlx::query(
            "INSERT INTO token_sets (set_guid, owner_id, programs, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(snapshot.set_guid.to_string())
        .bind(snapshot.owner_id)
        .bind(to_json(&snapshot.programs))
        .bind(millis(snapshot.created_at))
        .bind(millis(snapshot.updated_at))
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();
        tx.commit().await?;
        Ok(TokenSetSnapshot {
            id,
            created_at: from_millis(millis(snapshot.created_at)),
            updated_at: from_millis(millis(snapshot.updated_at)),
            ..snapshot.clone()
        })
    }

    async fn token_set(&self, set_guid: Uuid) -> Result<Option<TokenSetSnapshot>, StoreError> {
        sqlx::query(
            "SELECT s.id, s.set_guid, s.owner_id, u.username, s.programs, s.created_at, s.updated_at
             FROM token_sets s JOIN users u ON u.id = s.owner_id WHERE s.set_guid = ?",
        )
        .bind(set_guid.to_string())
        .fetch_optional(&self.reader)
        .await?
        .map(|row| snapshot(&row))
        .transpose()
    }
}
