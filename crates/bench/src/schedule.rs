//! The open-loop schedule and what is recorded per phase.
//!
//! Request `i` is due at `start + i / rate`, whatever happened to earlier requests; its latency
//! is measured from that intended send time, not from when the generator got round to sending
//! it. A stalled server therefore shows up in the latency of every request that should have
//! been sent meanwhile (no coordinated omission).

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

/// One phase of a run: a name and how long requests are scheduled in it.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSpec {
    pub name: String,
    pub duration: Duration,
}

/// A fixed request rate over consecutive phases.
#[derive(Debug, Clone)]
pub struct OpenLoop {
    pub rate: f64,
    pub phases: Vec<PhaseSpec>,
}

impl OpenLoop {
    /// Offset of request `i` from the start: `i / rate`.
    pub fn intended_offset(&self, i: u64) -> Duration {
        Duration::from_secs_f64(i as f64 / self.rate)
    }

    /// Number of requests scheduled over all phases.
    pub fn total_requests(&self) -> u64 {
        (self.total_duration().as_secs_f64() * self.rate).round() as u64
    }

    pub fn total_duration(&self) -> Duration {
        self.phases.iter().map(|p| p.duration).sum()
    }

    /// The phase an intended offset falls in (the last phase for offsets past the end).
    pub fn phase_at(&self, offset: Duration) -> usize {
        let mut end = Duration::ZERO;
        for (i, p) in self.phases.iter().enumerate() {
            end += p.duration;
            if offset < end {
                return i;
            }
        }
        self.phases.len().saturating_sub(1)
    }

    /// Offset at which phase `i` starts.
    pub fn phase_start(&self, i: usize) -> Duration {
        self.phases.iter().take(i).map(|p| p.duration).sum()
    }
}

/// What a response said about the data it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Served from a copy past its fresh window; `age_ms` since the source produced it.
    Stale {
        age_ms: u64,
    },
    /// A 2xx answer without the resident's data (MinSide: the source marked unavailable).
    NoData,
    /// Not a data answer (floors, errors).
    Unknown,
}

/// One finished request: the status (`None`: transport error or client timeout) and freshness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub status: Option<u16>,
    pub freshness: Freshness,
}

/// The figures of one phase.
#[derive(Debug, Clone)]
pub struct PhaseRecorder {
    /// Latency from the intended send time, in microseconds.
    pub latency_us: Histogram<u64>,
    /// Age of stale answers, in milliseconds.
    pub stale_age_ms: Histogram<u64>,
    pub completed: u64,
    pub ok: u64,
    pub non_2xx: u64,
    pub transport_errors: u64,
    pub no_data: u64,
    pub stale: u64,
    first_intended: Option<Instant>,
    last_done: Option<Instant>,
}

impl Default for PhaseRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl PhaseRecorder {
    pub fn new() -> Self {
        let hist = |max| Histogram::new_with_bounds(1, max, 3).expect("valid histogram bounds");
        Self {
            latency_us: hist(600_000_000),
            stale_age_ms: hist(86_400_000),
            completed: 0,
            ok: 0,
            non_2xx: 0,
            transport_errors: 0,
            no_data: 0,
            stale: 0,
            first_intended: None,
            last_done: None,
        }
    }

    /// Records a request that was due at `intended` and finished at `done`.
    pub fn record(&mut self, intended: Instant, done: Instant, outcome: &Outcome) {
        let latency = done.saturating_duration_since(intended);
        let us = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        self.latency_us.saturating_record(us);
        self.completed += 1;
        match outcome.status {
            None => self.transport_errors += 1,
            Some(s) if (200..300).contains(&s) => self.ok += 1,
            Some(_) => self.non_2xx += 1,
        }
        match outcome.freshness {
            Freshness::Stale { age_ms } => {
                self.stale += 1;
                self.stale_age_ms.saturating_record(age_ms.max(1));
            }
            Freshness::NoData => self.no_data += 1,
            Freshness::Fresh | Freshness::Unknown => {}
        }
        self.first_intended = Some(self.first_intended.map_or(intended, |f| f.min(intended)));
        self.last_done = Some(self.last_done.map_or(done, |l| l.max(done)));
    }

    /// Responses per second from the first intended send to the last response.
    pub fn throughput(&self) -> f64 {
        match (self.first_intended, self.last_done) {
            (Some(a), Some(b)) if b > a => self.completed as f64 / (b - a).as_secs_f64(),
            _ => 0.0,
        }
    }

