//! Link affiliation: put a user's (or a group's) tokens on a product URL by the
//! matching catalog program's rule. Pure functions; the service supplies tokens.

use crate::model::{LinkRule, Parameters, Program, TokenView};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use url::Url;
use uuid::Uuid;

/// Longest URL we rewrite.
pub const MAX_URL_BYTES: usize = 8 * 1024;

/// Characters left as they are in a query component (RFC 3986 unreserved).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the URL is longer than {MAX_URL_BYTES} bytes")]
    TooLong,
    #[error("the URL does not parse: {0}")]
    Unparseable(String),
    // The scheme stays out of the message: it is the caller's text.
    #[error("only http and https URLs can be affiliated")]
    UnsupportedScheme(String),
    #[error("the URL has no host")]
    NoHost,
}

/// Most URLs in one batch link request.
pub const MAX_LINKS_PER_REQUEST: usize = 1000;

/// Short-link hosts whose destination we cannot see without following them (and we do
/// not fetch URLs); never a catalog host.
pub const SHORT_LINK_HOSTS: &[&str] = &[
    "amzn.to",
    "a.co",
    "amzn.eu",
    "amzn.asia",
    "ebay.us",
    "geni.us",
    "etsy.me",
];

/// A short-link host itself or a subdomain of one (`host` lower-case).
pub fn is_short_link_host(host: &str) -> bool {
    SHORT_LINK_HOSTS
        .iter()
        .any(|h| host == *h || host.ends_with(&format!(".{h}")))
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

/// The link rules, in order: a URL that cannot be a product link is an error; a
/// short-link host, a host no program covers, a retired program or a program without
/// tokens leave the link unchanged with the reason; otherwise the group's override
/// for the program applies, else the user's own tokens.
pub fn affiliate(
    text: &str,
    programs: &[Program],
    group_tokens: &[TokenView],
    user_tokens: &[TokenView],
) -> Result<AffiliatedLink, LinkError> {
    let url = parse_product_url(text)?;
    let unchanged = |reason: String, program: Option<&Program>| AffiliatedLink {
        original_url: text.to_string(),
        url: text.to_string(),
        program: program.map(|p| (p.program_guid, p.name.clone())),
        level: AppliedLevel::None,
        reason: Some(reason),
    };
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if is_short_link_host(&host) {
        return Ok(unchanged(
            format!("{host} is a short-link host; expand the link to its product URL first"),
            None,
        ));
    }
    let Some(program) = find_program(programs, &url) else {
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
    let tokens_for = |views: &[TokenView]| {
        views
            .iter()
            .find(|v| v.record.program_guid == program.program_guid)
            .map(|v| v.record.parameters.clone())
    };
    let (tokens, level) = match (tokens_for(group_tokens), tokens_for(user_tokens)) {
        (Some(tokens), _) => (tokens, AppliedLevel::Group),
        (None, Some(tokens)) => (tokens, AppliedLevel::User),
        (None, None) => {
            return Ok(unchanged(
                format!("No tokens are connected for {}", program.name),
                Some(program),
            ))
        }
    };
    Ok(match apply(program, &url, &tokens) {
        Applied::Rewritten(rewritten) => AffiliatedLink {
            original_url: text.to_string(),
            url: rewritten,
            program: Some((program.program_guid, program.name.clone())),
            level,
            reason: None,
        },
        Applied::Unsupported(reason) => unchanged(reason, Some(program)),
    })
}

/// Parses and checks a product URL. IDN hosts come out in their ASCII (punycode) form.
pub fn parse_product_url(text: &str) -> Result<Url, LinkError> {
    let text = text.trim();
    if text.len() > MAX_URL_BYTES {
        return Err(LinkError::TooLong);
    }
    let url = Url::parse(text).map_err(|e| LinkError::Unparseable(e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(LinkError::UnsupportedScheme(url.scheme().to_string()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(LinkError::NoHost);
    }
    Ok(url)
}

/// The enabled program whose storefront hosts cover the URL's host (the host itself
/// or a subdomain of it); the most specific host wins, so amazon.co.uk never
/// matches amazon.com.
pub fn find_program<'a>(programs: &'a [Program], url: &Url) -> Option<&'a Program> {
    let host = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
    programs
        .iter()
        .filter(|p| !p.disabled)
        .flat_map(|p| p.hosts.iter().map(move |h| (p, h.to_ascii_lowercase())))
        .filter(|(_, h)| {
            host == *h
                || host
                    .strip_suffix(h.as_str())
                    .is_some_and(|rest| rest.ends_with('.'))
        })
        .max_by_key(|(_, h)| h.len())
        .map(|(p, _)| p)
}

/// What applying a program's rule gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Rewritten(String),
    /// The program has no link rule we can apply; the reason says why.
    Unsupported(String),
}

pub fn apply(program: &Program, url: &Url, tokens: &Parameters) -> Applied {
    match &program.link {
        LinkRule::Query { fixed } => {
            let mut settings: Vec<(&str, &str)> = tokens
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            settings.extend(fixed.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            Applied::Rewritten(set_query_parameters(url, &settings))
        }
        LinkRule::Template { template, optional } => {
            let mut out = template.clone();
            for (name, value) in tokens {
                out = out.replace(&format!("{{{name}}}"), &encode(value));
            }
            out = out.replace("{url}", &encode(url.as_str()));
            for (parameter, query_name) in optional {
                if let Some(value) = tokens.get(parameter) {
                    let separator = if out.contains('?') { '&' } else { '?' };
                    out.push(separator);
                    out.push_str(&format!("{}={}", encode(query_name), encode(value)));
                }
            }
            if out.contains('{') {
                // A required placeholder had no value: refuse rather than emit a broken link.
                return Applied::Unsupported(format!(
                    "{} needs parameters that are not set",
                    program.name
                ));
            }
            Applied::Rewritten(out)
        }
        LinkRule::None { reason } => Applied::Unsupported(reason.clone()),
    }
}

/// Sets each (name, value) on the URL's query: the first occurrence is replaced in
/// place, later duplicates are dropped, missing names are appended. Every other
/// parameter keeps its bytes and order; the fragment is kept.
pub fn set_query_parameters(url: &Url, settings: &[(&str, &str)]) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut done: Vec<&str> = Vec::new();
    for segment in url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|s| !s.is_empty())
    {
        let raw_name = segment.split('=').next().unwrap_or("");
        let name = decoded(raw_name);
        match settings.iter().find(|(n, _)| *n == name) {
            Some((n, v)) if !done.contains(n) => {
                segments.push(format!("{}={}", encode(n), encode(v)));
                done.push(n);
            }
            Some(_) => {}
            None => segments.push(segment.to_string()),
        }
    }
    for (n, v) in settings {
        if !done.contains(n) {
            segments.push(format!("{}={}", encode(n), encode(v)));
        }
    }
    let mut out = url.clone();
    out.set_fragment(None);
    out.set_query(None);
    let mut text = out.to_string();
    text.push('?');
    text.push_str(&segments.join("&"));
    if let Some(fragment) = url.fragment() {
        text.push('#');
        text.push_str(fragment);
    }
    text
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

fn decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ProgramParameter;
    use std::collections::BTreeMap;

    fn program(name: &str, hosts: &[&str], link: LinkRule) -> Program {
        Program {
            program_guid: uuid::Uuid::new_v4(),
            name: name.into(),
            network: "Test".into(),
            countries: vec![],
            hosts: hosts.iter().map(|h| h.to_string()).collect(),
            disabled: false,
            parameters: vec![ProgramParameter {
                name: "tag".into(),
                display_name: "Tag".into(),
                required: true,
                pattern: None,
                expected_pattern: None,
                max_length: 256,
                description: String::new(),
                example: String::new(),
                sensitive: false,
            }],
            link,
            notes: String::new(),
        }
    }

    fn tokens(pairs: &[(&str, &str)]) -> Parameters {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn query() -> LinkRule {
        LinkRule::Query {
            fixed: BTreeMap::new(),
        }
    }

    #[test]
    fn hosts_match_per_storefront_and_subdomain() {
        let programs = vec![
            program("US", &["amazon.com"], query()),
            program("UK", &["amazon.co.uk"], query()),
        ];
        let find = |u: &str| {
            find_program(&programs, &parse_product_url(u).unwrap()).map(|p| p.name.clone())
        };
        assert_eq!(find("https://www.amazon.com/dp/B0"), Some("US".into()));
        assert_eq!(find("https://smile.amazon.com/dp/B0"), Some("US".into()));
        assert_eq!(find("https://www.amazon.co.uk/dp/B0"), Some("UK".into()));
        assert_eq!(find("https://notamazon.com/dp/B0"), None);
        assert_eq!(find("https://amazon.com.evil.example/dp/B0"), None);
    }

    #[test]
    fn query_rule_replaces_keeps_order_and_fragment() {
        let p = program("US", &["amazon.com"], query());
        let url = parse_product_url(
            "https://www.amazon.com/dp/B0?th=1&tag=other-20&psc=1&tag=dup-20#reviews",
        )
        .unwrap();
        assert_eq!(
            apply(&p, &url, &tokens(&[("tag", "mine-20")])),
            Applied::Rewritten(
                "https://www.amazon.com/dp/B0?th=1&tag=mine-20&psc=1#reviews".into()
            )
        );
        let url = parse_product_url("https://www.amazon.com/dp/B0").unwrap();
        assert_eq!(
            apply(&p, &url, &tokens(&[("tag", "a b&c")])),
            Applied::Rewritten("https://www.amazon.com/dp/B0?tag=a%20b%26c".into())
        );
    }

    #[test]
    fn template_rule_wraps_the_encoded_url() {
        let mut optional = BTreeMap::new();
        optional.insert("sub".to_string(), "subId1".to_string());
        let p = program(
            "W",
            &["walmart.com"],
            LinkRule::Template {
                template: "https://goto.walmart.com/c/{tag}/1/9383?u={url}".into(),
                optional,
            },
        );
        let url = parse_product_url("https://www.walmart.com/ip/1?a=b").unwrap();
        assert_eq!(
            apply(&p, &url, &tokens(&[("tag", "123"), ("sub", "x y")])),
            Applied::Rewritten(
                "https://goto.walmart.com/c/123/1/9383?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1%3Fa%3Db&subId1=x%20y".into()
            )
        );
        assert!(matches!(
            apply(&p, &url, &tokens(&[])),
            Applied::Unsupported(_)
        ));
    }

    #[test]
    fn refuses_what_cannot_be_a_product_link() {
        assert_eq!(
            parse_product_url("ftp://amazon.com/x"),
            Err(LinkError::UnsupportedScheme("ftp".into()))
        );
        assert!(matches!(
            parse_product_url("not a url"),
            Err(LinkError::Unparseable(_))
        ));
        let long = format!("https://amazon.com/{}", "a".repeat(MAX_URL_BYTES));
        assert_eq!(parse_product_url(&long), Err(LinkError::TooLong));
        // IDN hosts are matched in their ASCII form.
        let url = parse_product_url("https://bücher.example/x").unwrap();
        assert_eq!(url.host_str(), Some("xn--bcher-kva.example"));
    }
}
