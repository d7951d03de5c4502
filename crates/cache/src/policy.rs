//! How the cache treats one source: its time windows, its outbound limits and its circuit
//! breaker. Deserialized from configuration; durations are written with a unit (`"5m"`,
//! `"1h 30m"`, `"250ms"`) or in ISO 8601 (`"PT5M"`).

use std::num::{NonZeroU32, NonZeroUsize};
use std::time::Duration;

use minside_core::Timestamp;
use serde::{Deserialize, Serialize};

/// Per-source cache and protection settings. Every field has a default, so a configuration
/// names only what differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SourcePolicy {
    /// How long after a fetch the copy is served as fresh without asking the source.
    #[serde(with = "duration_text")]
    pub fresh: Duration,
    /// After `fresh`, how long the copy is still served at once (marked stale) while it is
    /// refreshed in the background.
    #[serde(with = "duration_text")]
    pub stale_while_revalidate: Duration,
    /// After `fresh`, how long the copy may be served (marked stale) when the source fails.
    #[serde(with = "duration_text")]
    pub stale_if_error: Duration,
    /// How long one call to the source may take.
    #[serde(with = "duration_text")]
    pub timeout: Duration,
    /// How long a fetch may wait for a concurrency slot and a rate-limit permit before it
    /// gives up with `Unavailable` (our own queue, not the source's fault). Keep it below the
    /// overview's deadline less the source's usual latency: a fetch still queued when the
    /// resident has been answered only fills the cache for a later visit (see BENCHMARKS.md,
    /// "Caching layer beside nginx").
    #[serde(with = "duration_text")]
    pub max_wait: Duration,
    /// Outbound calls per second to the source (sustained).
    pub rate_per_second: NonZeroU32,
    /// Outbound calls allowed in a burst above the sustained rate.
    pub burst: NonZeroU32,
    /// Calls to the source running at the same time, at most.
    pub max_concurrency: NonZeroUsize,
    pub breaker: BreakerPolicy,
    /// Residents kept in the in-process tier for this source, at most.
    pub max_entries: u64,
}

/// When a source's circuit breaker opens, and for how long.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakerPolicy {
    /// Consecutive retryable failures (unavailable, timeout) that open the breaker.
    pub failure_threshold: NonZeroU32,
    /// How long the breaker stays open before one probe call is let through.
    #[serde(with = "duration_text")]
    pub open_for: Duration,
}

impl Default for BreakerPolicy {
    fn default() -> Self {
        Self {
            failure_threshold: NonZeroU32::new(5).unwrap_or(NonZeroU32::MIN),
            open_for: Duration::from_secs(30),
        }
    }
}

impl Default for SourcePolicy {
    fn default() -> Self {
        Self {
            fresh: Duration::from_secs(5 * 60),
            stale_while_revalidate: Duration::from_secs(60 * 60),
            stale_if_error: Duration::from_secs(24 * 60 * 60),
            timeout: Duration::from_secs(3),
            max_wait: Duration::from_secs(1),
            rate_per_second: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
            burst: NonZeroU32::new(20).unwrap_or(NonZeroU32::MIN),
            max_concurrency: NonZeroUsize::new(8).unwrap_or(NonZeroUsize::MIN),
            breaker: BreakerPolicy::default(),
            max_entries: 10_000,
        }
    }
}

/// The instants that bound how a copy fetched at one moment may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Windows {
    pub fresh_until: Timestamp,
    /// End of stale-while-revalidate.
    pub stale_until: Timestamp,
    /// End of stale-if-error; never before `stale_until`.
    pub error_until: Timestamp,
}

impl SourcePolicy {
    pub(crate) fn windows(&self, fetched_at: Timestamp) -> Windows {
        let add = |t: Timestamp, d: Duration| t.saturating_add(d).unwrap_or(Timestamp::MAX);
        let fresh_until = add(fetched_at, self.fresh);
        Windows {
            fresh_until,
            stale_until: add(fresh_until, self.stale_while_revalidate),
            error_until: add(
                fresh_until,
                self.stale_if_error.max(self.stale_while_revalidate),
            ),
        }
    }

