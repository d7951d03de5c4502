//! Tests for `lifephase`: leap-day birthdays, month roll-over and Oslo day bounds across DST.
#![allow(clippy::unwrap_used)]

use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use minside_core::lifephase::*;
use proptest::prelude::*;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn leap_day_birthday_is_1_march_in_non_leap_years() {
    let birth = date(2008, 2, 29);
    assert_eq!(date_reaching_age(birth, 18), date(2026, 3, 1));
    assert_eq!(date_reaching_age(birth, 20), date(2028, 2, 29));
    assert_eq!(date_reaching_age(birth, 0), birth);
    assert_eq!(age_on(birth, date(2026, 2, 28)), 17);
    assert_eq!(age_on(birth, date(2026, 3, 1)), 18);
    assert_eq!(age_on(birth, date(2028, 2, 28)), 19);
    assert_eq!(age_on(birth, date(2028, 2, 29)), 20);
    assert_eq!(next_annual(2, 29, date(2026, 1, 10)), date(2026, 3, 1));
    assert_eq!(next_annual(2, 29, date(2026, 3, 1)), date(2026, 3, 1));
    assert_eq!(next_annual(2, 29, date(2026, 3, 2)), date(2027, 3, 1));
    assert_eq!(next_annual(2, 29, date(2027, 3, 2)), date(2028, 2, 29));
}

#[test]
fn ages() {
    let birth = date(1990, 6, 15);
    assert_eq!(age_on(birth, date(2026, 6, 14)), 35);
    assert_eq!(age_on(birth, date(2026, 6, 15)), 36);
    assert_eq!(age_on(birth, birth), 0);
    assert_eq!(age_on(birth, date(1990, 1, 1)), 0, "before birth");
    assert_eq!(age_on(birth, date(1980, 12, 31)), 0, "years before birth");
    assert_eq!(age_in_months_on(birth, date(1990, 7, 14)), 0);
    assert_eq!(age_in_months_on(birth, date(1990, 7, 15)), 1);
    assert_eq!(age_in_months_on(birth, date(2026, 6, 15)), 36 * 12);
    assert_eq!(
        age_in_months_on(birth, date(1989, 7, 15)),
        0,
        "before birth"
    );
}

#[test]
fn month_end_rolls_to_the_first_of_the_next_month() {
    let birth = date(2026, 1, 31);
    assert_eq!(date_reaching_months(birth, 1), date(2026, 3, 1));
    assert_eq!(date_reaching_months(birth, 2), date(2026, 3, 31));
    assert_eq!(date_reaching_months(birth, 3), date(2026, 5, 1));
    assert_eq!(date_reaching_months(birth, 11), date(2026, 12, 31));
    assert_eq!(date_reaching_months(birth, 13), date(2027, 3, 1));
    assert_eq!(age_in_months_on(birth, date(2026, 2, 28)), 0);
    assert_eq!(age_in_months_on(birth, date(2026, 3, 1)), 1);
    assert_eq!(age_in_months_on(birth, date(2026, 3, 30)), 1);
    assert_eq!(age_in_months_on(birth, date(2026, 3, 31)), 2);
    assert_eq!(next_annual(4, 31, date(2026, 1, 1)), date(2026, 5, 1));
    assert_eq!(next_annual(12, 24, date(2026, 12, 25)), date(2027, 12, 24));
    assert_eq!(next_annual(12, 24, date(2026, 12, 24)), date(2026, 12, 24));
    assert_eq!(
        next_annual(0, 0, date(2026, 1, 2)),
        date(2027, 1, 1),
        "clamped to 1 January"
    );
}

#[test]
fn day_bounds_across_dst() {
    // Spring forward: 2026-03-29 has 23 hours in Oslo (CET +01:00 -> CEST +02:00).
    assert_eq!(
        start_of_day_oslo(date(2026, 3, 29)),
        ts("2026-03-28T23:00:00Z")
    );
    assert_eq!(
        end_of_day_oslo(date(2026, 3, 29)),
        ts("2026-03-29T21:59:59.999999999Z")
    );
    assert_eq!(
        end_of_day_oslo(date(2026, 3, 28)),
        ts("2026-03-28T22:59:59.999999999Z")
    );
    // Fall back: 2026-10-25 has 25 hours.
    assert_eq!(
        start_of_day_oslo(date(2026, 10, 25)),
        ts("2026-10-24T22:00:00Z")
    );
    assert_eq!(
        end_of_day_oslo(date(2026, 10, 25)),
        ts("2026-10-25T22:59:59.999999999Z")
    );
    assert_eq!(
        end_of_day_oslo(date(2026, 10, 24)),
        ts("2026-10-24T21:59:59.999999999Z")
    );
    let day = |d| end_of_day_oslo(d).duration_since(start_of_day_oslo(d));
    assert_eq!(
        day(date(2026, 3, 29)),
        SignedDuration::from_hours(23) - SignedDuration::from_nanos(1)
    );
    assert_eq!(
        day(date(2026, 10, 25)),
        SignedDuration::from_hours(25) - SignedDuration::from_nanos(1)
    );
    assert_eq!(
        day(date(2026, 6, 1)),
        SignedDuration::from_hours(24) - SignedDuration::from_nanos(1)
    );
}

