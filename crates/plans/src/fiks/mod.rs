//! KS Fiks Plan v2 payloads: reading the messages a plan register sends (or answers with),
//! applying them to a plan, and what their processing events mean for consultation phases.
//!
//! Messages are recognised by their keys, not by a message type header:
//! - `planbehandling` (with `nasjonalArealplanId`): a processing registration such as
//!   "Kunngjøring og varsling av planoppstart" or "Kunngjøring av offentlig ettersyn";
//! - `arealplanId` or `nasjonalArealplanId` alone: OppdaterArealplan;
//! - `arealplan` (with `planbehandlinger`), `plan` or `arealplaner`: a plan register answer.

mod parse;

use jiff::ToSpan;
use jiff::civil::Date;
use minside_store::PhaseKind;

pub use parse::{parse_events, parse_message};

use crate::codes::normalise_processing_type;
use crate::model::{CaseNumber, Document, PlanDraft, ProcessingEvent};

/// Which plan a message is about (`nasjonalArealplanId` / `arealplanId`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRef {
    /// `administrativEnhet.kommunenummer`, as given (not checked against the 2024 list).
    pub kommunenummer: String,
    /// `planidentifikasjon`.
    pub plan_id: String,
}

/// The plan fields a message sets; `None` (or no documents) leaves a field as it was.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlanPatch {
    /// `plannavn`.
    pub name: Option<String>,
    /// `plantype.kodeverdi`.
    pub plan_type: Option<String>,
    /// `planstatus.kodeverdi`.
    pub status: Option<String>,
    /// `lovreferanse.kodeverdi`.
    pub law_reference: Option<String>,
    /// `forslagstillerType` as `offentlig`/`privat`.
    pub proposer_type: Option<String>,
    /// `saksnummer`.
    pub case_number: Option<CaseNumber>,
    /// `beskrivelse`.
    pub description: Option<String>,
    /// A GeoJSON area (Fiks v2 messages carry none; for callers that have one).
    pub area: Option<serde_json::Value>,
    /// Plan documents of the message.
    pub documents: Vec<Document>,
}

/// A Fiks Plan v2 message.
#[derive(Clone, Debug, PartialEq)]
pub enum FiksMessage {
    /// OppdaterArealplan: only the fields present are changed.
    UpdatePlan {
        /// The plan.
        plan: PlanRef,
        /// The fields given.
        patch: PlanPatch,
    },
    /// A planbehandling registration (Kunngjøring og varsling av planoppstart, Kunngjøring av
    /// offentlig ettersyn, Høringsfrist utgått, Kunngjøring av planvedtak, Mottatt klage, …).
    Processing {
        /// The plan.
        plan: PlanRef,
        /// The registration (its position converted to EPSG:4326).
        event: ProcessingEvent,
        /// The documents sent with it (`plandokument`).
        documents: Vec<Document>,
    },
    /// A plan register answer (ResultatArealplan / ResultatPlanerForAdresse /
    /// ResultatPlanbehandling with arealplan): one or more plans with their processing events
    /// (the events' documents are in the patch).
    Plans {
        /// Each plan, its fields and its events.
        plans: Vec<(PlanRef, PlanPatch, Vec<ProcessingEvent>)>,
    },
}

/// The plan status an unknown plan gets from a processing event.
fn implied_status(event_type: &str) -> Option<&'static str> {
    Some(match normalise_processing_type(event_type) {
        "1" => "0",
        "8" | "9" => "1",
        "10" | "11" | "24" | "25" => "2",
        "13" | "14" | "15" | "16" => "3",
        "18" => "4",
        "21" => "10",
        "22" | "23" => "9",
        _ => return None,
    })
}

fn same_event(a: &ProcessingEvent, b: &ProcessingEvent) -> bool {
    normalise_processing_type(&a.event_type) == normalise_processing_type(&b.event_type)
        && a.date == b.date
        && a.case_number == b.case_number
}

fn same_document(a: &Document, b: &Document) -> bool {
    a.doc_type == b.doc_type && a.title == b.title && a.file_name == b.file_name
}

/// Adds `new` items to `items`, replacing an item `same` says is the same one (so a message
/// sent twice changes nothing, and a resent item's new details are kept).
fn merge<T: Clone>(items: &mut Vec<T>, new: &[T], same: impl Fn(&T, &T) -> bool) {
    for item in new {
        match items.iter_mut().find(|old| same(old, item)) {
            Some(old) => *old = item.clone(),
            None => items.push(item.clone()),
        }
    }
}

