//! Stories: proactive notices (rules, notices and the inbox, the delivery outbox, preferences,
//! caseworker views, job leases and markers).
//!
//! Claiming outbox items is global (any tenant, any story), so when stories run one after
//! another on one database a claim may return items an earlier story left pending. The stories
//! look only at their own items ([`claim_own`]) and leave the others leased. Notices dated
//! before the stories' clock start belong to the retention story alone; 4203 Arendal is the
//! paper-letter story's own tenant (its register snapshot moves other residents out).

mod inbox;
mod misc;
mod outbox;
mod outcomes;
mod rules;

use std::{collections::HashSet, time::Duration};

use jiff::{SignedDuration, Timestamp, civil::date};
use minside_core::Kommunenummer;
use serde_json::json;

pub use self::inbox::{
    inbox_shows_delivered_notices_of_the_recipient, notices_are_created_once_per_key,
    notices_create_is_all_or_nothing, notices_retention_deletes_old_notices,
};
pub use self::misc::{
    job_lease_is_exclusive_until_expiry, markers_round_trip,
    notice_preferences_default_and_round_trip, notice_rule_stats_count_per_channel,
    paper_letters_list_notices_no_digital_channel_could_carry,
};
pub use self::outbox::{
    outbox_claim_takes_due_items_oldest_first, outbox_concurrent_claimers_never_share_an_item,
    outbox_expired_lease_passes_the_item_on,
};
pub use self::outcomes::{
    outbox_retry_backoff_and_final_outcomes, outbox_sending_items_are_never_sent_twice,
};
pub use self::rules::{notice_rule_create_update_and_status, notice_rule_tenant_isolation};
use super::{minutes, t0};
use crate::{
    Channel, NewNotice, NoticeId, OutboxClaim, OutboxId, OutboxItem, OutboxOutcome, OutboxStatus,
    Resident, RuleFields, RuleStatus, Store, StoredRule,
};

/// The fields of a rule named `name` in category `barnehage`, e-mail and SMS.
fn rule_fields(name: &str) -> RuleFields {
    RuleFields {
        name: name.to_owned(),
        category: "barnehage".to_owned(),
        opt_out_allowed: true,
        trigger: json!({"kind": "age", "who": "child", "years": 1, "months": 0}),
        audience: "resident.children.exists(c, c.age_months >= 10)".to_owned(),
        content: json!({
            "nb": {"title": "Barnehageplass", "body": "Hei {{fornavn}}, søk barnehageplass."},
            "en": {"title": "Kindergarten", "body": "Hi {{fornavn}}, apply for a place."},
        }),
        channels: vec![Channel::Email, Channel::Sms],
        priority: 2,
        valid_from: Some(date(2025, 1, 1)),
        valid_to: Some(date(2026, 12, 31)),
    }
}

/// A new active rule of `k` (created and activated at [`t0`]).
async fn active_rule(store: &dyn Store, k: &Kommunenummer) -> StoredRule {
    let rule = store
        .create_rule(k, rule_fields("Barnehagestart"), "caseworker:ola", t0())
        .await
        .expect("create rule");
    store
        .set_rule_status(
            k,
            rule.id,
            rule.version,
            RuleStatus::Active,
            "caseworker:ola",
            t0(),
        )
        .await
        .expect("activate rule")
}

/// A notice of `rule` to `recipient` about themselves, created `minute` minutes after [`t0`].
fn notice(
    rule: &StoredRule,
    recipient: &Resident,
    occurrence: &str,
    channels: &[Channel],
    minute: i64,
) -> NewNotice {
    NewNotice {
        kommunenummer: rule.kommunenummer,
        rule_id: rule.id,
        recipient_id: recipient.id,
        subject_id: recipient.id,
        occurrence: occurrence.to_owned(),
        category: rule.category.clone(),
        priority: rule.priority,
        content: json!({"nb": {"title": "Barnehageplass", "body": occurrence}}),
        channels: channels.to_vec(),
        created_at: t0() + minutes(minute),
    }
}

