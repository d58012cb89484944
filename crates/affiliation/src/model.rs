//! The records of the domain.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// A program's parameter values, e.g. `{"tag": "mytag-20"}`.
pub type Parameters = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub is_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub account: Account,
    pub created_at: OffsetDateTime,
    /// Whether the user has a usable API key (false once revoked).
    pub has_key: bool,
    /// The first characters of the key, to tell keys apart in listings.
    pub key_hint: Option<String>,
}

/// An affiliate program of the catalog (also the catalog file's format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Program {
    pub program_guid: Uuid,
    pub name: String,
    pub network: String,
    #[serde(default)]
    pub countries: Vec<String>,
    #[serde(default)]
    pub hosts: Vec<String>,
    #[serde(default)]
    pub disabled: bool,
    pub parameters: Vec<ProgramParameter>,
    pub link: LinkRule,
    /// Query parameters that carry someone else's attribution, removed from a link
    /// before our tokens are set: a parameter name (`linkId`), or `name=prefix*` for
    /// a parameter only when its value starts with `prefix` (`ref=as_li_*`; Amazon
    /// also puts that one in the path as a `/ref=as_li_...` segment, which goes too).
    /// Absent in older catalog files: nothing is stripped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strip: Vec<String>,
    /// The family of storefronts the program belongs to, for links localized to a
    /// visitor's country. Absent: the program's links stay where they are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub localization: Option<Localization>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

/// A program's place in a family of storefronts (all Amazon storefronts; Apple's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Localization {
    /// The family's name, shared by its storefronts' programs (`Amazon`).
    pub family: String,
    /// How a link moves between the family's storefronts.
    pub by: LocalizeBy,
    /// Where visitors of a country without a storefront of the family go when this
    /// program's links are localized (ISO 3166-1 alpha-2 to alpha-2: `NZ` to `AU`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub country_fallbacks: BTreeMap<String, String>,
}

/// How a family's storefronts are told apart in a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LocalizeBy {
    /// One program per storefront: its one country, its first host (Amazon).
    Host,
    /// One program for every storefront: the country is the path's first segment,
    /// the program's first country when there is none (Apple's `/us/app/...`).
    Path,
}

impl LocalizeBy {
    pub fn as_str(self) -> &'static str {
        match self {
            LocalizeBy::Host => "host",
            LocalizeBy::Path => "path",
        }
    }
}

impl Program {
    pub fn parameter(&self, name: &str) -> Option<&ProgramParameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProgramParameter {
    pub name: String,
    pub display_name: String,
    pub required: bool,
    /// A regex the whole value must match (anchored when applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// A regex a value is expected to match; one that does not is accepted with a
    /// warning (e.g. an Amazon tag whose suffix is not the storefront's confirmed one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_pattern: Option<String>,
    #[serde(default = "default_max_length")]
    pub max_length: u32,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub example: String,
    /// Values shown masked in history.
    #[serde(default)]
    pub sensitive: bool,
}

pub const DEFAULT_MAX_LENGTH: u32 = 256;

fn default_max_length() -> u32 {
    DEFAULT_MAX_LENGTH
}

/// How a program's parameters are put on a product link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum LinkRule {
    /// Set the parameters (and fixed constants) as query parameters of the URL.
    Query {
        #[serde(default)]
        fixed: BTreeMap<String, String>,
    },
    /// Wrap the URL in the network's tracking link.
    Template {
        template: String,
        #[serde(default)]
        optional: BTreeMap<String, String>,
    },
    /// Links cannot be made by us; `reason` says why.
    None { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub id: u32,
    pub owner_id: i64,
    pub name: String,
    pub created_at: OffsetDateTime,
}

/// A group's id as requests name it: never 0 (ids start at 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GroupId(std::num::NonZeroU32);

impl GroupId {
    /// `None` for 0, which names no group.
    pub fn new(id: u32) -> Option<GroupId> {
        std::num::NonZeroU32::new(id).map(GroupId)
    }

    pub fn get(self) -> u32 {
        self.0.get()
    }
}

/// Where a token set applies: the owner's default, or one group's override.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    User,
    Group(u32),
}

impl From<Option<GroupId>> for Level {
    fn from(group: Option<GroupId>) -> Level {
        group.map_or(Level::User, |id| Level::Group(id.get()))
    }
}

impl Level {
    pub fn group_id(self) -> Option<u32> {
        match self {
            Level::User => None,
            Level::Group(id) => Some(id),
        }
    }
}

