//! Which format the answer is written in, read once from the request.

use crate::codec::{format_from_accept, format_of_media_type, jsv_alias, JsConfig};
use crate::{Format, TypeInfo};
use http::{header, HeaderMap, Uri};
use serde_json::Value;
use std::borrow::Cow;

/// How the answer is written: the format, and JSONP or a JSV alias when asked for.
#[derive(Debug, Clone)]
pub(super) struct Answer {
    pub format: Format,
    pub jsonp_callback: Option<String>,
    pub content_type: &'static str,
    /// `?jsconfig=` settings, for JSON and JSV answers.
    pub jsconfig: Option<JsConfig>,
}

impl Answer {
    pub fn new(format: Format) -> Answer {
        Answer {
            format,
            jsonp_callback: None,
            content_type: format.content_type(),
            jsconfig: None,
        }
    }

    /// The answer's value as `?jsconfig=` asks it written.
    pub fn shape<'v>(&self, value: &'v Value, ty: &TypeInfo) -> Cow<'v, Value> {
        match &self.jsconfig {
            Some(config) => Cow::Owned(config.apply(value, ty)),
            None => Cow::Borrowed(value),
        }
    }
}

/// What a request says about formats, and its query string, read once.
pub(super) struct Negotiation<'a> {
    query_format: Option<Format>,
    callback: Option<String>,
    jsconfig: Option<JsConfig>,
    accept: &'a str,
    pub content_type: &'a str,
    pub query: Query<'a>,
}

/// A query string's pairs, decoded; borrowed from the URI unless percent-encoded.
pub(super) type Query<'a> = Vec<(Cow<'a, str>, Cow<'a, str>)>;

impl<'a> Negotiation<'a> {
    pub fn read(uri: &'a Uri, headers: &'a HeaderMap) -> Negotiation<'a> {
        let query = query_pairs(uri);
        let header = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        Negotiation {
            query_format: query_value(&query, "format").and_then(Format::from_name),
            callback: query_value(&query, "callback")
                .map(sanitize_callback)
                .filter(|c| !c.is_empty()),
            jsconfig: query_value(&query, "jsconfig").map(JsConfig::parse),
            accept: header(header::ACCEPT),
            content_type: header(header::CONTENT_TYPE),
            query,
        }
    }

    /// Section 2 of the wire rules: callback, `?format=`, suffix, `Accept`, JSON.
    /// Predefined routes (`/json/reply/...`) fix the format themselves.
    pub fn answer(&self, route_format: Option<Format>, predefined: bool) -> Answer {
        let request_format = format_of_media_type(self.content_type);
        let format = if predefined {
            route_format.unwrap_or(Format::Json)
        } else {
            self.query_format
                .or(route_format)
                .or_else(|| format_from_accept(self.accept, request_format))
                .unwrap_or(Format::Json)
        };
        let mut answer = Answer::new(format);
        if let Some(callback) = &self.callback {
            answer = Answer {
                format: Format::Json,
                jsonp_callback: Some(callback.clone()),
                content_type: "text/javascript; charset=utf-8",
                jsconfig: None,
            };
        } else if format == Format::Jsv {
            if let Some(alias) = jsv_alias(self.accept, self.content_type) {
                answer.content_type = alias;
            }
        }
        if matches!(answer.format, Format::Json | Format::Jsv | Format::Jsonl) {
            answer.jsconfig = self.jsconfig.clone();
        }
        answer
    }

    pub fn is_form(&self) -> bool {
        const FORM: &str = "application/x-www-form-urlencoded";
        self.content_type
            .get(..FORM.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(FORM))
    }
}

pub(super) fn query_pairs(uri: &Uri) -> Query<'_> {
    let query = uri.query().unwrap_or("");
    form_urlencoded::parse(query.as_bytes()).collect()
}

/// Query names are matched ignoring case, as ServiceStack does.
pub(super) fn query_value<'q>(query: &'q Query<'_>, name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

/// JSONP callback names are limited to `[A-Za-z0-9._]` so they cannot inject script.
fn sanitize_callback(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
        .collect()
}
