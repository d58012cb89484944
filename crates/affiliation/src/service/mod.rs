//! The operations of the domain: who may act for whom, what is checked, what is stored.

mod catalog_admin;
pub use catalog_admin::require_admin;
mod history;

use crate::catalog_cache::CatalogCache;
use crate::credentials::{hash, hashes_match, IssuedKeys};
use crate::error::{DomainError, Problem, Result, StoreError};
use crate::ids::parse_guid;
use crate::key_cache::KeyCache;
use crate::link::{apply, find_program, parse_product_url, Applied, LinkError};
use crate::model::{
    Account, Actor, Group, Level, Parameters, Program, ProgramTokens, TokenRecord,
    TokenSetSnapshot, TokenView, User,
};
use crate::paging::{Page, Paged};
use crate::store::{Store, TokenScope};
use crate::validation::{is_displayable_name, parameter_warnings, validate_parameters, Patterns};
use std::collections::HashSet;
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

/// Longest group name we accept.
pub const MAX_GROUP_NAME: usize = 100;
/// Most programs in one token-set write.
pub const MAX_PROGRAMS_PER_SET: usize = 256;

pub struct Affiliation {
    store: Arc<dyn Store>,
    patterns: Patterns,
    keys: KeyCache,
    catalog: CatalogCache,
}

/// A group and its overrides.
#[derive(Debug, Clone)]
pub struct GroupTokens {
    pub group: Group,
    pub tokens: Vec<TokenView>,
}

/// Whose tokens went on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedLevel {
    Group,
    User,
    None,
}

impl AppliedLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AppliedLevel::Group => "group",
            AppliedLevel::User => "user",
            AppliedLevel::None => "none",
        }
    }
}

/// A product link with the caller's tokens applied (or left alone, and why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffiliatedLink {
    pub original_url: String,
    pub url: String,
    pub program: Option<(Uuid, String)>,
    pub level: AppliedLevel,
    /// Why the link was left unchanged, when it was.
    pub reason: Option<String>,
}

/// Most URLs in one batch link request.
pub const MAX_LINKS_PER_REQUEST: usize = 1000;

/// Short-link hosts whose destination we cannot see without following them.
const SHORT_LINK_HOSTS: &[&str] = &[
    "amzn.to",
    "a.co",
    "amzn.eu",
    "amzn.asia",
    "ebay.us",
    "geni.us",
    "etsy.me",
];

/// A token record written: its GUID, and (parameter, message) for each accepted value
/// that does not look like what the program expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub guid: Uuid,
    pub warnings: Vec<(String, String)>,
}

/// One program's tokens in a token-set write, as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct ProgramTokensInput {
    pub program_guid: Option<String>,
    pub affiliate_tokens: Option<Parameters>,
}

