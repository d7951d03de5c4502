//! Evaluating one audience rule against a resident's facts, and filling reason templates.

use jiff::ToSpan;
use jiff::civil::Date;
use minside_store::ResidentFacts;

use super::{Extra, Rule};
use crate::lang::Lang;

/// A rule's match: how strong (1 for a plain match, up to 2 for a close birthday) and the values
/// of its placeholders.
pub(super) struct Match {
    pub(super) strength: f32,
    pub(super) child: Option<String>,
    pub(super) age: Option<i16>,
    pub(super) birthday: Option<Date>,
}

impl Match {
    pub(super) fn values(
        &self,
        lang: Lang,
        today: Date,
        rule: &Rule,
    ) -> Vec<(&'static str, String)> {
        let mut v = Vec::new();
        if let Some(child) = &self.child {
            v.push(("child", child.clone()));
        }
        if let Some(age) = self.age {
            v.push(("age", age.to_string()));
        }
        if let Some(b) = self.birthday {
            let mut month = crate::deadline::month_name(b.month(), lang).to_owned();
            if b.year() != today.year() {
                month.push_str(&format!(" {}", b.year()));
            }
            v.push(("month", month));
        }
        match *rule {
            Rule::ChildAgeBetween { min, max } | Rule::OwnAgeBetween { min, max } => {
                v.push(("min", min.to_string()));
                v.push(("max", max.to_string()));
            }
            Rule::OwnAgeAtLeast { age } => v.push(("min", age.to_string())),
            Rule::MovedInWithinDays { days } => v.push(("days", days.to_string())),
            Rule::ChildTurns { .. } | Rule::PropertyOwner => {}
        }
        v
    }
}

pub(super) fn fill(template: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(template.to_owned(), |s, (name, value)| {
        s.replace(&format!("{{{name}}}"), value)
    })
}

/// Whole years from `birth` to `on`.
pub(super) fn age_on(birth: Date, on: Date) -> i16 {
    let before_birthday = (on.month(), on.day()) < (birth.month(), birth.day());
    on.year() - birth.year() - i16::from(before_birthday)
}

pub(super) fn evaluate(
    rule: &Rule,
    facts: &ResidentFacts,
    extra: &Extra,
    today: Date,
) -> Option<Match> {
    let plain = |age: Option<i16>| Match {
        strength: 1.0,
        child: None,
        age,
        birthday: None,
    };
    match *rule {
        Rule::ChildAgeBetween { min, max } => facts.children.iter().find_map(|c| {
            let age = age_on(c.birth_date, today);
            (i16::from(min)..=i16::from(max))
                .contains(&age)
                .then(|| Match {
                    child: Some(c.given_name.clone()),
                    ..plain(Some(age))
                })
        }),
        Rule::ChildTurns { age, within_months } => {
            let until = today.checked_add(i32::from(within_months).months()).ok()?;
            let window = (until - today).get_days().max(1) as f32;
            facts
                .children
                .iter()
                .filter_map(|c| {
                    let birthday = c.birth_date.checked_add(i32::from(age).years()).ok()?;
                    (today..=until).contains(&birthday).then_some((c, birthday))
                })
                .min_by_key(|(_, b)| *b)
                .map(|(c, birthday)| {
                    let days = (birthday - today).get_days() as f32;
                    Match {
                        strength: 1.0 + (1.0 - days / window),
                        child: Some(c.given_name.clone()),
                        age: Some(i16::from(age)),
                        birthday: Some(birthday),
                    }
                })
        }
        Rule::OwnAgeAtLeast { age } => {
            let own = age_on(facts.birth_date?, today);
            (own >= i16::from(age)).then(|| plain(Some(own)))
        }
        Rule::OwnAgeBetween { min, max } => {
            let own = age_on(facts.birth_date?, today);
            (i16::from(min)..=i16::from(max))
                .contains(&own)
                .then(|| plain(Some(own)))
        }
        Rule::MovedInWithinDays { days } => {
            let moved = facts.moved_in?;
            let ago = (today - moved).get_days();
            (0..=i32::from(days)).contains(&ago).then(|| plain(None))
        }
        Rule::PropertyOwner => extra.property_owner.then(|| plain(None)),
    }
}
