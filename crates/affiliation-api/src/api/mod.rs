//! The AffiliationAPI operations: each declared once (routes, docs, auth, DTOs,
//! handler). The host derives routing and binding from these declarations.

mod answers;
mod auth;
mod convert;
pub use convert::timestamp;
pub mod dtos;
mod errors;
pub use errors::describe;
mod guid;
mod levels;

use affiliation::link::LinkOptions;
use affiliation::model::Account;
use affiliation::paging::Page;
use affiliation::service::{link_options, visitor_country, LinkRequest};
use affiliation::{Affiliation, DomainError, Issue, ProgramTokensInput};
use auth::ApiKeyAuthenticator;
use dtos::*;
use errors::{service_error, Failure};
use servicehost::{operation, Host, Operation, ServiceError, Verb};
use std::future::Future;
use std::sync::Arc;

pub const SERVICE_NAME: &str = "AffiliationAPI";

const CATALOG_NOTE: &str =
    "Parameter names must match the information we have for the affiliate network; \
this information may be obtained using the GET /v3/affiliate-programs endpoint.";

/// Appended to the notes of every list operation.
macro_rules! paged_notes {
    ($notes:literal) => {
        concat!(
            $notes,
            " Paged with skip and take (AutoQuery's names): take defaults to 1,000, the most one answer holds \
(larger values are clamped to it), and total counts every matching item. Without paging parameters the \
answer is the whole list as long as it holds at most 1,000 items; beyond that it holds the first 1,000 \
and total tells how many there are. The order is stable, so consecutive windows neither skip nor repeat items."
        )
    };
}

fn page(skip: Option<u32>, take: Option<u32>) -> Page {
    Page::new(skip, take)
}

/// A cache of ready-to-send answers for the host, kept fresh by the store's changes.
pub fn answer_cache(app: &Affiliation, budget_bytes: usize) -> Arc<servicehost::AnswerCache> {
    answers::cache(app, budget_bytes)
}

/// The host with every operation of the service.
pub fn host(app: Arc<Affiliation>) -> Host<ApiKeyAuthenticator> {
    let health_app = app.clone();
    Host::new(SERVICE_NAME, ApiKeyAuthenticator(app.clone()))
        .xml_namespaces(
            "AffiliationAPI.ServiceModel.V4.Requests",
            "AffiliationAPI.ServiceModel.V4.Responses",
        )
        .type_assembly("AffiliationAPI.ServiceModel")
        .operations(operations(&app))
        .health_check(move || {
            let app = health_app.clone();
            async move { app.store().ping().await.is_ok() }
        })
}

/// A handler's answer on its way.
type Pending<Resp> = std::pin::Pin<Box<dyn Future<Output = Result<Resp, ServiceError>> + Send>>;

/// Adapts a handler to the host: the app is passed in, and what the handler fails
/// with (a domain error, or a request that does not read) is answered as a wire error.
fn call<Req, Resp, F, Fut>(
    app: &Arc<Affiliation>,
    f: F,
) -> impl Fn(Arc<Account>, Req) -> Pending<Resp> + Send + Sync + 'static
where
    Req: Send + 'static,
    Resp: Send + 'static,
    F: Fn(Arc<Affiliation>, Account, Req) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Resp, Failure>> + Send + 'static,
{
    let app = app.clone();
    move |caller, request| {
        let pending = f(app.clone(), Arc::unwrap_or_clone(caller), request);
        Box::pin(async move { pending.await.map_err(|Failure(error)| error) })
    }
}

