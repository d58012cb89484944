//! Link affiliation: put a user's (or a group's) tokens on a product URL by the
//! matching catalog program's rule. Pure functions; the service supplies tokens.

use crate::country::Country;
use crate::localize::{self, Match};
use crate::model::{LinkRule, Parameters, Program, TokenView};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::borrow::Cow;
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
    SHORT_LINK_HOSTS.iter().any(|h| covers(h, host))
}

/// Whether `host` is `domain` or a subdomain of it, ignoring ASCII case, without
/// allocating (hosts are compared on every link).
fn covers(domain: &str, host: &str) -> bool {
    let (host, domain) = (host.as_bytes(), domain.as_bytes());
    let Some(start) = host.len().checked_sub(domain.len()) else {
        return false;
    };
    host[start..].eq_ignore_ascii_case(domain) && (start == 0 || host[start - 1] == b'.')
}

/// Whose tokens went on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedLevel {
    Group,
    User,
    /// The link's own attribution was kept (`honorExisting`).
    Existing,
    None,
}

impl AppliedLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AppliedLevel::Group => "group",
            AppliedLevel::User => "user",
            AppliedLevel::Existing => "existing",
            AppliedLevel::None => "none",
        }
    }
}

/// What a localized link does when the local storefront has no tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MissingToken {
    /// The visitor still goes to the local storefront, unaffiliated.
    #[default]
    Local,
    /// The original storefront's link, with its tokens.
    Original,
}

/// How one link is made, beyond the tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkOptions {
    /// The visitor's country: the link moves to its storefront in the program's family.
    pub country: Option<Country>,
    pub missing_token: MissingToken,
    /// Keep an affiliate's attribution already in a link that stays on its storefront.
    pub honor_existing: bool,
    /// The cleaned (and localized) link with nobody's tokens.
    pub disable_affiliation: bool,
}

/// Where a localized link went: the storefront used, the one it came from when it
/// moved, and how the product matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub country: Country,
    pub localized_from: Option<Country>,
    pub matched: Match,
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
    /// Set when a country was asked for and the program belongs to a family.
    pub placement: Option<Placement>,
}

/// [`affiliate_with`] without options: the link stays on its storefront.
pub fn affiliate<T: ProgramTokens>(
    text: &str,
    programs: &[Program],
    group_tokens: &[T],
    user_tokens: &[T],
) -> Result<AffiliatedLink, LinkError> {
    affiliate_with(
        text,
        programs,
        group_tokens,
        user_tokens,
        LinkOptions::default(),
    )
}

