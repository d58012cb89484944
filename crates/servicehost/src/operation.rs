//! An operation, declared once: name, routes, docs, auth, DTO types and handler.
//! The router, the metadata pages, the type generators and OpenAPI all read these.

use crate::answer_cache::AnswerKey;
use crate::{Dto, ServiceError, TypeInfo};
use futures::future::BoxFuture;
use serde_json::Value;
use std::any::Any;
use std::future::Future;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
            Verb::Patch => "PATCH",
            Verb::Delete => "DELETE",
        }
    }

    pub fn parse(method: &str) -> Option<Verb> {
        Some(match method.to_ascii_uppercase().as_str() {
            "GET" | "HEAD" => Verb::Get,
            "POST" => Verb::Post,
            "PUT" => Verb::Put,
            "PATCH" => Verb::Patch,
            "DELETE" => Verb::Delete,
            _ => return None,
        })
    }

    /// GET and DELETE carry their DTO in the query string, never in a body.
    pub fn has_body(self) -> bool {
        !matches!(self, Verb::Get | Verb::Delete)
    }
}

/// A user route: a verb and a path template such as `/v4/groups/{groupId}`.
#[derive(Debug, Clone)]
pub struct RouteDecl {
    pub verb: Verb,
    pub path: &'static str,
}

/// Whether an authenticated caller may call the operation at all (e.g. admins only).
pub(crate) type Authorizer<I> = Arc<dyn Fn(&I) -> Result<(), ServiceError> + Send + Sync>;

/// A request DTO, read from the wire, of its operation's own type.
pub(crate) struct BoundRequest(Box<dyn Any + Send>);

impl BoundRequest {
    fn of<Req: Dto>(request: Req) -> BoundRequest {
        BoundRequest(Box::new(request))
    }

    /// The DTO, when it is a `Req` (it always is for the operation that bound it).
    fn into_dto<Req: Dto>(self) -> Result<Req, ServiceError> {
        self.0.downcast::<Req>().map(|dto| *dto).map_err(|_| {
            tracing::error!(request = Req::NAME, "a request bound for another operation");
            ServiceError::internal()
        })
    }
}

/// A response DTO on its way out, still of its own type: JSON is written from it
/// directly; the other formats (and reshaped JSON) go through its JSON value.
pub(crate) trait Reply: Send {
    fn to_value(&self) -> Result<Value, ServiceError>;
    fn to_json(&self) -> Result<Vec<u8>, ServiceError>;
}

impl<Resp: Dto> Reply for Resp {
    fn to_value(&self) -> Result<Value, ServiceError> {
        serde_json::to_value(self).map_err(unencodable)
    }

    fn to_json(&self) -> Result<Vec<u8>, ServiceError> {
        serde_json::to_vec(self).map_err(unencodable)
    }
}

fn unencodable(error: serde_json::Error) -> ServiceError {
    tracing::error!(error = %error, "response could not be encoded");
    ServiceError::internal()
}

pub(crate) type Handler<I> = Arc<
    dyn Fn(Option<I>, BoundRequest) -> BoxFuture<'static, Result<Box<dyn Reply>, ServiceError>>
        + Send
        + Sync,
>;

/// Names a request whose answer may be kept ready (see `answer_cache.rs`); `None`
/// for a request that must be answered afresh.
pub(crate) type AnswerKeyOf<I> = Arc<dyn Fn(&I, &BoundRequest) -> Option<AnswerKey> + Send + Sync>;

/// Reads the operation's request DTO: from a request's JSON value, or, for a
/// request without a body, straight from its text values when they read plainly.
pub(crate) struct Binder {
    pub from_value: fn(Value) -> Result<BoundRequest, ServiceError>,
    pub from_text_values:
        fn(&mut dyn Iterator<Item = (&str, &str)>, &TypeInfo) -> Option<BoundRequest>,
}

impl Binder {
    fn of<Req: Dto>() -> Binder {
        Binder {
            from_value: |value| decode::<Req>(value).map(BoundRequest::of),
            from_text_values: bound_from_text_values::<Req>,
        }
    }
}

pub struct Operation<I> {
    pub name: &'static str,
    pub routes: Vec<RouteDecl>,
    pub summary: &'static str,
    pub notes: &'static str,
    pub requires_auth: bool,
    pub request: TypeInfo,
    pub response: TypeInfo,
    pub(crate) authorize: Option<Authorizer<I>>,
    pub(crate) handler: Handler<I>,
    pub(crate) binder: Binder,
    /// The response DTO at its defaults, which carries `responseStatus` on errors.
    pub(crate) empty_response: Value,
    /// A cap on the items of one list member summed over a whole batch.
    pub batch_budget: Option<BatchBudget>,
    /// Set for operations whose answers the host may keep ready to send.
    pub(crate) answer_key: Option<AnswerKeyOf<I>>,
}

/// At most `max_total` items of the list member `member` (its wire name) in all the
/// requests of one batch together.
#[derive(Debug, Clone, Copy)]
pub struct BatchBudget {
    pub member: &'static str,
    pub max_total: usize,
}

impl<I> Operation<I> {
    pub fn verbs(&self) -> impl Iterator<Item = Verb> + '_ {
        self.routes.iter().map(|r| r.verb)
    }
}

