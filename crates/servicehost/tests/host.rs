//! The host on its own, with a toy service: negotiation, binding, errors, batches
//! and the fixed pages, driven in-process through the router.

use axum::body::Body;
use axum::Router;
use http::{Request, StatusCode};
use servicehost::{
    dto, operation, Authenticator, Credentials, Host, RequestLimits, ServiceError, Verb,
};
use tower::ServiceExt;

dto! {
    /// Says hello.
    pub struct Hello {
        /// Who to greet.
        name: String as "name" in body,
        /// How many times.
        times: Option<u32> as "times" in query,
    }

    pub struct HelloResponse {
        greeting: String as "greeting" in body,
        response_status: Option<servicehost::ResponseStatus> as "responseStatus" in body,
    }

    /// Only for admins.
    pub struct Secret {
        word: String as "word" in body,
    }

    pub struct SecretResponse {
        ok: bool as "ok" in body,
        response_status: Option<servicehost::ResponseStatus> as "responseStatus" in body,
    }
}

/// Key "good" is a user, key "admin" an admin; anything else is unknown.
struct Keys;

#[async_trait::async_trait]
impl Authenticator for Keys {
    type Identity = bool;

    async fn authenticate(&self, credentials: &Credentials) -> Result<Option<bool>, ServiceError> {
        Ok(match credentials.key.as_str() {
            "good" => Some(false),
            "admin" => Some(true),
            _ => None,
        })
    }
}

fn router() -> Router {
    Host::new("Toy", Keys)
        .request_limits(RequestLimits {
            max_batch_items: 3,
            ..RequestLimits::default()
        })
        .operation(
            operation::<Hello, HelloResponse>()
                .route(Verb::Post, "/hello")
                .route(Verb::Get, "/hello/{name}")
                .authenticated(|_admin: bool, hello: Hello| async move {
                    if hello.name == "nobody" {
                        return Err(ServiceError::not_found("Nobody is not here"));
                    }
                    let times = hello.times.unwrap_or(1) as usize;
                    Ok(HelloResponse {
                        greeting: vec![format!("hello {}", hello.name); times].join(" "),
                        response_status: None,
                    })
                }),
        )
        .operation(
            operation::<Secret, SecretResponse>()
                .route(Verb::Put, "/secret")
                .authenticated_where(
                    |admin: &bool| match admin {
                        true => Ok(()),
                        false => Err(ServiceError::forbidden("Admins only")),
                    },
                    |_admin: bool, _secret: Secret| async move {
                        Ok(SecretResponse {
                            ok: true,
                            response_status: None,
                        })
                    },
                ),
        )
        .into_router()
}

struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

