//! Caseworkers: the municipality's employees, logged in through the tenant's employee identity
//! provider (Entra ID style), with the roles that provider's `roles` claim maps to.
//!
//! Caseworker sessions and pending caseworker logins live in their own tables, apart from the
//! residents' `sessions` and `login_attempts`: a caseworker is not a resident (no identity number,
//! no resident row), the two kinds of session are looked up by different cookies, and a state
//! started for one login flow can never be completed by the other. The trait also reads the
//! tenant's audit trail back, newest first, for the caseworkers' audit view.

use std::fmt;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::Kommunenummer;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{AuditEvent, Result, StoreError};

/// Column list of `caseworker_sessions` (both backends name their columns alike).
#[macro_export]
macro_rules! caseworker_session_columns {
    () => {
        "id, kommunenummer, subject, name, email, roles, idp_issuer, idp_sid, id_token, \
         csrf_token, created_at, last_seen_at, idle_expires_at, absolute_expires_at"
    };
}
/// Column list of `caseworker_login_attempts`.
#[macro_export]
macro_rules! caseworker_login_attempt_columns {
    () => {
        "state_hash, kommunenummer, nonce, pkce_verifier, redirect_to, created_at, expires_at"
    };
}
/// Column list of `audit_log` as read back (with its id, for paging).
#[macro_export]
macro_rules! audit_columns {
    () => {
        "id, kommunenummer, at, actor, action, subject_id, detail"
    };
}

/// What a caseworker may do in MinSide. [`Role::Admin`] holds every other role as well.
///
/// Serialized and stored as `notice-editor`, `plan-manager`, `service-editor`, `admin`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Writes, previews, activates and pauses notice rules; sees their statistics and the
    /// "needs paper letter" list.
    NoticeEditor,
    /// Manages plan consultations.
    PlanManager,
    /// Writes and publishes the service catalogue.
    ServiceEditor,
    /// Everything above, and the tenant's audit trail.
    Admin,
}

impl Role {
    /// Every role, in order.
    pub const ALL: [Role; 4] = [
        Role::NoticeEditor,
        Role::PlanManager,
        Role::ServiceEditor,
        Role::Admin,
    ];

    /// The stored and serialized form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::NoticeEditor => "notice-editor",
            Role::PlanManager => "plan-manager",
            Role::ServiceEditor => "service-editor",
            Role::Admin => "admin",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Result<Self> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| StoreError::Invalid("unknown caseworker role".into()))
    }

    /// Whether holding `self` allows what `needed` allows: the same role, or admin.
    pub fn grants(self, needed: Role) -> bool {
        self == needed || self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Id of a caseworker session (UUIDv7); the cookie carries a secret token whose hash is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseworkerSessionId(pub Uuid);

impl CaseworkerSessionId {
    /// A new time-ordered id.
    pub fn new_v7() -> Self {
        CaseworkerSessionId(Uuid::now_v7())
    }
}

impl fmt::Display for CaseworkerSessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A caseworker session to create after a successful login. The backend assigns the id and
/// sets `last_seen_at = created_at`. `roles` must not be empty (`caseworker_sessions_roles_check`).
#[derive(Clone, PartialEq, Eq)]
pub struct NewCaseworkerSession {
    /// SHA-256 of the session cookie's secret token.
    pub token_hash: [u8; 32],
    pub kommunenummer: Kommunenummer,
    /// The employee's stable id at the identity provider (Entra `oid`, else `sub`).
    pub subject: String,
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    pub idp_issuer: String,
    /// The provider's session id (`sid` claim), for front-channel logout.
    pub idp_sid: Option<String>,
    /// The raw ID token, kept as `id_token_hint` for RP-initiated logout.
    pub id_token: String,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub idle_expires_at: Timestamp,
    pub absolute_expires_at: Timestamp,
}

/// A stored caseworker session, valid while `now` is before both expiries.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseworkerSession {
    pub id: CaseworkerSessionId,
    pub kommunenummer: Kommunenummer,
    pub subject: String,
    pub name: String,
    pub email: Option<String>,
    /// As stored: sorted, without duplicates.
    pub roles: Vec<Role>,
    pub idp_issuer: String,
    pub idp_sid: Option<String>,
    pub id_token: String,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub idle_expires_at: Timestamp,
    pub absolute_expires_at: Timestamp,
}

