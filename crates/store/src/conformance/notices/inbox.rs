//! Stories: creating notices (idempotent, all or nothing), the recipient's inbox, retention.

use serde_json::json;

use super::{active_rule, create_one, deliver_inbox, notice};
use crate::conformance::{asker, minutes, new_resident, oslo, t0};
use crate::{Channel, InboxFilter, Notice, NoticeId, OutboxStatus, ResidentId, Store, StoreError};

async fn inbox(store: &dyn Store, recipient: ResidentId, filter: InboxFilter) -> Vec<NoticeId> {
    store
        .list_inbox(recipient, filter, None, 100)
        .await
        .expect("list inbox")
        .iter()
        .map(|n| n.id)
        .collect()
}

fn pending(channel: Channel) -> (Channel, OutboxStatus, i32, Option<String>) {
    (channel, OutboxStatus::Pending, 0, None)
}

/// A notice is created once per (rule, recipient, occurrence): a key repeated within one call
/// or in a later call is left out (the first one given wins), and the result lists the created
/// notices in input order. Each gets a pending inbox item plus one per other channel asked for.
pub async fn notices_are_created_once_per_key(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let b = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    let other_rule = active_rule(store, &k).await;

    let first = notice(&rule, &a, "age:1y0m", &[Channel::Email], 1);
    let repeated = super::NewNotice {
        content: json!({"nb": {"title": "Duplikat", "body": "Skal ikke lagres"}}),
        channels: vec![Channel::Sms],
        ..first.clone()
    };
    let for_b = notice(&rule, &b, "age:1y0m", &[], 1);
    let created = store
        .create_notices(&[first.clone(), repeated.clone(), for_b.clone()])
        .await
        .expect("create notices");
    assert_eq!(created.len(), 2, "the repeated key is left out");
    assert!(created.iter().all(|id| id.0.get_version_num() == 7));

    let again = store
        .create_notices(&[for_b.clone(), repeated, first.clone()])
        .await
        .expect("create the same notices again");
    assert!(again.is_empty(), "existing keys create nothing");
    assert!(store.create_notices(&[]).await.expect("nothing").is_empty());

    let next = notice(
        &rule,
        &a,
        "age:2y0m",
        &[Channel::Sms, Channel::Inbox, Channel::Sms],
        2,
    );
    let same_key_other_rule = notice(&other_rule, &a, "age:1y0m", &[], 2);
    let later = store
        .create_notices(&[first, next, same_key_other_rule])
        .await
        .expect("create later notices");
    assert_eq!(
        later.len(),
        2,
        "a new occurrence and another rule are new keys"
    );

    assert_eq!(
        store.outbox_of(created[0]).await.expect("outbox"),
        [pending(Channel::Inbox), pending(Channel::Email)],
        "the first of the repeated key was stored"
    );
    assert_eq!(
        store.outbox_of(created[1]).await.expect("outbox"),
        [pending(Channel::Inbox)]
    );
    assert_eq!(
        store.outbox_of(later[0]).await.expect("outbox"),
        [pending(Channel::Inbox), pending(Channel::Sms)],
        "each channel once"
    );

    deliver_inbox(store, &[created[0]], t0() + minutes(10)).await;
    let stored = store
        .get_inbox_notice(a.id, created[0])
        .await
        .expect("delivered notice");
    assert_eq!(
        stored.content,
        json!({"nb": {"title": "Barnehageplass", "body": "age:1y0m"}})
    );
}

/// A batch with one bad notice (a recipient of another tenant, a rule of another tenant)
/// creates nothing.
pub async fn notices_create_is_all_or_nothing(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let stranger = new_resident(store, &oslo()).await;
    let rule = active_rule(store, &k).await;
    let good = notice(&rule, &a, "once", &[Channel::Email], 1);
    let foreign_recipient = notice(&rule, &stranger, "once", &[], 1);
    assert!(matches!(
        store
            .create_notices(&[good.clone(), foreign_recipient])
            .await,
        Err(StoreError::Conflict(_))
    ));
    let foreign_rule = super::NewNotice {
        kommunenummer: oslo(),
        recipient_id: stranger.id,
        subject_id: stranger.id,
        ..notice(&rule, &a, "once", &[], 1)
    };
    assert!(matches!(
        store.create_notices(&[good.clone(), foreign_rule]).await,
        Err(StoreError::Conflict(_))
    ));
    create_one(store, good).await;
}

