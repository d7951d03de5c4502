//! Small calendar helpers on `jiff::civil::Date`.

use jiff::Span;
use jiff::civil::{Date, date};

/// `d` moved by `days` (negative: back), saturating at jiff's range.
pub(crate) fn add_days(d: Date, days: i64) -> Date {
    match Span::new().try_days(days) {
        Ok(span) => d.saturating_add(span),
        Err(_) => d,
    }
}

/// Whole days from `a` to `b` (negative if `b` is earlier).
pub(crate) fn days_between(a: Date, b: Date) -> i64 {
    a.until(b)
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0)
}

/// The first `month`-`day` on or after `from` (the day must exist in every year).
pub(crate) fn next_on_or_after(month: i8, day: i8, from: Date) -> Date {
    let this_year = date(from.year(), month, day);
    if this_year >= from {
        this_year
    } else {
        date(from.year() + 1, month, day)
    }
}

/// The first day of the school year that `on` falls in (15 August).
pub(crate) fn school_year_start(on: Date) -> Date {
    let start = date(on.year(), 8, 15);
    if on >= start {
        start
    } else {
        date(on.year() - 1, 8, 15)
    }
}

/// Norwegian month names, for invoice periods.
pub(crate) const MONTHS: [&str; 12] = [
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

/// Norwegian weekday names, Monday first.
pub(crate) fn weekday_name(d: Date) -> &'static str {
    [
        "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
    ][usize::from(d.weekday().to_monday_zero_offset().unsigned_abs())]
}