impl Affiliation {
    pub fn new(store: Arc<dyn Store>) -> Affiliation {
        Affiliation {
            store,
            patterns: Patterns::default(),
            keys: KeyCache::default(),
            catalog: CatalogCache::default(),
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    // ---- accounts -------------------------------------------------------------

    /// The account holding this key. When a secret is presented it must match too.
    pub async fn authenticate(&self, key: &str, secret: Option<&str>) -> Result<Option<Account>> {
        let key_hash = hash(key);
        let (account, secret_hash) = match self.keys.get(&key_hash) {
            Some(found) => found,
            None => {
                let Some((account, secret_hash)) = self.store.account_by_key(&key_hash).await?
                else {
                    return Ok(None);
                };
                self.keys
                    .put(key_hash, account.clone(), secret_hash.clone());
                (account, secret_hash)
            }
        };
        if let Some(secret) = secret {
            if !hashes_match(&hash(secret), &secret_hash) {
                return Ok(None);
            }
        }
        Ok(Some(account))
    }

    pub async fn add_user(&self, username: &str, is_admin: bool) -> Result<(User, IssuedKeys)> {
        if !valid_username(username) {
            return Err(DomainError::invalid(Problem::new(
                "InvalidUsername",
                "Username",
                "A username is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.",
            )));
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
        self.keys.clear();
        if !stored {
            return Err(DomainError::NotFound(format!(
                "User '{username}' not found"
            )));
        }
        Ok(keys)
    }

    pub async fn revoke_keys(&self, username: &str) -> Result<()> {
        let revoked = self.store.set_keys(username, None).await?;
        self.keys.clear();
        if !revoked {
            return Err(DomainError::NotFound(format!(
                "User '{username}' not found"
            )));
        }
        Ok(())
    }

    /// The `username` rule: empty means the caller; a non-admin may only name
    /// itself; an admin may name anyone and then acts for them.
    pub async fn subject(&self, caller: &Account, username: Option<&str>) -> Result<Account> {
        match username.map(str::trim).filter(|u| !u.is_empty()) {
            None => Ok(caller.clone()),
            // Usernames are one tenant whatever their case (unique ignoring case).
            Some(name) if name.eq_ignore_ascii_case(&caller.username) => Ok(caller.clone()),
            Some(_) if !caller.is_admin => Err(DomainError::Forbidden(
                "Only administrators may act for another user".into(),
            )),
            Some(name) => self
                .store
                .account_by_name(name)
                .await?
                // The name is the caller's input: not echoed.
                .ok_or_else(|| {
                    DomainError::NotFound("The user named in 'Username' was not found".into())
                }),
        }
    }

    // ---- catalog --------------------------------------------------------------

    /// Every stored program, from the catalog cache.
    async fn catalog(&self) -> Result<Arc<Vec<Program>>> {
        if let Some(programs) = self.catalog.get() {
            return Ok(programs);
        }
        Ok(self.catalog.put(self.store.programs().await?))
    }

    async fn program(&self, guid: Uuid) -> Result<Option<Program>> {
        Ok(self
            .catalog()
            .await?
            .iter()
            .find(|p| p.program_guid == guid)
            .cloned())
    }

    /// Loads the shipped catalog: adds programs not stored yet, never overwrites.
    pub async fn seed_catalog(&self, programs: &[Program]) -> Result<usize> {
        let added = self.store.add_missing_programs(programs, now()).await?;
        self.catalog.clear();
        Ok(added)
    }

    pub async fn programs(
        &self,
        include_disabled: bool,
        country: Option<&str>,
    ) -> Result<Vec<Program>> {
        let country = country.map(str::trim).filter(|c| !c.is_empty());
        if let Some(code) = country {
            if code.len() != 2 || !code.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(DomainError::invalid(Problem::new(
                    "InvalidCountry",
                    "Country",
                    "'Country' must be an ISO 3166 alpha-2 code such as US or GB.",
                )));
            }
        }
        let mut programs: Vec<Program> = self.catalog().await?.as_ref().clone();
        programs.retain(|p| {
            (include_disabled || !p.disabled)
                && country.is_none_or(|c| p.countries.iter().any(|pc| pc.eq_ignore_ascii_case(c)))
        });
        Ok(programs)
    }

    // ---- groups ---------------------------------------------------------------

    pub async fn create_group(
        &self,
        caller: &Account,
        username: Option<&str>,
        name: Option<&str>,
    ) -> Result<Group> {
        let subject = self.subject(caller, username).await?;
        let name = name.map(str::trim).unwrap_or("");
        if name.chars().count() > MAX_GROUP_NAME || name.chars().any(char::is_control) {
            return Err(DomainError::invalid(Problem::new(
                "InvalidGroupName",
                "Name",
                format!("'Name' must be at most {MAX_GROUP_NAME} printable characters."),
            )));
        }
        if !is_displayable_name(name) {
            return Err(DomainError::invalid(Problem::new(
                "InvalidGroupName",
                "Name",
                "'Name' must not contain bidirectional or zero-width control characters.",
            )));
        }
        let name = if name.is_empty() { "Group" } else { name };
        Ok(self
            .store
            .create_group(name, &actor(caller, &subject))
            .await?)
    }

    /// One window of the subject's groups, ordered by id (paged in the database).
    pub async fn groups(
        &self,
        caller: &Account,
        username: Option<&str>,
        page: Page,
    ) -> Result<Paged<Group>> {
        let subject = self.subject(caller, username).await?;
        Ok(self.store.groups(subject.id, page).await?)
    }

    pub async fn delete_group(
        &self,
        caller: &Account,
        username: Option<&str>,
        group_id: u32,
    ) -> Result<()> {
        check_group_id(group_id)?;
        let subject = self.subject(caller, username).await?;
        self.owned_group(&subject, group_id).await?;
        if !self
            .store
            .delete_group(group_id, &actor(caller, &subject))
            .await?
        {
            return Err(group_not_found(group_id));
        }
        Ok(())
    }

    async fn owned_group(&self, subject: &Account, group_id: u32) -> Result<Group> {
        match self.store.group(group_id).await? {
            Some(group) if group.owner_id == subject.id => Ok(group),
            // Another tenant's group is indistinguishable from a missing one.
            _ => Err(group_not_found(group_id)),
        }
    }

    /// Resolves the subject and, for group level, checks the group is theirs.
    async fn subject_at(
        &self,
        caller: &Account,
        username: Option<&str>,
        level: Level,
    ) -> Result<Account> {
        if let Level::Group(id) = level {
            check_group_id(id)?;
        }
        let subject = self.subject(caller, username).await?;
        if let Level::Group(id) = level {
            self.owned_group(&subject, id).await?;
        }
        Ok(subject)
    }

    // ---- token records -------------------------------------------------------

    pub async fn tokens(
        &self,
        caller: &Account,
        username: Option<&str>,
        level: Level,
        include_disabled: bool,
        page: Page,
    ) -> Result<Paged<TokenView>> {
        let mut tokens = match level {
            Level::User => {
                let subject = self.subject(caller, username).await?;
                self.store.tokens(subject.id, TokenScope::User).await?
            }
            // The hottest read: ownership and overrides in one statement.
            Level::Group(id) => {
                check_group_id(id)?;
                let subject = self.subject(caller, username).await?;
                self.store
                    .group_tokens(subject.id, id)
                    .await?
                    .ok_or_else(|| group_not_found(id))?
            }
        };
        tokens.retain(|t| include_disabled || !t.program_disabled);
        // At most one record per program: bounded by the catalog, paged in memory.
        Ok(page.of(tokens))
    }

    /// One window of the subject's groups (ordered by id) with their overrides (tokens
    /// of disabled programs left out); `total` counts the groups.
    pub async fn all_group_tokens(
        &self,
        caller: &Account,
        username: Option<&str>,
        page: Page,
    ) -> Result<Paged<GroupTokens>> {
        let subject = self.subject(caller, username).await?;
        let groups = self.store.groups(subject.id, page).await?;
        let tokens = if groups.items.is_empty() {
            Vec::new()
        } else {
            self.store
                .tokens(subject.id, TokenScope::Groups(page))
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

    /// Connects a program at a level; 409 when it is already connected there.
    /// Returns the new record's GUID and warnings about accepted values.
    pub async fn add_tokens(
        &self,
        caller: &Account,
        username: Option<&str>,
        level: Level,
        program_guid: Option<&str>,
        parameters: Option<Parameters>,
    ) -> Result<Saved> {
        let program_guid = match required_guid(program_guid, "ProgramGuid") {
            Ok(guid) => guid,
            // Without a program the parameters cannot be checked, but their absence can:
            // report it with the GUID's problem, all problems at once.
            Err(DomainError::Invalid(mut problems)) => {
                if parameters.as_ref().is_none_or(|p| p.is_empty()) {
                    problems.push(Problem::new(
                        "NotEmpty",
                        "Parameters",
                        "'Parameters' must not be empty.",
                    ));
                }
                return Err(DomainError::Invalid(problems));
            }
            Err(other) => return Err(other),
        };
        let subject = self.subject_at(caller, username, level).await?;
        let program = self.writable_program(program_guid).await?;
        let parameters = self.checked_parameters(&program, parameters)?;
        let at = now();
        let record = TokenRecord {
            guid: Uuid::new_v4(),
            owner_id: subject.id,
            level,
            program_guid,
            parameters,
            created_at: at,
            updated_at: at,
        };
        let actor = Actor {
            at,
            ..actor(caller, &subject)
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
                        match level {
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

    /// Replaces the whole parameter set of an existing token record.
    pub async fn replace_tokens(
        &self,
        caller: &Account,
        username: Option<&str>,
        level: Level,
        guid: Option<&str>,
        parameters: Option<Parameters>,
    ) -> Result<Saved> {
        let guid = required_guid(guid, "Guid")?;
        let subject = self.subject_at(caller, username, level).await?;
        let record = self.owned_token(&subject, level, guid).await?;
        let program = self.writable_program(record.program_guid).await?;
        let parameters = self.checked_parameters(&program, parameters)?;
        let warnings = parameter_warnings(&program, &parameters, &self.patterns);
        self.store
            .replace_parameters(guid, level, &parameters, &actor(caller, &subject))
            .await?
            .ok_or_else(|| tokens_not_found(guid))?;
        Ok(Saved { guid, warnings })
    }

    pub async fn remove_tokens(
        &self,
        caller: &Account,
        username: Option<&str>,
        level: Level,
        guid: Option<&str>,
    ) -> Result<()> {
        let guid = required_guid(guid, "Guid")?;
        let subject = self.subject_at(caller, username, level).await?;
        if !self
            .store
            .delete_token(guid, level, &actor(caller, &subject))
            .await?
        {
            return Err(tokens_not_found(guid));
        }
        Ok(())
    }

    async fn owned_token(
        &self,
        subject: &Account,
        level: Level,
        guid: Uuid,
    ) -> Result<TokenRecord> {
        match self.store.token(guid).await? {
            Some(record) if record.owner_id == subject.id && record.level == level => Ok(record),
            _ => Err(tokens_not_found(guid)),
        }
    }

    async fn writable_program(&self, program_guid: Uuid) -> Result<Program> {
        let program = self.program(program_guid).await?.ok_or_else(|| {
            DomainError::NotFound(format!("Affiliate program {program_guid} not found"))
        })?;
        if program.disabled {
            return Err(DomainError::invalid(
                Problem::new(
                    "ProgramDisabled",
                    "ProgramGuid",
                    format!("{} is retired and accepts no new tokens.", program.name),
                )
                .meta("ProgramGuid", program_guid.to_string()),
            ));
        }
        Ok(program)
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

    // ---- link affiliation -----------------------------------------------------

    /// Rewrites each URL with the tokens that apply: the group's override for the
    /// matching program, else the user's own, else none. A URL that cannot be a
    /// product link is an error of its own item, not of the batch.
    pub async fn affiliate_links(
        &self,
        caller: &Account,
        username: Option<&str>,
        urls: &[String],
        group_id: Option<u32>,
    ) -> Result<Vec<Result<AffiliatedLink, LinkError>>> {
        if urls.len() > MAX_LINKS_PER_REQUEST {
            return Err(DomainError::invalid(Problem::new(
                "TooManyUrls",
                "Urls",
                format!("At most {MAX_LINKS_PER_REQUEST} URLs may be sent at once."),
            )));
        }
        if let Some(id) = group_id {
            check_group_id(id)?;
        }
        let subject = self.subject(caller, username).await?;
        // The group's ownership and overrides in one read (the hot one), before the user's.
        let group_tokens = match group_id {
            Some(id) => self
                .store
                .group_tokens(subject.id, id)
                .await?
                .ok_or_else(|| group_not_found(id))?,
            None => Vec::new(),
        };
        let programs = self.catalog().await?;
        let user_tokens = self.store.tokens(subject.id, TokenScope::User).await?;
        let tokens_for = |program: Uuid, views: &[TokenView]| {
            views
                .iter()
                .find(|v| v.record.program_guid == program)
                .map(|v| v.record.parameters.clone())
        };
        Ok(urls
            .iter()
            .map(|text| {
                let url = parse_product_url(text)?;
                let unchanged = |reason: String, program: Option<&Program>| AffiliatedLink {
                    original_url: text.clone(),
                    url: text.clone(),
                    program: program.map(|p| (p.program_guid, p.name.clone())),
                    level: AppliedLevel::None,
                    reason: Some(reason),
                };
                let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
                if SHORT_LINK_HOSTS
                    .iter()
                    .any(|h| host == *h || host.ends_with(&format!(".{h}")))
                {
                    return Ok(unchanged(
                        format!(
                            "{host} is a short-link host; expand the link to its product URL first"
                        ),
                        None,
                    ));
                }
                let Some(program) = find_program(&programs, &url) else {
                    return Ok(unchanged(
                        format!("No affiliate program covers {host}"),
                        None,
                    ));
                };
                if program.disabled {
                    return Ok(unchanged(
                        format!("{} is retired; its tokens no longer apply", program.name),
                        Some(program),
                    ));
                }
                let (tokens, level) = match tokens_for(program.program_guid, &group_tokens) {
                    Some(tokens) => (tokens, AppliedLevel::Group),
                    None => match tokens_for(program.program_guid, &user_tokens) {
                        Some(tokens) => (tokens, AppliedLevel::User),
                        None => {
                            return Ok(unchanged(
                                format!("No tokens are connected for {}", program.name),
                                Some(program),
                            ))
                        }
                    },
                };
                Ok(match apply(program, &url, &tokens) {
                    Applied::Rewritten(rewritten) => AffiliatedLink {
                        original_url: text.clone(),
                        url: rewritten,
                        program: Some((program.program_guid, program.name.clone())),
                        level,
                        reason: None,
                    },
                    Applied::Unsupported(reason) => unchanged(reason, Some(program)),
                })
            })
            .collect())
    }

    /// One URL; an unusable URL is a validation error of the request.
    pub async fn affiliate_link(
        &self,
        caller: &Account,
        username: Option<&str>,
        url: Option<&str>,
        group_id: Option<u32>,
    ) -> Result<AffiliatedLink> {
        let url = url.map(str::trim).unwrap_or("");
        if url.is_empty() {
            return Err(DomainError::invalid(Problem::new(
                "NotEmpty",
                "Url",
                "'Url' must not be empty.",
            )));
        }
        let mut links = self
            .affiliate_links(caller, username, &[url.to_string()], group_id)
            .await?;
        links.pop().expect("one link per URL").map_err(|e| {
            DomainError::invalid(Problem::new(
                "InvalidUrl",
                "Url",
                format!("'Url' is not usable: {e}."),
            ))
        })
    }

    // ---- token-set snapshots ---------------------------------------------------

    /// Writes many programs' user-level tokens at once, all or nothing.
    pub async fn save_token_set(
        &self,
        caller: &Account,
        username: Option<&str>,
        programs: Option<Vec<ProgramTokensInput>>,
    ) -> Result<TokenSetSnapshot> {
        let subject = self.subject(caller, username).await?;
        let programs = programs.unwrap_or_default();
        if programs.is_empty() {
            return Err(DomainError::invalid(Problem::new(
                "NotEmpty",
                "AffiliatePrograms",
                "'Affiliate Programs' must not be empty.",
            )));
        }
        if programs.len() > MAX_PROGRAMS_PER_SET {
            return Err(DomainError::invalid(Problem::new(
                "TooManyPrograms",
                "AffiliatePrograms",
                format!(
                    "'Affiliate Programs' must not have more than {MAX_PROGRAMS_PER_SET} entries."
                ),
            )));
        }
        let mut problems = Vec::new();
        let mut accepted = Vec::new();
        let mut seen = HashSet::new();
        for (index, input) in programs.into_iter().enumerate() {
            let at_index = |p: Problem| p.meta("Index", index.to_string());
            let program_guid = match required_guid(input.program_guid.as_deref(), "ProgramGuid") {
                Ok(guid) => guid,
                Err(DomainError::Invalid(found)) => {
                    problems.extend(found.into_iter().map(at_index));
                    continue;
                }
                Err(e) => return Err(e),
            };
            if !seen.insert(program_guid) {
                problems.push(at_index(Problem::new(
                    "DuplicateProgram",
                    "ProgramGuid",
                    format!("Program {program_guid} appears more than once."),
                )));
                continue;
            }
            let program = match self.writable_program(program_guid).await {
                Ok(program) => program,
                Err(DomainError::NotFound(message)) => {
                    problems.push(at_index(Problem::new("NotFound", "ProgramGuid", message)));
                    continue;
                }
                Err(DomainError::Invalid(found)) => {
                    problems.extend(found.into_iter().map(at_index));
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
                problems.extend(found.into_iter().map(|p| Problem {
                    field: "AffiliateTokens",
                    ..at_index(p)
                }));
            }
        }
        if !problems.is_empty() {
            return Err(DomainError::Invalid(problems));
        }
        let at = now();
        let snapshot = TokenSetSnapshot {
            id: 0,
            set_guid: Uuid::new_v4(),
            owner_id: subject.id,
            username: subject.username.clone(),
            programs: accepted,
            created_at: at,
            updated_at: at,
        };
        Ok(self
            .store
            .save_token_set(
                &snapshot,
                &Actor {
                    at,
                    ..actor(caller, &subject)
                },
            )
            .await?)
    }

    /// A snapshot is visible to its owner and to admins.
    pub async fn token_set(
        &self,
        caller: &Account,
        set_guid: Option<&str>,
    ) -> Result<TokenSetSnapshot> {
        let set_guid = required_guid(set_guid, "SetGuid")?;
        match self.store.token_set(set_guid).await? {
            Some(set) if set.owner_id == caller.id || caller.is_admin => Ok(set),
            _ => Err(DomainError::NotFound(format!(
                "Affiliate tokens set {set_guid} not found"
            ))),
        }
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn actor(caller: &Account, subject: &Account) -> Actor {
    Actor {
        caller_id: caller.id,
        subject_id: subject.id,
        at: now(),
    }
}

fn valid_username(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= 64
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
}

fn check_group_id(group_id: u32) -> Result<()> {
    if group_id == 0 {
        return Err(DomainError::invalid(Problem::new(
            "GreaterThan",
            "GroupId",
            "'Group Id' must be greater than '0'.",
        )));
    }
    Ok(())
}

fn required_guid(text: Option<&str>, field: &'static str) -> Result<Uuid> {
    let text = text.map(str::trim).unwrap_or("");
    if text.is_empty() {
        return Err(DomainError::invalid(Problem::new(
            "NotEmpty",
            field,
            format!("'{}' must not be empty.", spaced(field)),
        )));
    }
    parse_guid(text).ok_or_else(|| {
        DomainError::invalid(Problem::new(
            "InvalidGuid",
            field,
            format!("'{}' is not a valid GUID.", spaced(field)),
        ))
    })
}

/// FluentValidation's display names: `ProgramGuid` -> `Program Guid`.
fn spaced(pascal: &str) -> String {
    let mut out = String::new();
    for (i, c) in pascal.chars().enumerate() {
        if i > 0 && c.is_ascii_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn group_not_found(group_id: u32) -> DomainError {
    DomainError::NotFound(format!("Group {group_id} not found"))
}

fn tokens_not_found(guid: Uuid) -> DomainError {
    DomainError::NotFound(format!("Affiliate tokens {guid} not found"))
}
