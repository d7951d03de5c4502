//! When a consultation phase takes comments, in Norwegian civil time (Europe/Oslo): from the
//! first instant of `opens_on` (inclusive) to the first instant of the day after `closes_on`
//! (exclusive), so the last day counts in full whatever its length (23 or 25 hours when
//! summer time starts or ends).

use jiff::Timestamp;
use minside_core::lifephase::{start_of_day_oslo, today_in_oslo};
use minside_store::{PhaseFields, PhaseKind};

/// Where a phase stands at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhaseState {
    /// Not open yet; opens at `opens_at` (00:00 Oslo on `opens_on`).
    Upcoming {
        /// First instant comments are taken.
        opens_at: Timestamp,
    },
    /// Taking comments.
    Open {
        /// First instant comments are no longer taken (00:00 Oslo the day after `closes_on`).
        closes_at: Timestamp,
        /// Whole Oslo days from today to `closes_on`: 0 on the last day.
        days_left: i64,
    },
    /// No longer taking comments.
    Closed {
        /// First instant comments were no longer taken.
        closed_at: Timestamp,
    },
}

/// The first instant after the phase (00:00 Oslo the day after `closes_on`).
fn end(p: &PhaseFields) -> Timestamp {
    match p.closes_on.tomorrow() {
        Ok(next) => start_of_day_oslo(next),
        Err(_) => Timestamp::MAX,
    }
}

/// The state of phase `p` at `now`.
pub fn state(p: &PhaseFields, now: Timestamp) -> PhaseState {
    let opens_at = start_of_day_oslo(p.opens_on);
    let closes_at = end(p);
    if now < opens_at {
        PhaseState::Upcoming { opens_at }
    } else if now < closes_at {
        let days_left = i64::from((p.closes_on - today_in_oslo(now)).get_days());
        PhaseState::Open {
            closes_at,
            days_left,
        }
    } else {
        PhaseState::Closed {
            closed_at: closes_at,
        }
    }
}

/// Whether phase `p` takes comments at `now`.
pub fn is_open(p: &PhaseFields, now: Timestamp) -> bool {
    matches!(state(p, now), PhaseState::Open { .. })
}

