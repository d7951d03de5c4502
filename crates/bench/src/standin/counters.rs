//! What the stand-in counts: calls in all, per resident key and per fresh window, refusals,
//! and the most calls in service at once. Keys are whatever identifies the resident in the
//! request; they are counted, never logged or returned.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Counters since the last reset.
#[derive(Debug)]
pub struct Counters {
    since: Instant,
    window: Duration,
    calls_total: u64,
    answered: u64,
    rejected_over_capacity: u64,
    injected_errors: u64,
    refused_outage: u64,
    hung: u64,
    per_key: HashMap<String, u64>,
    /// (key, window index) -> calls.
    per_key_window: HashMap<(String, u64), u32>,
    max_concurrency: usize,
}

/// A copy of the counters, as `GET /admin/stats` returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub seconds: f64,
    pub window_seconds: f64,
    pub calls_total: u64,
    pub answered: u64,
    pub rejected_over_capacity: u64,
    pub injected_errors: u64,
    pub refused_outage: u64,
    pub hung: u64,
    pub distinct_keys: u64,
    /// Most calls for one key since the reset.
    pub max_calls_per_key: u64,
    /// (key, fresh window) pairs that saw at least one call.
    pub key_windows: u64,
    /// Mean calls per (key, fresh window) pair that saw a call: 1.0 is the ideal of a cache.
    pub calls_per_key_window: f64,
    /// Most calls one key received within one fresh window.
    pub max_calls_per_key_window: u64,
    pub max_concurrency: usize,
}

/// How a call ended, for the counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEnd {
    Answered,
    Rejected,
    InjectedError,
    Outage,
    Hung,
}

impl Counters {
    pub fn new(window: Duration, now: Instant) -> Self {
        Self {
            since: now,
            window: window.max(Duration::from_millis(1)),
            calls_total: 0,
            answered: 0,
            rejected_over_capacity: 0,
            injected_errors: 0,
            refused_outage: 0,
            hung: 0,
            per_key: HashMap::new(),
            per_key_window: HashMap::new(),
            max_concurrency: 0,
        }
    }

    /// Counts an arriving call for `key` at `now`.
    pub fn arrive(&mut self, key: &str, now: Instant) {
        self.calls_total += 1;
        *self.per_key.entry(key.to_owned()).or_default() += 1;
        let index =
            (now.saturating_duration_since(self.since).as_nanos() / self.window.as_nanos()) as u64;
        *self
            .per_key_window
            .entry((key.to_owned(), index))
            .or_default() += 1;
    }

    pub fn end(&mut self, how: CallEnd) {
        match how {
            CallEnd::Answered => self.answered += 1,
            CallEnd::Rejected => self.rejected_over_capacity += 1,
            CallEnd::InjectedError => self.injected_errors += 1,
            CallEnd::Outage => self.refused_outage += 1,
            CallEnd::Hung => self.hung += 1,
        }
    }

    pub fn concurrency(&mut self, in_service: usize) {
        self.max_concurrency = self.max_concurrency.max(in_service);
    }

    pub fn stats(&self, now: Instant) -> Stats {
        let key_windows = self.per_key_window.len() as u64;
        let window_calls: u64 = self.per_key_window.values().map(|&c| u64::from(c)).sum();
        Stats {
            seconds: now.saturating_duration_since(self.since).as_secs_f64(),
            window_seconds: self.window.as_secs_f64(),
            calls_total: self.calls_total,
            answered: self.answered,
            rejected_over_capacity: self.rejected_over_capacity,
            injected_errors: self.injected_errors,
            refused_outage: self.refused_outage,
            hung: self.hung,
            distinct_keys: self.per_key.len() as u64,
            max_calls_per_key: self.per_key.values().copied().max().unwrap_or(0),
            key_windows,
            calls_per_key_window: if key_windows == 0 {
                0.0
            } else {
                window_calls as f64 / key_windows as f64
            },
            max_calls_per_key_window: self
                .per_key_window
                .values()
                .copied()
                .max()
                .map_or(0, u64::from),
            max_concurrency: self.max_concurrency,
        }
    }

    /// The stats so far, then a new count from `now` (calls in service stay the floor of the
    /// new maximum).
    pub fn reset(&mut self, now: Instant, in_service: usize) -> Stats {
        let stats = self.stats(now);
        *self = Self::new(self.window, now);
        self.max_concurrency = in_service;
        stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_counted_per_key_and_fresh_window() {
        let t0 = Instant::now();
        let s = |ms| t0 + Duration::from_millis(ms);
        let mut c = Counters::new(Duration::from_secs(10), t0);
        // Key a: once in window 0, twice in window 1. Key b: once in window 0.
        c.arrive("a", s(100));
        c.arrive("b", s(9_999));
        c.arrive("a", s(10_000));
        c.arrive("a", s(19_000));
        c.end(CallEnd::Answered);
        c.end(CallEnd::Rejected);
        c.concurrency(3);
        c.concurrency(2);
        let st = c.stats(s(20_000));
        assert_eq!(st.calls_total, 4);
        assert_eq!(st.distinct_keys, 2);
        assert_eq!(st.max_calls_per_key, 3);
        assert_eq!(st.key_windows, 3);
        assert!((st.calls_per_key_window - 4.0 / 3.0).abs() < 1e-9);
        assert_eq!(st.max_calls_per_key_window, 2);
        assert_eq!((st.answered, st.rejected_over_capacity), (1, 1));
        assert_eq!(st.max_concurrency, 3);
        let before = c.reset(s(20_000), 1);
        assert_eq!(before, st);
        let after = c.stats(s(20_000));
        assert_eq!((after.calls_total, after.max_concurrency), (0, 1));
    }
}
