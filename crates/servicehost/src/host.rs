//! The HTTP host: one handler for every request, dispatching through the route table.

use crate::admission::{Admission, Refusal, RequestLimits};
use crate::auth::{presented_credentials, Presented};
use crate::binding::{normalize_keys, overlay_text_values};
use crate::codec::{format_from_accept, format_of_media_type, jsv_alias};
use crate::metadata::ServiceDescription;
use crate::routing::{RouteTable, Target};
use crate::{Authenticator, Format, Operation, ServiceError, TypeInfo, Verb};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::FutureExt;
use http::{header, HeaderValue, StatusCode};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Instant;

type HealthCheck = Arc<dyn Fn() -> BoxFuture<'static, bool> + Send + Sync>;

pub struct Host<A: Authenticator> {
    service_name: &'static str,
    operations: Vec<Operation<A::Identity>>,
    authenticator: A,
    health_check: Option<HealthCheck>,
    limits: RequestLimits,
    xml_namespaces: (&'static str, &'static str),
}

impl<A: Authenticator> Host<A> {
    pub fn new(service_name: &'static str, authenticator: A) -> Self {
        Host {
            service_name,
            operations: Vec::new(),
            authenticator,
            health_check: None,
            limits: RequestLimits::default(),
            xml_namespaces: (service_name, service_name),
        }
    }

    /// The .NET namespaces of request and response DTOs, for XML's DataContract names.
    pub fn xml_namespaces(mut self, requests: &'static str, responses: &'static str) -> Self {
        self.xml_namespaces = (requests, responses);
        self
    }

    pub fn operation(mut self, operation: Operation<A::Identity>) -> Self {
        self.operations.push(operation);
        self
    }

    pub fn operations(
        mut self,
        operations: impl IntoIterator<Item = Operation<A::Identity>>,
    ) -> Self {
        self.operations.extend(operations);
        self
    }

    /// `GET /health` answers 200 while this returns true, 503 otherwise; no auth.
    pub fn health_check<F, Fut>(mut self, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = bool> + Send + 'static,
    {
        self.health_check = Some(Arc::new(move || Box::pin(check())));
        self
    }

    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.limits.max_body_bytes = limit;
        self
    }

    /// Body size and time, requests in progress, per-key rate, batch size.
    pub fn request_limits(mut self, limits: RequestLimits) -> Self {
        self.limits = limits;
        self
    }

    pub fn service_name(&self) -> &'static str {
        self.service_name
    }

    pub fn declared_operations(&self) -> &[Operation<A::Identity>] {
        &self.operations
    }

    pub fn into_router(self) -> Router {
        let routes = RouteTable::new(&self.operations);
        let description =
            ServiceDescription::new(self.service_name, &self.operations, self.xml_namespaces);
        let inner = Arc::new(Inner {
            description,
            routes,
            operations: self.operations,
            authenticator: self.authenticator,
            health_check: self.health_check,
            admission: Admission::new(&self.limits),
            limits: self.limits,
            xml_namespaces: self.xml_namespaces,
            error_type: error_response_type(),
        });
        Router::new().fallback(dispatch::<A>).with_state(inner)
    }
}

struct Inner<A: Authenticator> {
    description: ServiceDescription,
    routes: RouteTable,
    operations: Vec<Operation<A::Identity>>,
    authenticator: A,
    health_check: Option<HealthCheck>,
    admission: Admission,
    limits: RequestLimits,
    xml_namespaces: (&'static str, &'static str),
    error_type: TypeInfo,
}

/// ServiceStack's `ErrorResponse`: errors raised before an operation is chosen.
fn error_response_type() -> TypeInfo {
    TypeInfo {
        name: "ErrorResponse",
        description: "An error raised before the request reached an operation.",
        namespace: Some(crate::schema::SERVICESTACK_TYPES_NAMESPACE),
        base: None,
        members: vec![crate::Member {
            name: "responseStatus",
            type_name: "ResponseStatus".into(),
            kind: crate::ValueKind::Object,
            binding: crate::Binding::Body,
            optional: true,
            description: "",
            nested: Some(crate::schema::response_status_type),
            item_element: "ResponseStatus".into(),
        }],
    }
}