/// The inbox shows the recipient's delivered notices only, newest first and in pages; reading
/// keeps the first time, archiving moves a notice between the lists, and another resident's
/// notice is not found.
pub async fn inbox_shows_delivered_notices_of_the_recipient(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let b = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    let new1 = notice(&rule, &a, "o1", &[Channel::Email], 1);
    let id1 = create_one(store, new1.clone()).await;
    let id2 = create_one(store, notice(&rule, &a, "o2", &[], 2)).await;
    let id3 = create_one(store, notice(&rule, &a, "o3", &[], 30)).await;
    let for_b = create_one(store, notice(&rule, &b, "o1", &[], 15)).await;

    assert!(inbox(store, a.id, InboxFilter::Current).await.is_empty());
    assert!(matches!(
        store.get_inbox_notice(a.id, id1).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.count_unread(a.id).await.expect("count"), 0);

    let delivered = t0() + minutes(10);
    deliver_inbox(store, &[id1, id2], delivered).await;
    assert_eq!(inbox(store, a.id, InboxFilter::Current).await, [id2, id1]);
    let first = store.get_inbox_notice(a.id, id1).await.expect("get");
    assert_eq!(
        first,
        Notice {
            id: id1,
            kommunenummer: k,
            rule_id: rule.id,
            recipient_id: a.id,
            subject_id: a.id,
            occurrence: "o1".into(),
            category: "barnehage".into(),
            priority: 2,
            content: new1.content.clone(),
            created_at: new1.created_at,
            delivered_at: Some(delivered),
            read_at: None,
            archived_at: None,
        }
    );
    assert!(
        matches!(
            store.get_inbox_notice(a.id, id3).await,
            Err(StoreError::NotFound)
        ),
        "an undelivered notice is not in the inbox"
    );
    for result in [
        store.get_inbox_notice(b.id, id1).await,
        store.mark_notice_read(b.id, id1, delivered).await,
        store.set_notice_archived(b.id, id1, true, delivered).await,
    ] {
        assert!(matches!(result, Err(StoreError::NotFound)), "{result:?}");
    }
    assert_eq!(store.count_unread(a.id).await.expect("count"), 2);

    let read = store
        .mark_notice_read(a.id, id1, t0() + minutes(20))
        .await
        .expect("read");
    assert_eq!(read.read_at, Some(t0() + minutes(20)));
    let again = store
        .mark_notice_read(a.id, id1, t0() + minutes(30))
        .await
        .expect("read again");
    assert_eq!(
        again.read_at,
        Some(t0() + minutes(20)),
        "the first read counts"
    );
    assert_eq!(store.count_unread(a.id).await.expect("count"), 1);

    let archived = store
        .set_notice_archived(a.id, id2, true, t0() + minutes(40))
        .await
        .expect("archive");
    assert_eq!(archived.archived_at, Some(t0() + minutes(40)));
    assert_eq!(inbox(store, a.id, InboxFilter::Current).await, [id1]);
    assert_eq!(inbox(store, a.id, InboxFilter::Archived).await, [id2]);
    assert_eq!(store.count_unread(a.id).await.expect("count"), 0);
    let restored = store
        .set_notice_archived(a.id, id2, false, t0() + minutes(50))
        .await
        .expect("unarchive");
    assert_eq!(restored.archived_at, None);

    let page = |before, limit| store.list_inbox(a.id, InboxFilter::Current, before, limit);
    let ids = |notices: Vec<Notice>| notices.iter().map(|n| n.id).collect::<Vec<_>>();
    assert_eq!(ids(page(None, 1).await.expect("page 1")), [id2]);
    assert_eq!(ids(page(Some(id2), 1).await.expect("page 2")), [id1]);
    assert!(page(Some(id1), 1).await.expect("page 3").is_empty());

    assert!(inbox(store, b.id, InboxFilter::Current).await.is_empty());
    deliver_inbox(store, &[for_b], t0() + minutes(20)).await;
    assert_eq!(inbox(store, b.id, InboxFilter::Current).await, [for_b]);
}

/// Retention deletes notices created before the cutoff with their outbox items, and no other.
pub async fn notices_retention_deletes_old_notices(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    let two_years = minutes(60 * 24 * 731);
    let old = super::NewNotice {
        created_at: t0() - two_years - minutes(1),
        ..notice(&rule, &a, "old", &[Channel::Email], 0)
    };
    let old = create_one(store, old).await;
    let kept = create_one(store, notice(&rule, &a, "kept", &[], 0)).await;

    let deleted = store
        .delete_notices_before(t0() - two_years)
        .await
        .expect("delete old notices");
    assert_eq!(deleted, 1);
    assert!(store.outbox_of(old).await.expect("outbox").is_empty());
    assert_eq!(store.outbox_of(kept).await.expect("outbox").len(), 1);
    assert_eq!(
        store
            .delete_notices_before(t0() - two_years)
            .await
            .expect("again"),
        0
    );
}
