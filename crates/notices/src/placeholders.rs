//! `{{placeholders}}` in a rule's texts: parsed and checked when the rule is saved, filled in
//! per recipient when a notice is created.
//!
//! The set is small on purpose (see [`PLACEHOLDERS`]); an unknown name, or one the rule's
//! trigger cannot fill (`{{child.*}}` outside rules about a child, `{{deadline}}` without a
//! deadline, `{{plan.*}}` outside plan-phase rules), refuses the rule. Dates are written the Norwegian way in `nb` and `nn`
//! ("1. mars 2027") and the British way in `en` ("1 March 2027").

use jiff::civil::Date;
use minside_core::Locale;

use crate::rule::Trigger;

/// A value a text can contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    ResidentGivenName,
    ResidentAge,
    ChildGivenName,
    ChildAge,
    Deadline,
    DaysLeft,
    Municipality,
    PlanName,
    PlanId,
    PhaseLabel,
}

/// Every placeholder: its name (as written between `{{` and `}}`), and what it becomes.
pub const PLACEHOLDERS: &[(&str, Placeholder, &str)] = &[
    (
        "resident.given_name",
        Placeholder::ResidentGivenName,
        "the recipient's given name",
    ),
    (
        "resident.age",
        Placeholder::ResidentAge,
        "the recipient's age in whole years",
    ),
    (
        "child.given_name",
        Placeholder::ChildGivenName,
        "the child's given name (rules about a child)",
    ),
    (
        "child.age",
        Placeholder::ChildAge,
        "the child's age in whole years (rules about a child)",
    ),
    (
        "deadline",
        Placeholder::Deadline,
        "the deadline, e.g. 1. mars 2027 (before_date rules; plan_phase: the phase's last day)",
    ),
    (
        "days_left",
        Placeholder::DaysLeft,
        "whole days until the deadline (before_date and plan_phase rules)",
    ),
    (
        "municipality",
        Placeholder::Municipality,
        "the municipality's name, e.g. Asker",
    ),
    (
        "plan.name",
        Placeholder::PlanName,
        "the plan's name (plan_phase rules)",
    ),
    (
        "plan.id",
        Placeholder::PlanId,
        "the plan's identifier (planidentifikasjon) (plan_phase rules)",
    ),
    (
        "phase.label",
        Placeholder::PhaseLabel,
        "the phase, e.g. Offentlig ettersyn (høring 2) (plan_phase rules)",
    ),
];

/// A text split into literal parts and placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Text(String),
    Value(Placeholder),
}

/// The values to fill in for one notice.
#[derive(Clone, Debug, Default)]
pub struct Values<'a> {
    pub resident_given_name: &'a str,
    pub resident_age: Option<u32>,
    pub child_given_name: Option<&'a str>,
    pub child_age: Option<u32>,
    pub deadline: Option<Date>,
    pub days_left: Option<i64>,
    pub municipality: &'a str,
    pub plan_name: Option<&'a str>,
    pub plan_id: Option<&'a str>,
    pub phase_label: Option<&'a str>,
}