/// Every operation of the service, each declared once (routes, summary, notes,
/// authentication, handler). Long on purpose: it is the service's table of contents,
/// read top to bottom; the handlers shared by the user and group variants are in
/// `levels.rs`, and each other handler is a few lines of read, resolve, call.
pub fn operations(app: &Arc<Affiliation>) -> Vec<Operation<Arc<Account>>> {
    vec![
        operation::<GetUserAffiliateTokensRequest, GetUserAffiliateTokensResponse>()
            .route(Verb::Get, "/v4/user-affiliate-tokens")
            .summary("Get the affiliate programs and tokens the user has connected")
            .notes(paged_notes!("Returns the connected programs with their tokens, ordered by program name."))
            .authenticated_cached(answers::key(answers::Listing::UserTokens), call(app, levels::list)),
        operation::<GetUserAffiliateTokensV3Request, GetUserAffiliateTokensResponse>()
            .route(Verb::Get, "/v3/user-affiliate-tokens")
            .summary("Get the user's connected programs with the GUID of each")
            .notes(paged_notes!("The GUID (affiliateTokensId) of each program is what PUT and DELETE /v4/user-affiliate-tokens/{guid} take."))
            .authenticated_cached(answers::key(answers::Listing::UserTokensV3), call(app, levels::list)),
        operation::<PostUserAffiliateTokensRequest, PostUserAffiliateTokensResponse>()
            .route(Verb::Post, "/v4/user-affiliate-tokens")
            .summary("Add the user's affiliate info for a specific program")
            .notes(CATALOG_NOTE)
            .authenticated(call(app, levels::add)),
        operation::<PutUserAffiliateTokensRequest, PutUserAffiliateTokensResponse>()
            .route(Verb::Put, "/v4/user-affiliate-tokens/{guid}")
            .summary("Update the user's affiliate info for a specific program")
            .notes(CATALOG_NOTE)
            .authenticated(call(app, levels::replace)),
        operation::<DeleteUserAffiliateTokensRequest, DeleteUserAffiliateTokensResponse>()
            .route(Verb::Delete, "/v4/user-affiliate-tokens/{guid}")
            .summary("Delete the user's affiliate info for a specific program")
            .notes("The GUID is unique per program per user; read it from GET /v3/user-affiliate-tokens.")
            .authenticated(call(app, levels::remove)),
        operation::<GetGroupAffiliateTokensRequest, GetGroupAffiliateTokensResponse>()
            .route(Verb::Get, "/v4/groups/{groupId}/group-affiliate-tokens")
            .summary("Get the affiliate override programs and tokens of a group")
            .notes(paged_notes!("Returns the group's override programs with their tokens, ordered by program name."))
            .authenticated_cached(answers::key(answers::Listing::GroupTokens), call(app, levels::list)),
        operation::<GetAllGroupAffiliateTokensRequest, GetAllGroupAffiliateTokensResponse>()
            .route(Verb::Get, "/v3/group-affiliate-tokens")
            .summary("Get every group of the user with its override programs and their GUIDs")
            .notes(paged_notes!("The GUID (affiliateTokensId) of each override is what PUT and DELETE \
/v4/groups/{groupId}/group-affiliate-tokens/{guid} take. Groups are ordered by id; skip, take and total count groups."))
            .authenticated(call(app, |app, caller, req: GetAllGroupAffiliateTokensRequest| async move {
                let subject = app.subject(&caller, req.username.as_deref()).await?;
                let groups = app.all_group_tokens(&subject, page(req.skip, req.take)).await?;
                Ok(GetAllGroupAffiliateTokensResponse {
                    total: Some(groups.total),
                    groups: groups
                        .items
                        .into_iter()
                        .map(|g| GroupAffiliatePrograms {
                            group_id: g.group.id,
                            name: Some(g.group.name),
                            affiliate_programs: g.tokens.into_iter().map(convert::connected_program).collect(),
                        })
                        .collect(),
                    response_status: None,
                })
            })),
        operation::<PostGroupAffiliateTokensRequest, PostGroupAffiliateTokensResponse>()
            .route(Verb::Post, "/v4/groups/{groupId}/group-affiliate-tokens")
            .summary("Add group affiliate override info for a specific program")
            .notes(CATALOG_NOTE)
            .authenticated(call(app, levels::add)),
        operation::<PutGroupAffiliateTokensRequest, PutGroupAffiliateTokensResponse>()
            .route(Verb::Put, "/v4/groups/{groupId}/group-affiliate-tokens/{guid}")
            .summary("Update user's group affiliate info for specific program")
            .notes("List of user's group currently connected affiliate programs (including assigned GUID per program) \
may be retrieved by calling the GET /v3/group-affiliate-tokens endpoint.\nPlease note that parameter names must match \
the information we have for the affiliate network, this information may be obtained using the GET /v3/affiliate-programs endpoint.")
            .authenticated(call(app, levels::replace)),
        operation::<DeleteGroupAffiliateTokensRequest, DeleteGroupAffiliateTokensResponse>()
            .route(Verb::Delete, "/v4/groups/{groupId}/group-affiliate-tokens/{guid}")
            .summary("Delete the user's group affiliate info for a specific program")
            .notes("The GUID is unique per program per user's group; read it from GET /v3/group-affiliate-tokens.")
            .authenticated(call(app, levels::remove)),
        operation::<GetAffiliateTokensSetRequest, GetAffiliateTokensSetResponse>()
            .route(Verb::Get, "/v4/affiliate-tokens-sets")
            .summary("Get a token set written by POST /v4/affiliate-tokens-sets")
            .notes("Visible to the user who wrote it and to administrators.")
            .authenticated(call(app, |app, caller, req: GetAffiliateTokensSetRequest| async move {
                let set_guid = guid::required(req.set_guid.as_deref(), "SetGuid")?;
                let set = app.token_set(&caller, set_guid).await?;
                Ok(GetAffiliateTokensSetResponse {
                    affiliate_tokens_set: Some(convert::token_set(set)),
                    response_status: None,
                })
            })),
        operation::<PostAffiliateTokensSetRequest, PostAffiliateTokensSetResponse>()
            .route(Verb::Post, "/v4/affiliate-tokens-sets")
            .summary("Write the user's tokens for many programs at once")
            .notes("Every program is validated as in single writes; all are written or none. Returns the set's GUID.")
            .authenticated(call(app, |app, caller, req: PostAffiliateTokensSetRequest| async move {
                let subject = app.subject(&caller, req.username.as_deref()).await?;
                // Entries whose program GUID does not read are reported here, in entry
                // order with the domain's problems; the domain counts them.
                let mut unread = Vec::new();
                let programs = req
                    .affiliate_programs
                    .unwrap_or_default()
                    .into_iter()
                    .enumerate()
                    .map(|(index, p)| match guid::required(Some(&p.program_guid), "ProgramGuid") {
                        Ok(program_guid) => Some(ProgramTokensInput {
                            program_guid,
                            affiliate_tokens: Some(p.affiliate_tokens),
                        }),
                        Err(error) => {
                            unread.push((index, error.with_meta("Index", index.to_string())));
                            None
                        }
                    })
                    .collect();
                let set = app
                    .save_token_set(&subject, programs)
                    .await
                    .map_err(|e| match e {
                        // Problems of the set as a whole (empty, too many) come alone.
                        DomainError::Invalid(ref problems) if problems.iter().all(|p| p.item.is_some()) => {
                            errors::merged(unread, e)
                        }
                        e => e.into(),
                    })?;
                Ok(PostAffiliateTokensSetResponse {
                    success: true,
                    affiliate_tokens_set_guid: guid::n_form(set.set_guid),
                    response_status: None,
                })
            })),
        operation::<GetAffiliateProgramsRequest, GetAffiliateProgramsResponse>()
            .route(Verb::Get, "/v3/affiliate-programs")
            .route(Verb::Get, "/v4/affiliate-programs")
            .summary("Get the catalog of affiliate programs and the parameters each accepts")
            .notes("Retired programs are listed only with includeDisabled=true.")
            .authenticated(call(app, |app, _caller, req: GetAffiliateProgramsRequest| async move {
                let programs = app.programs(req.include_disabled, req.country.as_deref()).await?;
                Ok(GetAffiliateProgramsResponse {
                    affiliate_programs: programs.into_iter().map(convert::program_info).collect(),
                    response_status: None,
                })
            })),
        operation::<PutAffiliateProgramRequest, PutAffiliateProgramResponse>()
            .route(Verb::Put, "/v4/affiliate-programs/{programGuid}")
            .summary("Add a program to the catalog or replace its definition")
            .notes("Administrators only. Set disabled=true to retire a program: its tokens stay stored but stop \
applying to links and are listed only with includeDisabled=true.")
            .authenticated_where(
                |caller: &Arc<Account>| affiliation::service::require_admin(caller).map_err(service_error),
                call(app, |app, caller, req: PutAffiliateProgramRequest| async move {
                    let program_guid = guid::required(req.program_guid.as_deref(), "ProgramGuid");
                    let draft = convert::program_draft(req);
                    let program_guid = program_guid.map_err(|error| {
                        // Every problem of the definition at once, the GUID's first.
                        let problems = affiliation::catalog::check_draft(&draft);
                        errors::merged(vec![(0, error)], DomainError::Invalid(problems))
                    })?;
                    let (program, created) = app.save_program(&caller, program_guid, draft).await?;
                    Ok(PutAffiliateProgramResponse {
                        success: true,
                        created,
                        affiliate_program: Some(convert::program_info(program)),
                        response_status: None,
                    })
                }),
            ),
        operation::<GetUserAffiliateTokensHistoryRequest, GetAffiliateTokensHistoryResponse>()
            .route(Verb::Get, "/v4/user-affiliate-tokens/{guid}/history")
            .summary("Who changed one of the user's token sets, what, and when")
            .notes(paged_notes!("Oldest change first. Values of parameters the catalog marks sensitive are masked."))
            .authenticated(call(app, levels::history)),
        operation::<GetGroupAffiliateTokensHistoryRequest, GetAffiliateTokensHistoryResponse>()
            .route(Verb::Get, "/v4/groups/{groupId}/group-affiliate-tokens/{guid}/history")
            .summary("Who changed one of a group's override token sets, what, and when")
            .notes(paged_notes!("Oldest change first. Values of parameters the catalog marks sensitive are masked."))
            .authenticated(call(app, levels::history)),
        operation::<PostGroupRequest, PostGroupResponse>()
            .route(Verb::Post, "/v4/groups")
            .summary("Create a group of links")
            .notes("Returns the new group's id.")
            .authenticated(call(app, |app, caller, req: PostGroupRequest| async move {
                let subject = app.subject(&caller, req.username.as_deref()).await?;
                let group = app.create_group(&subject, req.name.as_deref()).await?;
                Ok(PostGroupResponse {
                    success: true,
                    group_id: group.id,
                    name: Some(group.name),
                    response_status: None,
                })
            })),
        operation::<GetGroupsRequest, GetGroupsResponse>()
            .route(Verb::Get, "/v4/groups")
            .summary("Get the user's groups")
            .notes(paged_notes!("Ordered by group id."))
            .authenticated(call(app, |app, caller, req: GetGroupsRequest| async move {
                let subject = app.subject(&caller, req.username.as_deref()).await?;
                let groups = app.groups(&subject, page(req.skip, req.take)).await?;
                Ok(GetGroupsResponse {
                    groups: groups.items.into_iter().map(convert::group_info).collect(),
                    total: Some(groups.total),
                    response_status: None,
                })
            })),
        operation::<DeleteGroupRequest, DeleteGroupResponse>()
            .route(Verb::Delete, "/v4/groups/{groupId}")
            .summary("Delete a group and its override tokens")
            .notes("The group's overrides are deleted with it, each recorded in the history.")
            .authenticated(call(app, |app, caller, req: DeleteGroupRequest| async move {
                let group = errors::group_id(req.group_id)?;
                let subject = app.subject(&caller, req.username.as_deref()).await?;
                app.delete_group(&subject, group).await?;
                Ok(DeleteGroupResponse { success: true, response_status: None })
            })),
        operation::<GetAffiliateLinkRequest, GetAffiliateLinkResponse>()
            .route(Verb::Get, "/v4/affiliate-link")
            .summary("Rewrite a product link with the affiliate tokens that apply to it")
            .notes("The group's override for the matching program applies first, then the user's own tokens; \
otherwise the link is returned unchanged with the reason. Someone else's attribution is removed and their tracking \
links re-issued, never nested. With country (ISO 3166-1 alpha-2), the link moves to that country's storefront of the \
program's family (all Amazon storefronts; Apple), or the catalog's fallback for it, and that storefront's tokens apply; \
missingToken, honorExisting and disableAffiliation say what happens without local tokens, with an existing \
attribution, and for links that must not earn.")
            .authenticated(call(app, |app, caller, req: GetAffiliateLinkRequest| async move {
                let url = req.url.as_deref().map(str::trim).unwrap_or("");
                if url.is_empty() {
                    return Err(DomainError::invalid(Issue::NoUrl).into());
                }
                let options = link_options(
                    req.country.as_deref(),
                    req.missing_token.as_deref(),
                    req.honor_existing,
                    req.disable_affiliation,
                )?;
                let group = req.group_id.map(errors::group_id).transpose()?;
                let subject = app.subject(&caller, req.username.as_deref()).await?;
                let link = LinkRequest { url: url.to_string(), options };
                Ok(convert::single_link(app.affiliate_link(&subject, group, link).await?))
            })),
        operation::<PostAffiliateLinksRequest, PostAffiliateLinksResponse>()
            .route(Verb::Post, "/v4/affiliate-links")
            .summary("Rewrite up to 1,000 product links at once")
            .batch_budget("urls", affiliation::link::MAX_LINKS_PER_REQUEST)
            .notes("Each link is answered in order (urls, then items); a URL that cannot be used carries errorCode \
InvalidUrl and does not fail the others. country, missingToken, honorExisting and disableAffiliation apply to every \
link as in GET /v4/affiliate-link; an item's own country replaces the request's.")
            .authenticated(call(app, |app, caller, req: PostAffiliateLinksRequest| async move {
                let items = req.items.unwrap_or_default();
                Affiliation::check_link_count(req.urls.len() + items.len())?;
                let options = link_options(
                    req.country.as_deref(),
                    req.missing_token.as_deref(),
                    req.honor_existing,
                    req.disable_affiliation,
                )?;
                let mut links: Vec<LinkRequest> = req
                    .urls
                    .into_iter()
                    .map(|url| LinkRequest { url, options })
                    .collect();
                let first_item = links.len();
                let mut problems = Vec::new();
                for (index, item) in items.into_iter().enumerate() {
                    let country = match item.country.as_deref() {
                        None => options.country,
                        given => visitor_country(given).unwrap_or_else(|issue| {
                            problems.push(affiliation::Problem::from(issue).at(first_item + index));
                            None
                        }),
                    };
                    links.push(LinkRequest { url: item.url, options: LinkOptions { country, ..options } });
                }
                if !problems.is_empty() {
                    return Err(DomainError::Invalid(problems).into());
                }
                let group = req.group_id.map(errors::group_id).transpose()?;
                let subject = app.subject(&caller, req.username.as_deref()).await?;
                let results = app.affiliate_links(&subject, group, &links).await?;
                Ok(PostAffiliateLinksResponse {
                    links: links
                        .iter()
                        .zip(results)
                        .map(|(link, result)| match result {
                            Ok(link) => convert::link(link),
                            Err(error) => convert::link_error(&link.url, error),
                        })
                        .collect(),
                    response_status: None,
                })
            })),
        operation::<GetAffiliateLinkLocalizationsRequest, GetAffiliateLinkLocalizationsResponse>()
            .route(Verb::Get, "/v4/affiliate-link/localizations")
            .summary("Where a product link earns: the link as each storefront of its program's family answers it")
            .notes("One entry per storefront of the family (all Amazon storefronts; Apple's countries), in catalog \
order, each with the link a visitor from that country gets (missingToken=local), whose tokens apply there and why \
none do. A program without a family has its one storefront; a URL no program covers has no entries.")
            .authenticated(call(app, |app, caller, req: GetAffiliateLinkLocalizationsRequest| async move {
                let url = req.url.as_deref().map(str::trim).unwrap_or("");
                if url.is_empty() {
                    return Err(DomainError::invalid(Issue::NoUrl).into());
                }
                let group = req.group_id.map(errors::group_id).transpose()?;
                let subject = app.subject(&caller, req.username.as_deref()).await?;
                let links = app.link_localizations(&subject, group, url).await?;
                Ok(GetAffiliateLinkLocalizationsResponse {
                    original_url: Some(url.to_string()),
                    localizations: links.into_iter().map(convert::localization).collect(),
                    response_status: None,
                })
            })),
    ]
}