/// The link rules, in order: a URL that cannot be a product link is an error; a
/// short-link host, a host no program covers or a retired program leave the link
/// unchanged with the reason. Then, with a country whose storefront (or fallback) in
/// the program's family is another one, the link moves there and that storefront's
/// tokens apply (see [`MissingToken`]); otherwise it stays, keeping an existing
/// attribution when asked to. Tokens: the group's override for the storefront's
/// program, else the user's own; none leaves the link unaffiliated with the reason.
pub fn affiliate_with<T: ProgramTokens>(
    text: &str,
    programs: &[Program],
    group_tokens: &[T],
    user_tokens: &[T],
    options: LinkOptions,
) -> Result<AffiliatedLink, LinkError> {
    let (url, wrapped) = unwrap_counted(programs, parse_product_url(text)?);
    let answer =
        |url: String, program: Option<&Program>, level, reason: Option<String>| AffiliatedLink {
            original_url: text.to_string(),
            url,
            program: program.map(|p| (p.program_guid, p.name.clone())),
            level,
            reason,
            placement: None,
        };
    let unchanged = |reason: String, program: Option<&Program>| {
        answer(text.to_string(), program, AppliedLevel::None, Some(reason))
    };
    let host = url.host_str().unwrap_or_default();
    if is_short_link_host(host) {
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
    let tokens_for = |p: &Program| {
        let (group, user) = (
            tokens_of(group_tokens, p.program_guid),
            tokens_of(user_tokens, p.program_guid),
        );
        match (group, user) {
            (Some(tokens), _) => Some((tokens, AppliedLevel::Group)),
            (None, Some(tokens)) => Some((tokens, AppliedLevel::User)),
            (None, None) => None,
        }
    };
    let affiliated = |program: &Program, url: &Url, placement: Option<Placement>| {
        let mut link = match tokens_for(program) {
            _ if options.disable_affiliation => answer(
                without_attribution(program, url).to_string(),
                Some(program),
                AppliedLevel::None,
                Some("Affiliation is disabled for this link".into()),
            ),
            // A moved link is already without attribution; one that stays is as given.
            None => answer(
                if placement.is_some_and(|p| p.localized_from.is_some()) {
                    url.to_string()
                } else {
                    text.to_string()
                },
                Some(program),
                AppliedLevel::None,
                Some(format!("No tokens are connected for {}", program.name)),
            ),
            Some((tokens, level)) => match apply(program, url, &tokens) {
                Applied::Rewritten(rewritten) => answer(rewritten, Some(program), level, None),
                Applied::Unsupported(reason) => unchanged(reason, Some(program)),
            },
        };
        link.placement = placement;
        link
    };

    let origin = options.country.and(localize::origin(program, &url));
    if let (Some(country), Some(from)) = (options.country, origin) {
        let by = program.localization.as_ref().map(|l| l.by);
        let target =
            localize::storefront_for(programs, program, country).filter(|to| to.country != from);
        if let (Some(to), Some(by)) = (target, by) {
            let stays = options.missing_token == MissingToken::Original
                && !options.disable_affiliation
                && tokens_for(to.program).is_none();
            if !stays {
                let (local, matched) = localize::moved(&without_attribution(program, &url), by, to);
                let placement = Placement {
                    country: to.country,
                    localized_from: Some(from),
                    matched,
                };
                return Ok(affiliated(to.program, &local, Some(placement)));
            }
        }
    }
    let placement = origin.map(|country| Placement {
        country,
        localized_from: None,
        matched: Match::Original,
    });
    if options.honor_existing
        && !options.disable_affiliation
        && has_attribution(program, &url, wrapped > 0)
    {
        let mut link = answer(
            text.to_string(),
            Some(program),
            AppliedLevel::Existing,
            None,
        );
        link.placement = placement;
        return Ok(link);
    }
    Ok(affiliated(program, &url, placement))
}

/// The coverage report of a link: the link as each storefront of its program's
/// family would answer it (`missingToken=local`), in catalog order; a program without
/// a family has its one storefront; a URL no enabled program covers has none.
pub fn localizations<T: ProgramTokens>(
    text: &str,
    programs: &[Program],
    group_tokens: &[T],
    user_tokens: &[T],
) -> Result<Vec<AffiliatedLink>, LinkError> {
    let url = unwrap_all(programs, parse_product_url(text)?);
    let Some(program) = find_program(programs, &url) else {
        return Ok(Vec::new());
    };
    let link = |country: Option<Country>| {
        let options = LinkOptions {
            country,
            ..LinkOptions::default()
        };
        affiliate_with(text, programs, group_tokens, user_tokens, options)
    };
    if program.localization.is_none() {
        let country = program.countries.first().and_then(|c| Country::parse(c));
        let mut only = link(None)?;
        only.placement = country.map(|country| Placement {
            country,
            localized_from: None,
            matched: Match::Original,
        });
        return Ok(vec![only]);
    }
    localize::storefronts(programs, program)
        .map(|storefront| link(Some(storefront.country)))
        .collect()
}

fn tokens_of(views: &[impl ProgramTokens], program_guid: Uuid) -> Option<Cow<'_, Parameters>> {
    views
        .iter()
        .find(|v| v.program_guid() == program_guid)
        .map(ProgramTokens::parameters)
}

/// One program's tokens as links read them: stored records, or their compact copies.
pub trait ProgramTokens {
    fn program_guid(&self) -> Uuid;
    fn parameters(&self) -> Cow<'_, Parameters>;
}

