//! Date arithmetic in Norwegian civil time (`Europe/Oslo`): ages, anniversaries and day bounds.
//!
//! Rules followed throughout:
//! - Someone born on 29 February reaches a new year of age on **1 March** in non-leap years
//!   (Norwegian practice: the age is not reached until the day after 28 February).
//! - More generally, when a month has no day matching the start date (31 January + 1 month),
//!   the date rolls over to the first day of the following month.
//! - Results outside jiff's supported range (years -9999..=9999) saturate at the range ends.
//!
//! Times of day come from the bundled time zone database (jiff `tzdb-bundle-always`), so daylight
//! saving changes (last Sunday of March and October) are handled without any system tzdata.

use std::sync::LazyLock;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

static OSLO: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZone::get("Europe/Oslo").expect("the bundled time zone database contains Europe/Oslo")
});

/// The `Europe/Oslo` time zone (cheap to clone).
pub fn oslo() -> TimeZone {
    OSLO.clone()
}

/// The calendar date in Oslo at the instant `now`.
pub fn today_in_oslo(now: Timestamp) -> Date {
    now.to_zoned_datetime(oslo()).date()
}

/// Age in whole years on the date `on` (0 if `on` is before `birth`).
///
/// A year of age is reached on the birthday; for someone born 29 February that is 1 March in
/// non-leap years (Norwegian practice), so they are still 17 on 28 February of such a year.
pub fn age_on(birth: Date, on: Date) -> u32 {
    let years = i32::from(on.year()) - i32::from(birth.year());
    whole_units(years, on, |n| date_reaching_age(birth, n))
}

/// Age in whole months on the date `on` (0 if `on` is before `birth`).
///
/// A month of age is reached on the same day of the month as the birth date, or on the first of
/// the next month when that day does not exist (born 31 January: one month old on 1 March,
/// since February has no 31st).
pub fn age_in_months_on(birth: Date, on: Date) -> u32 {
    let months = (i32::from(on.year()) - i32::from(birth.year())) * 12 + i32::from(on.month())
        - i32::from(birth.month());
    whole_units(months, on, |n| date_reaching_months(birth, n))
}

/// The largest `n <= estimate` with `reached(n) <= on`, given that `reached` is monotonic and
/// `estimate` is at most one too large.
fn whole_units(estimate: i32, on: Date, reached: impl Fn(u32) -> Date) -> u32 {
    let Ok(n) = u32::try_from(estimate) else {
        return 0;
    };
    if reached(n) <= on {
        n
    } else {
        n.saturating_sub(1)
    }
}

/// The date someone born on `birth` turns `years` old (29 February -> 1 March in non-leap years).
pub fn date_reaching_age(birth: Date, years: u32) -> Date {
    date_reaching_months(birth, years.saturating_mul(12))
}

/// The date someone born on `birth` is `months` months old. When the target month lacks the
/// birth day (31st, 30th, 29 February), this is the first day of the following month.
pub fn date_reaching_months(birth: Date, months: u32) -> Date {
    let start = i64::from(birth.year()) * 12 + i64::from(birth.month()) - 1;
    let target = start + i64::from(months);
    let Ok(year) = i16::try_from(target.div_euclid(12)) else {
        return Date::MAX;
    };
    let month = (target.rem_euclid(12) + 1) as i8; // 1..=12
    on_or_rolled(year, month, birth.day())
}

/// The next `month`/`day` anniversary on or after `from`.
///
/// 29 February falls on 1 March in non-leap years, matching the birthday rule; in general a day
/// past the end of the month rolls to the first of the next month. `month` is clamped to 1..=12
/// and `day` to 1..=31.
pub fn next_annual(month: i8, day: i8, from: Date) -> Date {
    let (month, day) = (month.clamp(1, 12), day.clamp(1, 31));
    let this_year = on_or_rolled(from.year(), month, day);
    if this_year >= from {
        this_year
    } else {
        match from.year().checked_add(1) {
            Some(year) => on_or_rolled(year, month, day),
            None => Date::MAX,
        }
    }
}

/// `year-month-day`, or the first of the next month when the month has no such day.
fn on_or_rolled(year: i16, month: i8, day: i8) -> Date {
    if !(-9999..=9999).contains(&year) {
        return if year < 0 { Date::MIN } else { Date::MAX };
    }
    Date::new(year, month, day).unwrap_or_else(|_| {
        // `day` is past the end of the month: roll to the 1st of the next month.
        Date::new(year, month, 1)
            .ok()
            .and_then(|first| first.last_of_month().tomorrow().ok())
            .unwrap_or(Date::MAX)
    })
}

/// The first instant of the Oslo calendar day `d` (local midnight), saturating at
/// [`Timestamp::MIN`]/[`Timestamp::MAX`] at the ends of the supported range.
pub fn start_of_day_oslo(d: Date) -> Timestamp {
    match d.to_zoned_datetime(oslo()) {
        Ok(zdt) => zdt.timestamp(),
        Err(_) if d.year() < 0 => Timestamp::MIN,
        Err(_) => Timestamp::MAX,
    }
}

/// The last instant of the Oslo calendar day `d` (local 23:59:59.999999999), i.e. one nanosecond
/// before the next local midnight. Correct across daylight saving changes: 2026-03-29 (a 23-hour
/// day) ends at 21:59:59.999999999 UTC, 2026-10-25 (a 25-hour day) at 22:59:59.999999999 UTC.
pub fn end_of_day_oslo(d: Date) -> Timestamp {
    let Ok(next) = d.tomorrow() else {
        return Timestamp::MAX;
    };
    let next_start = start_of_day_oslo(next);
    if next_start == Timestamp::MAX {
        return Timestamp::MAX;
    }
    next_start
        .checked_sub(SignedDuration::from_nanos(1))
        .unwrap_or(Timestamp::MIN)
}
