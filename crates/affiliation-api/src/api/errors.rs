//! Domain errors in the wire's terms.

use affiliation::{DomainError, Problem};
use servicehost::{FieldError, ServiceError};

pub fn service_error(error: DomainError) -> ServiceError {
    match error {
        DomainError::Invalid(problems) => {
            ServiceError::validation(problems.into_iter().map(field_error).collect())
        }
        DomainError::NotFound(message) => ServiceError::not_found(message),
        DomainError::Forbidden(message) => ServiceError::forbidden(message),
        DomainError::Conflict { message, existing } => {
            let error = ServiceError::conflict(message);
            if existing.is_nil() {
                error
            } else {
                error.with_meta("AffiliateTokensId", existing.to_string())
            }
        }
        DomainError::Store(error) => {
            tracing::error!(%error, "store failed");
            ServiceError::internal()
        }
    }
}

fn field_error(problem: Problem) -> FieldError {
    FieldError {
        error_code: problem.code.to_string(),
        field_name: problem.field.to_string(),
        message: problem.message,
        meta: problem.meta,
    }
}
