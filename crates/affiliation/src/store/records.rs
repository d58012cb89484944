//! Reading rows into the domain's records and into dump lines, for any sqlx driver
//! whose rows decode the column types used here (sqlx's SQLite and PostgreSQL do).

use super::dump::{to_hex, DumpLine};
use super::sql::from_millis;
use crate::error::StoreError;
use crate::model::{
    Account, Group, HistoryEntry, Level, TokenRecord, TokenSetSnapshot, TokenView, User,
};
use sqlx::{ColumnIndex, Decode, Row, Type};
use uuid::Uuid;

/// A row read as one of the records; `Row` columns are named as in the migrations.
pub trait Records: Row {
    fn integer(&self, column: &str) -> Result<i64, StoreError>;
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn bytes(&self, column: &str) -> Result<Vec<u8>, StoreError>;
    fn guid(&self, column: &str) -> Result<Uuid, StoreError>;
    fn optional_guid(&self, column: &str) -> Result<Option<Uuid>, StoreError>;
    /// A JSON text column (parameter maps, program definitions, token-set programs).
    fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> Result<T, StoreError>;
    fn optional_json<T: serde::de::DeserializeOwned>(
        &self,
        column: &str,
    ) -> Result<Option<T>, StoreError>;
    fn account(&self) -> Result<Account, StoreError>;
    /// A user as listed: `has_key` computed, the hint only while there is a key.
    fn user(&self) -> Result<User, StoreError>;
    fn group(&self) -> Result<Group, StoreError>;
    fn token(&self) -> Result<TokenRecord, StoreError>;
    /// A token record with `program_name` and `program_disabled` joined.
    fn token_view(&self) -> Result<TokenView, StoreError>;
    fn snapshot(&self) -> Result<TokenSetSnapshot, StoreError>;
    fn history_entry(&self) -> Result<HistoryEntry, StoreError>;
    fn dump_user(&self) -> Result<DumpLine, sqlx::Error>;
    fn dump_program(&self) -> Result<DumpLine, sqlx::Error>;
    fn dump_group(&self) -> Result<DumpLine, sqlx::Error>;
    fn dump_token(&self) -> Result<DumpLine, sqlx::Error>;
    fn dump_token_set(&self) -> Result<DumpLine, sqlx::Error>;
    fn dump_audit(&self) -> Result<DumpLine, sqlx::Error>;
}

pub(super) fn bad_guid(column: &str, error: uuid::Error) -> StoreError {
    StoreError::Database(format!("bad guid in {column}: {error}"))
}

pub(super) fn bad_json(column: &str, error: serde_json::Error) -> StoreError {
    StoreError::Database(format!("bad json in {column}: {error}"))
}

