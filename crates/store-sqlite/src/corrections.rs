//! Corrections on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_store::{
    Correction, CorrectionId, CorrectionStatus, CorrectionStore, NewCorrection, ResidentId, Result,
    StoreError,
};

use crate::{
    SqliteStore,
    rows::{self, correction_columns, micros},
};

#[async_trait]
impl CorrectionStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %c.kommunenummer, source = %c.source))]
    async fn create_correction(&self, c: NewCorrection) -> Result<Correction> {
        const SQL: &str = concat!(
            "INSERT INTO corrections (id, kommunenummer, resident_id, source, category, \
                 record_id, field_key, message, reported_by, status, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING ",
            correction_columns!()
        );
        let row = sqlx::query(SQL)
            .bind(CorrectionId::new_v7().0)
            .bind(c.kommunenummer.as_str())
            .bind(c.resident_id.0)
            .bind(&c.source)
            .bind(&c.category)
            .bind(&c.record_id)
            .bind(&c.field_key)
            .bind(&c.message)
            .bind(&c.reported_by)
            .bind(CorrectionStatus::Received.as_str())
            .bind(micros(c.created_at))
            .fetch_one(&self.pool)
            .await?;
        rows::correction(&row)
    }

    #[tracing::instrument(skip_all)]
    async fn list_corrections(&self, resident: ResidentId) -> Result<Vec<Correction>> {
        const SQL: &str = concat!(
            "SELECT ",
            correction_columns!(),
            " FROM corrections WHERE resident_id = ?1 ORDER BY created_at DESC, id DESC"
        );
        let rows = sqlx::query(SQL)
            .bind(resident.0)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::correction).collect()
    }

    #[tracing::instrument(skip_all)]
    async fn get_correction(&self, id: CorrectionId) -> Result<Correction> {
        const SQL: &str = concat!(
            "SELECT ",
            correction_columns!(),
            " FROM corrections WHERE id = ?1"
        );
        let row = sqlx::query(SQL).bind(id.0).fetch_one(&self.pool).await?;
        rows::correction(&row)
    }

    #[tracing::instrument(skip_all, fields(status = %status))]
    async fn set_correction_status(
        &self,
        id: CorrectionId,
        status: CorrectionStatus,
        note: Option<&str>,
        now: Timestamp,
    ) -> Result<Correction> {
        const SQL: &str = concat!(
            "UPDATE corrections SET status = ?2, status_note = ?3, updated_at = ?4 \
             WHERE id = ?1 RETURNING ",
            correction_columns!()
        );
        let row = sqlx::query(SQL)
            .bind(id.0)
            .bind(status.as_str())
            .bind(note)
            .bind(micros(now))
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        rows::correction(&row)
    }
}
