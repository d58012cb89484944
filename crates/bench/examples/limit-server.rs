//! The limit: a minimal hyper 1 server answering every request with the same bytes
//! and headers as the real GET group tokens answer, without routing, auth or storage.
//! It runs on the same tokio runtime as the real server (multi-thread, one worker
//! per core), so the difference to the real server is the service's own work.
//!
//! Usage: limit-server --body FILE [--bind 127.0.0.1:0] [--header 'name: value']...
//! Prints `listening on http://ADDR` on standard output once it accepts connections.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;

struct Answer {
    body: Bytes,
    headers: Vec<(HeaderName, HeaderValue)>,
}

fn usage(message: &str) -> ! {
    eprintln!("limit-server: {message}");
    eprintln!("usage: limit-server --body FILE [--bind ADDR] [--header 'name: value']...");
    std::process::exit(2)
}

fn main() {
    let mut bind: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let mut body = None;
    let mut headers = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--bind" => bind = value().parse().unwrap_or_else(|_| usage("bad --bind")),
            "--body" => {
                let path = value();
                body =
                    Some(std::fs::read(&path).unwrap_or_else(|e| usage(&format!("{path}: {e}"))));
            }
            "--header" => {
                let line = value();
                let (name, content) = line
                    .split_once(':')
                    .unwrap_or_else(|| usage("bad --header"));
                let name = HeaderName::from_bytes(name.trim().as_bytes())
                    .unwrap_or_else(|_| usage("bad header name"));
                let content = HeaderValue::from_str(content.trim())
                    .unwrap_or_else(|_| usage("bad header value"));
                headers.push((name, content));
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    let answer = Arc::new(Answer {
        body: Bytes::from(body.unwrap_or_else(|| usage("--body is required"))),
        headers,
    });
    // The same runtime as `affiliation-api serve`: tokio's default multi-thread runtime.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(serve(bind, answer));
}

async fn serve(bind: SocketAddr, answer: Arc<Answer>) {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .unwrap_or_else(|e| usage(&format!("cannot listen on {bind}: {e}")));
    let address = listener.local_addr().expect("local address");
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on http://{address}");
        let _ = out.flush();
    }
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        // No TCP_NODELAY: axum::serve (the real server) leaves Nagle on too.
        let answer = answer.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_request: Request<hyper::body::Incoming>| {
                let answer = answer.clone();
                async move {
                    let mut response = Response::new(Full::new(answer.body.clone()));
                    let headers = response.headers_mut();
                    for (name, value) in &answer.headers {
                        headers.append(name.clone(), value.clone());
                    }
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
