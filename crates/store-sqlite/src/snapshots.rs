//! Last-known-good snapshots on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_store::{LastKnownGoodStore, ResidentId, Result, StoredSnapshot};

use crate::{
    SqliteStore,
    rows::{self, micros},
};

#[async_trait]
impl LastKnownGoodStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(source = %source))]
    async fn load_snapshot(
        &self,
        source: &str,
        resident: ResidentId,
    ) -> Result<Option<StoredSnapshot>> {
        let row = sqlx::query(
            "SELECT sealed, fetched_at FROM snapshots WHERE source = ?1 AND resident_id = ?2",
        )
        .bind(source)
        .bind(resident.0)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(rows::snapshot).transpose()
    }

    #[tracing::instrument(skip_all, fields(source = %source, bytes = snapshot.sealed.len()))]
    async fn save_snapshot(
        &self,
        source: &str,
        resident: ResidentId,
        snapshot: StoredSnapshot,
    ) -> Result<()> {
        // The WHERE makes a late, older snapshot a no-op instead of an overwrite.
        sqlx::query(
            "INSERT INTO snapshots (source, resident_id, sealed, fetched_at) \
             VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (source, resident_id) DO UPDATE SET \
                 sealed = excluded.sealed, fetched_at = excluded.fetched_at \
             WHERE excluded.fetched_at >= snapshots.fetched_at",
        )
        .bind(source)
        .bind(resident.0)
        .bind(&snapshot.sealed)
        .bind(micros(snapshot.fetched_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(source = %source))]
    async fn delete_snapshot(&self, source: &str, resident: ResidentId) -> Result<()> {
        sqlx::query("DELETE FROM snapshots WHERE source = ?1 AND resident_id = ?2")
            .bind(source)
            .bind(resident.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_snapshots_before(&self, cutoff: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM snapshots WHERE fetched_at < ?1")
            .bind(micros(cutoff))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
