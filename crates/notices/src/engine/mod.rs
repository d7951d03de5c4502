//! The evaluation engine: turns active rules into notices.
//!
//! - [`Engine::evaluate_day`]: the date triggers of one day (age of a resident or a child,
//!   days before a deadline), run daily and on demand;
//! - [`Engine::process_events`]: life-event triggers, following the register's change feed
//!   from a stored pointer;
//! - [`Engine::run_campaign`]: a campaign rule, to everyone in its audience not yet notified;
//! - [`Engine::notify_plan_phase`]: plan-phase rules for one phase just created or opened (the
//!   daily evaluation covers every open phase as well);
//! - [`Engine::preview`]: what a rule would create now, without creating anything.
//!
//! Every notice has an [occurrence](crate::occurrence); the store creates a notice once per
//! (rule, recipient, occurrence), so re-running a day, a crash half-way or a second instance
//! never duplicates one. A job lease per tenant and day (or per campaign) keeps two instances
//! from doing the same work at the same time.
//!
//! Whole-population scans run as a pipeline: `readers` tasks read pages of residents, `workers`
//! blocking tasks evaluate them (one CEL context per resident for all rules), and the caller's
//! task writes the notices in batches.

mod compiled;
mod daily;
mod events;
mod fetch;
mod guardians;
mod insert;
mod plans;
mod preview;
mod scan;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use minside_core::Kommunenummer;
use minside_store::{GuardianStore, NoticeStore, PlanStore, RegisterStore, RuleId};
use serde::Serialize;

pub(crate) use compiled::CompiledRule;
pub use preview::{MaskedResident, PREVIEW_SAMPLES, Preview};

use crate::NoticesError;

/// What the engine needs from storage. Every backend's store implements it (through the
/// blanket implementation), and so does `dyn Store` once it includes these traits.
pub trait EngineStore:
    NoticeStore + RegisterStore + GuardianStore + PlanStore + Send + Sync + 'static
{
}

impl<T> EngineStore for T where
    T: NoticeStore + RegisterStore + GuardianStore + PlanStore + Send + Sync + ?Sized + 'static
{
}

/// How far from a plan's area residents are told about its phases, by default (metres).
pub const DEFAULT_PLAN_DISTANCE_M: f64 = 500.0;

/// Tuning and identity of an engine instance.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Age triggers also fire for ages reached up to this many days before the evaluated day,
    /// so a day the engine did not run is caught up (default 7).
    pub catch_up_days: u16,
    /// Register events older than this many days when processed are skipped (default 30).
    pub event_max_age_days: u16,
    /// Residents per page of a population scan (default 2,000).
    pub page_size: u32,
    /// Notices per `create_notices` call (default 2,000).
    pub batch_size: usize,
    /// Pages evaluated at the same time (default: the number of CPUs).
    pub workers: usize,
    /// Readers paging through the population at the same time (default 2).
    pub readers: usize,
    /// `create_notices` calls running at the same time (default 2).
    pub writers: usize,
    /// Register events read per step (default 500).
    pub event_page: u32,
    /// How long a job lease holds before it must be renewed (default 5 minutes).
    pub lease: Duration,
    /// This instance's name in job leases (default: process id and a random id).
    pub instance: String,
    /// Plan-phase rules notify residents whose home is at most this many metres from a plan's
    /// area (default 500; see [`Engine::with_plan_distance`]).
    pub plan_distance_m: f64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            catch_up_days: 7,
            event_max_age_days: 30,
            page_size: 2_000,
            batch_size: 2_000,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            readers: 2,
            writers: 2,
            event_page: 500,
            lease: Duration::from_secs(300),
            instance: format!("{}:{}", std::process::id(), uuid::Uuid::now_v7().simple()),
            plan_distance_m: DEFAULT_PLAN_DISTANCE_M,
        }
    }
}

/// Counts for one rule in one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleCounts {
    /// Recipients in the audience (before opt-outs and already created notices).
    pub matched: u64,
    /// Left out because the recipient opted out of the rule's category.
    pub opted_out: u64,
    /// Notices created now (the rest existed already).
    pub created: u64,
    /// Residents the audience could not be evaluated for (counted as not matching).
    pub audience_errors: u64,
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EvalReport {
    /// Why nothing was done (another instance holds the lease, already done), if so.
    pub skipped: Option<String>,
    /// Rules evaluated.
    pub rules: usize,
    /// Residents whose facts were read and evaluated (population scans and age lookups).
    pub residents: u64,
    /// Register events read (event processing).
    pub events: u64,
    pub per_rule: BTreeMap<RuleId, RuleCounts>,
    /// Active rules that no longer compile (left out; see the log).
    pub invalid_rules: Vec<RuleId>,
}

impl EvalReport {
    fn skipped(why: impl Into<String>) -> Self {
        Self {
            skipped: Some(why.into()),
            ..Self::default()
        }
    }

    /// Notices created, over all rules.
    pub fn created(&self) -> u64 {
        self.per_rule.values().map(|c| c.created).sum()
    }

