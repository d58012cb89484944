//! The token operations that exist at user level and at group level (list, add,
//! replace, remove, history): one handler each, parameterised by level. A request of
//! either variant is read into a [`TokensCommand`]; a group variant names its group,
//! a user variant does not, and that is the only difference.
//!
//! Each handler reads the request (GUIDs, the group id: 400) before resolving the
//! subject (the `username` rule: 403/404) and, at group level, the group (404), so
//! the order of checks is the same at both levels.

use super::convert;
use super::dtos::*;
use super::errors::{field_error, group_id, Failure};
use super::guid;
use affiliation::model::{Account, GroupId, Parameters};
use affiliation::paging::Page;
use affiliation::{Affiliation, Issue, Problem, Saved, Scope};
use servicehost::ServiceError;
use std::sync::Arc;
use uuid::Uuid;

/// A token operation's request, whichever variant (user or group) it came as.
#[derive(Default)]
pub struct TokensCommand {
    group_id: Option<u32>,
    username: Option<String>,
    guid: Option<String>,
    program_guid: Option<String>,
    parameters: Option<Parameters>,
    include_disabled: bool,
    skip: Option<u32>,
    take: Option<u32>,
}

/// `From<Request> for TokensCommand`, moving the members the request has.
macro_rules! tokens_command {
    ($($request:ident { $($member:ident),* };)*) => {$(
        impl From<$request> for TokensCommand {
            fn from(request: $request) -> Self {
                TokensCommand {
                    $($member: request.$member.into(),)*
                    ..TokensCommand::default()
                }
            }
        }
    )*};
}

tokens_command! {
    GetUserAffiliateTokensRequest { username, include_disabled, skip, take };
    GetUserAffiliateTokensV3Request { username, include_disabled, skip, take };
    GetGroupAffiliateTokensRequest { group_id, username, include_disabled, skip, take };
    PostUserAffiliateTokensRequest { username, program_guid, parameters };
    PostGroupAffiliateTokensRequest { group_id, username, program_guid, parameters };
    PutUserAffiliateTokensRequest { username, guid, parameters };
    PutGroupAffiliateTokensRequest { group_id, username, guid, parameters };
    DeleteUserAffiliateTokensRequest { username, guid };
    DeleteGroupAffiliateTokensRequest { group_id, username, guid };
    GetUserAffiliateTokensHistoryRequest { username, guid, skip, take };
    GetGroupAffiliateTokensHistoryRequest { group_id, username, guid, skip, take };
}

impl TokensCommand {
    /// The group the request names, if it names one (0 is 400).
    fn group(&self) -> Result<Option<GroupId>, Failure> {
        Ok(self.group_id.map(group_id).transpose()?)
    }

    /// For a listing the caller reads for itself without paging: its group (if it
    /// names one) and `includeDisabled`, what its kept answer depends on.
    pub fn answer_family(&self, caller: &Account) -> Option<(Option<u32>, bool)> {
        let for_self = self
            .username
            .as_deref()
            .map(str::trim)
            .is_none_or(|name| name.is_empty() || name.eq_ignore_ascii_case(&caller.username));
        let paged = self.skip.is_some() || self.take.is_some();
        (for_self && !paged).then_some((self.group_id, self.include_disabled))
    }

    fn page(&self) -> Page {
        Page::new(self.skip, self.take)
    }

    /// The record's GUID, then the level checked to be the subject's.
    async fn record(&self, app: &Affiliation, caller: &Account) -> Result<(Scope, Uuid), Failure> {
        let guid = guid::required(self.guid.as_deref(), "Guid")?;
        let group = self.group()?;
        let subject = app.subject(caller, self.username.as_deref()).await?;
        Ok((app.scope(&subject, group).await?, guid))
    }
}

/// A listing of token records, as either level's response carries it.
pub struct Listing {
    programs: Vec<AffiliateProgram>,
    total: u32,
}

