//! An operation request, stage by stage. Each stage returns `Result<_, Rejection>`;
//! the first rejection is the answer, written in the format negotiated so far.

use super::body::{body_format, check_declared_length, read_body};
use super::negotiate::{Answer, Negotiation, Query};
use super::respond::answered;
use super::Inner;
use crate::admission::Refusal;
use crate::answer_cache::{AnswerCache, AnswerKey, Slot};
use crate::auth::{presented_credentials, Presented};
use crate::binding::{normalize_keys, overlay_text_values};
use crate::operation::{BoundRequest, Reply};
use crate::routing::{PathValues, Target};
use crate::{Authenticator, Format, Operation, ServiceError, Verb};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;
use tokio::sync::OwnedSemaphorePermit;

/// Why a request is answered with an error, and how to write it.
pub(super) struct Rejection {
    /// Boxed: every stage returns `Result<_, Rejection>`, and the error is the rare case.
    pub error: Box<ServiceError>,
    /// The operation the request was for, once known (for the log).
    pub operation: Option<&'static str>,
    /// Written inside this operation's response DTO: errors the operation raised.
    pub inside: Option<usize>,
    pub retry_after_secs: Option<u64>,
    pub allow: Option<String>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Rejection {
    fn for_operation(mut self, name: &'static str) -> Self {
        self.operation = Some(name);
        self
    }

    /// An error of operation `index` (`name`), written inside its response DTO.
    pub(super) fn inside(error: ServiceError, index: usize, name: &'static str) -> Self {
        Rejection {
            inside: Some(index),
            ..Rejection::from(error).for_operation(name)
        }
    }
}

impl From<ServiceError> for Rejection {
    fn from(error: ServiceError) -> Self {
        Rejection {
            error: Box::new(error),
            operation: None,
            inside: None,
            retry_after_secs: None,
            allow: None,
            headers: Vec::new(),
        }
    }
}

impl From<Refusal> for Rejection {
    fn from(refusal: Refusal) -> Self {
        Rejection {
            retry_after_secs: Some(refusal.retry_after_secs),
            ..Rejection::from(refusal.error)
        }
    }
}

/// Where a cacheable request's answer is kept: the cache, its key, its format.
struct KeptAnswer<'c> {
    cache: &'c AnswerCache,
    key: AnswerKey,
    slot: Slot,
}

/// Where a request goes: the operation and what its route says.
struct Route<'p> {
    operation: usize,
    verb: Verb,
    path_values: PathValues<'p>,
    predefined: bool,
    format: Option<Format>,
    batch: bool,
}

/// The route every operation is reached through (axum's fallback).
pub(super) async fn operation<A: Authenticator>(
    State(host): State<Arc<Inner<A>>>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let negotiation = Negotiation::read(&parts.uri, &parts.headers);
    let mut answer = negotiation.answer(None, false);
    match host.run(&parts, body, &negotiation, &mut answer).await {
        Ok(response) => response,
        Err(rejection) => host.reject(rejection, &answer),
    }
}

impl<A: Authenticator> Inner<A> {
    async fn run(
        &self,
        parts: &Parts,
        body: Body,
        negotiation: &Negotiation<'_>,
        answer: &mut Answer,
    ) -> Result<Response, Rejection> {
        let _place = self.admit()?;
        // A form may name the verb in a field, so a form's body is read before routing.
        let (form, body) = if negotiation.is_form() {
            check_declared_length(&parts.headers, &self.limits)?;
            (Some(read_body(body, &self.limits).await?), None)
        } else {
            (None, Some(body))
        };
        let route = self.resolve(parts, &negotiation.query, form.as_deref())?;
        let op = &self.operations[route.operation];
        *answer = negotiation.answer(route.format, route.predefined);
        let of_op = |rejection: Rejection| rejection.for_operation(op.name);
        check_declared_length(&parts.headers, &self.limits)
            .map_err(Rejection::from)
            .map_err(of_op)?;
        let identity = self.authenticate(op, &parts.headers).await.map_err(of_op)?;
        self.authorize(op, identity.as_ref()).map_err(of_op)?;
        let body = match (form, body) {
            (Some(form), _) => form,
            (None, body) => read_body(body.unwrap_or_default(), &self.limits)
                .await
                .map_err(Rejection::from)
                .map_err(of_op)?,
        };
        let format = body_format(negotiation, route.format, route.predefined)
            .map_err(Rejection::from)
            .map_err(of_op)?;
        if route.batch {
            let response = self
                .run_batch(route.operation, identity, format, &body, answer)
                .await;
            return Ok(answered(response, Some(op.name)));
        }
        let request = self.bind(op, &route, format, &body, &negotiation.query)?;
        let kept = self.kept_answer(op, identity.as_ref(), &request, answer);
        if let Some(kept) = &kept {
            if let Some(ready) = kept.cache.get(kept.key, kept.slot) {
                let response = self.ready_response(ready, &parts.headers, &op.response, answer);
                return Ok(answered(response, Some(op.name)));
            }
        }
        let epoch = kept.as_ref().map(|kept| kept.cache.epoch());
        let reply = self.call(route.operation, identity, request).await?;
        let inside = |error: ServiceError| Rejection::inside(error, route.operation, op.name);
        if route.verb != Verb::Get || answer.jsonp_callback.is_some() {
            let response = self
                .encoded_reply(&*reply, &op.response, answer)
                .map_err(inside)?;
            return Ok(answered(response, Some(op.name)));
        }
        let ready = self.ready(&*reply, &op.response, answer).map_err(inside)?;
        if let (Some(kept), Some(epoch)) = (kept, epoch) {
            kept.cache.keep(kept.key, kept.slot, ready.clone(), epoch);
        }
        let response = self.ready_response(ready, &parts.headers, &op.response, answer);
        Ok(answered(response, Some(op.name)))
    }