impl ProgramTokens for TokenView {
    fn program_guid(&self) -> Uuid {
        self.record.program_guid
    }

    fn parameters(&self) -> Cow<'_, Parameters> {
        Cow::Borrowed(&self.record.parameters)
    }
}

/// A token record reduced to what links read, in a fraction of its memory (a
/// `Parameters` map costs over half a kilobyte however few it holds): what
/// `token_cache` keeps. The map is rebuilt only for the program a link matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    program_guid: Uuid,
    parameters: Box<[(Box<str>, Box<str>)]>,
}

impl From<&TokenView> for LinkToken {
    fn from(view: &TokenView) -> LinkToken {
        LinkToken {
            program_guid: view.record.program_guid,
            parameters: view
                .record
                .parameters
                .iter()
                .map(|(name, value)| (name.as_str().into(), value.as_str().into()))
                .collect(),
        }
    }
}

impl ProgramTokens for LinkToken {
    fn program_guid(&self) -> Uuid {
        self.program_guid
    }

    fn parameters(&self) -> Cow<'_, Parameters> {
        Cow::Owned(
            self.parameters
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        )
    }
}

/// Whether a link already carries an affiliate's attribution for its program: it
/// was one of the program's tracking links (a template rule), or it has one of the
/// required parameters the rule sets, or an Amazon legacy path's tag.
fn has_attribution(program: &Program, url: &Url, wrapped: bool) -> bool {
    match &program.link {
        LinkRule::Template { .. } => wrapped,
        LinkRule::Query { .. } => {
            let required = |segment: &str| {
                let (name, value) = pair(segment);
                !value.is_empty()
                    && program
                        .parameters
                        .iter()
                        .any(|p| p.required && name_is(name, &p.name))
            };
            url.query().is_some_and(|q| q.split('&').any(required))
                || (program.network == AMAZON_NETWORK && legacy_asin(url.path()).is_some())
        }
        LinkRule::None { .. } => false,
    }
}

/// The link with nobody's attribution: [`clean`]ed, then without the parameters
/// the program's rule sets (its parameters and fixed constants).
pub fn without_attribution(program: &Program, url: &Url) -> Url {
    let cleaned = clean(program, url, &Parameters::new());
    let fixed = match &program.link {
        LinkRule::Query { fixed } => Some(fixed),
        _ => None,
    };
    let set_by_rule = |segment: &&str| {
        let raw = pair(segment).0;
        program.parameters.iter().any(|p| name_is(raw, &p.name))
            || fixed.is_some_and(|f| f.keys().any(|k| name_is(raw, k)))
    };
    let query = cleaned.query().unwrap_or("");
    if !query.split('&').any(|s| set_by_rule(&s)) {
        return cleaned.into_owned();
    }
    let query = query
        .split('&')
        .filter(|s| !s.is_empty() && !set_by_rule(s))
        .collect::<Vec<&str>>()
        .join("&");
    let mut out = cleaned.into_owned();
    out.set_query(Some(query.as_str()).filter(|q| !q.is_empty()));
    out
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
    let host = url.host_str()?;
    let host = host.strip_suffix('.').unwrap_or(host);
    let mut best: Option<(&Program, usize)> = None;
    for program in programs.iter().filter(|p| !p.disabled) {
        for h in &program.hosts {
            if best.is_none_or(|(_, len)| h.len() > len) && covers(h, host) {
                best = Some((program, h.len()));
            }
        }
    }
    best.map(|(p, _)| p)
}

/// Most wrappers taken off one link (a wrapper in a wrapper in a wrapper...).
pub const MAX_WRAPPERS: usize = 4;

/// The product URL inside known wrappers, innermost first found ([`unwrap_link`]
/// repeated, at most [`MAX_WRAPPERS`] times); the URL itself when it is not wrapped.
pub fn unwrap_all(programs: &[Program], url: Url) -> Url {
    unwrap_counted(programs, url).0
}

