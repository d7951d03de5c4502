//! Previews and campaigns.
//!
//! A preview tells a caseworker how many notices a rule would create now and shows a few
//! masked recipients (initial, age, postcode: never a name or identity number); it writes
//! nothing. A campaign run creates a campaign rule's notices for everyone in its audience not
//! notified yet.

use std::sync::Arc;
use std::time::Instant;

use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use minside_core::Kommunenummer;
use minside_core::lifephase::{age_on, today_in_oslo};
use minside_store::{NewNotice, ResidentFacts, ResidentId, RuleId, RuleStatus};
use serde::Serialize;
use uuid::Uuid;

use super::compiled::CompiledRule;
use super::insert::opted_out;
use super::plans::{Sink, phase_rules};
use super::scan::ScanRule;
use super::{Engine, EngineStore, EvalReport, plan_distance};
use crate::rule::{AgeOf, Trigger, ValidRule};
use crate::{NoticesError, occurrence};

/// How many masked samples a preview shows.
pub const PREVIEW_SAMPLES: usize = 5;

/// A recipient as a preview shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MaskedResident {
    /// The first letter of the given name and a full stop, e.g. `K.`.
    pub initial: String,
    /// Age in whole years today, when the birth date is known.
    pub age: Option<u32>,
    pub postcode: Option<String>,
}

impl MaskedResident {
    pub(crate) fn of(facts: &ResidentFacts, day: Date) -> Self {
        let initial = facts
            .given_name
            .chars()
            .next()
            .map(|c| format!("{}.", c.to_uppercase()))
            .unwrap_or_default();
        Self {
            initial,
            age: facts.birth_date.map(|b| age_on(b, day)),
            postcode: facts.address.as_ref().map(|a| a.postcode.clone()),
        }
    }
}

/// What a rule would do now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// Notices it would create now (recipients; a guardian of two children counts twice for
    /// a rule about a child), leaving out those who opted out. Notices created earlier are not
    /// subtracted.
    pub count: u64,
    /// Up to [`PREVIEW_SAMPLES`] of the recipients, masked.
    pub samples: Vec<MaskedResident>,
    /// Residents the audience could not be evaluated for.
    pub audience_errors: u64,
    /// What the count covers, in English.
    pub basis: String,
}

impl<S: EngineStore + ?Sized> Engine<S> {
    /// What `rule` would create now for tenant `k`, without creating anything:
    /// - before a date: everyone in the audience today (notified from `days_before` days before
    ///   the next deadline until it);
    /// - campaign: everyone in the audience today;
    /// - age: those reaching the age today or in the catch-up days before;
    /// - life event: the recipients for the register events of the last `event_max_age_days`;
    /// - plan phase: the neighbours and followers of every plan with a phase of the rule's
    ///   kinds open today, once per phase.
    pub async fn preview(
        &self,
        k: &Kommunenummer,
        rule: &ValidRule,
        now: Timestamp,
    ) -> Result<Preview, NoticesError> {
        let day = today_in_oslo(now);
        let id = RuleId(Uuid::nil());
        let compiled = Arc::new(
            CompiledRule::from_valid(id, *k, rule)
                .map_err(|reason| NoticesError::InvalidRule { rule: id, reason })?,
        );
        let mut report = EvalReport::default();
        let (recipients, basis): (Vec<ResidentId>, String) = match rule.trigger {
            Trigger::BeforeDate { date, days_before } => {
                let Some(deadline) = date.next_on_or_after(day) else {
                    return Ok(Preview {
                        count: 0,
                        samples: Vec::new(),
                        audience_errors: 0,
                        basis: "the deadline has passed".to_owned(),
                    });
                };
                let first = deadline
                    .checked_sub(i64::from(days_before).days())
                    .unwrap_or(day);
                let scan = ScanRule {
                    rule: Arc::clone(&compiled),
                    occurrence: occurrence::date(deadline),
                    deadline: Some(deadline),
                    plan: None,
                };
                let basis = format!(
                    "residents in the audience today; notified from {first} until {deadline}"
                );
                (self.scan_all(k, scan, day, now, &mut report).await?, basis)
            }
            Trigger::Campaign => {
                let scan = ScanRule {
                    rule: Arc::clone(&compiled),
                    occurrence: occurrence::CAMPAIGN.to_owned(),
                    deadline: None,
                    plan: None,
                };
                let basis = "residents in the audience today".to_owned();
                (self.scan_all(k, scan, day, now, &mut report).await?, basis)
            }
            Trigger::Age { of, years, months } => {
                let from = day
                    .checked_sub(i64::from(self.config.catch_up_days).days())
                    .unwrap_or(day);
                let whose = match of {
                    AgeOf::Resident => "residents",
                    AgeOf::Child => "guardians of children",
                };
                let basis = format!(
                    "{whose} reaching {years} years {months} months from {from} until {day}"
                );
                let notices = self
                    .age_notices(k, &compiled, of, (years, months), day, now, &mut report)
                    .await?;
                (notices.iter().map(|n| n.recipient_id).collect(), basis)
            }
            Trigger::PlanPhase { .. } => {
                let phases = self
                    .open_phases(k, day, std::slice::from_ref(&compiled))
                    .await?;
                let basis = format!(
                    "adult residents within {} m of the area, and the followers, of each plan \
                     with a phase open today (phases open: {})",
                    plan_distance(self.config.plan_distance_m),
                    phases.len()
                );
                let mut recipients = Vec::new();
                for phase in &phases {
                    let Some(audience) = self.phase_audience(k, phase, day).await? else {
                        continue;
                    };
                    let scan = phase_rules(std::slice::from_ref(&compiled), phase, &audience.facts);
                    let mut sink = Sink::Collect(&mut recipients);
                    self.evaluate_audience(
                        scan,
                        audience.residents,
                        (day, now),
                        &mut sink,
                        &mut report,
                    )
                    .await?;
                }
                (recipients, basis)
            }
            Trigger::LifeEvent { .. } => {
                let notices: Vec<_> = self
                    .recent_event_notices(k, &compiled, day, now, &mut report)
                    .await?
                    .iter()
                    .map(|n| n.recipient_id)
                    .collect();
                let basis = format!(
                    "recipients for the register events of the last {} days",
                    self.config.event_max_age_days
                );
                (notices, basis)
            }
        };
        let opted = opted_out(&*self.store, &compiled, recipients.clone()).await?;
        let recipients: Vec<ResidentId> = recipients
            .into_iter()
            .filter(|r| !opted.contains(r))
            .collect();
        let mut sample_ids = recipients.clone();
        sample_ids.sort_unstable();
        sample_ids.dedup();
        sample_ids.truncate(PREVIEW_SAMPLES);
        let samples = self
            .store
            .resident_facts(&sample_ids)
            .await?
            .iter()
            .map(|f| MaskedResident::of(f, day))
            .collect();
        Ok(Preview {
            count: recipients.len() as u64,
            samples,
            audience_errors: report.per_rule.values().map(|c| c.audience_errors).sum(),
            basis,
        })
    }

