//! The provider's in-memory state: pending logins, authorization codes, access tokens and
//! provider (single sign-on) sessions. Expired entries are dropped whenever the state is
//! locked, so there is no background task.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use minside_core::{Locale, Pid};
use url::Url;

use crate::protocol::Acr;

/// How long the login page stays usable.
pub(crate) const PENDING_TTL: Duration = Duration::from_secs(15 * 60);
/// Authorization codes expire after 60 seconds.
pub(crate) const CODE_TTL: Duration = Duration::from_secs(60);
/// Access token lifetime (seconds), as in ID-porten's default.
pub(crate) const ACCESS_TOKEN_SECONDS: u64 = 120;
/// ID token lifetime (seconds).
pub(crate) const ID_TOKEN_SECONDS: i64 = 120;
/// A provider session lasts at most this long.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(8 * 60 * 60);

/// Who logged in: a synthetic resident at a level of assurance, or a demo employee (by `oid`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Account {
    Resident { pid: Pid, acr: Acr },
    Employee { oid: String },
}

impl Account {
    /// The same person, whatever the level: single sign-on keeps the provider session.
    pub(crate) fn same_person(&self, other: &Account) -> bool {
        match (self, other) {
            (Account::Resident { pid: a, .. }, Account::Resident { pid: b, .. }) => a == b,
            (Account::Employee { oid: a }, Account::Employee { oid: b }) => a == b,
            _ => false,
        }
    }
}

/// A validated authorization request waiting for the person to pick who to log in as.
#[derive(Debug)]
pub(crate) struct PendingLogin {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: Url,
    pub(crate) state: String,
    pub(crate) nonce: String,
    pub(crate) code_challenge: String,
    pub(crate) scope: String,
    pub(crate) min_acr: Acr,
    pub(crate) locale: Locale,
    pub(crate) expires_at: Instant,
}

/// An issued authorization code and everything bound to it.
#[derive(Debug)]
pub(crate) struct CodeGrant {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: Url,
    pub(crate) code_challenge: String,
    pub(crate) nonce: String,
    pub(crate) scope: String,
    pub(crate) account: Account,
    pub(crate) sid: String,
    pub(crate) locale: Locale,
    pub(crate) auth_time: DateTime<Utc>,
    pub(crate) expires_at: Instant,
    /// Set when the code is presented; a second presentation is a replay.
    pub(crate) used: bool,
    /// The access token issued for the code, revoked on replay.
    pub(crate) access_token: Option<String>,
}

/// An issued access token (opaque to the client).
#[derive(Debug)]
pub(crate) struct AccessGrant {
    pub(crate) client_id: String,
    pub(crate) account: Account,
    pub(crate) sid: String,
    pub(crate) locale: Locale,
    pub(crate) expires_at: Instant,
}

/// A provider session: one person logged in in one browser, possibly at several clients.
#[derive(Debug)]
pub(crate) struct ProviderSession {
    pub(crate) account: Account,
    pub(crate) clients: BTreeSet<String>,
    pub(crate) expires_at: Instant,
}

/// All mutable state, behind one mutex in the provider.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) pending: HashMap<String, PendingLogin>,
    pub(crate) codes: HashMap<String, CodeGrant>,
    pub(crate) access_tokens: HashMap<String, AccessGrant>,
    pub(crate) sessions: HashMap<String, ProviderSession>,
}

impl State {
    /// Drops everything that has expired.
    pub(crate) fn purge(&mut self, now: Instant) {
        self.pending.retain(|_, p| p.expires_at > now);
        self.codes.retain(|_, c| c.expires_at > now);
        self.access_tokens.retain(|_, t| t.expires_at > now);
        self.sessions.retain(|_, s| s.expires_at > now);
    }

    /// Ends a provider session: removes it and revokes the access tokens issued in it.
    /// Returns the clients that took part in it.
    pub(crate) fn end_session(&mut self, sid: &str) -> BTreeSet<String> {
        self.access_tokens.retain(|_, t| t.sid != sid);
        self.sessions
            .remove(sid)
            .map(|s| s.clients)
            .unwrap_or_default()
    }
}
