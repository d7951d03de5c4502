//! The date triggers of one day: ages reached (of residents, and of children for their
//! guardians) within the catch-up window, deadlines due, over the whole population, and the
//! plan phases open that day (see [`plans`](super::plans)).

use std::sync::Arc;
use std::time::Instant;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use minside_core::Kommunenummer;
use minside_store::{ChildFacts, ResidentFacts};

use super::compiled::{CompiledRule, Recipient};
use super::insert::Inserter;
use super::scan::ScanRule;
use super::{Engine, EngineStore, EvalReport, later};
use crate::rule::{AgeOf, Trigger};
use crate::{NoticesError, occurrence};

/// The marker holding the last day fully evaluated for a tenant.
fn day_marker(k: &Kommunenummer) -> String {
    format!("engine:day:{k}")
}

impl<S: EngineStore + ?Sized> Engine<S> {
    /// Evaluates the date triggers of `day` (the Oslo calendar day) for tenant `k`: age rules
    /// for ages reached from `catch_up_days` before `day` until `day`, and before-date rules
    /// whose notification period includes `day`, over every active resident, and plan-phase
    /// rules for every phase of `k` open on `day`. Notices that exist already are not created
    /// again. Skipped (see [`EvalReport::skipped`]) while another instance holds this day's
    /// lease.
    #[tracing::instrument(skip_all, fields(kommunenummer = %k, %day))]
    pub async fn evaluate_day(
        &self,
        k: &Kommunenummer,
        day: Date,
        now: Timestamp,
    ) -> Result<EvalReport, NoticesError> {
        let lease = format!("engine:day:{k}:{day}");
        if !self.lease(&lease, now).await? {
            return Ok(EvalReport::skipped(
                "another instance is evaluating this day",
            ));
        }
        let started = Instant::now();
        let mut report = EvalReport::default();
        let rules = self
            .rules(k, day, &mut report, |t| {
                matches!(
                    t,
                    Trigger::Age { .. } | Trigger::BeforeDate { .. } | Trigger::PlanPhase { .. }
                )
            })
            .await?;
        let mut inserter = self.inserter(&rules);
        let ages = Instant::now();
        for rule in &rules {
            if let Trigger::Age { of, years, months } = rule.trigger {
                let notices = self
                    .age_notices(k, rule, of, (years, months), day, now, &mut report)
                    .await?;
                inserter.extend(notices, &mut report).await?;
            }
        }
        tracing::debug!(
            elapsed_ms = ages.elapsed().as_millis() as u64,
            "age rules evaluated"
        );
        let due: Vec<ScanRule> = rules
            .iter()
            .filter_map(|rule| match rule.trigger {
                Trigger::BeforeDate { date, days_before } => {
                    occurrence::deadline_due(date, days_before, day).map(|deadline| ScanRule {
                        rule: Arc::clone(rule),
                        occurrence: occurrence::date(deadline),
                        deadline: Some(deadline),
                        plan: None,
                    })
                }
                _ => None,
            })
            .collect();
        if !due.is_empty() {
            let scan = Instant::now();
            self.scan_into(k, due, day, now, &lease, &mut inserter, &mut report)
                .await?;
            tracing::debug!(
                elapsed_ms = scan.elapsed().as_millis() as u64,
                "population scanned"
            );
        }
        let plan_rules: Vec<Arc<CompiledRule>> = rules
            .iter()
            .filter(|r| r.trigger.is_about_plan())
            .cloned()
            .collect();
        if !plan_rules.is_empty() {
            let phases = self.open_phases(k, day, &plan_rules).await?;
            let count = phases.len();
            self.phases_into(
                k,
                &plan_rules,
                phases,
                (day, now),
                Some(lease.as_str()),
                &mut inserter,
                &mut report,
            )
            .await?;
            tracing::debug!(phases = count, "plan phases evaluated");
        }
        inserter.flush(&mut report).await?;
        let marker = day_marker(k);
        let done = self.store.get_marker(&marker).await?;
        if done.is_none_or(|d| d.as_str() < day.to_string().as_str()) {
            self.store
                .set_marker(&marker, &day.to_string(), later(now, started))
                .await?;
        }
        report.log_audience_errors();
        tracing::info!(
            rules = report.rules,
            residents = report.residents,
            created = report.created(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "day evaluated"
        );
        Ok(report)
    }

    /// [`evaluate_day`](Self::evaluate_day) unless `day` (or a later day) was evaluated
    /// completely already, by this or another instance: for the daily schedule.
    pub async fn evaluate_day_if_due(
        &self,
        k: &Kommunenummer,
        day: Date,
        now: Timestamp,
    ) -> Result<EvalReport, NoticesError> {
        let done = self.store.get_marker(&day_marker(k)).await?;
        if done.is_some_and(|d| d.as_str() >= day.to_string().as_str()) {
            return Ok(EvalReport::skipped("this day was evaluated already"));
        }
        self.evaluate_day(k, day, now).await
    }

    /// The last day evaluated completely for `k`.
    pub async fn last_evaluated_day(
        &self,
        k: &Kommunenummer,
    ) -> Result<Option<Date>, NoticesError> {
        Ok(self
            .store
            .get_marker(&day_marker(k))
            .await?
            .and_then(|d| d.parse().ok()))
    }

    /// The notices of an age rule for ages reached from `catch_up_days` before `day` to `day`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn age_notices(
        &self,
        k: &Kommunenummer,
        rule: &CompiledRule,
        of: AgeOf,
        (years, months): (u8, u8),
        day: Date,
        now: Timestamp,
        report: &mut EvalReport,
    ) -> Result<Vec<minside_store::NewNotice>, NoticesError> {
        let total = u32::from(years) * 12 + u32::from(months);
        let from = day
            .checked_sub(i64::from(self.config.catch_up_days).days())
            .unwrap_or(Date::MIN);
        let (lo, hi) = occurrence::birth_window(total, from, day);
        let born = self.store.residents_born_between(k, lo, hi).await?;
        report.residents += born.len() as u64;
        let mut notices = Vec::new();
        let mut matched = 0;
        let mut errors = 0;
        let mut admit = |r: &Recipient<'_>, notices: &mut Vec<_>| match rule.admits(r, day) {
            Ok(true) => {
                matched += 1;
                notices.push(rule.notice(r, day, now));
            }
            Ok(false) => {}
            Err(_) => errors += 1,
        };
        let reaching: Vec<(&ResidentFacts, Date)> = born
            .iter()
            .filter_map(|p| Some((p, p.birth_date?)))
            .filter(|(_, birth)| occurrence::reaches_within(*birth, total, from, day))
            .collect();
        match of {
            AgeOf::Resident => {
                for (person, _) in reaching {
                    let r = Recipient {
                        resident: person,
                        child: None,
                        occurrence: occurrence::age(years, months),
                        deadline: None,
                        plan: None,
                    };
                    admit(&r, &mut notices);
                }
            }
            AgeOf::Child => {
                let ids: Vec<_> = reaching.iter().map(|(p, _)| p.id).collect();
                let guardians = self.guardians_of_children(k, &ids).await?;
                for (person, birth) in reaching {
                    let child = ChildFacts {
                        id: person.id,
                        given_name: person.given_name.clone(),
                        birth_date: birth,
                    };
                    for guardian in guardians.get(&person.id).into_iter().flatten() {
                        let r = Recipient {
                            resident: guardian,
                            child: Some(&child),
                            occurrence: occurrence::child_age(child.id, years, months),
                            deadline: None,
                            plan: None,
                        };
                        admit(&r, &mut notices);
                    }
                }
            }
        }
        let counts = report.counts(rule.id);
        counts.matched += matched;
        counts.audience_errors += errors;
        Ok(notices)
    }

    /// Runs a population scan with `rules` and writes what it finds, renewing `lease` as it
    /// goes.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn scan_into(
        &self,
        k: &Kommunenummer,
        rules: Vec<ScanRule>,
        day: Date,
        now: Timestamp,
        lease: &str,
        inserter: &mut Inserter<S>,
        report: &mut EvalReport,
    ) -> Result<(), NoticesError> {
        let started = Instant::now();
        let mut renewed = Instant::now();
        let ids: Vec<_> = rules.iter().map(|r| r.rule.id).collect();
        let mut pages = self.scan(*k, Arc::new(rules), day, now, true);
        while let Some(page) = pages.recv().await {
            let page = page?;
            report.residents += page.residents;
            for (i, id) in ids.iter().enumerate() {
                let counts = report.counts(*id);
                counts.matched += page.matched[i];
                counts.audience_errors += page.errors[i];
            }
            inserter.extend(page.notices, report).await?;
            if renewed.elapsed() > self.config.lease / 3 {
                if !self.lease(lease, later(now, started)).await? {
                    return Err(NoticesError::LeaseLost(lease.to_owned()));
                }
                renewed = Instant::now();
            }
        }
        Ok(())
    }
}