async fn dispatch<A: Authenticator>(
    State(host): State<Arc<Inner<A>>>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    // A bug in a handler answers 500 with a responseStatus rather than dropping the
    // connection; the panic itself is logged by the panic hook.
    let (operation, response) = std::panic::AssertUnwindSafe(host.handle(request))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            let answer = Answer::new(Format::Json);
            (
                None,
                host.error_response(&ServiceError::internal(), None, &answer),
            )
        });
    tracing::info!(
        %method,
        path,
        operation = operation.unwrap_or("-"),
        status = response.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// How the answer is written: the format, and JSONP or a JSV alias when asked for.
#[derive(Debug, Clone)]
struct Answer {
    format: Format,
    jsonp_callback: Option<String>,
    content_type: &'static str,
}

impl Answer {
    fn new(format: Format) -> Answer {
        Answer {
            format,
            jsonp_callback: None,
            content_type: format.content_type(),
        }
    }
}

/// What the request says about formats, read once.
struct Negotiation<'a> {
    query_format: Option<Format>,
    callback: Option<String>,
    accept: &'a str,
    content_type: &'a str,
}

impl Negotiation<'_> {
    /// Section 2 of the wire rules: callback, `?format=`, suffix, `Accept`, JSON.
    fn answer(&self, route_format: Option<Format>, predefined: bool) -> Answer {
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
            };
        } else if format == Format::Jsv {
            if let Some(alias) = jsv_alias(self.accept, self.content_type) {
                answer.content_type = alias;
            }
        }
        answer
    }
}

impl<A: Authenticator> Inner<A> {
    async fn handle(&self, request: Request) -> (Option<&'static str>, Response) {
        let (parts, body) = request.into_parts();
        let query = parts.uri.query().unwrap_or("");
        let query_pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let query_value = |name: &str| {
            query_pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        let header = |name: header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
        };
        let negotiation = Negotiation {
            query_format: query_value("format").and_then(Format::from_name),
            callback: query_value("callback")
                .map(sanitize_callback)
                .filter(|c| !c.is_empty()),
            accept: header(header::ACCEPT),
            content_type: header(header::CONTENT_TYPE),
        };

        // HEAD is answered as GET; hyper leaves the body out.
        let reads = matches!(parts.method, http::Method::GET | http::Method::HEAD);
        if reads && parts.uri.path() == "/health" {
            return (None, self.health().await);
        }
        let _in_flight = match self.admission.admit() {
            Ok(permit) => permit,
            Err(refusal) => {
                let answer = negotiation.answer(None, false);
                return (None, self.refused(refusal, None, &answer));
            }
        };
        if reads {
            if let Some(response) = self.metadata(&parts, query_value("op"), query_value("lang")) {
                return (None, response);
            }
        }

        let method_name = parts
            .headers
            .get("x-http-method-override")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(parts.method.as_str());
        let early_answer = negotiation.answer(None, false);
        let Some(verb) = Verb::parse(method_name) else {
            let error = ServiceError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "NotSupportedException",
                format!("The HTTP method {method_name} is not supported"),
            );
            let mut response = self.error_response(&error, None, &early_answer);
            // RFC 9110: a 405 says which methods the resource does support.
            let allow: Vec<&str> = [Verb::Get, Verb::Post, Verb::Put, Verb::Patch, Verb::Delete]
                .into_iter()
                .filter(|v| {
                    matches!(
                        self.routes.resolve(*v, parts.uri.path()),
                        Target::Operation { .. }
                    )
                })
                .map(Verb::as_str)
                .collect();
            if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return (None, response);
        };

