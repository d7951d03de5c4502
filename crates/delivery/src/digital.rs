//! One round of e-mail or SMS delivery: claim a batch, hold back SMS outside the sending
//! window, ask the contact register once per tenant, apply the KRR rules and the residents'
//! preferences, then send each remaining item between `mark_sending` and its completion.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use minside_core::{Kommunenummer, Pid};
use minside_store::{
    Channel, NoticePreferences, OutboxId, OutboxItem, OutboxOutcome, ResidentId, SkipReason,
};

use crate::contacts::Contact;
use crate::content::NoticeText;
use crate::error::DeliveryError;
use crate::outcome::SendOutcome;
use crate::worker::{ChannelReport, DeliveryWorker, RoundClock};

/// An item cleared for sending.
struct Ready {
    item: OutboxItem,
    address: String,
    text: NoticeText,
}

/// What became of one send.
enum Sent {
    Outcome(OutboxOutcome),
    LeaseLost,
    StoreError,
}

/// Attempts counted before this one.
fn attempts_made(item: &OutboxItem) -> u32 {
    u32::try_from(item.attempts).unwrap_or(0)
}

fn plus(t: Timestamp, d: Duration) -> Timestamp {
    let d = SignedDuration::try_from(d).unwrap_or(SignedDuration::MAX);
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

impl DeliveryWorker {
    fn has_channel(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email.is_some(),
            Channel::Sms => self.sms.is_some(),
            Channel::Inbox => false,
        }
    }

    /// One batch of `channel` (e-mail or SMS) items. Nothing happens without the channel.
    pub(crate) async fn deliver_digital(
        &self,
        channel: Channel,
        now: Timestamp,
    ) -> Result<ChannelReport, DeliveryError> {
        let mut report = ChannelReport::default();
        if !self.has_channel(channel) {
            return Ok(report);
        }
        let clock = RoundClock::new(now);
        let claim = self.claim(channel, self.config.batch, now);
        let items = self.store.claim_outbox(&claim).await?;
        report.claimed = items.len() as u64;
        if items.is_empty() {
            return Ok(report);
        }
        let mut outcomes: Vec<(OutboxId, OutboxOutcome)> = Vec::new();

        // Quiet hours: the whole batch waits for the window, no attempt counted.
        if channel == Channel::Sms
            && let Some(window) = &self.config.sms_window
            && let Some(opens) = window.next_open(now)
        {
            let wait = OutboxOutcome::Retry {
                not_before: opens,
                error: "waiting for the SMS sending hours".into(),
                count_attempt: false,
            };
            outcomes.extend(items.iter().map(|i| (i.id, wait.clone())));
            report.deferred = outcomes.len() as u64;
            self.store.complete_outbox(&self.owner, &outcomes).await?;
            return Ok(report);
        }

        let contacts = self.contacts(&items, now).await;
        let mut preferences: HashMap<ResidentId, NoticePreferences> = HashMap::new();
        for item in &items {
            if let std::collections::hash_map::Entry::Vacant(slot) =
                preferences.entry(item.recipient_id)
            {
                slot.insert(self.store.get_preferences(item.recipient_id).await?);
            }
        }

        let mut ready = Vec::new();
        for item in items {
            let contact = match contacts.get(&item.kommunenummer) {
                Some(Ok(found)) => found
                    .get(&item.recipient_id)
                    .cloned()
                    .unwrap_or_else(Contact::none),
                failed => {
                    let error = match failed {
                        Some(Err(e)) => e.to_string(),
                        _ => "contact directory unavailable".to_owned(),
                    };
                    let delay = self
                        .config
                        .backoff()
                        .delay(attempts_made(&item) + 1, item.id);
                    report.deferred += 1;
                    outcomes.push((
                        item.id,
                        OutboxOutcome::Retry {
                            not_before: plus(clock.now(), delay),
                            error,
                            count_attempt: false,
                        },
                    ));
                    continue;
                }
            };
            let address = match channel {
                Channel::Sms => contact.mobile.clone(),
                _ => contact.email.clone(),
            };
            let wanted = preferences
                .get(&item.recipient_id)
                .is_none_or(|p| match channel {
                    Channel::Sms => p.sms,
                    _ => p.email,
                });
            let outcome = match (address, wanted) {
                (Err(reason), _) => OutboxOutcome::Skipped { reason },
                (Ok(_), false) => OutboxOutcome::Skipped {
                    reason: SkipReason::Preference,
                },
                (Ok(address), true) => match NoticeText::pick(&item.content, contact.language) {
                    Some(text) => {
                        ready.push(Ready {
                            item,
                            address,
                            text,
                        });
                        continue;
                    }
                    None => OutboxOutcome::Failed {
                        reason: "the notice has no text".into(),
                    },
                },
            };
            match outcome {
                OutboxOutcome::Skipped { .. } => report.skipped += 1,
                _ => report.failed += 1,
            }
            outcomes.push((item.id, outcome));
        }
        if !outcomes.is_empty() {
            self.store.complete_outbox(&self.owner, &outcomes).await?;
        }

        let concurrency = match channel {
            Channel::Sms => self.config.sms_concurrency,
            _ => self.config.email_concurrency,
        };
        let results: Vec<Sent> = futures_util::stream::iter(ready)
            .map(|r| self.send_one(channel, r, clock))
            .buffer_unordered(concurrency)
            .collect()
            .await;
        for sent in results {
            match sent {
                Sent::Outcome(OutboxOutcome::Delivered { .. }) => report.sent += 1,
                Sent::Outcome(OutboxOutcome::Retry { .. }) => report.retried += 1,
                Sent::Outcome(OutboxOutcome::Failed { .. }) => report.failed += 1,
                Sent::Outcome(OutboxOutcome::Skipped { .. }) => report.skipped += 1,
                Sent::LeaseLost => report.lease_lost += 1,
                Sent::StoreError => report.errors += 1,
            }
        }
        Ok(report)
    }

    /// The contacts of the batch's recipients, one directory call per tenant.
    async fn contacts(
        &self,
        items: &[OutboxItem],
        now: Timestamp,
    ) -> BTreeMap<Kommunenummer, Result<HashMap<ResidentId, Contact>, DeliveryError>> {
        let mut by_tenant: BTreeMap<Kommunenummer, Vec<(ResidentId, Pid)>> = BTreeMap::new();
        for item in items {
            let people = by_tenant.entry(item.kommunenummer).or_default();
            if !people.iter().any(|(id, _)| *id == item.recipient_id) {
                people.push((item.recipient_id, item.recipient_pid.clone()));
            }
        }
        let mut out = BTreeMap::new();
        for (k, people) in by_tenant {
            let found = self.directory.lookup(&k, &people, now).await;
            if let Err(e) = &found {
                tracing::warn!(kommunenummer = %k, error = %e, "contact lookup failed; retrying later");
            }
            out.insert(k, found);
        }
        out
    }

    /// Marks the item `sending`, sends it, and records the outcome.
    async fn send_one(&self, channel: Channel, ready: Ready, clock: RoundClock) -> Sent {
        let Ready {
            item,
            address,
            text,
        } = ready;
        match self
            .store
            .mark_sending(
                &self.owner,
                &[item.id],
                clock.now(),
                plus(clock.now(), Duration::from_secs(self.config.lease_secs)),
            )
            .await
        {
            Ok(owned) if owned.contains(&item.id) => {}
            Ok(_) => {
                tracing::warn!(outbox = %item.id, "claim lost before sending; not sent");
                return Sent::LeaseLost;
            }
            Err(e) => {
                tracing::warn!(outbox = %item.id, error = %e, "could not mark the item sending");
                return Sent::StoreError;
            }
        }
        let sent = match (channel, &self.email, &self.sms) {
            (Channel::Sms, _, Some(sms)) => {
                sms.send(item.id, item.notice_id, &address, &text).await
            }
            (Channel::Email, Some(email), _) => email.send(item.notice_id, &address, &text).await,
            _ => SendOutcome::Failed {
                reason: "the channel is not configured".into(),
            },
        };
        let outcome = self.outcome(&item, sent, clock.now());
        match &outcome {
            OutboxOutcome::Failed { reason } => {
                tracing::warn!(outbox = %item.id, %channel, %reason, "delivery failed");
            }
            OutboxOutcome::Retry { error, .. } => {
                tracing::info!(outbox = %item.id, %channel, %error, "delivery deferred");
            }
            _ => {}
        }
        // The message is out: try hard to record it, or it would end as "interrupted".
        for attempt in 1..=3u64 {
            match self
                .store
                .complete_outbox(&self.owner, &[(item.id, outcome.clone())])
                .await
            {
                Ok(_) => return Sent::Outcome(outcome),
                Err(e) => {
                    tracing::warn!(outbox = %item.id, error = %e, attempt, "could not record a send");
                    tokio::time::sleep(Duration::from_millis(100 * attempt)).await;
                }
            }
        }
        Sent::StoreError
    }

    /// The store outcome of a send: retries back off and end `failed` after `max_attempts`.
    fn outcome(&self, item: &OutboxItem, sent: SendOutcome, now: Timestamp) -> OutboxOutcome {
        match sent {
            SendOutcome::Sent => OutboxOutcome::Delivered { at: now },
            SendOutcome::Failed { reason } => OutboxOutcome::Failed { reason },
            SendOutcome::Retry { error, after } => {
                let attempts = attempts_made(item) + 1;
                if attempts >= self.config.max_attempts {
                    return OutboxOutcome::Failed {
                        reason: format!("{error} (gave up after {attempts} attempts)"),
                    };
                }
                let delay = self.config.backoff().delay(attempts, item.id);
                OutboxOutcome::Retry {
                    not_before: plus(now, delay.max(after.unwrap_or_default())),
                    error,
                    count_attempt: true,
                }
            }
        }
    }
}
