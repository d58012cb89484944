//! The catalog: reading it (cached), seeding it, and its administration.

use super::{now, Affiliation};
use crate::catalog::{check_families, define, ProgramDraft};
use crate::error::{DomainError, Issue, Result};
use crate::model::{Account, Actor, Program};
use std::sync::Arc;
use uuid::Uuid;

impl Affiliation {
    /// Every stored program, from the catalog cache.
    pub(super) async fn catalog(&self) -> Result<Arc<Vec<Program>>> {
        if let Some(programs) = self.catalog.get() {
            return Ok(programs);
        }
        Ok(self.catalog.put(self.store.programs().await?))
    }

    pub(super) async fn program(&self, guid: Uuid) -> Result<Option<Program>> {
        Ok(self
            .catalog()
            .await?
            .iter()
            .find(|p| p.program_guid == guid)
            .cloned())
    }

    /// The program tokens are written for: it exists (404) and is not retired (400).
    pub(super) async fn writable_program(&self, program_guid: Uuid) -> Result<Program> {
        let program = self
            .program(program_guid)
            .await?
            .ok_or_else(|| program_not_found(program_guid))?;
        if program.disabled {
            return Err(DomainError::invalid(Issue::ProgramRetired {
                program: program_guid,
                name: program.name,
            }));
        }
        Ok(program)
    }

    /// Loads the shipped catalog: adds programs not stored yet, never overwrites.
    pub async fn seed_catalog(&self, programs: &[Program]) -> Result<usize> {
        let added = self.store.add_missing_programs(programs, now()).await?;
        Ok(added)
    }

    /// The catalog, without retired programs unless asked for, optionally only the
    /// programs of one country (ISO 3166 alpha-2).
    pub async fn programs(
        &self,
        include_disabled: bool,
        country: Option<&str>,
    ) -> Result<Vec<Program>> {
        let country = country.map(str::trim).filter(|c| !c.is_empty());
        if let Some(code) = country {
            if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(DomainError::invalid(Issue::InvalidCountry));
            }
        }
        let mut programs: Vec<Program> = self.catalog().await?.as_ref().clone();
        programs.retain(|p| {
            (include_disabled || !p.disabled)
                && country.is_none_or(|c| p.countries.iter().any(|pc| pc.eq_ignore_ascii_case(c)))
        });
        Ok(programs)
    }

    /// Adds or replaces one program from its definition (admins only), checked by the
    /// catalog's rules; returns the program and whether it was added.
    pub async fn save_program(
        &self,
        caller: &Account,
        program_guid: Uuid,
        draft: ProgramDraft,
    ) -> Result<(Program, bool)> {
        require_admin(caller)?;
        let program = define(program_guid, draft).map_err(DomainError::Invalid)?;
        self.check_families_with(std::slice::from_ref(&program))
            .await?;
        let actor = Actor {
            caller_id: caller.id,
            subject_id: caller.id,
            at: now(),
        };
        let added = self.store.save_program(&program, &actor).await?;
        Ok((program, added))
    }

    /// Adds or replaces every program of a catalog file (the CLI's `catalog import`);
    /// returns (added, updated).
    pub async fn import_catalog(&self, programs: &[Program]) -> Result<(usize, usize)> {
        self.check_families_with(programs).await?;
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
        Ok((added, programs.len() - added))
    }
}

impl Affiliation {
    /// The families of the catalog these programs would make (each added, or
    /// replacing the stored one of its GUID) are coherent ([`check_families`]).
    async fn check_families_with(&self, changed: &[Program]) -> Result<()> {
        let mut merged: Vec<Program> = self
            .catalog()
            .await?
            .iter()
            .filter(|p| !changed.iter().any(|c| c.program_guid == p.program_guid))
            .cloned()
            .collect();
        merged.extend_from_slice(changed);
        check_families(&merged)
            .map_err(|reason| DomainError::invalid(Issue::IncoherentProgram(reason)))
    }
}

pub(super) fn program_not_found(program_guid: Uuid) -> DomainError {
    DomainError::NotFound(format!("Affiliate program {program_guid} not found"))
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
