//! Catalog administration: admins add, change and disable programs.

use super::{now, Affiliation};
use crate::catalog::check_program;
use crate::error::{DomainError, Problem, Result};
use crate::ids::parse_guid;
use crate::model::{Account, Actor, Program};

impl Affiliation {
    /// Adds or replaces one program (admins only); true when it was added.
    pub async fn save_program(&self, caller: &Account, program: Program) -> Result<bool> {
        require_admin(caller)?;
        check_program(&program).map_err(|message| {
            DomainError::invalid(Problem::new("InvalidProgram", "Program", message))
        })?;
        let actor = Actor {
            caller_id: caller.id,
            subject_id: caller.id,
            at: now(),
        };
        let added = self.store.save_program(&program, &actor).await?;
        self.catalog.clear();
        Ok(added)
    }

    /// Turns a program off or on again (admins only). A disabled program accepts no
    /// new tokens, is left out of listings unless asked for, and rewrites no links.
    pub async fn set_program_disabled(
        &self,
        caller: &Account,
        program_guid: Option<&str>,
        disabled: bool,
    ) -> Result<Program> {
        require_admin(caller)?;
        let text = program_guid.map(str::trim).unwrap_or("");
        let guid = parse_guid(text).ok_or_else(|| {
            DomainError::invalid(Problem::new(
                "InvalidGuid",
                "ProgramGuid",
                "'Program Guid' is not a valid GUID.",
            ))
        })?;
        let mut program = self
            .program(guid)
            .await?
            .ok_or_else(|| DomainError::NotFound(format!("Affiliate program {guid} not found")))?;
        program.disabled = disabled;
        self.save_program(caller, program.clone()).await?;
        Ok(program)
    }

    /// Adds or replaces every program of a catalog file (the CLI's `catalog import`);
    /// returns (added, updated).
    pub async fn import_catalog(&self, programs: &[Program]) -> Result<(usize, usize)> {
        let operator = Actor {
            caller_id: 0,
            subject_id: 0,
            at: now(),
        };
        let mut added = 0;
        for program in programs {
            if self.store.save_program(program, &operator).await? {
                added += 1;
            }
        }
        self.catalog.clear();
        Ok((added, programs.len() - added))
    }
}

/// The catalog is changed by administrators only; checked before anything else.
pub fn require_admin(caller: &Account) -> Result<()> {
    if caller.is_admin {
        Ok(())
    } else {
        Err(DomainError::Forbidden(
            "Only administrators may change the catalog".into(),
        ))
    }
}
