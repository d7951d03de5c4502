//! The typed model of a notice rule: its trigger, its content per language and the validated
//! rule as a whole.
//!
//! The JSON form of [`Trigger`] and [`Content`] is both what the caseworker API shows and what
//! the store keeps in a rule's `trigger` and `content` columns; a [`RuleDraft`](crate::RuleDraft)
//! is the same shape before validation.

use jiff::civil::Date;
use minside_core::Locale;
use minside_store::{Channel, PhaseKind, RegisterEventKind, RuleFields, RuleStatus};
use serde::{Deserialize, Serialize};

/// What makes a rule fire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// An event of the register's change feed (moved in, birth of a child, ...).
    LifeEvent {
        event: RegisterEventKind,
        who: EventRecipients,
    },
    /// A resident, or a child of a resident, reaches `years` years and `months` months of age.
    Age { of: AgeOf, years: u8, months: u8 },
    /// Every day from `days_before` days before the deadline until the deadline itself.
    BeforeDate { date: DateSpec, days_before: u16 },
    /// Once, when a caseworker starts the campaign (again later: only to those not yet notified).
    Campaign,
    /// A consultation phase of a land-use plan of one of these kinds is open (every kind when
    /// empty): residents living near the plan's area, and the plan's followers, are told once
    /// per phase.
    PlanPhase {
        #[serde(default)]
        phases: Vec<PhaseKind>,
    },
}

impl Trigger {
    /// Whether the rule is about a child, so `child` exists in the audience and the
    /// `{{child.*}}` placeholders may be used; recipients are the child's guardians.
    pub fn is_about_child(&self) -> bool {
        matches!(
            self,
            Trigger::Age {
                of: AgeOf::Child,
                ..
            } | Trigger::LifeEvent {
                who: EventRecipients::GuardiansOfChild,
                ..
            }
        )
    }

    /// Whether the rule has a deadline (`{{deadline}}` and `{{days_left}}` are available): a
    /// before-date trigger's date, or the last day of a plan phase.
    pub fn has_deadline(&self) -> bool {
        matches!(self, Trigger::BeforeDate { .. } | Trigger::PlanPhase { .. })
    }

    /// Whether the rule is about a land-use plan's phase (`{{plan.*}}` and `{{phase.*}}` are
    /// available).
    pub fn is_about_plan(&self) -> bool {
        matches!(self, Trigger::PlanPhase { .. })
    }

    /// Whether a plan-phase trigger notifies about a phase of `kind`; false for other
    /// triggers.
    pub fn notifies_phase(&self, kind: PhaseKind) -> bool {
        match self {
            Trigger::PlanPhase { phases } => phases.is_empty() || phases.contains(&kind),
            _ => false,
        }
    }

    /// The age in whole months an age trigger fires at.
    pub fn age_in_months(&self) -> Option<u32> {
        match self {
            Trigger::Age { years, months, .. } => Some(u32::from(*years) * 12 + u32::from(*months)),
            _ => None,
        }
    }
}

/// Who receives a notice about a register event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventRecipients {
    /// The person the event is about.
    Resident,
    /// The guardians of the person the event is about (a child; e.g. a newborn).
    GuardiansOfChild,
}

/// Whose age an age trigger follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeOf {
    /// The resident's own age; the resident is notified.
    Resident,
    /// A child's age; the child's guardians are notified.
    Child,
}

/// The deadline of a [`Trigger::BeforeDate`]: one date, or the same day every year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSpec {
    /// `{"fixed": "2027-03-01"}`
    Fixed(Date),
    /// `{"annual": {"month": 3, "day": 1}}`; 29 February falls on 1 March in other years.
    Annual { month: i8, day: i8 },
}

impl DateSpec {
    /// The deadline on or after `day` (`None` for a fixed date already past).
    pub fn next_on_or_after(self, day: Date) -> Option<Date> {
        match self {
            DateSpec::Fixed(d) => (d >= day).then_some(d),
            DateSpec::Annual { month, day: dom } => {
                Some(minside_core::lifephase::next_annual(month, dom, day))
            }
        }
    }
}

