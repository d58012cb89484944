//! The load generator: N keep-alive HTTP/1.1 connections (hyper 1 client), each
//! sending its next request as soon as the previous answer is read (closed loop), or
//! on a fixed schedule (paced: open loop at a given total rate). Latencies go into an
//! HDR histogram in microseconds.

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::Request;
use hyper_util::rt::TokioIo;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::timer::PreciseTimer;

/// Builds the next request of connection `connection` (the counter increases per request).
pub type MakeRequest =
    Arc<dyn Fn(usize, u64, &mut SmallRng) -> Request<Full<Bytes>> + Send + Sync + 'static>;

pub struct Load {
    /// Connection i goes to `addresses[i % len]` (two nodes share the load).
    pub addresses: Vec<SocketAddr>,
    pub connections: usize,
    pub duration: Duration,
    /// Total requests per second over all connections; `None`: as fast as answered.
    pub rate: Option<f64>,
    pub make: MakeRequest,
}

pub struct PassResult {
    pub completed: u64,
    /// Answers that are not 2xx, and transport errors.
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    pub latency_us: Histogram<u64>,
}

impl PassResult {
    pub fn per_second(&self) -> f64 {
        self.completed as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.latency_us.value_at_quantile(q) as f64 / 1000.0
    }
}

struct ConnectionResult {
    completed: u64,
    errors: u64,
    first_error: Option<String>,
    started: Instant,
    last: Instant,
    latency_us: Histogram<u64>,
}

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds")
}

pub async fn connect(address: SocketAddr) -> Result<SendRequest<Full<Bytes>>, String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect {address}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// One request on a fresh connection: status and body (for checks before a pass).
pub async fn fetch(
    address: SocketAddr,
    request: Request<Full<Bytes>>,
) -> Result<(hyper::StatusCode, hyper::HeaderMap, Bytes), String> {
    let mut sender = connect(address).await?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    Ok((parts.status, parts.headers, body))
}

/// As [`run`], but each connection stops after `per_connection` requests (or the
/// load's duration, whichever comes first).
pub async fn run_requests(load: Load, per_connection: u64) -> Result<PassResult, String> {
    run_limited(load, Some(per_connection)).await
}

pub async fn run(load: Load) -> Result<PassResult, String> {
    run_limited(load, None).await
}

async fn run_limited(load: Load, per_connection: Option<u64>) -> Result<PassResult, String> {
    let barrier = Arc::new(tokio::sync::Barrier::new(load.connections));
    let mut tasks = Vec::with_capacity(load.connections);
    for index in 0..load.connections {
        let address = load.addresses[index % load.addresses.len()];
        let sender = connect(address).await?;
        let barrier = barrier.clone();
        let make = load.make.clone();
        let (duration, connections, rate) = (load.duration, load.connections, load.rate);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let interval = rate.map(|r| Duration::from_secs_f64(connections as f64 / r));
            let turn = Turn {
                index,
                connections,
                duration,
                interval,
                per_connection,
            };
            connection_loop(sender, address, turn, make).await
        }));
    }
    let mut total = PassResult {
        completed: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latency_us: histogram(),
    };
    let mut first_start: Option<Instant> = None;
    let mut last_end: Option<Instant> = None;
    for task in tasks {
        let result = task.await.map_err(|e| format!("load task: {e}"))?;
        total.completed += result.completed;
        total.errors += result.errors;
        if total.first_error.is_none() {
            total.first_error = result.first_error;
        }
        total
            .latency_us
            .add(&result.latency_us)
            .map_err(|e| e.to_string())?;
        first_start = Some(first_start.map_or(result.started, |s| s.min(result.started)));
        last_end = Some(last_end.map_or(result.last, |e| e.max(result.last)));
    }
    if let (Some(start), Some(end)) = (first_start, last_end) {
        total.elapsed = end.saturating_duration_since(start);
    }
    Ok(total)
}

/// One connection's part of the load.
struct Turn {
    index: usize,
    connections: usize,
    duration: Duration,
    interval: Option<Duration>,
    /// At most this many requests, when set.
    per_connection: Option<u64>,
}

