//! Groups: a user's named sets of override tokens.

use super::{Affiliation, Scope, Subject};
use crate::error::{DomainError, Issue, Result};
use crate::model::{Group, GroupId, Level};
use crate::paging::{Page, Paged};
use crate::validation::is_displayable_name;

/// Longest group name we accept.
pub const MAX_GROUP_NAME: usize = 100;

impl Affiliation {
    /// The subject at a level: for a group, the group must be theirs (another
    /// tenant's group is answered exactly like a missing one, 404).
    pub async fn scope(&self, subject: &Subject, group: Option<GroupId>) -> Result<Scope> {
        if let Some(id) = group {
            match self.store.group(id.get()).await? {
                Some(group) if group.owner_id == subject.user.id => {}
                _ => return Err(group_not_found(id.get())),
            }
        }
        Ok(Scope {
            subject: subject.clone(),
            level: Level::from(group),
        })
    }

    pub async fn create_group(&self, subject: &Subject, name: Option<&str>) -> Result<Group> {
        let name = name.map(str::trim).unwrap_or("");
        if name.chars().count() > MAX_GROUP_NAME || name.chars().any(char::is_control) {
            return Err(DomainError::invalid(Issue::GroupNameTooLong {
                max: MAX_GROUP_NAME,
            }));
        }
        if !is_displayable_name(name) {
            return Err(DomainError::invalid(Issue::GroupNameInvisible));
        }
        let name = if name.is_empty() { "Group" } else { name };
        Ok(self.store.create_group(name, &subject.actor()).await?)
    }

    /// One window of the subject's groups, ordered by id (paged in the database).
    pub async fn groups(&self, subject: &Subject, page: Page) -> Result<Paged<Group>> {
        Ok(self.store.groups(subject.user.id, page).await?)
    }

    /// Deletes one of the subject's groups with its overrides.
    pub async fn delete_group(&self, subject: &Subject, id: GroupId) -> Result<()> {
        let scope = self.scope(subject, Some(id)).await?;
        if !self
            .store
            .delete_group(id.get(), &scope.subject.actor())
            .await?
        {
            return Err(group_not_found(id.get()));
        }
        Ok(())
    }
}

pub(super) fn group_not_found(group_id: u32) -> DomainError {
    DomainError::NotFound(format!("Group {group_id} not found"))
}
