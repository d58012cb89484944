//! `bench`: the load benchmark of affiliation-api, in one run on one machine.
//!
//! Creates a fresh SQLite database (1,000 users, 10,000 groups, 50,000 group token
//! sets) through `affiliation-api import`, starts `affiliation-api serve` and the
//! limit server (`limit-server`: hyper answering the same bytes without auth or
//! storage), drives load over loopback from this process and prints one table
//! (markdown) on standard output; progress goes to standard error.
//!
//! Run it with `scripts/bench` (builds both in release mode first).
//!
//! The driver and the limit server are examples of this package, not binaries, so that
//! `cargo run` at the workspace root keeps running the one binary there is:
//! `affiliation-api`.

use crate::{data, load, procs, store_limit};

use bytes::Bytes;
use clap::{Parser, ValueEnum};
use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderValue, Method, Request};
use http_body_util::Full;
use load::{Load, MakeRequest, PassResult};
use procs::{Announces, Process};
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser, Debug, Clone)]
#[command(
    name = "bench",
    about = "Load benchmark of affiliation-api: prints one table (markdown) of requests/s, latencies, ratios to the limits and peak RSS"
)]
struct Args {
    /// Seconds per measured pass.
    #[arg(long, default_value_t = 8.0)]
    duration: f64,
    /// Concurrent keep-alive connections of the load generator.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Runs of every pass; the table shows the median of the runs.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// A short smoke run: 1 run of 1 s per pass (overrides --duration and --runs).
    #[arg(long)]
    quick: bool,
    /// Threads of the load generator's runtime (1: current-thread runtime).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// The paced GET pass runs at this fraction of the measured GET peak.
    #[arg(long, default_value_t = 0.5)]
    paced_fraction: f64,
    /// Passes to run (default: all).
    #[arg(long, value_delimiter = ',')]
    only: Vec<Pass>,
    /// Directory for the database and the dump (default: a new temporary directory,
    /// removed at the end unless --keep).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Keep the temporary directory (database, dump, server log tail).
    #[arg(long)]
    keep: bool,
    /// The server binary (default: `affiliation-api` next to this binary).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// The limit server binary (default: `limit-server` next to this binary).
    #[arg(long)]
    limit_bin: Option<PathBuf>,
    /// RUST_LOG of the server (default: unset, the server's own default `info,sqlx=warn`,
    /// which logs one line per request; `warn` leaves the request lines out).
    #[arg(long)]
    server_log: Option<String>,
    /// Also write the table to this file.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Directory for the SVG charts (`<backend>-requests.svg`, `<backend>-latency.svg`).
    #[arg(long, default_value = "target/bench-charts")]
    charts: PathBuf,
    #[arg(long, default_value_t = 1000)]
    users: usize,
    #[arg(long, default_value_t = 10)]
    groups_per_user: usize,
    #[arg(long, default_value_t = 5)]
    programs_per_group: usize,
    /// Do not build `affiliation-api` first when started by `cargo run`.
    #[arg(long)]
    no_build: bool,
    /// The database the servers run on: a new SQLite file, or a new database on the
    /// PostgreSQL server of --postgres-url (dropped at the end).
    #[arg(long, value_enum, default_value_t = Backend::Sqlite)]
    backend: Backend,
    /// With --backend postgres: a database URL on the server to use (the bench creates
    /// its own database there).
    #[arg(long, env = "AFFILIATION_BENCH_POSTGRES_URL", default_value = crate::pg::DEFAULT_URL)]
    postgres_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Pass {
    Limit,
    GetJson,
    GetApi,
    GetJsv,
    Link,
    Put,
    Store,
    TwoNodes,
    Paced,
}

impl Pass {
    const LOOP: [Pass; 8] = [
        Pass::Limit,
        Pass::GetJson,
        Pass::GetApi,
        Pass::GetJsv,
        Pass::Link,
        Pass::Put,
        Pass::Store,
        Pass::TwoNodes,
    ];

    fn name(self) -> &'static str {
        match self {
            Pass::Limit => "limit",
            Pass::GetJson => "get-json",
            Pass::GetApi => "get-api",
            Pass::GetJsv => "get-jsv",
            Pass::Link => "link",
            Pass::Put => "put",
            Pass::Store => "store",
            Pass::TwoNodes => "two-nodes",
            Pass::Paced => "paced",
        }
    }
}

#[derive(Clone, Debug, Default)]
struct Sample {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_cores: Option<f64>,
    client_cores: f64,
    /// Cores busy in other processes meanwhile (other agents' builds, ...).
    other_cores: Option<f64>,
    errors: u64,
    first_error: Option<String>,
    /// The two-node pass: from a write's answer on node A to its first read on B.
    staleness: Option<Staleness>,
}

#[derive(Clone, Debug, Default)]
struct Staleness {
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    probes: u64,
}

pub fn main() -> ExitCode {
    let mut args = Args::parse();
    if args.quick {
        args.duration = 1.0;
        args.runs = 1;
    }
    if args.runs == 0 || args.connections == 0 || args.duration <= 0.0 {
        eprintln!("bench: --runs, --connections and --duration must be positive");
        return ExitCode::FAILURE;
    }
    let runtime = if args.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.client_threads)
            .enable_all()
            .build()
    }
    .expect("runtime");
    match runtime.block_on(bench(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// A binary built beside this one: the limit server next to it (target/release/examples),
/// the server one level up (target/release).
fn sibling(name: &str) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let here = exe.with_file_name(name);
    if here.exists() {
        return Ok(here);
    }
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .unwrap_or(Path::new("."));
    Ok(dir.join(name))
}

/// Under `cargo run`, build the server with the same profile first.
fn build_server(args: &Args) -> Result<(), String> {
    let Some(cargo) = std::env::var_os("CARGO") else {
        return Ok(());
    };
    if args.no_build || args.server_bin.is_some() {
        return Ok(());
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let release = exe.components().any(|c| c.as_os_str() == "release");
    let mut command = Command::new(cargo);
    command.args(["build", "-p", "affiliation-api"]);
    if release {
        command.arg("--release");
    }
    eprintln!("building: {command:?}");
    let status = command.status().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err("building affiliation-api failed".into());
    }
    Ok(())
}

/// The commit of the source tree the server was built from, and whether it had
/// uncommitted changes (when run from a git checkout).
fn source_version() -> String {
    let git = |args: &[&str]| {
        // The workspace this bench was built from.
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        Command::new("git")
            .arg("-C")
            .arg(root)
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(commit) => {
            let dirty = git(&[
                "status",
                "--porcelain",
                "--",
                "crates",
                "Cargo.toml",
                "Cargo.lock",
                "catalog",
            ])
            .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("source: commit {commit} with uncommitted changes")
            } else {
                format!("source: commit {commit}")
            }
        }
        None => "source: not a git checkout".into(),
    }
}

