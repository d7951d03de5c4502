//! One async trait per aggregate, and the [`Store`] super-trait the application holds as
//! `Arc<dyn Store>`.
//!
//! Expiry is exclusive: a session or login attempt is valid while `now < expires_at`, and expired
//! from the instant `now == expires_at`.

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};

use crate::{
    AccessLogEntry, AuditEvent, ChainVerdict, Correction, CorrectionId, CorrectionStatus,
    LoginAttempt, NewCorrection, NewSession, Resident, ResidentId, Result, Session, SessionId,
    StoredSnapshot, Tenant,
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
    /// [`upsert_resident`](Self::upsert_resident) for a whole population, in one transaction
    /// (all or nothing). Returns the residents in input order; an identity number given twice is
    /// stored once, with the last name given, and returned at both positions.
    async fn upsert_residents(
        &self,
        k: &Kommunenummer,
        people: &[(Pid, String)],
        now: Timestamp,
    ) -> Result<Vec<Resident>>;
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
    /// Sets whom the session acts for (`None`: itself). The caller checks the right to act
    /// (e.g. [`GuardianStore::is_guardian`]); the store only requires a resident of the
    /// session's tenant, else [`Conflict`](crate::StoreError::Conflict). A session acting for a
    /// resident is deleted with that resident. [`NotFound`](crate::StoreError::NotFound) if the
    /// session is gone.
    async fn set_acting_for(&self, id: SessionId, acting_for: Option<ResidentId>) -> Result<()>;
}

/// The audit trail and the residents' access log. Both are append-only through this trait,
/// except for the access log's retention ([`delete_access_before`](Self::delete_access_before)).
///
/// Each resident's access entries form a hash chain ([`crate::access_chain`]), so a changed,
/// inserted or removed entry is detected by [`verify_access_chain`](Self::verify_access_chain).
#[async_trait]
pub trait AuditStore {
    /// Appends to the audit trail.
    async fn append_audit(&self, e: AuditEvent) -> Result<()>;
    /// Records an access to a resident's data: a batch of one (see
    /// [`append_access_batch`](Self::append_access_batch)).
    /// [`Conflict`](crate::StoreError::Conflict) if the resident is unknown or belongs to another
    /// tenant.
    async fn append_access(&self, e: AccessLogEntry) -> Result<()>;
    /// Records accesses in one transaction (all or nothing), chained per resident in the given
    /// order, each `at` truncated to microseconds. Safe with any number of concurrent writers,
    /// also in other processes: a resident's chain is extended by one writer at a time.
    /// [`Conflict`](crate::StoreError::Conflict) if a resident is unknown or belongs to another
    /// tenant than its entry.
    async fn append_access_batch(&self, entries: Vec<AccessLogEntry>) -> Result<()>;
    /// The resident's access log, newest first (by `at`; ties: last appended first), at most
    /// `limit` entries.
    async fn list_access(&self, resident: ResidentId, limit: u32) -> Result<Vec<AccessLogEntry>>;
    /// Recomputes the resident's chain from its oldest remaining entry (see
    /// [`access_chain::verify`](crate::access_chain::verify)). An unknown resident has an empty,
    /// intact chain.
    async fn verify_access_chain(&self, resident: ResidentId) -> Result<ChainVerdict>;
    /// Retention: deletes, per resident, the oldest entries with `at < cutoff`, keeping every
    /// chain verifiable. Only a prefix of a chain is deleted, so an old entry appended after a
    /// newer one stays until that one is due as well. Returns how many were deleted.
    async fn delete_access_before(&self, cutoff: Timestamp) -> Result<u64>;
}