async fn connection_loop(
    mut sender: SendRequest<Full<Bytes>>,
    address: SocketAddr,
    turn: Turn,
    make: MakeRequest,
) -> ConnectionResult {
    let Turn {
        index,
        connections,
        duration,
        interval,
        per_connection,
    } = turn;
    let started = Instant::now();
    let mut rng = SmallRng::seed_from_u64(0x5eed_0000 + index as u64);
    let mut result = ConnectionResult {
        completed: 0,
        errors: 0,
        first_error: None,
        started,
        last: started,
        latency_us: histogram(),
    };
    let mut schedule = match Schedule::new(started, duration, interval, index, connections) {
        Ok(schedule) => schedule,
        Err(e) => {
            note_error(&mut result, format!("timer: {e}"));
            return result;
        }
    };
    let mut previous_done = started;
    let mut counter = 0u64;
    while let Some(late_since) = schedule.next(previous_done).await {
        if per_connection.is_some_and(|most| counter >= most) {
            break;
        }
        let request = make(index, counter, &mut rng);
        counter += 1;
        if let Err(e) = ensure_connected(&mut sender, address).await {
            note_error(&mut result, e);
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        }
        let sent = Instant::now();
        let outcome = exchange(&mut sender, request).await;
        let done = Instant::now();
        previous_done = done;
        result.last = done;
        match outcome {
            Ok(()) => {
                result.completed += 1;
                let micros = done.duration_since(late_since.unwrap_or(sent)).as_micros() as u64;
                result.latency_us.saturating_record(micros.max(1));
            }
            Err(e) => note_error(&mut result, e),
        }
    }
    result
}

/// When a connection sends: closed loop (as soon as the previous answer is read) until
/// the end, or paced (one slot per interval).
struct Schedule {
    end: Instant,
    interval: Option<Duration>,
    slot: Option<Instant>,
    /// Paced only: tokio's own timer would round each slot to a millisecond.
    timer: Option<PreciseTimer>,
}

impl Schedule {
    fn new(
        started: Instant,
        duration: Duration,
        interval: Option<Duration>,
        index: usize,
        connections: usize,
    ) -> std::io::Result<Schedule> {
        // Paced: connection i sends at started + (i/N + k) * interval, k = 0, 1, ...,
        // so the connections together send evenly rather than in bursts.
        let slot = interval.map(|i| started + i.mul_f64(index as f64 / connections as f64));
        Ok(Schedule {
            end: started + duration,
            interval,
            slot,
            timer: interval.map(|_| PreciseTimer::new()).transpose()?,
        })
    }

    /// Waits for the next request's turn: `None` when the pass is over, else
    /// `Some(late_since)`, the slot to time the request from when it is late.
    async fn next(&mut self, previous_done: Instant) -> Option<Option<Instant>> {
        let (Some(at), Some(interval)) = (self.slot, self.interval) else {
            return (Instant::now() < self.end).then_some(None);
        };
        if at >= self.end {
            return None;
        }
        self.slot = Some(at + interval);
        if previous_done > at {
            // The server held us past this request's slot: count from the slot, so
            // the queueing the server caused is in the latency (no coordinated
            // omission). Timer slack alone (the slot passed while we slept) is not.
            return Some(Some(at));
        }
        match &self.timer {
            Some(timer) if timer.sleep_until(at).await.is_ok() => {}
            _ => tokio::time::sleep_until(at.into()).await,
        }
        Some(None)
    }
}

/// The server may close a keep-alive connection (errors, restarts): open a new one
/// rather than count every later request as an error.
async fn ensure_connected(
    sender: &mut SendRequest<Full<Bytes>>,
    address: SocketAddr,
) -> Result<(), String> {
    if sender.ready().await.is_err() {
        *sender = connect(address).await?;
    }
    Ok(())
}

/// Sends one request and reads the whole answer, so its latency includes the body;
/// anything but 2xx is an error.
async fn exchange(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<(), String> {
    send(sender, request).await.map(|_| ())
}

/// One request on an open connection: the 2xx answer's body, or why not.
pub async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<Bytes, String> {
    sender
        .ready()
        .await
        .map_err(|e| format!("connection: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request: {e}"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("body: {e}"))?
        .to_bytes();
    if status.is_success() {
        return Ok(body);
    }
    Err(format!(
        "status {status}: {}",
        String::from_utf8_lossy(&body[..])
            .chars()
            .take(300)
            .collect::<String>()
    ))
}

fn note_error(result: &mut ConnectionResult, error: String) {
    result.errors += 1;
    if result.first_error.is_none() {
        result.first_error = Some(error);
    }
}
