//! The contact register (KRR) as a [`ContactDirectory`], and the KRR rules that decide which
//! channels may be used.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_adapter_krr::{ContactInfo, ContactPoint, KrrClient, KrrStatus};
use minside_core::{Kommunenummer, Pid};
use minside_store::{ResidentId, SkipReason};

use crate::contacts::{Contact, ContactDirectory};
use crate::error::DeliveryError;

/// What KRR's entry allows at `now`:
/// - reserved (`reservasjon = JA`): no channel, [`SkipReason::KrrReserved`];
/// - `KAN_IKKE_VARSLES`: no channel, [`SkipReason::KrrCannotBeNotified`];
/// - an entry that is not `AKTIV` (deleted, never registered): [`SkipReason::NoContact`];
/// - per channel: no address or number, [`SkipReason::NoContact`]; not updated or verified in
///   the last 18 months ([`ContactPoint::is_current`]), [`SkipReason::KrrOutdated`].
pub fn contact_from_krr(info: &ContactInfo, now: Timestamp) -> Contact {
    let blocked = if info.reserved {
        Some(SkipReason::KrrReserved)
    } else if info.notifiable == Some(false) {
        Some(SkipReason::KrrCannotBeNotified)
    } else if info.status != KrrStatus::Aktiv {
        Some(SkipReason::NoContact)
    } else {
        None
    };
    let point = |p: Option<&ContactPoint>| match (blocked, p) {
        (Some(reason), _) => Err(reason),
        (None, None) => Err(SkipReason::NoContact),
        (None, Some(p)) if p.value.trim().is_empty() => Err(SkipReason::NoContact),
        (None, Some(p)) if !p.is_current(now) => Err(SkipReason::KrrOutdated),
        (None, Some(p)) => Ok(p.value.trim().to_owned()),
    };
    Contact {
        email: point(info.email.as_ref()),
        mobile: point(info.mobile.as_ref()),
        language: info.language,
    }
}

/// KRR, asked in batches (up to 1000 persons a request) through [`KrrClient`].
#[derive(Debug, Clone)]
pub struct KrrDirectory {
    client: Arc<KrrClient>,
}

impl KrrDirectory {
    pub fn new(client: Arc<KrrClient>) -> Self {
        Self { client }
    }
}

#[async_trait]
impl ContactDirectory for KrrDirectory {
    #[tracing::instrument(skip_all, fields(persons = people.len()))]
    async fn lookup(
        &self,
        _k: &Kommunenummer,
        people: &[(ResidentId, Pid)],
        now: Timestamp,
    ) -> Result<HashMap<ResidentId, Contact>, DeliveryError> {
        if people.is_empty() {
            return Ok(HashMap::new());
        }
        let mut residents: HashMap<&Pid, Vec<ResidentId>> = HashMap::new();
        for (id, pid) in people {
            residents.entry(pid).or_default().push(*id);
        }
        let pids: Vec<Pid> = residents.keys().map(|p| (*p).clone()).collect();
        let found = self
            .client
            .lookup(&pids)
            .await
            .map_err(|e| DeliveryError::Directory(format!("KRR: {e}")))?;
        let mut contacts = HashMap::with_capacity(people.len());
        for info in &found {
            let Some(ids) = residents.get(&info.pid) else {
                continue;
            };
            let contact = contact_from_krr(info, now);
            for id in ids {
                contacts.insert(*id, contact.clone());
            }
        }
        Ok(contacts)
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use minside_core::Locale;

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn entry(now: Timestamp) -> ContactInfo {
        let pid = Pid::synthetic(date(1984, 3, 14), 123)
            .or_else(|| Pid::synthetic(date(1984, 3, 14), 124))
            .expect("pid");
        let recent = ContactPoint {
            value: "kari@example.no".into(),
            updated: Some(now),
            last_verified: None,
        };
        ContactInfo {
            pid,
            reserved: false,
            status: KrrStatus::Aktiv,
            notifiable: Some(true),
            email: Some(recent.clone()),
            mobile: Some(ContactPoint {
                value: "+4799999999".into(),
                ..recent
            }),
            language: Some(Locale::Nn),
            language_updated: None,
            digital_mailbox: None,
            has_certificate: false,
        }
    }

    #[test]
    fn krr_rules_decide_the_channels() {
        let now = ts("2026-11-23T10:00:00Z");
        let ok = contact_from_krr(&entry(now), now);
        assert_eq!(ok.email.as_deref(), Ok("kari@example.no"));
        assert_eq!(ok.mobile.as_deref(), Ok("+4799999999"));
        assert_eq!(ok.language, Some(Locale::Nn));

        let mut reserved = entry(now);
        reserved.reserved = true;
        assert_eq!(
            contact_from_krr(&reserved, now),
            Contact {
                language: Some(Locale::Nn),
                ..Contact::unusable(SkipReason::KrrReserved)
            }
        );
        let mut silent = entry(now);
        silent.notifiable = Some(false);
        assert_eq!(
            contact_from_krr(&silent, now).mobile,
            Err(SkipReason::KrrCannotBeNotified)
        );
        let mut deleted = entry(now);
        deleted.status = KrrStatus::Slettet;
        assert_eq!(
            contact_from_krr(&deleted, now).email,
            Err(SkipReason::NoContact)
        );

        let mut old = entry(now);
        let stale = ts("2025-05-01T10:00:00Z"); // more than 18 months before `now`
        if let Some(e) = old.email.as_mut() {
            e.updated = Some(stale);
        }
        old.mobile = None;
        let c = contact_from_krr(&old, now);
        assert_eq!(c.email, Err(SkipReason::KrrOutdated));
        assert_eq!(c.mobile, Err(SkipReason::NoContact));
        // Verified recently counts as current.
        if let Some(e) = old.email.as_mut() {
            e.last_verified = Some(ts("2026-01-01T10:00:00Z"));
        }
        assert!(contact_from_krr(&old, now).email.is_ok());
    }

    #[test]
    fn debug_masks_the_contact() {
        let now = ts("2026-11-23T10:00:00Z");
        let text = format!("{:?}", contact_from_krr(&entry(now), now));
        assert!(!text.contains("kari@"), "{text}");
        assert!(!text.contains("99999999"), "{text}");
    }
}
