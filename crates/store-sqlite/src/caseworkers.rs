//! Caseworker sessions, pending caseworker logins and the audit view on SQLite.
//!
//! Roles are a JSON array of role names (TEXT); times INTEGER unix microseconds.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::caseworkers::{normalized_roles, stored_roles};
use minside_store::{
    AuditCursor, AuditEvent, CaseworkerLoginAttempt, CaseworkerSession, CaseworkerSessionId,
    CaseworkerStore, NewCaseworkerSession, ResidentId, Result, StoreError, StoredAuditEvent,
    audit_columns, caseworker_login_attempt_columns, caseworker_session_columns, stored,
};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use crate::SqliteStore;
use crate::rows::{micros, time};

fn session(row: &SqliteRow) -> Result<CaseworkerSession> {
    let roles: &str = row.try_get("roles")?;
    let roles: Vec<String> = serde_json::from_str(roles)
        .map_err(|_| StoreError::Invalid("stored caseworker roles do not parse".into()))?;
    Ok(CaseworkerSession {
        id: CaseworkerSessionId(row.try_get("id")?),
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        subject: row.try_get("subject")?,
        name: row.try_get("name")?,
        email: row.try_get("email")?,
        roles: stored_roles(&roles)?,
        idp_issuer: row.try_get("idp_issuer")?,
        idp_sid: row.try_get("idp_sid")?,
        id_token: row.try_get("id_token")?,
        csrf_token: row.try_get("csrf_token")?,
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
        idle_expires_at: time(row, "idle_expires_at")?,
        absolute_expires_at: time(row, "absolute_expires_at")?,
    })
}

fn login_attempt(row: &SqliteRow) -> Result<CaseworkerLoginAttempt> {
    Ok(CaseworkerLoginAttempt {
        state_hash: stored::hash(row.try_get("state_hash")?)?,
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        nonce: row.try_get("nonce")?,
        pkce_verifier: row.try_get("pkce_verifier")?,
        redirect_to: row.try_get("redirect_to")?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

fn audit(row: &SqliteRow) -> Result<StoredAuditEvent> {
    let detail: &str = row.try_get("detail")?;
    Ok(StoredAuditEvent {
        id: row.try_get("id")?,
        event: AuditEvent {
            kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
            at: time(row, "at")?,
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            subject: row
                .try_get::<Option<Uuid>, _>("subject_id")?
                .map(ResidentId),
            detail: serde_json::from_str(detail)
                .map_err(|_| StoreError::Invalid("stored audit detail does not parse".into()))?,
        },
    })
}

#[async_trait]
impl CaseworkerStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %s.kommunenummer))]
    async fn create_caseworker_session(
        &self,
        s: NewCaseworkerSession,
    ) -> Result<CaseworkerSession> {
        const SQL: &str = concat!(
            "INSERT INTO caseworker_sessions (id, token_hash, kommunenummer, subject, name, email, \
                 roles, idp_issuer, idp_sid, id_token, csrf_token, created_at, last_seen_at, \
                 idle_expires_at, absolute_expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14) \
             RETURNING ",
            caseworker_session_columns!()
        );
        let roles: Vec<&str> = normalized_roles(&s.roles)
            .into_iter()
            .map(|r| r.as_str())
            .collect();
        let roles = serde_json::to_string(&roles)
            .map_err(|e| StoreError::Invalid(format!("roles are not JSON: {e}")))?;
        let row = sqlx::query(SQL)
            .bind(CaseworkerSessionId::new_v7().0)
            .bind(&s.token_hash[..])
            .bind(s.kommunenummer.as_str())
            .bind(&s.subject)
            .bind(&s.name)
            .bind(&s.email)
            .bind(roles)
            .bind(&s.idp_issuer)
            .bind(&s.idp_sid)
            .bind(&s.id_token)
            .bind(&s.csrf_token)
            .bind(micros(s.created_at))
            .bind(micros(s.idle_expires_at))
            .bind(micros(s.absolute_expires_at))
            .fetch_one(&self.pool)
            .await?;
        session(&row)
    }

    #[tracing::instrument(skip_all)]
    async fn find_caseworker_session(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<CaseworkerSession>> {
        const SQL: &str = concat!(
            "SELECT ",
            caseworker_session_columns!(),
            " FROM caseworker_sessions \
             WHERE token_hash = ?1 AND idle_expires_at > ?2 AND absolute_expires_at > ?2"
        );
        let row = sqlx::query(SQL)
            .bind(&token_hash[..])
            .bind(micros(now))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn touch_caseworker_session(
        &self,
        id: CaseworkerSessionId,
        now: Timestamp,
        idle_expires_at: Timestamp,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE caseworker_sessions SET last_seen_at = ?2, idle_expires_at = ?3 WHERE id = ?1",
        )
        .bind(id.0)
        .bind(micros(now))
        .bind(micros(idle_expires_at))
        .execute(&self.pool)
        .await?;
        match done.rows_affected() {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }

    #[tracing::instrument(skip_all)]
    async fn delete_caseworker_session(&self, id: CaseworkerSessionId) -> Result<()> {
        sqlx::query("DELETE FROM caseworker_sessions WHERE id = ?1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_caseworker_sessions_by_sid(&self, idp_issuer: &str, sid: &str) -> Result<u64> {
        let done =
            sqlx::query("DELETE FROM caseworker_sessions WHERE idp_issuer = ?1 AND idp_sid = ?2")
                .bind(idp_issuer)
                .bind(sid)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_expired_caseworker_sessions(&self, now: Timestamp) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM caseworker_sessions \
             WHERE idle_expires_at <= ?1 OR absolute_expires_at <= ?1",
        )
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %a.kommunenummer))]
    async fn create_caseworker_login_attempt(&self, a: CaseworkerLoginAttempt) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO caseworker_login_attempts (",
            caseworker_login_attempt_columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        ))
        .bind(&a.state_hash[..])
        .bind(a.kommunenummer.as_str())
        .bind(&a.nonce)
        .bind(&a.pkce_verifier)
        .bind(&a.redirect_to)
        .bind(micros(a.created_at))
        .bind(micros(a.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn take_caseworker_login_attempt(
        &self,
        state_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<CaseworkerLoginAttempt>> {
        // One statement: of two concurrent takes, exactly one gets the row.
        const SQL: &str = concat!(
            "DELETE FROM caseworker_login_attempts WHERE state_hash = ?1 RETURNING ",
            caseworker_login_attempt_columns!()
        );
        let row = sqlx::query(SQL)
            .bind(&state_hash[..])
            .fetch_optional(&self.pool)
            .await?;
        let attempt = row.as_ref().map(login_attempt).transpose()?;
        Ok(attempt.filter(|a| stored::truncate_to_micros(now) < a.expires_at))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_expired_caseworker_login_attempts(&self, now: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM caseworker_login_attempts WHERE expires_at <= ?1")
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn list_audit(
        &self,
        k: &Kommunenummer,
        after: Option<AuditCursor>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>> {
        const SQL: &str = concat!(
            "SELECT ",
            audit_columns!(),
            " FROM audit_log WHERE kommunenummer = ?1 AND (?2 IS NULL OR (at, id) < (?2, ?3)) \
             ORDER BY at DESC, id DESC LIMIT ?4"
        );
        let rows = sqlx::query(SQL)
            .bind(k.as_str())
            .bind(after.map(|c| micros(c.at)))
            .bind(after.map(|c| c.id))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(audit).collect()
    }
}
