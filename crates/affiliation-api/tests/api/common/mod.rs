//! Test harness: the real `affiliation-api` binary on a random port, over real HTTP,
//! each server with its own database: a SQLite file in a temporary directory, or,
//! with `AFFILIATION_TEST_BACKEND=postgres`, a fresh PostgreSQL database (see
//! `postgres.rs` in this directory). Servers inherit the test's environment:
//! `AFFILIATION_ANSWER_CACHE_MIB=0` runs them with the answer cache off (see `.ci/run`).

pub mod postgres;

use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_affiliation-api");

/// A key revoked or rotated from outside a server process (the CLI, another node)
/// stops working there once the change is heard, and within half a second even when
/// a node cannot hear changes. A loaded machine may take longer to hear it, so this
/// asks until the key is refused, for a few seconds: far less than the minute a
/// node that missed the change would keep trusting the key.
pub const KEY_REFUSED_WITHIN: Duration = Duration::from_secs(5);

pub struct Server {
    child: Child,
    pub base: String,
    pub database: String,
    dir: Arc<tempfile::TempDir>,
    /// Keeps a PostgreSQL test database alive while any server uses it.
    pg: Option<Arc<postgres::TestDatabase>>,
    pub log: Arc<Mutex<Vec<String>>>,
    /// Reads the server's stderr into `log`; it ends when the server has exited and
    /// every line it wrote is in.
    log_reader: Option<std::thread::JoinHandle<()>>,
    client: Client,
}

