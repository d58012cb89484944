//! Matching a request path to an operation: user routes (with an optional format
//! suffix) and the predefined `/api/{Name}` and `/{fmt}/reply|oneway/{Name}` routes.

use crate::{Format, Operation, Verb};
use percent_encoding::percent_decode_str;
use std::borrow::Cow;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Compared case-insensitively, as ServiceStack routes are.
    Literal(String),
    Variable(&'static str),
}

#[derive(Debug)]
struct CompiledRoute {
    verb: Verb,
    segments: Vec<Segment>,
    operation: usize,
}

/// Built once at start-up from the operation declarations.
#[derive(Debug)]
pub(crate) struct RouteTable {
    routes: Vec<CompiledRoute>,
    by_name: HashMap<String, usize>,
}

/// A path's segments, decoded; borrowed from the path unless percent-encoded.
type Segments<'p> = Vec<Cow<'p, str>>;

/// Route variables by member name, as the path wrote them (decoded).
pub(crate) type PathValues<'p> = Vec<(&'static str, Cow<'p, str>)>;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target<'p> {
    Operation {
        operation: usize,
        path_values: PathValues<'p>,
        /// On `/api` and `/{fmt}/reply` the verb does not take part in routing.
        predefined: bool,
        /// A format fixed by the route (`/json/reply/`, `.json`).
        format: Option<Format>,
        /// `/api/{Name}[]`: the body is a list of requests.
        batch: bool,
    },
    UnknownOperation,
    /// The path names an operation, but not with this verb.
    VerbNotAllowed {
        operation: usize,
    },
    NoRoute,
}

impl RouteTable {
    pub(crate) fn new<I>(operations: &[Operation<I>]) -> RouteTable {
        let mut routes = Vec::new();
        let mut by_name = HashMap::new();
        for (index, op) in operations.iter().enumerate() {
            let previous = by_name.insert(op.name.to_ascii_lowercase(), index);
            assert!(previous.is_none(), "operation {} declared twice", op.name);
            for route in &op.routes {
                let segments = split_path(route.path)
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(var) => Segment::Variable(leak_name(op, var)),
                            None => Segment::Literal(s.to_ascii_lowercase()),
                        },
                    )
                    .collect();
                routes.push(CompiledRoute {
                    verb: route.verb,
                    segments,
                    operation: index,
                });
            }
        }
        RouteTable { routes, by_name }
    }

    pub(crate) fn resolve<'p>(&self, verb: Verb, path: &'p str) -> Target<'p> {
        let segments: Segments<'p> = split_path(path)
            .map(|s| percent_decode_str(s).decode_utf8_lossy())
            .collect();
        if let Some(target) = self.resolve_predefined(verb, &segments) {
            return target;
        }
        self.resolve_user_route(verb, segments)
    }

    fn resolve_predefined(&self, verb: Verb, segments: &[Cow<str>]) -> Option<Target<'static>> {
        let (name, route_format) = match segments {
            [api, name] if api.eq_ignore_ascii_case("api") => (name.as_ref(), None),
            [fmt, kind, name]
                if kind.eq_ignore_ascii_case("reply") || kind.eq_ignore_ascii_case("oneway") =>
            {
                (
                    name.as_ref(),
                    Some(Format::from_name(fmt).filter(|f| f.has_reply_route())?),
                )
            }
            _ => return None,
        };
        let (name, suffix_format) = split_format_suffix(name);
        let (name, batch) = match name.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (name, false),
        };
        let Some(&operation) = self.by_name.get(&name.to_ascii_lowercase()) else {
            return Some(Target::UnknownOperation);
        };
        let declared = self
            .routes
            .iter()
            .any(|r| r.operation == operation && r.verb == verb);
        // Clients POST every operation to /api by default; other verbs must make sense.
        if !declared && verb != Verb::Post {
            return Some(Target::VerbNotAllowed { operation });
        }
        Some(Target::Operation {
            operation,
            path_values: Vec::new(),
            predefined: true,
            format: route_format.or(suffix_format).or(Some(Format::Json)),
            batch,
        })
    }

    fn resolve_user_route<'p>(&self, verb: Verb, mut segments: Segments<'p>) -> Target<'p> {
        let mut format = None;
        if let Some(last) = segments.last_mut() {
            let (stem, suffix) = split_format_suffix(last);
            if suffix.is_some() {
                format = suffix;
                let stem_len = stem.len();
                match last {
                    Cow::Borrowed(text) => *text = &text[..stem_len],
                    Cow::Owned(text) => text.truncate(stem_len),
                }
            }
        }
        let mut verb_mismatch = None;
        for route in &self.routes {
            let Some(path_values) = match_segments(&route.segments, &segments) else {
                continue;
            };
            if route.verb != verb {
                verb_mismatch.get_or_insert(route.operation);
                continue;
            }
            return Target::Operation {
                operation: route.operation,
                path_values,
                predefined: false,
                format,
                batch: false,
            };
        }
        match verb_mismatch {
            Some(operation) => Target::VerbNotAllowed { operation },
            None => Target::NoRoute,
        }
    }
}

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|s| !s.is_empty())
}