/// The Norwegian label of a phase kind, e.g. `"Varsel om oppstart"`, `"Offentlig ettersyn"`,
/// `"Offentlig ettersyn (høring 2)"`.
pub fn label(kind: PhaseKind, hearing_version: i32) -> String {
    match kind {
        PhaseKind::Oppstart => "Varsel om oppstart".to_owned(),
        PhaseKind::Horing if hearing_version > 1 => {
            format!("Offentlig ettersyn (høring {hearing_version})")
        }
        PhaseKind::Horing => "Offentlig ettersyn".to_owned(),
        PhaseKind::Vedtak => "Planvedtak".to_owned(),
        PhaseKind::Klage => "Klage på planvedtak".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::{Date, date};
    use minside_core::lifephase::oslo;

    use super::*;

    fn phase(opens_on: Date, closes_on: Date) -> PhaseFields {
        PhaseFields {
            kind: PhaseKind::Horing,
            hearing_version: 1,
            title: None,
            opens_on,
            closes_on,
        }
    }

    /// The instant of an Oslo wall-clock time.
    fn oslo_at(d: Date, h: i8, m: i8, s: i8, nanos: i32) -> Timestamp {
        d.at(h, m, s, nanos)
            .to_zoned_datetime(oslo())
            .expect("a valid Oslo time")
            .timestamp()
    }

    fn utc(s: &str) -> Timestamp {
        s.parse().expect("a timestamp")
    }

    fn assert_last_moments(closes_on: Date) {
        let p = phase(date(2026, 1, 5), closes_on);
        let last = oslo_at(closes_on, 23, 59, 59, 999_999_999);
        assert!(
            is_open(&p, oslo_at(closes_on, 23, 59, 59, 0)),
            "{closes_on} 23:59:59"
        );
        assert!(is_open(&p, last), "{closes_on} 23:59:59.999999999");
        let next = closes_on.tomorrow().expect("a next day");
        assert!(!is_open(&p, oslo_at(next, 0, 0, 0, 0)), "{next} 00:00");
        assert_eq!(
            state(&p, last),
            PhaseState::Open {
                closes_at: oslo_at(next, 0, 0, 0, 0),
                days_left: 0
            }
        );
    }

    #[test]
    fn the_last_day_counts_until_midnight_oslo() {
        assert_last_moments(date(2026, 2, 16));
        // Winter: Oslo is UTC+1, so the phase ends at 23:00 UTC.
        let p = phase(date(2026, 2, 2), date(2026, 2, 16));
        assert!(is_open(&p, utc("2026-02-16T22:59:59Z")));
        assert!(!is_open(&p, utc("2026-02-16T23:00:00Z")));
    }

    #[test]
    fn the_last_sunday_of_march_has_23_hours() {
        // 2026-03-29: clocks go from 02:00 to 03:00; midnight after is 22:00 UTC.
        assert_last_moments(date(2026, 3, 29));
        let p = phase(date(2026, 3, 1), date(2026, 3, 29));
        assert!(is_open(&p, utc("2026-03-29T21:59:59Z")));
        assert!(!is_open(&p, utc("2026-03-29T22:00:00Z")));
        // Opening on that day starts at 00:00 CET = 23:00 UTC the day before.
        let p = phase(date(2026, 3, 29), date(2026, 4, 5));
        assert!(!is_open(&p, utc("2026-03-28T22:59:59Z")));
        assert!(is_open(&p, utc("2026-03-28T23:00:00Z")));
    }

    #[test]
    fn the_last_sunday_of_october_has_25_hours() {
        // 2026-10-25: clocks go from 03:00 back to 02:00; midnight after is 23:00 UTC.
        assert_last_moments(date(2026, 10, 25));
        let p = phase(date(2026, 10, 1), date(2026, 10, 25));
        assert!(is_open(&p, utc("2026-10-25T22:59:59Z")));
        assert!(!is_open(&p, utc("2026-10-25T23:00:00Z")));
        // Opening that day starts at 00:00 CEST = 22:00 UTC the day before.
        let p = phase(date(2026, 10, 25), date(2026, 11, 1));
        assert!(!is_open(&p, utc("2026-10-24T21:59:59Z")));
        assert!(is_open(&p, utc("2026-10-24T22:00:00Z")));
    }

    #[test]
    fn states_before_during_and_after() {
        let p = phase(date(2026, 3, 2), date(2026, 3, 13));
        assert_eq!(
            state(&p, oslo_at(date(2026, 3, 1), 23, 59, 59, 0)),
            PhaseState::Upcoming {
                opens_at: oslo_at(date(2026, 3, 2), 0, 0, 0, 0)
            }
        );
        let closes_at = oslo_at(date(2026, 3, 14), 0, 0, 0, 0);
        assert_eq!(
            state(&p, oslo_at(date(2026, 3, 2), 0, 0, 0, 0)),
            PhaseState::Open {
                closes_at,
                days_left: 11
            }
        );
        // days_left counts Oslo days: 23:30 UTC on the 12th is already the 13th in Oslo.
        assert_eq!(
            state(&p, utc("2026-03-12T23:30:00Z")),
            PhaseState::Open {
                closes_at,
                days_left: 0
            }
        );
        assert_eq!(
            state(&p, oslo_at(date(2026, 3, 12), 12, 0, 0, 0)),
            PhaseState::Open {
                closes_at,
                days_left: 1
            }
        );
        assert_eq!(
            state(&p, closes_at),
            PhaseState::Closed {
                closed_at: closes_at
            }
        );
        // A one-day phase.
        let day = phase(date(2026, 6, 1), date(2026, 6, 1));
        assert!(is_open(&day, oslo_at(date(2026, 6, 1), 12, 0, 0, 0)));
    }

    #[test]
    fn labels_are_norwegian() {
        assert_eq!(label(PhaseKind::Oppstart, 1), "Varsel om oppstart");
        assert_eq!(label(PhaseKind::Horing, 1), "Offentlig ettersyn");
        assert_eq!(label(PhaseKind::Horing, 2), "Offentlig ettersyn (høring 2)");
        assert_eq!(label(PhaseKind::Vedtak, 1), "Planvedtak");
        assert_eq!(label(PhaseKind::Klage, 1), "Klage på planvedtak");
    }
}
