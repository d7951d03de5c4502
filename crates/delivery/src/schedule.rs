//! When to try again: the retry backoff, and the SMS sending window (quiet hours).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Time;
use minside_core::lifephase::oslo;
use serde::Deserialize;

use crate::config::{nine, seventeen};

/// Exponential backoff: `base`, doubling with every attempt, at most `cap`, less up to 20 %
/// jitter so that items failing together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Backoff {
    /// The delay after the `attempt`-th failed attempt (1-based). The jitter is derived from
    /// `key` (e.g. the outbox item's id), so it is the same every time for the same item and
    /// attempt, and spread over items.
    pub fn delay(&self, attempt: u32, key: impl Hash) -> Duration {
        let doublings = attempt.saturating_sub(1).min(40);
        let full = self
            .base
            .checked_mul(1u32 << doublings.min(31))
            .unwrap_or(self.cap)
            .min(self.cap);
        let mut h = DefaultHasher::new();
        (key, attempt).hash(&mut h);
        // A fraction in [0, 1) from the hash.
        let fraction = (h.finish() >> 11) as f64 / (1u64 << 53) as f64;
        full.mul_f64(1.0 - 0.2 * fraction)
    }
}

/// The hours an SMS may be sent in, Europe/Oslo: from `start` (inclusive) to `end`
/// (exclusive), e.g. 09:00–17:00. A window with `end` before `start` runs over midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendWindow {
    #[serde(default = "nine")]
    pub start: Time,
    #[serde(default = "seventeen")]
    pub end: Time,
}

impl Default for SendWindow {
    /// 09:00–17:00.
    fn default() -> Self {
        Self {
            start: nine(),
            end: seventeen(),
        }
    }
}

impl SendWindow {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.start == self.end {
            return Err("the SMS window's start and end must differ".into());
        }
        Ok(())
    }

    /// Whether `now` is inside the window.
    pub fn is_open(&self, now: Timestamp) -> bool {
        let t = now.to_zoned_datetime(oslo()).time();
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }

    /// `None` when the window is open at `now`, else the instant it next opens (the next
    /// `start` in Oslo, whatever the UTC offset that day).
    pub fn next_open(&self, now: Timestamp) -> Option<Timestamp> {
        if self.is_open(now) {
            return None;
        }
        let zoned = now.to_zoned_datetime(oslo());
        let mut day = zoned.date();
        loop {
            // `start` never falls into a DST gap in Oslo (02:00–03:00) for sane windows; if it
            // did, the compatible reading moves it forward.
            let opens = day
                .to_datetime(self.start)
                .to_zoned_datetime(oslo())
                .ok()?
                .timestamp();
            if opens > now {
                return Some(opens);
            }
            day = day.tomorrow().ok()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn backoff_doubles_with_jitter_and_caps() {
        let b = Backoff {
            base: Duration::from_secs(30),
            cap: Duration::from_secs(6 * 3600),
        };
        for (attempt, full) in [(1u32, 30u64), (2, 60), (3, 120), (8, 3840), (10, 15360)] {
            let d = b.delay(attempt, "item");
            assert!(d <= Duration::from_secs(full), "{attempt}: {d:?}");
            assert!(
                d >= Duration::from_secs(full).mul_f64(0.8),
                "{attempt}: {d:?}"
            );
        }
        assert!(b.delay(11, "item") <= Duration::from_secs(6 * 3600));
        assert!(b.delay(1000, "item") >= Duration::from_secs(6 * 3600).mul_f64(0.8));
        assert_eq!(b.delay(3, "a"), b.delay(3, "a"));
        let spread: std::collections::HashSet<_> = (0..20).map(|k| b.delay(5, k)).collect();
        assert!(spread.len() > 10, "jitter spreads items");
    }

    #[test]
    fn window_opens_at_nine_oslo_time() {
        let w = SendWindow::default();
        assert!(w.is_open(ts("2026-06-10T07:00:00Z"))); // 09:00 summer time
        assert!(!w.is_open(ts("2026-06-10T06:59:59Z")));
        assert!(!w.is_open(ts("2026-06-10T15:00:00Z"))); // 17:00
        assert_eq!(w.next_open(ts("2026-06-10T12:00:00Z")), None);
        // 20:00 in winter -> 09:00 (08:00 UTC) the next day.
        assert_eq!(
            w.next_open(ts("2026-01-10T19:00:00Z")),
            Some(ts("2026-01-11T08:00:00Z"))
        );
        // 06:00 -> the same day.
        assert_eq!(
            w.next_open(ts("2026-01-10T05:00:00Z")),
            Some(ts("2026-01-10T08:00:00Z"))
        );
    }

    #[test]
    fn window_follows_daylight_saving_time() {
        let w = SendWindow::default();
        // Saturday 28 March 2026 20:00 (+01:00); summer time starts that night.
        assert_eq!(
            w.next_open(ts("2026-03-28T19:00:00Z")),
            Some(ts("2026-03-29T07:00:00Z"))
        );
        // Saturday 24 October 2026 20:00 (+02:00); winter time starts that night.
        assert_eq!(
            w.next_open(ts("2026-10-24T18:00:00Z")),
            Some(ts("2026-10-25T08:00:00Z"))
        );
    }

    #[test]
    fn a_window_may_run_over_midnight() {
        let w = SendWindow {
            start: Time::constant(22, 0, 0, 0),
            end: Time::constant(2, 0, 0, 0),
        };
        assert!(w.is_open(ts("2026-01-10T23:30:00Z")));
        assert!(w.is_open(ts("2026-01-10T00:30:00Z")));
        assert_eq!(
            w.next_open(ts("2026-01-10T12:00:00Z")),
            Some(ts("2026-01-10T21:00:00Z"))
        );
    }
}
