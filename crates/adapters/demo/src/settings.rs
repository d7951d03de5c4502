//! Configuration of the demo municipality and of how each simulated legacy system behaves:
//! latency, error rate and capacity.

use std::time::Duration;

use jiff::civil::Date;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::DemoError;

/// Settings of the demo municipality and its five simulated systems.
///
/// ```toml
/// seed = 3203
/// size = 2400
/// [invoices]
/// error_rate = 0.05
/// capacity = 4
/// latency = { kind = "log_normal", median_ms = 400, p99_ms = 3000 }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoSettings {
    /// Seed of the generator; the same seed gives the same municipality on every machine.
    pub seed: u64,
    /// Number of residents to generate (at least; households are never split).
    pub size: usize,
    /// The day the population is generated for ("today" of the demo); defaults to
    /// [`crate::DEFAULT_REFERENCE_DATE`] so that the data does not change with the clock.
    pub reference_date: Option<Date>,
    pub folkeregister: SimulatedSystem,
    pub kindergarten: SimulatedSystem,
    pub school: SimulatedSystem,
    pub property: SimulatedSystem,
    pub invoices: SimulatedSystem,
}

impl Default for DemoSettings {
    fn default() -> Self {
        Self {
            seed: crate::DEFAULT_SEED,
            size: crate::DEFAULT_SIZE,
            reference_date: None,
            folkeregister: SimulatedSystem::default(),
            kindergarten: SimulatedSystem::default(),
            school: SimulatedSystem::default(),
            property: SimulatedSystem::default(),
            invoices: SimulatedSystem::default(),
        }
    }
}

impl DemoSettings {
    /// Settings with the given seed and size and instant, error-free systems (for tests).
    pub fn instant(seed: u64, size: usize) -> Self {
        let system = SimulatedSystem {
            latency: Latency::Fixed { ms: 0 },
            ..SimulatedSystem::default()
        };
        Self {
            seed,
            size,
            reference_date: None,
            folkeregister: system.clone(),
            kindergarten: system.clone(),
            school: system.clone(),
            property: system.clone(),
            invoices: system,
        }
    }

    /// Checks every system's settings.
    pub fn validate(&self) -> Result<(), DemoError> {
        for system in [
            &self.folkeregister,
            &self.kindergarten,
            &self.school,
            &self.property,
            &self.invoices,
        ] {
            system.validate()?;
        }
        Ok(())
    }
}

/// How one simulated legacy system behaves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulatedSystem {
    pub latency: Latency,
    /// Share of calls (0.0 to 1.0) that fail with `AdapterError::Unavailable`.
    pub error_rate: f64,
    /// Calls the system handles at once; further calls are refused at once ("over capacity").
    pub capacity: u32,
}

impl Default for SimulatedSystem {
    fn default() -> Self {
        Self {
            latency: Latency::default(),
            error_rate: 0.0,
            capacity: 8,
        }
    }
}

impl SimulatedSystem {
    /// Error rate within 0..=1, capacity at least 1, p99 not below the median.
    pub fn validate(&self) -> Result<(), DemoError> {
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err(DemoError::InvalidSettings(
                "error_rate must be between 0.0 and 1.0".into(),
            ));
        }
        if self.capacity == 0 {
            return Err(DemoError::InvalidSettings(
                "capacity must be at least 1".into(),
            ));
        }
        if let Latency::LogNormal { median_ms, p99_ms } = self.latency
            && p99_ms < median_ms
        {
            return Err(DemoError::InvalidSettings(
                "latency p99_ms must not be below median_ms".into(),
            ));
        }
        Ok(())
    }
}

/// Response time of a simulated system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Latency {
    /// Log-normally distributed with the given median and 99th percentile, the usual shape of
    /// a legacy system's response times (most calls quick, a long tail).
    LogNormal { median_ms: u64, p99_ms: u64 },
    /// Always the same.
    Fixed { ms: u64 },
}

impl Default for Latency {
    fn default() -> Self {
        Self::LogNormal {
            median_ms: 200,
            p99_ms: 1500,
        }
    }
}

/// The 99th percentile of the standard normal distribution.
const Z_99: f64 = 2.326_347_874_040_841;
/// No simulated call takes longer than this (the log-normal tail is unbounded).
const MAX_LATENCY: Duration = Duration::from_secs(120);

impl Latency {
    /// Draws one response time.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        match *self {
            Self::Fixed { ms } => Duration::from_millis(ms),
            Self::LogNormal { median_ms, p99_ms } => {
                if median_ms == 0 {
                    return Duration::ZERO;
                }
                let median = median_ms as f64;
                let sigma = ((p99_ms.max(median_ms) as f64) / median).ln() / Z_99;
                let ms = median * (sigma * standard_normal(rng)).exp();
                let secs = ms / 1000.0;
                if secs.is_finite() && secs >= 0.0 {
                    Duration::from_secs_f64(secs).min(MAX_LATENCY)
                } else {
                    MAX_LATENCY
                }
            }
        }
    }
}

/// A standard normal variate (Box–Muller).
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // 1 - [0, 1) = (0, 1]: the logarithm stays finite.
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