impl CaseworkerSession {
    /// Whether one of the session's roles grants `role` (admin grants all).
    pub fn has(&self, role: Role) -> bool {
        self.roles.iter().any(|r| r.grants(role))
    }

    /// The audit actor: `caseworker:<subject>`.
    pub fn actor(&self) -> String {
        format!("caseworker:{}", self.subject)
    }
}

/// A caseworker login between the redirect to the employee identity provider and the callback.
/// Keyed by the hash of `state`; taken (read and deleted) exactly once.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseworkerLoginAttempt {
    pub state_hash: [u8; 32],
    pub kommunenummer: Kommunenummer,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to send the browser after login (a validated local path).
    pub redirect_to: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Where a page of the audit trail ends: the next page starts after this entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditCursor {
    pub at: Timestamp,
    pub id: i64,
}

/// An audit event as read back, with its position in the trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredAuditEvent {
    /// Increases in append order within a database; with `at`, the paging key.
    pub id: i64,
    pub event: AuditEvent,
}

impl StoredAuditEvent {
    /// The cursor for the page after this entry.
    pub fn cursor(&self) -> AuditCursor {
        AuditCursor {
            at: self.event.at,
            id: self.id,
        }
    }
}

/// Caseworker sessions, pending caseworker logins and the caseworkers' view of the audit trail.
///
/// Expiry is exclusive, as for residents: valid while `now < expires_at`.
#[async_trait]
pub trait CaseworkerStore {
    /// Stores a new session; roles are stored sorted and once each.
    /// [`Conflict`](StoreError::Conflict) with `caseworker_sessions_token_hash_key` for a
    /// reused token hash, or for an unknown tenant; [`Invalid`](StoreError::Invalid)
    /// (`caseworker_sessions_roles_check`) without roles, (`caseworker_sessions_subject_check`)
    /// with an empty subject.
    async fn create_caseworker_session(&self, s: NewCaseworkerSession)
    -> Result<CaseworkerSession>;
    /// The session with this token hash, in any tenant (the caller compares the tenant);
    /// `None` when missing or either expiry has passed.
    async fn find_caseworker_session(
        &self,
        token_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<CaseworkerSession>>;
    /// Records activity: `last_seen_at = now` and the new idle expiry.
    /// [`NotFound`](StoreError::NotFound) if the session is gone.
    async fn touch_caseworker_session(
        &self,
        id: CaseworkerSessionId,
        now: Timestamp,
        idle_expires_at: Timestamp,
    ) -> Result<()>;
    /// Deletes the session; deleting a missing one is not an error (logout is idempotent).
    async fn delete_caseworker_session(&self, id: CaseworkerSessionId) -> Result<()>;
    /// Deletes every caseworker session from this provider session (front-channel logout).
    async fn delete_caseworker_sessions_by_sid(&self, idp_issuer: &str, sid: &str) -> Result<u64>;
    /// Deletes sessions whose idle or absolute expiry has passed; returns how many.
    async fn delete_expired_caseworker_sessions(&self, now: Timestamp) -> Result<u64>;
    /// Stores a pending login. [`Conflict`](StoreError::Conflict) with
    /// `caseworker_login_attempts_pkey` for a reused state hash, or for an unknown tenant.
    async fn create_caseworker_login_attempt(&self, a: CaseworkerLoginAttempt) -> Result<()>;
    /// Takes the pending login (read and delete in one step, so a state is usable once).
    /// `None` when missing or expired (an expired attempt is deleted too).
    async fn take_caseworker_login_attempt(
        &self,
        state_hash: &[u8; 32],
        now: Timestamp,
    ) -> Result<Option<CaseworkerLoginAttempt>>;
    /// Deletes abandoned logins whose expiry has passed; returns how many.
    async fn delete_expired_caseworker_login_attempts(&self, now: Timestamp) -> Result<u64>;
    /// Tenant `k`'s audit trail, newest first (by `at`, ties: last appended first), at most
    /// `limit` entries, starting after `after` (the cursor of the previous page's last entry).
    async fn list_audit(
        &self,
        k: &Kommunenummer,
        after: Option<AuditCursor>,
        limit: u32,
    ) -> Result<Vec<StoredAuditEvent>>;
}

/// Roles as stored: sorted, each once.
pub fn normalized_roles(roles: &[Role]) -> Vec<Role> {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles
}

/// Stored role names back into roles; an unknown name is [`StoreError::Invalid`].
pub fn stored_roles<S: AsRef<str>>(names: &[S]) -> Result<Vec<Role>> {
    names.iter().map(|n| Role::parse(n.as_ref())).collect()
}

const REDACTED: &str = "<redacted>";

impl fmt::Debug for NewCaseworkerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewCaseworkerSession")
            .field("token_hash", &REDACTED)
            .field("kommunenummer", &self.kommunenummer)
            .field("subject", &self.subject)
            .field("name", &self.name)
            .field("roles", &self.roles)
            .field("idp_issuer", &self.idp_issuer)
            .field("idp_sid", &self.idp_sid.as_ref().map(|_| REDACTED))
            .field("id_token", &REDACTED)
            .field("csrf_token", &REDACTED)
            .field("created_at", &self.created_at)
            .field("idle_expires_at", &self.idle_expires_at)
            .field("absolute_expires_at", &self.absolute_expires_at)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CaseworkerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaseworkerSession")
            .field("id", &self.id)
            .field("kommunenummer", &self.kommunenummer)
            .field("subject", &self.subject)
            .field("name", &self.name)
            .field("roles", &self.roles)
            .field("idp_issuer", &self.idp_issuer)
            .field("idp_sid", &self.idp_sid.as_ref().map(|_| REDACTED))
            .field("id_token", &REDACTED)
            .field("csrf_token", &REDACTED)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("idle_expires_at", &self.idle_expires_at)
            .field("absolute_expires_at", &self.absolute_expires_at)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for CaseworkerLoginAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaseworkerLoginAttempt")
            .field("state_hash", &REDACTED)
            .field("kommunenummer", &self.kommunenummer)
            .field("nonce", &REDACTED)
            .field("pkce_verifier", &REDACTED)
            .field("redirect_to", &self.redirect_to)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_admin_grants_everything() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).ok(), Some(role));
            assert!(Role::Admin.grants(role));
            assert!(role.grants(role));
        }
        assert!(!Role::NoticeEditor.grants(Role::PlanManager));
        assert!(!Role::PlanManager.grants(Role::Admin));
        assert!(Role::parse("Admin").is_err());
        let json = serde_json::to_string(&Role::NoticeEditor).expect("serialize");
        assert_eq!(json, "\"notice-editor\"");
    }

    #[test]
    fn stored_roles_are_sorted_and_distinct() {
        let roles = [Role::Admin, Role::NoticeEditor, Role::Admin];
        assert_eq!(
            normalized_roles(&roles),
            vec![Role::NoticeEditor, Role::Admin]
        );
    }

    #[test]
    fn session_debug_hides_secrets() {
        let s = CaseworkerLoginAttempt {
            state_hash: [7; 32],
            kommunenummer: Kommunenummer::parse("3203").expect("valid"),
            nonce: "nonce-secret".into(),
            pkce_verifier: "pkce-secret".into(),
            redirect_to: "/admin".into(),
            created_at: Timestamp::UNIX_EPOCH,
            expires_at: Timestamp::UNIX_EPOCH,
        };
        let debug = format!("{s:?}");
        assert!(!debug.contains("secret"), "{debug}");
    }
}
