//! Stories: last-known-good snapshots of source answers.

use jiff::{SignedDuration, Timestamp};

use super::{asker, minutes, new_resident, random_text, t0};
use crate::{ResidentId, Store, StoreError, StoredSnapshot};

fn snapshot(bytes: &[u8], fetched_at: Timestamp) -> StoredSnapshot {
    StoredSnapshot {
        sealed: bytes.to_vec(),
        fetched_at,
    }
}

async fn load(store: &dyn Store, source: &str, resident: ResidentId) -> Option<StoredSnapshot> {
    store
        .load_snapshot(source, resident)
        .await
        .expect("load snapshot")
}

async fn save(store: &dyn Store, source: &str, resident: ResidentId, s: &StoredSnapshot) {
    store
        .save_snapshot(source, resident, s.clone())
        .await
        .expect("save snapshot");
}

/// A saved snapshot loads back byte for byte; nothing is found for another source or before
/// saving; an unknown resident or an empty source is refused.
pub async fn snapshot_round_trip(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let source = random_text("demo");
    assert_eq!(load(store, &source, resident.id).await, None);

    // Every byte value, NULs included, and more than a page.
    let sealed: Vec<u8> = (0..70_000u32).map(|i| (i % 256) as u8).collect();
    let precise = t0() + SignedDuration::from_nanos(1_234_567);
    save(store, &source, resident.id, &snapshot(&sealed, precise)).await;
    assert_eq!(
        load(store, &source, resident.id).await,
        Some(snapshot(&sealed, t0() + SignedDuration::from_micros(1_234))),
        "bytes as saved, time to the microsecond"
    );
    assert_eq!(load(store, &random_text("other"), resident.id).await, None);

    save(
        store,
        &source,
        resident.id,
        &snapshot(&[], t0() + minutes(1)),
    )
    .await;
    assert_eq!(
        load(store, &source, resident.id).await,
        Some(snapshot(&[], t0() + minutes(1))),
        "an empty payload is a payload"
    );

    match store
        .save_snapshot(&source, ResidentId::new_v7(), snapshot(b"x", t0()))
        .await
    {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown resident, got {other:?}"),
    }
    match store
        .save_snapshot("", resident.id, snapshot(b"x", t0()))
        .await
    {
        Err(StoreError::Invalid(name)) => assert_eq!(name, "snapshots_source_check"),
        other => panic!("expected Invalid(snapshots_source_check), got {other:?}"),
    }
}

/// A snapshot fetched later replaces the stored one; one fetched earlier (a slow fetch arriving
/// late) does not; of two equally old ones the last saved wins.
pub async fn snapshot_upsert_newer_wins(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let source = random_text("register");
    let first = snapshot(b"first", t0() + minutes(10));
    save(store, &source, resident.id, &first).await;

    save(
        store,
        &source,
        resident.id,
        &snapshot(b"stale", t0() + minutes(5)),
    )
    .await;
    assert_eq!(load(store, &source, resident.id).await, Some(first));

    let newer = snapshot(b"newer", t0() + minutes(20));
    save(store, &source, resident.id, &newer).await;
    assert_eq!(load(store, &source, resident.id).await, Some(newer));

    let same_time = snapshot(b"same time, saved last", t0() + minutes(20));
    save(store, &source, resident.id, &same_time).await;
    assert_eq!(load(store, &source, resident.id).await, Some(same_time));
}

/// Deleting removes one snapshot (again is fine); retention removes those fetched before the
/// cutoff. (No other story saves snapshots this early, so the count is exact.)
pub async fn snapshot_delete(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let (one, two) = (random_text("one"), random_text("two"));
    let early = t0() - SignedDuration::from_hours(24 * 1000);
    save(store, &one, resident.id, &snapshot(b"1", early)).await;
    save(
        store,
        &two,
        resident.id,
        &snapshot(b"2", early + minutes(1)),
    )
    .await;

    store
        .delete_snapshot(&one, resident.id)
        .await
        .expect("delete");
    assert_eq!(load(store, &one, resident.id).await, None);
    assert!(
        load(store, &two, resident.id).await.is_some(),
        "the other stays"
    );
    store
        .delete_snapshot(&one, resident.id)
        .await
        .expect("deleting again is not an error");

    let old = new_resident(store, &asker()).await;
    save(store, &one, old.id, &snapshot(b"old", early)).await;
    let deleted = store
        .delete_snapshots_before(early + minutes(1))
        .await
        .expect("delete before");
    assert_eq!(deleted, 1, "only the snapshot fetched before the cutoff");
    assert_eq!(load(store, &one, old.id).await, None);
    assert!(
        load(store, &two, resident.id).await.is_some(),
        "fetched at the cutoff: kept"
    );
}

/// Snapshots are kept per (source, resident): residents never see each other's.
pub async fn snapshots_are_per_resident(store: &dyn Store) {
    let a = new_resident(store, &asker()).await;
    let b = new_resident(store, &asker()).await;
    let (source, other_source) = (random_text("demo"), random_text("krr"));
    let for_a = snapshot(b"for a", t0());
    let for_b = snapshot(b"for b", t0() + minutes(1));
    let other = snapshot(b"other source", t0() + minutes(2));
    save(store, &source, a.id, &for_a).await;
    save(store, &source, b.id, &for_b).await;
    save(store, &other_source, a.id, &other).await;

    assert_eq!(load(store, &source, a.id).await, Some(for_a.clone()));
    assert_eq!(load(store, &source, b.id).await, Some(for_b));
    assert_eq!(load(store, &other_source, a.id).await, Some(other));
    assert_eq!(load(store, &other_source, b.id).await, None);

    store
        .delete_snapshot(&source, b.id)
        .await
        .expect("delete b's");
    assert_eq!(load(store, &source, a.id).await, Some(for_a), "a's stays");
}
