//! The circuit breaker: opens on retryable failures only, fails fast, probes, serves stale.

use std::num::NonZeroU32;
use std::time::Duration;

use minside_adapter::AdapterError;
use minside_cache::{
    BreakerPolicy, BreakerState, CacheError, Freshness, SourcePolicy, StaleReason,
};
use minside_core::SignedDuration;

use crate::support::*;

fn breaker_policy() -> SourcePolicy {
    SourcePolicy {
        breaker: BreakerPolicy {
            failure_threshold: NonZeroU32::new(3).unwrap(),
            open_for: Duration::from_secs(30),
        },
        timeout: Duration::from_millis(30),
        ..policy()
    }
}

fn state(s: &Setup) -> BreakerState {
    s.cache.breaker_states()[0].1
}

/// Opens the breaker with three failures on residents 100..103 (an unavailable, a timeout, an
/// unavailable).
async fn open_it(s: &Setup) {
    s.source.then(Step::Fail(unavailable()));
    s.source.then(Step::Hang);
    s.source.then(Step::Fail(unavailable()));
    let before = s.source.calls();
    for n in 100..103 {
        assert!(s.get(n).await.unwrap_err().is_retryable());
    }
    assert_eq!(s.source.calls(), before + 3);
    assert_eq!(state(s), BreakerState::Open);
}

#[tokio::test]
async fn retryable_failures_open_it_and_then_calls_fail_fast() {
    let s = Setup::with_policy("b-open", Step::Answer("v1"), breaker_policy());
    assert_eq!(state(&s), BreakerState::Closed);
    open_it(&s).await;
    for n in 1..20 {
        assert_eq!(s.get(n).await.unwrap_err(), CacheError::BreakerOpen);
    }
    assert_eq!(s.source.calls(), 3, "the source was not called while open");
}

#[tokio::test]
async fn while_open_a_cached_copy_is_served_stale_without_calling() {
    let mut policy = breaker_policy();
    policy.breaker.open_for = minutes(180);
    let s = Setup::with_policy("b-stale", Step::Answer("v1"), policy);
    s.get(1).await.unwrap();
    s.clock.advance(minutes(6));
    open_it(&s).await;
    let calls = s.source.calls();
    for age in [6, 126] {
        let answer = s.get(1).await.unwrap();
        let expected = Freshness::Stale {
            age: SignedDuration::from_mins(age),
            reason: StaleReason::BreakerOpen,
        };
        assert_eq!(answer.freshness, expected);
        assert_eq!(titles(&answer), ["v1"]);
        s.clock.advance(minutes(120));
    }
    assert_eq!(
        s.source.calls(),
        calls,
        "neither a refresh nor a fetch while open"
    );
}

#[tokio::test]
async fn after_open_for_one_probe_decides() {
    let s = Setup::with_policy("b-probe", Step::Answer("v1"), breaker_policy());
    open_it(&s).await;
    s.clock.advance(Duration::from_secs(31));
    assert_eq!(state(&s), BreakerState::HalfOpen);

    // A failing probe opens it again for open_for.
    s.source.then(Step::Fail(unavailable()));
    assert!(matches!(s.get(1).await, Err(CacheError::Unavailable(_))));
    assert_eq!(state(&s), BreakerState::Open);
    assert_eq!(s.get(2).await.unwrap_err(), CacheError::BreakerOpen);
    assert_eq!(s.source.calls(), 4);

    // While a probe runs, other calls are still refused; its success closes the breaker.
    s.clock.advance(Duration::from_secs(31));
    s.source.then(Step::Gated("v1"));
    let probe = s.spawn_get(3);
    s.source.wait_for_calls(5).await;
    assert_eq!(s.get(4).await.unwrap_err(), CacheError::BreakerOpen);
    s.source.open_gate(1);
    assert_eq!(titles(&probe.await.unwrap().unwrap()), ["v1"]);
    assert_eq!(state(&s), BreakerState::Closed);
    assert_eq!(titles(&s.get(4).await.unwrap()), ["v1"]);
    assert_eq!(s.source.calls(), 6);
}

#[tokio::test]
async fn not_found_unauthorized_and_bad_data_do_not_trip_it() {
    let s = Setup::with_policy("b-answers", Step::Answer("v1"), breaker_policy());
    for n in 0..4 {
        s.source.then(Step::NotFound);
        s.source
            .then(Step::Fail(AdapterError::Unauthorized("401".into())));
        s.source
            .then(Step::Fail(AdapterError::BadData("html".into())));
        assert!(s.get(n * 3).await.unwrap().records.is_empty());
        assert_eq!(
            s.get(n * 3 + 1).await.unwrap_err(),
            CacheError::Unauthorized
        );
        assert!(matches!(
            s.get(n * 3 + 2).await,
            Err(CacheError::BadData(_))
        ));
    }
    assert_eq!(s.source.calls(), 12);
    assert_eq!(state(&s), BreakerState::Closed);
}

#[tokio::test]
async fn an_answer_between_failures_resets_the_count() {
    let s = Setup::with_policy("b-reset", Step::Answer("v1"), breaker_policy());
    for n in 0..3 {
        s.source.then(Step::Fail(unavailable()));
        s.source.then(Step::Fail(unavailable()));
        s.source.then(Step::Answer("v1"));
        for k in 0..3 {
            let _ = s.get(n * 3 + k).await;
        }
    }
    assert_eq!(state(&s), BreakerState::Closed);
}

#[tokio::test]
async fn calls_waiting_in_the_queue_are_not_made_once_the_breaker_has_opened() {
    // One call at a time; the first one hangs until its timeout, which opens the breaker while
    // the others wait for their turn. They must not be sent to the failed source after it.
    let policy = SourcePolicy {
        max_concurrency: std::num::NonZeroUsize::new(1).unwrap(),
        breaker: BreakerPolicy {
            failure_threshold: NonZeroU32::new(1).unwrap(),
            open_for: Duration::from_secs(30),
        },
        timeout: Duration::from_millis(500),
        max_wait: Duration::from_secs(5),
        ..policy()
    };
    let s = Setup::with_policy("b-queue", Step::Hang, policy);
    let first = s.spawn_get(1);
    s.source.wait_for_calls(1).await;
    let waiting: Vec<_> = (2..6).map(|n| s.spawn_get(n)).collect();
    assert_eq!(first.await.unwrap().unwrap_err(), CacheError::Timeout);
    for w in waiting {
        assert_eq!(w.await.unwrap().unwrap_err(), CacheError::BreakerOpen);
    }
    assert_eq!(
        s.source.calls(),
        1,
        "only the call that failed reached the source"
    );
    assert_eq!(state(&s), BreakerState::Open);
}