fn log(message: impl AsRef<str>) {
    eprintln!("[bench] {}", message.as_ref());
}

async fn bench(args: Args) -> Result<(), String> {
    let binaries = locate_binaries(&args)?;
    let machine = procs::machine();
    let load_before = procs::load_average();
    let started_at = time::OffsetDateTime::now_utc();
    let server_source = match &args.server_bin {
        Some(path) => format!("server binary {}", path.display()),
        None => source_version(),
    };
    log(format!(
        "{} cores, {}, {}; load average {load_before}",
        machine.cores, machine.cpu, machine.kernel
    ));
    // Held to the end: dropping it removes the database under the running server.
    let (dir, _keep_or_remove) = make_work_dir(&args)?;
    let pg = match args.backend {
        Backend::Postgres => Some(crate::pg::BenchDatabase::create(&args.postgres_url).await?),
        Backend::Sqlite => None,
    };
    let outcome = bench_on(
        &args,
        &binaries,
        &machine,
        load_before,
        started_at,
        server_source,
        &dir,
        pg.as_ref().map(|d| d.url.as_str()),
    )
    .await;
    if let Some(pg) = pg {
        if let Err(e) = pg.drop_database().await {
            log(format!("could not drop the bench database: {e}"));
        }
    }
    outcome
}

#[allow(clippy::too_many_arguments)]
async fn bench_on(
    args: &Args,
    binaries: &Binaries,
    machine: &procs::Machine,
    load_before: String,
    started_at: time::OffsetDateTime,
    server_source: String,
    dir: &Path,
    pg_url: Option<&str>,
) -> Result<(), String> {
    let args = args.clone();
    let dir = dir.to_path_buf();
    let data = generate_and_import(&args, &dir, &binaries.server, pg_url)?;
    let (mut server, idle_rss) = start_server(&args, &binaries.server, &data.database)?;
    let requests = Requests::new(&data.dataset, server.address);
    let (limit, response_bytes) =
        start_limit_server(&binaries.limit, &dir, &server, &requests).await?;

    let passes = passes_to_run(&args);
    check_passes(&passes, &requests, &server, &limit).await?;
    let second = match passes.contains(&Pass::TwoNodes) {
        true => Some(start_server(&args, &binaries.server, &data.database)?.0),
        false => None,
    };
    let nodes = Nodes {
        a: &mut server,
        b: second.as_ref(),
        limit: &limit,
    };
    let mut samples = run_measured_passes(&args, &passes, &dir, pg_url, &requests, nodes).await?;
    drop(second);
    let paced_rate = if passes.contains(&Pass::Paced) {
        Some(run_paced_passes(&args, &requests, &server, &mut samples).await?)
    } else {
        None
    };

    let memory = read_memory(&server, &limit);
    if !server.alive() {
        return Err(format!("the server stopped:\n{}", server.tail()));
    }
    let load_after = procs::load_average();
    drop(limit);
    drop(server);

    let table = Table {
        args: &args,
        server_source,
        machine,
        started_at,
        load_before,
        load_after,
        dataset: &data.dataset,
        generated_in: data.generated_in,
        imported_in: data.imported_in,
        response_bytes,
        samples: &samples,
        paced_rate,
        peak_rss: memory.peak_rss,
        rss_parts: memory.rss_parts,
        idle_rss,
        limit_rss: memory.limit_rss,
    };
    let rendered = table.render();
    let backend = table.backend_name();
    let title = format!(
        "{backend}, {} cores, commit {}",
        machine.cores,
        table.commit()
    );
    match crate::charts::write(&args.charts, backend, &title, &table.bars()) {
        Ok(paths) => log(format!("charts: {paths:?}")),
        Err(e) => log(format!("charts not written: {e}")),
    }
    write_table(&rendered, args.output.as_deref())
}

/// The servers a pass may load: the server, a second node on its database, the limit.
struct Nodes<'a> {
    a: &'a mut Process,
    b: Option<&'a Process>,
    limit: &'a Process,
}

struct Binaries {
    server: PathBuf,
    limit: PathBuf,
}

fn locate_binaries(args: &Args) -> Result<Binaries, String> {
    build_server(args)?;
    let server = match &args.server_bin {
        Some(path) => path.clone(),
        None => sibling("affiliation-api")?,
    };
    let limit = match &args.limit_bin {
        Some(path) => path.clone(),
        None => sibling("limit-server")?,
    };
    for bin in [&server, &limit] {
        if !bin.exists() {
            return Err(format!(
                "{} not found: run scripts/bench (it builds affiliation-api and bench in release mode)",
                bin.display()
            ));
        }
    }
    let release = server.to_string_lossy().contains("/release/");
    if !release {
        log("WARNING: the server binary is not a release build; figures will be low");
    }
    Ok(Binaries { server, limit })
}