/// `Name.json` -> (`Name`, Some(Json)); anything else is left whole.
fn split_format_suffix(segment: &str) -> (&str, Option<Format>) {
    if let Some((stem, ext)) = segment.rsplit_once('.') {
        if let Some(format) = Format::from_name(ext) {
            return (stem, Some(format));
        }
    }
    (segment, None)
}

fn match_segments<'p>(template: &[Segment], segments: &[Cow<'p, str>]) -> Option<PathValues<'p>> {
    if template.len() != segments.len() {
        return None;
    }
    let mut values = Vec::new();
    for (t, s) in template.iter().zip(segments) {
        match t {
            Segment::Literal(lit) if lit.eq_ignore_ascii_case(s) => {}
            Segment::Literal(_) => return None,
            Segment::Variable(_) if s.is_empty() => return None,
            Segment::Variable(name) => values.push((*name, s.clone())),
        }
    }
    Some(values)
}

/// Route variables must name a request member; the member's `'static` name is kept.
fn leak_name<I>(op: &Operation<I>, var: &str) -> &'static str {
    op.request.member(var).map(|m| m.name).unwrap_or_else(|| {
        panic!(
            "route variable {{{var}}} of {} is not a request member",
            op.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{dto, operation, ServiceError};

    dto! {
        pub struct ThingRequest {
            id: u32 as "id" in path,
            guid: Option<String> as "guid" in path,
        }
        pub struct ThingResponse {
            ok: bool as "ok" in body,
        }
    }

    fn table() -> RouteTable {
        let ops: Vec<Operation<()>> = vec![operation::<ThingRequest, ThingResponse>()
            .route(Verb::Put, "/v1/things/{id}/parts/{guid}")
            .anonymous(|_req: ThingRequest| async {
                Ok::<_, ServiceError>(ThingResponse::default())
            })];
        RouteTable::new(&ops)
    }

    fn op(
        path_values: Vec<(&'static str, String)>,
        predefined: bool,
        format: Option<Format>,
    ) -> Target<'static> {
        let path_values = path_values
            .into_iter()
            .map(|(name, value)| (name, Cow::Owned(value)))
            .collect();
        Target::Operation {
            operation: 0,
            path_values,
            predefined,
            format,
            batch: false,
        }
    }

    #[test]
    fn user_routes_bind_variables_and_ignore_case() {
        let values = vec![("id", "7".to_string()), ("guid", "a b".to_string())];
        assert_eq!(
            table().resolve(Verb::Put, "/v1/things/7/parts/a%20b"),
            op(values.clone(), false, None)
        );
        assert_eq!(
            table().resolve(Verb::Put, "/V1/Things/7/PARTS/a%20b"),
            op(values.clone(), false, None)
        );
        assert_eq!(
            table().resolve(Verb::Put, "/v1/things/7/parts/a%20b.json"),
            op(values, false, Some(Format::Json))
        );
        assert_eq!(
            table().resolve(Verb::Put, "/v1/things/7/parts/x.xml"),
            op(
                vec![("id", "7".to_string()), ("guid", "x".to_string())],
                false,
                Some(Format::Xml)
            )
        );
        assert_eq!(
            table().resolve(Verb::Get, "/v1/things/7/parts/x"),
            Target::VerbNotAllowed { operation: 0 }
        );
        assert_eq!(
            table().resolve(Verb::Put, "/v1/things/7/parts"),
            Target::NoRoute
        );
        assert_eq!(
            table().resolve(Verb::Put, "/v1/things//parts/x"),
            Target::NoRoute
        );
    }

    #[test]
    fn predefined_routes_find_operations_by_name() {
        let json = Some(Format::Json);
        assert_eq!(
            table().resolve(Verb::Put, "/api/ThingRequest"),
            op(vec![], true, json)
        );
        assert_eq!(
            table().resolve(Verb::Post, "/api/thingrequest"),
            op(vec![], true, json)
        );
        assert_eq!(
            table().resolve(Verb::Put, "/api/ThingRequest.json"),
            op(vec![], true, json)
        );
        assert_eq!(
            table().resolve(Verb::Put, "/json/reply/ThingRequest"),
            op(vec![], true, json)
        );
        assert_eq!(
            table().resolve(Verb::Put, "/json/oneway/ThingRequest"),
            op(vec![], true, json)
        );
        assert_eq!(
            table().resolve(Verb::Delete, "/api/ThingRequest"),
            Target::VerbNotAllowed { operation: 0 }
        );
        assert_eq!(
            table().resolve(Verb::Post, "/api/Nope"),
            Target::UnknownOperation
        );
        assert_eq!(
            table().resolve(Verb::Post, "/xyz/reply/ThingRequest"),
            Target::NoRoute
        );
    }
}