    /// How long a copy is worth keeping at all after its fetch.
    pub(crate) fn lifetime(&self) -> Duration {
        self.fresh
            .saturating_add(self.stale_if_error.max(self.stale_while_revalidate))
    }
}

/// Serde for [`Duration`] as text with units (`"5m"`, `"1h 30m"`, `"250ms"`, `"PT5M"`).
mod duration_text {
    use std::time::Duration;

    use minside_core::SignedDuration;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        let signed = SignedDuration::try_from(*d).map_err(serde::ser::Error::custom)?;
        s.collect_str(&format_args!("{signed:#}"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(serde_json::Number),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Text(t) => t,
            Raw::Number(n) => {
                return Err(D::Error::custom(format!(
                    "a duration needs a unit, e.g. \"{n}s\" or \"{n}ms\""
                )));
            }
        };
        let signed: SignedDuration = text
            .trim()
            .parse()
            .map_err(|e| D::Error::custom(format!("invalid duration {text:?}: {e}")))?;
        Duration::try_from(signed)
            .map_err(|_| D::Error::custom(format!("a duration cannot be negative: {text:?}")))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_documentation() {
        let p = SourcePolicy::default();
        assert_eq!(p.fresh, Duration::from_secs(300));
        assert_eq!(p.stale_while_revalidate, Duration::from_secs(3600));
        assert_eq!(p.stale_if_error, Duration::from_secs(86_400));
        assert_eq!(p.timeout, Duration::from_secs(3));
        assert_eq!((p.rate_per_second.get(), p.burst.get()), (20, 20));
        assert_eq!(p.max_concurrency.get(), 8);
        assert_eq!(p.breaker.failure_threshold.get(), 5);
        assert_eq!(p.breaker.open_for, Duration::from_secs(30));
    }

    #[test]
    fn durations_parse_with_units_and_round_trip() {
        let p: SourcePolicy = serde_json::from_value(serde_json::json!({
            "fresh": "2m", "stale_while_revalidate": "1h 30m", "stale_if_error": "PT48H",
            "timeout": "1500ms", "rate_per_second": 5, "breaker": { "open_for": "10s" }
        }))
        .unwrap();
        assert_eq!(p.fresh, Duration::from_secs(120));
        assert_eq!(p.stale_while_revalidate, Duration::from_secs(5400));
        assert_eq!(p.stale_if_error, Duration::from_secs(48 * 3600));
        assert_eq!(p.timeout, Duration::from_millis(1500));
        assert_eq!(p.breaker.open_for, Duration::from_secs(10));
        assert_eq!(p.burst.get(), 20, "unnamed fields keep their default");
        let back: SourcePolicy = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn bad_durations_and_fields_are_rejected() {
        for bad in [
            serde_json::json!({ "fresh": 300 }),
            serde_json::json!({ "fresh": "-5m" }),
            serde_json::json!({ "fresh": "soon" }),
            serde_json::json!({ "max_concurrency": 0 }),
            serde_json::json!({ "freshh": "5m" }),
        ] {
            assert!(
                serde_json::from_value::<SourcePolicy>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        let e = serde_json::from_value::<SourcePolicy>(serde_json::json!({ "fresh": 300 }));
        assert!(e.unwrap_err().to_string().contains("\"300s\""));
    }

    #[test]
    fn error_window_never_ends_before_the_revalidate_window() {
        let p = SourcePolicy {
            stale_if_error: Duration::from_secs(60),
            ..SourcePolicy::default()
        };
        let w = p.windows(Timestamp::UNIX_EPOCH);
        assert_eq!(w.error_until, w.stale_until);
        assert_eq!(w.fresh_until.as_second(), 300);
    }
}
