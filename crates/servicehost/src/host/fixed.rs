//! The fixed pages, as axum routes: `/health` and the self-description pages. Other
//! methods on these paths, and `/{x}/metadata` where `x` is not a format, go to the
//! operation pipeline like any path (axum answers HEAD as GET, without the body).

use super::negotiate::{query_pairs, query_value, Answer, Negotiation};
use super::pipeline;
use super::Inner;
use crate::admission::Refusal;
use crate::metadata::explorer;
use crate::{Authenticator, DtoOptions, Format, Language, ServiceError};
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use axum::routing::{get, MethodRouter};
use axum::Router;
use http::{header, HeaderValue, StatusCode};
use std::sync::Arc;

type Host<A> = Arc<Inner<A>>;

/// The pages, each at its path (`Page::ROUTES`).
pub(super) fn routes<A: Authenticator>() -> Router<Host<A>> {
    let mut router = Router::new().route(
        "/health",
        get(health::<A>).fallback(pipeline::operation::<A>),
    );
    let dtos = Language::ALL.map(|language| (language.types_path(), Page::Dtos(language)));
    for (path, page) in Page::ROUTES.into_iter().chain(dtos) {
        let serve =
            move |State(host): State<Host<A>>, request: Request| serve_page(host, page, request);
        let route: MethodRouter<Host<A>> = get(serve).fallback(pipeline::operation::<A>);
        router = router.route(path, route);
    }
    router
        .route(
            "/{format}/metadata",
            get(format_page::<A>).fallback(pipeline::operation::<A>),
        )
        .route(
            "/ui/{name}",
            get(explorer_page::<A>).fallback(pipeline::operation::<A>),
        )
}

/// `/health`: 200 while the health check passes, 503 otherwise. Never refused for load.
async fn health<A: Authenticator>(State(host): State<Host<A>>) -> Response {
    let healthy = match &host.health_check {
        Some(check) => check().await,
        None => true,
    };
    let (status, text) = if healthy {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    let body = serde_json::json!({ "status": text }).to_string();
    document(status, Format::Json.content_type(), body)
}

/// The self-description documents served at fixed paths.
#[derive(Clone, Copy)]
enum Page {
    Index,
    TypesIndex,
    TypesMetadata,
    /// `/types/{language}`: the DTOs, with the options of the query string.
    Dtos(Language),
    OpenApi,
    OpenApiBrowser,
    AppMetadata,
    Explorer,
    ExplorerScript,
    ExplorerStyle,
}

impl Page {
    const ROUTES: [(&'static str, Page); 11] = [
        ("/metadata", Page::Index),
        ("/types", Page::TypesIndex),
        ("/types/metadata", Page::TypesMetadata),
        ("/types/metadata.json", Page::TypesMetadata),
        ("/openapi.json", Page::OpenApi),
        ("/openapi", Page::OpenApiBrowser),
        ("/docs", Page::OpenApiBrowser),
        ("/metadata/app.json", Page::AppMetadata),
        ("/ui", Page::Explorer),
        ("/ui/assets/explorer.js", Page::ExplorerScript),
        ("/ui/assets/explorer.css", Page::ExplorerStyle),
    ];
}

async fn serve_page<A: Authenticator>(host: Host<A>, page: Page, request: Request) -> Response {
    let _place = match host.admission.admit() {
        Ok(place) => place,
        Err(refusal) => return refuse(&host, refusal, &request),
    };
    let base_url = base_url(&request);
    let description = &host.description;
    let options = DtoOptions::from_query(&query_pairs(request.uri()));
    let (content_type, body) = match page {
        Page::Index => (HTML, description.index_page()),
        Page::TypesIndex => (JSON, description.types_index(&base_url).to_string()),
        Page::TypesMetadata => (JSON, description.metadata_json().to_string()),
        Page::Dtos(language) => (
            language.content_type(),
            description.dtos(language, &options, Some(&base_url)),
        ),
        Page::OpenApi => (JSON, description.openapi().to_string()),
        Page::OpenApiBrowser => (HTML, description.openapi_page()),
        Page::AppMetadata => (JSON, description.app_metadata(&base_url).to_string()),
        Page::Explorer => return explorer_document(HTML, explorer::PAGE),
        Page::ExplorerScript => return explorer_document(SCRIPT, explorer::SCRIPT),
        Page::ExplorerStyle => return explorer_document(STYLE, explorer::STYLE),
    };
    document(StatusCode::OK, content_type, body)
}

/// `/ui/{Name}`: the explorer opened on one operation (it reads the name from its address).
async fn explorer_page<A: Authenticator>(
    State(host): State<Host<A>>,
    Path(name): Path<String>,
) -> Response {
    if host.description.operation(&name).is_none() {
        let error = ServiceError::not_found("The operation does not exist for this service");
        return host.error_response(&error, None, &Answer::new(Format::Json));
    }
    explorer_document(HTML, explorer::PAGE)
}

/// The explorer's files, with a policy that lets the page run only our own script.
fn explorer_document(content_type: &'static str, body: &'static str) -> Response {
    let mut response = document(StatusCode::OK, content_type, body.to_string());
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(explorer::CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `/{format}/metadata?op=&lang=`: one operation's page for one format.
async fn format_page<A: Authenticator>(
    State(host): State<Host<A>>,
    Path(format): Path<String>,
    request: Request,
) -> Response {
    let Some(format) = Format::from_name(&format) else {
        return pipeline::operation::<A>(State(host), request).await;
    };
    let _place = match host.admission.admit() {
        Ok(place) => place,
        Err(refusal) => return refuse(&host, refusal, &request),
    };
    let (parts, _) = request.into_parts();
    let query = query_pairs(&parts.uri);
    let description = &host.description;
    let body = match query_value(&query, "op") {
        None => description.index_page(),
        Some(name) => match description.operation(name) {
            Some(op) => {
                let lang = query_value(&query, "lang");
                description.operation_page(op, format, lang, &base_url_of(&parts.headers))
            }
            None => {
                let error =
                    ServiceError::not_found("The operation does not exist for this service");
                return host.error_response(&error, None, &Answer::new(Format::Json));
            }
        },
    };
    document(StatusCode::OK, HTML, body)
}

/// Over the requests in progress: the 503 in the format the request asks for.
fn refuse<A: Authenticator>(host: &Inner<A>, refusal: Refusal, request: &Request) -> Response {
    let answer = Negotiation::read(request.uri(), request.headers()).answer(None, false);
    host.reject(refusal.into(), &answer)
}

const HTML: &str = "text/html; charset=utf-8";
const JSON: &str = "application/json; charset=utf-8";
const SCRIPT: &str = "text/javascript; charset=utf-8";
const STYLE: &str = "text/css; charset=utf-8";

fn document(status: StatusCode, content_type: &'static str, body: String) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

fn base_url(request: &Request) -> String {
    base_url_of(request.headers())
}

/// The address callers reach us at, for links inside generated documents.
fn base_url_of(headers: &http::HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    format!("http://{host}")
}