/// Sets `field` when the patch gives a value.
fn set<T: Clone>(field: &mut Option<T>, value: &Option<T>) {
    if value.is_some() {
        field.clone_from(value);
    }
}

/// Applies a message to a plan (`None` = not known yet) and returns the draft to validate.
///
/// An unknown plan is named by the patch, else "Arealplan <plan_id>", and gets the patch's
/// status, else the status its latest event implies (1 -> 0; 8, 9 -> 1; 10, 11, 24, 25 -> 2;
/// 13–16 -> 3; 18 -> 4; 21 -> 10; 22, 23 -> 9), else "0". A known plan keeps what the patch
/// does not give. Events are added unless the same one (type, date, case number) is there,
/// which is then replaced; documents likewise by (type, title, file name). Event types are
/// normalised (11.1 -> 24, 11.2 -> 25).
pub fn apply(
    existing: Option<PlanDraft>,
    plan: &PlanRef,
    patch: &PlanPatch,
    events: &[ProcessingEvent],
) -> PlanDraft {
    let events: Vec<ProcessingEvent> = events
        .iter()
        .map(|e| ProcessingEvent {
            event_type: normalise_processing_type(&e.event_type).to_owned(),
            ..e.clone()
        })
        .collect();
    let mut draft = existing.unwrap_or_else(|| {
        let status = events
            .iter()
            .enumerate()
            .filter_map(|(i, e)| implied_status(&e.event_type).map(|s| ((e.date, i), s)))
            .max_by_key(|(key, _)| *key)
            .map_or("0", |(_, s)| s);
        PlanDraft {
            plan_id: plan.plan_id.clone(),
            name: format!("Arealplan {}", plan.plan_id),
            plan_type: None,
            status: status.to_owned(),
            law_reference: None,
            proposer_type: None,
            case_number: None,
            description: None,
            documents: Vec::new(),
            events: Vec::new(),
            area: None,
        }
    });
    set(&mut draft.plan_type, &patch.plan_type);
    set(&mut draft.law_reference, &patch.law_reference);
    set(&mut draft.proposer_type, &patch.proposer_type);
    set(&mut draft.case_number, &patch.case_number);
    set(&mut draft.description, &patch.description);
    set(&mut draft.area, &patch.area);
    if let Some(name) = &patch.name {
        draft.name.clone_from(name);
    }
    if let Some(status) = &patch.status {
        draft.status.clone_from(status);
    }
    merge(&mut draft.documents, &patch.documents, same_document);
    merge(&mut draft.events, &events, same_event);
    draft
}

/// What a processing event means for consultation phases (the HTTP layer applies it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseEffect {
    /// Open a phase of `kind` for comments from `opens_on` through `closes_on`.
    Open {
        /// The kind of phase.
        kind: PhaseKind,
        /// The event's date.
        opens_on: Date,
        /// The last day comments are taken.
        closes_on: Date,
    },
    /// Close the open hearing on `on` (its new last day).
    CloseHearing {
        /// The event's date.
        on: Date,
    },
}

/// What a processing event means for phases: 9 (Kunngjøring og varsling av planoppstart)
/// opens Oppstart for 30 days; 24 or 11.1 (Kunngjøring av offentlig ettersyn) opens the next
/// hearing for 6 weeks (the minimum of pbl. § 12-10); 25 or 11.2 (Høringsfrist utgått)
/// closes the open hearing on that date; 16 (Kunngjøring endelig vedtatt plan) opens Klage
/// for 3 weeks (fvl. § 29). Every other event: `None`.
pub fn phase_effect(event: &ProcessingEvent) -> Option<PhaseEffect> {
    let open = |kind: PhaseKind, days: i64| {
        let closes_on = event.date.checked_add(days.days()).ok()?;
        Some(PhaseEffect::Open {
            kind,
            opens_on: event.date,
            closes_on,
        })
    };
    match normalise_processing_type(&event.event_type) {
        "9" => open(PhaseKind::Oppstart, 30),
        "24" => open(PhaseKind::Horing, 42),
        "25" => Some(PhaseEffect::CloseHearing { on: event.date }),
        "16" => open(PhaseKind::Klage, 21),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
