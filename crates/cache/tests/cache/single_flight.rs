//! One fetch per (source, resident), on its own task.

use minside_cache::Freshness;

use crate::support::*;

#[tokio::test]
async fn fifty_concurrent_gets_make_one_call() {
    let s = Setup::new("sf-fifty", Step::Gated("v1"));
    let gets: Vec<_> = (0..50).map(|_| s.spawn_get(7)).collect();
    s.source.wait_for_calls(1).await;
    tokio::task::yield_now().await;
    s.source.open_gate(1);
    for get in gets {
        let answer = get.await.unwrap().unwrap();
        assert_eq!(titles(&answer), ["v1"]);
        assert_eq!(answer.freshness, Freshness::Fresh);
    }
    assert_eq!(s.source.calls(), 1);
}

#[tokio::test]
async fn a_caller_that_goes_away_neither_cancels_nor_repeats_the_fetch() {
    let s = Setup::new("sf-drop", Step::Gated("v1"));
    let first = s.spawn_get(1);
    s.source.wait_for_calls(1).await;
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());

    // A later caller joins the fetch that is still running.
    let second = s.spawn_get(1);
    tokio::task::yield_now().await;
    s.source.open_gate(1);
    assert_eq!(titles(&second.await.unwrap().unwrap()), ["v1"]);
    assert_eq!(s.source.calls(), 1);
}

#[tokio::test]
async fn a_fetch_without_waiters_still_completes_and_is_stored() {
    let s = Setup::new("sf-orphan", Step::Gated("v1"));
    let only = s.spawn_get(1);
    s.source.wait_for_calls(1).await;
    only.abort();
    s.source.open_gate(1);
    s.wait_for_snapshots(1).await;
    let answer = s.get(1).await.unwrap();
    assert_eq!(answer.freshness, Freshness::Fresh);
    assert_eq!(
        s.source.calls(),
        1,
        "served from the copy the orphaned fetch stored"
    );
}

#[tokio::test]
async fn different_residents_are_fetched_separately() {
    let s = Setup::new("sf-keys", Step::Answer("v1"));
    s.get(1).await.unwrap();
    s.get(2).await.unwrap();
    s.get(1).await.unwrap();
    assert_eq!(s.source.calls(), 2);
}
