//! The stored models: tenants, residents, sessions, login attempts, log entries and cached
//! snapshots (corrections are in `corrections`).
//!
//! Secrets (token and state hashes, ID tokens, CSRF tokens, nonces, PKCE verifiers) are left out
//! of `Debug` output; a resident's identity number prints masked (see [`Pid`]).

use std::fmt;

use jiff::Timestamp;
use minside_core::{Kommunenummer, Locale, Pid};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::StoreError;

/// Internal id of a resident (UUIDv7); the only way other tables and URLs refer to a resident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ResidentId(pub Uuid);

/// Id of a server-side session (UUIDv7). Not the cookie value: cookies carry a secret token whose
/// hash is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SessionId(pub Uuid);

impl ResidentId {
    /// A new time-ordered id.
    pub fn new_v7() -> Self {
        ResidentId(Uuid::now_v7())
    }
}

impl SessionId {
    /// A new time-ordered id.
    pub fn new_v7() -> Self {
        SessionId(Uuid::now_v7())
    }
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A municipality served by this deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub kommunenummer: Kommunenummer,
    pub name: String,
    pub created_at: Timestamp,
}

/// A resident known to one tenant. The same person in two municipalities is two residents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resident {
    pub id: ResidentId,
    pub kommunenummer: Kommunenummer,
    pub pid: Pid,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Who a session belongs to. Caseworkers will be added; stored as text ([`Principal::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Principal {
    Resident,
}

impl Principal {
    /// The stored form: `"resident"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Principal::Resident => "resident",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "resident" => Ok(Principal::Resident),
            _ => Err(StoreError::Invalid("unknown session principal".into())),
        }
    }
}

/// A session to create after a successful login. The backend assigns the id, sets
/// `last_seen_at = created_at` and stores the principal [`Principal::Resident`].
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    /// SHA-256 of the session cookie's secret token.
    pub token_hash: [u8; 32],
    pub kommunenummer: Kommunenummer,
    pub resident_id: ResidentId,
    pub acr: String,
    pub idp_issuer: String,
    /// The IdP's session id (`sid` claim), for front-channel logout.
    pub idp_sid: Option<String>,
    /// The raw ID token, kept as `id_token_hint` for RP-initiated logout.
    pub id_token: String,
    pub csrf_token: String,
    pub locale: Locale,
    pub created_at: Timestamp,
    pub idle_expires_at: Timestamp,
    pub absolute_expires_at: Timestamp,
}

/// A stored session. Valid while `now` is before both `idle_expires_at` and
/// `absolute_expires_at`.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub principal: Principal,
    pub kommunenummer: Kommunenummer,
    pub resident_id: ResidentId,
    /// The resident this session currently acts for (a guardian acting for a child), always of
    /// the same tenant; `None` when acting for itself, as every new session does.
    pub acting_for: Option<ResidentId>,
    pub acr: String,
    pub idp_issuer: String,
    pub idp_sid: Option<String>,
    pub id_token: String,
    pub csrf_token: String,
    pub locale: Locale,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub idle_expires_at: Timestamp,
    pub absolute_expires_at: Timestamp,
}

/// The state of an OpenID Connect login between the redirect to the IdP and the callback.
/// Keyed by the hash of the `state` parameter; taken (read and deleted) exactly once.
#[derive(Clone, PartialEq, Eq)]
pub struct LoginAttempt {
    pub state_hash: [u8; 32],
    pub kommunenummer: Kommunenummer,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to send the browser after login (a validated local path).
    pub redirect_to: String,
    pub acr_requested: String,
    pub locale: Locale,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// An entry of the append-only audit trail: who did what, in which tenant, to whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub kommunenummer: Kommunenummer,
    pub at: Timestamp,
    /// `"resident:<uuid>"`, `"caseworker:<id>"`, `"system"`, ...; never an identity number.
    pub actor: String,
    pub action: String,
    pub subject: Option<ResidentId>,
    /// Structured detail; never holds an identity number.
    pub detail: serde_json::Value,
}

/// One access to a resident's data, shown to the resident ("who has looked at my data").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessLogEntry {
    pub kommunenummer: Kommunenummer,
    pub resident_id: ResidentId,
    pub at: Timestamp,
    /// `"resident"`, `"guardian"`, `"caseworker"`, `"system"`, ...
    pub actor_kind: String,
    pub actor_ref: String,
    /// The data categories that were read.
    pub categories: Vec<String>,
    pub purpose: String,
}

/// A source's last-known-good answer about a resident, kept so a restart or an outage still
/// shows data. The payload is sealed (encrypted) by the caller and stored as-is; `Debug` shows
/// only its length.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSnapshot {
    pub sealed: Vec<u8>,
    /// When the source answered; of two snapshots the one fetched later is kept.
    pub fetched_at: Timestamp,
}

const REDACTED: &str = "<redacted>";

impl fmt::Debug for StoredSnapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSnapshot")
            .field("sealed", &format_args!("<{} bytes>", self.sealed.len()))
            .field("fetched_at", &self.fetched_at)
            .finish()
    }
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("token_hash", &REDACTED)
            .field("kommunenummer", &self.kommunenummer)
            .field("resident_id", &self.resident_id)
            .field("acr", &self.acr)
            .field("idp_issuer", &self.idp_issuer)
            .field("idp_sid", &self.idp_sid.as_ref().map(|_| REDACTED))
            .field("id_token", &REDACTED)
            .field("csrf_token", &REDACTED)
            .field("locale", &self.locale)
            .field("created_at", &self.created_at)
            .field("idle_expires_at", &self.idle_expires_at)
            .field("absolute_expires_at", &self.absolute_expires_at)
            .finish()
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("principal", &self.principal)
            .field("kommunenummer", &self.kommunenummer)
            .field("resident_id", &self.resident_id)
            .field("acting_for", &self.acting_for)
            .field("acr", &self.acr)
            .field("idp_issuer", &self.idp_issuer)
            .field("idp_sid", &self.idp_sid.as_ref().map(|_| REDACTED))
            .field("id_token", &REDACTED)
            .field("csrf_token", &REDACTED)
            .field("locale", &self.locale)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("idle_expires_at", &self.idle_expires_at)
            .field("absolute_expires_at", &self.absolute_expires_at)
            .finish()
    }
}

impl fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAttempt")
            .field("state_hash", &REDACTED)
            .field("kommunenummer", &self.kommunenummer)
            .field("nonce", &REDACTED)
            .field("pkce_verifier", &REDACTED)
            .field("redirect_to", &self.redirect_to)
            .field("acr_requested", &self.acr_requested)
            .field("locale", &self.locale)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_round_trips_through_its_stored_form() {
        let p = Principal::Resident;
        assert_eq!(Principal::parse(p.as_str()).ok(), Some(p));
        assert!(Principal::parse("caseworker").is_err());
    }

    #[test]
    fn snapshot_debug_shows_only_the_payload_size() {
        let snapshot = StoredSnapshot {
            sealed: b"sealed secret".to_vec(),
            fetched_at: Timestamp::UNIX_EPOCH,
        };
        let debug = format!("{snapshot:?}");
        assert!(debug.contains("<13 bytes>"), "{debug}");
        assert!(!debug.contains("115"), "no byte values: {debug}");
    }

    #[test]
    fn ids_serialize_as_bare_uuids() {
        let id = ResidentId::new_v7();
        let json = serde_json::to_string(&id).expect("serialize");
        assert_eq!(json, format!("\"{}\"", id.0));
    }
}