/// [`unwrap_all`], and how many wrappers came off.
fn unwrap_counted(programs: &[Program], mut url: Url) -> (Url, usize) {
    for depth in 0..MAX_WRAPPERS {
        match unwrap_link(programs, &url) {
            Some(inner) => url = inner,
            None => return (url, depth),
        }
    }
    (url, MAX_WRAPPERS)
}

/// The URL a known wrapper carries, or `None` when `url` is not one:
/// - a tracking link of any catalog program's template (Impact's
///   `goto.walmart.com/c/{pub}/{ad}/{campaign}?u=`, Awin's `awin1.com/cread.php?..&ued=`,
///   Rakuten's `click.linksynergy.com/deeplink?..&murl=`): same host (give or take
///   `www.`), the path up to the template's first placeholder, and the template's
///   `{url}` parameter holding an http(s) URL. Whoever's ids it has, it is re-issued
///   with the caller's, never wrapped again.
/// - Amazon's `/gp/redirect.html?location=` when the location is on the same
///   storefront (a redirect elsewhere is left alone).
pub fn unwrap_link(programs: &[Program], url: &Url) -> Option<Url> {
    // Every wrapper carries its URL in the query.
    url.query()?;
    let host = url.host_str()?;
    fn bare(host: &str) -> &str {
        host.strip_prefix("www.").unwrap_or(host)
    }
    for program in programs {
        let LinkRule::Template { template, .. } = &program.link else {
            continue;
        };
        // The host first: it rules out every template but one, cheaply.
        let t_host = template_host(template);
        if !bare(host).eq_ignore_ascii_case(bare(t_host)) {
            continue;
        }
        let Some((_, t_path, t_param)) = template_shape(template) else {
            continue;
        };
        if !url.path().starts_with(t_path) {
            continue;
        }
        if let Some(inner) = query_value(url, t_param).and_then(|v| inner_url(&v)) {
            return Some(inner);
        }
    }
    if url.path() == "/gp/redirect.html" {
        let inner = query_value(url, "location").and_then(|v| inner_url(&v))?;
        let outer = find_program(programs, url)?;
        let same =
            find_program(programs, &inner).is_some_and(|p| p.program_guid == outer.program_guid);
        return same.then_some(inner);
    }
    None
}

/// A template's host (`goto.walmart.com`).
fn template_host(template: &str) -> &str {
    let rest = after_scheme(template).unwrap_or(template);
    let end = rest
        .bytes()
        .position(|b| b == b'/' || b == b'?')
        .unwrap_or(rest.len());
    &rest[..end]
}

/// A template's host, its path up to the first placeholder, and the name of the
/// query parameter whose value is `{url}`.
fn template_shape(template: &str) -> Option<(&str, &str, &str)> {
    let rest = after_scheme(template)?;
    let host_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, rest) = rest.split_at(host_end);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path = &path[..path.find('{').unwrap_or(path.len())];
    let param = query
        .split('&')
        .find_map(|segment| segment.strip_suffix("={url}"))?;
    Some((host, path, param))
}

/// The first value of a query parameter, decoded.
fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query()?
        .split('&')
        .find(|segment| name_is(pair(segment).0, name))
        .map(|segment| decoded(pair(segment).1))
}

fn inner_url(text: &str) -> Option<Url> {
    parse_product_url(text).ok()
}

/// The program's network whose legacy path forms ([`legacy_asin`]) are rewritten.
pub const AMAZON_NETWORK: &str = "Amazon Associates";