async fn send(request: Request<Body>) -> Answer {
    let response = router().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

/// A GET with the user's key.
async fn get(uri: &str) -> Answer {
    send(request("GET", uri).body(Body::empty()).unwrap()).await
}

fn request(method: &str, uri: &str) -> http::request::Builder {
    Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", "Bearer good")
}

fn json(answer: &Answer) -> serde_json::Value {
    serde_json::from_str(&answer.body).unwrap_or_else(|e| panic!("{e}: {}", answer.body))
}

#[tokio::test]
async fn a_json_body_query_and_path_bind_into_the_request() {
    let answer = send(
        request("POST", "/hello?times=2")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"Name":"ada"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(json(&answer)["greeting"], "hello ada hello ada");
    let answer = get("/hello/bob").await;
    assert_eq!(json(&answer)["greeting"], "hello bob");
}

#[tokio::test]
async fn the_answer_format_follows_format_suffix_and_accept() {
    let by_query = get("/hello/ada?format=jsv").await;
    assert_eq!(by_query.body, "{greeting:hello ada}");
    let by_accept = send(
        request("GET", "/hello/ada")
            .header("accept", "application/xml")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(by_accept.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xml"));
    assert!(
        // A DataMember with a Name keeps it in XML too (wire spec section 7).
        by_accept.body.contains("<greeting>hello ada</greeting>"),
        "{}",
        by_accept.body
    );
    let predefined = get("/jsv/reply/Hello?name=ada").await;
    assert_eq!(predefined.body, "{greeting:hello ada}");
    let jsonp = get("/hello/nobody?callback=cb").await;
    assert_eq!(jsonp.status, 200, "JSONP errors travel with 200");
    assert!(jsonp.body.starts_with("cb({"), "{}", jsonp.body);
}

#[tokio::test]
async fn errors_are_a_response_status_inside_the_response_dto() {
    let answer = get("/hello/nobody").await;
    assert_eq!(answer.status, 404);
    let body = json(&answer);
    assert_eq!(
        body["greeting"], "",
        "the DTO's other members at their defaults"
    );
    assert_eq!(body["responseStatus"]["errorCode"], "NotFound");
    assert_eq!(body["responseStatus"]["errors"], serde_json::json!([]));
}

#[tokio::test]
async fn a_bad_value_names_the_member_without_repeating_it() {
    let answer = get("/hello/ada?times=lots").await;
    assert_eq!(answer.status, 400);
    let status = &json(&answer)["responseStatus"];
    assert_eq!(status["errorCode"], "SerializationException");
    assert_eq!(status["errors"][0]["fieldName"], "Times");
    assert!(!answer.body.contains("lots"), "{}", answer.body);
}

#[tokio::test]
async fn credentials_are_checked_before_anything_else_about_the_request() {
    let none = send(Request::get("/hello/ada").body(Body::empty()).unwrap()).await;
    assert_eq!(none.status, 401);
    assert!(none.body.is_empty(), "a challenge, no body");
    assert_eq!(none.headers.get_all("www-authenticate").iter().count(), 2);
    let wrong = send(
        Request::get("/hello/ada?times=lots")
            .header("authorization", "Bearer bad")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(json(&wrong)["responseStatus"]["errorCode"], "Unauthorized");
}

#[tokio::test]
async fn authorization_comes_before_the_body_is_read() {
    let answer = send(
        request("PUT", "/secret")
            .header("content-type", "application/json")
            .body(Body::from("{not json"))
            .unwrap(),
    )
    .await;
    assert_eq!(answer.status, 403, "{}", answer.body);
    let admin = send(
        Request::put("/secret")
            .header("authorization", "Bearer admin")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"word":"x"}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(admin.status, 200, "{}", admin.body);
}

#[tokio::test]
async fn routes_answer_405_with_allow_and_404_without_the_path() {
    let verb = send(request("DELETE", "/hello/ada").body(Body::empty()).unwrap()).await;
    assert_eq!(verb.status, 405);
    let unknown = send(request("BREW", "/hello/ada").body(Body::empty()).unwrap()).await;
    assert_eq!(unknown.status, 405);
    assert_eq!(unknown.headers["allow"], "GET");
    let missing = get("/nowhere-secret").await;
    assert_eq!(missing.status, 404);
    assert!(!missing.body.contains("nowhere-secret"));
    let no_operation = send(request("POST", "/api/Nothing").body(Body::empty()).unwrap()).await;
    assert_eq!(
        json(&no_operation)["responseStatus"]["errorCode"],
        "NotImplementedException"
    );
}

#[tokio::test]
async fn batches_run_in_order_and_stop_at_the_first_failure() {
    let batch = |body: &'static str| {
        request("POST", "/api/Hello[]")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let done = send(batch(r#"[{"name":"a"},{"name":"b"}]"#)).await;
    assert_eq!(done.status, 200);
    assert_eq!(done.headers["x-autobatch-completed"], "2");
    assert_eq!(json(&done)[1]["greeting"], "hello b");
    let failed = send(batch(r#"[{"name":"a"},{"name":"nobody"},{"name":"c"}]"#)).await;
    assert_eq!(failed.status, 404);
    assert_eq!(failed.headers["x-autobatch-completed"], "1");
    assert_eq!(
        json(&failed)["responseStatus"]["meta"]["AutoBatchIndex"],
        "1"
    );
    let too_many = send(batch(
        r#"[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}]"#,
    ))
    .await;
    assert_eq!(too_many.status, 400);
    assert_eq!(
        json(&too_many)["responseStatus"]["errorCode"],
        "BatchLimitExceeded"
    );
}

#[tokio::test]
async fn fixed_pages_are_served_and_other_methods_on_them_reach_the_pipeline() {
    let health = send(Request::get("/health").body(Body::empty()).unwrap()).await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    let head = send(Request::head("/metadata").body(Body::empty()).unwrap()).await;
    assert_eq!(head.status, 200);
    let page = send(
        Request::get("/json/metadata?op=Hello")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(page.body.contains("Hello"), "{}", page.body);
    let unknown_op = send(
        Request::get("/json/metadata?op=Nope")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(unknown_op.status, 404);
    let not_a_format = get("/nope/metadata").await;
    assert_eq!(not_a_format.status, 404);
    let posted = send(request("POST", "/health").body(Body::empty()).unwrap()).await;
    assert_eq!(posted.status, 404, "{}", posted.body);
    assert!(json(&posted)["responseStatus"]["message"].is_string());
}

#[tokio::test]
async fn plain_json_is_the_same_bytes_as_json_reshaped_by_nothing() {
    // An unknown `?jsconfig=` key changes nothing but takes the general encoder
    // (through the DTO's JSON value); the plain answer is written from the DTO itself.
    let plain = get("/hello/ada?times=2").await;
    let through_the_value = get("/hello/ada?times=2&jsconfig=noSuchSetting:true").await;
    assert_eq!(plain.status, 200, "{}", plain.body);
    assert_eq!(plain.body, r#"{"greeting":"hello ada hello ada"}"#);
    assert_eq!(plain.body, through_the_value.body);
}

#[tokio::test]
async fn a_member_named_twice_binds_the_last_as_before() {
    // The plain reading of path and query values declines a member named twice; the
    // general binding then lays the later value over the earlier one.
    let answer = get("/hello/ada?times=1&TIMES=3").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(json(&answer)["greeting"], "hello ada hello ada hello ada");
    let answer = get("/hello/ada?name=bob").await;
    assert_eq!(
        json(&answer)["greeting"],
        "hello bob",
        "the query after the path"
    );
}
