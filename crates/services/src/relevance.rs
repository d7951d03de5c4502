//! Personal relevance: which services matter to a resident now, and why.
//!
//! Each service declares audience rules as data (`{"rule": "child_turns", "age": 1,
//! "within_months": 12, "weight": 2}`); [`rank`] evaluates them against the register facts of
//! the resident (and [`Extra`] facts the register lacks) on a given day. Every match carries a
//! reason in each language, from the rule's template or the service's own, with placeholders
//! (`{child}`, `{age}`, `{month}`, `{min}`, `{max}`, `{days}`) filled in. A soon deadline of a
//! matching service adds to its score and gives its own reason.

use jiff::civil::Date;
use minside_store::ResidentFacts;
use serde::{Deserialize, Serialize};

use crate::deadline::format_day;
use crate::lang::Lang;
use crate::model::{LocalizedText, Service, ServiceId};
use crate::validate::{FieldError, localized};

mod evaluate;

use evaluate::{evaluate, fill};

/// A condition on the resident's facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// A child of the resident is `min..=max` whole years old.
    ChildAgeBetween {
        /// Youngest age.
        min: u8,
        /// Oldest age.
        max: u8,
    },
    /// A child of the resident turns `age` within the next `within_months` months (or today).
    ChildTurns {
        /// The age turned.
        age: u8,
        /// 1–24.
        within_months: u8,
    },
    /// The resident is at least `age` years old.
    OwnAgeAtLeast {
        /// Youngest age.
        age: u8,
    },
    /// The resident is `min..=max` whole years old.
    OwnAgeBetween {
        /// Youngest age.
        min: u8,
        /// Oldest age.
        max: u8,
    },
    /// The resident moved into the municipality at most `days` days ago.
    MovedInWithinDays {
        /// 1–3650.
        days: u16,
    },
    /// The resident owns property in the municipality (from [`Extra`]).
    PropertyOwner,
}

impl Rule {
    /// The placeholders a reason template of this rule may use.
    pub fn placeholders(&self) -> &'static [&'static str] {
        match self {
            Rule::ChildAgeBetween { .. } => &["child", "age", "min", "max"],
            Rule::ChildTurns { .. } => &["child", "age", "month"],
            Rule::OwnAgeAtLeast { .. } => &["age", "min"],
            Rule::OwnAgeBetween { .. } => &["age", "min", "max"],
            Rule::MovedInWithinDays { .. } => &["days"],
            Rule::PropertyOwner => &[],
        }
    }

    fn default_reason(&self, age: Option<i16>) -> LocalizedText {
        let t = |nb: &str, nn: &str, en: &str| LocalizedText {
            nb: nb.into(),
            nn: Some(nn.into()),
            en: Some(en.into()),
            se: None,
        };
        match self {
            Rule::ChildAgeBetween { .. } if age == Some(0) => t(
                "fordi barnet ditt {child} er under 1 år",
                "fordi barnet ditt {child} er under 1 år",
                "because your child {child} is under 1",
            ),
            Rule::ChildAgeBetween { .. } => t(
                "fordi barnet ditt {child} er {age} år",
                "fordi barnet ditt {child} er {age} år",
                "because your child {child} is {age}",
            ),
            Rule::ChildTurns { .. } => t(
                "fordi barnet ditt {child} fyller {age} år i {month}",
                "fordi barnet ditt {child} fyller {age} år i {month}",
                "because your child {child} turns {age} in {month}",
            ),
            Rule::OwnAgeAtLeast { .. } => t(
                "fordi du er {min} år eller eldre",
                "fordi du er {min} år eller eldre",
                "because you are {min} or older",
            ),
            Rule::OwnAgeBetween { .. } => t(
                "fordi du er {age} år",
                "fordi du er {age} år",
                "because you are {age}",
            ),
            Rule::MovedInWithinDays { .. } => t(
                "fordi du nylig flyttet til kommunen",
                "fordi du nyleg flytta til kommunen",
                "because you recently moved to the municipality",
            ),
            Rule::PropertyOwner => t(
                "fordi du eier eiendom i kommunen",
                "fordi du eig eigedom i kommunen",
                "because you own property in the municipality",
            ),
        }
    }
}

fn one() -> f32 {
    1.0
}

/// A rule of a service, with its weight and optionally its own reason template.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AudienceRule {
    /// The condition.
    #[serde(flatten)]
    pub rule: Rule,
    /// How much a match counts (0 < weight ≤ 10; default 1).
    #[serde(default = "one")]
    pub weight: f32,
    /// The reason shown on a match, replacing the rule's default text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<LocalizedText>,
}

