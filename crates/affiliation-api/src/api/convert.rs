//! Domain records as wire DTOs.

use super::dtos::{
    AffiliateProgram, AffiliateProgramInfo, AffiliateProgramParameter, AffiliateTokensSet,
    GroupInfo,
};
use affiliation::ids::{canonical, n_form};
use affiliation::model::{Group, Program, ProgramTokens, TokenSetSnapshot, TokenView};
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
                max_length: p.max_length,
                description: Some(p.description).filter(|d| !d.is_empty()),
                example: Some(p.example).filter(|e| !e.is_empty()),
            })
            .collect(),
    }
}

pub fn group_info(group: Group) -> GroupInfo {
    GroupInfo {
        group_id: group.id,
        name: group.name,
        created_at: Some(timestamp(group.created_at)),
    }
}
