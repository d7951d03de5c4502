//! The behaviour of a simulated legacy system: response time, random failures, a hard capacity
//! (calls beyond it are refused at once, like an overloaded system), and switches for an
//! outage and a hang that tests and benchmarks flip at run time. Counters show what the
//! caching layer in front of it let through.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use minside_adapter::AdapterError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::settings::{Latency, SimulatedSystem};

/// Run-time switches and counters of one simulated system, shared as `Arc<SystemControl>`.
#[derive(Debug, Default)]
pub struct SystemControl {
    outage: AtomicBool,
    hang: AtomicBool,
    /// Error rate in millionths, so that it can be changed atomically.
    error_ppm: AtomicU64,
    calls_total: AtomicU64,
    calls_without_subject: AtomicU64,
    calls_unknown_subject: AtomicU64,
    simulated_errors: AtomicU64,
    refused_over_capacity: AtomicU64,
    refused_outage: AtomicU64,
    current: AtomicUsize,
    max: AtomicUsize,
    per_resident: Mutex<BTreeMap<usize, u64>>,
}

/// What a simulated system has seen. Residents are counted by their index in the generated
/// municipality, never by identity number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemStats {
    /// Every call, including refused and failed ones.
    pub calls_total: u64,
    /// Calls per resident index.
    pub calls_by_resident: BTreeMap<usize, u64>,
    /// Calls about nobody in particular (population snapshot and change feed).
    pub calls_without_subject: u64,
    /// Calls about a person the municipality does not know.
    pub calls_unknown_subject: u64,
    /// Calls that failed because of the configured error rate.
    pub simulated_errors: u64,
    /// Calls refused because the capacity was used up.
    pub refused_over_capacity: u64,
    /// Calls refused because the outage switch was on.
    pub refused_outage: u64,
    /// Calls in progress now (including hanging ones).
    pub current_concurrency: usize,
    /// The most calls in progress at once since the last reset.
    pub max_concurrency: usize,
}

impl SystemControl {
    /// Turns the outage on or off: while on, every call fails with `Unavailable` at once.
    pub fn set_outage(&self, on: bool) {
        self.outage.store(on, Ordering::SeqCst);
    }

    /// Turns the hang on or off: while on, new calls never answer (until the caller gives up).
    pub fn set_hang(&self, on: bool) {
        self.hang.store(on, Ordering::SeqCst);
    }

    /// Changes the share of calls that fail (clamped to 0..=1).
    pub fn set_error_rate(&self, rate: f64) {
        let ppm = (rate.clamp(0.0, 1.0) * 1_000_000.0).round() as u64;
        self.error_ppm.store(ppm, Ordering::SeqCst);
    }

    pub fn outage(&self) -> bool {
        self.outage.load(Ordering::SeqCst)
    }

    pub fn hang(&self) -> bool {
        self.hang.load(Ordering::SeqCst)
    }

    pub fn error_rate(&self) -> f64 {
        self.error_ppm.load(Ordering::SeqCst) as f64 / 1_000_000.0
    }

    /// A copy of the counters.
    pub fn stats(&self) -> SystemStats {
        SystemStats {
            calls_total: self.calls_total.load(Ordering::SeqCst),
            calls_by_resident: self.per_resident().clone(),
            calls_without_subject: self.calls_without_subject.load(Ordering::SeqCst),
            calls_unknown_subject: self.calls_unknown_subject.load(Ordering::SeqCst),
            simulated_errors: self.simulated_errors.load(Ordering::SeqCst),
            refused_over_capacity: self.refused_over_capacity.load(Ordering::SeqCst),
            refused_outage: self.refused_outage.load(Ordering::SeqCst),
            current_concurrency: self.current.load(Ordering::SeqCst),
            max_concurrency: self.max.load(Ordering::SeqCst),
        }
    }

    /// Sets the counters back to zero (calls in progress stay counted as current).
    pub fn reset_stats(&self) {
        for counter in [
            &self.calls_total,
            &self.calls_without_subject,
            &self.calls_unknown_subject,
            &self.simulated_errors,
            &self.refused_over_capacity,
            &self.refused_outage,
        ] {
            counter.store(0, Ordering::SeqCst);
        }
        self.max
            .store(self.current.load(Ordering::SeqCst), Ordering::SeqCst);
        self.per_resident().clear();
    }

    fn per_resident(&self) -> std::sync::MutexGuard<'_, BTreeMap<usize, u64>> {
        self.per_resident
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self, subject: CallFor) {
        self.calls_total.fetch_add(1, Ordering::SeqCst);
        match subject {
            CallFor::None => self.calls_without_subject.fetch_add(1, Ordering::SeqCst),
            CallFor::Unknown => self.calls_unknown_subject.fetch_add(1, Ordering::SeqCst),
            CallFor::Resident(index) => {
                *self.per_resident().entry(index).or_default() += 1;
                0
            }
        };
    }

    /// Takes a slot if fewer than `capacity` calls are in progress.
    fn enter(&self, capacity: usize) -> Option<Slot<'_>> {
        let mut current = self.current.load(Ordering::SeqCst);
        loop {
            if current >= capacity {
                return None;
            }
            match self.current.compare_exchange(
                current,
                current + 1,
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => {
                    self.max.fetch_max(current + 1, Ordering::SeqCst);
                    return Some(Slot(self));
                }
                Err(now) => current = now,
            }
        }
    }
}

/// A call in progress; gives its slot back when the call ends or is cancelled.
struct Slot<'a>(&'a SystemControl);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.current.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Whom a call is about, for the counters.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CallFor {
    None,
    Unknown,
    Resident(usize),
}

impl CallFor {
    pub(crate) fn from_index(index: Option<usize>) -> Self {
        index.map_or(Self::Unknown, Self::Resident)
    }
}

/// One simulated system's behaviour.
#[derive(Debug)]
pub(crate) struct Simulation {
    latency: Latency,
    capacity: usize,
    control: Arc<SystemControl>,
    rng: Mutex<ChaCha8Rng>,
}

impl Simulation {
    pub(crate) fn new(settings: &SimulatedSystem, seed: u64) -> Self {
        let control = SystemControl::default();
        control.set_error_rate(settings.error_rate);
        Self {
            latency: settings.latency,
            capacity: usize::try_from(settings.capacity.max(1)).unwrap_or(usize::MAX),
            control: Arc::new(control),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    pub(crate) fn control(&self) -> &Arc<SystemControl> {
        &self.control
    }

    /// Runs one call through the simulated system: outage, capacity, hang, latency and random
    /// failure, then `answer`.
    pub(crate) async fn call<T>(
        &self,
        subject: CallFor,
        answer: impl FnOnce() -> Result<T, AdapterError>,
    ) -> Result<T, AdapterError> {
        let control = &*self.control;
        control.count(subject);
        if control.outage() {
            control.refused_outage.fetch_add(1, Ordering::SeqCst);
            return Err(AdapterError::Unavailable("outage (simulated)".into()));
        }
        let Some(_slot) = control.enter(self.capacity) else {
            control.refused_over_capacity.fetch_add(1, Ordering::SeqCst);
            return Err(AdapterError::Unavailable("over capacity".into()));
        };
        if control.hang() {
            std::future::pending::<()>().await;
        }
        let (delay, fails) = {
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            let delay = self.latency.sample(&mut *rng);
            let fails = rng.random::<f64>() < control.error_rate();
            (delay, fails)
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if fails {
            control.simulated_errors.fetch_add(1, Ordering::SeqCst);
            return Err(AdapterError::Unavailable(
                "internal server error (simulated)".into(),
            ));
        }
        answer()
    }
}
