//! Metrics per source, read from a debugging recorder installed for this test binary.

use std::sync::{Mutex, OnceLock};

use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};

use crate::support::*;

fn snapshotter() -> &'static Snapshotter {
    static SNAPSHOTTER: OnceLock<Snapshotter> = OnceLock::new();
    SNAPSHOTTER.get_or_init(|| {
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        recorder
            .install()
            .expect("the only recorder of this test binary");
        snapshotter
    })
}

/// A metric's name, sorted labels and value.
type Total = (String, Vec<(String, String)>, f64);

/// Everything recorded so far. The debugging recorder hands out values since the previous
/// snapshot (it drains them), so snapshots are added up; for the up-down gauge
/// `minside_source_in_flight` the sum is its value, and the breaker gauge is only ever set to 0
/// in this test.
fn totals() -> Vec<Total> {
    static TOTALS: Mutex<Vec<Total>> = Mutex::new(Vec::new());
    let mut totals = TOTALS.lock().unwrap();
    for (key, _, _, value) in snapshotter().snapshot().into_vec() {
        let key = key.key();
        let name = key.name().to_owned();
        let mut labels: Vec<(String, String)> = key
            .labels()
            .map(|l| (l.key().to_owned(), l.value().to_owned()))
            .collect();
        labels.sort();
        let value = match value {
            DebugValue::Counter(c) => c as f64,
            DebugValue::Gauge(g) => g.into_inner(),
            DebugValue::Histogram(_) => 0.0,
        };
        match totals
            .iter_mut()
            .find(|(n, l, _)| *n == name && *l == labels)
        {
            Some(total) => total.2 += value,
            None => totals.push((name, labels, value)),
        }
    }
    totals.clone()
}

/// The value of `name` for `source` (and `kind`, if given).
fn value(name: &str, source: &str, kind: Option<&str>) -> Option<f64> {
    totals()
        .into_iter()
        .find(|(n, labels, _)| {
            let label = |l: &str| labels.iter().find(|(k, _)| k == l).map(|(_, v)| v.clone());
            n == name
                && label("source").as_deref() == Some(source)
                && (kind.is_none() || label("kind").as_deref() == kind)
        })
        .map(|(_, _, v)| v)
}

#[tokio::test]
async fn hits_misses_stale_calls_errors_and_breaker_state_are_counted_per_source() {
    snapshotter();
    let s = Setup::new("m-src", Step::Answer("v1"));
    s.get(1).await.unwrap(); // miss, call
    s.get(1).await.unwrap(); // hit
    s.clock.advance(minutes(10));
    s.source.then(Step::Fail(unavailable()));
    s.get(1).await.unwrap(); // hit, stale; background refresh fails
    s.source.wait_for_calls(2).await;
    s.source
        .then(Step::Fail(minside_adapter::AdapterError::BadData(
            "x".into(),
        )));
    assert!(s.get(2).await.is_err()); // miss, call, bad data

    let counter = |name| value(name, "m-src", None);
    assert_eq!(counter("minside_cache_hits_total"), Some(2.0));
    assert_eq!(counter("minside_cache_misses_total"), Some(2.0));
    assert_eq!(counter("minside_cache_stale_served_total"), Some(1.0));
    eventually(|| async { counter("minside_source_calls_total") == Some(3.0) }).await;
    eventually(|| async {
        value("minside_source_errors_total", "m-src", Some("unavailable")) == Some(1.0)
    })
    .await;
    assert_eq!(
        value("minside_source_errors_total", "m-src", Some("bad_data")),
        Some(1.0)
    );
    assert_eq!(counter("minside_source_breaker_state"), Some(0.0));
    assert_eq!(counter("minside_source_in_flight"), Some(0.0));
    let labels: Vec<String> = totals()
        .into_iter()
        .flat_map(|(_, labels, _)| labels.into_iter().map(|(_, v)| v))
        .collect();
    let pid = resident(1).1.pid.expose().to_owned();
    assert!(labels.iter().all(|l| !l.contains(&pid)));
}
