//! Reading a draft's `trigger` JSON into a [`Trigger`], with a JSON pointer for each problem.

use jiff::civil::Date;
use minside_store::{PhaseKind, RegisterEventKind};
use serde_json::{Map, Value};

use crate::rule::{AgeOf, DateSpec, EventRecipients, Trigger};
use crate::validate::{Problems, escape, parse_date_text};

/// Highest age (years) an age trigger may name.
pub const MAX_AGE_YEARS: i64 = 120;
/// Most days before a deadline a rule may start notifying.
pub const MAX_DAYS_BEFORE: i64 = 365;

/// The trigger in `v`, or `None` with the problems added to `p`.
pub(crate) fn parse_trigger(v: &Value, p: &mut Problems) -> Option<Trigger> {
    let Some(obj) = v.as_object() else {
        p.add(
            "/trigger",
            "a trigger is required: an object with kind life_event, age, before_date, campaign \
             or plan_phase",
        );
        return None;
    };
    let before = p.0.len();
    let kind = obj.get("kind").and_then(Value::as_str);
    let (trigger, allowed): (Option<Trigger>, &[&str]) = match kind {
        Some("life_event") => (life_event(obj, p), &["kind", "event", "who"]),
        Some("age") => (age(obj, p), &["kind", "of", "years", "months"]),
        Some("before_date") => (before_date(obj, p), &["kind", "date", "days_before"]),
        Some("campaign") => (Some(Trigger::Campaign), &["kind"]),
        Some("plan_phase") => (plan_phase(obj, p), &["kind", "phases"]),
        _ => {
            p.add(
                "/trigger/kind",
                "kind must be one of life_event, age, before_date, campaign, plan_phase",
            );
            return None;
        }
    };
    for key in obj.keys().filter(|k| !allowed.contains(&k.as_str())) {
        p.add(
            format!("/trigger/{}", escape(key)),
            format!(
                "unexpected field for a {} trigger",
                kind.unwrap_or_default()
            ),
        );
    }
    if p.0.len() > before { None } else { trigger }
}

fn life_event(obj: &Map<String, Value>, p: &mut Problems) -> Option<Trigger> {
    let kinds: Vec<&str> = RegisterEventKind::ALL.iter().map(|k| k.as_str()).collect();
    let event = match obj
        .get("event")
        .and_then(Value::as_str)
        .map(RegisterEventKind::parse)
    {
        Some(Ok(e)) => Some(e),
        _ => {
            p.add(
                "/trigger/event",
                format!("event must be one of {}", kinds.join(", ")),
            );
            None
        }
    };
    let who = match obj.get("who").and_then(Value::as_str) {
        Some("resident") => Some(EventRecipients::Resident),
        Some("guardians_of_child") => Some(EventRecipients::GuardiansOfChild),
        _ => {
            p.add("/trigger/who", "who must be resident or guardians_of_child");
            None
        }
    };
    let (event, who) = (event?, who?);
    match (event, who) {
        (RegisterEventKind::Birth, EventRecipients::Resident) => {
            p.add(
                "/trigger/who",
                "a birth is told to the newborn's guardians: use guardians_of_child",
            );
            None
        }
        (RegisterEventKind::Death, EventRecipients::Resident) => {
            p.add(
                "/trigger/who",
                "a death cannot be told to the deceased: use guardians_of_child or another event",
            );
            None
        }
        _ => Some(Trigger::LifeEvent { event, who }),
    }
}

/// `{"kind": "plan_phase", "phases": ["oppstart", "horing"]}`; no phases (or none given):
/// every kind. A kind named twice counts once.
fn plan_phase(obj: &Map<String, Value>, p: &mut Problems) -> Option<Trigger> {
    let known = || {
        PhaseKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let items = match obj.get("phases") {
        None | Some(Value::Null) => return Some(Trigger::PlanPhase { phases: Vec::new() }),
        Some(Value::Array(items)) => items,
        Some(_) => {
            p.add(
                "/trigger/phases",
                format!(
                    "phases must be a list of phase kinds ({}); empty for every kind",
                    known()
                ),
            );
            return None;
        }
    };
    let mut phases = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match item.as_str().map(PhaseKind::parse) {
            Some(Ok(kind)) if !phases.contains(&kind) => phases.push(kind),
            Some(Ok(_)) => {}
            _ => {
                ok = false;
                p.add(
                    format!("/trigger/phases/{i}"),
                    format!("a phase kind is one of {}", known()),
                );
            }
        }
    }
    ok.then_some(Trigger::PlanPhase { phases })
}