        let (index, path_values, predefined, route_format, batch) =
            match self.routes.resolve(verb, parts.uri.path()) {
                Target::Operation {
                    operation,
                    path_values,
                    predefined,
                    format,
                    batch,
                } => (operation, path_values, predefined, format, batch),
                Target::UnknownOperation => {
                    let error = ServiceError::new(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "NotImplementedException",
                        "The operation does not exist for this service",
                    );
                    return (None, self.error_response(&error, None, &early_answer));
                }
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
                    let mut response = self.error_response(&error, None, &early_answer);
                    let allow: Vec<&str> = op.verbs().map(Verb::as_str).collect();
                    if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                        response.headers_mut().insert(header::ALLOW, value);
                    }
                    return (Some(op.name), response);
                }
                Target::NoRoute => {
                    // The path is the caller's text: not repeated.
                    let error = ServiceError::not_found(format!(
                        "No operation is found at this path for {}",
                        verb.as_str()
                    ));
                    return (None, self.error_response(&error, None, &early_answer));
                }
            };
        let op = &self.operations[index];
        let answer = negotiation.answer(route_format, predefined);
        let fail =
            |error: ServiceError| (Some(op.name), self.error_response(&error, None, &answer));

        let max_body_bytes = self.limits.max_body_bytes;
        if content_length(&parts.headers).is_some_and(|len| len > max_body_bytes) {
            return fail(too_large(max_body_bytes));
        }

        let identity = if op.requires_auth {
            match self.authenticate(&parts.headers).await {
                Ok(identity) => Some(identity),
                Err(Denial::Error(error)) => return fail(error),
                Err(Denial::Refused(refusal)) => {
                    return (Some(op.name), self.refused(refusal, None, &answer))
                }
            }
        } else {
            None
        };

        let body = match read_body(body, &self.limits).await {
            Ok(body) => body,
            Err(error) => return fail(error),
        };
        let body_format = if predefined || negotiation.content_type.is_empty() {
            // Predefined routes read the body in the route's format whatever the
            // Content-Type says (form posts excepted).
            Ok(route_format.unwrap_or(Format::Json))
        } else {
            format_of_media_type(negotiation.content_type).ok_or_else(|| {
                ServiceError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "NotSupportedException",
                    "The request's Content-Type is not supported; send application/json, \
                     text/jsv, application/xml, text/csv or application/x-www-form-urlencoded",
                )
            })
        };
        let is_form = negotiation
            .content_type
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded");
        let body_format = match (is_form, body_format) {
            (true, _) => None,
            (false, Ok(format)) => Some(format),
            (false, Err(error)) => return fail(error),
        };

        if batch {
            return (
                Some(op.name),
                self.run_batch(op, identity, body_format, &body, &answer)
                    .await,
            );
        }

        let dto = match self.bind(op, verb, body_format, &body, &path_values, &query_pairs) {
            Ok(dto) => dto,
            Err(error) => return fail(error),
        };
        let response = match (op.handler)(identity, Value::Object(dto)).await {
            Ok(value) => self.encoded(StatusCode::OK, &value, &op.response, &answer),
            Err(error) => self.operation_error(op, &error, &answer),
        };
        (Some(op.name), response)
    }

    fn operation_error(
        &self,
        op: &Operation<A::Identity>,
        error: &ServiceError,
        answer: &Answer,
    ) -> Response {
        if error.status.is_server_error() {
            tracing::error!(operation = op.name, error = %error, "operation failed");
        }
        self.error_response(error, Some(op), answer)
    }

    /// `/api/{Name}[]`: checks the whole batch first (each item's shape, the item
    /// count, the operation's budget), then runs the requests in turn. The first
    /// failure stops the batch: the items before it stay done, and the error says how
    /// many (`X-AutoBatch-Completed`, `meta.AutoBatchCompleted`) and which failed
    /// (`meta.AutoBatchIndex`). Batches are not transactions.
    async fn run_batch(
        &self,
        op: &Operation<A::Identity>,
        identity: Option<A::Identity>,
        body_format: Option<Format>,
        body: &Bytes,
        answer: &Answer,
    ) -> Response {
        let requests = match self.checked_batch(op, body_format, body) {
            Ok(requests) => requests,
            Err(error) => {
                let mut response = self.error_response(&error, Some(op), answer);
                response
                    .headers_mut()
                    .insert("x-autobatch-completed", HeaderValue::from(0));
                return response;
            }
        };
        let mut responses = Vec::with_capacity(requests.len());
        for (index, dto) in requests.into_iter().enumerate() {
            match (op.handler)(identity.clone(), Value::Object(dto)).await {
                Ok(value) => responses.push(value),
                Err(error) => {
                    let error = error
                        .with_meta("AutoBatchIndex", index.to_string())
                        .with_meta("AutoBatchCompleted", index.to_string());
                    let mut response = self.operation_error(op, &error, answer);
                    response
                        .headers_mut()
                        .insert("x-autobatch-completed", HeaderValue::from(index));
                    return response;
                }
            }
        }
        let completed = responses.len();
        let mut response = self.encoded_list(&responses, &op.response, answer);
        response
            .headers_mut()
            .insert("x-autobatch-completed", HeaderValue::from(completed));
        response
    }

    /// A batch's requests, bound, once the batch is known to be within its limits.
    fn checked_batch(
        &self,
        op: &Operation<A::Identity>,
        body_format: Option<Format>,
        body: &Bytes,
    ) -> Result<Vec<Map<String, Value>>, ServiceError> {
        let items = match body_format.map(|f| f.decode_list(body, &op.request)) {
            Some(Ok(items)) => items,
            Some(Err(message)) => return Err(ServiceError::serialization(message)),
            None => {
                return Err(ServiceError::serialization(
                    "A batch request needs a list body",
                ))
            }
        };
        let max_items = self.limits.max_batch_items;
        if items.len() > max_items {
            return Err(batch_too_large(format!(
                "A batch holds at most {max_items} requests"
            )));
        }
        let requests = items
            .into_iter()
            .enumerate()
            .map(|(index, item)| {
                normalize_keys(item, &op.request)
                    .map_err(|error| error.with_meta("AutoBatchIndex", index.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(budget) = op.batch_budget {
            let total: usize = requests
                .iter()
                .map(|dto| {
                    dto.get(budget.member)
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len)
                })
                .sum();
            if total > budget.max_total {
                return Err(batch_too_large(format!(
                    "A batch of {} holds at most {} {} in all",
                    op.name,
                    budget.max_total,
                    crate::pascal_case(budget.member)
                )));
            }
        }
        Ok(requests)
    }

    /// The caller, once its key is known good and within its rate.
    async fn authenticate(&self, headers: &http::HeaderMap) -> Result<A::Identity, Denial> {
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
        self.admission
            .charge(&credentials.key)
            .map_err(Denial::Refused)?;
        Ok(identity)
    }

    /// A 503 or 429: the error, and when to come back.
    fn refused(
        &self,
        refusal: Refusal,
        op: Option<&Operation<A::Identity>>,
        answer: &Answer,
    ) -> Response {
        let mut response = self.error_response(&refusal.error, op, answer);
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(refusal.retry_after_secs),
        );
        response
    }

    /// Body (by its format, or form fields), then path values, then the query string.
    fn bind(
        &self,
        op: &Operation<A::Identity>,
        verb: Verb,
        body_format: Option<Format>,
        body: &Bytes,
        path_values: &[(&'static str, String)],
        query: &[(String, String)],
    ) -> Result<Map<String, Value>, ServiceError> {
        let mut errors = Vec::new();
        let mut dto = Map::new();
        if verb.has_body() || !body.is_empty() {
            match body_format {
                None => {
                    let fields: Vec<(String, String)> =
                        form_urlencoded::parse(body).into_owned().collect();
                    overlay_text_values(
                        &mut dto,
                        fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                        &op.request,
                        &mut errors,
                    );
                }
                Some(format) => {
                    let value = format
                        .decode(body, &op.request)
                        .map_err(ServiceError::serialization)?;
                    dto = normalize_keys(value, &op.request)?;
                }
            }
        }
        overlay_text_values(
            &mut dto,
            path_values.iter().map(|(k, v)| (*k, v.as_str())),
            &op.request,
            &mut errors,
        );
        overlay_text_values(
            &mut dto,
            query.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &op.request,
            &mut errors,
        );
        if errors.is_empty() {
            Ok(dto)
        } else {
            let first = errors[0].message.clone();
            Err(ServiceError::serialization(first).with_field_errors(errors))
        }
    }

    /// The self-description routes; `None` when the path is not one of them.
    fn metadata(
        &self,
        parts: &http::request::Parts,
        op: Option<&str>,
        lang: Option<&str>,
    ) -> Option<Response> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("localhost");
        let base_url = format!("http://{host}");
        let description = &self.description;
        let (content_type, body) = match parts.uri.path() {
            "/metadata" => ("text/html; charset=utf-8", description.index_page()),
            "/types" => (
                Format::Json.content_type(),
                description.types_index(&base_url).to_string(),
            ),
            "/types/metadata" | "/types/metadata.json" => (
                Format::Json.content_type(),
                description.metadata_json().to_string(),
            ),
            "/types/python" => (
                "text/plain; charset=utf-8",
                description.python(Some(&base_url)),
            ),
            "/types/typescript" => (
                "text/plain; charset=utf-8",
                description.typescript(Some(&base_url)),
            ),
            "/types/csharp" => (
                "text/plain; charset=utf-8",
                description.csharp(Some(&base_url)),
            ),
            "/openapi.json" => (
                Format::Json.content_type(),
                description.openapi().to_string(),
            ),
            "/openapi" | "/docs" => ("text/html; charset=utf-8", description.openapi_page()),
            path => {
                let format = path
                    .strip_prefix('/')?
                    .strip_suffix("/metadata")
                    .and_then(Format::from_name)?;
                match op.and_then(|name| description.operation(name)) {
                    Some(op) => (
                        "text/html; charset=utf-8",
                        description.operation_page(op, format, lang.unwrap_or("python"), &base_url),
                    ),
                    None if op.is_none() => ("text/html; charset=utf-8", description.index_page()),
                    None => {
                        let error = ServiceError::not_found(
                            "The operation does not exist for this service",
                        );
                        return Some(self.error_response(&error, None, &Answer::new(Format::Json)));
                    }
                }
            }
        };
        let mut response = Response::new(Body::from(body));
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        Some(response)
    }

    async fn health(&self) -> Response {
        let healthy = match &self.health_check {
            Some(check) => check().await,
            None => true,
        };
        let (status, text) = if healthy {
            (StatusCode::OK, "ok")
        } else {
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        };
        let mut response = Response::new(Body::from(
            serde_json::json!({ "status": text }).to_string(),
        ));
        *response.status_mut() = status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(Format::Json.content_type()),
        );
        response
    }

    /// The error inside the operation's response DTO (its other members at their
    /// defaults) when there is one, else a bare `ErrorResponse`.
    fn error_response(
        &self,
        error: &ServiceError,
        op: Option<&Operation<A::Identity>>,
        answer: &Answer,
    ) -> Response {
        if error.challenge && answer.jsonp_callback.is_none() {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            let headers = response.headers_mut();
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"/auth/apikey\""),
            );
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"/auth/apikey\""),
            );
            return response;
        }
        let mut body = match op.map(|op| &op.empty_response) {
            Some(Value::Object(defaults)) => defaults.clone(),
            _ => Map::new(),
        };
        let status = serde_json::to_value(error.response_status()).unwrap_or(Value::Null);
        body.insert("responseStatus".into(), status);
        let ty = op.map(|op| &op.response).unwrap_or(&self.error_type);
        self.encoded(error.status, &Value::Object(body), ty, answer)
    }

    fn encoded(
        &self,
        status: StatusCode,
        value: &Value,
        ty: &TypeInfo,
        answer: &Answer,
    ) -> Response {
        let bytes = answer.format.encode(value, ty, self.xml_namespace(ty));
        self.respond(status, bytes, ty, answer)
    }

    fn encoded_list(&self, values: &[Value], ty: &TypeInfo, answer: &Answer) -> Response {
        let bytes = answer
            .format
            .encode_list(values, ty, self.xml_namespace(ty));
        self.respond(StatusCode::OK, bytes, ty, answer)
    }

    fn xml_namespace(&self, ty: &TypeInfo) -> &'static str {
        if ty.name.ends_with("Response") {
            self.xml_namespaces.1
        } else {
            self.xml_namespaces.0
        }
    }

    fn respond(
        &self,
        status: StatusCode,
        bytes: Vec<u8>,
        ty: &TypeInfo,
        answer: &Answer,
    ) -> Response {
        let (status, bytes) = match &answer.jsonp_callback {
            // JSONP callers cannot see statuses, so errors travel with 200.
            Some(callback) => {
                let mut wrapped = Vec::with_capacity(bytes.len() + callback.len() + 2);
                wrapped.extend_from_slice(callback.as_bytes());
                wrapped.push(b'(');
                wrapped.extend_from_slice(&bytes);
                wrapped.push(b')');
                (StatusCode::OK, wrapped)
            }
            None => (status, bytes),
        };
        let mut response = Response::new(Body::from(bytes));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(answer.content_type),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Accept"));
        if answer.format == Format::Csv && answer.jsonp_callback.is_none() {
            if let Ok(value) =
                HeaderValue::from_str(&format!("attachment;filename=\"{}.csv\"", ty.name))
            {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
        }
        response
    }
}

