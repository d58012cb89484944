//! A request's body: its declared size, reading it within the limits, its format.

use super::negotiate::Negotiation;
use crate::admission::RequestLimits;
use crate::codec::format_of_media_type;
use crate::{Format, ServiceError};
use axum::body::Body;
use bytes::Bytes;
use http::{header, HeaderMap, StatusCode};

/// Refuses a body announced larger than the limit before anything else is done.
pub(super) fn check_declared_length(
    headers: &HeaderMap,
    limits: &RequestLimits,
) -> Result<(), ServiceError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    match declared {
        Some(length) if length > limits.max_body_bytes => Err(too_large(limits.max_body_bytes)),
        _ => Ok(()),
    }
}

/// The whole body, within the size limit and the body's time limit.
pub(super) async fn read_body(body: Body, limits: &RequestLimits) -> Result<Bytes, ServiceError> {
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

/// The format the body is read in; `None` for form fields. Predefined routes read the
/// body in the route's format whatever the Content-Type says (form posts excepted).
pub(super) fn body_format(
    negotiation: &Negotiation,
    route_format: Option<Format>,
    predefined: bool,
) -> Result<Option<Format>, ServiceError> {
    if negotiation.is_form() {
        return Ok(None);
    }
    if predefined || negotiation.content_type.is_empty() {
        return Ok(Some(route_format.unwrap_or(Format::Json)));
    }
    match format_of_media_type(negotiation.content_type) {
        Some(format) => Ok(Some(format)),
        None => Err(ServiceError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "NotSupportedException",
            "The request's Content-Type is not supported; send application/json, \
             text/jsv, application/xml, text/csv or application/x-www-form-urlencoded",
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

fn too_large(limit: usize) -> ServiceError {
    ServiceError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        format!("The request body exceeds the limit of {limit} bytes"),
    )
}
