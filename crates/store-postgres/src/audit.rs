//! The audit trail and the access log on PostgreSQL.

use async_trait::async_trait;
use minside_store::{AccessLogEntry, AuditEvent, AuditStore, ResidentId, Result};
use sqlx::types::Json;

use crate::{
    PostgresStore,
    rows::{self, access_columns, pg_time},
};

#[async_trait]
impl AuditStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %e.kommunenummer, action = %e.action))]
    async fn append_audit(&self, e: AuditEvent) -> Result<()> {
        sqlx::query(
            "INSERT INTO audit_log (kommunenummer, at, actor, action, subject_id, detail) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.kommunenummer.as_str())
        .bind(pg_time(e.at)?)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(e.subject.map(|s| s.0))
        .bind(Json(&e.detail))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %e.kommunenummer))]
    async fn append_access(&self, e: AccessLogEntry) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO access_log (",
            access_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(e.kommunenummer.as_str())
        .bind(e.resident_id.0)
        .bind(pg_time(e.at)?)
        .bind(&e.actor_kind)
        .bind(&e.actor_ref)
        .bind(&e.categories)
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
            " FROM access_log WHERE resident_id = $1 ORDER BY at DESC, id DESC LIMIT $2"
        );
        let rows = sqlx::query(SQL)
            .bind(resident.0)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rows::access).collect()
    }
}
