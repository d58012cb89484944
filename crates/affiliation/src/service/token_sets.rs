//! Token-set snapshots: many programs' user-level tokens written at once.

use super::{Affiliation, Subject};
use crate::error::{DomainError, Issue, Problem, Result};
use crate::model::{Account, Parameters, ProgramTokens, TokenSetSnapshot};
use crate::validation::validate_parameters;
use std::collections::HashSet;
use uuid::Uuid;

/// Most programs in one token-set write.
pub const MAX_PROGRAMS_PER_SET: usize = 256;

/// One program's tokens in a token-set write, as the client sent them.
#[derive(Debug, Clone)]
pub struct ProgramTokensInput {
    pub program_guid: Uuid,
    pub affiliate_tokens: Option<Parameters>,
}

impl Affiliation {
    /// Writes many programs' user-level tokens at once, all or nothing. Each entry is
    /// checked as a single write would be; problems carry the entry's position. An
    /// entry of `None` is one whose program the caller could not name (the API layer
    /// reports why): it is counted, never written, and the write is refused.
    pub async fn save_token_set(
        &self,
        subject: &Subject,
        programs: Vec<Option<ProgramTokensInput>>,
    ) -> Result<TokenSetSnapshot> {
        if programs.is_empty() {
            return Err(DomainError::invalid(Issue::NoPrograms));
        }
        if programs.len() > MAX_PROGRAMS_PER_SET {
            return Err(DomainError::invalid(Issue::TooManyPrograms {
                max: MAX_PROGRAMS_PER_SET,
            }));
        }
        let mut problems: Vec<Problem> = Vec::new();
        let mut accepted = Vec::new();
        let mut unnamed = false;
        let mut seen = HashSet::new();
        for (index, input) in programs.into_iter().enumerate() {
            let Some(input) = input else {
                unnamed = true;
                continue;
            };
            let program_guid = input.program_guid;
            if !seen.insert(program_guid) {
                problems.push(Problem::from(Issue::DuplicateProgram(program_guid)).at(index));
                continue;
            }
            let program = match self.writable_program(program_guid).await {
                Ok(program) => program,
                Err(DomainError::NotFound(_)) => {
                    problems.push(Problem::from(Issue::UnknownProgram(program_guid)).at(index));
                    continue;
                }
                Err(DomainError::Invalid(found)) => {
                    problems.extend(found.into_iter().map(|p| p.at(index)));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let found =
                validate_parameters(&program, input.affiliate_tokens.as_ref(), &self.patterns);
            if found.is_empty() {
                accepted.push(ProgramTokens {
                    program_guid,
                    affiliate_tokens: input.affiliate_tokens.unwrap_or_default(),
                });
            } else {
                problems.extend(found.into_iter().map(|p| p.at(index)));
            }
        }
        if unnamed || !problems.is_empty() {
            return Err(DomainError::Invalid(problems));
        }
        let actor = subject.actor();
        let snapshot = TokenSetSnapshot {
            id: 0,
            set_guid: Uuid::new_v4(),
            owner_id: subject.user.id,
            username: subject.user.username.clone(),
            programs: accepted,
            created_at: actor.at,
            updated_at: actor.at,
        };
        Ok(self.store.save_token_set(&snapshot, &actor).await?)
    }

    /// A snapshot is visible to its owner and to admins (the request names no user).
    pub async fn token_set(&self, caller: &Account, set_guid: Uuid) -> Result<TokenSetSnapshot> {
        match self.store.token_set(set_guid).await? {
            Some(set) if set.owner_id == caller.id || caller.is_admin => Ok(set),
            _ => Err(DomainError::NotFound(format!(
                "Affiliate tokens set {set_guid} not found"
            ))),
        }
    }
}
