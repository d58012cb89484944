//! The [`Store`], written once over any [`Backend`]: which statements
//! (`statements.rs`) each operation runs, in which transaction, with which audit
//! entry. What differs per backend (how a write transaction runs, row locks, the
//! packed group-tokens read, the in-place hot reads, after an import) is the
//! backend's, in `sqlite.rs` and `postgres.rs`.

use super::backend::{Backend, Conn};
use super::dump::DumpLine;
use super::statements::Statements;
use super::{Store, TokenScope};
use crate::changes::{Change, ChangeFeed};
use crate::credentials::StoredKeys;
use crate::error::{StoreError, Vanished};
use crate::model::{
    Account, Actor, AuditAction, Group, HistoryEntry, Level, Parameters, Program, ProgramTokens,
    TokenRecord, TokenSetSnapshot, TokenView, User,
};
use crate::paging::{Page, Paged};
use async_trait::async_trait;
use futures::future::BoxFuture;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

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

/// The same text serves sqlx and the in-place SQLite read.
pub(super) const ACCOUNT_BY_KEY_SQL: &str =
    "SELECT id, username, is_admin, secret_hash FROM users WHERE key_hash = $1";

/// How often a token-set write reads a program's record again after a concurrent
/// write moved it (each round follows a commit of another writer, so a few suffice).
const TOKEN_SET_ROUNDS: usize = 8;

/// One audit entry, written in the same transaction as the change it records.
pub struct AuditEntry<'a> {
    pub action: AuditAction,
    pub token_guid: Option<Uuid>,
    pub group_id: Option<u32>,
    pub program_guid: Option<Uuid>,
    pub before: Option<&'a Parameters>,
    pub after: Option<&'a Parameters>,
}

impl<'a> AuditEntry<'a> {
    fn group(action: AuditAction, group_id: u32) -> Self {
        AuditEntry {
            action,
            token_guid: None,
            group_id: Some(group_id),
            program_guid: None,
            before: None,
            after: None,
        }
    }

    fn program(action: AuditAction, program_guid: Uuid) -> Self {
        AuditEntry {
            action,
            token_guid: None,
            group_id: None,
            program_guid: Some(program_guid),
            before: None,
            after: None,
        }
    }

    fn token(
        action: AuditAction,
        record: &TokenRecord,
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

/// The hot write: a record's parameters replaced (`Store::replace_parameters`). Inside
/// its transaction: the record re-read (and its group re-checked), then the update and
/// its audit entry.
pub struct Replacement {
    pub guid: Uuid,
    pub level: Level,
    pub parameters: Parameters,
    pub actor: Actor,
}

impl Replacement {
    /// Whether `record`, read inside the transaction, is still the one to replace.
    pub fn applies_to(&self, record: &TokenRecord) -> bool {
        record.owner_id == self.actor.subject_id && record.level == self.level
    }

    pub fn audit_entry<'a>(&'a self, before: &'a TokenRecord) -> AuditEntry<'a> {
        let action = AuditAction::tokens_replaced(self.level);
        AuditEntry::token(
            action,
            before,
            Some(&before.parameters),
            Some(&self.parameters),
        )
    }

    /// The record as the write left it.
    pub fn replaced(self, before: TokenRecord) -> TokenRecord {
        TokenRecord {
            parameters: self.parameters,
            updated_at: from_millis(millis(self.actor.at)),
            ..before
        }
    }
}

/// The [`Store`] over one backend: reads go to its reader pool (or in place), writes
/// through its [`Backend::write`], one transaction each.
pub struct SqlStore<B> {
    backend: B,
    feed: Arc<ChangeFeed>,
}

impl<B: Backend> SqlStore<B> {
    pub(super) fn new(backend: B, feed: Arc<ChangeFeed>) -> SqlStore<B> {
        SqlStore { backend, feed }
    }

    /// Runs `job` in a write transaction that announces `change` to other nodes, and
    /// publishes it on this node once the transaction is over, before the caller is
    /// answered (committed or not: forgetting too much is harmless).
    async fn write<T: Send + 'static>(
        &self,
        change: Option<Change>,
        job: impl for<'c> FnOnce(&'c mut Conn<B>) -> BoxFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    ) -> Result<T, StoreError> {
        let result = self.backend.write(change, job).await;
        if let Some(change) = change {
            self.feed.publish(change);
        }
        result
    }

    /// A connection of the reader pool.
    async fn read(&self) -> Result<sqlx::pool::PoolConnection<B::Db>, StoreError> {
        Ok(self.backend.reader().acquire().await?)
    }
}

/// What a write of a record at `level` changes.
fn change_of(level: Level, owner_id: i64) -> Change {
    match level {
        Level::User => Change::UserTokens(owner_id),
        Level::Group(id) => Change::Group(id),
    }
}

