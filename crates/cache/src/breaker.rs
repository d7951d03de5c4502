//! The circuit breaker of one source.
//!
//! Closed: calls go through; `failure_threshold` consecutive retryable failures (unavailable,
//! timeout) open it. Open: no calls for `open_for`. Then half-open: exactly one probe call goes
//! through while other calls are still refused; its success closes the breaker, its failure
//! opens it again for `open_for`. Any answer from the source (records, not-found,
//! unauthorized, bad data) counts as "reachable": it resets the failure count and does not trip.

use std::sync::Mutex;

use minside_core::Timestamp;

use crate::BreakerPolicy;
use crate::metrics;

/// What a source's breaker lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    /// `open_for` has passed; the next call is a probe.
    HalfOpen,
    Open,
}

impl BreakerState {
    /// The value of the `minside_source_breaker_state` gauge.
    pub fn gauge_value(self) -> f64 {
        match self {
            Self::Closed => 0.0,
            Self::HalfOpen => 1.0,
            Self::Open => 2.0,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed,
    Open { until: Timestamp },
    HalfOpen { probing: bool },
}

/// Whether a call may go to the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    Call,
    Probe,
    Reject,
}

/// How an admitted call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The source answered (records, not-found, unauthorized, bad data).
    Reachable,
    /// Unavailable or timed out.
    Failed,
    /// Never reached the source (our own queue was full).
    NotCalled,
}

#[derive(Debug)]
pub(crate) struct Breaker {
    source: String,
    policy: BreakerPolicy,
    inner: Mutex<(State, u32)>,
}

impl Breaker {
    pub fn new(source: &str, policy: BreakerPolicy) -> Self {
        metrics::breaker_state(source, BreakerState::Closed);
        Self {
            source: source.to_owned(),
            policy,
            inner: Mutex::new((State::Closed, 0)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (State, u32)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn admit(&self, now: Timestamp) -> Admission {
        let mut inner = self.lock();
        match inner.0 {
            State::Closed => Admission::Call,
            State::Open { until } if now < until => Admission::Reject,
            State::Open { .. } | State::HalfOpen { probing: false } => {
                inner.0 = State::HalfOpen { probing: true };
                metrics::breaker_state(&self.source, BreakerState::HalfOpen);
                Admission::Probe
            }
            State::HalfOpen { probing: true } => Admission::Reject,
        }
    }

    /// True when a call now would be refused (without changing the state).
    pub fn refuses(&self, now: Timestamp) -> bool {
        match self.lock().0 {
            State::Closed | State::HalfOpen { probing: false } => false,
            State::Open { until } => now < until,
            State::HalfOpen { probing: true } => true,
        }
    }

    pub fn state(&self, now: Timestamp) -> BreakerState {
        match self.lock().0 {
            State::Closed => BreakerState::Closed,
            State::Open { until } if now < until => BreakerState::Open,
            State::Open { .. } | State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    pub fn record(&self, admission: Admission, outcome: Outcome, now: Timestamp) {
        let mut inner = self.lock();
        let (state, failures) = *inner;
        let next = match (admission, outcome) {
            (Admission::Reject, _) => return,
            (Admission::Probe, Outcome::Reachable) => (State::Closed, 0),
            (Admission::Probe, Outcome::Failed) => (self.open(now), failures.saturating_add(1)),
            (Admission::Probe, Outcome::NotCalled) => match state {
                State::HalfOpen { .. } => (State::HalfOpen { probing: false }, failures),
                other => (other, failures),
            },
            // A call admitted while closed that ends after the breaker opened changes only the
            // count: only the probe decides when an open breaker closes.
            (Admission::Call, Outcome::Reachable) => (state, 0),
            (Admission::Call, Outcome::Failed) => {
                let failures = failures.saturating_add(1);
                match state {
                    State::Closed if failures >= self.policy.failure_threshold.get() => {
                        (self.open(now), failures)
                    }
                    other => (other, failures),
                }
            }
            (Admission::Call, Outcome::NotCalled) => (state, failures),
        };
        *inner = next;
        let reported = match next.0 {
            State::Closed => BreakerState::Closed,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        };
        drop(inner);
        metrics::breaker_state(&self.source, reported);
    }

    fn open(&self, now: Timestamp) -> State {
        State::Open {
            until: now
                .saturating_add(self.policy.open_for)
                .unwrap_or(Timestamp::MAX),
        }
    }
}

/// An admission that must be recorded; if it is dropped unrecorded (a panic, a cancelled task)
/// it counts as "not called", so a half-open breaker never waits for a probe that is gone.
pub(crate) struct Ticket<'a> {
    breaker: &'a Breaker,
    admission: Admission,
    done: bool,
}

impl<'a> Ticket<'a> {
    pub fn new(breaker: &'a Breaker, admission: Admission) -> Self {
        Self {
            breaker,
            admission,
            done: false,
        }
    }

    pub fn record(mut self, outcome: Outcome, now: Timestamp) {
        self.done = true;
        self.breaker.record(self.admission, outcome, now);
    }
}

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.breaker
                .record(self.admission, Outcome::NotCalled, Timestamp::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroU32;
    use std::time::Duration;

    use super::*;

    fn breaker() -> Breaker {
        Breaker::new(
            "t",
            BreakerPolicy {
                failure_threshold: NonZeroU32::new(2).unwrap_or(NonZeroU32::MIN),
                open_for: Duration::from_secs(30),
            },
        )
    }

    fn at(s: u64) -> Timestamp {
        Timestamp::UNIX_EPOCH
            .saturating_add(Duration::from_secs(s))
            .unwrap_or(Timestamp::MAX)
    }

    #[test]
    fn opens_after_threshold_then_probes_once() {
        let b = breaker();
        b.record(b.admit(at(0)), Outcome::Failed, at(0));
        assert_eq!(b.state(at(0)), BreakerState::Closed);
        b.record(b.admit(at(1)), Outcome::Failed, at(1));
        assert_eq!(b.state(at(1)), BreakerState::Open);
        assert_eq!(b.admit(at(30)), Admission::Reject);
        assert_eq!(b.state(at(31)), BreakerState::HalfOpen);
        assert_eq!(b.admit(at(31)), Admission::Probe);
        assert_eq!(b.admit(at(31)), Admission::Reject, "one probe at a time");
        b.record(Admission::Probe, Outcome::Failed, at(32));
        assert_eq!(b.admit(at(61)), Admission::Reject, "re-opened for open_for");
        assert_eq!(b.admit(at(62)), Admission::Probe);
        b.record(Admission::Probe, Outcome::Reachable, at(62));
        assert_eq!(b.state(at(62)), BreakerState::Closed);
    }

    #[test]
    fn answers_reset_the_count_and_lost_probes_are_released() {
        let b = breaker();
        b.record(b.admit(at(0)), Outcome::Failed, at(0));
        b.record(b.admit(at(0)), Outcome::Reachable, at(0));
        b.record(b.admit(at(0)), Outcome::Failed, at(0));
        assert_eq!(b.state(at(0)), BreakerState::Closed);
        b.record(b.admit(at(0)), Outcome::Failed, at(0));
        assert_eq!(b.state(at(0)), BreakerState::Open);
        drop(Ticket::new(&b, b.admit(at(40))));
        assert!(
            !b.refuses(at(40)),
            "a dropped probe lets the next one through"
        );
        assert_eq!(b.admit(at(40)), Admission::Probe);
    }
}