/// A title and a body in one language, with `{{placeholders}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Texts {
    pub title: String,
    pub body: String,
}

/// A rule's texts: Norwegian Bokmål always, Nynorsk and English when given; and the service
/// of the catalogue the notice links to, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub nb: Texts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nn: Option<Texts>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<Texts>,
    /// The id of a service in the municipality's catalogue ("what you can apply for").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

impl Content {
    /// The languages given, Bokmål first.
    pub fn languages(&self) -> impl Iterator<Item = (Locale, &Texts)> {
        [
            (Locale::Nb, Some(&self.nb)),
            (Locale::Nn, self.nn.as_ref()),
            (Locale::En, self.en.as_ref()),
        ]
        .into_iter()
        .filter_map(|(locale, texts)| texts.map(|t| (locale, t)))
    }
}

/// A rule that passed [`validate`](crate::validate): every field typed and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidRule {
    pub name: String,
    pub category: String,
    pub opt_out_allowed: bool,
    pub trigger: Trigger,
    /// CEL source; `true` when the draft left it empty (everyone).
    pub audience: String,
    pub content: Content,
    /// Without duplicates, in the order given; the inbox is always used in addition.
    pub channels: Vec<Channel>,
    /// 1 (low) ..= 3 (high).
    pub priority: i16,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
}

impl ValidRule {
    /// The fields to store (the trigger and content as their JSON).
    pub fn to_fields(&self) -> RuleFields {
        RuleFields {
            name: self.name.clone(),
            category: self.category.clone(),
            opt_out_allowed: self.opt_out_allowed,
            trigger: to_json(&self.trigger),
            audience: self.audience.clone(),
            content: to_json(&self.content),
            channels: self.channels.clone(),
            priority: self.priority,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        }
    }

    /// Whether the rule applies on `day` (its validity period includes it).
    pub fn valid_on(&self, day: Date) -> bool {
        valid_on(self.valid_from, self.valid_to, day)
    }
}

/// Whether a rule may go from status `from` to `to`: draft -> active <-> paused, and any of
/// them -> archived (final). Activating should re-check the rule with
/// [`validate`](crate::validate) (e.g. `validate(&RuleDraft::from(&stored))`).
pub fn status_change_allowed(from: RuleStatus, to: RuleStatus) -> bool {
    use RuleStatus::{Active, Archived, Draft, Paused};
    matches!(
        (from, to),
        (Draft, Active) | (Active, Paused) | (Paused, Active) | (Draft | Active | Paused, Archived)
    )
}

/// Whether `day` is within `from..=to` (open ends allowed).
pub(crate) fn valid_on(from: Option<Date>, to: Option<Date>, day: Date) -> bool {
    from.is_none_or(|f| f <= day) && to.is_none_or(|t| day <= t)
}

