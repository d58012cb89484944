//! `affiliation-api`: serve the API, and administer users and keys.

mod api;
mod logging;

use affiliation::store::{dump::DumpLine, PgSettings};
use affiliation::{Affiliation, DomainError, StoreError};
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The shipped catalog, loaded into the store by `serve` and `migrate` (programs not
/// stored yet only).
const SHIPPED_CATALOG: &str = include_str!("../../../catalog/programs.json");

const DEFAULT_DATABASE: &str = "sqlite://data/affiliation.db";

#[derive(Parser)]
#[command(
    name = "affiliation-api",
    version,
    about = "Affiliate-program tokens for users and groups, over ServiceStack-compatible HTTP"
)]
struct Cli {
    /// Database URL: sqlite://PATH or sqlite:PATH (the default; the file is created by
    /// `serve`, `migrate` and `import` only), a plain file path, or
    /// postgres://USER@HOST:PORT/DB (postgresql:// also). Other schemes are refused.
    #[arg(long, global = true, env = "AFFILIATION_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database: String,
    /// PostgreSQL only: connections per node.
    #[arg(
        long,
        global = true,
        env = "AFFILIATION_DB_POOL_SIZE",
        default_value_t = 16
    )]
    db_pool_size: u32,
    /// PostgreSQL only: longest a statement may run, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "AFFILIATION_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 5000
    )]
    db_statement_timeout_ms: u64,
    /// Users and groups whose link tokens (own tokens, a group's overrides) are kept in
    /// memory, forgotten when they change; 0 turns it off (every link reads the store).
    #[arg(
        long,
        global = true,
        env = "AFFILIATION_LINK_TOKEN_CACHE",
        default_value_t = affiliation::token_cache::TOKEN_CACHE_CAPACITY
    )]
    link_token_cache: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "AFFILIATION_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// MiB of memory for ready-to-send answers (token listings); 0 turns the cache
        /// off. The default holds about 50,000 answers of 350 bytes (a group with one
        /// override), or 12,500 of 1.8 KB, within a 64 MiB resident set.
        #[arg(long, env = "AFFILIATION_ANSWER_CACHE_MIB", default_value_t = 24)]
        answer_cache_mib: usize,
        #[command(flatten)]
        edge: EdgeArgs,
    },
    /// Manage users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage users' API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// List the operations this server declares: request and response DTOs, routes.
    Operations {
        /// One JSON object per line: {"request","response","routes":[{"verb","path"}]}.
        #[arg(long)]
        json: bool,
    },
    /// Write the whole database (users' key hashes, groups, tokens, token sets, audit,
    /// catalog) as JSON lines, to move it to another database.
    Export {
        /// File to write; standard output when absent.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Load an export into an empty database (created if it does not exist).
    Import {
        /// The JSON-lines file `export` wrote.
        file: std::path::PathBuf,
    },
    /// Administer the catalog of affiliate programs.
    Catalog {
        #[command(subcommand)]
        command: CatalogCommand,
    },
}

/// Limits at the HTTP edge. Durations are written like `10s`, `500ms` or `2m`.
#[derive(clap::Args)]
struct EdgeArgs {
    /// Longest time from a request's first byte to the end of its headers; the
    /// connection is closed after it.
    #[arg(long, env = "AFFILIATION_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    header_read_timeout: Duration,
    /// Longest time to receive a request's body once its headers are read (408 after).
    #[arg(long, env = "AFFILIATION_BODY_READ_TIMEOUT", default_value = "30s", value_parser = humantime::parse_duration)]
    body_read_timeout: Duration,
    /// Longest time a keep-alive connection may wait for its next request.
    #[arg(long, env = "AFFILIATION_KEEP_ALIVE_IDLE", default_value = "60s", value_parser = humantime::parse_duration)]
    keep_alive_idle: Duration,
    /// Open connections at most; at the cap the oldest idle ones are closed first.
    /// Default: the open-file limit (raised to its hard maximum at start) less 256.
    #[arg(long, env = "AFFILIATION_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Requests in progress at once; beyond, 503 with Retry-After.
    #[arg(long, env = "AFFILIATION_MAX_IN_FLIGHT", default_value_t = 1024)]
    max_in_flight: usize,
    /// Requests per API key, e.g. 100/s, 6000/min or 100000/h (429 with Retry-After
    /// beyond); off when absent.
    #[arg(long, env = "AFFILIATION_RATE_LIMIT")]
    rate_limit: Option<servicehost::RateLimit>,
    /// Requests in one /api/{Operation}[] batch at most (400 beyond, nothing run).
    #[arg(long, env = "AFFILIATION_MAX_BATCH_ITEMS", default_value_t = 100)]
    max_batch_items: usize,
    /// Largest request body in bytes (413 beyond).
    #[arg(long, env = "AFFILIATION_MAX_BODY_BYTES", default_value_t = servicehost::DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
}