/// Inside a write at `level`: a group-level write needs its group, still the
/// subject's. Checked in the transaction, so a group deleted since the service's
/// first check is a 404, not a foreign-key failure.
async fn recheck_level<B: Backend>(
    conn: &mut Conn<B>,
    level: Level,
    owner_id: i64,
) -> Result<(), StoreError> {
    if let Level::Group(id) = level {
        if !conn.owned_group(id, owner_id, B::LOCK_SHARE).await? {
            return Err(StoreError::Vanished(Vanished::Group(id)));
        }
    }
    Ok(())
}

/// Inside a write: the record `guid` if it is still the subject's at `level`, locked
/// for the change.
async fn owned_token_in<B: Backend>(
    conn: &mut Conn<B>,
    guid: Uuid,
    level: Level,
    actor: &Actor,
) -> Result<Option<TokenRecord>, StoreError> {
    recheck_level::<B>(conn, level, actor.subject_id).await?;
    let record = conn.token(guid, B::LOCK_UPDATE).await?;
    Ok(record.filter(|r| r.owner_id == actor.subject_id && r.level == level))
}

/// One program of a token set: inserts or replaces the owner's user-level record,
/// settled by the unique index. A concurrent write that connects the program first
/// is found and replaced on the next round; one that deletes it first makes the next
/// round insert. Each round sees what committed before it (read committed). Answers
/// the record and, when it replaced one, the one it replaced.
async fn settle_set_program<B: Backend>(
    conn: &mut Conn<B>,
    owner_id: i64,
    program: &ProgramTokens,
    at: OffsetDateTime,
) -> Result<(TokenRecord, Option<TokenRecord>), StoreError> {
    let (program_guid, parameters) = (program.program_guid, &program.affiliate_tokens);
    for _ in 0..TOKEN_SET_ROUNDS {
        let existing = conn
            .token_for(owner_id, Level::User, program_guid, B::LOCK_UPDATE)
            .await?;
        if let Some(record) = existing {
            if conn.update_parameters(record.guid, parameters, at).await? {
                return Ok((record.clone(), Some(record)));
            }
            continue;
        }
        let record = TokenRecord {
            guid: Uuid::new_v4(),
            owner_id,
            level: Level::User,
            program_guid,
            parameters: parameters.clone(),
            created_at: at,
            updated_at: at,
        };
        if conn.insert_user_token_if_absent(&record).await? {
            return Ok((record, None));
        }
    }
    Err(StoreError::Conflict {
        existing: Uuid::nil(),
    })
}

