//! Stories: the access log's hash chain (concurrent appends, batches, retention).
//!
//! Tampering needs raw SQL past the append-only trigger, so each backend checks it in its own
//! tests (`tampering_with_an_access_entry_breaks_the_chain`).

use futures_util::future::join_all;
use jiff::{SignedDuration, Timestamp};

use super::{asker, minutes, new_resident, oslo, t0};
use crate::{AccessLogEntry, ChainVerdict, Resident, ResidentId, Store, StoreError};

/// An access entry for `resident` at `at`.
pub(super) fn entry_at(resident: &Resident, at: Timestamp, purpose: &str) -> AccessLogEntry {
    AccessLogEntry {
        kommunenummer: resident.kommunenummer,
        resident_id: resident.id,
        at,
        actor_kind: "system".into(),
        actor_ref: "system:overview".into(),
        categories: vec!["address".into()],
        purpose: purpose.into(),
    }
}

async fn verdict(store: &dyn Store, resident: ResidentId) -> ChainVerdict {
    store
        .verify_access_chain(resident)
        .await
        .expect("verify access chain")
}

fn intact(entries: u64) -> ChainVerdict {
    ChainVerdict {
        entries,
        intact: true,
        first_broken_at: None,
    }
}

/// Eight writers append 25 entries each to one resident at the same time (single appends and
/// batches of five); the chain holds all 200 and verifies.
pub async fn access_chain_concurrent_appends_stay_intact(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let writers = (0..8i64).map(|writer| {
        let resident = resident.clone();
        async move {
            let entries: Vec<_> = (0..25i64)
                .map(|i| {
                    let at = t0() + minutes(i) + SignedDuration::from_micros(writer);
                    entry_at(&resident, at, &format!("writer {writer}, entry {i}"))
                })
                .collect();
            if writer % 2 == 0 {
                for entry in entries {
                    store.append_access(entry).await.expect("append access");
                }
            } else {
                for batch in entries.chunks(5) {
                    store
                        .append_access_batch(batch.to_vec())
                        .await
                        .expect("append access batch");
                }
            }
        }
    });
    join_all(writers).await;

    assert_eq!(verdict(store, resident.id).await, intact(200));
    let listed = store.list_access(resident.id, 1000).await.expect("list");
    assert_eq!(listed.len(), 200);
}

/// One batch for two residents (interleaved) extends two separate chains, each in the given
/// order; a batch with one bad entry stores nothing.
pub async fn access_chain_batch_keeps_separate_chains(store: &dyn Store) {
    let a = new_resident(store, &asker()).await;
    let b = new_resident(store, &asker()).await;
    store
        .append_access(entry_at(&a, t0(), "a0"))
        .await
        .expect("append first");

    let batch = vec![
        entry_at(&a, t0() + minutes(1), "a1"),
        entry_at(&b, t0() + minutes(1), "b1"),
        entry_at(&a, t0() + minutes(1), "a2"),
        entry_at(&b, t0() + minutes(2), "b2"),
        entry_at(&a, t0() + minutes(3), "a3"),
    ];
    store
        .append_access_batch(batch)
        .await
        .expect("append batch");
    store
        .append_access_batch(Vec::new())
        .await
        .expect("an empty batch is fine");

    assert_eq!(verdict(store, a.id).await, intact(4));
    assert_eq!(verdict(store, b.id).await, intact(2));
    let purposes =
        |list: Vec<AccessLogEntry>| list.into_iter().map(|e| e.purpose).collect::<Vec<_>>();
    let listed_a = store.list_access(a.id, 10).await.expect("list a");
    assert_eq!(purposes(listed_a), ["a3", "a2", "a1", "a0"]);
    let listed_b = store.list_access(b.id, 10).await.expect("list b");
    assert_eq!(purposes(listed_b), ["b2", "b1"]);

    store
        .upsert_tenant(&oslo(), "Oslo", t0())
        .await
        .expect("tenant b");
    let bad = vec![
        entry_at(&a, t0() + minutes(5), "a4"),
        AccessLogEntry {
            kommunenummer: oslo(),
            ..entry_at(&b, t0() + minutes(5), "b in the wrong tenant")
        },
    ];
    match store.append_access_batch(bad).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an entry of another tenant, got {other:?}"),
    }
    assert_eq!(verdict(store, a.id).await, intact(4), "all or nothing");
    assert_eq!(verdict(store, b.id).await, intact(2));

    let unknown = ResidentId::new_v7();
    assert_eq!(verdict(store, unknown).await, intact(0));
}

/// Retention deletes the old start of each chain, the rest still verifies, and appending goes
/// on. An old entry appended after a newer one waits for it. (No other story writes access
/// entries this early, so the count is exact.)
pub async fn access_chain_retention_keeps_the_rest_verifiable(store: &dyn Store) {
    let early = t0() - SignedDuration::from_hours(24 * 1000);
    let at = |m: i64| early + minutes(m);
    let kept = new_resident(store, &asker()).await;
    let gone = new_resident(store, &asker()).await;

    let mut entries: Vec<_> = (0..5)
        .map(|m| entry_at(&kept, at(m), &format!("old {m}")))
        .collect();
    entries.push(entry_at(&kept, at(7), "new"));
    entries.push(entry_at(&kept, at(2), "old, appended late"));
    entries.push(entry_at(&kept, at(8), "newer"));
    entries.extend((0..3).map(|m| entry_at(&gone, at(m), "old")));
    store
        .append_access_batch(entries)
        .await
        .expect("append batch");

    let deleted = store
        .delete_access_before(at(5))
        .await
        .expect("delete before");
    assert_eq!(
        deleted, 8,
        "five old entries of one chain and all three of the other"
    );

    assert_eq!(verdict(store, kept.id).await, intact(3));
    let listed = store.list_access(kept.id, 10).await.expect("list");
    let purposes: Vec<_> = listed.iter().map(|e| e.purpose.as_str()).collect();
    assert_eq!(purposes, ["newer", "new", "old, appended late"]);
    assert_eq!(verdict(store, gone.id).await, intact(0));

    store
        .append_access(entry_at(&kept, at(9), "after retention"))
        .await
        .expect("append after retention");
    store
        .append_access(entry_at(&gone, at(9), "a new chain"))
        .await
        .expect("append to an emptied chain");
    assert_eq!(verdict(store, kept.id).await, intact(4));
    assert_eq!(verdict(store, gone.id).await, intact(1));

    let none = store
        .delete_access_before(at(5))
        .await
        .expect("delete again");
    assert_eq!(none, 0);
}
