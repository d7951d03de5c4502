//! Outbound protection: concurrency cap, rate limit, queue wait, timeout.

use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use minside_cache::{BreakerState, CacheError, SourcePolicy};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_never_exceed_the_cap() {
    let policy = SourcePolicy {
        max_concurrency: NonZeroUsize::new(4).unwrap(),
        ..policy()
    };
    let s = Setup::with_policy("l-cap", Step::Gated("v1"), policy);
    let gets: Vec<_> = (0..100).map(|n| s.spawn_get(n)).collect();
    s.source.wait_for_calls(4).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(s.source.calls(), 4, "the other 96 wait for a slot");
    s.source.open_gate(100);
    for get in gets {
        assert_eq!(titles(&get.await.unwrap().unwrap()), ["v1"]);
    }
    assert_eq!(s.source.calls(), 100, "100 residents, 100 calls");
    assert_eq!(s.source.max_running(), 4, "never more than the cap at once");
}

#[tokio::test]
async fn calls_above_the_rate_wait_for_a_permit() {
    let policy = SourcePolicy {
        rate_per_second: NonZeroU32::new(10).unwrap(),
        burst: NonZeroU32::new(1).unwrap(),
        ..policy()
    };
    let s = Setup::with_policy("l-rate", Step::Answer("v1"), policy);
    let gets: Vec<_> = (0..4).map(|n| s.spawn_get(n)).collect();
    for get in gets {
        get.await.unwrap().unwrap();
    }
    let times = s.source.call_times();
    assert_eq!(times.len(), 4);
    let spread = *times.iter().max().unwrap() - *times.iter().min().unwrap();
    // Four calls at 10 per second with no burst are at least 3 × 100 ms apart (minus slack).
    assert!(spread >= Duration::from_millis(250), "{spread:?}");
}

#[tokio::test]
async fn a_full_queue_fails_without_calling_or_tripping_the_breaker() {
    let policy = SourcePolicy {
        rate_per_second: NonZeroU32::new(1).unwrap(),
        burst: NonZeroU32::new(1).unwrap(),
        max_wait: Duration::from_millis(30),
        ..policy()
    };
    let s = Setup::with_policy("l-queue", Step::Answer("v1"), policy);
    s.get(1).await.unwrap();
    for n in 2..10 {
        let err = s.get(n).await.unwrap_err();
        assert!(matches!(err, CacheError::Unavailable(_)), "{err:?}");
    }
    assert_eq!(s.source.calls(), 1);
    assert_eq!(
        s.cache.breaker_states(),
        [("l-queue".to_owned(), BreakerState::Closed)]
    );
}

#[tokio::test]
async fn a_hanging_source_times_out() {
    let policy = SourcePolicy {
        timeout: Duration::from_millis(50),
        ..policy()
    };
    let s = Setup::with_policy("l-timeout", Step::Hang, policy);
    assert_eq!(s.get(1).await.unwrap_err(), CacheError::Timeout);
    assert_eq!(s.source.calls(), 1);
}
