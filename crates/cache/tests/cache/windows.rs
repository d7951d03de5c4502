//! Fresh, stale-while-revalidate and stale-if-error windows; not-found as an answer.

use std::time::Duration;

use minside_adapter::{AdapterError, Purpose};
use minside_cache::{CacheError, Freshness, StaleReason};
use minside_core::SignedDuration;

use crate::support::*;

fn stale(age_minutes: i64, reason: StaleReason) -> Freshness {
    Freshness::Stale {
        age: SignedDuration::from_mins(age_minutes),
        reason,
    }
}

#[tokio::test]
async fn a_fresh_copy_is_served_without_asking_the_source() {
    let s = Setup::new("w-fresh", Step::Answer("v1"));
    let first = s.get(1).await.unwrap();
    assert_eq!(first.freshness, Freshness::Fresh);
    assert_eq!(first.fetched_at, start());
    s.clock.advance(minutes(4));
    let second = s.get(1).await.unwrap();
    assert_eq!(second.freshness, Freshness::Fresh);
    assert_eq!(second.fetched_at, start(), "the same copy");
    assert_eq!(titles(&second), ["v1"]);
    assert_eq!(s.source.calls(), 1);
}

#[tokio::test]
async fn within_stale_while_revalidate_the_copy_is_served_at_once_and_refreshed_once() {
    let s = Setup::new("w-swr", Step::Answer("v1"));
    s.get(1).await.unwrap();
    s.clock.advance(minutes(10));
    s.source.then(Step::Gated("v2"));
    for _ in 0..5 {
        let answer = s.get(1).await.unwrap();
        assert_eq!(answer.freshness, stale(10, StaleReason::Revalidating));
        assert_eq!(
            titles(&answer),
            ["v1"],
            "served at once, while the refresh waits"
        );
    }
    s.source.wait_for_calls(2).await;
    s.source.open_gate(1);
    eventually(|| async { s.get(1).await.unwrap().freshness == Freshness::Fresh }).await;
    assert_eq!(titles(&s.get(1).await.unwrap()), ["v2"]);
    assert_eq!(
        s.source.calls(),
        2,
        "one background refresh for five stale answers"
    );
    assert_eq!(s.source.purposes()[1], Purpose::Refresh);
}

#[tokio::test]
async fn past_revalidate_a_failing_source_gets_the_stale_copy_with_its_age() {
    let s = Setup::new("w-sie", Step::Answer("v1"));
    s.get(1).await.unwrap();
    s.source.always(Step::Fail(unavailable()));
    s.clock.advance(minutes(120));
    let answer = s.get(1).await.unwrap();
    assert_eq!(answer.freshness, stale(120, StaleReason::SourceFailed));
    assert_eq!(titles(&answer), ["v1"]);
    assert_eq!(s.source.calls(), 2, "the source was asked first");

    s.clock.advance(minutes(24 * 60));
    let err = s.get(1).await.unwrap_err();
    assert!(matches!(err, CacheError::Unavailable(_)), "{err:?}");
    assert!(
        !err.to_string()
            .contains(&resident(1).1.pid.expose().to_owned())
    );
}

#[tokio::test]
async fn past_revalidate_a_working_source_answers_fresh() {
    let s = Setup::new("w-refetch", Step::Answer("v1"));
    s.get(1).await.unwrap();
    s.source.always(Step::Slow(Duration::from_millis(20), "v2"));
    s.clock.advance(minutes(120));
    let answer = s.get(1).await.unwrap();
    assert_eq!(answer.freshness, Freshness::Fresh);
    assert_eq!(titles(&answer), ["v2"]);
    assert_eq!(answer.fetched_at, start() + SignedDuration::from_mins(120));
}

#[tokio::test]
async fn not_found_is_cached_as_an_empty_answer() {
    let s = Setup::new("w-notfound", Step::NotFound);
    let answer = s.get(1).await.unwrap();
    assert!(answer.records.is_empty());
    assert_eq!(answer.freshness, Freshness::Fresh);
    assert!(s.get(1).await.unwrap().records.is_empty());
    assert_eq!(s.source.calls(), 1);
}

#[tokio::test]
async fn unauthorized_and_bad_data_are_not_hidden_behind_a_stale_copy() {
    let s = Setup::new("w-fatal", Step::Answer("v1"));
    s.get(1).await.unwrap();
    s.clock.advance(minutes(120));
    s.source
        .then(Step::Fail(AdapterError::Unauthorized("401".into())));
    assert_eq!(s.get(1).await.unwrap_err(), CacheError::Unauthorized);
    s.source
        .then(Step::Fail(AdapterError::BadData("no json".into())));
    assert!(matches!(
        s.get(1).await.unwrap_err(),
        CacheError::BadData(_)
    ));
    assert_eq!(s.source.calls(), 3, "errors are not cached");
}

#[tokio::test]
async fn an_unknown_source_is_an_error() {
    let s = Setup::new("w-known", Step::Answer("v1"));
    let (key, subject) = resident(1);
    let err = s.cache.get("nope", key, &subject, &ctx()).await;
    assert_eq!(err.unwrap_err(), CacheError::UnknownSource);
    assert_eq!(s.cache.source_ids(), ["w-known"]);
    assert!(s.cache.adapter("w-known").is_some());
}