    /// The summary that goes into the report.
    pub fn summary(&self) -> PhaseFigures {
        let ms = |q: f64| self.latency_us.value_at_quantile(q) as f64 / 1000.0;
        let share = |n: u64| {
            if self.completed == 0 {
                0.0
            } else {
                n as f64 / self.completed as f64
            }
        };
        let stale_any = self.stale > 0;
        PhaseFigures {
            requests: self.completed,
            p50_ms: ms(0.5),
            p99_ms: ms(0.99),
            p999_ms: ms(0.999),
            max_ms: self.latency_us.max() as f64 / 1000.0,
            throughput: self.throughput(),
            non_2xx_share: share(self.non_2xx + self.transport_errors),
            no_data_share: share(self.no_data + self.non_2xx + self.transport_errors),
            stale_share: share(self.stale),
            stale_age_p50_s: stale_any
                .then(|| self.stale_age_ms.value_at_quantile(0.5) as f64 / 1000.0),
            stale_age_max_s: stale_any.then(|| self.stale_age_ms.max() as f64 / 1000.0),
        }
    }
}

/// What residents saw in one phase.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct PhaseFigures {
    pub requests: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    /// Responses per second.
    pub throughput: f64,
    /// Non-2xx answers and transport errors.
    pub non_2xx_share: f64,
    /// Answers without the resident's data: non-2xx, errors, and MinSide's "unavailable".
    pub no_data_share: f64,
    pub stale_share: f64,
    pub stale_age_p50_s: Option<f64>,
    pub stale_age_max_s: Option<f64>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn plan() -> OpenLoop {
        OpenLoop {
            rate: 200.0,
            phases: vec![
                PhaseSpec {
                    name: "cold".into(),
                    duration: Duration::from_secs(10),
                },
                PhaseSpec {
                    name: "steady".into(),
                    duration: Duration::from_secs(25),
                },
            ],
        }
    }

    #[test]
    fn requests_are_due_at_fixed_intervals_and_fall_into_phases() {
        let p = plan();
        assert_eq!(p.intended_offset(0), Duration::ZERO);
        assert_eq!(p.intended_offset(1), Duration::from_millis(5));
        assert_eq!(p.intended_offset(2000), Duration::from_secs(10));
        assert_eq!(p.total_requests(), 7000);
        assert_eq!(p.phase_at(p.intended_offset(1999)), 0);
        assert_eq!(p.phase_at(p.intended_offset(2000)), 1);
        assert_eq!(p.phase_at(Duration::from_secs(99)), 1);
        assert_eq!(p.phase_start(1), Duration::from_secs(10));
    }

    #[test]
    fn latency_counts_from_the_intended_time_not_the_send_time() {
        let mut r = PhaseRecorder::new();
        let t0 = Instant::now();
        let ok = Outcome {
            status: Some(200),
            freshness: Freshness::Fresh,
        };
        // Due at t0, but the server stalled: the request could only be sent 900 ms later and
        // took 100 ms once sent. Its latency is 1 s, not 100 ms.
        r.record(t0, t0 + Duration::from_millis(1000), &ok);
        // A request due during the stall and answered promptly after it: 500 ms.
        r.record(
            t0 + Duration::from_millis(500),
            t0 + Duration::from_millis(1000),
            &ok,
        );
        let s = r.summary();
        assert_eq!(s.requests, 2);
        assert!((s.max_ms - 1000.0).abs() < 1.0, "{}", s.max_ms);
        assert!((s.p50_ms - 500.0).abs() < 1.0, "{}", s.p50_ms);
        // Two answers between t0 and t0 + 1 s.
        assert!((s.throughput - 2.0).abs() < 1e-9);
    }

    #[test]
    fn errors_and_stale_answers_are_counted_apart() {
        let mut r = PhaseRecorder::new();
        let t = Instant::now();
        let rec = |r: &mut PhaseRecorder, status, freshness| {
            r.record(
                t,
                t + Duration::from_millis(2),
                &Outcome { status, freshness },
            );
        };
        rec(&mut r, Some(200), Freshness::Fresh);
        rec(&mut r, Some(200), Freshness::Stale { age_ms: 4000 });
        rec(&mut r, Some(200), Freshness::NoData);
        rec(&mut r, Some(503), Freshness::Unknown);
        rec(&mut r, None, Freshness::Unknown);
        let s = r.summary();
        assert_eq!(s.requests, 5);
        assert!((s.non_2xx_share - 0.4).abs() < 1e-9);
        assert!((s.no_data_share - 0.6).abs() < 1e-9);
        assert!((s.stale_share - 0.2).abs() < 1e-9);
        let age = s.stale_age_p50_s.unwrap();
        assert!((age - 4.0).abs() < 0.01, "{age}");
    }
}