#[derive(Debug, Clone)]
pub struct Keys {
    pub username: String,
    pub api_key: String,
    pub api_secret: String,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): status {} body {:?}",
                self.status, self.text
            )
        })
    }

    pub fn error_code(&self) -> String {
        self.json()["responseStatus"]["errorCode"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// (errorCode, fieldName) of every field error.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.json()["responseStatus"]["errors"]
            .as_array()
            .expect("errors is always a list")
            .iter()
            .map(|e| {
                (
                    e["errorCode"].as_str().unwrap_or_default().to_string(),
                    e["fieldName"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }
}

impl From<Response> for Reply {
    fn from(response: Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().unwrap_or_default();
        Reply {
            status,
            headers,
            text,
        }
    }
}

impl Server {
    /// A server on a new, empty database of the backend under test.
    pub fn start() -> Server {
        match postgres::backend_under_test() {
            postgres::Backend::Sqlite => Server::start_sqlite(),
            postgres::Backend::Postgres => Server::start_postgres(
                postgres::TestDatabase::create()
                    .expect("AFFILIATION_TEST_BACKEND=postgres, but PostgreSQL is not reachable"),
            ),
        }
    }

    pub fn start_sqlite() -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        let database = format!("sqlite://{}", dir.path().join("affiliation.db").display());
        Server::start_with(dir, database, None)
    }

    /// A server on a new, empty database of the backend under test, started with extra
    /// `serve` arguments (limits, timeouts).
    pub fn start_with_args(args: &[&str]) -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        let (database, pg) = match postgres::backend_under_test() {
            postgres::Backend::Sqlite => (
                format!("sqlite://{}", dir.path().join("affiliation.db").display()),
                None,
            ),
            postgres::Backend::Postgres => {
                let database = postgres::TestDatabase::create()
                    .expect("AFFILIATION_TEST_BACKEND=postgres, but PostgreSQL is not reachable");
                (database.url.clone(), Some(Arc::new(database)))
            }
        };
        Server::spawn(dir, database, pg, args)
    }

    pub fn start_postgres(database: postgres::TestDatabase) -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        let url = database.url.clone();
        Server::start_with(dir, url, Some(Arc::new(database)))
    }

    /// A server on an existing SQLite database URL.
    pub fn start_with_database(url: &str) -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        Server::start_with(dir, url.to_string(), None)
    }

    /// A new server process on the same database (after a stop or a kill).
    pub fn restart(self) -> Server {
        let (dir, database, pg) = (self.dir.clone(), self.database.clone(), self.pg.clone());
        drop(self);
        Server::start_with(dir, database, pg)
    }

    /// Another node on the same database, running beside this one.
    pub fn another_node(&self) -> Server {
        Server::start_with(self.dir.clone(), self.database.clone(), self.pg.clone())
    }

    pub fn backend(&self) -> &'static str {
        if self.pg.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    fn start_with(
        dir: Arc<tempfile::TempDir>,
        database: String,
        pg: Option<Arc<postgres::TestDatabase>>,
    ) -> Server {
        Server::spawn(dir, database, pg, &[])
    }

    fn spawn(
        dir: Arc<tempfile::TempDir>,
        database: String,
        pg: Option<Arc<postgres::TestDatabase>>,
        extra_args: &[&str],
    ) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0", "--database", &database])
            .args(extra_args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = mpsc::channel();
        let log_writer = log.clone();
        let log_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let address = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let _ = address_tx.send(address);
                }
                log_writer.lock().unwrap().push(line);
            }
        });
        let address = address_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                panic!(
                    "server did not report its address: {:?}",
                    log.lock().unwrap()
                )
            });
        Server {
            child,
            base: format!("http://{address}"),
            database,
            dir,
            pg,
            log,
            log_reader: Some(log_reader),
            client: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    /// Runs the CLI against this server's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        Command::new(BIN)
            .args(args)
            .args(["--database", &self.database])
            .env("RUST_LOG", "warn")
            .output()
            .expect("run the CLI")
    }

    /// Runs the CLI against this server's database and asserts it succeeded.
    pub fn cli_ok(&self, args: &[&str]) -> std::process::Output {
        let output = self.cli(args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    pub fn add_user(&self, username: &str, admin: bool) -> Keys {
        let mut args = vec!["users", "add", username, "--json"];
        if admin {
            args.push("--admin");
        }
        let output = self.cli(&args);
        assert!(
            output.status.success(),
            "users add failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let json: Value =
            serde_json::from_slice(&output.stdout).expect("users add --json prints JSON");
        Keys {
            username: json["username"].as_str().unwrap().to_string(),
            api_key: json["apiKey"].as_str().unwrap().to_string(),
            api_secret: json["apiSecret"].as_str().unwrap().to_string(),
        }
    }

    pub fn request(&self, method: &str, path: &str) -> RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        self.client
            .request(method, format!("{}{}", self.base, path))
    }

    /// A JSON call with `Authorization: Bearer <key>`; `body` is sent when not null.
    pub fn call(&self, keys: &Keys, method: &str, path: &str, body: Value) -> Reply {
        let mut request = self.request(method, path).bearer_auth(&keys.api_key);
        if !body.is_null() {
            request = request.json(&body);
        }
        request.send().expect("request").into()
    }

    /// An anonymous GET (no credentials), e.g. `/health` or the metadata pages.
    pub fn fetch(&self, path: &str) -> Reply {
        self.request("GET", path).send().expect("request").into()
    }

    /// `call`, asserting a 200.
    pub fn call_ok(&self, keys: &Keys, method: &str, path: &str, body: Value) -> Reply {
        let reply = self.call(keys, method, path, body);
        assert_eq!(reply.status, 200, "{method} {path}: {}", reply.text);
        reply
    }

    /// POSTs a token set at `path` (user or group level), asserts the 200 and returns
    /// its `affiliateTokensId`.
    pub fn post_tokens(&self, keys: &Keys, path: &str, body: Value) -> String {
        self.call_ok(keys, "POST", path, body).json()["affiliateTokensId"]
            .as_str()
            .expect("affiliateTokensId")
            .to_string()
    }

    pub fn get(&self, keys: &Keys, path: &str) -> Reply {
        self.call(keys, "GET", path, Value::Null)
    }

    /// Asks with `keys` until they are refused (401), at most [`KEY_REFUSED_WITHIN`].
    pub fn await_key_refused(&self, keys: &Keys) {
        let deadline = Instant::now() + KEY_REFUSED_WITHIN;
        loop {
            let reply = self.get(keys, "/v4/groups");
            if reply.status == 401 {
                return;
            }
            assert_eq!(reply.status, 200, "{}", reply.text);
            assert!(
                Instant::now() < deadline,
                "the key still works {KEY_REFUSED_WITHIN:?} after its change"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The catalog's program matching `pick`, by GET /v3/affiliate-programs.
    pub fn program(&self, keys: &Keys, pick: impl Fn(&Value) -> bool) -> Value {
        let reply = self.get(keys, "/v3/affiliate-programs?includeDisabled=true");
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["affiliatePrograms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| pick(p))
            .cloned()
            .expect("program in the catalog")
    }

    pub fn amazon_us(&self, keys: &Keys) -> String {
        self.program(keys, |p| {
            p["network"].as_str().unwrap_or("").contains("Amazon")
                && p["countries"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c == "US"))
        })["programGuid"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// The catalog's enabled Apple program (the one whose parameter is `at`).
    pub fn apple(&self, keys: &Keys) -> String {
        self.program(keys, |p| {
            p["disabled"] == false
                && p["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|x| x["name"] == "at"))
        })["programGuid"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn create_group(&self, keys: &Keys, name: &str) -> u64 {
        let reply = self.call(
            keys,
            "POST",
            "/v4/groups",
            serde_json::json!({ "name": name }),
        );
        assert_eq!(reply.status, 200, "{}", reply.text);
        reply.json()["groupId"].as_u64().unwrap()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// host:port of the listener, for raw sockets.
    pub fn address(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
        self.await_log_end();
    }

    /// Once the server has exited: every line it wrote is in the log when the reader
    /// has drained the pipe.
    fn await_log_end(&mut self) {
        if let Some(reader) = self.log_reader.take() {
            let _ = reader.join();
        }
    }

    /// SIGTERM, then the exit status once the server has stopped and the last lines it
    /// wrote are in the log (they may still be in the pipe when it exits).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let status = self.child.wait().expect("wait for the server");
        self.await_log_end();
        status
    }

    /// The log so far, with the line of every request answered before this call: the
    /// server writes its lines in batches a few milliseconds apart, in order, so the
    /// line of a marker request sent now comes after all of theirs.
    pub fn log_text(&self) -> String {
        self.await_log_lines();
        self.log.lock().unwrap().join("\n")
    }

    fn await_log_lines(&self) {
        if self.log_reader.is_none() {
            // Stopped, and its log complete: no marker to send (its port may be
            // another test's server now).
            return;
        }
        static MARKERS: AtomicUsize = AtomicUsize::new(0);
        let marker = format!("/log-marker-{}", MARKERS.fetch_add(1, Ordering::Relaxed));
        let sent = self
            .client
            .get(format!("{}{marker}", self.base))
            .timeout(Duration::from_secs(5))
            .send();
        if sent.is_err() {
            // A server that stopped (or refuses connections) writes nothing more.
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        let logged = || self.log.lock().unwrap().iter().any(|l| l.contains(&marker));
        while !logged() {
            assert!(
                Instant::now() < deadline,
                "the server answered {marker} but never logged it"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

impl Server {
    /// Request log lines with a 5xx other than 503 (load shedding, an unhealthy
    /// database): a server error is a bug whatever the client sent.
    pub fn server_errors(&self) -> Vec<String> {
        self.await_log_lines();
        self.logged_server_errors()
    }

    fn logged_server_errors(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|line| {
                line.split_whitespace().any(|word| {
                    word.strip_prefix("status=")
                        .is_some_and(|status| status.starts_with('5') && status != "503")
                })
            })
            .cloned()
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Every test of every suite checks this: no 5xx for anything a client did.
        // Every request's line is in before the server is stopped (a kill loses the
        // lines the server has not written yet).
        let checking = !std::thread::panicking();
        if checking {
            self.await_log_lines();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.await_log_end();
        if checking {
            let errors = self.logged_server_errors();
            assert!(errors.is_empty(), "the server answered 5xx: {errors:#?}");
        }
    }
}