#[async_trait]
impl<B: Backend> Store for SqlStore<B> {
    fn backend(&self) -> &'static str {
        B::NAME
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.read().await?.ping().await
    }

    fn changes(&self) -> &Arc<ChangeFeed> {
        &self.feed
    }

    async fn create_user(
        &self,
        username: &str,
        is_admin: bool,
        keys: &StoredKeys,
        at: OffsetDateTime,
    ) -> Result<User, StoreError> {
        let (name, stored) = (username.to_string(), keys.clone());
        let id = self
            .write(None, move |tx| {
                Box::pin(async move { tx.insert_user(&name, is_admin, &stored, at).await })
            })
            .await?;
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
        self.read().await?.users().await
    }

    async fn account_by_name(&self, username: &str) -> Result<Option<Account>, StoreError> {
        self.read().await?.account_by_name(username).await
    }

    /// Every request whose key is not in the key cache asks this: in place where the
    /// backend can.
    async fn account_by_key(
        &self,
        key_hash: &[u8],
    ) -> Result<Option<(Account, Vec<u8>)>, StoreError> {
        match self.backend.in_place() {
            Some(in_place) => in_place.account_by_key(key_hash),
            None => self.read().await?.account_by_key(key_hash).await,
        }
    }

    async fn set_keys(
        &self,
        username: &str,
        keys: Option<&StoredKeys>,
    ) -> Result<bool, StoreError> {
        let (name, stored) = (username.to_string(), keys.cloned());
        self.write(Some(Change::Keys), move |tx| {
            Box::pin(async move { tx.set_keys(&name, stored.as_ref()).await })
        })
        .await
    }

    async fn add_missing_programs(
        &self,
        programs: &[Program],
        at: OffsetDateTime,
    ) -> Result<usize, StoreError> {
        let programs = programs.to_vec();
        self.write(Some(Change::Catalog), move |tx| {
            Box::pin(async move {
                let mut added = 0;
                for program in &programs {
                    added += usize::from(tx.insert_program_if_absent(program, at).await?);
                }
                Ok(added)
            })
        })
        .await
    }

    async fn save_program(&self, program: &Program, actor: &Actor) -> Result<bool, StoreError> {
        let (program, actor) = (program.clone(), *actor);
        self.write(Some(Change::Catalog), move |tx| {
            Box::pin(async move {
                let added = tx.upsert_program(&program, actor.at).await?;
                let action = match added {
                    true => AuditAction::ProgramAdded,
                    false => AuditAction::ProgramUpdated,
                };
                let entry = AuditEntry::program(action, program.program_guid);
                tx.insert_audit(&actor, entry).await?;
                Ok(added)
            })
        })
        .await
    }

    async fn programs(&self) -> Result<Vec<Program>, StoreError> {
        self.read().await?.programs().await
    }

    async fn create_group(&self, name: &str, actor: &Actor) -> Result<Group, StoreError> {
        let (name, actor) = (name.to_string(), *actor);
        self.write(None, move |tx| {
            Box::pin(async move {
                let id = tx.insert_group(actor.subject_id, &name, actor.at).await?;
                let entry = AuditEntry::group(AuditAction::GroupCreated, id);
                tx.insert_audit(&actor, entry).await?;
                Ok(Group {
                    id,
                    owner_id: actor.subject_id,
                    name,
                    created_at: from_millis(millis(actor.at)),
                })
            })
        })
        .await
    }

    async fn groups(&self, owner_id: i64, page: Page) -> Result<Paged<Group>, StoreError> {
        self.read().await?.groups(owner_id, page).await
    }

    /// Every group-level request asks this first: in place where the backend can.
    async fn group(&self, id: u32) -> Result<Option<Group>, StoreError> {
        match self.backend.in_place() {
            Some(in_place) => in_place.group(id),
            None => self.read().await?.group(id).await,
        }
    }

    async fn delete_group(&self, id: u32, actor: &Actor) -> Result<bool, StoreError> {
        let actor = *actor;
        self.write(Some(Change::Group(id)), move |tx| {
            Box::pin(async move {
                // Locked first (PostgreSQL): writes into the group wait for this delete
                // and then find the group gone, so none slips in after the overrides
                // are read. Every override goes, whoever wrote it: no orphan can stay.
                if !tx.owned_group(id, actor.subject_id, B::LOCK_UPDATE).await? {
                    return Ok(false);
                }
                for record in &tx.group_overrides(id).await? {
                    if !tx.delete_token(record.guid).await? {
                        continue;
                    }
                    let action = AuditAction::tokens_deleted(record.level);
                    let before = Some(&record.parameters);
                    let entry = AuditEntry::token(action, record, before, None);
                    tx.insert_audit(&actor, entry).await?;
                }
                if !tx.delete_group_row(id, actor.subject_id).await? {
                    return Ok(false);
                }
                let entry = AuditEntry::group(AuditAction::GroupDeleted, id);
                tx.insert_audit(&actor, entry).await?;
                Ok(true)
            })
        })
        .await
    }

    async fn tokens(&self, owner_id: i64, scope: TokenScope) -> Result<Vec<TokenView>, StoreError> {
        self.read().await?.tokens(owner_id, scope).await
    }

    /// The hottest read of the service: in place where the backend can, and packed
    /// into one row (see `unpack_group_tokens`).
    async fn group_tokens(
        &self,
        owner_id: i64,
        group_id: u32,
    ) -> Result<Option<Vec<TokenView>>, StoreError> {
        let sql = B::GROUP_TOKENS_SQL;
        let packed = match self.backend.in_place() {
            Some(in_place) => in_place.group_tokens(sql, owner_id, group_id)?,
            None => {
                let mut conn = self.read().await?;
                conn.packed_group_tokens(sql, owner_id, group_id).await?
            }
        };
        packed
            .map(|packed| unpack_group_tokens(&packed, owner_id, group_id))
            .transpose()
    }

    /// Every write of one record reads it first: in place where the backend can.
    async fn token(&self, guid: Uuid) -> Result<Option<TokenRecord>, StoreError> {
        match self.backend.in_place() {
            Some(in_place) => in_place.token(guid),
            None => self.read().await?.token(guid, "").await,
        }
    }

    async fn insert_token(&self, record: &TokenRecord, actor: &Actor) -> Result<(), StoreError> {
        let (owned, actor) = (record.clone(), *actor);
        let written = self
            .write(Some(change_of(record.level, record.owner_id)), move |tx| {
                Box::pin(async move {
                    let record = &owned;
                    let (owner_id, level) = (record.owner_id, record.level);
                    recheck_level::<B>(tx, level, owner_id).await?;
                    let existing = tx
                        .token_for(owner_id, level, record.program_guid, "")
                        .await?;
                    if let Some(existing) = existing {
                        return Err(StoreError::Conflict {
                            existing: existing.guid,
                        });
                    }
                    // A concurrent writer (another node) may get there between our check
                    // and our insert: the unique index decides (a `Conflict` naming
                    // nobody); the winner is named below.
                    tx.insert_token(record).await?;
                    let action = AuditAction::tokens_created(level);
                    let entry = AuditEntry::token(action, record, None, Some(&record.parameters));
                    tx.insert_audit(&actor, entry).await?;
                    Ok(())
                })
            })
            .await;
        match written {
            Err(StoreError::Conflict { existing }) if existing.is_nil() => {
                let mut conn = self.read().await?;
                let winner = conn
                    .token_for(record.owner_id, record.level, record.program_guid, "")
                    .await?;
                Err(StoreError::Conflict {
                    existing: winner.map_or(Uuid::nil(), |w| w.guid),
                })
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
        let write = Replacement {
            guid,
            level,
            parameters: parameters.clone(),
            actor: *actor,
        };
        self.write(Some(change_of(level, actor.subject_id)), move |tx| {
            if B::REPLACES_IN_PLACE {
                return B::replace_in_place(tx, write);
            }
            Box::pin(async move {
                let Some(before) = owned_token_in::<B>(tx, guid, level, &write.actor).await? else {
                    return Ok(None);
                };
                if !tx
                    .update_parameters(guid, &write.parameters, write.actor.at)
                    .await?
                {
                    return Ok(None);
                }
                tx.insert_audit(&write.actor, write.audit_entry(&before))
                    .await?;
                Ok(Some(write.replaced(before)))
            })
        })
        .await
    }

    async fn delete_token(
        &self,
        guid: Uuid,
        level: Level,
        actor: &Actor,
    ) -> Result<bool, StoreError> {
        let actor = *actor;
        self.write(Some(change_of(level, actor.subject_id)), move |tx| {
            Box::pin(async move {
                let Some(before) = owned_token_in::<B>(tx, guid, level, &actor).await? else {
                    return Ok(false);
                };
                if !tx.delete_token(guid).await? {
                    return Ok(false);
                }
                let action = AuditAction::tokens_deleted(level);
                let entry = AuditEntry::token(action, &before, Some(&before.parameters), None);
                tx.insert_audit(&actor, entry).await?;
                Ok(true)
            })
        })
        .await
    }

    async fn save_token_set(
        &self,
        snapshot: &TokenSetSnapshot,
        actor: &Actor,
    ) -> Result<TokenSetSnapshot, StoreError> {
        let (snapshot, actor) = (snapshot.clone(), *actor);
        self.write(Some(Change::UserTokens(snapshot.owner_id)), move |tx| {
            Box::pin(async move {
                // Rows are locked in one order (by program) whatever order the request
                // lists them in, so two token sets never wait for each other in a cycle.
                let mut in_lock_order: Vec<&ProgramTokens> = snapshot.programs.iter().collect();
                in_lock_order.sort_by_key(|p| p.program_guid);
                for program in in_lock_order {
                    let (record, replaced) =
                        settle_set_program::<B>(tx, snapshot.owner_id, program, actor.at).await?;
                    let before = replaced.as_ref().map(|r| &r.parameters);
                    let after = Some(&program.affiliate_tokens);
                    let action = AuditAction::TokenSetSaved;
                    let entry = AuditEntry::token(action, &record, before, after);
                    tx.insert_audit(&actor, entry).await?;
                }
                let id = tx.insert_token_set(&snapshot).await?;
                Ok(TokenSetSnapshot {
                    id,
                    created_at: from_millis(millis(snapshot.created_at)),
                    updated_at: from_millis(millis(snapshot.updated_at)),
                    ..snapshot
                })
            })
        })
        .await
    }

    async fn token_set(&self, set_guid: Uuid) -> Result<Option<TokenSetSnapshot>, StoreError> {
        self.read().await?.token_set(set_guid).await
    }

    async fn history(
        &self,
        token_guid: Uuid,
        page: Page,
    ) -> Result<Paged<HistoryEntry>, StoreError> {
        self.read().await?.history(token_guid, page).await
    }

    async fn export(&self) -> Result<Vec<DumpLine>, StoreError> {
        self.read().await?.export().await
    }

    async fn import(&self, lines: &[DumpLine]) -> Result<usize, StoreError> {
        let lines = lines.to_vec();
        self.write(Some(Change::Everything), move |tx| {
            Box::pin(async move {
                if tx.count_users().await? > 0 {
                    return Err(StoreError::Database(
                        "import needs an empty database (it already has users)".into(),
                    ));
                }
                // The catalog may be seeded already; the dump's copy wins.
                tx.delete_programs().await?;
                for line in &lines {
                    tx.import_line(line).await?;
                }
                B::after_import(tx).await?;
                Ok(lines.len())
            })
        })
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