/// Last-known-good copies of what sources answered about residents, one per (source, resident),
/// so a restart or an outage still shows data. Payloads are sealed by the caller.
#[async_trait]
pub trait LastKnownGoodStore {
    /// The stored snapshot, if any.
    async fn load_snapshot(
        &self,
        source: &str,
        resident: ResidentId,
    ) -> Result<Option<StoredSnapshot>>;
    /// Stores the snapshot unless the stored one was fetched later (a slow fetch finishing late
    /// never replaces a newer answer; of two equally old ones the last saved wins).
    /// [`Conflict`](crate::StoreError::Conflict) for an unknown resident;
    /// [`Invalid`](crate::StoreError::Invalid) for an empty source.
    async fn save_snapshot(
        &self,
        source: &str,
        resident: ResidentId,
        snapshot: StoredSnapshot,
    ) -> Result<()>;
    /// Deletes the snapshot; deleting a missing one is not an error.
    async fn delete_snapshot(&self, source: &str, resident: ResidentId) -> Result<()>;
    /// Deletes snapshots fetched before `cutoff`; returns how many.
    async fn delete_snapshots_before(&self, cutoff: Timestamp) -> Result<u64>;
}

/// Residents' reports of errors in their records.
#[async_trait]
pub trait CorrectionStore {
    /// Stores a new report with status [`CorrectionStatus::Received`].
    /// [`Conflict`](crate::StoreError::Conflict) if the resident is unknown or belongs to another
    /// tenant; [`Invalid`](crate::StoreError::Invalid) (`corrections_message_check`) for an empty
    /// message or one longer than
    /// [`MAX_CORRECTION_MESSAGE_CHARS`](crate::MAX_CORRECTION_MESSAGE_CHARS).
    async fn create_correction(&self, c: NewCorrection) -> Result<Correction>;
    /// The resident's reports, newest first.
    async fn list_corrections(&self, resident: ResidentId) -> Result<Vec<Correction>>;
    /// [`NotFound`](crate::StoreError::NotFound) for an unknown id.
    async fn get_correction(&self, id: CorrectionId) -> Result<Correction>;
    /// Moves the report to `status` with `note` (replacing the previous note; `None` clears it)
    /// and `updated_at = now`. [`NotFound`](crate::StoreError::NotFound) for an unknown id.
    async fn set_correction_status(
        &self,
        id: CorrectionId,
        status: CorrectionStatus,
        note: Option<&str>,
        now: Timestamp,
    ) -> Result<Correction>;
}

/// Parental responsibility, as registered in the population register: who may act for which
/// child. Guardian and child are residents of the same tenant.
#[async_trait]
pub trait GuardianStore {
    /// Replaces the child's guardians with `guardians` in one transaction; guardians that stay
    /// keep their `since`, new ones get `now`, and an empty list removes them all.
    /// [`Conflict`](crate::StoreError::Conflict) if the child or a guardian is not a resident of
    /// `k`; [`Invalid`](crate::StoreError::Invalid) (`guardianships_not_self_check`) if the
    /// child is among its guardians.
    async fn set_guardians(
        &self,
        k: &Kommunenummer,
        child: ResidentId,
        guardians: &[ResidentId],
        now: Timestamp,
    ) -> Result<()>;
    /// The residents `guardian` has parental responsibility for, in id order.
    async fn children_of(&self, guardian: ResidentId) -> Result<Vec<Resident>>;
    /// The residents with parental responsibility for `child`, in id order.
    async fn guardians_of(&self, child: ResidentId) -> Result<Vec<Resident>>;
    /// Whether `guardian` has parental responsibility for `child`.
    async fn is_guardian(&self, guardian: ResidentId, child: ResidentId) -> Result<bool>;
}

/// Everything the application needs from storage, held as `Arc<dyn Store>`.
#[async_trait]
pub trait Store:
    TenantStore
    + ResidentStore
    + SessionStore
    + AuditStore
    + LastKnownGoodStore
    + CorrectionStore
    + GuardianStore
    + crate::RegisterStore
    + crate::CaseworkerStore
    + crate::NoticeStore
    + crate::PlanStore
    + crate::ServiceStore
    + crate::StatisticsStore
    + Send
    + Sync
    + 'static
{
    /// Checks that the database answers (readiness probe).
    async fn ping(&self) -> Result<()>;
    /// The backend's name: `"sqlite"` or `"postgres"`.
    fn backend(&self) -> &'static str;
}