    /// Recipients matched, over all rules.
    pub fn matched(&self) -> u64 {
        self.per_rule.values().map(|c| c.matched).sum()
    }

    pub(crate) fn counts(&mut self, rule: RuleId) -> &mut RuleCounts {
        self.per_rule.entry(rule).or_default()
    }

    /// Logs the rules whose audience failed for some residents (a caseworker should look at
    /// the expression), without naming anyone.
    pub(crate) fn log_audience_errors(&self) {
        for (rule, counts) in &self.per_rule {
            if counts.audience_errors > 0 {
                tracing::warn!(
                    %rule,
                    residents = counts.audience_errors,
                    "audience could not be evaluated for some residents; they were left out"
                );
            }
        }
    }
}

/// The evaluation engine over a store `S` (a backend's store, or `dyn Store`).
pub struct Engine<S: ?Sized> {
    store: Arc<S>,
    config: EngineConfig,
}

impl<S: ?Sized> Clone for Engine<S> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            config: self.config.clone(),
        }
    }
}

impl<S: EngineStore + ?Sized> Engine<S> {
    pub fn new(store: Arc<S>, config: EngineConfig) -> Self {
        Self { store, config }
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The engine with plan-phase rules notifying residents whose home is at most `metres`
    /// from a plan's area (0: only those living inside it; a negative or non-finite value
    /// counts as 0).
    pub fn with_plan_distance(mut self, metres: f64) -> Self {
        self.config.plan_distance_m = plan_distance(metres);
        self
    }

    /// The active rules of `k` valid on `day` that `want` selects, compiled; rules that do
    /// not compile are reported and left out.
    async fn rules(
        &self,
        k: &Kommunenummer,
        day: Date,
        report: &mut EvalReport,
        want: impl Fn(&crate::Trigger) -> bool,
    ) -> Result<Vec<Arc<CompiledRule>>, NoticesError> {
        let mut out = Vec::new();
        for stored in self.store.active_rules().await? {
            if stored.kommunenummer != *k {
                continue;
            }
            match CompiledRule::from_stored(&stored) {
                Ok(rule) if want(&rule.trigger) && rule.valid_on(day) => out.push(Arc::new(rule)),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(rule = %stored.id, error = %e, "active rule left out");
                    report.invalid_rules.push(stored.id);
                }
            }
        }
        report.rules = out.len();
        Ok(out)
    }

    /// The tenants with at least one active rule, for the daily schedule. (Register events
    /// should be processed for every tenant, so that the feed pointer keeps up even while a
    /// tenant has no life-event rule.)
    pub async fn tenants_with_active_rules(&self) -> Result<Vec<Kommunenummer>, NoticesError> {
        let mut tenants: Vec<Kommunenummer> = self
            .store
            .active_rules()
            .await?
            .into_iter()
            .map(|r| r.kommunenummer)
            .collect();
        tenants.sort_unstable();
        tenants.dedup();
        Ok(tenants)
    }

    /// A writer of notices of `rules`.
    fn inserter(&self, rules: &[Arc<CompiledRule>]) -> insert::Inserter<S> {
        insert::Inserter::new(
            &self.store,
            self.config.batch_size,
            self.config.writers,
            rules,
        )
    }

    /// Takes (or renews) the named lease for this instance.
    async fn lease(&self, name: &str, now: Timestamp) -> Result<bool, NoticesError> {
        let until = now
            .checked_add(self.config.lease)
            .map_err(|e| NoticesError::Task(format!("lease time out of range: {e}")))?;
        Ok(self
            .store
            .try_job_lease(name, &self.config.instance, until, now)
            .await?)
    }
}

/// A usable plan distance: `metres` when finite and not negative, else 0.
fn plan_distance(metres: f64) -> f64 {
    if metres.is_finite() {
        metres.max(0.0)
    } else {
        0.0
    }
}

/// `now` plus the real time elapsed since `started` (for lease renewals in long runs).
pub(crate) fn later(now: Timestamp, started: std::time::Instant) -> Timestamp {
    now.checked_add(started.elapsed()).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_sum_over_rules() {
        let mut r = EvalReport::default();
        let (a, b) = (RuleId::new_v7(), RuleId::new_v7());
        r.counts(a).created = 2;
        r.counts(a).matched = 3;
        r.counts(b).created = 5;
        r.counts(b).matched = 5;
        assert_eq!(r.created(), 7);
        assert_eq!(r.matched(), 8);
    }

    #[test]
    fn plan_distances_are_never_negative() {
        assert_eq!(EngineConfig::default().plan_distance_m, 500.0);
        assert_eq!(plan_distance(250.5), 250.5);
        assert_eq!(plan_distance(0.0), 0.0);
        assert_eq!(plan_distance(-1.0), 0.0);
        assert_eq!(plan_distance(f64::NAN), 0.0);
        assert_eq!(plan_distance(f64::INFINITY), 0.0);
    }

    #[test]
    fn default_instances_differ() {
        assert_ne!(
            EngineConfig::default().instance,
            EngineConfig::default().instance
        );
    }
}