/// Collects an operation's declaration; finished by `authenticated` or `anonymous`.
pub struct OperationBuilder<Req, Resp> {
    routes: Vec<RouteDecl>,
    summary: &'static str,
    notes: &'static str,
    batch_budget: Option<BatchBudget>,
    _types: std::marker::PhantomData<fn(Req) -> Resp>,
}

pub fn operation<Req: Dto, Resp: Dto>() -> OperationBuilder<Req, Resp> {
    OperationBuilder {
        routes: Vec::new(),
        summary: "",
        notes: "",
        batch_budget: None,
        _types: std::marker::PhantomData,
    }
}

impl<Req: Dto, Resp: Dto> OperationBuilder<Req, Resp> {
    pub fn route(mut self, verb: Verb, path: &'static str) -> Self {
        self.routes.push(RouteDecl { verb, path });
        self
    }

    pub fn summary(mut self, summary: &'static str) -> Self {
        self.summary = summary;
        self
    }

    pub fn notes(mut self, notes: &'static str) -> Self {
        self.notes = notes;
        self
    }

    /// Caps the items of the list member `member` over all the requests of a batch.
    pub fn batch_budget(mut self, member: &'static str, max_total: usize) -> Self {
        self.batch_budget = Some(BatchBudget { member, max_total });
        self
    }

    /// An operation that "Requires Authentication": the handler receives the identity.
    pub fn authenticated<I, F, Fut>(self, handler: F) -> Operation<I>
    where
        I: Send + 'static,
        F: Fn(I, Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, ServiceError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.finish(
            true,
            None,
            Arc::new(move |identity: Option<I>, request: BoundRequest| {
                let handler = handler.clone();
                Box::pin(async move {
                    let identity = identity.ok_or_else(ServiceError::authentication_required)?;
                    let request = request.into_dto::<Req>()?;
                    let reply: Box<dyn Reply> = Box::new(handler(identity, request).await?);
                    Ok(reply)
                })
            }),
        )
    }

    /// An authenticated operation whose successful answers the host keeps ready to
    /// send (when the host has an answer cache): `key` names the request's answer by
    /// what the service invalidates, or `None` for a request answered afresh.
    pub fn authenticated_cached<I, K, F, Fut>(self, key: K, handler: F) -> Operation<I>
    where
        I: Send + 'static,
        K: Fn(&I, &Req) -> Option<AnswerKey> + Send + Sync + 'static,
        F: Fn(I, Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, ServiceError>> + Send + 'static,
    {
        let mut operation = self.authenticated(handler);
        operation.answer_key = Some(Arc::new(move |identity: &I, request: &BoundRequest| {
            key(identity, request.0.downcast_ref::<Req>()?)
        }));
        operation
    }

    /// An authenticated operation open only to callers `permit` accepts (e.g. admins).
    /// The host asks `permit` right after authentication, before the body is read, so
    /// a caller who may not call the operation gets its 403 whatever the request holds.
    pub fn authenticated_where<I, P, F, Fut>(self, permit: P, handler: F) -> Operation<I>
    where
        I: Send + 'static,
        P: Fn(&I) -> Result<(), ServiceError> + Send + Sync + 'static,
        F: Fn(I, Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, ServiceError>> + Send + 'static,
    {
        let mut operation = self.authenticated(handler);
        operation.authorize = Some(Arc::new(permit));
        operation
    }

    /// An operation open to everyone.
    pub fn anonymous<I, F, Fut>(self, handler: F) -> Operation<I>
    where
        I: Send + 'static,
        F: Fn(Req) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, ServiceError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        self.finish(
            false,
            None,
            Arc::new(move |_identity: Option<I>, request: BoundRequest| {
                let handler = handler.clone();
                Box::pin(async move {
                    let request = request.into_dto::<Req>()?;
                    let reply: Box<dyn Reply> = Box::new(handler(request).await?);
                    Ok(reply)
                })
            }),
        )
    }

    fn finish<I>(
        self,
        requires_auth: bool,
        authorize: Option<Authorizer<I>>,
        handler: Handler<I>,
    ) -> Operation<I> {
        Operation {
            name: Req::NAME,
            routes: self.routes,
            summary: self.summary,
            notes: self.notes,
            requires_auth,
            request: TypeInfo::of::<Req>(),
            response: TypeInfo::of::<Resp>(),
            authorize,
            handler,
            binder: Binder::of::<Req>(),
            empty_response: serde_json::to_value(Resp::default()).unwrap_or(Value::Null),
            batch_budget: self.batch_budget,
            answer_key: None,
        }
    }
}

fn bound_from_text_values<Req: Dto>(
    values: &mut dyn Iterator<Item = (&str, &str)>,
    request: &TypeInfo,
) -> Option<BoundRequest> {
    crate::binding::dto_from_text_values::<Req>(values, request).map(BoundRequest::of)
}

/// Reads the DTO. serde's messages quote the offending value, so a failure is
/// described from the declarations instead: which member, and what it expects.
fn decode<Req: Dto>(body: Value) -> Result<Req, ServiceError> {
    Req::deserialize(&body).map_err(|_| {
        let errors = crate::shape::check(&body, &TypeInfo::of::<Req>());
        match errors.first() {
            Some(first) => {
                ServiceError::serialization(first.message.clone()).with_field_errors(errors)
            }
            None => {
                ServiceError::serialization(format!("The request body does not fit {}", Req::NAME))
            }
        }
    })
}
