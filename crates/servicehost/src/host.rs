//! The HTTP host: one handler for every request, dispatching through the route table.

use crate::auth::{presented_credentials, Presented};
use crate::binding::{normalize_keys, overlay_text_values};
use crate::format::format_of_content_type;
use crate::routing::{RouteTable, Target};
use crate::{Authenticator, Format, Operation, ServiceError, Verb};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use bytes::Bytes;
use futures::future::BoxFuture;
use http::{header, HeaderValue, StatusCode};
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Instant;

/// ServiceStack's default limit would be far larger; 1 MiB is plenty for token sets.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

type HealthCheck = Arc<dyn Fn() -> BoxFuture<'static, bool> + Send + Sync>;

pub struct Host<A: Authenticator> {
    service_name: &'static str,
    operations: Vec<Operation<A::Identity>>,
    authenticator: A,
    health_check: Option<HealthCheck>,
    max_body_bytes: usize,
}

impl<A: Authenticator> Host<A> {
    pub fn new(service_name: &'static str, authenticator: A) -> Self {
        Host {
            service_name,
            operations: Vec::new(),
            authenticator,
            health_check: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
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
        self.max_body_bytes = limit;
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
        let inner = Arc::new(Inner {
            routes,
            operations: self.operations,
            authenticator: self.authenticator,
            health_check: self.health_check,
            max_body_bytes: self.max_body_bytes,
        });
        Router::new().fallback(dispatch::<A>).with_state(inner)
    }
}

struct Inner<A: Authenticator> {
    routes: RouteTable,
    operations: Vec<Operation<A::Identity>>,
    authenticator: A,
    health_check: Option<HealthCheck>,
    max_body_bytes: usize,
}

async fn dispatch<A: Authenticator>(
    State(host): State<Arc<Inner<A>>>,
    request: Request,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let (operation, response) = host.handle(request).await;
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

impl<A: Authenticator> Inner<A> {
    async fn handle(&self, request: Request) -> (Option<&'static str>, Response) {
        let (parts, body) = request.into_parts();
        let query = parts.uri.query().unwrap_or("");
        let query_pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let query_format = query_pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("format"))
            .and_then(|(_, v)| Format::from_name(v));

        if parts.uri.path() == "/health" && parts.method == http::Method::GET {
            return (None, self.health().await);
        }

        let method_name = parts
            .headers
            .get("x-http-method-override")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(parts.method.as_str());
        let Some(verb) = Verb::parse(method_name) else {
            let error = ServiceError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "NotSupportedException",
                format!("The HTTP method {method_name} is not supported"),
            );
            return (None, error_response(&error, None, Format::Json));
        };

        let (index, path_values, predefined, route_format) =
            match self.routes.resolve(verb, parts.uri.path()) {
                Target::Operation {
                    operation,
                    path_values,
                    predefined,
                    format,
                } => (operation, path_values, predefined, format),
                Target::UnknownOperation => {
                    let error = ServiceError::new(
                        StatusCode::METHOD_NOT_ALLOWED,
                        "NotImplementedException",
                        "The operation does not exist for this service",
                    );
                    return (None, error_response(&error, None, Format::Json));
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
                    let mut response = error_response(&error, None, Format::Json);
                    let allow: Vec<&str> = op.verbs().map(Verb::as_str).collect();
                    if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                        response.headers_mut().insert(header::ALLOW, value);
                    }
                    return (Some(op.name), response);
                }
                Target::NoRoute => {
                    let error = ServiceError::not_found(format!(
                        "No operation is found at {} {}",
                        verb.as_str(),
                        parts.uri.path()
                    ));
                    return (None, error_response(&error, None, Format::Json));
                }
            };
        let op = &self.operations[index];
        let format = route_format.or(query_format).unwrap_or(Format::Json);
        let fail = |error: ServiceError| (Some(op.name), error_response(&error, None, format));

        if content_length(&parts.headers).is_some_and(|len| len > self.max_body_bytes) {
            return fail(too_large(self.max_body_bytes));
        }

