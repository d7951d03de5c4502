//! The persistent, encrypted last-known-good copy; invalidation.

use std::sync::Arc;

use minside_adapter::Purpose;
use minside_cache::{
    Cache, CacheError, Freshness, ManualClock, MemorySnapshotStore, PayloadCipher, SnapshotStore,
    StaleReason,
};
use minside_core::SignedDuration;

use crate::support::*;

/// A second cache instance over the same snapshot store, as after a restart.
fn restarted(s: &Setup, cipher: PayloadCipher, otherwise: Step) -> (Cache, Arc<FakeSource>) {
    reopen(&s.store, &s.clock, cipher, otherwise)
}

fn reopen(
    store: &Arc<MemorySnapshotStore>,
    clock: &Arc<ManualClock>,
    cipher: PayloadCipher,
    otherwise: Step,
) -> (Cache, Arc<FakeSource>) {
    let source = FakeSource::new("lkg", otherwise);
    let cache = Cache::builder(store.clone(), cipher)
        .source(source.clone(), policy())
        .clock(clock.clone())
        .build()
        .unwrap();
    (cache, source)
}

async fn get(cache: &Cache, n: u128) -> Result<minside_cache::Answer, CacheError> {
    let (key, subject) = resident(n);
    cache.get("lkg", key, &subject, &ctx()).await
}

#[tokio::test]
async fn after_a_restart_a_failing_source_still_shows_the_saved_copy_with_its_age() {
    let s = Setup::new("lkg", Step::Answer("v1"));
    s.get(1).await.unwrap();
    s.wait_for_snapshots(1).await;
    let Setup {
        cache: a,
        store,
        clock,
        ..
    } = s;
    drop(a);

    // Within the fresh window the copy is simply fresh.
    let (b, source) = reopen(&store, &clock, cipher(), Step::Fail(unavailable()));
    let answer = get(&b, 1).await.unwrap();
    assert_eq!(answer.freshness, Freshness::Fresh);
    assert_eq!(titles(&answer), ["v1"]);
    assert_eq!(source.calls(), 0);
    drop(b);

    // Later it is served at once as last-known-good while a refresh is tried.
    clock.advance(minutes(10));
    let (b, source) = reopen(&store, &clock, cipher(), Step::Fail(unavailable()));
    let answer = get(&b, 1).await.unwrap();
    let expected = Freshness::Stale {
        age: SignedDuration::from_mins(10),
        reason: StaleReason::LastKnownGood,
    };
    assert_eq!(answer.freshness, expected);
    assert_eq!(answer.fetched_at, start());
    source.wait_for_calls(1).await;
    assert_eq!(source.purposes(), [Purpose::Refresh]);
    drop(b);

    // Past stale-while-revalidate the source is asked first, and its failure shows the copy.
    clock.advance(minutes(120));
    let (b, source) = reopen(&store, &clock, cipher(), Step::Fail(unavailable()));
    let answer = get(&b, 1).await.unwrap();
    let expected = Freshness::Stale {
        age: SignedDuration::from_mins(130),
        reason: StaleReason::SourceFailed,
    };
    assert_eq!(answer.freshness, expected);
    assert_eq!(titles(&answer), ["v1"]);
    assert_eq!(source.calls(), 1);
}

#[tokio::test]
async fn a_copy_sealed_with_another_key_is_treated_as_absent() {
    let s = Setup::new("lkg", Step::Answer("v1"));
    s.get(1).await.unwrap();
    s.wait_for_snapshots(1).await;
    s.clock.advance(minutes(10));
    let (b, source) = restarted(&s, PayloadCipher::new([7; 32]), Step::Fail(unavailable()));
    assert!(matches!(get(&b, 1).await, Err(CacheError::Unavailable(_))));
    assert_eq!(source.calls(), 1, "no copy, so the source was asked");
}

#[tokio::test]
async fn the_saved_copy_holds_no_readable_personal_data() {
    let s = Setup::new("lkg", Step::Answer("Plass i Hvalstad barnehage"));
    s.get(1).await.unwrap();
    s.wait_for_snapshots(1).await;
    let (key, subject) = resident(1);
    let snapshot = s.store.load("lkg", key).await.unwrap().unwrap();
    assert_eq!(snapshot.fetched_at, start());
    let text = String::from_utf8_lossy(&snapshot.sealed);
    assert!(!text.contains("Hvalstad"));
    assert!(!text.contains(subject.pid.expose()));
    // The copy is bound to its resident: moved to another key it does not open.
    let (other, _) = resident(2);
    s.store.save("lkg", other, snapshot).await.unwrap();
    s.clock.advance(minutes(10));
    s.source.always(Step::Fail(unavailable()));
    assert!(s.get(2).await.is_err());
}

#[tokio::test]
async fn invalidate_drops_memory_and_saved_copy_so_the_next_get_asks_the_source() {
    let s = Setup::new("lkg", Step::Answer("v1"));
    s.get(1).await.unwrap();
    s.wait_for_snapshots(1).await;
    s.source.always(Step::Answer("v2"));
    let (key, _) = resident(1);
    s.cache.invalidate("lkg", key).await.unwrap();
    assert!(s.store.is_empty());
    assert_eq!(titles(&s.get(1).await.unwrap()), ["v2"]);
    assert_eq!(s.source.calls(), 2);
    assert_eq!(
        s.cache.invalidate("nope", key).await.unwrap_err(),
        CacheError::UnknownSource
    );
}

#[tokio::test]
async fn a_fetch_running_during_invalidate_answers_its_waiters_but_stores_nothing() {
    let s = Setup::new("lkg", Step::Gated("old"));
    let waiting = s.spawn_get(1);
    s.source.wait_for_calls(1).await;
    let (key, _) = resident(1);
    s.cache.invalidate("lkg", key).await.unwrap();
    s.source.open_gate(1);
    assert_eq!(titles(&waiting.await.unwrap().unwrap()), ["old"]);
    s.source.always(Step::Answer("new"));
    assert_eq!(titles(&s.get(1).await.unwrap()), ["new"]);
    assert_eq!(s.source.calls(), 2);
    s.wait_for_snapshots(1).await;
}
