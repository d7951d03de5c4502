//! The showcase residents of the demo municipality (3203 Asker, `minside-adapter-demo`), offered
//! by the development identity provider's login page. Numbers follow the +80 month rule for
//! synthetic fødselsnummer, so they can never belong to a real person.

use jiff::civil::date;
use minside_core::Pid;

/// A synthetic demo resident.
pub struct DemoPerson {
    pub pid: Pid,
    pub name: &'static str,
}

const PEOPLE: &[(&str, i16, i8, i8)] = &[
    ("Kari Nordmann", 1984, 3, 14),
    ("Ola Nordmann", 1982, 11, 2),
    ("Ingrid Bakke", 1957, 6, 30),
    ("Mohammed Ali", 1990, 1, 21),
    ("Sofie Haugen", 2009, 9, 5),
    ("Per Olsen", 1959, 12, 24),
    ("Aisha Rahman", 1995, 7, 17),
    ("Lars Johansen", 1948, 2, 29),
];

/// The demo residents, in a stable order.
pub fn people() -> Vec<DemoPerson> {
    PEOPLE
        .iter()
        .filter_map(|&(name, y, m, d)| {
            // The first individual number that gives valid check digits for this birth date.
            let birth = date(y, m, d);
            let pid = (0..1000).find_map(|i| Pid::synthetic(birth, i))?;
            Some(DemoPerson { pid, name })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use minside_core::PidPolicy;

    use super::*;

    #[test]
    fn every_demo_person_has_a_valid_synthetic_number() {
        let people = people();
        assert_eq!(people.len(), PEOPLE.len());
        for p in &people {
            assert!(p.pid.is_synthetic());
            assert!(
                Pid::parse(
                    p.pid.expose(),
                    PidPolicy {
                        allow_synthetic: false
                    }
                )
                .is_err()
            );
            assert!(
                Pid::parse(
                    p.pid.expose(),
                    PidPolicy {
                        allow_synthetic: true
                    }
                )
                .is_ok()
            );
        }
    }
}
