//! The audit trail and the access log on SQLite.

use async_trait::async_trait;
use minside_store::{AccessLogEntry, AuditEvent, AuditStore, ResidentId, Result, StoreError};

use crate::{
    SqliteStore,
    rows::{self, access_columns, micros},
};

fn json_text(encoded: serde_json::Result<String>) -> Result<String> {
    encoded.map_err(|e| StoreError::Invalid(format!("not JSON: {e}")))
}

#[async_trait]
impl AuditStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %e.kommunenummer, action = %e.action))]
    async fn append_audit(&self, e: AuditEvent) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (kommunenummer, at, actor, action, subject_id, detail) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .bind(e.kommunenummer.as_str())
        .bind(micros(e.at))
        .bind(&e.actor)
        .bind(&e.action)
        .bind(e.subject.map(|s| s.0))
        .bind(json_text(serde_json::to_string(&e.detail))?)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %e.kommunenummer))]
    async fn append_access(&self, e: AccessLogEntry) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO access_log (",
            access_columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        ))
        .bind(e.kommunenummer.as_str())
        .bind(e.resident_id.0)
        .bind(micros(e.at))
        .bind(&e.actor_kind)
        .bind(&e.actor_ref)
        .bind(json_text(serde_json::to_string(&e.categories))?)
        .bind(&e.purpose)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(limit = limit))]
    async fn list_access(&self, resident: ResidentId, limit: u32) -> Result<Vec<AccessLogEntry>> {
        const SQL: &str = concat!(
            "SELECT ",
            access_columns!(),
            " FROM access_log WHERE resident_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2"
        );
        let rows = sqlx::query(SQL)
            .bind(resident.0)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::access).collect()
    }
}
