//! Links: the subject's tokens put on product URLs (the rules are in `crate::link`).

use super::{Affiliation, Subject};
use crate::error::{DomainError, Issue, Result};
use crate::link::{affiliate, AffiliatedLink, LinkError, MAX_LINKS_PER_REQUEST};
use crate::model::GroupId;

impl Affiliation {
    /// How many URLs one request may carry; checked before anything else is read.
    pub fn check_link_count(count: usize) -> Result<()> {
        if count > MAX_LINKS_PER_REQUEST {
            return Err(DomainError::invalid(Issue::TooManyUrls {
                max: MAX_LINKS_PER_REQUEST,
            }));
        }
        Ok(())
    }

    /// Rewrites each URL with the tokens that apply: the group's override for the
    /// matching program, else the user's own, else none. A URL that cannot be a
    /// product link is an error of its own item, not of the batch.
    pub async fn affiliate_links(
        &self,
        subject: &Subject,
        group: Option<GroupId>,
        urls: &[String],
    ) -> Result<Vec<Result<AffiliatedLink, LinkError>>> {
        Self::check_link_count(urls.len())?;
        // The group's ownership and overrides in one read (the hot one), before the user's.
        let group_tokens = match group {
            Some(id) => self.group_overrides(subject, id).await?,
            None => Vec::new(),
        };
        let programs = self.catalog().await?;
        let user_tokens = self.user_tokens(subject).await?;
        Ok(urls
            .iter()
            .map(|url| affiliate(url, &programs, &group_tokens, &user_tokens))
            .collect())
    }

    /// One URL (not empty); an unusable URL is a validation error of the request.
    pub async fn affiliate_link(
        &self,
        subject: &Subject,
        group: Option<GroupId>,
        url: &str,
    ) -> Result<AffiliatedLink> {
        let mut links = self
            .affiliate_links(subject, group, &[url.to_string()])
            .await?;
        links
            .pop()
            .expect("one link per URL")
            .map_err(|e| DomainError::invalid(Issue::UnusableUrl(e)))
    }
}
