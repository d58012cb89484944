//! The wire DTOs, named and shaped as the original AffiliationAPI publishes them;
//! members marked (ours) extend it.

use servicehost::{dto, ResponseStatus};
use std::collections::BTreeMap;

/// The original's namespace of its concrete domain types (AffiliateProgram, token sets).
pub const DOMAIN_MODEL: &str = "AffiliationAPI.ServiceModel.DomainModel";
/// The original's namespace of the interfaces its domain types implement.
pub const CONTRACTS: &str = "Geniuslink.Affiliation.Contracts";

dto! {
    /// (ours) The paging members of every list request (AutoQuery's names); spliced
    /// into each, not a base type of theirs.
    pub struct Paging {
        /// (ours) How many items to leave out, as AutoQuery's skip.
        skip: Option<u32> as "skip" in query,
        /// (ours) The most items to answer, as AutoQuery's take: 1,000 when not given;
        /// larger values are clamped to 1,000.
        take: Option<u32> as "take" in query,
    }

    /// The members every token write request has.
    pub struct AffiliateTokensRequestBase [no_data_contract] {
        /// The user to act for; empty means the caller. Only admins may name another user.
        username: Option<String> as "username" in body [required],
        /// Parameter name to value; names must be the program's parameter names.
        parameters: Option<BTreeMap<String, String>> as "parameters" in body [required],
    }

    /// The member every response has.
    pub struct BaseResponse {
        response_status: Option<ResponseStatus> as "responseStatus" in body,
    }

    /// A program with its tokens, as the original's contracts declare it.
    pub struct IAffiliateProgram [interface, in_namespace(CONTRACTS)] {
        program_guid: String as "programGuid" in body,
        affiliate_tokens: BTreeMap<String, String> as "affiliateTokens" in body [idictionary],
    }

    /// The members of a stored token set (the original's contract).
    pub struct IAffiliateTokens [interface, in_namespace(CONTRACTS)] {
        id: Option<String> as "id" in body,
        created_at_utc: Option<String> as "createdAtUtc" in body [datetime],
        updated_at_utc: Option<String> as "updatedAtUtc" in body [datetime],
    }

    /// A user's token set (the original's contract).
    pub struct IAffiliateTokensSet [interface, in_namespace(CONTRACTS)] {
        username: Option<String> as "username" in body,
    }

    /// A program connected by a user or a group, with its tokens. The concrete class
    /// of the listed IAffiliateProgram items (named in their `__type` hints), so a
    /// client holding the original's DTOs resolves it.
    pub struct AffiliateProgram [in_namespace(DOMAIN_MODEL), implements::<IAffiliateProgram>] {
        /// The catalog program's GUID.
        program_guid: String as "programGuid" in body,
        /// Parameter name to value, e.g. tag: mytag-20.
        affiliate_tokens: BTreeMap<String, String> as "affiliateTokens" in body [idictionary],
        /// (ours) The GUID of this token set, needed by PUT and DELETE.
        affiliate_tokens_id: Option<String> as "affiliateTokensId" in body,
        /// (ours) The program's name.
        program_name: Option<String> as "programName" in body,
        /// (ours) Whether the program is retired.
        disabled: Option<bool> as "disabled" in body,
        /// (ours) When the tokens were last changed (ISO-8601 UTC).
        updated_at: Option<String> as "updatedAt" in body,
        /// (ours) The group, for group-level tokens.
        group_id: Option<u32> as "groupId" in body,
    }

    /// Get the affiliate programs and tokens the user has connected.
    pub struct GetUserAffiliateTokensRequest with Paging {
        /// The user to act for; empty means the caller. Only admins may name another user.
        username: Option<String> as "username" in query [required],
        /// Include tokens of retired programs.
        include_disabled: bool as "includeDisabled" in query,
    }

    pub struct GetUserAffiliateTokensResponse : BaseResponse {
        affiliate_programs: Vec<AffiliateProgram> as "affiliateTokensSet" in body
            [interface_items::<IAffiliateProgram>],
        /// (ours) How many items there are in all; the answer holds at most take of them.
        total: Option<u32> as "total" in body,
    }

    /// (ours) The user's token sets with their GUIDs, at the v3 route the original's notes name.
    pub struct GetUserAffiliateTokensV3Request with Paging {
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query,
        /// Include tokens of retired programs.
        include_disabled: bool as "includeDisabled" in query,
    }

    /// Add the user's affiliate info for one program.
    pub struct PostUserAffiliateTokensRequest : AffiliateTokensRequestBase {
        /// The program to connect (from GET /v3/affiliate-programs).
        program_guid: Option<String> as "programGuid" in body [required],
    } describing {
        /// The user to act for; empty means the caller.
        username,
    }

    pub struct PostUserAffiliateTokensResponse : BaseResponse {
        success: bool as "success" in body [bare],
        affiliate_tokens_id: Option<String> as "affiliateTokensId" in body [bare],
    }

    /// Update the user's affiliate info for one program.
    pub struct PutUserAffiliateTokensRequest : AffiliateTokensRequestBase {
        /// The token set's GUID (affiliateTokensId).
        guid: Option<String> as "guid" in path [required],
    } describing {
        /// The user to act for; empty means the caller.
        username,
        /// The complete new parameter set (replaces the old one).
        parameters,
    }

    pub struct PutUserAffiliateTokensResponse : BaseResponse {
        success: bool as "success" in body [bare],
        affiliate_tokens_id: Option<String> as "affiliateTokensId" in body [bare],
    }

    /// Delete the user's affiliate info for one program.
    pub struct DeleteUserAffiliateTokensRequest {
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query [required],
        /// The token set's GUID (affiliateTokensId).
        guid: Option<String> as "guid" in path [required],
    }

    pub struct DeleteUserAffiliateTokensResponse : BaseResponse {
        success: bool as "success" in body [bare],
    }

    /// Get the affiliate override programs and tokens of one group.
    pub struct GetGroupAffiliateTokensRequest with Paging {
        /// The group's id.
        group_id: u32 as "groupId" in path [required],
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query [required],
        /// (ours) Include tokens of retired programs.
        include_disabled: bool as "includeDisabled" in query,
    }

    pub struct GetGroupAffiliateTokensResponse : BaseResponse {
        affiliate_programs: Vec<AffiliateProgram> as "affiliatePrograms" in body
            [bare, interface_items::<IAffiliateProgram>],
        /// (ours) How many items there are in all; the answer holds at most take of them.
        total: Option<u32> as "total" in body,
    }

    /// Add group affiliate override info for one program.
    pub struct PostGroupAffiliateTokensRequest : AffiliateTokensRequestBase {
        /// The group's id.
        group_id: u32 as "groupId" in path [required],
        /// The program to connect (from GET /v3/affiliate-programs).
        program_guid: Option<String> as "programGuid" in body [required],
    } describing {
        /// The user to act for; empty means the caller.
        username,
    }

    pub struct PostGroupAffiliateTokensResponse : BaseResponse {
        success: bool as "success" in body [bare],
        affiliate_tokens_id: Option<String> as "affiliateTokensId" in body [bare],
    }

    /// Update user's group affiliate info for specific program.
    pub struct PutGroupAffiliateTokensRequest : AffiliateTokensRequestBase {
        /// The group's id.
        group_id: u32 as "groupId" in path [required],
        /// The token set's GUID (affiliateTokensId).
        guid: Option<String> as "guid" in path [required],
    } describing {
        /// The user to act for; empty means the caller.
        username,
        /// The complete new parameter set (replaces the old one).
        parameters,
    }

    pub struct PutGroupAffiliateTokensResponse : BaseResponse {
        success: bool as "success" in body [bare],
        affiliate_tokens_id: Option<String> as "affiliateTokensId" in body [bare],
    }

    /// Delete the user's group affiliate info for one program.
    pub struct DeleteGroupAffiliateTokensRequest {
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query [required],
        /// The group's id.
        group_id: u32 as "groupId" in path [required],
        /// The token set's GUID (affiliateTokensId).
        guid: Option<String> as "guid" in path [required],
    }

    pub struct DeleteGroupAffiliateTokensResponse : BaseResponse {
        success: bool as "success" in body [bare],
    }

    /// A group with its overrides.
    pub struct GroupAffiliatePrograms {
        group_id: u32 as "groupId" in body,
        name: Option<String> as "name" in body,
        affiliate_programs: Vec<AffiliateProgram> as "affiliatePrograms" in body,
    }

    /// (ours) Every group of the user with its overrides and their GUIDs.
    pub struct GetAllGroupAffiliateTokensRequest with Paging {
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query,
    }

    pub struct GetAllGroupAffiliateTokensResponse : BaseResponse {
        groups: Vec<GroupAffiliatePrograms> as "groups" in body,
        /// (ours) How many items there are in all; the answer holds at most take of them.
        total: Option<u32> as "total" in body,
    }

    /// The stored members of a token set.
    pub struct AffiliateTokens
        [in_namespace(DOMAIN_MODEL), no_data_contract, implements::<IAffiliateTokens>]
    {
        id: Option<String> as "id" in body [no_data_member],
        programs: Vec<AffiliateProgram> as "programs" in body [no_data_member],
        created_at_utc: Option<String> as "createdAtUtc" in body [no_data_member, datetime],
        updated_at_utc: Option<String> as "updatedAtUtc" in body [no_data_member, datetime],
    }

    /// A snapshot of a bulk write of user-level tokens.
    pub struct AffiliateTokensSet : AffiliateTokens
        [in_namespace(DOMAIN_MODEL), implements::<IAffiliateTokensSet>]
    {
        set_guid: Option<String> as "setGuid" in body,
        username: Option<String> as "username" in body,
    }

    /// Get a token set by its GUID.
    pub struct GetAffiliateTokensSetRequest {
        /// The set's GUID, as returned by POST /v4/affiliate-tokens-sets.
        set_guid: Option<String> as "setGuid" in query [guid],
    }

    pub struct GetAffiliateTokensSetResponse {
        affiliate_tokens_set: Option<AffiliateTokensSet> as "affiliateTokensSet" in body,
        response_status: Option<ResponseStatus> as "responseStatus" in body,
    }

    /// Write the user's tokens for many programs at once, all or nothing.
    pub struct PostAffiliateTokensSetRequest {
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in body,
        /// Each program with its tokens.
        affiliate_programs: Option<Vec<AffiliateProgram>> as "affiliatePrograms" in body,
    }

    pub struct PostAffiliateTokensSetResponse {
        success: bool as "success" in body [bare],
        affiliate_tokens_set_guid: String as "affiliateTokensSetGuid" in body [bare, guid],
        response_status: Option<ResponseStatus> as "responseStatus" in body [bare],
    }

    /// A parameter a program accepts, with its rules.
    pub struct AffiliateProgramParameter {
        name: String as "name" in body,
        display_name: String as "displayName" in body,
        required: bool as "required" in body,
        /// A regular expression the whole value must match.
        pattern: Option<String> as "pattern" in body,
        /// (ours) A regular expression values are expected to match; others are saved
        /// with a warning in responseStatus.meta.
        expected_pattern: Option<String> as "expectedPattern" in body,
        max_length: u32 as "maxLength" in body,
        description: Option<String> as "description" in body,
        example: Option<String> as "example" in body,
        /// (ours) Values are secrets: shown masked in histories.
        sensitive: Option<bool> as "sensitive" in body,
    }

    /// (ours) How a program's parameters go on a product link.
    pub struct AffiliateLinkRule {
        /// query (set query parameters), template (wrap the URL in the network's
        /// tracking link) or none (links cannot be built by appending parameters).
        kind: String as "kind" in body,
        /// query: constant parameters set along with the user's.
        fixed: Option<BTreeMap<String, String>> as "fixed" in body,
        /// template: the tracking link, with {url} and {parameterName} placeholders.
        template: Option<String> as "template" in body,
        /// template: query parameters appended for optional parameters that have a value.
        optional: Option<BTreeMap<String, String>> as "optional" in body,
        /// none: why links cannot be built.
        reason: Option<String> as "reason" in body,
    }

    /// (ours) A program's place in a family of storefronts, for localized links.
    pub struct AffiliateProgramLocalization {
        /// The family's name, shared by its storefronts' programs (Amazon, Apple).
        family: String as "family" in body,
        /// host (one program per storefront: its one country, its first host) or path
        /// (one program; the country is the path's first segment, its first country
        /// when there is none).
        by: String as "by" in body,
        /// Where visitors of a country without a storefront go (NZ: AU).
        country_fallbacks: Option<BTreeMap<String, String>> as "countryFallbacks" in body,
    }

    /// An affiliate program of the catalog.
    pub struct AffiliateProgramInfo {
        program_guid: String as "programGuid" in body,
        name: String as "name" in body,
        network: String as "network" in body,
        countries: Vec<String> as "countries" in body,
        hosts: Vec<String> as "hosts" in body,
        disabled: bool as "disabled" in body,
        parameters: Vec<AffiliateProgramParameter> as "parameters" in body,
        /// (ours) How the parameters go on a product link.
        link: Option<AffiliateLinkRule> as "link" in body,
        /// (ours) Query parameters carrying someone else's attribution, removed from a
        /// link before the tokens are set: names, or name=prefix* (the parameter when
        /// its value starts with prefix).
        strip: Option<Vec<String>> as "strip" in body,
        /// (ours) The program's family of storefronts, for localized links.
        localization: Option<AffiliateProgramLocalization> as "localization" in body,
    }

    /// (ours) The catalog of affiliate programs and the parameters each accepts.
    pub struct GetAffiliateProgramsRequest {
        /// Include retired programs.
        include_disabled: bool as "includeDisabled" in query,
        /// Only programs for this country (ISO 3166 alpha-2).
        country: Option<String> as "country" in query,
    }

    pub struct GetAffiliateProgramsResponse : BaseResponse {
        affiliate_programs: Vec<AffiliateProgramInfo> as "affiliatePrograms" in body,
    }

    /// A group of links.
    pub struct GroupInfo {
        group_id: u32 as "groupId" in body,
        name: String as "name" in body,
        created_at: Option<String> as "createdAt" in body,
    }

    /// (ours) Create a group of links.
    pub struct PostGroupRequest {
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in body,
        /// The group's name (at most 100 characters).
        name: Option<String> as "name" in body,
    }

    pub struct PostGroupResponse : BaseResponse {
        success: bool as "success" in body,
        group_id: u32 as "groupId" in body,
        name: Option<String> as "name" in body,
    }

    /// (ours) The user's groups.
    pub struct GetGroupsRequest with Paging {
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query,
    }

    pub struct GetGroupsResponse : BaseResponse {
        groups: Vec<GroupInfo> as "groups" in body,
        /// (ours) How many items there are in all; the answer holds at most take of them.
        total: Option<u32> as "total" in body,
    }

    /// (ours) Delete a group and its overrides.
    pub struct DeleteGroupRequest {
        /// The group's id.
        group_id: u32 as "groupId" in path,
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query,
    }

    pub struct DeleteGroupResponse : BaseResponse {
        success: bool as "success" in body,
    }

    /// (ours) Rewrite a product link with the caller's affiliate tokens.
    pub struct GetAffiliateLinkRequest {
        /// The product URL (http or https, at most 8 KiB).
        url: Option<String> as "url" in query,
        /// The group whose overrides apply first; without it only user-level tokens apply.
        group_id: Option<u32> as "groupId" in query,
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query,
        /// The visitor's country (ISO 3166-1 alpha-2): the link moves to that country's
        /// storefront of the program's family (or its fallback) and its tokens apply.
        country: Option<String> as "country" in query,
        /// With country, when the local storefront has no tokens: local (default) sends
        /// the visitor there unaffiliated; original answers the original storefront's link.
        missing_token: Option<String> as "missingToken" in query,
        /// Keep an attribution already in the link when it stays on its own storefront
        /// (level existing).
        honor_existing: bool as "honorExisting" in query,
        /// The cleaned (and localized) link with nobody's tokens.
        disable_affiliation: bool as "disableAffiliation" in query,
    }

    pub struct GetAffiliateLinkResponse : BaseResponse {
        /// The link with the affiliate parameters applied (the original when none apply).
        url: Option<String> as "url" in body,
        original_url: Option<String> as "originalUrl" in body,
        /// Whether tokens were applied.
        affiliated: bool as "affiliated" in body,
        program_guid: Option<String> as "programGuid" in body,
        program_name: Option<String> as "programName" in body,
        /// Whose tokens were applied: group, user, existing (honorExisting) or none.
        level: Option<String> as "level" in body,
        /// Why the link was left unchanged.
        reason: Option<String> as "reason" in body,
        /// With country: the country of the storefront the link is on.
        country: Option<String> as "country" in body,
        /// With country: the original storefront's country, when the link moved.
        localized_from: Option<String> as "localizedFrom" in body,
        /// With country: original (stayed), sameId (the product id kept on another
        /// storefront) or samePath (no id found; the path kept).
        matched: Option<String> as "match" in body,
    }

    /// One link of a batch link answer.
    pub struct AffiliateLink {
        url: Option<String> as "url" in body,
        original_url: Option<String> as "originalUrl" in body,
        affiliated: bool as "affiliated" in body,
        program_guid: Option<String> as "programGuid" in body,
        program_name: Option<String> as "programName" in body,
        level: Option<String> as "level" in body,
        reason: Option<String> as "reason" in body,
        /// Set when this URL could not be used (e.g. InvalidUrl).
        error_code: Option<String> as "errorCode" in body,
        country: Option<String> as "country" in body,
        localized_from: Option<String> as "localizedFrom" in body,
        matched: Option<String> as "match" in body,
    }

    /// (ours) One URL of a batch with its own visitor country.
    pub struct AffiliateLinkItem {
        url: String as "url" in body,
        /// The visitor's country for this URL (instead of the request's).
        country: Option<String> as "country" in body,
    }

    /// (ours) Rewrite up to 1,000 product links at once.
    pub struct PostAffiliateLinksRequest {
        /// The product URLs.
        urls: Vec<String> as "urls" in body,
        /// The group whose overrides apply first.
        group_id: Option<u32> as "groupId" in body,
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in body,
        /// The visitor's country for every URL (see GET /v4/affiliate-link).
        country: Option<String> as "country" in body,
        /// local (default) or original (see GET /v4/affiliate-link).
        missing_token: Option<String> as "missingToken" in body,
        /// Keep attributions already in links that stay on their storefront.
        honor_existing: bool as "honorExisting" in body,
        /// Cleaned (and localized) links with nobody's tokens.
        disable_affiliation: bool as "disableAffiliation" in body,
        /// More URLs, each with its own country; answered after urls, in order.
        items: Option<Vec<AffiliateLinkItem>> as "items" in body,
    }

    pub struct PostAffiliateLinksResponse : BaseResponse {
        links: Vec<AffiliateLink> as "links" in body,
    }

    /// (ours) Where a link earns: the link as one storefront of its family answers it.
    pub struct AffiliateLinkLocalization {
        /// The storefront's country.
        country: Option<String> as "country" in body,
        program_guid: Option<String> as "programGuid" in body,
        program_name: Option<String> as "programName" in body,
        /// The link a visitor from that country gets (missingToken=local).
        url: Option<String> as "url" in body,
        affiliated: bool as "affiliated" in body,
        /// Whose tokens apply there: group, user or none.
        level: Option<String> as "level" in body,
        /// Why the link earns nothing there.
        reason: Option<String> as "reason" in body,
    }

    /// (ours) The coverage report of a product link: one entry per storefront of its
    /// program's family.
    pub struct GetAffiliateLinkLocalizationsRequest {
        /// The product URL (http or https, at most 8 KiB).
        url: Option<String> as "url" in query,
        /// The group whose overrides apply first.
        group_id: Option<u32> as "groupId" in query,
        /// The user to act for; empty means the caller.
        username: Option<String> as "username" in query,
    }

    pub struct GetAffiliateLinkLocalizationsResponse : BaseResponse {
        original_url: Option<String> as "originalUrl" in body,
        localizations: Vec<AffiliateLinkLocalization> as "localizations" in body,
    }

    /// (ours) Add a program to the catalog or replace its definition (administrators).
    pub struct PutAffiliateProgramRequest {
        /// The program's GUID; a new GUID adds a program.
        program_guid: Option<String> as "programGuid" in path,
        name: Option<String> as "name" in body,
        network: Option<String> as "network" in body,
        /// ISO 3166 alpha-2 codes of the storefront's countries.
        countries: Option<Vec<String>> as "countries" in body,
        /// Hosts whose links the program rewrites (subdomains included).
        hosts: Option<Vec<String>> as "hosts" in body,
        /// A disabled program accepts no new tokens and rewrites no links.
        disabled: bool as "disabled" in body,
        parameters: Option<Vec<AffiliateProgramParameter>> as "parameters" in body,
        link: Option<AffiliateLinkRule> as "link" in body,
        /// (ours) Query parameters carrying someone else's attribution, removed from a
        /// link before the tokens are set: names, or name=prefix* (the parameter when
        /// its value starts with prefix). Absent: none.
        strip: Option<Vec<String>> as "strip" in body,
        /// (ours) The program's family of storefronts, for localized links. Absent:
        /// links are not localized.
        localization: Option<AffiliateProgramLocalization> as "localization" in body,
    }

    pub struct PutAffiliateProgramResponse : BaseResponse {
        success: bool as "success" in body,
        /// True when the program was added, false when an existing one was replaced.
        created: bool as "created" in body,
        affiliate_program: Option<AffiliateProgramInfo> as "affiliateProgram" in body,
    }

    /// (ours) One change of a token set: who, when, what.
    pub struct AffiliateTokensChange {
        /// ISO-8601 UTC.
        changed_at: String as "changedAt" in body,
        /// The authenticated caller (an administrator when acting for the user).
        changed_by: String as "changedBy" in body,
        /// The user whose tokens changed.
        username: String as "username" in body,
        /// The operation, e.g. PutGroupAffiliateTokens.
        action: String as "action" in body,
        program_guid: Option<String> as "programGuid" in body,
        group_id: Option<u32> as "groupId" in body,
        /// The tokens before the change (sensitive values masked).
        before: Option<BTreeMap<String, String>> as "before" in body,
        /// The tokens after the change (sensitive values masked).
        after: Option<BTreeMap<String, String>> as "after" in body,
    }

    /// (ours) The history of one of the user's token sets, oldest change first.
    pub struct GetUserAffiliateTokensHistoryRequest with Paging {
        guid: Option<String> as "guid" in path,
        /// The user to act for; empty means the caller. Only admins may name another user.
        username: Option<String> as "username" in query,
    }

    /// (ours) The history of one of a group's override token sets, oldest change first.
    pub struct GetGroupAffiliateTokensHistoryRequest with Paging {
        group_id: u32 as "groupId" in path,
        guid: Option<String> as "guid" in path,
        /// The user to act for; empty means the caller. Only admins may name another user.
        username: Option<String> as "username" in query,
    }

    pub struct GetAffiliateTokensHistoryResponse : BaseResponse {
        history: Vec<AffiliateTokensChange> as "history" in body,
        /// (ours) How many items there are in all; the answer holds at most take of them.
        total: Option<u32> as "total" in body,
    }
}