fn age(obj: &Map<String, Value>, p: &mut Problems) -> Option<Trigger> {
    let of = match obj.get("of").and_then(Value::as_str) {
        Some("resident") => Some(AgeOf::Resident),
        Some("child") => Some(AgeOf::Child),
        _ => {
            p.add("/trigger/of", "of must be resident or child");
            None
        }
    };
    let years = int(obj, "years", "/trigger/years", 0, MAX_AGE_YEARS, p);
    let months = int(obj, "months", "/trigger/months", 0, 11, p);
    let (of, years, months) = (of?, years?, months?);
    if years == 0 && months == 0 {
        p.add(
            "/trigger/years",
            "an age of 0 years and 0 months is the birth: use a life_event birth trigger",
        );
        return None;
    }
    if of == AgeOf::Child && years >= 18 {
        p.add(
            "/trigger/years",
            "parental responsibility ends at 18: a child's age is at most 17 years 11 months",
        );
        return None;
    }
    Some(Trigger::Age {
        of,
        years: u8::try_from(years).ok()?,
        months: u8::try_from(months).ok()?,
    })
}

fn before_date(obj: &Map<String, Value>, p: &mut Problems) -> Option<Trigger> {
    let days_before = int(
        obj,
        "days_before",
        "/trigger/days_before",
        0,
        MAX_DAYS_BEFORE,
        p,
    );
    let date = date_spec(obj.get("date"), p);
    Some(Trigger::BeforeDate {
        date: date?,
        days_before: u16::try_from(days_before?).ok()?,
    })
}

fn date_spec(v: Option<&Value>, p: &mut Problems) -> Option<DateSpec> {
    const SHAPE: &str =
        "date must be {\"fixed\": \"YYYY-MM-DD\"} or {\"annual\": {\"month\": M, \"day\": D}}";
    let Some(obj) = v.and_then(Value::as_object).filter(|o| o.len() == 1) else {
        p.add("/trigger/date", SHAPE);
        return None;
    };
    match (obj.get("fixed"), obj.get("annual")) {
        (Some(Value::String(s)), None) => {
            parse_date_text(s, "/trigger/date/fixed", p).map(DateSpec::Fixed)
        }
        (Some(_), None) => {
            p.add("/trigger/date/fixed", "expected a date as YYYY-MM-DD");
            None
        }
        (None, Some(Value::Object(a))) => {
            let ptr = "/trigger/date/annual";
            let month = int(a, "month", &format!("{ptr}/month"), 1, 12, p);
            let day = int(a, "day", &format!("{ptr}/day"), 1, 31, p);
            for key in a.keys().filter(|k| !matches!(k.as_str(), "month" | "day")) {
                p.add(
                    format!("{ptr}/{}", escape(key)),
                    "unexpected field; use month and day",
                );
            }
            let (month, day) = (i8::try_from(month?).ok()?, i8::try_from(day?).ok()?);
            // 2000 is a leap year: 29 February is a valid annual date (1 March in other years).
            if Date::new(2000, month, day).is_err() {
                p.add(
                    format!("{ptr}/day"),
                    format!("month {month} has no day {day}"),
                );
                return None;
            }
            Some(DateSpec::Annual { month, day })
        }
        (None, Some(_)) => {
            p.add(
                "/trigger/date/annual",
                "expected an object with month and day",
            );
            None
        }
        _ => {
            p.add("/trigger/date", SHAPE);
            None
        }
    }
}

/// An integer member in `min..=max` (0 when left out and 0 is allowed).
fn int(
    obj: &Map<String, Value>,
    key: &str,
    ptr: &str,
    min: i64,
    max: i64,
    p: &mut Problems,
) -> Option<i64> {
    let value = match obj.get(key) {
        None if min == 0 => Some(0),
        Some(v) => v.as_i64(),
        None => None,
    };
    match value {
        Some(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            p.add(
                ptr,
                format!("{key} must be a whole number from {min} to {max}"),
            );
            None
        }
    }
}
