//! Plan-phase triggers: while a consultation phase of a land-use plan is open, adult residents
//! whose home is within the plan distance of the plan's area, and the plan's followers wherever
//! they live in the municipality, are told once per phase and rule (occurrence
//! `plan-phase:{phase id}`).
//!
//! The daily evaluation looks at every phase open that day, so someone who moves in near the
//! plan while the phase is open is told on a later day; [`Engine::notify_plan_phase`] tells
//! everyone at once when a caseworker creates or opens a phase. Neighbours come from the
//! store's bounding-box query (the area's box widened by the distance) and are then measured
//! exactly against the area on the blocking pool.

use std::collections::HashSet;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use minside_core::Kommunenummer;
use minside_core::lifephase::{age_on, today_in_oslo};
use minside_plans::geometry::{Area, around};
use minside_store::{
    BoundingBox, PhaseId, ResidentFacts, ResidentId, ResidentStatus, StoreError, StoredPhase,
};
use tokio::task::JoinSet;

use super::compiled::{CompiledRule, PlanPhaseFacts};
use super::insert::Inserter;
use super::scan::{PageOutput, ScanRule, evaluate_page};
use super::{Engine, EngineStore, EvalReport, later, plan_distance};
use crate::{NoticesError, occurrence};

/// Notices about plans go to residents of at least this age (or of unknown age).
const ADULT_YEARS: u32 = 18;