        let identity = if op.requires_auth {
            match self.authenticate(&parts.headers).await {
                Ok(identity) => Some(identity),
                Err(error) => return fail(error),
            }
        } else {
            None
        };

        let body = match axum::body::to_bytes(body, self.max_body_bytes).await {
            Ok(body) => body,
            Err(_) => return fail(too_large(self.max_body_bytes)),
        };
        let content_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let dto = match self.bind(
            op,
            verb,
            predefined,
            format,
            content_type,
            &body,
            &path_values,
            &query_pairs,
        ) {
            Ok(dto) => dto,
            Err(error) => return fail(error),
        };

        let response = match (op.handler)(identity, Value::Object(dto)).await {
            Ok(value) => success_response(&value, format),
            Err(error) => {
                if error.status.is_server_error() {
                    tracing::error!(operation = op.name, error = %error, "operation failed");
                }
                error_response(&error, Some(&op.empty_response), format)
            }
        };
        (Some(op.name), response)
    }

    async fn authenticate(&self, headers: &http::HeaderMap) -> Result<A::Identity, ServiceError> {
        match presented_credentials(headers) {
            Presented::Nothing => Err(ServiceError::authentication_required()),
            Presented::Malformed => Err(ServiceError::unauthorized("Invalid API Key")),
            Presented::Credentials(credentials) => self
                .authenticator
                .authenticate(&credentials)
                .await?
                .ok_or_else(|| ServiceError::unauthorized("Invalid API Key")),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn bind(
        &self,
        op: &Operation<A::Identity>,
        verb: Verb,
        predefined: bool,
        route_format: Format,
        content_type: &str,
        body: &Bytes,
        path_values: &[(&'static str, String)],
        query: &[(String, String)],
    ) -> Result<Map<String, Value>, ServiceError> {
        let mut errors = Vec::new();
        let is_form = content_type
            .to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded");
        let mut dto = Map::new();
        if verb.has_body() || !body.is_empty() {
            if is_form {
                let fields: Vec<(String, String)> =
                    form_urlencoded::parse(body).into_owned().collect();
                overlay_text_values(
                    &mut dto,
                    fields.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                    &op.request,
                    &mut errors,
                );
            } else {
                // Predefined routes read the body in the route's format whatever the
                // Content-Type says; user routes go by the Content-Type.
                let body_format = if predefined || content_type.is_empty() {
                    route_format
                } else {
                    format_of_content_type(content_type).ok_or_else(|| {
                        ServiceError::new(
                            StatusCode::UNSUPPORTED_MEDIA_TYPE,
                            "NotSupportedException",
                            format!("The Content-Type '{content_type}' is not supported"),
                        )
                    })?
                };
                let value = body_format
                    .decode(body)
                    .map_err(ServiceError::serialization)?;
                dto = normalize_keys(value, &op.request)?;
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
        let mut response = success_response(&serde_json::json!({ "status": text }), Format::Json);
        *response.status_mut() = status;
        response
    }
}

fn content_length(headers: &http::HeaderMap) -> Option<usize> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large(limit: usize) -> ServiceError {
    ServiceError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("The request body exceeds the limit of {limit} bytes"),
    )
}

fn success_response(value: &Value, format: Format) -> Response {
    encoded(StatusCode::OK, value, format)
}

/// The error inside the operation's response DTO (its other members at their
/// defaults) when there is one, else a bare `ErrorResponse`.
fn error_response(
    error: &ServiceError,
    empty_response: Option<&Value>,
    format: Format,
) -> Response {
    if error.challenge {
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
    let mut body = match empty_response {
        Some(Value::Object(defaults)) => defaults.clone(),
        _ => Map::new(),
    };
    let status = serde_json::to_value(error.response_status()).unwrap_or(Value::Null);
    body.insert("responseStatus".into(), status);
    encoded(error.status, &Value::Object(body), format)
}

fn encoded(status: StatusCode, value: &Value, format: Format) -> Response {
    let mut response = Response::new(Body::from(format.encode(value)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    response
}
