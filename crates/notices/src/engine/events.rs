//! Life-event triggers: the engine follows the register mirror's events from its own pointer
//! (marker `engine:events:{k}`), and notifies the person an event is about, or their
//! guardians (a birth: the newborn's parents).

use std::collections::HashMap;
use std::time::Instant;

use jiff::{Timestamp, ToSpan};
use minside_core::Kommunenummer;
use minside_core::lifephase::today_in_oslo;
use minside_store::{ChildFacts, ResidentFacts, ResidentId, ResidentStatus, StoredRegisterEvent};

use super::compiled::{CompiledRule, Recipient};
use super::{Engine, EngineStore, EvalReport, later};
use crate::rule::{EventRecipients, Trigger};
use crate::{NoticesError, occurrence};

fn events_marker(k: &Kommunenummer) -> String {
    format!("engine:events:{k}")
}

impl<S: EngineStore + ?Sized> Engine<S> {
    /// Processes the register events of `k` recorded since the last call: each active
    /// life-event rule of the event's kind notifies the person it is about, or their
    /// guardians, when they are in the audience. Events older than `event_max_age_days` (by
    /// their date) are passed over. The pointer moves on after each page's notices are
    /// written, so a crash repeats at most one page, and repeats create nothing twice.
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    pub async fn process_events(
        &self,
        k: &Kommunenummer,
        now: Timestamp,
    ) -> Result<EvalReport, NoticesError> {
        let lease = format!("engine:events:{k}");
        if !self.lease(&lease, now).await? {
            return Ok(EvalReport::skipped(
                "another instance is processing the events",
            ));
        }
        let started = Instant::now();
        let day = today_in_oslo(now);
        let oldest = day
            .checked_sub(i64::from(self.config.event_max_age_days).days())
            .unwrap_or(jiff::civil::Date::MIN);
        let mut report = EvalReport::default();
        let rules = self
            .rules(k, day, &mut report, |t| {
                matches!(t, Trigger::LifeEvent { .. })
            })
            .await?;
        let mut inserter = self.inserter(&rules);
        let marker = events_marker(k);
        let mut after: i64 = self
            .store
            .get_marker(&marker)
            .await?
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        loop {
            let events = self
                .store
                .register_events_after(k, after, self.config.event_page)
                .await?;
            let Some(last) = events.last() else { break };
            let last_id = last.id;
            report.events += events.len() as u64;
            let relevant: Vec<&StoredRegisterEvent> =
                events.iter().filter(|e| e.occurred >= oldest).collect();
            let notices = self
                .event_notices(k, &rules, &relevant, day, now, &mut report)
                .await?;
            inserter.extend(notices, &mut report).await?;
            inserter.flush(&mut report).await?;
            after = last_id;
            self.store
                .set_marker(&marker, &after.to_string(), later(now, started))
                .await?;
            if !self.lease(&lease, later(now, started)).await? {
                return Err(NoticesError::LeaseLost(lease));
            }
        }
        report.log_audience_errors();
        Ok(report)
    }

    /// The notices of one page of events.
    pub(crate) async fn event_notices(
        &self,
        k: &Kommunenummer,
        rules: &[std::sync::Arc<CompiledRule>],
        events: &[&StoredRegisterEvent],
        day: jiff::civil::Date,
        now: Timestamp,
        report: &mut EvalReport,
    ) -> Result<Vec<minside_store::NewNotice>, NoticesError> {
        let rules_of = |e: &StoredRegisterEvent| {
            let kind = e.kind;
            rules.iter().filter(
                move |r| matches!(r.trigger, Trigger::LifeEvent { event, .. } if event == kind),
            )
        };
        let mut ids: Vec<ResidentId> = events
            .iter()
            .filter(|e| rules_of(e).next().is_some())
            .map(|e| e.resident_id)
            .collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        ids.sort_unstable();
        ids.dedup();
        let subjects: HashMap<ResidentId, ResidentFacts> = self
            .store
            .resident_facts(&ids)
            .await?
            .into_iter()
            .map(|f| (f.id, f))
            .collect();
        let for_guardians: Vec<ResidentId> = events
            .iter()
            .filter(|e| {
                rules_of(e).any(|r| {
                    matches!(
                        r.trigger,
                        Trigger::LifeEvent {
                            who: EventRecipients::GuardiansOfChild,
                            ..
                        }
                    )
                })
            })
            .map(|e| e.resident_id)
            .collect();
        let guardians = self.guardians_of_children(k, &for_guardians).await?;
        let mut notices = Vec::new();
        for event in events {
            let Some(subject) = subjects.get(&event.resident_id) else {
                continue;
            };
            for rule in rules_of(event) {
                let Trigger::LifeEvent { who, .. } = rule.trigger else {
                    continue;
                };
                let occurrence = occurrence::event(event.id);
                let mut admit = |r: &Recipient<'_>, report: &mut EvalReport| {
                    let counts = report.counts(rule.id);
                    match rule.admits(r, day) {
                        Ok(true) => {
                            counts.matched += 1;
                            notices.push(rule.notice(r, day, now));
                        }
                        Ok(false) => {}
                        Err(_) => counts.audience_errors += 1,
                    }
                };
                match who {
                    EventRecipients::Resident => {
                        if subject.status == ResidentStatus::Dead {
                            continue;
                        }
                        let r = Recipient {
                            resident: subject,
                            child: None,
                            occurrence,
                            deadline: None,
                            plan: None,
                        };
                        admit(&r, report);
                    }
                    EventRecipients::GuardiansOfChild => {
                        let child = ChildFacts {
                            id: subject.id,
                            given_name: subject.given_name.clone(),
                            birth_date: subject.birth_date.unwrap_or(event.occurred),
                        };
                        for guardian in guardians.get(&subject.id).into_iter().flatten() {
                            let r = Recipient {
                                resident: guardian,
                                child: Some(&child),
                                occurrence: occurrence.clone(),
                                deadline: None,
                                plan: None,
                            };
                            admit(&r, report);
                        }
                    }
                }
            }
        }
        Ok(notices)
    }
}