/// JSONP callback names are limited to `[A-Za-z0-9._]` so they cannot inject script.
fn sanitize_callback(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
        .collect()
}

fn content_length(headers: &http::HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Why authentication did not produce an identity.
enum Denial {
    Error(ServiceError),
    Refused(Refusal),
}

impl From<ServiceError> for Denial {
    fn from(error: ServiceError) -> Denial {
        Denial::Error(error)
    }
}

/// The whole body, within the size limit and the body's time limit.
async fn read_body(body: Body, limits: &RequestLimits) -> Result<Bytes, ServiceError> {
    let read = axum::body::to_bytes(body, limits.max_body_bytes);
    match tokio::time::timeout(limits.body_read_timeout, read).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) if is_length_limit(&error) => Err(too_large(limits.max_body_bytes)),
        // A chunk size that is not hex, a connection cut mid-body, ...
        Ok(Err(_)) => Err(ServiceError::new(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "The request body is malformed or ended early",
        )),
        Err(_) => Err(ServiceError::new(
            StatusCode::REQUEST_TIMEOUT,
            "RequestTimeout",
            format!(
                "The request body did not arrive within {} seconds",
                limits.body_read_timeout.as_secs()
            ),
        )),
    }
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = error.source();
    }
    false
}

fn batch_too_large(message: String) -> ServiceError {
    ServiceError::new(StatusCode::BAD_REQUEST, "BatchLimitExceeded", message)
}

fn too_large(limit: usize) -> ServiceError {
    ServiceError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("The request body exceeds the limit of {limit} bytes"),
    )
}
