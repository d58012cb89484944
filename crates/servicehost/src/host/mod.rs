//! The HTTP host. The fixed pages (`/health`, `/metadata`, `/types/*`, `/openapi*`)
//! are axum routes of their own (`fixed.rs`); every other request goes through the
//! operation pipeline (`pipeline.rs`): negotiate, limit, resolve, authenticate,
//! authorize, read, bind, call, encode.

mod batch;
mod body;
mod fixed;
mod hints;
mod negotiate;
mod observe;
mod pipeline;
mod respond;

use crate::admission::{Admission, RequestLimits};
use crate::answer_cache::AnswerCache;
use crate::metadata::ServiceDescription;
use crate::routing::RouteTable;
use crate::{Authenticator, Operation, TypeInfo};
use axum::Router;
use futures::future::BoxFuture;
use std::sync::Arc;

type HealthCheck = Arc<dyn Fn() -> BoxFuture<'static, bool> + Send + Sync>;

pub struct Host<A: Authenticator> {
    service_name: &'static str,
    operations: Vec<Operation<A::Identity>>,
    authenticator: A,
    health_check: Option<HealthCheck>,
    limits: RequestLimits,
    xml_namespaces: (&'static str, &'static str),
    type_assembly: &'static str,
    answers: Option<Arc<AnswerCache>>,
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
            type_assembly: service_name,
            answers: None,
        }
    }

    /// The .NET assembly the DTOs live in, named by `__type` hints
    /// (`"Namespace.Type, Assembly"`).
    pub fn type_assembly(mut self, assembly: &'static str) -> Self {
        self.type_assembly = assembly;
        self
    }

    /// Keeps the answers of operations declared `authenticated_cached` ready to send.
    pub fn answer_cache(mut self, cache: Arc<AnswerCache>) -> Self {
        self.answers = Some(cache);
        self
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
        let hints = hints::TypeHints::new(
            self.operations.iter().map(|op| &op.response),
            self.type_assembly,
            self.xml_namespaces.0,
        );
        let inner = Arc::new(Inner {
            description,
            routes,
            operations: self.operations,
            authenticator: self.authenticator,
            health_check: self.health_check,
            admission: Admission::new(&self.limits),
            limits: self.limits,
            xml_namespaces: self.xml_namespaces,
            error_type: respond::error_response_type(),
            hints,
            answers: self.answers,
        });
        fixed::routes::<A>()
            .fallback(pipeline::operation::<A>)
            .layer(axum::middleware::from_fn_with_state(
                inner.clone(),
                observe::observe::<A>,
            ))
            .with_state(inner)
    }
}

/// What every request handler reads: the declarations and what was built from them.
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
    hints: hints::TypeHints,
    answers: Option<Arc<AnswerCache>>,
}

/// The operation a response answered, left in its extensions for the request log.
#[derive(Clone, Copy)]
struct Answered(&'static str);
