//! Who changed a token record, what, and when.

use super::Affiliation;
use crate::error::Result;
use crate::model::{Account, HistoryEntry, Level, Parameters};
use crate::paging::{Page, Paged};
use uuid::Uuid;

/// What a masked value reads as: nothing of the secret is shown.
pub const MASK: &str = "********";

impl Affiliation {
    /// One window of the history of one of the subject's token records at `level`,
    /// oldest first (paged in the database). Values of parameters the catalog marks
    /// sensitive are masked.
    pub async fn history(
        &self,
        caller: &Account,
        username: Option<&str>,
        level: Level,
        guid: Option<&str>,
        page: Page,
    ) -> Result<Paged<HistoryEntry>> {
        let guid: Uuid = super::required_guid(guid, "Guid")?;
        let subject = self.subject_at(caller, username, level).await?;
        let record = self.owned_token(&subject, level, guid).await?;
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
