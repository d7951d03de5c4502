//! The cache's metrics, each labelled with the source id only (never a resident).
//!
//! - `minside_cache_hits_total`: answered from a copy at once, without waiting for the source
//!   (fresh, or stale within stale-while-revalidate).
//! - `minside_cache_misses_total`: every other answered or failed get.
//! - `minside_cache_stale_served_total`: answers marked stale.
//! - `minside_source_calls_total`: calls that went out to the adapter.
//! - `minside_source_errors_total{kind}`: `unavailable`, `timeout`, `unauthorized`,
//!   `bad_data` (calls that failed), `throttled` (our queue to the source was full, no call),
//!   `breaker_open` (refused by the breaker, no call).
//! - `minside_source_breaker_state`: 0 closed, 1 half-open, 2 open.
//! - `minside_source_in_flight`: calls to the source running now.

use crate::BreakerState;

pub(crate) fn hit(source: &str) {
    metrics::counter!("minside_cache_hits_total", "source" => source.to_owned()).increment(1);
}

pub(crate) fn miss(source: &str) {
    metrics::counter!("minside_cache_misses_total", "source" => source.to_owned()).increment(1);
}

pub(crate) fn stale_served(source: &str) {
    metrics::counter!("minside_cache_stale_served_total", "source" => source.to_owned())
        .increment(1);
}

pub(crate) fn call(source: &str) {
    metrics::counter!("minside_source_calls_total", "source" => source.to_owned()).increment(1);
}

pub(crate) fn error(source: &str, kind: &'static str) {
    metrics::counter!(
        "minside_source_errors_total",
        "source" => source.to_owned(),
        "kind" => kind
    )
    .increment(1);
}

pub(crate) fn breaker_state(source: &str, state: BreakerState) {
    metrics::gauge!("minside_source_breaker_state", "source" => source.to_owned())
        .set(state.gauge_value());
}

/// Counts one running call in `minside_source_in_flight` until dropped.
pub(crate) struct InFlight(String);

impl InFlight {
    pub fn start(source: &str) -> Self {
        metrics::gauge!("minside_source_in_flight", "source" => source.to_owned()).increment(1.0);
        Self(source.to_owned())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        metrics::gauge!("minside_source_in_flight", "source" => self.0.clone()).decrement(1.0);
    }
}
