//! Token records: a user's (or one of their groups') values for one program.

use super::groups::group_not_found;
use super::{Affiliation, Scope, Subject};
use crate::error::{DomainError, Result, StoreError};
use crate::model::{Group, GroupId, Level, Parameters, Program, TokenRecord, TokenView};
use crate::paging::{Page, Paged};
use crate::store::TokenScope;
use crate::validation::{parameter_warnings, validate_parameters, Warning};
use uuid::Uuid;

/// A group and its overrides.
#[derive(Debug, Clone)]
pub struct GroupTokens {
    pub group: Group,
    pub tokens: Vec<TokenView>,
}

/// A token record written: its GUID, and the accepted values that do not look like
/// what the program expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub guid: Uuid,
    pub warnings: Vec<Warning>,
}

impl Affiliation {
    /// One window of the subject's tokens at a level (ordered by program name).
    pub async fn tokens(
        &self,
        subject: &Subject,
        group: Option<GroupId>,
        include_disabled: bool,
        page: Page,
    ) -> Result<Paged<TokenView>> {
        let mut tokens = match group {
            None => self.user_tokens(subject).await?,
            Some(id) => self.group_overrides(subject, id).await?,
        };
        tokens.retain(|t| include_disabled || !t.program_disabled);
        // At most one record per program: bounded by the catalog, paged in memory.
        Ok(page.of(tokens))
    }

    pub(super) async fn user_tokens(&self, subject: &Subject) -> Result<Vec<TokenView>> {
        Ok(self.store.tokens(subject.user.id, TokenScope::User).await?)
    }

    /// The hottest read: a group's ownership and its overrides in one statement, so it
    /// needs no [`Scope`] first; another tenant's group is not found.
    pub(super) async fn group_overrides(
        &self,
        subject: &Subject,
        id: GroupId,
    ) -> Result<Vec<TokenView>> {
        self.store
            .group_tokens(subject.user.id, id.get())
            .await?
            .ok_or_else(|| group_not_found(id.get()))
    }

    /// One window of the subject's groups (ordered by id) with their overrides (tokens
    /// of disabled programs left out); `total` counts the groups.
    pub async fn all_group_tokens(
        &self,
        subject: &Subject,
        page: Page,
    ) -> Result<Paged<GroupTokens>> {
        let groups = self.store.groups(subject.user.id, page).await?;
        let tokens = if groups.items.is_empty() {
            Vec::new()
        } else {
            self.store
                .tokens(subject.user.id, TokenScope::Groups(page))
                .await?
        };
        Ok(groups.map(|group| GroupTokens {
            tokens: tokens
                .iter()
                .filter(|t| t.record.level == Level::Group(group.id) && !t.program_disabled)
                .cloned()
                .collect(),
            group,
        }))
    }

    /// Connects a program at the scope's level; 409 when it is already connected there.
    pub async fn add_tokens(
        &self,
        scope: &Scope,
        program_guid: Uuid,
        parameters: Option<Parameters>,
    ) -> Result<Saved> {
        let program = self.writable_program(program_guid).await?;
        let parameters = self.checked_parameters(&program, parameters)?;
        let actor = scope.subject.actor();
        let record = TokenRecord {
            guid: Uuid::new_v4(),
            owner_id: scope.subject.user.id,
            level: scope.level,
            program_guid,
            parameters,
            created_at: actor.at,
            updated_at: actor.at,
        };
        let warnings = parameter_warnings(&program, &record.parameters, &self.patterns);
        match self.store.insert_token(&record, &actor).await {
            Ok(()) => Ok(Saved {
                guid: record.guid,
                warnings,
            }),
            Err(StoreError::Conflict { existing }) if !existing.is_nil() => {
                Err(DomainError::Conflict {
                    message: format!(
                        "{} is already connected{}; update affiliateTokensId {existing} instead",
                        program.name,
                        match scope.level {
                            Level::User => String::new(),
                            Level::Group(id) => format!(" for group {id}"),
                        }
                    ),
                    existing,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces the whole parameter set of one of the scope's token records.
    pub async fn replace_tokens(
        &self,
        scope: &Scope,
        guid: Uuid,
        parameters: Option<Parameters>,
    ) -> Result<Saved> {
        let record = self.owned_token(scope, guid).await?;
        let program = self.writable_program(record.program_guid).await?;
        let parameters = self.checked_parameters(&program, parameters)?;
        let warnings = parameter_warnings(&program, &parameters, &self.patterns);
        self.store
            .replace_parameters(guid, scope.level, &parameters, &scope.subject.actor())
            .await?
            .ok_or_else(|| tokens_not_found(guid))?;
        Ok(Saved { guid, warnings })
    }

    pub async fn remove_tokens(&self, scope: &Scope, guid: Uuid) -> Result<()> {
        if !self
            .store
            .delete_token(guid, scope.level, &scope.subject.actor())
            .await?
        {
            return Err(tokens_not_found(guid));
        }
        Ok(())
    }

    /// One of the scope's token records: the subject's, at the scope's level.
    pub(super) async fn owned_token(&self, scope: &Scope, guid: Uuid) -> Result<TokenRecord> {
        match self.store.token(guid).await? {
            Some(record)
                if record.owner_id == scope.subject.user.id && record.level == scope.level =>
            {
                Ok(record)
            }
            _ => Err(tokens_not_found(guid)),
        }
    }

    fn checked_parameters(
        &self,
        program: &Program,
        parameters: Option<Parameters>,
    ) -> Result<Parameters> {
        let problems = validate_parameters(program, parameters.as_ref(), &self.patterns);
        if !problems.is_empty() {
            return Err(DomainError::Invalid(problems));
        }
        Ok(parameters.unwrap_or_default())
    }
}

fn tokens_not_found(guid: Uuid) -> DomainError {
    DomainError::NotFound(format!("Affiliate tokens {guid} not found"))
}
