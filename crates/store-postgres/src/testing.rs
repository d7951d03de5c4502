//! A fresh PostgreSQL database per test (feature `testing`).
//!
//! The server comes from `MINSIDE_TEST_POSTGRES_URL` (an admin URL such as
//! `postgres://postgres@127.0.0.1:5432/postgres`, or with a socket directory as the host,
//! `postgres://postgres@%2Ftmp%2Fpg/postgres`). Without it:
//! - under `CI=true` the test fails: a missing PostgreSQL is a failure in CI, never a skip;
//! - otherwise `scripts/pg-test-cluster.sh start` starts (or reuses) a throwaway local cluster.
//!   It keeps running between test runs; `scripts/pg-test-cluster.sh stop` removes it. On that
//!   cluster, test databases older than an hour are dropped once per test process.
//!
//! Safe under `cargo nextest` (one process per test): the script serialises its callers with
//! `flock`, and every call creates its own uniquely named database.

use std::{
    path::PathBuf,
    sync::atomic::{AtomicBool, Ordering},
};

use sqlx::{AssertSqlSafe, Connection, PgConnection};
use tokio::sync::OnceCell;
use uuid::Uuid;

/// Where the admin URL comes from.
pub const ENV_URL: &str = "MINSIDE_TEST_POSTGRES_URL";
/// Prefix of every test database's name; the rest is a UUIDv7 (which carries its creation time).
const DATABASE_PREFIX: &str = "minside_test_";
/// Test databases older than this are dropped from the script-managed cluster.
const STALE_AFTER_SECS: u64 = 3_600;

/// The admin URL, and whether the cluster is ours (started by the script).
static SERVER: OnceCell<(String, bool)> = OnceCell::const_new();
static CLEANED: AtomicBool = AtomicBool::new(false);

/// Creates a new, empty database and returns its URL. Panics when no PostgreSQL is available
/// (see the module docs), since a test that needs one cannot run without it.
pub async fn fresh_database_url() -> String {
    let (admin_url, ours) = SERVER.get_or_init(server).await;
    let mut admin = PgConnection::connect(admin_url).await.unwrap_or_else(|e| {
        panic!(
            "cannot connect to the test PostgreSQL ({}): {e}",
            describe(*ours)
        )
    });
    if *ours && !CLEANED.swap(true, Ordering::SeqCst) {
        drop_stale_databases(&mut admin).await;
    }
    let name = format!("{DATABASE_PREFIX}{}", Uuid::now_v7().simple());
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    // Dropping the connection without `close` is fine for a test helper, but be tidy.
    let _ = admin.close().await;
    database_url(admin_url, &name)
}

fn describe(ours: bool) -> &'static str {
    if ours {
        "the cluster from scripts/pg-test-cluster.sh"
    } else {
        ENV_URL
    }
}

async fn server() -> (String, bool) {
    if let Ok(url) = std::env::var(ENV_URL)
        && !url.trim().is_empty()
    {
        return (url.trim().to_owned(), false);
    }
    let ci = std::env::var("CI").unwrap_or_default();
    if ci.eq_ignore_ascii_case("true") || ci == "1" {
        panic!(
            "{ENV_URL} is not set. Under CI a missing PostgreSQL is a failure, never a skip: \
             start one (e.g. `scripts/pg-test-cluster.sh start`) and export its admin URL as \
             {ENV_URL}."
        );
    }
    (start_local_cluster().await, true)
}

/// Runs `scripts/pg-test-cluster.sh start`, which prints the admin URL of a live cluster.
async fn start_local_cluster() -> String {
    let script: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "scripts",
        "pg-test-cluster.sh",
    ]
    .iter()
    .collect();
    let output = tokio::process::Command::new("bash")
        .arg(&script)
        .arg("start")
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} start failed ({}); set {ENV_URL} to use another server.\n{stderr}",
        script.display(),
        output.status,
    );
    let url = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(
        url.starts_with("postgres"),
        "unexpected output from {}: {url:?}",
        script.display()
    );
    url
}

/// The admin URL with its database replaced by `name` (query parameters kept).
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = url::Url::parse(admin_url)
        .unwrap_or_else(|e| panic!("{ENV_URL} must be a postgres:// URL: {e}"));
    url.set_path(&format!("/{name}"));
    url.into()
}

/// Drops test databases left behind by earlier runs (older than an hour) on our own cluster.
/// Failures are ignored: a database still in use is simply kept.
async fn drop_stale_databases(admin: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'minside\\_test\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for name in names {
        let created = name
            .strip_prefix(DATABASE_PREFIX)
            .and_then(|id| Uuid::parse_str(id).ok())
            .and_then(|id| id.get_timestamp())
            .map(|ts| ts.to_unix().0);
        if created.is_some_and(|secs| now.saturating_sub(secs) > STALE_AFTER_SECS) {
            let _ = sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{name}\"")))
                .execute(&mut *admin)
                .await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_url_replaces_only_the_database() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            database_url(
                "postgres://u:p@%2Ftmp%2Fpg:5433/postgres?sslmode=disable",
                "t2"
            ),
            "postgres://u:p@%2Ftmp%2Fpg:5433/t2?sslmode=disable"
        );
        assert_eq!(
            database_url("postgres://localhost", "t3"),
            "postgres://localhost/t3"
        );
    }
}