/// The ASIN of an Amazon legacy path that carries a tag:
/// `/exec/obidos/ASIN/{ASIN}/{tag}` and `/o/ASIN/{ASIN}/{tag}` (anything after the
/// ASIN goes). `/gp/product/{ASIN}` and the other product forms carry no tag and stay.
fn legacy_asin(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/exec/obidos/ASIN/")
        .or_else(|| path.strip_prefix("/o/ASIN/"))?;
    let asin = rest.split('/').next().unwrap_or("");
    (asin.len() == 10 && asin.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(asin)
}

/// A `strip` entry as (name, value prefix); a plain name has no prefix.
fn strip_entry(entry: &str) -> (&str, Option<&str>) {
    match pair(entry) {
        (name, "") => (name, None),
        (name, prefix) => (name, Some(prefix.trim_end_matches('*'))),
    }
}

/// Whether a raw query segment (`name=value`) is named by a strip entry.
fn strip_matches(entry: &str, (raw_name, raw_value): (&str, &str)) -> bool {
    let (name, prefix) = strip_entry(entry);
    // Most entries differ from the name at once: compare before anything else.
    if !has_escapes(raw_name) && raw_name.len() != name.len() {
        return false;
    }
    name_is(raw_name, name)
        && prefix.is_none_or(|prefix| {
            if has_escapes(raw_value) {
                decoded(raw_value).starts_with(prefix)
            } else {
                raw_value.starts_with(prefix)
            }
        })
}

/// A query segment's raw name and value (`name=value`; no `=`: an empty value).
/// A byte scan: on these short strings it beats a char search.
fn pair(segment: &str) -> (&str, &str) {
    match segment.bytes().position(|b| b == b'=') {
        Some(i) => (&segment[..i], &segment[i + 1..]),
        None => (segment, ""),
    }
}

/// The text after a URL template's `scheme://`.
fn after_scheme(template: &str) -> Option<&str> {
    let colon = template.bytes().position(|b| b == b':')?;
    template[colon + 1..].strip_prefix("//")
}

/// Whether raw query text has percent escapes or `+` (a byte scan: cheaper than a
/// char-set search on these short strings).
fn has_escapes(raw: &str) -> bool {
    raw.bytes().any(|b| b == b'%' || b == b'+')
}

/// A raw (encoded) parameter name compared with a decoded one, without allocating
/// unless the raw name has escapes.
fn name_is(raw: &str, name: &str) -> bool {
    if has_escapes(raw) {
        decoded(raw) == name
    } else {
        raw == name
    }
}

/// The URL with foreign attribution removed, as the program's rule sees it, and
/// when someone else's affiliate link is found, the whole attribution is replaced:
/// the parameters the rule sets (`tokens` and the fixed constants) go too, and the
/// rule appends ours.
///
/// Removed: an Amazon legacy path's tag (the path becomes `/dp/{ASIN}`); path
/// segments named by a `name=prefix*` entry (`/ref=as_li_ss_tl`); query parameters
/// named by `strip`. A strip name the rule is about to set (Amazon's `ascsubtag`
/// when the caller has one, eBay's `campid` and constants) does not mark a foreign
/// link by itself: it stays for the rule to replace in place. Product parameters keep their bytes and order;
/// the fragment stays. Nothing is allocated when there is nothing to remove.
pub fn clean<'a>(program: &Program, url: &'a Url, tokens: &Parameters) -> Cow<'a, Url> {
    let legacy = if program.network == AMAZON_NETWORK {
        legacy_asin(url.path())
    } else {
        None
    };
    let path_ref = |segment: &str| {
        program.strip.iter().any(|entry| {
            let (name, prefix) = strip_entry(entry);
            prefix.is_some_and(|prefix| {
                segment
                    .strip_prefix(name)
                    .and_then(|s| s.strip_prefix('='))
                    .is_some_and(|value| value.starts_with(prefix))
            })
        })
    };
    let dirty_path =
        legacy.is_some() || (url.path().contains('=') && url.path().split('/').any(path_ref));
    let query = url.query().unwrap_or("");
    let stripped = |segment: &str| {
        let raw = pair(segment);
        program.strip.iter().any(|e| strip_matches(e, raw))
    };
    let fixed = match &program.link {
        LinkRule::Query { fixed } => Some(fixed),
        _ => None,
    };
    let own = |segment: &str| {
        let raw = pair(segment).0;
        let is = |name: &str| name_is(raw, name);
        tokens.keys().any(|k| is(k)) || fixed.is_some_and(|f| f.keys().any(|k| is(k)))
    };
    let mut foreign = dirty_path;
    let mut any = false;
    for segment in query.split('&').filter(|s| !s.is_empty()) {
        if stripped(segment) {
            any = true;
            if !own(segment) {
                foreign = true;
            }
        }
    }
    if !any && !dirty_path {
        return Cow::Borrowed(url);
    }
    let mut out = url.clone();
    if let Some(asin) = legacy {
        out.set_path(&format!("/dp/{asin}"));
    } else if dirty_path {
        let kept: Vec<&str> = url.path().split('/').filter(|s| !path_ref(s)).collect();
        out.set_path(&kept.join("/"));
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|s| !s.is_empty())
        .filter(|s| !(foreign && own(s)))
        .filter(|s| !stripped(s) || (own(s) && !foreign))
        .collect();
    let query = kept.join("&");
    out.set_query(Some(query.as_str()).filter(|q| !q.is_empty()));
    Cow::Owned(out)
}

