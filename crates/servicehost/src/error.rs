//! The `responseStatus` error model shared by every operation and format.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One problem with one member of a request (`ResponseError` on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldError {
    pub error_code: String,
    /// PascalCase member name, as ServiceStack reports it (a value, not a key).
    pub field_name: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

impl FieldError {
    pub fn new(
        error_code: impl Into<String>,
        field_name: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError {
            error_code: error_code.into(),
            field_name: field_name.into(),
            message: message.into(),
            meta: BTreeMap::new(),
        }
    }

    pub fn with_meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta.insert(key.into(), value.into());
        self
    }
}

/// `ResponseStatus` on the wire. `errors` is always written, `[]` when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseStatus {
    pub error_code: String,
    pub message: String,
    pub errors: Vec<FieldError>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub meta: BTreeMap<String, String>,
}

/// An error answered to the client: an HTTP status plus its `responseStatus`.
///
/// `Unauthenticated` is separate because ServiceStack answers a missing credential
/// with an empty body and a `WWW-Authenticate` challenge, not a `responseStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceError {
    pub status: StatusCode,
    pub error_code: String,
    pub message: String,
    pub errors: Vec<FieldError>,
    pub meta: BTreeMap<String, String>,
    pub(crate) challenge: bool,
}

impl ServiceError {
    pub fn new(
        status: StatusCode,
        error_code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ServiceError {
            status,
            error_code: error_code.into(),
            message: message.into(),
            errors: Vec::new(),
            meta: BTreeMap::new(),
            challenge: false,
        }
    }

    /// A 400 whose top-level code and message copy the first field error, as
    /// ServiceStack's validation feature does.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let (code, message) = errors
            .first()
            .map(|e| (e.error_code.clone(), e.message.clone()))
            .unwrap_or_else(|| ("ValidationException".into(), "Validation failed".into()));
        ServiceError {
            errors,
            ..ServiceError::new(StatusCode::BAD_REQUEST, code, message)
        }
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        ServiceError::new(StatusCode::BAD_REQUEST, "SerializationException", message)
    }

    /// A value that could not be read for one member: names the member and what it
    /// expects (`'GroupId' must be a whole number from 0 to 4294967295`), never the
    /// value, which may be someone's token.
    pub fn invalid_value(member: &crate::Member) -> FieldError {
        crate::shape::invalid(&member.pascal_name(), member.kind, &member.type_name)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ServiceError::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ServiceError::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        ServiceError::new(StatusCode::CONFLICT, "Conflict", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ServiceError::new(StatusCode::UNAUTHORIZED, "Unauthorized", message)
    }

    /// No credentials at all: 401 with an empty body and a challenge.
    pub fn authentication_required() -> Self {
        ServiceError {
            challenge: true,
            ..ServiceError::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Not Authenticated",
            )
        }
    }

    /// Something unexpected; the message never carries internals.
    pub fn internal() -> Self {
        ServiceError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Exception",
            "An unexpected error occurred",
        )
    }

    pub fn with_field_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn with_meta(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.meta.insert(key.into(), value.into());
        self
    }

    pub fn response_status(&self) -> ResponseStatus {
        ResponseStatus {
            error_code: self.error_code.clone(),
            message: self.message.clone(),
            errors: self.errors.clone(),
            meta: self.meta.clone(),
        }
    }
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.error_code,
            self.message
        )
    }
}

impl std::error::Error for ServiceError {}
