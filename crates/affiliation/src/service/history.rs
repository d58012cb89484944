//! Who changed a token record, what, and when.

use super::{Affiliation, Scope};
use crate::error::Result;
use crate::model::{HistoryEntry, Parameters};
use crate::paging::{Page, Paged};
use uuid::Uuid;

/// What a masked value reads as: nothing of the secret is shown.
pub const MASK: &str = "********";

impl Affiliation {
    /// One window of the history of one of the scope's token records, oldest first
    /// (paged in the database). Values of parameters the catalog marks sensitive are
    /// masked.
    pub async fn history(
        &self,
        scope: &Scope,
        guid: Uuid,
        page: Page,
    ) -> Result<Paged<HistoryEntry>> {
        let record = self.owned_token(scope, guid).await?;
        let program = self.program(record.program_guid).await?;
        let sensitive: Vec<&str> = program
            .iter()
            .flat_map(|p| p.parameters.iter())
            .filter(|p| p.sensitive)
            .map(|p| p.name.as_str())
            .collect();
        let mask = |parameters: &mut Option<Parameters>| {
            for (name, value) in parameters.iter_mut().flatten() {
                if sensitive.iter().any(|s| s.eq_ignore_ascii_case(name)) {
                    *value = MASK.to_string();
                }
            }
        };
        let mut entries = self.store.history(guid, page).await?;
        for entry in &mut entries.items {
            mask(&mut entry.before);
            mask(&mut entry.after);
        }
        Ok(entries)
    }
}