impl EdgeArgs {
    fn request_limits(&self) -> servicehost::RequestLimits {
        servicehost::RequestLimits {
            max_body_bytes: self.max_body_bytes,
            body_read_timeout: self.body_read_timeout,
            max_in_flight: self.max_in_flight.max(1),
            rate_limit: self.rate_limit,
            max_batch_items: self.max_batch_items,
        }
    }

    /// The connection cap, within the raised open-file limit.
    fn connection_limits(&self) -> servicehost::ConnectionLimits {
        let file_limit = servicehost::raise_file_limit();
        let ceiling = servicehost::default_max_connections(file_limit);
        let max_connections = match self.max_connections {
            Some(wanted) if wanted > ceiling => {
                tracing::warn!(
                    wanted,
                    ceiling,
                    file_limit,
                    "--max-connections is above the open-file limit less its reserve; using the ceiling"
                );
                ceiling
            }
            Some(wanted) => wanted.max(1),
            None => ceiling,
        };
        servicehost::ConnectionLimits {
            header_read_timeout: self.header_read_timeout,
            keep_alive_idle: self.keep_alive_idle,
            max_connections,
            ..servicehost::ConnectionLimits::default()
        }
    }
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Print the stored catalog in the catalog file format.
    Export,
    /// Add or replace the programs of a catalog file (same format as catalog/programs.json).
    Import {
        /// The catalog file to read.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create a user and print its API key and secret (shown only once).
    Add {
        /// 1 to 64 ASCII letters, digits, '.', '_', '@' or '-', starting with a letter or
        /// digit; unique ignoring case.
        username: String,
        /// Administrators may act for any user.
        #[arg(long)]
        admin: bool,
        /// Print {"username","apiKey","apiSecret"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List users (never their keys).
    List {
        /// Print one JSON object per user ({"username","admin","hasKey","keyHint","createdAt"}).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Replace a user's key and secret; the old ones stop working at once.
    Rotate {
        /// The user whose key to replace (matched ignoring case).
        username: String,
        /// Print {"username","apiKey","apiSecret"} as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Remove a user's key and secret; the user can no longer authenticate.
    Revoke {
        /// The user whose key to remove (matched ignoring case).
        username: String,
    },
}

fn main() -> ExitCode {
    limit_malloc_arenas();
    let cli = Cli::parse();
    let logs = logging::init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli));
    drop(runtime);
    // The log's pending lines are written before the last word, not after it.
    drop(logs);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// glibc gives each thread that allocates its own arena (up to 8 per core), and the
/// runtime's and SQLite's threads each keep theirs: the resident set grows to several
/// times what is in use. Two arenas keep it near the live size at no measurable cost.
///
/// And glibc raises its mmap threshold each time a mapped block is freed, up to 32 MiB:
/// after the first evictions, the answer cache's 256 KiB chunks come from the heap,
/// where a freed chunk among live ones is not given back. A fixed threshold keeps
/// every chunk its own mapping, returned whole when it goes (a chunk holds about a
/// hundred answers, so the extra `mmap` calls are rare).
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first thing in main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

async fn open(cli: &Cli) -> Result<Arc<Affiliation>, String> {
    let settings = PgSettings {
        pool_size: cli.db_pool_size,
        statement_timeout: std::time::Duration::from_millis(cli.db_statement_timeout_ms),
    };
    // Only the commands that set a database up may create an SQLite file; the others
    // refuse a path that names nothing (a typo would otherwise be a new, empty database).
    let create = matches!(
        cli.command,
        Command::Serve { .. } | Command::Migrate | Command::Import { .. }
    );
    let store = affiliation::store::open_with(&cli.database, &settings, create)
        .await
        .map_err(|e| match e {
            StoreError::NoDatabase(path) => format!(
                "no database at {path}: check --database (or AFFILIATION_DATABASE_URL); \
                 to create one, run `affiliation-api migrate --database {}` (or `serve`)",
                cli.database
            ),
            StoreError::UnknownScheme(_) | StoreError::UsernamesDifferByCase(_) => e.to_string(),
            e => format!("cannot open the database: {e}"),
        })?;
    let app = Arc::new(Affiliation::with_link_token_capacity(
        store,
        cli.link_token_cache,
    ));
    // The shipped catalog is loaded by the commands that set a database up for serving;
    // `import` brings its own catalog, and the others only read or administer.
    if matches!(cli.command, Command::Serve { .. } | Command::Migrate) {
        let catalog = affiliation::catalog::parse_catalog(SHIPPED_CATALOG)?;
        let added = app.seed_catalog(&catalog).await.map_err(describe)?;
        if added > 0 {
            tracing::info!(added, "catalog programs loaded");
        }
    }
    Ok(app)
}

fn describe(error: DomainError) -> String {
    api::describe(error)
}

async fn run(cli: Cli) -> Result<(), String> {
    let app = open(&cli).await?;
    match cli.command {
        Command::Migrate => {
            println!("migrations applied ({})", app.store().backend());
            Ok(())
        }
        Command::Operations { json } => {
            print_operations(app, json);
            Ok(())
        }
        Command::Export { output } => export(&app, output.as_deref()).await,
        Command::Import { file } => import(&app, &file).await,
        Command::Catalog {
            command: CatalogCommand::Export,
        } => {
            let programs = app.programs(true, None).await.map_err(describe)?;
            let catalog = affiliation::catalog::Catalog::new(programs);
            let text = serde_json::to_string_pretty(&catalog).map_err(|e| e.to_string())?;
            println!("{text}");
            Ok(())
        }
        Command::Catalog {
            command: CatalogCommand::Import { file },
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let programs = affiliation::catalog::parse_catalog(&text)?;
            let (added, updated) = app.import_catalog(&programs).await.map_err(describe)?;
            println!("catalog: {added} programs added, {updated} updated");
            Ok(())
        }
        Command::Serve {
            bind,
            answer_cache_mib,
            edge,
        } => serve(app, bind, answer_cache_mib, &edge).await,
        Command::Users {
            command:
                UsersCommand::Add {
                    username,
                    admin,
                    json,
                },
        } => {
            let (user, keys) = app.add_user(&username, admin).await.map_err(describe)?;
            print_keys(&user.account.username, &keys, json);
            Ok(())
        }
        Command::Users {
            command: UsersCommand::List { json },
        } => {
            let users = app.users().await.map_err(describe)?;
            print_users(&users, json);
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Rotate { username, json },
        } => {
            let keys = app.rotate_keys(&username).await.map_err(describe)?;
            print_keys(&username, &keys, json);
            Ok(())
        }
        Command::Keys {
            command: KeysCommand::Revoke { username },
        } => {
            app.revoke_keys(&username).await.map_err(describe)?;
            println!("revoked the keys of {username}");
            Ok(())
        }
    }
}

async fn export(app: &Affiliation, output: Option<&std::path::Path>) -> Result<(), String> {
    use std::io::Write;
    let lines = app.store().export().await.map_err(|e| e.to_string())?;
    let mut text = String::new();
    for line in &lines {
        text.push_str(&serde_json::to_string(line).map_err(|e| e.to_string())?);
        text.push('\n');
    }
    match output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string())?,
    }
    eprintln!("exported {} lines", lines.len());
    Ok(())
}

async fn import(app: &Affiliation, file: &std::path::Path) -> Result<(), String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(number, line)| {
            serde_json::from_str::<DumpLine>(line)
                .map_err(|e| format!("{} line {}: {e}", file.display(), number + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let loaded = app
        .store()
        .import(&lines)
        .await
        .map_err(|e| e.to_string())?;
    println!("imported {loaded} lines");
    Ok(())
}

/// `users list`: one line per user, tab-separated or JSON.
fn print_users(users: &[affiliation::model::User], json: bool) {
    for user in users {
        let created = api::timestamp(user.created_at);
        if json {
            let line = serde_json::json!({
                "username": user.account.username,
                "admin": user.account.is_admin,
                "hasKey": user.has_key,
                "keyHint": user.key_hint,
                "createdAt": created,
            });
            println!("{line}");
        } else {
            let role = if user.account.is_admin {
                "admin"
            } else {
                "user"
            };
            let key = match &user.key_hint {
                Some(hint) if user.has_key => format!("{hint}…"),
                _ => "(revoked)".into(),
            };
            println!("{}\t{role}\t{key}\t{created}", user.account.username);
        }
    }
}

/// The operation registry as the router, metadata and generators see it.
fn print_operations(app: Arc<Affiliation>, json: bool) {
    let host = api::host(app);
    for op in host.declared_operations() {
        let routes: Vec<(&str, &str)> = op
            .routes
            .iter()
            .map(|r| (r.verb.as_str(), r.path))
            .collect();
        if json {
            let routes: Vec<_> = routes
                .iter()
                .map(|(verb, path)| serde_json::json!({ "verb": verb, "path": path }))
                .collect();
            let line = serde_json::json!({
                "request": op.request.name,
                "response": op.response.name,
                "routes": routes,
            });
            println!("{line}");
        } else {
            let routes: Vec<String> = routes.iter().map(|(v, p)| format!("{v} {p}")).collect();
            println!(
                "{}\t{}\t{}",
                op.request.name,
                op.response.name,
                routes.join(", ")
            );
        }
    }
}

fn print_keys(username: &str, keys: &affiliation::credentials::IssuedKeys, json: bool) {
    if json {
        let line = serde_json::json!({
            "username": username,
            "apiKey": keys.api_key,
            "apiSecret": keys.api_secret,
        });
        println!("{line}");
    } else {
        println!("username:   {username}");
        println!("api key:    {}", keys.api_key);
        println!("api secret: {}", keys.api_secret);
        println!("(store them now: only their hashes are kept)");
    }
}

async fn serve(
    app: Arc<Affiliation>,
    bind: SocketAddr,
    answer_cache_mib: usize,
    edge: &EdgeArgs,
) -> Result<(), String> {
    let mut host = api::host(app.clone()).request_limits(edge.request_limits());
    if answer_cache_mib > 0 {
        host = host.answer_cache(api::answer_cache(&app, answer_cache_mib << 20));
    }
    tracing::info!(answer_cache_mib, "answer cache");
    let router = host.into_router();
    let connection_limits = edge.connection_limits();
    let listener = listen(bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(
        max_connections = connection_limits.max_connections,
        max_in_flight = edge.max_in_flight,
        "limits"
    );
    tracing::info!(%address, "listening on http://{address}");
    servicehost::serve(listener, router, connection_limits, shutdown_signal()).await;
    tracing::info!("stopped");
    Ok(())
}

/// A listener with the longest accept queue the kernel allows (tokio's `bind` asks for
/// 1,024): under a connection flood, connections wait there instead of retrying SYNs.
fn listen(address: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if address.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(address)?;
    socket.listen(LISTEN_BACKLOG)
}

/// The kernel caps it at `net.core.somaxconn` (4,096 by default on Linux).
const LISTEN_BACKLOG: u32 = 65_535;

/// SIGINT or SIGTERM: stop accepting, finish the requests in flight, then exit.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// `--help` describes every argument of every command.
    #[test]
    fn every_argument_and_command_has_help() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for arg in command.get_arguments() {
                let builtin = matches!(arg.get_id().as_str(), "help" | "version");
                if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            for sub in command.get_subcommands() {
                if sub.get_name() == "help" {
                    continue;
                }
                let sub_path = format!("{path} {}", sub.get_name());
                if sub.get_about().is_none() {
                    missing.push(sub_path.clone());
                }
                check(sub, &sub_path, missing);
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "affiliation-api", &mut missing);
        assert!(missing.is_empty(), "undocumented: {missing:?}");
    }
}
