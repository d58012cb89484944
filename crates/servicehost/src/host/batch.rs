//! `/api/{Name}[]`: a list of requests to one operation.
//!
//! The whole batch is checked first (each item's shape, the item count, the
//! operation's budget), then the requests run in turn. The first failure stops the
//! batch: the items before it stay done, and the error says how many
//! (`X-AutoBatch-Completed`, `meta.AutoBatchCompleted`) and which failed
//! (`meta.AutoBatchIndex`). Batches are not transactions.

use super::negotiate::Answer;
use super::pipeline::Rejection;
use super::Inner;
use crate::binding::normalize_keys;
use crate::{Authenticator, Format, Operation, ServiceError};
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value};

const COMPLETED: HeaderName = HeaderName::from_static("x-autobatch-completed");

impl<A: Authenticator> Inner<A> {
    pub(super) async fn run_batch(
        &self,
        operation: usize,
        identity: Option<A::Identity>,
        body_format: Option<Format>,
        body: &Bytes,
        answer: &Answer,
    ) -> Response {
        let op = &self.operations[operation];
        let requests = match self.checked_batch(op, body_format, body) {
            Ok(requests) => requests,
            Err(error) => {
                let rejection = Rejection {
                    inside: Some(operation),
                    headers: vec![(COMPLETED, HeaderValue::from(0))],
                    ..Rejection::from(error)
                };
                return self.reject(rejection, answer);
            }
        };
        let mut responses = Vec::with_capacity(requests.len());
        for (index, dto) in requests.into_iter().enumerate() {
            match self.call_with_value(operation, identity.clone(), dto).await {
                Ok(value) => responses.push(value),
                Err(mut rejection) => {
                    let error = *rejection.error;
                    rejection.error = Box::new(
                        error
                            .with_meta("AutoBatchIndex", index.to_string())
                            .with_meta("AutoBatchCompleted", index.to_string()),
                    );
                    rejection
                        .headers
                        .push((COMPLETED, HeaderValue::from(index)));
                    return self.reject(rejection, answer);
                }
            }
        }
        let completed = responses.len();
        let mut response = self.encoded_list(&responses, &op.response, answer);
        response
            .headers_mut()
            .insert(COMPLETED, HeaderValue::from(completed));
        response
    }

    /// One request of a batch: read as the DTO, handled, answered as a value.
    async fn call_with_value(
        &self,
        operation: usize,
        identity: Option<A::Identity>,
        dto: Map<String, Value>,
    ) -> Result<Value, Rejection> {
        let op = &self.operations[operation];
        let inside = |error: ServiceError| Rejection::inside(error, operation, op.name);
        let request = (op.binder.from_value)(Value::Object(dto)).map_err(inside)?;
        let reply = self.call(operation, identity, request).await?;
        reply.to_value().map_err(inside)
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
}

fn batch_too_large(message: String) -> ServiceError {
    ServiceError::new(StatusCode::BAD_REQUEST, "BatchLimitExceeded", message)
}
