//! A fresh PostgreSQL database per bench run, on the server `--postgres-url` names
//! (`AFFILIATION_BENCH_POSTGRES_URL`), dropped at the end, so a run never meets the
//! tests' databases or an earlier run's rows.

use sqlx::{Connection, PgConnection};

pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct BenchDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl BenchDatabase {
    pub async fn create(admin_url: &str) -> Result<BenchDatabase, String> {
        let name = format!(
            "affiliation_bench_{}_{}",
            std::process::id(),
            time::OffsetDateTime::now_utc().unix_timestamp()
        );
        let mut admin = PgConnection::connect(admin_url)
            .await
            .map_err(|e| format!("cannot connect to {admin_url}: {e}"))?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .map_err(|e| format!("cannot create database {name}: {e}"))?;
        let (base, _) = admin_url
            .rsplit_once('/')
            .ok_or_else(|| format!("{admin_url} names no database"))?;
        Ok(BenchDatabase {
            admin_url: admin_url.to_string(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    /// Drops the database (its servers are stopped by then).
    pub async fn drop_database(self) -> Result<(), String> {
        let mut admin = PgConnection::connect(&self.admin_url)
            .await
            .map_err(|e| e.to_string())?;
        sqlx::query(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ))
        .execute(&mut admin)
        .await
        .map_err(|e| e.to_string())?;
        Ok(())
    }
}