/// The level-independent answers, built the same way for either variant's response.
macro_rules! responses {
    (listing: $($listing:ident),*; saved: $($saved:ident),*; done: $($done:ident),*;) => {
        $(impl From<Listing> for $listing {
            fn from(listing: Listing) -> Self {
                $listing {
                    affiliate_programs: listing.programs,
                    total: Some(listing.total),
                    response_status: None,
                }
            }
        })*
        $(impl From<Saved> for $saved {
            fn from(saved: Saved) -> Self {
                $saved {
                    success: true,
                    affiliate_tokens_id: Some(saved.guid.to_string()),
                    response_status: convert::warnings(saved.warnings),
                }
            }
        })*
        $(impl From<()> for $done {
            fn from((): ()) -> Self {
                $done { success: true, response_status: None }
            }
        })*
    };
}

responses! {
    listing: GetUserAffiliateTokensResponse, GetGroupAffiliateTokensResponse;
    saved: PostUserAffiliateTokensResponse, PutUserAffiliateTokensResponse,
        PostGroupAffiliateTokensResponse, PutGroupAffiliateTokensResponse;
    done: DeleteUserAffiliateTokensResponse, DeleteGroupAffiliateTokensResponse;
}

/// The subject's token records at the level, ordered by program name.
pub async fn list<Req: Into<TokensCommand>, Resp: From<Listing>>(
    app: Arc<Affiliation>,
    caller: Account,
    request: Req,
) -> Result<Resp, Failure> {
    let command = request.into();
    let group = command.group()?;
    let subject = app.subject(&caller, command.username.as_deref()).await?;
    let tokens = app
        .tokens(&subject, group, command.include_disabled, command.page())
        .await?;
    Ok(Listing {
        programs: tokens
            .items
            .into_iter()
            .map(convert::connected_program)
            .collect(),
        total: tokens.total,
    }
    .into())
}

/// Connects a program at the level. Without a usable program GUID the parameters
/// cannot be checked, but their absence can: both are reported at once.
pub async fn add<Req: Into<TokensCommand>, Resp: From<Saved>>(
    app: Arc<Affiliation>,
    caller: Account,
    request: Req,
) -> Result<Resp, Failure> {
    let command = request.into();
    let program_guid =
        guid::required(command.program_guid.as_deref(), "ProgramGuid").map_err(|error| {
            let mut errors = vec![error];
            if command.parameters.as_ref().is_none_or(|p| p.is_empty()) {
                errors.push(field_error(Problem::from(Issue::NoParameters)));
            }
            Failure(ServiceError::validation(errors))
        })?;
    let group = command.group()?;
    let subject = app.subject(&caller, command.username.as_deref()).await?;
    let scope = app.scope(&subject, group).await?;
    let saved = app
        .add_tokens(&scope, program_guid, command.parameters)
        .await?;
    Ok(saved.into())
}

/// Replaces the parameters of one of the level's records.
pub async fn replace<Req: Into<TokensCommand>, Resp: From<Saved>>(
    app: Arc<Affiliation>,
    caller: Account,
    request: Req,
) -> Result<Resp, Failure> {
    let command: TokensCommand = request.into();
    let (scope, guid) = command.record(&app, &caller).await?;
    let saved = app.replace_tokens(&scope, guid, command.parameters).await?;
    Ok(saved.into())
}

/// Deletes one of the level's records.
pub async fn remove<Req: Into<TokensCommand>, Resp: From<()>>(
    app: Arc<Affiliation>,
    caller: Account,
    request: Req,
) -> Result<Resp, Failure> {
    let command: TokensCommand = request.into();
    let (scope, guid) = command.record(&app, &caller).await?;
    app.remove_tokens(&scope, guid).await?;
    Ok(().into())
}

/// Who changed one of the level's records, oldest first.
pub async fn history<Req: Into<TokensCommand>>(
    app: Arc<Affiliation>,
    caller: Account,
    request: Req,
) -> Result<GetAffiliateTokensHistoryResponse, Failure> {
    let command: TokensCommand = request.into();
    let (scope, guid) = command.record(&app, &caller).await?;
    let entries = app.history(&scope, guid, command.page()).await?;
    Ok(GetAffiliateTokensHistoryResponse {
        history: entries
            .items
            .into_iter()
            .map(convert::history_entry)
            .collect(),
        total: Some(entries.total),
        response_status: None,
    })
}
