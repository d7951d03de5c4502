//! Sessions and pending logins on SQLite.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_store::{
    LoginAttempt, NewSession, Principal, ResidentId, Result, Session, SessionId, SessionStore,
    StoreError, stored,
};

use crate::{
    SqliteStore,
    rows::{self, login_attempt_columns, micros, session_columns},
};

#[async_trait]
impl SessionStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %s.kommunenummer))]
    async fn create_session(&self, s: NewSession) -> Result<Session> {
        const SQL: &str = concat!(
            "INSERT INTO sessions (id, token_hash, kommunenummer, resident_id, principal, acr, \
                 idp_issuer, idp_sid, id_token, csrf_token, locale, created_at, last_seen_at, \
                 idle_expires_at, absolute_expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14) \
             RETURNING ",
            session_columns!()
        );
        let row = sqlx::query(SQL)
            .bind(SessionId::new_v7().0)
            .bind(&s.token_hash[..])
            .bind(s.kommunenummer.as_str())
            .bind(s.resident_id.0)
            .bind(Principal::Resident.as_str())
            .bind(&s.acr)
            .bind(&s.idp_issuer)
            .bind(&s.idp_sid)
            .bind(&s.id_token)
            .bind(&s.csrf_token)
            .bind(s.locale.as_str())
            .bind(micros(s.created_at))
            .bind(micros(s.idle_expires_at))
            .bind(micros(s.absolute_expires_at))
            .fetch_one(&self.pool)
            .await?;
        rows::session(&row)
    }

    #[tracing::instrument(skip_all)]
    async fn find_session(&self, token_hash: &[u8; 32], now: Timestamp) -> Result<Option<Session>> {
        const SQL: &str = concat!(
            "SELECT ",
            session_columns!(),
            " FROM sessions \
             WHERE token_hash = ?1 AND idle_expires_at > ?2 AND absolute_expires_at > ?2"
        );
        let row = sqlx::query(SQL)
            .bind(&token_hash[..])
            .bind(micros(now))
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(rows::session).transpose()
    }

    #[tracing::instrument(skip_all)]
    async fn touch_session(
        &self,
        id: SessionId,
        now: Timestamp,
        idle_expires_at: Timestamp,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE sessions SET last_seen_at = ?2, idle_expires_at = ?3 WHERE id = ?1",
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
    async fn delete_session(&self, id: SessionId) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = ?1")
            .bind(id.0)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_sessions_by_sid(&self, idp_issuer: &str, sid: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE idp_issuer = ?1 AND idp_sid = ?2")
            .bind(idp_issuer)
            .bind(sid)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    #[tracing::instrument(skip_all)]
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE idle_expires_at <= ?1 OR absolute_expires_at <= ?1",
        )
        .bind(micros(now))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %a.kommunenummer))]
    async fn create_login_attempt(&self, a: LoginAttempt) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO login_attempts (",
            login_attempt_columns!(),
            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        ))
        .bind(&a.state_hash[..])
        .bind(a.kommunenummer.as_str())
        .bind(&a.nonce)
        .bind(&a.pkce_verifier)
        .bind(&a.redirect_to)
        .bind(&a.acr_requested)
        .bind(a.locale.as_str())
        .bind(micros(a.created_at))
        .bind(micros(a.expires_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn take_login_attempt(
        &self,
        state_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<LoginAttempt>> {
        // One statement: of two concurrent takes, exactly one gets the row.
        const SQL: &str = concat!(
            "DELETE FROM login_attempts WHERE state_hash = ?1 RETURNING ",
            login_attempt_columns!()
        );
        let row = sqlx::query(SQL)
            .bind(&state_hash[..])
            .fetch_optional(&self.pool)
            .await?;
        let attempt = row.as_ref().map(rows::login_attempt).transpose()?;
        Ok(attempt.filter(|a| stored::truncate_to_micros(now) < a.expires_at))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_expired_login_attempts(&self, now: Timestamp) -> Result<u64> {
        let done = sqlx::query("DELETE FROM login_attempts WHERE expires_at <= ?1")
            .bind(micros(now))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    #[tracing::instrument(skip_all)]
    async fn set_acting_for(&self, id: SessionId, acting_for: Option<ResidentId>) -> Result<()> {
        let done = sqlx::query("UPDATE sessions SET acting_for = ?2 WHERE id = ?1")
            .bind(id.0)
            .bind(acting_for.map(|r| r.0))
            .execute(&self.pool)
            .await?;
        match done.rows_affected() {
            0 => Err(StoreError::NotFound),
            _ => Ok(()),
        }
    }
}
