//! MinSide storage on SQLite, the embedded default backend (`sqlite://data/minside.db?mode=rwc`).
//!
//! [`SqliteStore::connect`] creates the database file and its parent directory when missing,
//! turns on WAL journaling, foreign keys and a busy timeout, and applies `migrations/sqlite`.
//! `sqlite::memory:` gives a private in-memory database (one connection) for quick tests.
//!
//! Storage: ids are 16-byte BLOBs, times INTEGER unix microseconds (UTC), JSON as TEXT; see the
//! migration for the schema. Queries are checked at run time (no `DATABASE_URL` at build).
#![forbid(unsafe_code)]

mod audit;
mod caseworkers;
mod corrections;
mod guardians;
mod notices;
mod plans;
mod register;
mod residents;
mod rows;
mod services;
mod sessions;
mod snapshots;
mod statistics;

use std::{str::FromStr, time::Duration};

use async_trait::async_trait;
use minside_store::{Result, Store, StoreError};
use sqlx::{
    ConnectOptions, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// How long a connection waits for a lock held by another connection before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections for a file database (WAL: many readers, one writer at a time).
const MAX_CONNECTIONS: u32 = 8;

/// The SQLite [`Store`]. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating when missing) the database at `url` and applies the migrations.
    ///
    /// `url` is `sqlite://<path>[?mode=rwc|rw|ro]` (a path relative to the working directory) or
    /// `sqlite::memory:`. Without an explicit `mode`, the file is created when missing.
    #[tracing::instrument(skip_all)]
    pub async fn connect(url: &str) -> Result<Self> {
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let mut options = SqliteConnectOptions::from_str(url)?
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT)
            // Bulk loads (the register mirror, notices) are long single statements; their text
            // is thousands of placeholders, so "slow" statements are debug output, not warnings.
            .log_slow_statements(log::LevelFilter::Debug, std::time::Duration::from_secs(1));
        let pool_options = if in_memory {
            // Every connection to `:memory:` would see its own database: keep exactly one.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            if !url.contains("mode=") {
                options = options.create_if_missing(true);
            }
            options = options
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal);
            create_parent_dir(options.get_filename())?;
            SqlitePoolOptions::new().max_connections(MAX_CONNECTIONS)
        };
        let pool = pool_options.connect_with(options).await?;
        sqlx::migrate!("../../migrations/sqlite").run(&pool).await?;
        tracing::debug!(in_memory, "sqlite store ready");
        Ok(SqliteStore { pool })
    }

    /// Wraps an existing pool; the caller is responsible for pragmas and migrations.
    pub fn from_pool(pool: SqlitePool) -> Self {
        SqliteStore { pool }
    }

    /// The connection pool, for maintenance and tests.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn create_parent_dir(path: &std::path::Path) -> Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Backend(format!("cannot create database directory {parent:?}: {e}"))
            })
        }
        _ => Ok(()),
    }
}

#[async_trait]
impl Store for SqliteStore {
    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }
}
