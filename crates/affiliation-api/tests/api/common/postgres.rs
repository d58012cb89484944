//! PostgreSQL for tests: each test gets its own database, created on the server named
//! by `AFFILIATION_TEST_POSTGRES_URL` (default: CI's `postgres://postgres@127.0.0.1:5432/test`)
//! and dropped afterwards, so tests run in parallel without seeing each other.

use sqlx::{Connection, PgConnection};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// `AFFILIATION_TEST_BACKEND`: `sqlite` (default) or `postgres`.
pub fn backend_under_test() -> Backend {
    match std::env::var("AFFILIATION_TEST_BACKEND").as_deref() {
        Ok("postgres") | Ok("postgresql") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

/// CI sets `AFFILIATION_REQUIRE_POSTGRES=1`: there a missing server is a failure.
pub fn postgres_required() -> bool {
    std::env::var("AFFILIATION_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

fn admin_url() -> String {
    std::env::var("AFFILIATION_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.into())
}

pub struct TestDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the test's database set-up")
}

impl TestDatabase {
    /// A new empty database, or why there is none.
    pub fn create() -> Result<TestDatabase, String> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let admin_url = admin_url();
        let name = format!(
            "affiliation_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand_suffix()
        );
        runtime().block_on(async {
            let mut conn = PgConnection::connect(&admin_url)
                .await
                .map_err(|e| format!("cannot connect to {admin_url}: {e}"))?;
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .map_err(|e| format!("cannot create database {name}: {e}"))?;
            Ok::<_, String>(())
        })?;
        let (base, _) = admin_url
            .rsplit_once('/')
            .ok_or_else(|| format!("{admin_url} names no database"))?;
        let url = format!("{base}/{name}");
        Ok(TestDatabase {
            name,
            url,
            admin_url,
        })
    }

    /// For PostgreSQL-only tests: a database, or `None` after saying visibly why the
    /// test is skipped. With `AFFILIATION_REQUIRE_POSTGRES=1` a missing server fails.
    pub fn create_or_skip(test: &str) -> Option<TestDatabase> {
        match TestDatabase::create() {
            Ok(database) => Some(database),
            Err(reason) if !postgres_required() => {
                // Straight to the process's stderr: libtest would hide eprintln! of a passing test.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED {test}: PostgreSQL not reachable ({reason}); set AFFILIATION_REQUIRE_POSTGRES=1 to make this a failure"
                );
                None
            }
            Err(reason) => {
                panic!("PostgreSQL is required (AFFILIATION_REQUIRE_POSTGRES=1): {reason}")
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = runtime().block_on(async move {
            let mut conn = PgConnection::connect(&admin_url).await?;
            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await
        });
    }
}

fn rand_suffix() -> u32 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    nanos % 1_000_000
}