    /// Every recipient a scan with one rule finds (nothing is rendered).
    async fn scan_all(
        &self,
        k: &Kommunenummer,
        rule: ScanRule,
        day: Date,
        now: Timestamp,
        report: &mut EvalReport,
    ) -> Result<Vec<ResidentId>, NoticesError> {
        let id = rule.rule.id;
        let mut pages = self.scan(*k, Arc::new(vec![rule]), day, now, false);
        let mut recipients = Vec::new();
        while let Some(page) = pages.recv().await {
            let page = page?;
            report.counts(id).audience_errors += page.errors[0];
            recipients.extend(page.recipients);
        }
        Ok(recipients)
    }

    /// The notices a life-event rule would make for the events of the last days.
    async fn recent_event_notices(
        &self,
        k: &Kommunenummer,
        rule: &Arc<CompiledRule>,
        day: Date,
        now: Timestamp,
        report: &mut EvalReport,
    ) -> Result<Vec<NewNotice>, NoticesError> {
        let oldest = day
            .checked_sub(i64::from(self.config.event_max_age_days).days())
            .unwrap_or(day);
        let mut notices = Vec::new();
        let mut after = 0;
        loop {
            let events = self
                .store
                .register_events_after(k, after, self.config.event_page)
                .await?;
            let Some(last) = events.last() else { break };
            after = last.id;
            let recent: Vec<_> = events.iter().filter(|e| e.occurred >= oldest).collect();
            let rules = [Arc::clone(rule)];
            notices.extend(
                self.event_notices(k, &rules, &recent, day, now, report)
                    .await?,
            );
        }
        Ok(notices)
    }

    /// Runs an active campaign rule: a notice to everyone in its audience who has none from
    /// it yet. [`NotApplicable`](NoticesError::NotApplicable) for a rule that is not an
    /// active campaign valid today.
    #[tracing::instrument(skip_all, fields(kommunenummer = %k, rule = %rule))]
    pub async fn run_campaign(
        &self,
        k: &Kommunenummer,
        rule: RuleId,
        now: Timestamp,
    ) -> Result<EvalReport, NoticesError> {
        let stored = self.store.get_rule(k, rule).await?;
        let day = today_in_oslo(now);
        if stored.status != RuleStatus::Active {
            return Err(NoticesError::NotApplicable(format!(
                "the rule is {}, not active",
                stored.status
            )));
        }
        let compiled = Arc::new(CompiledRule::from_stored(&stored)?);
        if compiled.trigger != Trigger::Campaign {
            return Err(NoticesError::NotApplicable(
                "the rule is not a campaign".into(),
            ));
        }
        if !compiled.valid_on(day) {
            return Err(NoticesError::NotApplicable(format!(
                "the rule is not valid on {day}"
            )));
        }
        let lease = format!("engine:campaign:{rule}");
        if !self.lease(&lease, now).await? {
            return Ok(EvalReport::skipped(
                "another instance is running this campaign",
            ));
        }
        let started = Instant::now();
        let mut report = EvalReport {
            rules: 1,
            ..EvalReport::default()
        };
        let rules = [Arc::clone(&compiled)];
        let mut inserter = self.inserter(&rules);
        let scan = ScanRule {
            rule: compiled,
            occurrence: occurrence::CAMPAIGN.to_owned(),
            deadline: None,
            plan: None,
        };
        self.scan_into(k, vec![scan], day, now, &lease, &mut inserter, &mut report)
            .await?;
        inserter.flush(&mut report).await?;
        report.log_audience_errors();
        tracing::info!(
            created = report.created(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "campaign run"
        );
        Ok(report)
    }
}
