//! A cached copy of one source's answer for one resident, the windows that say how it may be
//! used, and its sealed form for the persistent and Redis tiers.

use std::sync::Arc;

use minside_adapter::Record;
use minside_core::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::policy::Windows;
use crate::{Answer, CacheError, Freshness, PayloadCipher, SourcePolicy, SubjectKey};

/// Where a copy came from; decides the stale reason when it is served from a lower tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Fetched by this instance.
    Fetched,
    /// Fetched by another instance and shared through Redis.
    Shared,
    /// The persistent last-known-good copy.
    Persisted,
}

/// Where `now` falls for a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Window {
    Fresh,
    /// Serve at once, refresh in the background.
    Revalidate,
    /// Ask the source first; serve the copy only if that fails.
    IfError,
    /// Useless.
    Expired,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub records: Arc<Vec<Record>>,
    pub fetched_at: Timestamp,
    pub fresh_until: Timestamp,
    pub stale_until: Timestamp,
    pub error_until: Timestamp,
    pub origin: Origin,
}

impl Entry {
    pub fn new(
        records: Arc<Vec<Record>>,
        fetched_at: Timestamp,
        policy: &SourcePolicy,
        origin: Origin,
    ) -> Self {
        let Windows {
            fresh_until,
            stale_until,
            error_until,
        } = policy.windows(fetched_at);
        Self {
            records,
            fetched_at,
            fresh_until,
            stale_until,
            error_until,
            origin,
        }
    }

    pub fn window(&self, now: Timestamp) -> Window {
        if now < self.fresh_until {
            Window::Fresh
        } else if now < self.stale_until {
            Window::Revalidate
        } else if now < self.error_until {
            Window::IfError
        } else {
            Window::Expired
        }
    }

    /// Time since the fetch, never negative.
    pub fn age(&self, now: Timestamp) -> SignedDuration {
        now.duration_since(self.fetched_at)
            .max(SignedDuration::ZERO)
    }

    pub fn answer(&self, freshness: Freshness) -> Answer {
        Answer {
            records: Arc::clone(&self.records),
            fetched_at: self.fetched_at,
            freshness,
        }
    }

    /// Why this copy is served stale while a refresh runs.
    pub fn revalidate_reason(&self) -> crate::StaleReason {
        match self.origin {
            Origin::Persisted => crate::StaleReason::LastKnownGood,
            Origin::Fetched | Origin::Shared => crate::StaleReason::Revalidating,
        }
    }

    /// Fresh while in the fresh window, otherwise stale with `reason`.
    pub fn answer_at(&self, now: Timestamp, reason: crate::StaleReason) -> Answer {
        if self.window(now) == Window::Fresh {
            self.answer(Freshness::Fresh)
        } else {
            self.answer(Freshness::Stale {
                age: self.age(now),
                reason,
            })
        }
    }

    /// Serializes and encrypts the copy, bound to its source and resident.
    pub fn seal(
        &self,
        cipher: &PayloadCipher,
        source: &str,
        key: SubjectKey,
    ) -> Result<Vec<u8>, CacheError> {
        let payload = SealedPayload {
            fetched_at: self.fetched_at,
            records: self.records.as_slice(),
        };
        let json = serde_json::to_vec(&payload)
            .map_err(|_| CacheError::BadData("records could not be serialized".into()))?;
        cipher.seal(&aad(source, key), &json)
    }

    /// Opens a sealed copy; the windows come from the policy and the sealed `fetched_at`.
    pub fn open(
        cipher: &PayloadCipher,
        source: &str,
        key: SubjectKey,
        sealed: &[u8],
        policy: &SourcePolicy,
        origin: Origin,
    ) -> Result<Self, CacheError> {
        let json = cipher.open(&aad(source, key), sealed)?;
        let payload: OpenedPayload = serde_json::from_slice(&json)
            .map_err(|_| CacheError::BadData("a sealed copy has an unknown layout".into()))?;
        let records = Arc::new(payload.records);
        Ok(Self::new(records, payload.fetched_at, policy, origin))
    }
}

/// What is sealed: `{"fetched_at": "...", "records": [...]}`.
#[derive(Serialize)]
struct SealedPayload<'a> {
    fetched_at: Timestamp,
    records: &'a [Record],
}

#[derive(Deserialize)]
struct OpenedPayload {
    fetched_at: Timestamp,
    records: Vec<Record>,
}

/// Associated data: a copy only opens for the source and resident it was sealed for.
fn aad(source: &str, key: SubjectKey) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16 + source.len() + 1 + 16);
    aad.extend_from_slice(b"minside-cache/1\0");
    aad.extend_from_slice(source.as_bytes());
    aad.push(0);
    aad.extend_from_slice(key.0.as_bytes());
    aad
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use uuid::Uuid;

    use super::*;

    #[test]
    fn windows_follow_the_policy() {
        let policy = SourcePolicy::default();
        let t0 = Timestamp::UNIX_EPOCH;
        let e = Entry::new(Arc::new(vec![]), t0, &policy, Origin::Fetched);
        let at = |s: u64| t0.saturating_add(Duration::from_secs(s)).unwrap();
        assert_eq!(e.window(at(0)), Window::Fresh);
        assert_eq!(e.window(at(299)), Window::Fresh);
        assert_eq!(e.window(at(300)), Window::Revalidate);
        assert_eq!(e.window(at(300 + 3599)), Window::Revalidate);
        assert_eq!(e.window(at(300 + 3600)), Window::IfError);
        assert_eq!(e.window(at(300 + 86_399)), Window::IfError);
        assert_eq!(e.window(at(300 + 86_400)), Window::Expired);
        assert_eq!(e.age(at(90)), SignedDuration::from_secs(90));
    }

    #[test]
    fn a_sealed_copy_opens_only_for_its_source_and_resident() {
        let policy = SourcePolicy::default();
        let cipher = PayloadCipher::new([3; 32]);
        let key = SubjectKey(Uuid::from_u128(1));
        let e = Entry::new(
            Arc::new(vec![]),
            Timestamp::UNIX_EPOCH,
            &policy,
            Origin::Fetched,
        );
        let sealed = e.seal(&cipher, "src", key).unwrap();
        let back = Entry::open(&cipher, "src", key, &sealed, &policy, Origin::Persisted).unwrap();
        assert_eq!(back.fetched_at, Timestamp::UNIX_EPOCH);
        let other = SubjectKey(Uuid::from_u128(2));
        assert!(Entry::open(&cipher, "src", other, &sealed, &policy, Origin::Fetched).is_err());
        assert!(Entry::open(&cipher, "other", key, &sealed, &policy, Origin::Fetched).is_err());
    }
}
