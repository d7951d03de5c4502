//! The audit trail and the hash-chained access log on SQLite.
//!
//! Appends run in a `BEGIN IMMEDIATE` transaction: it takes the database's write lock before the
//! chain heads are read, so no other connection or process can extend a chain in between.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_store::{
    AccessLogEntry, AuditEvent, AuditStore, ChainVerdict, ResidentId, Result, StoreError,
    access_chain::{self, ChainHead},
};
use sqlx::Row;

use crate::{
    SqliteStore,
    rows::{self, access_columns, chained_access_columns, micros},
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
        self.append_access_batch(vec![e]).await
    }

    #[tracing::instrument(skip_all, fields(entries = entries.len()))]
    async fn append_access_batch(&self, entries: Vec<AccessLogEntry>) -> Result<()> {
        const HEAD: &str =
            "SELECT seq, hash FROM access_log WHERE resident_id = ?1 ORDER BY seq DESC LIMIT 1";
        const INSERT: &str = concat!(
            "INSERT INTO access_log (",
            chained_access_columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        );
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for (resident, group) in access_chain::group_by_resident(entries) {
            let head = sqlx::query(HEAD)
                .bind(resident.0)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| -> Result<ChainHead> {
                    Ok(ChainHead {
                        seq: row.try_get("seq")?,
                        hash: minside_store::stored::hash(row.try_get("hash")?)?,
                    })
                })
                .transpose()?;
            for link in access_chain::link(head, group) {
                let e = &link.entry;
                sqlx::query(INSERT)
                    .bind(e.kommunenummer.as_str())
                    .bind(e.resident_id.0)
                    .bind(micros(e.at))
                    .bind(&e.actor_kind)
                    .bind(&e.actor_ref)
                    .bind(json_text(serde_json::to_string(&e.categories))?)
                    .bind(&e.purpose)
                    .bind(link.seq)
                    .bind(&link.prev_hash[..])
                    .bind(&link.hash[..])
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
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

    #[tracing::instrument(skip_all)]
    async fn verify_access_chain(&self, resident: ResidentId) -> Result<ChainVerdict> {
        const SQL: &str = concat!(
            "SELECT ",
            chained_access_columns!(),
            " FROM access_log WHERE resident_id = ?1 ORDER BY seq"
        );
        let rows = sqlx::query(SQL)
            .bind(resident.0)
            .fetch_all(&self.pool)
            .await?;
        let chain = rows
            .iter()
            .map(rows::chained_access)
            .collect::<Result<Vec<_>>>()?;
        Ok(access_chain::verify(chain))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_access_before(&self, cutoff: Timestamp) -> Result<u64> {
        // Per resident, only entries before the first (in chain order) that is still kept.
        const SQL: &str = "WITH kept AS MATERIALIZED ( \
                 SELECT resident_id, min(seq) AS first_seq FROM access_log \
                 WHERE at >= ?1 GROUP BY resident_id) \
             DELETE FROM access_log \
             WHERE at < ?1 AND NOT EXISTS ( \
                 SELECT 1 FROM kept \
                 WHERE kept.resident_id = access_log.resident_id \
                     AND kept.first_seq < access_log.seq)";
        let done = sqlx::query(SQL)
            .bind(micros(cutoff))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