impl Template {
    /// Parses `text`, refusing unknown placeholders and those `trigger` cannot fill. Each
    /// error is an English sentence.
    pub fn parse(text: &str, trigger: &Trigger) -> Result<Template, Vec<String>> {
        let mut segments = Vec::new();
        let mut errors = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                segments.push(Segment::Text(rest[..open].to_owned()));
            }
            let after = &rest[open + 2..];
            let Some(close) = after.find("}}") else {
                let at = text.len() - rest.len() + open;
                let column = text[..at].chars().count() + 1;
                errors.push(format!(
                    "`{{{{` at character {column} is never closed with `}}}}`"
                ));
                rest = "";
                break;
            };
            let name = after[..close].trim();
            match PLACEHOLDERS.iter().find(|(n, _, _)| *n == name) {
                Some((_, p, _)) => match unavailable(*p, trigger) {
                    Some(why) => errors.push(format!("`{{{{{name}}}}}` {why}")),
                    None => segments.push(Segment::Value(*p)),
                },
                None => {
                    let known: Vec<String> = PLACEHOLDERS
                        .iter()
                        .map(|(n, _, _)| format!("{{{{{n}}}}}"))
                        .collect();
                    errors.push(format!(
                        "unknown placeholder `{{{{{name}}}}}`; known: {}",
                        known.join(", ")
                    ));
                }
            }
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_owned()));
        }
        if errors.is_empty() {
            Ok(Template { segments })
        } else {
            Err(errors)
        }
    }

    /// The text for one notice in `locale`. A value that is not known (an unknown birth date)
    /// becomes empty.
    pub fn render(&self, values: &Values<'_>, locale: Locale) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Text(t) => out.push_str(t),
                Segment::Value(p) => match p {
                    Placeholder::ResidentGivenName => out.push_str(values.resident_given_name),
                    Placeholder::ResidentAge => push_opt(&mut out, values.resident_age),
                    Placeholder::ChildGivenName => {
                        out.push_str(values.child_given_name.unwrap_or_default());
                    }
                    Placeholder::ChildAge => push_opt(&mut out, values.child_age),
                    Placeholder::Deadline => {
                        if let Some(d) = values.deadline {
                            out.push_str(&format_date(d, locale));
                        }
                    }
                    Placeholder::DaysLeft => push_opt(&mut out, values.days_left),
                    Placeholder::Municipality => out.push_str(values.municipality),
                    Placeholder::PlanName => out.push_str(values.plan_name.unwrap_or_default()),
                    Placeholder::PlanId => out.push_str(values.plan_id.unwrap_or_default()),
                    Placeholder::PhaseLabel => {
                        out.push_str(values.phase_label.unwrap_or_default());
                    }
                },
            }
        }
        out
    }
}

fn push_opt(out: &mut String, v: Option<impl std::fmt::Display>) {
    if let Some(v) = v {
        out.push_str(&v.to_string());
    }
}

/// Why `trigger` cannot fill `p`, if it cannot.
fn unavailable(p: Placeholder, trigger: &Trigger) -> Option<&'static str> {
    match p {
        Placeholder::ChildGivenName | Placeholder::ChildAge if !trigger.is_about_child() => Some(
            "can only be used in rules about a child (age of a child, or an event for the \
             guardians of a child)",
        ),
        Placeholder::Deadline | Placeholder::DaysLeft if !trigger.has_deadline() => {
            Some("can only be used with a before_date or plan_phase trigger")
        }
        Placeholder::PlanName | Placeholder::PlanId | Placeholder::PhaseLabel
            if !trigger.is_about_plan() =>
        {
            Some("can only be used with a plan_phase trigger")
        }
        _ => None,
    }
}