/// A new directory for the database, the dump and the limit's body. The second value
/// removes it when dropped; `None` when --keep asks to leave it for inspection.
fn make_work_dir(args: &Args) -> Result<(PathBuf, Option<tempfile::TempDir>), String> {
    let parent = args.dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    let tempdir = tempfile::Builder::new()
        .prefix("affiliation-bench-")
        .tempdir_in(&parent)
        .map_err(|e| format!("temporary directory in {}: {e}", parent.display()))?;
    let dir = tempdir.path().to_path_buf();
    if args.keep {
        log(format!("keeping {}", dir.display()));
        let _ = tempdir.keep();
        Ok((dir, None))
    } else {
        Ok((dir, Some(tempdir)))
    }
}

/// The data set, loaded into a new database the way an operator would: as an export
/// through `affiliation-api import`.
struct Imported {
    dataset: data::Dataset,
    database: String,
    generated_in: Duration,
    imported_in: Duration,
}

fn generate_and_import(
    args: &Args,
    dir: &Path,
    server_bin: &Path,
    pg_url: Option<&str>,
) -> Result<Imported, String> {
    let clock = Instant::now();
    let (dataset, dump) =
        data::generate(args.users, args.groups_per_user, args.programs_per_group)?;
    let generated_in = clock.elapsed();
    let dump_path = dir.join("dump.jsonl");
    std::fs::write(&dump_path, &dump).map_err(|e| format!("{}: {e}", dump_path.display()))?;
    log(format!(
        "data: {} users, {} groups, {} group token sets; dump {:.1} MiB written in {:.2} s",
        dataset.users.len(),
        dataset.groups.len(),
        dataset.token_sets,
        dump.len() as f64 / 1048576.0,
        generated_in.as_secs_f64()
    ));
    // Megabytes the passes do not need.
    drop(dump);
    let database = match pg_url {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", dir.join("bench.db").display()),
    };
    let imported_in = import(server_bin, &dump_path, &database)?;
    Ok(Imported {
        dataset,
        database,
        generated_in,
        imported_in,
    })
}

