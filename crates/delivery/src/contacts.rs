//! Where e-mails and SMS go: the contact register, behind [`ContactDirectory`].

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_adapter_krr::ContactInfo;
use minside_core::{Kommunenummer, Locale, Pid};
use minside_store::{ResidentId, SkipReason};

use crate::error::DeliveryError;
use crate::krr::contact_from_krr;
use crate::mask::mask_email;

/// What may be used to reach one resident: each channel's address, or why it may not be used.
/// `Debug` masks the address and number.
#[derive(Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: Result<String, SkipReason>,
    pub mobile: Result<String, SkipReason>,
    /// The resident's preferred language, when the register has one.
    pub language: Option<Locale>,
}

impl Contact {
    /// No contact data at all.
    pub fn none() -> Self {
        Self::unusable(SkipReason::NoContact)
    }

    /// Neither channel, for the same reason.
    pub fn unusable(reason: SkipReason) -> Self {
        Self {
            email: Err(reason),
            mobile: Err(reason),
            language: None,
        }
    }
}

impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mobile = self.mobile.as_ref().map(|m| {
            let tail: String = m
                .chars()
                .rev()
                .take(2)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            format!("***{tail}")
        });
        f.debug_struct("Contact")
            .field("email", &self.email.as_ref().map(|e| mask_email(e)))
            .field("mobile", &mobile)
            .field("language", &self.language)
            .finish()
    }
}

/// Looks up how to reach residents. One call per batch of outbox items.
#[async_trait]
pub trait ContactDirectory: Send + Sync {
    /// The contact of each of `people` (residents of tenant `k`) as it stands at `now`.
    /// A resident left out of the map has no contact data (`NoContact`). An error means the
    /// register could not be asked: the items wait and are tried again later.
    async fn lookup(
        &self,
        k: &Kommunenummer,
        people: &[(ResidentId, Pid)],
        now: Timestamp,
    ) -> Result<HashMap<ResidentId, Contact>, DeliveryError>;
}

/// An in-memory contact register holding KRR-shaped entries ([`ContactInfo`]) and applying
/// the same rules as [`KrrDirectory`](crate::KrrDirectory): for the demo municipality and for
/// tests. The same for every tenant.
#[derive(Debug, Default, Clone)]
pub struct StaticDirectory {
    entries: HashMap<Pid, ContactInfo>,
}

impl StaticDirectory {
    pub fn new(entries: impl IntoIterator<Item = ContactInfo>) -> Self {
        Self {
            entries: entries.into_iter().map(|e| (e.pid.clone(), e)).collect(),
        }
    }

    /// Adds or replaces the entry of `entry.pid`.
    pub fn insert(&mut self, entry: ContactInfo) {
        self.entries.insert(entry.pid.clone(), entry);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[async_trait]
impl ContactDirectory for StaticDirectory {
    async fn lookup(
        &self,
        _k: &Kommunenummer,
        people: &[(ResidentId, Pid)],
        now: Timestamp,
    ) -> Result<HashMap<ResidentId, Contact>, DeliveryError> {
        Ok(people
            .iter()
            .filter_map(|(id, pid)| {
                let entry = self.entries.get(pid)?;
                Some((*id, contact_from_krr(entry, now)))
            })
            .collect())
    }
}
