//! Around every request: one log line, and a panic answered as a 500 instead of a
//! dropped connection.

use super::negotiate::Answer;
use super::{Answered, Inner};
use crate::{Authenticator, Format, ServiceError};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use futures::FutureExt;
use std::sync::Arc;
use std::time::Instant;

pub(super) async fn observe<A: Authenticator>(
    State(host): State<Arc<Inner<A>>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    // A clone of the parsed URI shares its bytes: the path is logged without a copy.
    let uri = request.uri().clone();
    // The panic itself is logged by the panic hook.
    let response = std::panic::AssertUnwindSafe(next.run(request))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            host.error_response(&ServiceError::internal(), None, &Answer::new(Format::Json))
        });
    // Never the query string, headers or body: keys and token values stay out of logs.
    tracing::info!(
        %method,
        path = uri.path(),
        operation = response.extensions().get::<Answered>().map_or("-", |a| a.0),
        status = response.status().as_u16(),
        elapsed_us = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
