//! Accounts: API keys, users, and who acts for whom.

use super::{now, Affiliation, Subject};
use crate::credentials::{hash, hashes_match, IssuedKeys};
use crate::error::{DomainError, Issue, Result, StoreError};
use crate::key_cache::KnownKey;
use crate::model::{Account, User};
use std::sync::Arc;
use uuid::Uuid;

impl Affiliation {
    /// The account holding this key. When a secret is presented it must match too.
    pub async fn authenticate(
        &self,
        key: &str,
        secret: Option<&str>,
    ) -> Result<Option<Arc<Account>>> {
        let key_hash = hash(key);
        let known = match self.keys.get(&key_hash) {
            Some(known) => known,
            None => {
                let generation = self.keys.generation();
                let Some((account, secret_hash)) = self.store.account_by_key(&key_hash).await?
                else {
                    return Ok(None);
                };
                let known = Arc::new(KnownKey {
                    account: Arc::new(account),
                    secret_hash,
                });
                self.keys.put(key_hash, known.clone(), generation);
                known
            }
        };
        if let Some(secret) = secret {
            if !hashes_match(&hash(secret), &known.secret_hash) {
                return Ok(None);
            }
        }
        Ok(Some(known.account.clone()))
    }

    /// The `username` rule, applied once per request: empty means the caller; a
    /// non-admin may only name itself; an admin may name anyone and then acts for them.
    pub async fn subject(&self, caller: &Account, username: Option<&str>) -> Result<Subject> {
        let user = match username.map(str::trim).filter(|u| !u.is_empty()) {
            None => caller.clone(),
            // Usernames are one tenant whatever their case (unique ignoring case).
            Some(name) if name.eq_ignore_ascii_case(&caller.username) => caller.clone(),
            Some(_) if !caller.is_admin => {
                return Err(DomainError::Forbidden(
                    "Only administrators may act for another user".into(),
                ))
            }
            Some(name) => self
                .store
                .account_by_name(name)
                .await?
                // The name is the caller's input: not echoed.
                .ok_or_else(|| {
                    DomainError::NotFound("The user named in 'Username' was not found".into())
                })?,
        };
        Ok(Subject {
            caller: caller.clone(),
            user,
        })
    }

    pub async fn add_user(&self, username: &str, is_admin: bool) -> Result<(User, IssuedKeys)> {
        if !valid_username(username) {
            return Err(DomainError::invalid(Issue::InvalidUsername));
        }
        let keys = IssuedKeys::generate();
        let user = self
            .store
            .create_user(username, is_admin, &keys.stored(), now())
            .await
            .map_err(|e| match e {
                StoreError::DuplicateUsername => DomainError::Conflict {
                    message: format!(
                        "The username '{username}' is taken (usernames are unique ignoring case)"
                    ),
                    existing: Uuid::nil(),
                },
                e => e.into(),
            })?;
        Ok((user, keys))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        Ok(self.store.users().await?)
    }

    pub async fn rotate_keys(&self, username: &str) -> Result<IssuedKeys> {
        let keys = IssuedKeys::generate();
        let stored = self.store.set_keys(username, Some(&keys.stored())).await?;
        if !stored {
            return Err(user_not_found(username));
        }
        Ok(keys)
    }

    pub async fn revoke_keys(&self, username: &str) -> Result<()> {
        let revoked = self.store.set_keys(username, None).await?;
        if !revoked {
            return Err(user_not_found(username));
        }
        Ok(())
    }
}

/// Said to the operator running the CLI, who typed the name.
fn user_not_found(username: &str) -> DomainError {
    DomainError::NotFound(format!("User '{username}' not found"))
}

fn valid_username(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
}
