//! Localization: moving a product link to the storefront of a visitor's country
//! within the program's family (all Amazon storefronts; Apple's), by the catalog's
//! `localization`. Pure functions over the catalog, no I/O.

use crate::country::Country;
use crate::model::{Localization, LocalizeBy, Program};
use url::Url;

/// How the moved link relates to the original product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// The link stayed on its own storefront.
    Original,
    /// The product's id (an ASIN, an Apple id) was kept on the other storefront;
    /// ids are only guaranteed within one storefront, so it may land on a search or a
    /// missing page in rare cases.
    SameId,
    /// No product id was found (a search, a category): the path was kept as it is.
    SamePath,
}

impl Match {
    pub fn as_str(self) -> &'static str {
        match self {
            Match::Original => "original",
            Match::SameId => "sameId",
            Match::SamePath => "samePath",
        }
    }
}

/// One storefront of a family: its country and the program whose tokens apply there.
#[derive(Debug, Clone, Copy)]
pub struct Storefront<'a> {
    pub country: Country,
    pub program: &'a Program,
}

/// The storefronts of `program`'s family, in catalog order, retired programs left
/// out; empty when the program has no family.
pub fn storefronts<'a>(
    programs: &'a [Program],
    program: &'a Program,
) -> impl Iterator<Item = Storefront<'a>> + 'a {
    let family = program.localization.as_ref().map(|l| l.family.as_str());
    programs
        .iter()
        .filter(move |p| {
            !p.disabled
                && family.is_some()
                && p.localization.as_ref().map(|l| l.family.as_str()) == family
        })
        .flat_map(|p| {
            p.countries
                .iter()
                .filter_map(|c| Country::parse(c))
                .map(move |country| Storefront {
                    country,
                    program: p,
                })
        })
}

/// The storefront a link of `program` is on: the program's one country when its
/// family localizes by host; the path's first segment when by path (Apple's `/gb/`),
/// the program's first country when the path has none.
pub fn origin(program: &Program, url: &Url) -> Option<Country> {
    let localization = program.localization.as_ref()?;
    let first = || program.countries.first().and_then(|c| Country::parse(c));
    match localization.by {
        LocalizeBy::Host => first(),
        LocalizeBy::Path => path_country(url).or_else(first),
    }
}

/// The storefront for a visitor from `country`: the family's own storefront there,
/// else the one `program`'s `countryFallbacks` names; `None` when there is neither.
pub fn storefront_for<'a>(
    programs: &'a [Program],
    program: &'a Program,
    country: Country,
) -> Option<Storefront<'a>> {
    // Catalog codes are checked upper-case codes: compared as text, not parsed again.
    let family = program.localization.as_ref()?.family.as_str();
    let find = |wanted: Country| {
        programs
            .iter()
            .filter(|p| !p.disabled)
            .filter(|p| p.localization.as_ref().is_some_and(|l| l.family == family))
            .find(|p| p.countries.iter().any(|c| wanted.is(c)))
            .map(|p| Storefront {
                country: wanted,
                program: p,
            })
    };
    find(country).or_else(|| {
        let localization: &Localization = program.localization.as_ref()?;
        let fallback = localization.country_fallbacks.get(country.as_str())?;
        find(Country::parse(fallback)?)
    })
}

/// The link moved to `to` (a storefront of its family), and how it matches: Amazon
/// swaps the host for the storefront's (`www.` + its first host) and keeps the ASIN
/// as `/dp/{ASIN}`; Apple sets the path's country and drops `geo.` (the visitor's
/// country is known). The query and fragment stay as they are.
pub fn moved(url: &Url, by: LocalizeBy, to: Storefront<'_>) -> (Url, Match) {
    let host = url.host_str().unwrap_or("");
    let path = url.path();
    // The new URL written once and parsed once (cheaper than setting its parts).
    let mut text = String::with_capacity(url.as_str().len() + 16);
    text.push_str(url.scheme());
    text.push_str("://");
    let matched = match by {
        LocalizeBy::Host => {
            text.push_str("www.");
            text.push_str(to.program.hosts.first().map(String::as_str).unwrap_or(host));
            match asin(path) {
                Some(asin) => {
                    text.push_str("/dp/");
                    text.push_str(asin);
                    Match::SameId
                }
                None => {
                    text.push_str(path);
                    Match::SamePath
                }
            }
        }
        LocalizeBy::Path => {
            text.push_str(host.strip_prefix("geo.").unwrap_or(host));
            text.push('/');
            text.extend(to.country.as_str().chars().map(|c| c.to_ascii_lowercase()));
            text.push_str(match path_country(url) {
                Some(_) => &path[3..],
                None => path,
            });
            Match::SameId
        }
    };
    if let Some(query) = url.query() {
        text.push('?');
        text.push_str(query);
    }
    if let Some(fragment) = url.fragment() {
        text.push('#');
        text.push_str(fragment);
    }
    // Parts of a parsed URL and a catalog host: it parses; the original if not.
    (Url::parse(&text).unwrap_or_else(|_| url.clone()), matched)
}

/// The country of an Apple-style path (`/us/app/...`): a first segment of two
/// letters that is an assigned code.
fn path_country(url: &Url) -> Option<Country> {
    let segment = url.path().get(1..)?.split('/').next()?;
    if segment.len() != 2 || !segment.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Country::parse(segment)
}

/// The ASIN of an Amazon product path: `/dp/{ASIN}`, `/{slug}/dp/{ASIN}`,
/// `/gp/product/{ASIN}`, `/gp/aw/d/{ASIN}` (10 letters or digits).
pub fn asin(path: &str) -> Option<&str> {
    let mut segments = path.split('/').filter(|s| !s.is_empty());
    let is_asin = |s: &str| s.len() == 10 && s.bytes().all(|b| b.is_ascii_alphanumeric());
    while let Some(segment) = segments.next() {
        let candidate = match segment {
            "dp" => segments.next(),
            "gp" => match segments.next() {
                Some("product") => segments.next(),
                Some("aw") => segments.next().filter(|d| *d == "d").and(segments.next()),
                _ => None,
            },
            _ => continue,
        };
        if let Some(asin) = candidate.filter(|s| is_asin(s)) {
            return Some(asin);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asins_are_found_in_every_product_form() {
        for (path, want) in [
            ("/dp/B08N5WRWNW", Some("B08N5WRWNW")),
            ("/Some-Title/dp/B08N5WRWNW/ref=sr_1", Some("B08N5WRWNW")),
            ("/gp/product/0596005423", Some("0596005423")),
            ("/gp/aw/d/B08N5WRWNW", Some("B08N5WRWNW")),
            ("/-/en/dp/B0BSHF7WHW", Some("B0BSHF7WHW")),
            ("/s", None),
            ("/dp/short", None),
            ("/gp/aw/x/B08N5WRWNW", None),
        ] {
            assert_eq!(asin(path), want, "{path}");
        }
    }
}
