//! Stories: claiming outbox items (due items oldest first, concurrent workers, leases).

use std::collections::HashSet;

use futures_util::future::join_all;

use super::{active_rule, claim, claim_own, create_one, ids, notice, seconds, status_of};
use crate::conformance::{asker, minutes, new_resident, t0};
use crate::{Channel, NoticeId, OutboxClaim, OutboxItem, OutboxOutcome, OutboxStatus, Store};

/// A claim takes the due items of the asked channels, oldest first, with what delivery needs
/// (identity number, content, lease end); items not yet due or of other channels stay.
pub async fn outbox_claim_takes_due_items_oldest_first(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    let n2 = create_one(store, notice(&rule, &a, "second", &[Channel::Email], 2)).await;
    let new1 = notice(&rule, &a, "first", &[Channel::Email, Channel::Sms], 1);
    let n1 = create_one(store, new1.clone()).await;
    let n3 = create_one(store, notice(&rule, &a, "not due", &[Channel::Email], 30)).await;

    let now = t0() + minutes(5);
    let request = claim("worker-a", &[Channel::Email], now);
    let items = claim_own(store, &request, &[n1, n2, n3]).await;
    let notices: Vec<NoticeId> = items.iter().map(|i| i.notice_id).collect();
    assert_eq!(notices, [n1, n2], "due e-mail items, oldest first");
    let first = &items[0];
    assert_eq!(first.channel, Channel::Email);
    assert_eq!(first.attempts, 0);
    assert_eq!(first.kommunenummer, k);
    assert_eq!(first.rule_id, rule.id);
    assert_eq!(first.recipient_id, a.id);
    assert_eq!(first.recipient_pid, a.pid);
    assert_eq!(first.category, "barnehage");
    assert_eq!(first.content, new1.content);
    assert_eq!(first.notice_created_at, new1.created_at);
    assert_eq!(first.lease_until, now + minutes(5));

    let later = claim_own(
        store,
        &claim("worker-b", &[Channel::Email, Channel::Sms], now),
        &[n1, n2, n3],
    )
    .await;
    assert_eq!(later.len(), 1, "only the SMS item is still free");
    assert_eq!((later[0].notice_id, later[0].channel), (n1, Channel::Sms));
    assert_eq!(
        status_of(store, n1, Channel::Inbox).await.0,
        OutboxStatus::Pending
    );
}

/// Eight workers claim and complete at the same time, over and over: no item is handed to two
/// of them, and every item is delivered once.
pub async fn outbox_concurrent_claimers_never_share_an_item(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    let news: Vec<_> = (0..60)
        .map(|i| notice(&rule, &a, &format!("n{i}"), &[Channel::Email], 1))
        .collect();
    let notices = store.create_notices(&news).await.expect("create notices");
    assert_eq!(notices.len(), 60);
    let now = t0() + minutes(2);

    let workers = (0..8).map(|w| async move {
        let owner = format!("worker-{w}-{}", uuid::Uuid::now_v7());
        let request = OutboxClaim {
            limit: 7,
            ..claim(&owner, &[Channel::Inbox, Channel::Email], now)
        };
        let mut taken = Vec::new();
        for _ in 0..super::MAX_CLAIMS {
            let batch = store.claim_outbox(&request).await.expect("claim");
            if batch.is_empty() {
                break;
            }
            let outcomes: Vec<_> = batch
                .iter()
                .map(|i| (i.id, OutboxOutcome::Delivered { at: now }))
                .collect();
            let recorded = store
                .complete_outbox(&owner, &outcomes)
                .await
                .expect("complete");
            assert_eq!(recorded, u64::try_from(batch.len()).expect("fits"));
            taken.extend(batch);
        }
        taken
    });
    let taken: Vec<OutboxItem> = join_all(workers).await.into_iter().flatten().collect();
    let mut seen = HashSet::new();
    for item in &taken {
        assert!(seen.insert(item.id), "an item was claimed by two workers");
    }
    let own: HashSet<NoticeId> = notices.iter().copied().collect();
    let mine = taken.iter().filter(|i| own.contains(&i.notice_id)).count();
    assert_eq!(mine, 120, "every inbox and e-mail item claimed once");
    for notice in &notices {
        for (channel, status, attempts, _) in store.outbox_of(*notice).await.expect("outbox") {
            assert_eq!(
                (status, attempts),
                (OutboxStatus::Delivered, 1),
                "{channel}"
            );
        }
    }
    let inbox = store
        .list_inbox(a.id, crate::InboxFilter::Current, None, 100)
        .await
        .expect("inbox");
    assert_eq!(inbox.len(), 60);
}

/// A lease holds until it ends (exclusive): then another worker may claim the item, and the
/// first worker can no longer mark or complete it.
pub async fn outbox_expired_lease_passes_the_item_on(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    let n = create_one(store, notice(&rule, &a, "lease", &[], 1)).await;
    let now = t0() + minutes(2);

    let first = claim_own(store, &claim("worker-a", &[Channel::Inbox], now), &[n]).await;
    assert_eq!(first.len(), 1);
    let before_expiry = now + minutes(5) - seconds(1);
    assert!(
        claim_own(
            store,
            &claim("worker-b", &[Channel::Inbox], before_expiry),
            &[n]
        )
        .await
        .is_empty()
    );
    let second = claim_own(
        store,
        &claim("worker-b", &[Channel::Inbox], now + minutes(5)),
        &[n],
    )
    .await;
    assert_eq!(
        ids(&second),
        ids(&first),
        "the expired lease passes the item on"
    );

    let at = now + minutes(6);
    assert!(
        store
            .mark_sending("worker-a", &ids(&first), at, at + minutes(5))
            .await
            .expect("mark")
            .is_empty()
    );
    let late = [(first[0].id, OutboxOutcome::Delivered { at })];
    assert_eq!(
        store
            .complete_outbox("worker-a", &late)
            .await
            .expect("complete"),
        0
    );
    assert!(
        store.get_inbox_notice(a.id, n).await.is_err(),
        "not delivered by the lost lease"
    );

    assert_eq!(
        store
            .complete_outbox("worker-b", &late)
            .await
            .expect("complete"),
        1
    );
    assert_eq!(
        store
            .get_inbox_notice(a.id, n)
            .await
            .expect("delivered")
            .delivered_at,
        Some(at)
    );
    assert_eq!(
        store
            .complete_outbox("worker-b", &late)
            .await
            .expect("again"),
        0
    );
}