const MONTHS_NB: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `1. mars 2027` (nb, nn; Northern Sami falls back to this form) or `1 March 2027` (en).
pub fn format_date(d: Date, locale: Locale) -> String {
    let month = usize::try_from(d.month() - 1).unwrap_or_default().min(11);
    match locale {
        Locale::En => format!("{} {} {}", d.day(), MONTHS_EN[month], d.year()),
        Locale::Nb | Locale::Nn | Locale::Se => {
            format!("{}. {} {}", d.day(), MONTHS_NB[month], d.year())
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use minside_store::RegisterEventKind;

    use super::*;
    use crate::rule::{AgeOf, DateSpec, EventRecipients};

    fn deadline_trigger() -> Trigger {
        Trigger::BeforeDate {
            date: DateSpec::Fixed(date(2027, 3, 1)),
            days_before: 14,
        }
    }

    fn child_trigger() -> Trigger {
        Trigger::Age {
            of: AgeOf::Child,
            years: 1,
            months: 0,
        }
    }

    #[test]
    fn renders_every_placeholder() {
        let t = Template::parse(
            "Hei {{resident.given_name}} ({{ resident.age }}) - {{deadline}}, {{days_left}} \
             dager, {{municipality}} kommune",
            &deadline_trigger(),
        )
        .expect("valid");
        let values = Values {
            resident_given_name: "Kari",
            resident_age: Some(36),
            deadline: Some(date(2027, 3, 1)),
            days_left: Some(14),
            municipality: "Asker",
            ..Values::default()
        };
        assert_eq!(
            t.render(&values, Locale::Nb),
            "Hei Kari (36) - 1. mars 2027, 14 dager, Asker kommune"
        );
        assert_eq!(
            t.render(&values, Locale::En),
            "Hei Kari (36) - 1 March 2027, 14 dager, Asker kommune"
        );
        let c = Template::parse("{{child.given_name}} er {{child.age}} år", &child_trigger())
            .expect("valid");
        let values = Values {
            child_given_name: Some("Ola"),
            child_age: Some(1),
            ..Values::default()
        };
        assert_eq!(c.render(&values, Locale::Nn), "Ola er 1 år");
    }

    #[test]
    fn text_without_placeholders_and_stray_braces_stay() {
        let t = Template::parse("Ingen {verdier} her }}", &Trigger::Campaign).expect("valid");
        assert_eq!(
            t.render(&Values::default(), Locale::Nb),
            "Ingen {verdier} her }}"
        );
    }

    #[test]
    fn refuses_unknown_unavailable_and_unclosed() {
        let err = |text: &str, trigger: &Trigger| {
            Template::parse(text, trigger).expect_err(text).join("; ")
        };
        assert!(
            err("Hei {{resident.name}}", &Trigger::Campaign)
                .contains("unknown placeholder `{{resident.name}}`")
        );
        assert!(err("{{child.given_name}}", &Trigger::Campaign).contains("about a child"));
        let resident_event = Trigger::LifeEvent {
            event: RegisterEventKind::MovedIn,
            who: EventRecipients::Resident,
        };
        assert!(err("{{child.age}}", &resident_event).contains("about a child"));
        assert!(err("{{deadline}}", &child_trigger()).contains("before_date"));
        assert!(err("{{days_left}}", &Trigger::Campaign).contains("before_date"));
        assert!(err("Hei {{resident.given_name", &Trigger::Campaign).contains("character 5"));
        let two = Template::parse("{{a}} {{b}}", &Trigger::Campaign).expect_err("two");
        assert_eq!(two.len(), 2);
    }

    #[test]
    fn plan_phase_rules_name_the_plan_and_the_phase() {
        let plan = Trigger::PlanPhase { phases: vec![] };
        let t = Template::parse(
            "{{plan.name}} ({{plan.id}}): {{phase.label}} til {{deadline}}, {{days_left}} dager",
            &plan,
        )
        .expect("valid");
        let values = Values {
            plan_name: Some("Reguleringsplan for Torget"),
            plan_id: Some("2025-7"),
            phase_label: Some("Offentlig ettersyn (høring 2)"),
            deadline: Some(date(2027, 4, 12)),
            days_left: Some(42),
            ..Values::default()
        };
        assert_eq!(
            t.render(&values, Locale::Nb),
            "Reguleringsplan for Torget (2025-7): Offentlig ettersyn (høring 2) til \
             12. april 2027, 42 dager"
        );
        let err = |text: &str, trigger: &Trigger| {
            Template::parse(text, trigger).expect_err(text).join("; ")
        };
        assert!(err("{{plan.name}}", &Trigger::Campaign).contains("plan_phase"));
        assert!(err("{{phase.label}}", &deadline_trigger()).contains("plan_phase"));
        assert!(err("{{child.given_name}}", &plan).contains("about a child"));
    }

    #[test]
    fn birth_events_for_guardians_may_name_the_child() {
        let birth = Trigger::LifeEvent {
            event: RegisterEventKind::Birth,
            who: EventRecipients::GuardiansOfChild,
        };
        assert!(Template::parse("Gratulerer med {{child.given_name}}", &birth).is_ok());
    }

    #[test]
    fn dates_are_written_per_language() {
        assert_eq!(format_date(date(2027, 3, 1), Locale::Nb), "1. mars 2027");
        assert_eq!(
            format_date(date(2027, 12, 24), Locale::Nn),
            "24. desember 2027"
        );
        assert_eq!(
            format_date(date(2027, 1, 31), Locale::En),
            "31 January 2027"
        );
    }
}
