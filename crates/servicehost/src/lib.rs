//! A ServiceStack-compatible HTTP host for Rust.
//!
//! Applications declare operations once ([`operation`]) with their request and
//! response DTOs ([`dto!`]); the host derives routing (user routes and the predefined
//! `/api/{Name}` and `/{fmt}/reply/{Name}` routes), request binding, content types
//! and the `responseStatus` error model from those declarations.

// Lets `dto!` name this crate by its public path from inside the crate too.
extern crate self as servicehost;

mod admission;
mod answer_cache;
mod auth;
mod binding;
mod codec;
mod edge;
mod error;
mod host;
mod metadata;
mod operation;
mod routing;
mod schema;
mod shape;

pub use admission::{RateLimit, RequestLimits, DEFAULT_MAX_BODY_BYTES};
pub use answer_cache::{AnswerCache, AnswerKey};
pub use auth::{presented_credentials, Authenticator, Credentials, Presented};
pub use binding::parse_bool;
pub use codec::{escape_html, Format};
pub use edge::{default_max_connections, raise_file_limit, serve, ConnectionLimits};
pub use error::{FieldError, ResponseStatus, ServiceError};
pub use host::Host;
pub use metadata::{DtoOptions, Language, OperationInfo, ServiceDescription};
pub use operation::{operation, BatchBudget, Operation, OperationBuilder, RouteDecl, Verb};
pub use schema::{
    pascal_case, pascal_from_snake, xml_namespace_of, Binding, DataMemberForm, Dto, Member, Scalar,
    TypeInfo, TypeKind, TypeRef, ValueKind, WireType, SERVICESTACK_NAMESPACE,
};

#[doc(hidden)]
pub use serde;
