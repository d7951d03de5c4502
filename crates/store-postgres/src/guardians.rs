//! Guardianships on PostgreSQL.
//!
//! `set_guardians` locks the child's resident row (`FOR NO KEY UPDATE`, which the foreign-key
//! checks of other inserts do not wait for), so two replacements of the same child's guardians
//! never interleave.

use std::collections::BTreeSet;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{GuardianStore, Resident, ResidentId, Result, StoreError};
use sqlx::Row;
use uuid::Uuid;

use crate::{
    PostgresStore,
    rows::{self, pg_time, resident_columns},
};

#[async_trait]
impl GuardianStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k, guardians = guardians.len()))]
    async fn set_guardians(
        &self,
        k: &Kommunenummer,
        child: ResidentId,
        guardians: &[ResidentId],
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let known = sqlx::query(
            "SELECT 1 FROM residents WHERE id = $1 AND kommunenummer = $2 FOR NO KEY UPDATE",
        )
        .bind(child.0)
        .bind(k.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if known.is_none() {
            // What the foreign key would say, also when there is nothing to insert.
            return Err(StoreError::Conflict("guardianships_child_fkey".into()));
        }
        let current: BTreeSet<ResidentId> =
            sqlx::query("SELECT guardian_id FROM guardianships WHERE child_id = $1")
                .bind(child.0)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|row| row.try_get::<Uuid, _>("guardian_id").map(ResidentId))
                .collect::<Result<_, _>>()?;
        let wanted: BTreeSet<ResidentId> = guardians.iter().copied().collect();

        for gone in current.difference(&wanted) {
            sqlx::query("DELETE FROM guardianships WHERE guardian_id = $1 AND child_id = $2")
                .bind(gone.0)
                .bind(child.0)
                .execute(&mut *tx)
                .await?;
        }
        for new in wanted.difference(&current) {
            sqlx::query(
                "INSERT INTO guardianships (kommunenummer, guardian_id, child_id, since) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(k.as_str())
            .bind(new.0)
            .bind(child.0)
            .bind(pg_time(now)?)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn children_of(&self, guardian: ResidentId) -> Result<Vec<Resident>> {
        const SQL: &str = concat!(
            "SELECT ",
            resident_columns!(),
            " FROM residents WHERE id IN \
                 (SELECT child_id FROM guardianships WHERE guardian_id = $1) \
             ORDER BY id"
        );
        let rows = sqlx::query(SQL)
            .bind(guardian.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::resident).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn guardians_of(&self, child: ResidentId) -> Result<Vec<Resident>> {
        const SQL: &str = concat!(
            "SELECT ",
            resident_columns!(),
            " FROM residents WHERE id IN \
                 (SELECT guardian_id FROM guardianships WHERE child_id = $1) \
             ORDER BY id"
        );
        let rows = sqlx::query(SQL).bind(child.0).fetch_all(&self.pool).await?;
        rows.iter().map(rows::resident).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn is_guardian(&self, guardian: ResidentId, child: ResidentId) -> Result<bool> {
        let found =
            sqlx::query("SELECT 1 FROM guardianships WHERE guardian_id = $1 AND child_id = $2")
                .bind(guardian.0)
                .bind(child.0)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }
}
