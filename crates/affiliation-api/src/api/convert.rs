//! Domain records as wire DTOs.

use super::dtos::{
    AffiliateLink, AffiliateLinkLocalization, AffiliateLinkRule, AffiliateProgram,
    AffiliateProgramInfo, AffiliateProgramLocalization, AffiliateProgramParameter,
    AffiliateTokensChange, AffiliateTokensSet, GetAffiliateLinkResponse, GroupInfo,
    PutAffiliateProgramRequest,
};
use super::guid::{canonical, n_form};
use affiliation::catalog::{LinkDraft, LocalizationDraft, ProgramDraft};
use affiliation::model::{
    Group, HistoryEntry, LinkRule, Program, ProgramParameter, ProgramTokens, TokenSetSnapshot,
    TokenView,
};
use affiliation::validation::Warning;
use affiliation::AppliedLevel;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

pub fn connected_program(view: TokenView) -> AffiliateProgram {
    let record = view.record;
    AffiliateProgram {
        program_guid: canonical(record.program_guid),
        affiliate_tokens: record.parameters,
        affiliate_tokens_id: Some(canonical(record.guid)),
        program_name: Some(view.program_name),
        disabled: Some(view.program_disabled),
        updated_at: Some(timestamp(record.updated_at)),
        group_id: record.level.group_id(),
    }
}

pub fn program_tokens(tokens: ProgramTokens) -> AffiliateProgram {
    AffiliateProgram {
        program_guid: canonical(tokens.program_guid),
        affiliate_tokens: tokens.affiliate_tokens,
        ..Default::default()
    }
}

pub fn token_set(set: TokenSetSnapshot) -> AffiliateTokensSet {
    AffiliateTokensSet {
        set_guid: Some(n_form(set.set_guid)),
        username: Some(set.username),
        id: Some(set.id.to_string()),
        programs: set.programs.into_iter().map(program_tokens).collect(),
        created_at_utc: Some(timestamp(set.created_at)),
        updated_at_utc: Some(timestamp(set.updated_at)),
    }
}

pub fn program_info(program: Program) -> AffiliateProgramInfo {
    AffiliateProgramInfo {
        program_guid: canonical(program.program_guid),
        name: program.name,
        network: program.network,
        countries: program.countries,
        hosts: program.hosts,
        disabled: program.disabled,
        parameters: program
            .parameters
            .into_iter()
            .map(|p| AffiliateProgramParameter {
                name: p.name,
                display_name: p.display_name,
                required: p.required,
                pattern: p.pattern,
                expected_pattern: p.expected_pattern,
                max_length: p.max_length,
                description: Some(p.description).filter(|d| !d.is_empty()),
                example: Some(p.example).filter(|e| !e.is_empty()),
                sensitive: Some(p.sensitive),
            })
            .collect(),
        link: Some(link_rule(program.link)),
        strip: Some(program.strip).filter(|s| !s.is_empty()),
        localization: program.localization.map(|l| AffiliateProgramLocalization {
            family: l.family,
            by: l.by.as_str().to_string(),
            country_fallbacks: Some(l.country_fallbacks).filter(|f| !f.is_empty()),
        }),
    }
}

fn link_rule(rule: LinkRule) -> AffiliateLinkRule {
    let mut dto = AffiliateLinkRule {
        kind: String::new(),
        fixed: None,
        template: None,
        optional: None,
        reason: None,
    };
    match rule {
        LinkRule::Query { fixed } => {
            dto.kind = "query".into();
            dto.fixed = Some(fixed);
        }
        LinkRule::Template { template, optional } => {
            dto.kind = "template".into();
            dto.template = Some(template);
            dto.optional = Some(optional);
        }
        LinkRule::None { reason } => {
            dto.kind = "none".into();
            dto.reason = Some(reason);
        }
    }
    dto
}