impl AudienceRule {
    /// Adds this rule's problems to `errors`, at `pointer`.
    pub(crate) fn check(&self, pointer: &str, errors: &mut Vec<FieldError>) {
        let age = |a: u8, field: &str, errors: &mut Vec<FieldError>| {
            if a > 120 {
                errors.push(FieldError::new(
                    format!("{pointer}/{field}"),
                    "must be at most 120",
                ));
            }
        };
        match self.rule {
            Rule::ChildAgeBetween { min, max } | Rule::OwnAgeBetween { min, max } => {
                age(min, "min", errors);
                age(max, "max", errors);
                if min > max {
                    errors.push(FieldError::new(
                        format!("{pointer}/max"),
                        "must not be below min",
                    ));
                }
            }
            Rule::ChildTurns {
                age: a,
                within_months,
            } => {
                age(a, "age", errors);
                if !(1..=24).contains(&within_months) {
                    errors.push(FieldError::new(
                        format!("{pointer}/within_months"),
                        "must be 1-24",
                    ));
                }
            }
            Rule::OwnAgeAtLeast { age: a } => age(a, "age", errors),
            Rule::MovedInWithinDays { days } => {
                if !(1..=3650).contains(&days) {
                    errors.push(FieldError::new(format!("{pointer}/days"), "must be 1-3650"));
                }
            }
            Rule::PropertyOwner => {}
        }
        if !(self.weight > 0.0 && self.weight <= 10.0) {
            errors.push(FieldError::new(
                format!("{pointer}/weight"),
                "must be above 0 and at most 10",
            ));
        }
        if let Some(reason) = &self.reason {
            let pointer = format!("{pointer}/reason");
            localized(reason, &pointer, errors);
            let allowed = self.rule.placeholders();
            for (lang, text) in reason.iter() {
                for name in placeholders_in(text) {
                    if !allowed.contains(&name) {
                        errors.push(FieldError::new(
                            format!("{pointer}/{lang}"),
                            format!(
                                "unknown placeholder {{{name}}}; this rule has {}",
                                allowed.join(", ")
                            ),
                        ));
                    }
                }
            }
        }
    }
}

fn placeholders_in(text: &str) -> impl Iterator<Item = &str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Facts the register does not have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extra {
    /// The resident owns property in the municipality (from the matrikkel or the tax base).
    pub property_owner: bool,
}

/// Why a service was ranked.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// An audience rule matched.
    Audience {
        /// The rule.
        rule: Rule,
    },
    /// A deadline of a matching service is near.
    Deadline {
        /// The deadline's next day.
        date: Date,
        /// Days left.
        days_left: i32,
    },
}

/// One reason, with its text in every language (Northern Sami reads bokmål until translated).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reason {
    /// What caused it.
    pub cause: Cause,
    /// The text shown.
    pub text: LocalizedText,
}

/// A relevant service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ranked {
    /// The service.
    pub id: ServiceId,
    /// Higher is more relevant.
    pub score: f32,
    /// Why: matched rules in the service's order, then a near deadline.
    pub reasons: Vec<Reason>,
}

/// How far ahead a deadline adds to the score.
pub const DEADLINE_HORIZON_DAYS: i32 = 90;

/// The services relevant to a resident on `today`, most relevant first (ties by id). Services
/// no rule matches are left out.
pub fn rank(
    services: &[Service],
    facts: &ResidentFacts,
    extra: &Extra,
    today: Date,
) -> Vec<Ranked> {
    let mut ranked: Vec<Ranked> = services
        .iter()
        .filter_map(|s| rank_one(s, facts, extra, today))
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    ranked
}

fn rank_one(
    service: &Service,
    facts: &ResidentFacts,
    extra: &Extra,
    today: Date,
) -> Option<Ranked> {
    let mut score = 0.0;
    let mut reasons = Vec::new();
    for rule in &service.audience {
        if let Some(m) = evaluate(&rule.rule, facts, extra, today) {
            score += rule.weight * m.strength;
            let template = rule
                .reason
                .clone()
                .unwrap_or_else(|| rule.rule.default_reason(m.age));
            reasons.push(Reason {
                cause: Cause::Audience { rule: rule.rule },
                text: template.map(|lang, t| fill(t, &m.values(lang, today, &rule.rule))),
            });
        }
    }
    if reasons.is_empty() {
        return None;
    }
    if let Some(next) = service.next_deadline(today)
        && next.days_left <= DEADLINE_HORIZON_DAYS
    {
        let nearness = 1.0 - next.days_left as f32 / DEADLINE_HORIZON_DAYS as f32;
        score += 0.5 + 0.5 * nearness;
        let text = next.deadline.label.map(|lang, label| {
            let day = format_day(next.date, today.year(), lang);
            match (lang, next.days_left) {
                (Lang::En, 0) => format!("{label}: {day} (today)"),
                (Lang::En, 1) => format!("{label}: {day} (1 day left)"),
                (Lang::En, n) => format!("{label}: {day} ({n} days left)"),
                (_, 0) => format!("{label}: {day} (i dag)"),
                (_, 1) => format!("{label}: {day} (1 dag igjen)"),
                (Lang::Nn, n) => format!("{label}: {day} ({n} dagar igjen)"),
                (_, n) => format!("{label}: {day} ({n} dager igjen)"),
            }
        });
        reasons.push(Reason {
            cause: Cause::Deadline {
                date: next.date,
                days_left: next.days_left,
            },
            text,
        });
    }
    Some(Ranked {
        id: service.id.clone(),
        score,
        reasons,
    })
}

#[cfg(test)]
mod tests;
