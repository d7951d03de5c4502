//! MinSide storage on PostgreSQL, the production backend (`postgres://...`).
//!
//! [`PostgresStore::connect`] opens a pool and applies `migrations/postgres` (sqlx takes an
//! advisory lock, so several instances may start at once).
//!
//! Storage: ids are `uuid`, times `timestamptz`, hashes `bytea`, audit details `jsonb` and access
//! categories `text[]`; see the migration for the schema. Queries are checked at run time (no
//! `DATABASE_URL` at build). With the `testing` feature, [`testing::fresh_database_url`] gives
//! each test its own database.
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
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use minside_store::{Result, Store};
use sqlx::{PgPool, postgres::PgPoolOptions};

/// Connections per process.
const MAX_CONNECTIONS: u32 = 10;

/// The PostgreSQL [`Store`]. Cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database[?sslmode=...]`) and
    /// applies the migrations.
    #[tracing::instrument(skip_all)]
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect(url)
            .await?;
        sqlx::migrate!("../../migrations/postgres")
            .run(&pool)
            .await?;
        tracing::debug!("postgres store ready");
        Ok(PostgresStore { pool })
    }

    /// Wraps an existing pool; the caller is responsible for migrations.
    pub fn from_pool(pool: PgPool) -> Self {
        PostgresStore { pool }
    }

    /// The connection pool, for maintenance and tests.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

#[async_trait]
impl Store for PostgresStore {
    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}