#[test]
fn today_in_oslo_follows_local_midnight() {
    assert_eq!(today_in_oslo(ts("2026-03-28T22:59:59Z")), date(2026, 3, 28));
    assert_eq!(today_in_oslo(ts("2026-03-28T23:00:00Z")), date(2026, 3, 29));
    assert_eq!(today_in_oslo(ts("2026-06-30T21:59:59Z")), date(2026, 6, 30));
    assert_eq!(today_in_oslo(ts("2026-06-30T22:00:00Z")), date(2026, 7, 1));
    assert_eq!(today_in_oslo(ts("2026-12-31T23:00:00Z")), date(2027, 1, 1));
    assert_eq!(oslo().iana_name(), Some("Europe/Oslo"));
}

#[test]
fn saturates_at_the_ends_of_the_range() {
    assert_eq!(date_reaching_age(date(2000, 1, 1), u32::MAX), Date::MAX);
    assert_eq!(date_reaching_months(date(9999, 12, 31), 1), Date::MAX);
    assert_eq!(next_annual(1, 1, Date::MAX), Date::MAX);
    assert_eq!(end_of_day_oslo(Date::MAX), Timestamp::MAX);
    assert_eq!(start_of_day_oslo(Date::MIN), Timestamp::MIN);
    assert_eq!(age_on(Date::MIN, Date::MAX), 19998);
}

fn dates() -> impl Strategy<Value = Date> {
    (1800i16..=2200, 1i16..=366).prop_filter_map("day of year exists", |(y, n)| {
        date(y, 1, 1).with().day_of_year(n).build().ok()
    })
}

proptest! {
    #[test]
    fn age_is_reached_exactly_on_the_birthday(birth in dates(), years in 1u32..=120) {
        let reached = date_reaching_age(birth, years);
        prop_assert_eq!(age_on(birth, reached), years);
        prop_assert_eq!(age_on(birth, reached.yesterday().unwrap()), years - 1);
        prop_assert_eq!(reached.year(), birth.year() + years as i16);
        if (birth.month(), birth.day()) == (2, 29) && !reached.in_leap_year() {
            prop_assert_eq!((reached.month(), reached.day()), (3, 1));
        } else {
            prop_assert_eq!((reached.month(), reached.day()), (birth.month(), birth.day()));
        }
        prop_assert_eq!(next_annual(birth.month(), birth.day(), reached), reached);
    }

    #[test]
    fn months_are_reached_exactly_once(birth in dates(), months in 1u32..=1500) {
        let reached = date_reaching_months(birth, months);
        prop_assert_eq!(age_in_months_on(birth, reached), months);
        prop_assert_eq!(age_in_months_on(birth, reached.yesterday().unwrap()), months - 1);
        prop_assert!(reached > date_reaching_months(birth, months - 1));
    }

    #[test]
    fn next_annual_is_on_or_after_and_within_a_year(m in 1i8..=12, d in 1i8..=31, from in dates()) {
        let next = next_annual(m, d, from);
        prop_assert!(next >= from);
        prop_assert!(next < from.checked_add(jiff::Span::new().years(1).days(1)).unwrap());
    }

    #[test]
    fn day_bounds_tile_the_timeline(d in dates()) {
        let start = start_of_day_oslo(d);
        let end = end_of_day_oslo(d);
        prop_assert_eq!(end.checked_add(SignedDuration::from_nanos(1)).unwrap(),
            start_of_day_oslo(d.tomorrow().unwrap()));
        prop_assert_eq!(today_in_oslo(start), d);
        prop_assert_eq!(today_in_oslo(end), d);
        prop_assert_eq!(today_in_oslo(start.checked_sub(SignedDuration::from_nanos(1)).unwrap()),
            d.yesterday().unwrap());
    }
}
