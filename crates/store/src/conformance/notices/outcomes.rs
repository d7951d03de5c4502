//! Stories: what becomes of claimed outbox items (sending, interrupted, retries with backoff,
//! final failure and skipping).

use super::{
    INTERRUPTED, active_rule, claim, claim_own, create_one, ids, notice, seconds, status_of,
};
use crate::conformance::{asker, minutes, new_resident, t0};
use crate::{Channel, OutboxOutcome, OutboxStatus, SkipReason, Store};

/// An item marked `sending` is never claimed again; once its lease has run out it fails as
/// interrupted, and its worker can no longer complete it.
pub async fn outbox_sending_items_are_never_sent_twice(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    let n = create_one(
        store,
        notice(&rule, &a, "sending", &[Channel::Email, Channel::Sms], 1),
    )
    .await;
    let now = t0() + minutes(2);
    let items = claim_own(
        store,
        &claim("worker-a", &[Channel::Email, Channel::Sms], now),
        &[n],
    )
    .await;
    assert_eq!(items.len(), 2);
    let email = items
        .iter()
        .find(|i| i.channel == Channel::Email)
        .expect("e-mail item");
    let sms = items
        .iter()
        .find(|i| i.channel == Channel::Sms)
        .expect("SMS item");
    let marked = store
        .mark_sending("worker-a", &[email.id], now + minutes(1), now + minutes(8))
        .await
        .expect("mark sending");
    assert_eq!(marked, [email.id]);
    assert!(
        store
            .mark_sending("worker-b", &[sms.id], now, now + minutes(8))
            .await
            .expect("mark")
            .is_empty()
    );
    assert_eq!(
        status_of(store, n, Channel::Email).await.0,
        OutboxStatus::Sending
    );

    let after_expiry = now + minutes(10);
    let again = claim_own(
        store,
        &claim("worker-b", &[Channel::Email, Channel::Sms], after_expiry),
        &[n],
    )
    .await;
    assert_eq!(
        ids(&again),
        [sms.id],
        "the sending e-mail is not claimed again"
    );

    store
        .fail_interrupted(now + minutes(4))
        .await
        .expect("fail interrupted");
    assert_eq!(
        status_of(store, n, Channel::Email).await.0,
        OutboxStatus::Sending,
        "lease still live"
    );
    store
        .fail_interrupted(now + minutes(6))
        .await
        .expect("fail interrupted");
    assert_eq!(
        status_of(store, n, Channel::Email).await.0,
        OutboxStatus::Sending,
        "marking it sending renewed the lease past the claim's five minutes"
    );
    assert!(
        store
            .fail_interrupted(after_expiry)
            .await
            .expect("fail interrupted")
            >= 1
    );
    assert_eq!(
        status_of(store, n, Channel::Email).await,
        (OutboxStatus::Failed, 1, Some(INTERRUPTED.into()))
    );
    let late = [(email.id, OutboxOutcome::Delivered { at: after_expiry })];
    assert_eq!(
        store
            .complete_outbox("worker-a", &late)
            .await
            .expect("complete"),
        0
    );
    assert_eq!(
        status_of(store, n, Channel::Email).await.0,
        OutboxStatus::Failed
    );
}

/// A retry waits until its time and counts as an attempt when asked; failure and skipping are
/// final with their reason; a delivered e-mail does not deliver the inbox item.
pub async fn outbox_retry_backoff_and_final_outcomes(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    let n = create_one(
        store,
        notice(&rule, &a, "retry", &[Channel::Email, Channel::Sms], 1),
    )
    .await;
    let mut now = t0() + minutes(2);
    let channels = [Channel::Email, Channel::Sms];
    let items = claim_own(store, &claim("worker-a", &channels, now), &[n]).await;
    let email = items
        .iter()
        .find(|i| i.channel == Channel::Email)
        .expect("e-mail")
        .id;
    let sms = items
        .iter()
        .find(|i| i.channel == Channel::Sms)
        .expect("SMS")
        .id;

    let outcomes = [
        (
            email,
            OutboxOutcome::Retry {
                not_before: now + minutes(10),
                error: "421 try later".into(),
                count_attempt: true,
            },
        ),
        (
            sms,
            OutboxOutcome::Retry {
                not_before: now + minutes(20),
                error: "quiet hours".into(),
                count_attempt: false,
            },
        ),
    ];
    assert_eq!(
        store
            .complete_outbox("worker-a", &outcomes)
            .await
            .expect("retry"),
        2
    );
    assert_eq!(
        status_of(store, n, Channel::Email).await,
        (OutboxStatus::Pending, 1, Some("421 try later".into()))
    );
    assert_eq!(
        status_of(store, n, Channel::Sms).await,
        (OutboxStatus::Pending, 0, Some("quiet hours".into()))
    );

    now += minutes(10) - seconds(1);
    assert!(
        claim_own(store, &claim("worker-b", &channels, now), &[n])
            .await
            .is_empty(),
        "not due yet"
    );
    now += seconds(1);
    let retried = claim_own(store, &claim("worker-b", &channels, now), &[n]).await;
    assert_eq!(ids(&retried), [email]);
    assert_eq!(retried[0].attempts, 1, "attempts made before this one");
    let failed = [(
        email,
        OutboxOutcome::Failed {
            reason: "550 no such user".into(),
        },
    )];
    assert_eq!(
        store
            .complete_outbox("worker-b", &failed)
            .await
            .expect("fail"),
        1
    );
    assert_eq!(
        status_of(store, n, Channel::Email).await,
        (OutboxStatus::Failed, 2, Some("550 no such user".into()))
    );

    now += minutes(10);
    let sms_again = claim_own(store, &claim("worker-c", &channels, now), &[n]).await;
    assert_eq!(ids(&sms_again), [sms]);
    let skipped = [(
        sms,
        OutboxOutcome::Skipped {
            reason: SkipReason::KrrReserved,
        },
    )];
    assert_eq!(
        store
            .complete_outbox("worker-c", &skipped)
            .await
            .expect("skip"),
        1
    );
    assert_eq!(
        status_of(store, n, Channel::Sms).await,
        (OutboxStatus::Skipped, 0, Some("krr_reserved".into()))
    );
    assert!(
        claim_own(
            store,
            &claim("worker-c", &channels, now + minutes(60)),
            &[n]
        )
        .await
        .is_empty(),
        "final states are never claimed"
    );

    let other = create_one(
        store,
        notice(&rule, &a, "e-mail only", &[Channel::Email], 1),
    )
    .await;
    let item = claim_own(store, &claim("worker-d", &[Channel::Email], now), &[other]).await;
    let delivered = [(item[0].id, OutboxOutcome::Delivered { at: now })];
    assert_eq!(
        store
            .complete_outbox("worker-d", &delivered)
            .await
            .expect("deliver"),
        1
    );
    assert_eq!(
        status_of(store, other, Channel::Email).await,
        (OutboxStatus::Delivered, 1, None)
    );
    assert!(
        store.get_inbox_notice(a.id, other).await.is_err(),
        "the inbox item is still pending"
    );
}