/// Creates one notice that must be new; returns its id.
async fn create_one(store: &dyn Store, new: NewNotice) -> NoticeId {
    let ids = store.create_notices(&[new]).await.expect("create notice");
    assert_eq!(ids.len(), 1, "a new idempotency key creates a notice");
    ids[0]
}

fn claim(owner: &str, channels: &[Channel], now: Timestamp) -> OutboxClaim {
    OutboxClaim {
        owner: owner.to_owned(),
        channels: channels.to_vec(),
        limit: 50,
        lease: Duration::from_secs(300),
        now,
    }
}

/// At most this many claims in a row before a story gives up: a claim that hands out leased
/// items again would otherwise never run dry.
const MAX_CLAIMS: usize = 1_000;

/// Claims until nothing is left and returns the items of `notices`, in claim order (items of
/// other stories stay leased to `claim.owner`). Panics if an item is handed out twice.
async fn claim_own(
    store: &dyn Store,
    claim: &OutboxClaim,
    notices: &[NoticeId],
) -> Vec<OutboxItem> {
    let own: HashSet<NoticeId> = notices.iter().copied().collect();
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for _ in 0..MAX_CLAIMS {
        let batch = store.claim_outbox(claim).await.expect("claim outbox");
        if batch.is_empty() {
            return items;
        }
        for item in batch {
            assert!(seen.insert(item.id), "a leased item was claimed again");
            if own.contains(&item.notice_id) {
                items.push(item);
            }
        }
    }
    panic!("claims never ran dry");
}

/// Claims the inbox items of `notices` and records them delivered at `at`. Every due inbox item
/// is claimed, so other due items of the story stay leased for five minutes.
async fn deliver_inbox(store: &dyn Store, notices: &[NoticeId], at: Timestamp) {
    let owner = format!("deliver-{}", uuid::Uuid::now_v7());
    let items = claim_own(store, &claim(&owner, &[Channel::Inbox], at), notices).await;
    assert_eq!(items.len(), notices.len(), "one inbox item per notice");
    let outcomes: Vec<(OutboxId, OutboxOutcome)> = items
        .iter()
        .map(|i| (i.id, OutboxOutcome::Delivered { at }))
        .collect();
    let recorded = store
        .complete_outbox(&owner, &outcomes)
        .await
        .expect("complete outbox");
    assert_eq!(recorded, u64::try_from(notices.len()).expect("fits"));
}

/// The reason of an item its worker left `sending`.
const INTERRUPTED: &str = "interrupted while sending; not resent to avoid a duplicate";

/// The ids of `items`.
fn ids(items: &[OutboxItem]) -> Vec<OutboxId> {
    items.iter().map(|i| i.id).collect()
}

/// Status, attempts and detail of the notice's item of `channel`.
async fn status_of(
    store: &dyn Store,
    notice: NoticeId,
    channel: Channel,
) -> (OutboxStatus, i32, Option<String>) {
    let items = store.outbox_of(notice).await.expect("outbox of notice");
    let (_, status, attempts, detail) = items
        .into_iter()
        .find(|(c, ..)| *c == channel)
        .expect("an item of the channel");
    (status, attempts, detail)
}

fn seconds(n: i64) -> SignedDuration {
    SignedDuration::from_secs(n)
}

/// Runs every notice story in turn on one store.
pub(super) async fn run_all(store: &dyn Store) {
    notice_rule_create_update_and_status(store).await;
    notice_rule_tenant_isolation(store).await;
    notices_are_created_once_per_key(store).await;
    notices_create_is_all_or_nothing(store).await;
    inbox_shows_delivered_notices_of_the_recipient(store).await;
    notices_retention_deletes_old_notices(store).await;
    outbox_claim_takes_due_items_oldest_first(store).await;
    outbox_concurrent_claimers_never_share_an_item(store).await;
    outbox_expired_lease_passes_the_item_on(store).await;
    outbox_sending_items_are_never_sent_twice(store).await;
    outbox_retry_backoff_and_final_outcomes(store).await;
    notice_preferences_default_and_round_trip(store).await;
    notice_rule_stats_count_per_channel(store).await;
    paper_letters_list_notices_no_digital_channel_could_carry(store).await;
    job_lease_is_exclusive_until_expiry(store).await;
    markers_round_trip(store).await;
}