/// One owner's values for one program's parameters, at one level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub guid: Uuid,
    pub owner_id: i64,
    pub level: Level,
    pub program_guid: Uuid,
    pub parameters: Parameters,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A token record with the program it belongs to, as listings show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenView {
    pub record: TokenRecord,
    pub program_name: String,
    pub program_disabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgramTokens {
    pub program_guid: Uuid,
    pub affiliate_tokens: Parameters,
}

/// A remembered bulk write of a user's user-level tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSetSnapshot {
    pub id: i64,
    pub set_guid: Uuid,
    pub owner_id: i64,
    pub username: String,
    pub programs: Vec<ProgramTokens>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Who made a change, for the audit history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The authenticated caller (an admin when acting for someone else).
    pub caller_id: i64,
    /// The user whose data changes.
    pub subject_id: i64,
    pub at: OffsetDateTime,
}

/// One entry of a token record's history: who changed what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: OffsetDateTime,
    /// The authenticated caller's username.
    pub changed_by: String,
    /// The user whose data changed.
    pub subject: String,
    pub action: String,
    pub group_id: Option<u32>,
    pub program_guid: Option<Uuid>,
    pub before: Option<Parameters>,
    pub after: Option<Parameters>,
}

/// What kind of change an audit entry records. Stored (and exported, and answered in
/// histories) as the name of the ServiceStack operation that makes it, so the rows
/// written before this type existed read the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    ProgramAdded,
    ProgramUpdated,
    GroupCreated,
    GroupDeleted,
    UserTokensCreated,
    GroupTokensCreated,
    UserTokensReplaced,
    GroupTokensReplaced,
    UserTokensDeleted,
    GroupTokensDeleted,
    /// One program's user-level tokens written by a token set.
    TokenSetSaved,
}

impl AuditAction {
    /// A token record created at `level` (POST).
    pub fn tokens_created(level: Level) -> AuditAction {
        match level {
            Level::User => AuditAction::UserTokensCreated,
            Level::Group(_) => AuditAction::GroupTokensCreated,
        }
    }

    /// A token record's parameters replaced at `level` (PUT).
    pub fn tokens_replaced(level: Level) -> AuditAction {
        match level {
            Level::User => AuditAction::UserTokensReplaced,
            Level::Group(_) => AuditAction::GroupTokensReplaced,
        }
    }

    /// A token record deleted at `level` (DELETE, or its group's DELETE).
    pub fn tokens_deleted(level: Level) -> AuditAction {
        match level {
            Level::User => AuditAction::UserTokensDeleted,
            Level::Group(_) => AuditAction::GroupTokensDeleted,
        }
    }

    /// The stored name: the operation that makes the change.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ProgramAdded => "AddProgram",
            AuditAction::ProgramUpdated => "UpdateProgram",
            AuditAction::GroupCreated => "CreateGroup",
            AuditAction::GroupDeleted => "DeleteGroup",
            AuditAction::UserTokensCreated => "PostUserAffiliateTokens",
            AuditAction::GroupTokensCreated => "PostGroupAffiliateTokens",
            AuditAction::UserTokensReplaced => "PutUserAffiliateTokens",
            AuditAction::GroupTokensReplaced => "PutGroupAffiliateTokens",
            AuditAction::UserTokensDeleted => "DeleteUserAffiliateTokens",
            AuditAction::GroupTokensDeleted => "DeleteGroupAffiliateTokens",
            AuditAction::TokenSetSaved => "PostAffiliateTokensSet",
        }
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod audit_action_tests {
    use super::{AuditAction, Level};

    /// The stored names are data (rows, dumps, history answers): they never change.
    #[test]
    fn stored_names_are_the_operations_that_make_the_change() {
        let group = Level::Group(3);
        for (action, name) in [
            (AuditAction::ProgramAdded, "AddProgram"),
            (AuditAction::ProgramUpdated, "UpdateProgram"),
            (AuditAction::GroupCreated, "CreateGroup"),
            (AuditAction::GroupDeleted, "DeleteGroup"),
            (
                AuditAction::tokens_created(Level::User),
                "PostUserAffiliateTokens",
            ),
            (
                AuditAction::tokens_created(group),
                "PostGroupAffiliateTokens",
            ),
            (
                AuditAction::tokens_replaced(Level::User),
                "PutUserAffiliateTokens",
            ),
            (
                AuditAction::tokens_replaced(group),
                "PutGroupAffiliateTokens",
            ),
            (
                AuditAction::tokens_deleted(Level::User),
                "DeleteUserAffiliateTokens",
            ),
            (
                AuditAction::tokens_deleted(group),
                "DeleteGroupAffiliateTokens",
            ),
            (AuditAction::TokenSetSaved, "PostAffiliateTokensSet"),
        ] {
            assert_eq!(action.as_str(), name);
            assert_eq!(action.to_string(), name);
        }
    }
}