impl<R: Row> Records for R
where
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> bool: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn integer(&self, column: &str) -> Result<i64, StoreError> {
        Ok(self.try_get(column)?)
    }

    fn text(&self, column: &str) -> Result<String, StoreError> {
        Ok(self.try_get(column)?)
    }

    fn bytes(&self, column: &str) -> Result<Vec<u8>, StoreError> {
        Ok(self.try_get(column)?)
    }

    fn guid(&self, column: &str) -> Result<Uuid, StoreError> {
        let text: String = self.try_get(column)?;
        Uuid::parse_str(&text).map_err(|e| bad_guid(column, e))
    }

    fn optional_guid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        let text: Option<String> = self.try_get(column)?;
        text.map(|text| Uuid::parse_str(&text).map_err(|e| bad_guid(column, e)))
            .transpose()
    }

    fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> Result<T, StoreError> {
        let text: String = self.try_get(column)?;
        serde_json::from_str(&text).map_err(|e| bad_json(column, e))
    }

    fn optional_json<T: serde::de::DeserializeOwned>(
        &self,
        column: &str,
    ) -> Result<Option<T>, StoreError> {
        let text: Option<String> = self.try_get(column)?;
        text.map(|text| serde_json::from_str(&text).map_err(|e| bad_json(column, e)))
            .transpose()
    }

    fn account(&self) -> Result<Account, StoreError> {
        Ok(Account {
            id: self.try_get("id")?,
            username: self.try_get("username")?,
            is_admin: self.try_get("is_admin")?,
        })
    }

    fn user(&self) -> Result<User, StoreError> {
        let has_key: bool = self.try_get("has_key")?;
        Ok(User {
            account: self.account()?,
            created_at: from_millis(self.try_get("created_at")?),
            has_key,
            key_hint: if has_key {
                self.try_get("key_hint")?
            } else {
                None
            },
        })
    }

    fn group(&self) -> Result<Group, StoreError> {
        Ok(Group {
            id: self.try_get::<i64, _>("id")? as u32,
            owner_id: self.try_get("owner_id")?,
            name: self.try_get("name")?,
            created_at: from_millis(self.try_get("created_at")?),
        })
    }

    fn token(&self) -> Result<TokenRecord, StoreError> {
        let group_id: Option<i64> = self.try_get("group_id")?;
        Ok(TokenRecord {
            guid: self.guid("guid")?,
            owner_id: self.try_get("owner_id")?,
            level: group_id.map_or(Level::User, |id| Level::Group(id as u32)),
            program_guid: self.guid("program_guid")?,
            parameters: self.json("parameters")?,
            created_at: from_millis(self.try_get("created_at")?),
            updated_at: from_millis(self.try_get("updated_at")?),
        })
    }

    fn token_view(&self) -> Result<TokenView, StoreError> {
        Ok(TokenView {
            record: self.token()?,
            program_name: self.try_get("program_name")?,
            program_disabled: self.try_get("program_disabled")?,
        })
    }

    fn snapshot(&self) -> Result<TokenSetSnapshot, StoreError> {
        Ok(TokenSetSnapshot {
            id: self.try_get("id")?,
            set_guid: self.guid("set_guid")?,
            owner_id: self.try_get("owner_id")?,
            username: self.try_get("username")?,
            programs: self.json("programs")?,
            created_at: from_millis(self.try_get("created_at")?),
            updated_at: from_millis(self.try_get("updated_at")?),
        })
    }

    fn history_entry(&self) -> Result<HistoryEntry, StoreError> {
        let group_id: Option<i64> = self.try_get("group_id")?;
        let changed_by: Option<String> = self.try_get("changed_by")?;
        let subject: Option<String> = self.try_get("subject")?;
        Ok(HistoryEntry {
            at: from_millis(self.try_get("at")?),
            changed_by: changed_by.unwrap_or_default(),
            subject: subject.unwrap_or_default(),
            // As stored: rows imported from a dump may name actions of any version.
            action: self.try_get("action")?,
            group_id: group_id.map(|id| id as u32),
            program_guid: self.optional_guid("program_guid")?,
            before: self.optional_json("before")?,
            after: self.optional_json("after")?,
        })
    }

    fn dump_user(&self) -> Result<DumpLine, sqlx::Error> {
        let key_hash: Option<Vec<u8>> = self.try_get("key_hash")?;
        let secret_hash: Option<Vec<u8>> = self.try_get("secret_hash")?;
        Ok(DumpLine::User {
            id: self.try_get("id")?,
            username: self.try_get("username")?,
            is_admin: self.try_get("is_admin")?,
            key_hash: key_hash.as_deref().map(to_hex),
            secret_hash: secret_hash.as_deref().map(to_hex),
            key_hint: self.try_get("key_hint")?,
            created_at: self.try_get("created_at")?,
        })
    }

    fn dump_program(&self) -> Result<DumpLine, sqlx::Error> {
        Ok(DumpLine::Program {
            program_guid: self.try_get("program_guid")?,
            name: self.try_get("name")?,
            disabled: self.try_get("disabled")?,
            definition: self.try_get("definition")?,
            updated_at: self.try_get("updated_at")?,
        })
    }

    fn dump_group(&self) -> Result<DumpLine, sqlx::Error> {
        Ok(DumpLine::Group {
            id: self.try_get("id")?,
            owner_id: self.try_get("owner_id")?,
            name: self.try_get("name")?,
            created_at: self.try_get("created_at")?,
        })
    }

    fn dump_token(&self) -> Result<DumpLine, sqlx::Error> {
        Ok(DumpLine::Token {
            guid: self.try_get("guid")?,
            owner_id: self.try_get("owner_id")?,
            group_id: self.try_get("group_id")?,
            program_guid: self.try_get("program_guid")?,
            parameters: self.try_get("parameters")?,
            created_at: self.try_get("created_at")?,
            updated_at: self.try_get("updated_at")?,
        })
    }

    fn dump_token_set(&self) -> Result<DumpLine, sqlx::Error> {
        Ok(DumpLine::TokenSet {
            id: self.try_get("id")?,
            set_guid: self.try_get("set_guid")?,
            owner_id: self.try_get("owner_id")?,
            programs: self.try_get("programs")?,
            created_at: self.try_get("created_at")?,
            updated_at: self.try_get("updated_at")?,
        })
    }

    fn dump_audit(&self) -> Result<DumpLine, sqlx::Error> {
        Ok(DumpLine::Audit {
            id: self.try_get("id")?,
            at: self.try_get("at")?,
            caller_id: self.try_get("caller_id")?,
            subject_id: self.try_get("subject_id")?,
            action: self.try_get("action")?,
            token_guid: self.try_get("token_guid")?,
            group_id: self.try_get("group_id")?,
            program_guid: self.try_get("program_guid")?,
            before: self.try_get("before")?,
            after: self.try_get("after")?,
        })
    }
}
