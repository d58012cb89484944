//! Writing answers: a DTO in the negotiated format, an error as a `responseStatus`.

use super::negotiate::Answer;
use super::pipeline::Rejection;
use super::{Answered, Inner};
use crate::answer_cache::{entity_tag, none_match, Ready};
use crate::operation::Reply;
use crate::{Authenticator, Format, Operation, ServiceError, TypeInfo};
use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde_json::{Map, Value};

/// ServiceStack's `ErrorResponse`: errors raised before an operation is chosen.
pub(super) fn error_response_type() -> TypeInfo {
    TypeInfo::new(
        "ErrorResponse",
        "An error raised before the request reached an operation.",
        vec![crate::schema::member::<Option<crate::ResponseStatus>>(
            "responseStatus",
            "",
        )],
    )
    .in_namespace(crate::SERVICESTACK_NAMESPACE)
}

impl<A: Authenticator> Inner<A> {
    /// A rejected request's answer, with the headers its kind calls for.
    pub(super) fn reject(&self, rejection: Rejection, answer: &Answer) -> Response {
        let op = rejection.inside.map(|index| &self.operations[index]);
        if let Some(op) = op {
            if rejection.error.status.is_server_error() {
                tracing::error!(operation = op.name, error = %rejection.error, "operation failed");
            }
        }
        let mut response = self.error_response(&rejection.error, op, answer);
        let headers = response.headers_mut();
        if let Some(seconds) = rejection.retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = rejection.allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            // RFC 9110: a 405 says which methods the resource does support.
            headers.insert(header::ALLOW, allow);
        }
        for (name, value) in rejection.headers {
            headers.insert(name, value);
        }
        answered(response, rejection.operation)
    }

    /// The error inside the operation's response DTO (its other members at their
    /// defaults) when there is one, else a bare `ErrorResponse`.
    pub(super) fn error_response(
        &self,
        error: &ServiceError,
        op: Option<&Operation<A::Identity>>,
        answer: &Answer,
    ) -> Response {
        if error.challenge && answer.jsonp_callback.is_none() {
            return challenge();
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

    pub(super) fn encoded(
        &self,
        status: StatusCode,
        value: &Value,
        ty: &TypeInfo,
        answer: &Answer,
    ) -> Response {
        let bytes = self.encode(value, ty, answer);
        respond(status, bytes, ty, answer)
    }

    /// An answer's bytes in the negotiated format, with its type hints and `?jsconfig=`.
    fn encode(&self, value: &Value, ty: &TypeInfo, answer: &Answer) -> Vec<u8> {
        // Type hints first: `?jsconfig=` may rename the members the hints are placed by.
        let hinted = self.hints.apply(answer.format, value, ty);
        let value = answer.shape(&hinted, ty);
        answer.format.encode(&value, ty, self.xml_namespace(ty))
    }

    pub(super) fn encoded_list(
        &self,
        values: &[Value],
        ty: &TypeInfo,
        answer: &Answer,
    ) -> Response {
        let reshaped = self.hints.needed(answer.format, ty) || answer.jsconfig.is_some();
        let shaped: Option<Vec<Value>> = reshaped.then(|| {
            values
                .iter()
                .map(|value| {
                    let hinted = self.hints.apply(answer.format, value, ty);
                    answer.shape(&hinted, ty).into_owned()
                })
                .collect()
        });
        let bytes = answer.format.encode_list(
            shaped.as_deref().unwrap_or(values),
            ty,
            self.xml_namespace(ty),
        );
        respond(StatusCode::OK, bytes, ty, answer)
    }

    /// An operation's successful answer.
    pub(super) fn encoded_reply(
        &self,
        reply: &dyn Reply,
        ty: &TypeInfo,
        answer: &Answer,
    ) -> Result<Response, ServiceError> {
        let bytes = self.encode_reply(reply, ty, answer)?;
        Ok(respond(StatusCode::OK, bytes, ty, answer))
    }

    /// A successful GET answer's bytes and entity tag, as kept ready to send.
    pub(super) fn ready(
        &self,
        reply: &dyn Reply,
        ty: &TypeInfo,
        answer: &Answer,
    ) -> Result<Ready, ServiceError> {
        let body = self.encode_reply(reply, ty, answer)?;
        Ok(Ready {
            etag: entity_tag(&body, answer.content_type),
            // Sent as it is; the cache copies what it keeps into its chunks.
            body: Bytes::from(body),
        })
    }

    /// Plain JSON straight from the DTO (the same bytes its JSON value gives: the
    /// value keeps the members' order); anything else through the value.
    fn encode_reply(
        &self,
        reply: &dyn Reply,
        ty: &TypeInfo,
        answer: &Answer,
    ) -> Result<Vec<u8>, ServiceError> {
        let plain = answer.jsconfig.is_none() && !self.hints.needed(answer.format, ty);
        if plain && answer.format == Format::Json {
            return reply.to_json();
        }
        let hinted = self.hints.apply_owned(answer.format, reply.to_value()?, ty);
        let value = answer.shape(&hinted, ty);
        Ok(answer.format.encode(&value, ty, self.xml_namespace(ty)))
    }

    /// A ready answer, or `304 Not Modified` when the request's `If-None-Match`
    /// names its entity tag.
    pub(super) fn ready_response(
        &self,
        ready: Ready,
        request: &HeaderMap,
        ty: &TypeInfo,
        answer: &Answer,
    ) -> Response {
        let unchanged = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| none_match(v, &ready.etag));
        let mut response = if unchanged {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
                .headers_mut()
                .insert(header::VARY, HeaderValue::from_static("Accept"));
            response
        } else {
            framed(StatusCode::OK, Body::from(ready.body), ty, answer)
        };
        response.headers_mut().insert(header::ETAG, ready.etag);
        response
    }

    fn xml_namespace(&self, ty: &TypeInfo) -> &'static str {
        if ty.name.ends_with("Response") {
            self.xml_namespaces.1
        } else {
            self.xml_namespaces.0
        }
    }
}

/// Marks the response with the operation it answered, for the request log.
pub(super) fn answered(mut response: Response, operation: Option<&'static str>) -> Response {
    if let Some(name) = operation {
        response.extensions_mut().insert(Answered(name));
    }
    response
}

/// ServiceStack's `[Authenticate]` answer to a request without credentials.
fn challenge() -> Response {
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
    response
}

fn respond(status: StatusCode, bytes: Vec<u8>, ty: &TypeInfo, answer: &Answer) -> Response {
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
    framed(status, Body::from(bytes), ty, answer)
}

/// A body with its status and the headers every answer carries.
fn framed(status: StatusCode, body: Body, ty: &TypeInfo, answer: &Answer) -> Response {
    let mut response = Response::new(body);
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
