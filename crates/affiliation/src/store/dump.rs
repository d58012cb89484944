//! The portable form of a whole database: one JSON object per line, in an order
//! that satisfies foreign keys on import (users, programs, groups, tokens, token
//! sets, audit). Column values travel as stored, so a move loses nothing.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum DumpLine {
    #[serde(rename_all = "camelCase")]
    User {
        id: i64,
        username: String,
        is_admin: bool,
        /// Hex of the stored hashes (never the keys themselves).
        key_hash: Option<String>,
        secret_hash: Option<String>,
        key_hint: Option<String>,
        created_at: i64,
    },
    #[serde(rename_all = "camelCase")]
    Program {
        program_guid: String,
        name: String,
        disabled: bool,
        definition: String,
        updated_at: i64,
    },
    #[serde(rename_all = "camelCase")]
    Group {
        id: i64,
        owner_id: i64,
        name: String,
        created_at: i64,
    },
    #[serde(rename_all = "camelCase")]
    Token {
        guid: String,
        owner_id: i64,
        group_id: Option<i64>,
        program_guid: String,
        parameters: String,
        created_at: i64,
        updated_at: i64,
    },
    #[serde(rename_all = "camelCase")]
    TokenSet {
        id: i64,
        set_guid: String,
        owner_id: i64,
        programs: String,
        created_at: i64,
        updated_at: i64,
    },
    #[serde(rename_all = "camelCase")]
    Audit {
        id: i64,
        at: i64,
        caller_id: i64,
        subject_id: i64,
        action: String,
        token_guid: Option<String>,
        group_id: Option<i64>,
        program_guid: Option<String>,
        before: Option<String>,
        after: Option<String>,
    },
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}
