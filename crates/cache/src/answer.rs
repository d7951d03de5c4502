//! What a get returns: the records, when they were fetched and how fresh they are.

use std::fmt;
use std::sync::Arc;

use minside_adapter::Record;
use minside_core::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The resident's internal id (the store's resident id), the only key the cache knows a
/// resident by. Never the national identity number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SubjectKey(pub Uuid);

impl fmt::Display for SubjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How current an answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Fetched from the source within its `fresh` window.
    Fresh,
    /// An older copy. `age` is the time since it was fetched (never negative).
    Stale {
        age: SignedDuration,
        reason: StaleReason,
    },
}

impl Freshness {
    pub fn is_fresh(&self) -> bool {
        matches!(self, Self::Fresh)
    }
}

/// Why a stale copy was served instead of a fresh one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaleReason {
    /// The copy is within `stale_while_revalidate`; a refresh is running in the background.
    Revalidating,
    /// The source was asked just now and failed (unavailable, timeout, or our queue to it was
    /// full); the copy is within `stale_if_error`.
    SourceFailed,
    /// The source's circuit breaker is open, so it was not asked.
    BreakerOpen,
    /// The copy is the persistent last-known-good copy (this instance had none in memory,
    /// e.g. after a restart); a refresh is running in the background.
    LastKnownGood,
}

/// One source's answer for one resident.
#[derive(Debug, Clone)]
pub struct Answer {
    /// All of the source's records for the resident (empty when the source does not know them).
    pub records: Arc<Vec<Record>>,
    /// When the records were fetched from the source.
    pub fetched_at: Timestamp,
    pub freshness: Freshness,
}