/// An administrator's program definition, as the domain's draft (checked there).
pub fn program_draft(request: PutAffiliateProgramRequest) -> ProgramDraft {
    ProgramDraft {
        name: request.name,
        network: request.network,
        countries: request.countries,
        hosts: request.hosts,
        disabled: request.disabled,
        parameters: request.parameters.map(|parameters| {
            parameters
                .into_iter()
                .map(|p| ProgramParameter {
                    name: p.name,
                    display_name: p.display_name,
                    required: p.required,
                    pattern: p.pattern,
                    expected_pattern: p.expected_pattern,
                    max_length: p.max_length,
                    description: p.description.unwrap_or_default(),
                    example: p.example.unwrap_or_default(),
                    sensitive: p.sensitive.unwrap_or(false),
                })
                .collect()
        }),
        link: request.link.map(|rule| LinkDraft {
            kind: rule.kind,
            fixed: rule.fixed,
            template: rule.template,
            optional: rule.optional,
            reason: rule.reason,
        }),
        strip: request.strip,
        localization: request.localization.map(|l| LocalizationDraft {
            family: l.family,
            by: l.by,
            country_fallbacks: l.country_fallbacks,
        }),
    }
}

pub fn history_entry(entry: HistoryEntry) -> AffiliateTokensChange {
    AffiliateTokensChange {
        changed_at: timestamp(entry.at),
        changed_by: entry.changed_by,
        username: entry.subject,
        action: entry.action,
        program_guid: entry.program_guid.map(canonical),
        group_id: entry.group_id,
        before: entry.before,
        after: entry.after,
    }
}

pub fn group_info(group: Group) -> GroupInfo {
    GroupInfo {
        group_id: group.id,
        name: group.name,
        created_at: Some(timestamp(group.created_at)),
    }
}

pub fn link(link: affiliation::AffiliatedLink) -> AffiliateLink {
    let placement = link.placement;
    AffiliateLink {
        affiliated: !matches!(link.level, AppliedLevel::None),
        url: Some(link.url),
        original_url: Some(link.original_url),
        program_guid: link.program.as_ref().map(|(guid, _)| canonical(*guid)),
        program_name: link.program.map(|(_, name)| name),
        level: Some(link.level.as_str().to_string()),
        reason: link.reason,
        error_code: None,
        country: placement.map(|p| p.country.to_string()),
        localized_from: placement.and_then(|p| p.localized_from.map(|c| c.to_string())),
        matched: placement.map(|p| p.matched.as_str().to_string()),
    }
}

pub fn link_error(original_url: &str, error: affiliation::link::LinkError) -> AffiliateLink {
    AffiliateLink {
        url: Some(original_url.to_string()),
        original_url: Some(original_url.to_string()),
        level: Some(AppliedLevel::None.as_str().to_string()),
        reason: Some(error.to_string()),
        error_code: Some("InvalidUrl".into()),
        ..Default::default()
    }
}

pub fn single_link(link: affiliation::AffiliatedLink) -> GetAffiliateLinkResponse {
    let item = self::link(link);
    GetAffiliateLinkResponse {
        url: item.url,
        original_url: item.original_url,
        affiliated: item.affiliated,
        program_guid: item.program_guid,
        program_name: item.program_name,
        level: item.level,
        reason: item.reason,
        country: item.country,
        localized_from: item.localized_from,
        matched: item.matched,
        response_status: None,
    }
}

/// One storefront's entry of a coverage report.
pub fn localization(link: affiliation::AffiliatedLink) -> AffiliateLinkLocalization {
    let item = self::link(link);
    AffiliateLinkLocalization {
        country: item.country,
        program_guid: item.program_guid,
        program_name: item.program_name,
        url: item.url,
        affiliated: item.affiliated,
        level: item.level,
        reason: item.reason,
    }
}

/// Warnings about accepted values travel in a successful answer's `responseStatus.meta`
/// (`Warning.<parameter>`), with no error code: the write happened.
pub fn warnings(warnings: Vec<Warning>) -> Option<servicehost::ResponseStatus> {
    if warnings.is_empty() {
        return None;
    }
    Some(servicehost::ResponseStatus {
        error_code: String::new(),
        message: String::new(),
        errors: Vec::new(),
        meta: warnings.into_iter().map(super::errors::warning).collect(),
    })
}
