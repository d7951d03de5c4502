//! Occurrences: what a notice is *about*, so that with the rule and the recipient it forms the
//! idempotency key the store refuses to create twice.
//!
//! | trigger | occurrence |
//! |---|---|
//! | age of the resident | `age:{y}y{m}m` |
//! | age of a child | `child:{child id}:age:{y}y{m}m` (one per child, to each guardian) |
//! | before a date | `date:{deadline}` (e.g. `date:2027-03-01`; a new one every year for annual dates) |
//! | life event | `event:{register event id}` |
//! | campaign | `campaign` (once per rule) |
//! | plan phase | `plan-phase:{phase id}` (once per phase, however many days it is open) |
//!
//! Also the date arithmetic of the date triggers: who reaches an age within a window, and
//! whether a deadline is due. Ages follow [`minside_core::lifephase`]: someone born on
//! 29 February reaches a new year of age on 1 March in non-leap years (Norwegian practice),
//! and in general a month without the birth day rolls over to the 1st of the next month.

use jiff::ToSpan;
use jiff::civil::Date;
use minside_core::lifephase::date_reaching_months;
use minside_store::{PhaseId, ResidentId};

use crate::rule::DateSpec;

/// The occurrence of a campaign.
pub const CAMPAIGN: &str = "campaign";

/// `age:{y}y{m}m`
pub fn age(years: u8, months: u8) -> String {
    format!("age:{years}y{months}m")
}

/// `child:{id}:age:{y}y{m}m`
pub fn child_age(child: ResidentId, years: u8, months: u8) -> String {
    format!("child:{}:age:{years}y{months}m", child.0)
}

/// `date:{deadline}`
pub fn date(deadline: Date) -> String {
    format!("date:{deadline}")
}

/// `event:{id}`
pub fn event(id: i64) -> String {
    format!("event:{id}")
}

/// `plan-phase:{id}`
pub fn plan_phase(phase: PhaseId) -> String {
    format!("plan-phase:{}", phase.0)
}

/// Whether someone born on `birth` reaches `months` months of age on a day in `from..=to`.
pub fn reaches_within(birth: Date, months: u32, from: Date, to: Date) -> bool {
    let reached = date_reaching_months(birth, months);
    from <= reached && reached <= to
}

/// The birth dates to look up so that everyone who reaches `months` months of age on a day in
/// `from..=to` is among them (a few more may be: filter with [`reaches_within`]).
///
/// Someone born on the 29th to 31st of a month may reach the age on the 1st of the following
/// month (when the target month is shorter), hence the few extra days before.
pub fn birth_window(months: u32, from: Date, to: Date) -> (Date, Date) {
    let back = i64::from(months).months();
    let earliest = from
        .checked_sub(back)
        .and_then(|d| d.checked_sub(4.days()))
        .unwrap_or(Date::MIN);
    let latest = to.checked_sub(back).unwrap_or(Date::MIN);
    (earliest, latest)
}

/// The deadline a before-date trigger notifies about on `day`: the next deadline on or after
/// `day`, when `day` is at most `days_before` days before it.
pub fn deadline_due(spec: DateSpec, days_before: u16, day: Date) -> Option<Date> {
    let deadline = spec.next_on_or_after(day)?;
    let first = deadline
        .checked_sub(i64::from(days_before).days())
        .unwrap_or(Date::MIN);
    (first <= day).then_some(deadline)
}

/// Whole days from `day` to `deadline`.
pub fn days_left(day: Date, deadline: Date) -> i64 {
    i64::from((deadline - day).get_days())
}

#[cfg(test)]
mod tests {
    use jiff::civil::date as d;
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn keys_have_the_documented_form() {
        assert_eq!(age(67, 0), "age:67y0m");
        let id = ResidentId(Uuid::from_u128(7));
        assert_eq!(
            child_age(id, 1, 6),
            "child:00000000-0000-0000-0000-000000000007:age:1y6m"
        );
        assert_eq!(date(d(2027, 3, 1)), "date:2027-03-01");
        assert_eq!(event(42), "event:42");
        assert_eq!(
            plan_phase(PhaseId(Uuid::from_u128(9))),
            "plan-phase:00000000-0000-0000-0000-000000000009"
        );
    }

    #[test]
    fn leap_day_births_reach_their_age_on_1_march() {
        let birth = d(2008, 2, 29);
        assert!(!reaches_within(
            birth,
            18 * 12,
            d(2026, 2, 28),
            d(2026, 2, 28)
        ));
        assert!(reaches_within(birth, 18 * 12, d(2026, 3, 1), d(2026, 3, 1)));
        assert!(reaches_within(
            birth,
            20 * 12,
            d(2028, 2, 29),
            d(2028, 2, 29)
        ));
        let (from, to) = birth_window(18 * 12, d(2026, 3, 1), d(2026, 3, 1));
        assert!(from <= birth && birth <= to, "{from}..={to}");
    }

    #[test]
    fn month_ends_roll_over() {
        // Born 31 January: one month old on 1 March (February has no 31st).
        let birth = d(2027, 1, 31);
        assert!(reaches_within(birth, 1, d(2027, 3, 1), d(2027, 3, 1)));
        let (from, to) = birth_window(1, d(2027, 3, 1), d(2027, 3, 1));
        assert!(from <= birth && birth <= to, "{from}..={to}");
    }

    #[test]
    fn deadlines_are_due_from_days_before_until_the_day() {
        let spec = DateSpec::Fixed(d(2027, 3, 1));
        assert_eq!(deadline_due(spec, 14, d(2027, 2, 14)), None);
        assert_eq!(deadline_due(spec, 14, d(2027, 2, 15)), Some(d(2027, 3, 1)));
        assert_eq!(deadline_due(spec, 14, d(2027, 3, 1)), Some(d(2027, 3, 1)));
        assert_eq!(deadline_due(spec, 14, d(2027, 3, 2)), None);
        let annual = DateSpec::Annual { month: 1, day: 10 };
        assert_eq!(
            deadline_due(annual, 20, d(2027, 12, 25)),
            Some(d(2028, 1, 10))
        );
        assert_eq!(days_left(d(2027, 12, 25), d(2028, 1, 10)), 16);
    }

    proptest! {
        /// Everyone who reaches the age in the window is in the birth window: the engine's
        /// register query never misses anyone.
        #[test]
        fn birth_window_contains_everyone_reaching_the_age(
            days in 0i64..40_000,
            months in 1u32..=1_440,
            back in 0i64..10,
        ) {
            let birth = d(1900, 1, 1).checked_add(days.days()).expect("in range");
            let reached = date_reaching_months(birth, months);
            let from = reached.checked_sub(back.days()).expect("in range");
            let to = reached.checked_add((9 - back).days()).expect("in range");
            let (lo, hi) = birth_window(months, from, to);
            prop_assert!(lo <= birth && birth <= hi, "{birth} not in {lo}..={hi} ({months} m)");
        }
    }
}