/// Where the notices of an evaluated phase go: written, or only listed (previews).
pub(crate) enum Sink<'a, S: ?Sized> {
    Insert(&'a mut Inserter<S>),
    Collect(&'a mut Vec<ResidentId>),
}

/// Who is told about one phase, and what the notices name.
pub(crate) struct PhaseAudience {
    pub facts: Arc<PlanPhaseFacts>,
    /// Adult active residents of the tenant: neighbours first, then followers (each once).
    pub residents: Vec<ResidentFacts>,
}

impl<S: EngineStore + ?Sized> Engine<S> {
    /// Runs the plan-phase rules of `k` for one phase, if it is open on `now`'s Oslo day: for a
    /// caseworker who just created or opened it, so that nobody waits for the next daily
    /// evaluation. Returns how many notices were created (0 when the phase is not open or no
    /// active rule notifies about its kind); those notified already are not notified again.
    /// [`NotFound`](StoreError::NotFound) for an unknown phase or another tenant's.
    #[tracing::instrument(skip_all, fields(kommunenummer = %k, phase = %phase_id))]
    pub async fn notify_plan_phase(
        &self,
        k: &Kommunenummer,
        phase_id: PhaseId,
        now: Timestamp,
    ) -> Result<u64, NoticesError> {
        let day = today_in_oslo(now);
        let phase = self.store.get_phase(k, phase_id).await?;
        if !(phase.fields.opens_on <= day && day <= phase.fields.closes_on) {
            return Ok(0);
        }
        let mut report = EvalReport::default();
        let kind = phase.fields.kind;
        let rules = self
            .rules(k, day, &mut report, |t| t.notifies_phase(kind))
            .await?;
        if rules.is_empty() {
            return Ok(0);
        }
        let mut inserter = self.inserter(&rules);
        self.phases_into(
            k,
            &rules,
            vec![phase],
            (day, now),
            None,
            &mut inserter,
            &mut report,
        )
        .await?;
        inserter.flush(&mut report).await?;
        report.log_audience_errors();
        tracing::info!(created = report.created(), "plan phase notified");
        Ok(report.created())
    }

    /// The phases of `k` open on `day` that at least one of `rules` notifies about.
    pub(crate) async fn open_phases(
        &self,
        k: &Kommunenummer,
        day: Date,
        rules: &[Arc<CompiledRule>],
    ) -> Result<Vec<StoredPhase>, NoticesError> {
        let mut phases = self.store.phases_open_on(day).await?;
        phases.retain(|p| {
            p.kommunenummer == *k
                && rules
                    .iter()
                    .any(|r| r.trigger.notifies_phase(p.fields.kind))
        });
        Ok(phases)
    }

    /// Evaluates `rules` (plan-phase rules) for each of `phases` and writes the notices,
    /// renewing `lease` (when given) between phases.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn phases_into(
        &self,
        k: &Kommunenummer,
        rules: &[Arc<CompiledRule>],
        phases: Vec<StoredPhase>,
        (day, now): (Date, Timestamp),
        lease: Option<&str>,
        inserter: &mut Inserter<S>,
        report: &mut EvalReport,
    ) -> Result<(), NoticesError> {
        let started = std::time::Instant::now();
        for phase in phases {
            let Some(audience) = self.phase_audience(k, &phase, day).await? else {
                continue;
            };
            let scan = phase_rules(rules, &phase, &audience.facts);
            let mut sink = Sink::Insert(&mut *inserter);
            self.evaluate_audience(scan, audience.residents, (day, now), &mut sink, report)
                .await?;
            if let Some(lease) = lease
                && !self.lease(lease, later(now, started)).await?
            {
                return Err(NoticesError::LeaseLost(lease.to_owned()));
            }
        }
        Ok(())
    }

    /// Who is told about `phase` on `day`; `None` when its plan is gone.
    pub(crate) async fn phase_audience(
        &self,
        k: &Kommunenummer,
        phase: &StoredPhase,
        day: Date,
    ) -> Result<Option<PhaseAudience>, NoticesError> {
        let plan = match self.store.get_plan(k, &phase.plan_id).await {
            Ok(plan) => plan,
            Err(StoreError::NotFound) => {
                tracing::warn!(plan = %phase.plan_id, "open phase of an unknown plan left out");
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let facts = Arc::new(PlanPhaseFacts {
            plan_id: plan.fields.plan_id.clone(),
            plan_name: plan.fields.name.clone(),
            label: minside_plans::phase::label(phase.fields.kind, phase.fields.hearing_version),
        });
        let mut residents = match plan.fields.area.as_ref().map(Area::from_stored) {
            Some(Ok(area)) => self.residents_near(k, area).await?,
            Some(Err(e)) => {
                tracing::warn!(
                    plan = %phase.plan_id,
                    error = %e.message,
                    "the stored plan area does not parse; only followers are told"
                );
                Vec::new()
            }
            None => Vec::new(),
        };
        let near: HashSet<ResidentId> = residents.iter().map(|r| r.id).collect();
        let followers: Vec<ResidentId> = self
            .store
            .followers(k, &phase.plan_id)
            .await?
            .into_iter()
            .filter(|id| !near.contains(id))
            .collect();
        if !followers.is_empty() {
            residents.extend(self.store.resident_facts(&followers).await?);
        }
        residents.retain(|r| told_about_plans(r, k, day));
        Ok(Some(PhaseAudience { facts, residents }))
    }

    /// Active residents of `k` whose home is within the plan distance of `area`.
    async fn residents_near(
        &self,
        k: &Kommunenummer,
        area: Area,
    ) -> Result<Vec<ResidentFacts>, NoticesError> {
        let metres = plan_distance(self.config.plan_distance_m);
        let candidates = self
            .store
            .residents_in_box(k, &widened(area.bbox(), metres))
            .await?;
        tokio::task::spawn_blocking(move || {
            candidates
                .into_iter()
                .filter(|r| {
                    let point = r.address.as_ref().and_then(|a| a.point);
                    point.is_some_and(|(lon, lat)| area.distance_m(lon, lat) <= metres)
                })
                .collect()
        })
        .await
        .map_err(|e| NoticesError::Task(e.to_string()))
    }

    /// Evaluates `rules` for `residents` in pages on the blocking pool (up to `workers` at a
    /// time) and hands the notices (or recipients) to `sink`, counting per rule.
    pub(crate) async fn evaluate_audience(
        &self,
        rules: Vec<ScanRule>,
        residents: Vec<ResidentFacts>,
        (day, now): (Date, Timestamp),
        sink: &mut Sink<'_, S>,
        report: &mut EvalReport,
    ) -> Result<(), NoticesError> {
        if rules.is_empty() || residents.is_empty() {
            return Ok(());
        }
        let ids: Vec<_> = rules.iter().map(|r| r.rule.id).collect();
        let render = matches!(sink, Sink::Insert(_));
        let rules = Arc::new(rules);
        let residents = Arc::new(residents);
        let page = usize::try_from(self.config.page_size.max(1)).unwrap_or(usize::MAX);
        let workers = self.config.workers.max(1);
        let mut starts = (0..residents.len()).step_by(page);
        let mut pages: JoinSet<PageOutput> = JoinSet::new();
        loop {
            while pages.len() < workers
                && let Some(start) = starts.next()
            {
                let (rules, residents) = (Arc::clone(&rules), Arc::clone(&residents));
                let end = residents.len().min(start.saturating_add(page));
                pages.spawn_blocking(move || {
                    evaluate_page(&rules, &residents[start..end], day, now, render)
                });
            }
            let Some(done) = pages.join_next().await else {
                break;
            };
            let out = done.map_err(|e| NoticesError::Task(e.to_string()))?;
            report.residents += out.residents;
            for (i, id) in ids.iter().enumerate() {
                let counts = report.counts(*id);
                counts.matched += out.matched[i];
                counts.audience_errors += out.errors[i];
            }
            match sink {
                Sink::Insert(inserter) => inserter.extend(out.notices, report).await?,
                Sink::Collect(recipients) => recipients.extend(out.recipients),
            }
        }
        Ok(())
    }
}

/// One scan rule per rule of `rules` that notifies about `phase`'s kind.
pub(crate) fn phase_rules(
    rules: &[Arc<CompiledRule>],
    phase: &StoredPhase,
    facts: &Arc<PlanPhaseFacts>,
) -> Vec<ScanRule> {
    rules
        .iter()
        .filter(|r| r.trigger.notifies_phase(phase.fields.kind))
        .map(|r| ScanRule {
            rule: Arc::clone(r),
            occurrence: occurrence::plan_phase(phase.id),
            deadline: Some(phase.fields.closes_on),
            plan: Some(Arc::clone(facts)),
        })
        .collect()
}

/// Whether a resident may be told about a plan of `k` on `day`: active in `k`, and an adult
/// (or of unknown age). Children get nothing, and no guardian is told on their behalf.
fn told_about_plans(r: &ResidentFacts, k: &Kommunenummer, day: Date) -> bool {
    r.status == ResidentStatus::Active
        && r.kommunenummer == *k
        && r.birth_date.is_none_or(|b| age_on(b, day) >= ADULT_YEARS)
}

/// `bbox` widened so that it holds every point within `metres` of it.
fn widened(bbox: BoundingBox, metres: f64) -> BoundingBox {
    let corners = [
        (bbox.min_lon, bbox.min_lat),
        (bbox.min_lon, bbox.max_lat),
        (bbox.max_lon, bbox.min_lat),
        (bbox.max_lon, bbox.max_lat),
    ];
    corners
        .iter()
        .map(|&(lon, lat)| around(lon, lat, metres))
        .fold(bbox, |acc, b| BoundingBox {
            min_lon: acc.min_lon.min(b.min_lon),
            min_lat: acc.min_lat.min(b.min_lat),
            max_lon: acc.max_lon.max(b.max_lon),
            max_lat: acc.max_lat.max(b.max_lat),
        })
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::samples;

    #[test]
    fn only_active_adults_of_the_tenant_are_told() {
        let k = Kommunenummer::parse("3203").expect("Asker");
        let day = date(2027, 3, 1);
        let mut r = samples::parent();
        assert!(told_about_plans(&r, &k, day));
        r.birth_date = Some(date(2009, 3, 1));
        assert!(told_about_plans(&r, &k, day), "18 today");
        r.birth_date = Some(date(2009, 3, 2));
        assert!(!told_about_plans(&r, &k, day), "18 tomorrow");
        r.birth_date = None;
        assert!(told_about_plans(&r, &k, day), "unknown age");
        r.status = ResidentStatus::MovedOut;
        assert!(!told_about_plans(&r, &k, day));
        let mut other = samples::parent();
        other.kommunenummer = Kommunenummer::parse("0301").expect("Oslo");
        assert!(!told_about_plans(&other, &k, day));
    }

    #[test]
    fn widened_boxes_hold_every_point_within_the_distance() {
        let bbox = BoundingBox {
            min_lon: 10.40,
            min_lat: 59.80,
            max_lon: 10.45,
            max_lat: 59.83,
        };
        let wide = widened(bbox, 500.0);
        // 500 m is about 0.0045° of latitude and 0.0089° of longitude at 59.8°N.
        assert!(wide.min_lat <= 59.80 - 0.0044 && wide.max_lat >= 59.83 + 0.0044);
        assert!(wide.min_lon <= 10.40 - 0.0088 && wide.max_lon >= 10.45 + 0.0088);
        assert!(wide.min_lat > 59.80 - 0.01 && wide.max_lon < 10.45 + 0.02);
        let same = widened(bbox, 0.0);
        assert!(same.min_lon <= 10.40 && same.max_lat >= 59.83 && same.max_lon < 10.4501);
    }
}