/// What applying a program's rule gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    Rewritten(String),
    /// The program has no link rule we can apply; the reason says why.
    Unsupported(String),
}

/// Applies the program's rule to a product URL, after [`clean`]ing it of foreign
/// attribution (a wrapper is taken off by [`unwrap_all`] before, in [`affiliate`]).
pub fn apply(program: &Program, url: &Url, tokens: &Parameters) -> Applied {
    match &program.link {
        LinkRule::Query { fixed } => {
            let mut settings: Vec<(&str, &str)> = tokens
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            settings.extend(fixed.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let url = clean(program, url, tokens);
            Applied::Rewritten(set_query_parameters(&url, &settings))
        }
        LinkRule::Template { template, optional } => {
            let url = clean(program, url, tokens);
            let Some(mut out) = fill_template(template, url.as_str(), tokens) else {
                // A required placeholder had no value: refuse rather than emit a broken link.
                return Applied::Unsupported(format!(
                    "{} needs parameters that are not set",
                    program.name
                ));
            };
            let mut separator = if out.contains('?') { '&' } else { '?' };
            for (parameter, query_name) in optional {
                if let Some(value) = tokens.get(parameter) {
                    out.push(separator);
                    separator = '&';
                    out.extend(utf8_percent_encode(query_name, COMPONENT));
                    out.push('=');
                    out.extend(utf8_percent_encode(value, COMPONENT));
                }
            }
            Applied::Rewritten(out)
        }
        LinkRule::None { reason } => Applied::Unsupported(reason.clone()),
    }
}

/// The template with `{url}` and each `{parameter}` replaced by its percent-encoded
/// value, in one pass; `None` when a placeholder has no value.
fn fill_template(template: &str, url: &str, tokens: &Parameters) -> Option<String> {
    let mut out = String::with_capacity(template.len() + url.len() * 3 / 2);
    let mut rest = template;
    while let Some(open) = rest.bytes().position(|b| b == b'{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.bytes().position(|b| b == b'}')?;
        let value = match &after[..close] {
            "url" => url,
            name => tokens.get(name)?.as_str(),
        };
        out.extend(utf8_percent_encode(value, COMPONENT));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// Sets each (name, value) on the URL's query: the first occurrence is replaced in
/// place, later duplicates are dropped, missing names are appended. Every other
/// parameter keeps its bytes and order; the fragment is kept.
pub fn set_query_parameters(url: &Url, settings: &[(&str, &str)]) -> String {
    let before_query = &url[..url::Position::AfterPath];
    let mut out = String::with_capacity(url.as_str().len() + 64);
    out.push_str(before_query);
    let mut done = vec![false; settings.len()];
    let mut separator = '?';
    let push_setting = |out: &mut String, separator: &mut char, (name, value): (&str, &str)| {
        out.push(*separator);
        *separator = '&';
        out.extend(utf8_percent_encode(name, COMPONENT));
        out.push('=');
        out.extend(utf8_percent_encode(value, COMPONENT));
    };
    for segment in url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|s| !s.is_empty())
    {
        let raw_name = pair(segment).0;
        match settings.iter().position(|(n, _)| name_is(raw_name, n)) {
            Some(i) if !done[i] => {
                done[i] = true;
                push_setting(&mut out, &mut separator, settings[i]);
            }
            Some(_) => {}
            None => {
                out.push(separator);
                separator = '&';
                out.push_str(segment);
            }
        }
    }
    for (i, setting) in settings.iter().enumerate() {
        if !done[i] {
            push_setting(&mut out, &mut separator, *setting);
        }
    }
    if separator == '?' {
        out.push('?');
    }
    if let Some(fragment) = url.fragment() {
        out.push('#');
        out.push_str(fragment);
    }
    out
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
            strip: vec![],
            localization: None,
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
    fn cleaning_strips_named_parameters_and_prefixed_values_only() {
        let mut p = program("US", &["amazon.com"], query());
        p.network = AMAZON_NETWORK.into();
        p.strip = vec!["linkId".into(), "ref=as_li_*".into()];
        let none = tokens(&[]);
        let clean_in =
            |p: &Program, u: &str| clean(p, &parse_product_url(u).unwrap(), &none).to_string();
        let clean_text = |u: &str| clean_in(&p, u);
        // Nothing to strip: the URL itself, not a copy.
        let url = parse_product_url("https://www.amazon.com/dp/B0?ref=sr_1&x=1").unwrap();
        assert!(matches!(clean(&p, &url, &none), Cow::Borrowed(_)));
        assert_eq!(
            clean_text("https://www.amazon.com/dp/B0?link%49d=1&ref=as_li_tl&ref=sr_1#f"),
            "https://www.amazon.com/dp/B0?ref=sr_1#f"
        );
        assert_eq!(
            clean_text("https://www.amazon.com/dp/B0/ref=as_li_ss_tl?linkId=1"),
            "https://www.amazon.com/dp/B0"
        );
        assert_eq!(
            clean_text("https://www.amazon.com/exec/obidos/ASIN/B000000001/x-20/ref=nosim?a=1"),
            "https://www.amazon.com/dp/B000000001?a=1"
        );
        // Not a 10-character ASIN: not a legacy form we know.
        assert_eq!(
            clean_text("https://www.amazon.com/o/ASIN/short/x-20"),
            "https://www.amazon.com/o/ASIN/short/x-20"
        );
        // Only the Amazon network's programs have legacy forms.
        let mut other = p.clone();
        other.network = "Other".into();
        assert_eq!(
            clean_in(&other, "https://www.amazon.com/o/ASIN/B000000001/x-20"),
            "https://www.amazon.com/o/ASIN/B000000001/x-20"
        );
    }

    #[test]
    fn wrappers_are_found_by_their_templates() {
        let p = program(
            "W",
            &["walmart.com"],
            LinkRule::Template {
                template: "https://goto.walmart.com/c/{tag}/1/9383?u={url}".into(),
                optional: BTreeMap::new(),
            },
        );
        let programs = vec![p];
        let unwrap =
            |u: &str| unwrap_link(&programs, &parse_product_url(u).unwrap()).map(|u| u.to_string());
        assert_eq!(
            unwrap("https://goto.walmart.com/c/9/8/7?u=https%3A%2F%2Fwww.walmart.com%2Fip%2F1"),
            Some("https://www.walmart.com/ip/1".into())
        );
        // Not the template's path, no {url} parameter, or not an http(s) URL inside.
        assert_eq!(
            unwrap("https://goto.walmart.com/x?u=https%3A%2F%2Fa.b%2F"),
            None
        );
        assert_eq!(
            unwrap("https://goto.walmart.com/c/9/8/7?v=https%3A%2F%2Fa.b%2F"),
            None
        );
        assert_eq!(
            unwrap("https://goto.walmart.com/c/9/8/7?u=javascript%3Ax"),
            None
        );
        assert_eq!(unwrap("https://www.walmart.com/ip/1"), None);
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
