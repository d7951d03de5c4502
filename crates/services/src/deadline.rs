//! When a service's deadlines next fall, how many days are left, and how a day is written for
//! residents ("1. mars", "1 March").

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

use crate::lang::Lang;
use crate::model::{Deadline, DeadlineKind, Service};

/// A deadline's next occurrence seen from a given day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpcomingDeadline<'a> {
    /// The deadline.
    pub deadline: &'a Deadline,
    /// The day it next falls on (today counts: a deadline is open through its last day).
    pub date: Date,
    /// Days from today to `date` (0 on the day itself).
    pub days_left: i32,
}

impl Deadline {
    /// The first day on or after `today` this deadline falls on; `None` for a fixed deadline
    /// that has passed.
    pub fn next_on_or_after(&self, today: Date) -> Option<Date> {
        match self.kind {
            DeadlineKind::Fixed { date } => (date >= today).then_some(date),
            DeadlineKind::Annual { month, day } => {
                let this_year = Date::new(today.year(), month, day).ok()?;
                if this_year >= today {
                    Some(this_year)
                } else {
                    Date::new(today.year().checked_add(1)?, month, day).ok()
                }
            }
            DeadlineKind::Monthly { day } => {
                let in_month =
                    |first: Date| first.with().day(day.min(first.days_in_month())).build();
                let first = today.first_of_month();
                let this_month = in_month(first).ok()?;
                if this_month >= today {
                    Some(this_month)
                } else {
                    in_month(first.checked_add(1.month()).ok()?).ok()
                }
            }
        }
    }

    /// The next occurrence and the days left, seen from `today`.
    pub fn upcoming(&self, today: Date) -> Option<UpcomingDeadline<'_>> {
        let date = self.next_on_or_after(today)?;
        let days_left = (date - today).get_days();
        Some(UpcomingDeadline {
            deadline: self,
            date,
            days_left,
        })
    }
}

impl Service {
    /// The service's soonest upcoming deadline seen from `today`.
    pub fn next_deadline(&self, today: Date) -> Option<UpcomingDeadline<'_>> {
        self.deadlines
            .iter()
            .filter_map(|d| d.upcoming(today))
            .min_by_key(|u| u.date)
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

/// The month's name (1–12) in `lang`; bokmål and nynorsk share the names, Northern Sami is
/// written in bokmål until the catalogue has Sami reviewers.
pub fn month_name(month: i8, lang: Lang) -> &'static str {
    let i = usize::try_from(month.clamp(1, 12) - 1).unwrap_or_default();
    match lang {
        Lang::En => MONTHS_EN[i],
        Lang::Nb | Lang::Nn | Lang::Se => MONTHS_NB[i],
    }
}

/// A day as residents read it: "1. mars" / "1 March", with the year when it is not `this_year`.
pub fn format_day(date: Date, this_year: i16, lang: Lang) -> String {
    let month = month_name(date.month(), lang);
    let mut s = match lang {
        Lang::En => format!("{} {month}", date.day()),
        Lang::Nb | Lang::Nn | Lang::Se => format!("{}. {month}", date.day()),
    };
    if date.year() != this_year {
        s.push_str(&format!(" {}", date.year()));
    }
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use jiff::civil::date;

    use super::*;
    use crate::model::LocalizedText;

    fn deadline(kind: DeadlineKind) -> Deadline {
        Deadline {
            label: LocalizedText {
                nb: "Frist".into(),
                nn: None,
                en: None,
                se: None,
            },
            kind,
        }
    }

    #[test]
    fn annual_deadlines_roll_over_after_the_day() {
        let d = deadline(DeadlineKind::Annual { month: 3, day: 1 });
        let up = d.upcoming(date(2025, 1, 15)).unwrap();
        assert_eq!((up.date, up.days_left), (date(2025, 3, 1), 45));
        assert_eq!(
            d.upcoming(date(2025, 3, 1)).unwrap().days_left,
            0,
            "open on the day"
        );
        assert_eq!(d.next_on_or_after(date(2025, 3, 2)), Some(date(2026, 3, 1)));
    }

    #[test]
    fn monthly_deadlines_clamp_to_short_months() {
        let d = deadline(DeadlineKind::Monthly { day: 31 });
        assert_eq!(
            d.next_on_or_after(date(2025, 2, 10)),
            Some(date(2025, 2, 28))
        );
        assert_eq!(
            d.next_on_or_after(date(2024, 2, 10)),
            Some(date(2024, 2, 29))
        );
        assert_eq!(
            d.next_on_or_after(date(2025, 4, 30)),
            Some(date(2025, 4, 30))
        );
        let fifth = deadline(DeadlineKind::Monthly { day: 5 });
        assert_eq!(
            fifth.next_on_or_after(date(2025, 12, 6)),
            Some(date(2026, 1, 5))
        );
    }

    #[test]
    fn fixed_deadlines_end() {
        let d = deadline(DeadlineKind::Fixed {
            date: date(2025, 6, 1),
        });
        assert_eq!(d.next_on_or_after(date(2025, 5, 1)), Some(date(2025, 6, 1)));
        assert_eq!(d.next_on_or_after(date(2025, 6, 2)), None);
    }

    #[test]
    fn days_are_written_per_language() {
        assert_eq!(format_day(date(2025, 3, 1), 2025, Lang::Nb), "1. mars");
        assert_eq!(format_day(date(2025, 3, 1), 2025, Lang::En), "1 March");
        assert_eq!(format_day(date(2026, 3, 1), 2025, Lang::Nn), "1. mars 2026");
    }
}