fn to_json<T: Serialize>(value: &T) -> serde_json::Value {
    // Plain enums, strings, integers and dates: serializing cannot fail.
    serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use serde_json::json;

    use super::*;

    #[test]
    fn triggers_have_the_documented_json() {
        let cases = [
            (
                Trigger::LifeEvent {
                    event: RegisterEventKind::Birth,
                    who: EventRecipients::GuardiansOfChild,
                },
                json!({"kind": "life_event", "event": "birth", "who": "guardians_of_child"}),
            ),
            (
                Trigger::Age {
                    of: AgeOf::Child,
                    years: 5,
                    months: 6,
                },
                json!({"kind": "age", "of": "child", "years": 5, "months": 6}),
            ),
            (
                Trigger::BeforeDate {
                    date: DateSpec::Fixed(date(2027, 3, 1)),
                    days_before: 14,
                },
                json!({"kind": "before_date", "date": {"fixed": "2027-03-01"}, "days_before": 14}),
            ),
            (
                Trigger::BeforeDate {
                    date: DateSpec::Annual { month: 3, day: 1 },
                    days_before: 0,
                },
                json!({"kind": "before_date", "date": {"annual": {"month": 3, "day": 1}},
                       "days_before": 0}),
            ),
            (Trigger::Campaign, json!({"kind": "campaign"})),
            (
                Trigger::PlanPhase {
                    phases: vec![PhaseKind::Oppstart, PhaseKind::Horing],
                },
                json!({"kind": "plan_phase", "phases": ["oppstart", "horing"]}),
            ),
            (
                Trigger::PlanPhase { phases: vec![] },
                json!({"kind": "plan_phase", "phases": []}),
            ),
        ];
        for (trigger, expected) in cases {
            assert_eq!(to_json(&trigger), expected);
            let back: Trigger = serde_json::from_value(expected).expect("round trip");
            assert_eq!(back, trigger);
        }
    }

    #[test]
    fn plan_phase_triggers_select_kinds() {
        let some = Trigger::PlanPhase {
            phases: vec![PhaseKind::Horing],
        };
        assert!(some.notifies_phase(PhaseKind::Horing));
        assert!(!some.notifies_phase(PhaseKind::Oppstart));
        let every = Trigger::PlanPhase { phases: vec![] };
        assert!(PhaseKind::ALL.iter().all(|k| every.notifies_phase(*k)));
        assert!(!Trigger::Campaign.notifies_phase(PhaseKind::Horing));
        assert!(some.has_deadline() && some.is_about_plan() && !some.is_about_child());
        let left_out: Trigger =
            serde_json::from_value(json!({"kind": "plan_phase"})).expect("phases may be left out");
        assert_eq!(left_out, every);
    }

    #[test]
    fn content_leaves_out_missing_languages() {
        let content = Content {
            nb: Texts {
                title: "T".into(),
                body: "B".into(),
            },
            nn: None,
            en: Some(Texts {
                title: "Te".into(),
                body: "Be".into(),
            }),
            service: None,
        };
        assert_eq!(
            to_json(&content),
            json!({"nb": {"title": "T", "body": "B"}, "en": {"title": "Te", "body": "Be"}})
        );
        let langs: Vec<_> = content.languages().map(|(l, _)| l).collect();
        assert_eq!(langs, [Locale::Nb, Locale::En]);
    }

    #[test]
    fn deadlines_follow_the_date_spec() {
        let fixed = DateSpec::Fixed(date(2027, 3, 1));
        assert_eq!(
            fixed.next_on_or_after(date(2027, 2, 1)),
            Some(date(2027, 3, 1))
        );
        assert_eq!(
            fixed.next_on_or_after(date(2027, 3, 1)),
            Some(date(2027, 3, 1))
        );
        assert_eq!(fixed.next_on_or_after(date(2027, 3, 2)), None);
        let annual = DateSpec::Annual { month: 3, day: 1 };
        assert_eq!(
            annual.next_on_or_after(date(2027, 3, 2)),
            Some(date(2028, 3, 1))
        );
        let leap = DateSpec::Annual { month: 2, day: 29 };
        assert_eq!(
            leap.next_on_or_after(date(2027, 1, 1)),
            Some(date(2027, 3, 1))
        );
        assert_eq!(
            leap.next_on_or_after(date(2028, 1, 1)),
            Some(date(2028, 2, 29))
        );
    }

    #[test]
    fn status_changes_follow_the_life_cycle() {
        use RuleStatus::{Active, Archived, Draft, Paused};
        let allowed = [
            (Draft, Active),
            (Active, Paused),
            (Paused, Active),
            (Draft, Archived),
            (Active, Archived),
            (Paused, Archived),
        ];
        for from in RuleStatus::ALL {
            for to in RuleStatus::ALL {
                assert_eq!(
                    status_change_allowed(*from, *to),
                    allowed.contains(&(*from, *to)),
                    "{from} -> {to}"
                );
            }
        }
    }

    #[test]
    fn validity_is_inclusive() {
        let (from, to) = (Some(date(2027, 1, 1)), Some(date(2027, 1, 31)));
        assert!(valid_on(from, to, date(2027, 1, 1)));
        assert!(valid_on(from, to, date(2027, 1, 31)));
        assert!(!valid_on(from, to, date(2026, 12, 31)));
        assert!(!valid_on(from, to, date(2027, 2, 1)));
        assert!(valid_on(None, None, date(2027, 2, 1)));
    }
}
