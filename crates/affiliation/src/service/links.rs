//! Links: the subject's tokens put on product URLs (the rules are in `crate::link`).

use super::{Affiliation, Subject};
use crate::country::Country;
use crate::error::Problem;
use crate::error::{DomainError, Issue, Result};
use crate::link::{
    affiliate_with, localizations, AffiliatedLink, LinkError, LinkOptions, MissingToken,
    MAX_LINKS_PER_REQUEST,
};
use crate::model::GroupId;

/// One link to make: the URL and how.
#[derive(Debug, Clone)]
pub struct LinkRequest {
    pub url: String,
    pub options: LinkOptions,
}

/// A visitor's country as a request names it: absent or empty is none; anything
/// else must be an assigned ISO 3166-1 alpha-2 code.
pub fn visitor_country(text: Option<&str>) -> Result<Option<Country>, Issue> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(code) => Country::parse(code).map(Some).ok_or(Issue::InvalidCountry),
    }
}

/// A link request's options as sent, checked: every problem at once.
pub fn link_options(
    country: Option<&str>,
    missing_token: Option<&str>,
    honor_existing: bool,
    disable_affiliation: bool,
) -> Result<LinkOptions> {
    let mut problems: Vec<Problem> = Vec::new();
    let country = visitor_country(country).unwrap_or_else(|issue| {
        problems.push(issue.into());
        None
    });
    let missing_token = match missing_token.map(str::trim).unwrap_or("") {
        "" => MissingToken::Local,
        t if t.eq_ignore_ascii_case("local") => MissingToken::Local,
        t if t.eq_ignore_ascii_case("original") => MissingToken::Original,
        _ => {
            problems.push(Issue::InvalidMissingToken.into());
            MissingToken::Local
        }
    };
    if !problems.is_empty() {
        return Err(DomainError::Invalid(problems));
    }
    Ok(LinkOptions {
        country,
        missing_token,
        honor_existing,
        disable_affiliation,
    })
}

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
        links: &[LinkRequest],
    ) -> Result<Vec<Result<AffiliatedLink, LinkError>>> {
        Self::check_link_count(links.len())?;
        let (group_tokens, user_tokens) = self.link_tokens(subject, group).await?;
        let programs = self.catalog().await?;
        Ok(links
            .iter()
            .map(|link| {
                affiliate_with(
                    &link.url,
                    &programs,
                    &group_tokens,
                    &user_tokens,
                    link.options,
                )
            })
            .collect())
    }

    /// One URL (not empty); an unusable URL is a validation error of the request.
    pub async fn affiliate_link(
        &self,
        subject: &Subject,
        group: Option<GroupId>,
        link: LinkRequest,
    ) -> Result<AffiliatedLink> {
        let mut links = self.affiliate_links(subject, group, &[link]).await?;
        links
            .pop()
            .expect("one link per URL")
            .map_err(|e| DomainError::invalid(Issue::UnusableUrl(e)))
    }

    /// The link as each storefront of its program's family would answer it.
    pub async fn link_localizations(
        &self,
        subject: &Subject,
        group: Option<GroupId>,
        url: &str,
    ) -> Result<Vec<AffiliatedLink>> {
        let (group_tokens, user_tokens) = self.link_tokens(subject, group).await?;
        let programs = self.catalog().await?;
        localizations(url, &programs, &group_tokens, &user_tokens)
            .map_err(|e| DomainError::invalid(Issue::UnusableUrl(e)))
    }
}