fn import(server_bin: &Path, dump_path: &Path, database: &str) -> Result<Duration, String> {
    let clock = Instant::now();
    let output = Command::new(server_bin)
        .arg("import")
        .arg(dump_path)
        .args(["--database", database])
        .env("RUST_LOG", "warn")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", server_bin.display()))?;
    let imported_in = clock.elapsed();
    if !output.status.success() {
        return Err(format!(
            "import failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    log(format!(
        "import: {} in {:.2} s",
        String::from_utf8_lossy(&output.stdout).trim(),
        imported_in.as_secs_f64()
    ));
    Ok(imported_in)
}

/// The server on the imported database, and its resident set before any load.
fn start_server(args: &Args, server_bin: &Path, database: &str) -> Result<(Process, u64), String> {
    let mut command = Command::new(server_bin);
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
        .env_remove("RUST_LOG")
        .env_remove("AFFILIATION_LOG_FORMAT");
    if let Some(filter) = &args.server_log {
        // The address is announced at info level by the affiliation_api target.
        let filter = if filter.contains("affiliation_api") {
            filter.clone()
        } else {
            format!("{filter},affiliation_api=info")
        };
        command.env("RUST_LOG", filter);
    }
    let server = Process::start(command, Announces::Stderr)?;
    let idle_rss = procs::status_bytes(server.pid(), "VmRSS").unwrap_or(0);
    log(format!(
        "server pid {} on {} (RSS {:.1} MiB idle)",
        server.pid(),
        server.address,
        idle_rss as f64 / 1048576.0
    ));
    Ok((server, idle_rss))
}

/// The limit server, answering the server's real answer of GET group tokens (body and
/// headers), so the two differ only in the work behind the bytes. Returns it and the
/// answer's length.
async fn start_limit_server(
    limit_bin: &Path,
    dir: &Path,
    server: &Process,
    requests: &Requests,
) -> Result<(Process, usize), String> {
    let reference = requests.get_group(Pass::GetJson, 0);
    let (status, headers, body) = load::fetch(server.address, reference).await?;
    if !status.is_success() {
        return Err(format!(
            "GET group tokens answered {status}: {}",
            String::from_utf8_lossy(&body)
        ));
    }
    let body_path = dir.join("limit-body");
    std::fs::write(&body_path, &body).map_err(|e| e.to_string())?;
    let mut command = Command::new(limit_bin);
    command.arg("--body").arg(&body_path);
    let mut copied = Vec::new();
    for (name, value) in &headers {
        // Per-answer or framing headers: hyper writes its own.
        if matches!(
            name.as_str(),
            "date" | "content-length" | "connection" | "transfer-encoding"
        ) {
            continue;
        }
        let line = format!("{name}: {}", value.to_str().unwrap_or_default());
        command.arg("--header").arg(&line);
        copied.push(line);
    }
    log(format!(
        "reference answer: {} bytes, headers {copied:?}",
        body.len()
    ));
    Ok((Process::start(command, Announces::Stdout)?, body.len()))
}

fn passes_to_run(args: &Args) -> Vec<Pass> {
    if args.only.is_empty() {
        let mut all = Pass::LOOP.to_vec();
        all.push(Pass::Paced);
        all
    } else {
        args.only.clone()
    }
}

/// Where a pass sends its load, and whose CPU time it reads.
fn target(pass: Pass, server: &Process, limit: &Process) -> (std::net::SocketAddr, u32) {
    if pass == Pass::Limit {
        (limit.address, limit.pid())
    } else {
        (server.address, server.pid())
    }
}

/// Every pass answers 2xx before it is measured: a pass of fast errors would
/// otherwise pass for a fast server.
async fn check_passes(
    passes: &[Pass],
    requests: &Requests,
    server: &Process,
    limit: &Process,
) -> Result<(), String> {
    // The store pass sends no HTTP; the two-node pass is GETs and PUTs, checked already.
    for pass in passes
        .iter()
        .copied()
        .filter(|p| !matches!(p, Pass::Store | Pass::TwoNodes))
    {
        let (address, _) = target(pass, server, limit);
        let make = requests.make(pass, 1);
        let request = make(0, 0, &mut rand::rngs::SmallRng::seed_from_u64(7));
        let (status, _, body) = load::fetch(address, request).await?;
        if !status.is_success() {
            return Err(format!(
                "{}: answered {status}: {}",
                pass.name(),
                String::from_utf8_lossy(&body)
            ));
        }
        if matches!(pass, Pass::Link | Pass::Put | Pass::GetJsv) {
            let text = String::from_utf8_lossy(&body);
            log(format!(
                "{} answers: {}",
                pass.name(),
                text.chars().take(240).collect::<String>()
            ));
        }
        if pass == Pass::Limit {
            let (_, _, real) =
                load::fetch(server.address, requests.get_group(Pass::GetJson, 0)).await?;
            if body.len() != real.len() {
                log("note: the limit's answer and the real answer differ in length");
            }
        }
    }
    Ok(())
}

/// Reads every group once, in the request `pass` sends, on each node: the pass then
/// measures a server in its steady state (answers and link tokens kept) rather than
/// the reads that follow the previous run's writes, which forget nearly every group.
async fn warm_up(
    args: &Args,
    requests: &Requests,
    pass: Pass,
    nodes: &[std::net::SocketAddr],
) -> Result<(), String> {
    let shape = match pass {
        Pass::GetJson | Pass::GetApi | Pass::GetJsv | Pass::Link => pass,
        Pass::TwoNodes | Pass::Paced => Pass::GetJson,
        // The limit keeps nothing; writes read nothing kept.
        Pass::Limit | Pass::Put | Pass::Store => return Ok(()),
    };
    let clock = Instant::now();
    let per_connection = requests.groups.len().div_ceil(args.connections) as u64;
    for &address in nodes {
        let (host, groups, connections) = (
            requests.host.clone(),
            requests.groups.clone(),
            args.connections,
        );
        let make: MakeRequest = Arc::new(move |connection, counter, _rng| {
            let index = (counter as usize * connections + connection) % groups.len();
            build_get(shape, &host, &groups[index], counter)
        });
        let load = Load {
            addresses: vec![address],
            connections: args.connections,
            duration: Duration::from_secs(120),
            rate: None,
            make,
        };
        load::run_requests(load, per_connection).await?;
    }
    log(format!(
        "warm-up for {}: every group read once on {} node(s) in {:.2} s",
        pass.name(),
        nodes.len(),
        clock.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// The closed-loop passes: each run runs every chosen pass once, in `Pass::LOOP` order.
async fn run_measured_passes(
    args: &Args,
    passes: &[Pass],
    dir: &Path,
    pg_url: Option<&str>,
    requests: &Requests,
    nodes: Nodes<'_>,
) -> Result<Vec<(Pass, Sample)>, String> {
    let Nodes {
        a: server,
        b: second,
        limit,
    } = nodes;
    let duration = Duration::from_secs_f64(args.duration);
    let store_pool = match (passes.contains(&Pass::Store), pg_url) {
        (false, _) => None,
        (true, Some(url)) => Some(store_limit::prepare_postgres(url).await?),
        (true, None) => Some(store_limit::prepare(dir).await?),
    };
    let mut samples: Vec<(Pass, Sample)> = Vec::new();
    for run in 1..=args.runs {
        for pass in Pass::LOOP.iter().copied().filter(|p| passes.contains(p)) {
            let nodes: Vec<_> = match (pass, second) {
                (Pass::TwoNodes, Some(b)) => vec![server.address, b.address],
                _ => vec![server.address],
            };
            warm_up(args, requests, pass, &nodes).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let sample = match (pass, &store_pool, second) {
                (Pass::Store, Some(pool), _) => {
                    let before = CpuSnapshot::take(&[]);
                    let result = store_limit::run(pool, duration).await?;
                    sample_of(&result, before, CpuSnapshot::take(&[]))
                }
                (Pass::TwoNodes, _, Some(b)) => {
                    measure_two_nodes(args, requests, server, b).await?
                }
                _ => {
                    let (address, pid) = target(pass, server, limit);
                    let load = Load {
                        addresses: vec![address],
                        connections: args.connections,
                        duration,
                        rate: None,
                        make: requests.make(pass, args.connections),
                    };
                    measure(pid, load).await?
                }
            };
            log(format!(
                "run {run}/{} {}  server RSS {}",
                args.runs,
                describe(pass, &sample),
                mib(procs::status_bytes(server.pid(), "VmRSS").unwrap_or(0))
            ));
            samples.push((pass, sample));
        }
        if !server.alive() {
            return Err(format!("the server stopped:\n{}", server.tail()));
        }
    }
    Ok(samples)
}

/// GET group tokens at a fraction of its measured peak, on a fixed schedule: latency
/// at a load the server can carry, which a closed loop at full speed cannot show.
/// Adds its samples and returns the rate offered.
async fn run_paced_passes(
    args: &Args,
    requests: &Requests,
    server: &Process,
    samples: &mut Vec<(Pass, Sample)>,
) -> Result<f64, String> {
    let duration = Duration::from_secs_f64(args.duration);
    let get_load = |rate| Load {
        addresses: vec![server.address],
        connections: args.connections,
        duration,
        rate,
        make: requests.make(Pass::GetJson, args.connections),
    };
    let peak = match median(samples_of(samples, Pass::GetJson).map(|s| s.per_second)) {
        Some(peak) => peak,
        // --only left out the GET pass: measure its peak, unreported.
        None => {
            warm_up(args, requests, Pass::GetJson, &[server.address]).await?;
            measure(server.pid(), get_load(None)).await?.per_second
        }
    };
    let rate = peak * args.paced_fraction;
    for run in 1..=args.runs {
        warm_up(args, requests, Pass::Paced, &[server.address]).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let sample = measure(server.pid(), get_load(Some(rate))).await?;
        log(format!(
            "run {run}/{} {} (target {rate:.0}/s)",
            args.runs,
            describe(Pass::Paced, &sample)
        ));
        samples.push((Pass::Paced, sample));
    }
    Ok(rate)
}

struct Memory {
    peak_rss: u64,
    /// The server's resident set at the end, by kind, and its thread count.
    rss_parts: String,
    limit_rss: u64,
}

fn read_memory(server: &Process, limit: &Process) -> Memory {
    let server_pid = server.pid();
    let peak_rss = procs::status_bytes(server_pid, "VmHWM").unwrap_or(0);
    // What the resident set is made of at the end: heap and stacks, mapped files
    // (the binary, libraries), shared memory (SQLite's WAL index, -shm).
    let rss_parts = ["RssAnon", "RssFile", "RssShmem"]
        .iter()
        .map(|f| {
            format!(
                "{f} {}",
                mib(procs::status_bytes(server_pid, f).unwrap_or(0))
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let threads = std::fs::read_to_string(format!("/proc/{server_pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .map(|t| t.trim().to_string())
        })
        .unwrap_or_default();
    Memory {
        peak_rss,
        rss_parts: format!("{rss_parts}; {threads} threads"),
        limit_rss: procs::status_bytes(limit.pid(), "VmHWM").unwrap_or(0),
    }
}

fn write_table(table: &str, output: Option<&Path>) -> Result<(), String> {
    println!("{table}");
    if let Some(path) = output {
        std::fs::write(path, table).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

async fn measure(pid: u32, load: Load) -> Result<Sample, String> {
    let before = CpuSnapshot::take(&[pid]);
    let result = load::run(load).await?;
    Ok(sample_of(&result, before, CpuSnapshot::take(&[pid])))
}

/// Two nodes on one database: GET group tokens split between them (connection i on
/// node i mod 2), while a probe writes a new tag into one group on node A and, from
/// the moment A answers, reads the group on node B until the tag is there.
async fn measure_two_nodes(
    args: &Args,
    requests: &Requests,
    a: &Process,
    b: &Process,
) -> Result<Sample, String> {
    let duration = Duration::from_secs_f64(args.duration);
    let load = Load {
        addresses: vec![a.address, b.address],
        connections: args.connections,
        duration,
        rate: None,
        make: requests.make(Pass::GetJson, args.connections),
    };
    let pids = [a.pid(), b.pid()];
    // The probe runs on a thread and runtime of its own, so its reads do not queue
    // behind the load's: the delay is the servers', not the generator's.
    let probe = requests.probe();
    let (a_address, b_address) = (a.address, b.address);
    let probe = tokio::task::spawn_blocking(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(probe_staleness(probe, a_address, b_address, duration))
    });
    let before = CpuSnapshot::take(&pids);
    let result = load::run(load).await?;
    let after = CpuSnapshot::take(&pids);
    let staleness = probe.await.map_err(|e| format!("probe: {e}"))??;
    let mut sample = sample_of(&result, before, after);
    sample.staleness = Some(Staleness {
        p50_ms: staleness.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: staleness.value_at_quantile(0.99) as f64 / 1000.0,
        max_ms: staleness.max() as f64 / 1000.0,
        probes: staleness.len(),
    });
    Ok(sample)
}

/// Write on A, then read on B until the write shows: each delay from A's answer to
/// the first answer of B that holds it, in microseconds.
async fn probe_staleness(
    probe: Probe,
    a: std::net::SocketAddr,
    b: std::net::SocketAddr,
    duration: Duration,
) -> Result<hdrhistogram::Histogram<u64>, String> {
    let (mut writer, mut reader) = (load::connect(a).await?, load::connect(b).await?);
    let mut delays = load::histogram();
    let end = Instant::now() + duration;
    let mut round = 0u64;
    while Instant::now() < end {
        round += 1;
        let tag = format!("probe{round}-20");
        load::send(&mut writer, probe.put(&tag)).await?;
        let acknowledged = Instant::now();
        loop {
            let body = load::send(&mut reader, probe.get()).await?;
            if String::from_utf8_lossy(&body).contains(&tag) {
                break;
            }
            if acknowledged.elapsed() > Duration::from_secs(10) {
                return Err(format!("node B never showed the write of round {round}"));
            }
        }
        delays.saturating_record(acknowledged.elapsed().as_micros().max(1) as u64);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(delays)
}

/// CPU seconds used so far by the server under load, this process and the machine.
struct CpuSnapshot {
    at: Instant,
    /// All the measured servers together.
    server: Option<f64>,
    client: f64,
    machine: Option<f64>,
}

impl CpuSnapshot {
    fn take(server_pids: &[u32]) -> CpuSnapshot {
        let servers: Option<Vec<f64>> = server_pids
            .iter()
            .map(|pid| procs::cpu_seconds(&pid.to_string()))
            .collect();
        CpuSnapshot {
            at: Instant::now(),
            server: servers.filter(|s| !s.is_empty()).map(|s| s.iter().sum()),
            client: procs::cpu_seconds("self").unwrap_or(0.0),
            machine: procs::machine_busy_seconds(),
        }
    }
}

fn sample_of(result: &PassResult, before: CpuSnapshot, after: CpuSnapshot) -> Sample {
    let seconds = after.at.duration_since(before.at).as_secs_f64().max(1e-9);
    let server = match (before.server, after.server) {
        (Some(b), Some(a)) => Some((a - b) / seconds),
        _ => None,
    };
    let client = (after.client - before.client) / seconds;
    let other = match (before.machine, after.machine) {
        (Some(b), Some(a)) => Some(((a - b) / seconds - client - server.unwrap_or(0.0)).max(0.0)),
        _ => None,
    };
    Sample {
        per_second: result.per_second(),
        p50_ms: result.quantile_ms(0.5),
        p99_ms: result.quantile_ms(0.99),
        server_cores: server,
        client_cores: client,
        other_cores: other,
        errors: result.errors,
        first_error: result.first_error.clone(),
        staleness: None,
    }
}

fn describe(pass: Pass, s: &Sample) -> String {
    let mut text = format!(
        "{:<9} {:>9.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  generator {:.2} cores",
        pass.name(),
        s.per_second,
        s.p50_ms,
        s.p99_ms,
        s.client_cores
    );
    if let Some(server) = s.server_cores {
        let _ = write!(text, "  server {server:.2} cores");
    }
    if let Some(other) = s.other_cores {
        let _ = write!(text, "  others {other:.2} cores");
    }
    if let Some(st) = &s.staleness {
        let _ = write!(
            text,
            "  staleness p50 {:.2} ms p99 {:.2} ms max {:.2} ms ({} probes)",
            st.p50_ms, st.p99_ms, st.max_ms, st.probes
        );
    }
    if s.errors > 0 {
        let _ = write!(
            text,
            "  ERRORS {} (first: {})",
            s.errors,
            s.first_error.as_deref().unwrap_or("?")
        );
    }
    text
}

/// The requests of each pass, spread over the data set: a random group per request
/// (with its owner's key), or for PUT a random token set among the connection's own
/// groups.
struct Requests {
    host: HeaderValue,
    groups: Arc<Vec<GroupRequests>>,
}

struct GroupRequests {
    id: i64,
    bearer: HeaderValue,
    tokens: Vec<String>,
}

const AMAZON_PRODUCTS: &str = "https://www.amazon.com/dp/B0";

impl Requests {
    fn new(dataset: &data::Dataset, address: std::net::SocketAddr) -> Requests {
        let groups = dataset
            .groups
            .iter()
            .map(|g| GroupRequests {
                id: g.id,
                bearer: HeaderValue::from_str(&format!(
                    "Bearer {}",
                    dataset.users[g.owner].api_key
                ))
                .expect("header value"),
                tokens: g.tokens.clone(),
            })
            .collect();
        Requests {
            host: HeaderValue::from_str(&address.to_string()).expect("host"),
            groups: Arc::new(groups),
        }
    }

    fn probe(&self) -> Probe {
        let group = &self.groups[0];
        Probe {
            group: group.id,
            guid: group.tokens[0].clone(),
            bearer: group.bearer.clone(),
            host: self.host.clone(),
        }
    }

    fn get_group(&self, pass: Pass, index: usize) -> Request<Full<Bytes>> {
        build_get(pass, &self.host, &self.groups[index], 0)
    }

    fn make(&self, pass: Pass, connections: usize) -> MakeRequest {
        let host = self.host.clone();
        let groups = self.groups.clone();
        match pass {
            Pass::Put => Arc::new(move |connection, counter, rng| {
                // Connection c writes only groups c, c + N, c + 2N, ...
                let own = (groups.len() - connection).div_ceil(connections);
                let group = &groups[connection + connections * rng.gen_range(0..own)];
                let guid = &group.tokens[rng.gen_range(0..group.tokens.len())];
                let body = format!(r#"{{"parameters":{{"tag":"c{connection}n{counter}-20"}}}}"#);
                Request::builder()
                    .method(Method::PUT)
                    .uri(format!(
                        "/v4/groups/{}/group-affiliate-tokens/{guid}",
                        group.id
                    ))
                    .header(HOST, host.clone())
                    .header(AUTHORIZATION, group.bearer.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .header(ACCEPT, "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .expect("request")
            }),
            _ => Arc::new(move |_connection, counter, rng| {
                let group = &groups[rng.gen_range(0..groups.len())];
                build_get(pass, &host, group, counter)
            }),
        }
    }
}

/// The two-node pass's probe: one group's first token set, written and read back.
struct Probe {
    group: i64,
    guid: String,
    bearer: HeaderValue,
    host: HeaderValue,
}

impl Probe {
    fn put(&self, tag: &str) -> Request<Full<Bytes>> {
        let body = format!(r#"{{"parameters":{{"tag":"{tag}"}}}}"#);
        Request::builder()
            .method(Method::PUT)
            .uri(format!(
                "/v4/groups/{}/group-affiliate-tokens/{}",
                self.group, self.guid
            ))
            .header(HOST, self.host.clone())
            .header(AUTHORIZATION, self.bearer.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("request")
    }

    fn get(&self) -> Request<Full<Bytes>> {
        Request::builder()
            .method(Method::GET)
            .uri(format!("/v4/groups/{}/group-affiliate-tokens", self.group))
            .header(HOST, self.host.clone())
            .header(AUTHORIZATION, self.bearer.clone())
            .header(ACCEPT, "application/json")
            .body(Full::new(Bytes::new()))
            .expect("request")
    }
}

fn build_get(
    pass: Pass,
    host: &HeaderValue,
    group: &GroupRequests,
    counter: u64,
) -> Request<Full<Bytes>> {
    let id = group.id;
    let (uri, accept) = match pass {
        Pass::GetApi => (
            format!("/api/GetGroupAffiliateTokensRequest?groupId={id}"),
            "application/json",
        ),
        Pass::GetJsv => (
            format!("/v4/groups/{id}/group-affiliate-tokens"),
            "text/jsv",
        ),
        Pass::Link => {
            let product = format!("{AMAZON_PRODUCTS}{:08}?th=1", counter % 100_000_000);
            let url: String =
                percent_encoding::utf8_percent_encode(&product, percent_encoding::NON_ALPHANUMERIC)
                    .collect();
            (
                format!("/v4/affiliate-link?url={url}&groupId={id}"),
                "application/json",
            )
        }
        // GET group tokens; the limit server is sent the same request.
        _ => (
            format!("/v4/groups/{id}/group-affiliate-tokens"),
            "application/json",
        ),
    };
    Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(HOST, host.clone())
        .header(AUTHORIZATION, group.bearer.clone())
        .header(ACCEPT, accept)
        .body(Full::new(Bytes::new()))
        .expect("request")
}

fn samples_of(samples: &[(Pass, Sample)], pass: Pass) -> impl Iterator<Item = &Sample> {
    samples
        .iter()
        .filter(move |(p, _)| *p == pass)
        .map(|(_, s)| s)
}

fn median(values: impl Iterator<Item = f64>) -> Option<f64> {
    let mut values: Vec<f64> = values.collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

struct Table<'a> {
    args: &'a Args,
    server_source: String,
    machine: &'a procs::Machine,
    started_at: time::OffsetDateTime,
    load_before: String,
    load_after: String,
    dataset: &'a data::Dataset,
    generated_in: Duration,
    imported_in: Duration,
    response_bytes: usize,
    samples: &'a [(Pass, Sample)],
    paced_rate: Option<f64>,
    peak_rss: u64,
    rss_parts: String,
    idle_rss: u64,
    limit_rss: u64,
}

/// Medians over the runs of one pass.
struct Summary {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_cores: Option<f64>,
    client_cores: f64,
    other_cores: Option<f64>,
    errors: u64,
    runs: Vec<f64>,
    staleness: Option<Staleness>,
}

fn summary(samples: &[(Pass, Sample)], pass: Pass) -> Option<Summary> {
    let of: Vec<&Sample> = samples_of(samples, pass).collect();
    if of.is_empty() {
        return None;
    }
    Some(Summary {
        per_second: median(of.iter().map(|s| s.per_second))?,
        p50_ms: median(of.iter().map(|s| s.p50_ms))?,
        p99_ms: median(of.iter().map(|s| s.p99_ms))?,
        server_cores: median(of.iter().filter_map(|s| s.server_cores)),
        client_cores: median(of.iter().map(|s| s.client_cores))?,
        other_cores: median(of.iter().filter_map(|s| s.other_cores)),
        errors: of.iter().map(|s| s.errors).sum(),
        runs: of.iter().map(|s| s.per_second).collect(),
        staleness: median_staleness(&of),
    })
}

/// The staleness of the run with the median p99.
fn median_staleness(samples: &[&Sample]) -> Option<Staleness> {
    let mut measured: Vec<&Staleness> = samples
        .iter()
        .filter_map(|s| s.staleness.as_ref())
        .collect();
    measured.sort_by(|a, b| a.p99_ms.total_cmp(&b.p99_ms));
    measured.get(measured.len() / 2).map(|s| (*s).clone())
}

fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1048576.0)
}

/// The rows of the table in their order: the limit, then what is compared with it.
const ROWS: [Pass; 9] = [
    Pass::Limit,
    Pass::GetJson,
    Pass::GetApi,
    Pass::GetJsv,
    Pass::Paced,
    Pass::Store,
    Pass::Put,
    Pass::Link,
    Pass::TwoNodes,
];

/// What the ratios of the table are relative to.
struct Bases {
    limit: Option<Summary>,
    store: Option<Summary>,
    get: Option<Summary>,
}

impl Table<'_> {
    fn backend_name(&self) -> &'static str {
        match self.args.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// The commit the figures are of, from the source line.
    fn commit(&self) -> String {
        self.server_source
            .split_whitespace()
            .nth(2)
            .unwrap_or("?")
            .to_string()
    }

    /// Every measured pass, the limit first, for the charts.
    fn bars(&self) -> Vec<crate::charts::Bar> {
        ROWS.iter()
            .filter_map(|pass| {
                summary(self.samples, *pass).map(|s| crate::charts::Bar {
                    label: pass.name(),
                    per_second: s.per_second,
                    p50_ms: s.p50_ms,
                    p99_ms: s.p99_ms,
                })
            })
            .collect()
    }

    fn render(&self) -> String {
        let mut out = String::new();
        self.write_setting(&mut out);
        out.push('\n');
        out.push_str("| measurement | requests/s | runs (req/s) | p50 | p99 | ratio | target | server CPU | bench CPU | others CPU | errors |\n");
        out.push_str("|---|--:|---|--:|--:|--:|---|--:|--:|--:|--:|\n");
        let bases = Bases {
            limit: summary(self.samples, Pass::Limit),
            store: summary(self.samples, Pass::Store),
            get: summary(self.samples, Pass::GetJson),
        };
        for pass in ROWS {
            if let Some(s) = summary(self.samples, pass) {
                self.write_row(&mut out, pass, &s, &bases);
            }
        }
        self.write_memory(&mut out);
        out
    }

    /// The lines above the table: the machine, the data set and the load, since the
    /// figures mean little without them.
    fn write_setting(&self, out: &mut String) {
        let a = self.args;
        let m = self.machine;
        let date = self
            .started_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "Machine: **{} cores**, {}, {}, {}. Load average before/after: {} / {}. Started {date}; {}.",
            m.cores, m.cpu, m.kernel, m.memory, self.load_before, self.load_after, self.server_source
        );
        let _ = writeln!(
            out,
            "Data: {} users, {} groups, {} group token sets (generated in {:.1} s, imported in {:.1} s). \
Load: {} keep-alive connections over loopback from the bench process ({} generator thread{}), \
{} s per pass, median of {} run{}. GET answer: {} bytes.",
            thousands(self.dataset.users.len() as f64),
            thousands(self.dataset.groups.len() as f64),
            thousands(self.dataset.token_sets as f64),
            self.generated_in.as_secs_f64(),
            self.imported_in.as_secs_f64(),
            a.connections,
            a.client_threads.max(1),
            if a.client_threads > 1 { "s" } else { "" },
            a.duration,
            a.runs,
            if a.runs > 1 { "s" } else { "" },
            self.response_bytes
        );
    }

    fn label(&self, pass: Pass) -> String {
        match pass {
            Pass::Limit => "limit: minimal hyper server, same answer bytes, no auth/storage".into(),
            Pass::GetJson => "GET /v4/groups/{id}/group-affiliate-tokens (JSON, Bearer)".into(),
            Pass::GetApi => "GET /api/GetGroupAffiliateTokensRequest?groupId= (JSON)".into(),
            Pass::GetJsv => "GET group tokens in JSV (Accept: text/jsv)".into(),
            Pass::Paced => match self.paced_rate {
                Some(rate) => format!(
                    "GET group tokens paced at {:.0}% of its peak ({}/s offered)",
                    self.args.paced_fraction * 100.0,
                    thousands(rate)
                ),
                None => "GET group tokens paced".into(),
            },
            Pass::Store => match self.args.backend {
                Backend::Sqlite => {
                    "raw store limit: single-row committed transactions (WAL, synchronous=FULL)"
                        .into()
                }
                Backend::Postgres => {
                    "raw store limit: single-row committed transactions on the same PostgreSQL server"
                        .into()
                }
            },
            Pass::TwoNodes => {
                "two nodes on one database: GET group tokens split between them, a write on A read on B"
                    .into()
            }
            Pass::Put => "PUT /v4/groups/{id}/group-affiliate-tokens/{guid} (durable)".into(),
            Pass::Link => "GET /v4/affiliate-link?url=…&groupId=".into(),
        }
    }

    fn write_row(&self, out: &mut String, pass: Pass, s: &Summary, bases: &Bases) {
        let label = self.label(pass);
        let (ratio, target) = ratio_and_target(pass, s, bases, self.args.backend);
        let runs = s
            .runs
            .iter()
            .map(|r| thousands(*r))
            .collect::<Vec<_>>()
            .join(" / ");
        // The store pass runs inside the bench: there is no server to measure.
        let server = match (pass, s.server_cores) {
            (Pass::Store, _) => "—".to_string(),
            (_, Some(c)) => format!("{c:.2}"),
            (_, None) => "?".into(),
        };
        let _ = writeln!(
            out,
            "| {label} | {} | {runs} | {:.2} ms | {:.2} ms | {ratio} | {target} | {server} | {:.2} | {} | {} |",
            thousands(s.per_second),
            s.p50_ms,
            s.p99_ms,
            s.client_cores,
            s.other_cores.map_or("?".into(), |c| format!("{c:.2}")),
            s.errors
        );
    }

    fn write_memory(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "| server peak RSS (VmHWM, whole run) | {} | | | | | {} | | | | |",
            mib(self.peak_rss),
            verdict(Some(self.peak_rss < 64 * 1024 * 1024), "< 64 MiB")
        );
        let _ = writeln!(
            out,
            "\nServer RSS idle after start: {}; at the end: {}. Limit server peak RSS: {}. CPU columns are cores used \
(user + system time / wall time) by the server process (or the limit server on its row) and by the bench \
process (load generator; on the store row, sqlx + the database driver); others CPU is the rest of the \
machine's busy time meanwhile (other processes disturbing the figures; ideally 0.00; on PostgreSQL it \
includes the database server's own processes). The two-node row's server CPU is both nodes together.",
            mib(self.idle_rss),
            self.rss_parts,
            mib(self.limit_rss)
        );
    }
}

/// A row's ratio column and target column: each pass is judged against what bounds
/// it (HTTP alone, the store alone, or its own peak for the paced pass).
fn ratio_and_target(pass: Pass, s: &Summary, bases: &Bases, backend: Backend) -> (String, String) {
    let ratio_to = |base: &Option<Summary>| {
        base.as_ref()
            .map(|b| s.per_second / b.per_second.max(1e-9) * 100.0)
    };
    // The targets of issue 15.
    let (get_target, put_target) = match backend {
        Backend::Sqlite => (60.0, 100.0),
        Backend::Postgres => (50.0, 80.0),
    };
    let (ratio, target) = match pass {
        Pass::Limit | Pass::Store => (Some(100.0), String::new()),
        Pass::GetJson => {
            let r = ratio_to(&bases.limit);
            let target = format!("≥ {get_target:.0}% of limit");
            (r, verdict(r.map(|r| r >= get_target), &target))
        }
        Pass::GetApi | Pass::GetJsv => {
            let of_get = ratio_to(&bases.get);
            let target = match of_get {
                Some(g) => format!("within 10% of the JSON route ({g:.0}% of it)"),
                None => "within 10% of the JSON route".into(),
            };
            (
                ratio_to(&bases.limit),
                verdict(of_get.map(|g| g >= 90.0), &target),
            )
        }
        Pass::Put => {
            let r = ratio_to(&bases.store);
            let target = format!("≥ {put_target:.0}% of raw store");
            (r, verdict(r.map(|r| r >= put_target), &target))
        }
        Pass::Paced => (
            ratio_to(&bases.get),
            verdict(Some(s.p99_ms < 2.0), "p99 < 2 ms"),
        ),
        Pass::Link => {
            let r = ratio_to(&bases.limit);
            (r, verdict(r.map(|r| r >= 40.0), "≥ 40% of limit"))
        }
        Pass::TwoNodes => {
            let target = match &s.staleness {
                Some(st) => format!(
                    "write on A seen on B: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} probes); p99 < 50 ms",
                    st.p50_ms, st.p99_ms, st.max_ms, st.probes
                ),
                None => "p99 < 50 ms".into(),
            };
            let met = s.staleness.as_ref().map(|st| st.p99_ms < 50.0);
            (ratio_to(&bases.limit), verdict(met, &target))
        }
    };
    let ratio = match (pass, ratio) {
        (Pass::Store, _) => "store = 100%".to_string(),
        (Pass::Limit, _) => "limit = 100%".to_string(),
        (Pass::Put, Some(r)) => format!("{r:.0}% of store"),
        (Pass::Paced, Some(r)) => format!("{r:.0}% of GET peak"),
        (_, Some(r)) => format!("{r:.0}% of limit"),
        (_, None) => "—".into(),
    };
    (ratio, target)
}

fn verdict(met: Option<bool>, target: &str) -> String {
    match met {
        Some(true) => format!("{target}: met"),
        Some(false) => format!("{target}: **not met**"),
        None => format!("{target}: ?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_numbers() {
        assert_eq!(median([3.0, 1.0, 2.0].into_iter()), Some(2.0));
        assert_eq!(median([4.0, 1.0].into_iter()), Some(2.5));
        assert_eq!(median(std::iter::empty()), None);
        assert_eq!(thousands(1234567.4), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }
}
