//! One async trait per aggregate, and the [`Store`] super-trait the application holds as
//! `Arc<dyn Store>`.
//!
//! Expiry is exclusive: a session or login attempt is valid while `now < expires_at`, and expired
//! from the instant `now == expires_at`.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};

use crate::{
    AccessLogEntry, AuditEvent, LoginAttempt, NewSession, Resident, ResidentId, Result, Session,
    SessionId, Tenant,
};

/// The municipalities served by this deployment.
#[async_trait]
pub trait TenantStore {
    /// Creates the tenant or renames it; `created_at` is kept from the first call.
    async fn upsert_tenant(&self, k: &Kommunenummer, name: &str, now: Timestamp) -> Result<Tenant>;
    /// [`StoreError::NotFound`](crate::StoreError::NotFound) for an unknown tenant.
    async fn get_tenant(&self, k: &Kommunenummer) -> Result<Tenant>;
    /// All tenants, ordered by kommunenummer.
    async fn list_tenants(&self) -> Result<Vec<Tenant>>;
}

/// Residents, one per (tenant, identity number).
#[async_trait]
pub trait ResidentStore {
    /// Creates the resident of tenant `k` with this identity number, or updates its name.
    /// Idempotent: the id and `created_at` never change, and `updated_at` moves only when the
    /// name does. [`Conflict`](crate::StoreError::Conflict) if the tenant does not exist.
    async fn upsert_resident(
        &self,
        k: &Kommunenummer,
        pid: &Pid,
        name: &str,
        now: Timestamp,
    ) -> Result<Resident>;
    /// [`StoreError::NotFound`](crate::StoreError::NotFound) for an unknown id.
    async fn get_resident(&self, id: ResidentId) -> Result<Resident>;
    /// The resident of tenant `k` with this identity number; never one of another tenant.
    async fn find_resident_by_pid(&self, k: &Kommunenummer, pid: &Pid) -> Result<Option<Resident>>;
}

/// Server-side sessions and pending logins.
#[async_trait]
pub trait SessionStore {
    /// Stores a new session. [`Conflict`](crate::StoreError::Conflict) with
    /// `sessions_token_hash_key` for a reused token hash, or `sessions_resident_fkey` (on
    /// PostgreSQL; SQLite does not name foreign keys) if the resident is unknown or belongs to
    /// another tenant.
    async fn create_session(&self, s: NewSession) -> Result<Session>;
    /// The session with this token hash; `None` when missing or either expiry has passed.
    async fn find_session(&self, token_hash: &[u8; 32], now: Timestamp) -> Result<Option<Session>>;
    /// Records activity: sets `last_seen_at = now` and the new idle expiry.
    /// [`StoreError::NotFound`](crate::StoreError::NotFound) if the session is gone.
    async fn touch_session(
        &self,
        id: SessionId,
        now: Timestamp,
        idle_expires_at: Timestamp,
    ) -> Result<()>;
    /// Deletes the session; deleting a missing session is not an error (logout is idempotent).
    async fn delete_session(&self, id: SessionId) -> Result<()>;
    /// Deletes every session from this IdP session (front-channel logout); returns how many.
    async fn delete_sessions_by_sid(&self, idp_issuer: &str, sid: &str) -> Result<u64>;
    /// Deletes sessions whose idle or absolute expiry has passed; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64>;
    /// Stores a pending login. [`Conflict`](crate::StoreError::Conflict) with
    /// `login_attempts_pkey` for a reused state hash.
    async fn create_login_attempt(&self, a: LoginAttempt) -> Result<()>;
    /// Takes the pending login: reads and deletes it in one atomic step, so a state is usable
    /// once. `None` when missing or expired (an expired attempt is deleted too).
    async fn take_login_attempt(
        &self,
        state_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<LoginAttempt>>;
    /// Deletes abandoned logins whose expiry has passed; returns how many.
    async fn delete_expired_login_attempts(&self, now: Timestamp) -> Result<u64>;
}

/// The audit trail and the residents' access log. Both are append-only through this trait.
#[async_trait]
pub trait AuditStore {
    /// Appends to the audit trail.
    async fn append_audit(&self, e: AuditEvent) -> Result<()>;
    /// Records an access to a resident's data. [`Conflict`](crate::StoreError::Conflict) if the
    /// resident is unknown or belongs to another tenant.
    async fn append_access(&self, e: AccessLogEntry) -> Result<()>;
    /// The resident's access log, newest first, at most `limit` entries.
    async fn list_access(&self, resident: ResidentId, limit: u32) -> Result<Vec<AccessLogEntry>>;
}

/// Everything the application needs from storage, held as `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    TenantStore + ResidentStore + SessionStore + AuditStore + Send + Sync + 'static
{
    /// Checks that the database answers (readiness probe).
    async fn ping(&self) -> Result<()>;
    /// The backend's name: `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;
}