    /// Where this request's answer is kept ready, if it may be: a GET of an operation
    /// that names its answers, with a cache, not JSONP (each callback differs) and not
    /// reshaped by `?jsconfig=` (the kept bytes are the plain answer's).
    fn kept_answer(
        &self,
        op: &Operation<A::Identity>,
        identity: Option<&A::Identity>,
        request: &BoundRequest,
        answer: &Answer,
    ) -> Option<KeptAnswer<'_>> {
        let cache = self.answers.as_deref()?;
        let name = op.answer_key.as_ref()?;
        if answer.jsonp_callback.is_some() || answer.jsconfig.is_some() {
            return None;
        }
        let key = name(identity?, request)?;
        Some(KeptAnswer {
            cache,
            key,
            slot: (answer.format, answer.content_type),
        })
    }

    /// A place among the requests in progress, held until the answer is built.
    fn admit(&self) -> Result<OwnedSemaphorePermit, Rejection> {
        Ok(self.admission.admit()?)
    }

    /// The operation and route values; `X-Http-Method-Override` stands for the verb.
    fn resolve<'p>(
        &self,
        parts: &'p Parts,
        query: &Query<'_>,
        form: Option<&[u8]>,
    ) -> Result<Route<'p>, Rejection> {
        let method = method_override(parts, query, form);
        let method = method.as_deref().unwrap_or(parts.method.as_str());
        let path = parts.uri.path();
        let Some(verb) = Verb::parse(method) else {
            return Err(self.unsupported_method(method, path));
        };
        match self.routes.resolve(verb, path) {
            Target::Operation {
                operation,
                path_values,
                predefined,
                format,
                batch,
            } => Ok(Route {
                operation,
                verb,
                path_values,
                predefined,
                format,
                batch,
            }),
            Target::UnknownOperation => Err(ServiceError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "NotImplementedException",
                "The operation does not exist for this service",
            )
            .into()),
            Target::VerbNotAllowed { operation } => {
                let op = &self.operations[operation];
                let error = ServiceError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "NotSupportedException",
                    format!(
                        "{} does not support the HTTP method {}",
                        op.name,
                        verb.as_str()
                    ),
                );
                let allow: Vec<&str> = op.verbs().map(Verb::as_str).collect();
                Err(Rejection {
                    allow: Some(allow.join(", ")),
                    ..Rejection::from(error).for_operation(op.name)
                })
            }
            // The path is the caller's text: not repeated.
            Target::NoRoute => Err(ServiceError::not_found(format!(
                "No operation is found at this path for {}",
                verb.as_str()
            ))
            .into()),
        }
    }

    /// A method no operation has: 405, with the verbs the path does answer.
    fn unsupported_method(&self, method: &str, path: &str) -> Rejection {
        let error = ServiceError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "NotSupportedException",
            format!("The HTTP method {method} is not supported"),
        );
        let allow: Vec<&str> = [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete]
            .into_iter()
            .filter(|verb| matches!(self.routes.resolve(*verb, path), Target::Operation { .. }))
            .map(Verb::as_str)
            .collect();
        Rejection {
            allow: Some(allow.join(", ")),
            ..Rejection::from(error)
        }
    }

    /// The caller, for operations that require one, once its key is known good and
    /// within its rate.
    async fn authenticate(
        &self,
        op: &Operation<A::Identity>,
        headers: &http::HeaderMap,
    ) -> Result<Option<A::Identity>, Rejection> {
        if !op.requires_auth {
            return Ok(None);
        }
        let credentials = match presented_credentials(headers) {
            Presented::Nothing => return Err(ServiceError::authentication_required().into()),
            Presented::Malformed => {
                return Err(ServiceError::unauthorized("Invalid API Key").into())
            }
            Presented::Credentials(credentials) => credentials,
        };
        let identity = self
            .authenticator
            .authenticate(&credentials)
            .await?
            .ok_or_else(|| ServiceError::unauthorized("Invalid API Key"))?;
        self.admission.charge(&credentials.key)?;
        Ok(Some(identity))
    }

    /// The operation's own rule on who may call it, before its body is read.
    fn authorize(
        &self,
        op: &Operation<A::Identity>,
        identity: Option<&A::Identity>,
    ) -> Result<(), Rejection> {
        match (&op.authorize, identity) {
            (Some(permit), Some(identity)) => Ok(permit(identity)?),
            _ => Ok(()),
        }
    }

    /// The request DTO. A request without a body is read straight from its path and
    /// query values when they read plainly; any other (or one that does not) is laid
    /// out as a JSON value first (`bind_value`), which says what is wrong with it.
    fn bind(
        &self,
        op: &Operation<A::Identity>,
        route: &Route,
        body_format: Option<Format>,
        body: &Bytes,
        query: &Query<'_>,
    ) -> Result<BoundRequest, Rejection> {
        let of_op = |rejection: Rejection| rejection.for_operation(op.name);
        if !route.verb.has_body() && body.is_empty() {
            let path_values = route.path_values.iter().map(|(k, v)| (*k, v.as_ref()));
            let query_values = query.iter().map(|(k, v)| (k.as_ref(), v.as_ref()));
            let mut values = path_values.chain(query_values);
            if let Some(request) = (op.binder.from_text_values)(&mut values, &op.request) {
                return Ok(request);
            }
        }
        let value = self
            .bind_value(op, route, body_format, body, query)
            .map_err(Rejection::from)
            .map_err(of_op)?;
        // The DTO's own errors are written inside its response, as its handler's are.
        (op.binder.from_value)(Value::Object(value))
            .map_err(|error| Rejection::inside(error, route.operation, op.name))
    }

    /// Body (by its format, or form fields), then path values, then the query string.
    fn bind_value(
        &self,
        op: &Operation<A::Identity>,
        route: &Route,
        body_format: Option<Format>,
        body: &Bytes,
        query: &Query<'_>,
    ) -> Result<Map<String, Value>, ServiceError> {
        let mut errors = Vec::new();
        let mut dto = Map::new();
        if route.verb.has_body() || !body.is_empty() {
            match body_format {
                None => {
                    let fields: Vec<(String, String)> =
                        form_urlencoded::parse(body).into_owned().collect();
                    let fields = fields.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                    overlay_text_values(&mut dto, fields, &op.request, &mut errors);
                }
                Some(format) => {
                    let value = format
                        .decode(body, &op.request)
                        .map_err(ServiceError::serialization)?;
                    dto = normalize_keys(value, &op.request)?;
                }
            }
        }
        let path_values = route.path_values.iter().map(|(k, v)| (*k, v.as_ref()));
        overlay_text_values(&mut dto, path_values, &op.request, &mut errors);
        let query = query.iter().map(|(k, v)| (k.as_ref(), v.as_ref()));
        overlay_text_values(&mut dto, query, &op.request, &mut errors);
        match errors.first() {
            None => Ok(dto),
            Some(first) => {
                Err(ServiceError::serialization(first.message.clone()).with_field_errors(errors))
            }
        }
    }

    /// The operation's handler; its errors are written inside its response DTO.
    pub(super) async fn call(
        &self,
        operation: usize,
        identity: Option<A::Identity>,
        request: BoundRequest,
    ) -> Result<Box<dyn Reply>, Rejection> {
        let op = &self.operations[operation];
        (op.handler)(identity, request)
            .await
            .map_err(|error| Rejection::inside(error, operation, op.name))
    }
}

const METHOD_OVERRIDE: &str = "X-Http-Method-Override";

/// The verb a request stands for: the `X-Http-Method-Override` header on any request; on
/// a POST also a query-string value or form field of that name, as ServiceStack reads it
/// (a link or a plain HTML form can only GET or POST).
fn method_override(parts: &Parts, query: &Query<'_>, form: Option<&[u8]>) -> Option<String> {
    let header = parts
        .headers
        .get(METHOD_OVERRIDE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty());
    if let Some(header) = header {
        return Some(header.to_string());
    }
    if parts.method != http::Method::POST {
        return None;
    }
    let named = |(key, value): &(Cow<str>, Cow<str>)| {
        (key.eq_ignore_ascii_case(METHOD_OVERRIDE) && !value.is_empty()).then(|| value.to_string())
    };
    let from_form =
        form.and_then(|body| form_urlencoded::parse(body).find_map(|pair| named(&pair)));
    from_form.or_else(|| query.iter().find_map(named))
}
