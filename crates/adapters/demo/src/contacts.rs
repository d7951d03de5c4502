//! Synthetic contact-register (KRR) entries for the demo municipality: what KRR would say
//! about each adult resident, for the notice delivery's demo contact directory.
//!
//! The showcase residents are fixed: Kari Nordmann has `kari.nordmann@example.no` and a
//! mobile number, Lars Johansen has reserved himself against digital contact, and Ingrid
//! Bakke's contact data was last confirmed more than 18 months before the reference date. The
//! rest follow from the seed: about 80 % have a current e-mail address, about 60 % a current
//! mobile number, about 5 % are reserved and about 1 % cannot be notified. Residents under 15
//! and the dead have no entry. Every address is under `example.no`; mobile numbers are
//! synthetic.

use std::collections::HashSet;

use jiff::civil::{Date, Time};
use jiff::{SignedDuration, Timestamp};
use minside_adapter::{PersonRecord, Pid};
use minside_core::Locale;
use minside_core::lifephase::oslo;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::DemoMunicipality;

/// An e-mail address or mobile number with when it was last changed and confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoContactPoint {
    pub value: String,
    pub updated: Timestamp,
    pub last_verified: Option<Timestamp>,
}

/// What KRR says about one demo resident (the shape of KRR's entry, as plain data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoContact {
    pub pid: Pid,
    /// `reservasjon = JA`.
    pub reserved: bool,
    /// `varslingsstatus = KAN_IKKE_VARSLES`.
    pub cannot_be_notified: bool,
    pub email: Option<DemoContactPoint>,
    pub mobile: Option<DemoContactPoint>,
    /// `spraak`.
    pub language: Locale,
}

/// The youngest age with an entry.
const MIN_AGE: i16 = 15;

fn age_on(birth: Date, on: Date) -> i16 {
    let years = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years - 1
    } else {
        years
    }
}

/// Noon in Oslo `days` days before `reference`.
fn days_before(reference: Date, days: i64) -> Timestamp {
    let noon = reference
        .to_datetime(Time::constant(12, 0, 0, 0))
        .to_zoned_datetime(oslo())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    noon.checked_sub(SignedDuration::from_hours(24 * days))
        .unwrap_or(noon)
}

fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.to_lowercase().chars() {
        match c {
            'æ' => out.push_str("ae"),
            'ø' | 'ö' | 'ó' | 'ò' => out.push('o'),
            'å' | 'ä' | 'á' | 'à' => out.push('a'),
            'é' | 'è' | 'ê' => out.push('e'),
            'ü' | 'ú' => out.push('u'),
            c if c.is_ascii_alphanumeric() => out.push(c),
            ' ' | '-' => out.push('-'),
            _ => {}
        }
    }
    out
}

struct Draw<'a> {
    rng: ChaCha8Rng,
    reference: Date,
    taken: HashSet<String>,
    people: &'a [PersonRecord],
}

impl Draw<'_> {
    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    fn email(&mut self, index: usize) -> String {
        let p = &self.people[index];
        let base = format!(
            "{}.{}",
            ascii_fold(&p.given_name),
            ascii_fold(&p.family_name)
        );
        let mut address = format!("{base}@example.no");
        let mut n = 2;
        while !self.taken.insert(address.clone()) {
            address = format!("{base}{n}@example.no");
            n += 1;
        }
        address
    }

    /// Confirmed within the last ~15 months (current) or 19–48 months ago (outdated).
    fn point(&mut self, value: String, current: bool) -> DemoContactPoint {
        let days = if current {
            self.rng.random_range(3..=450)
        } else {
            self.rng.random_range(580..=1460)
        };
        let updated = days_before(self.reference, days);
        let verified = self.rng.random_range(0..=days);
        DemoContactPoint {
            value,
            updated,
            last_verified: (verified < days).then(|| days_before(self.reference, verified)),
        }
    }
}

/// A synthetic mobile number for resident `index` (`+4799` and six digits).
fn mobile_number(index: usize) -> String {
    format!("+4799{:06}", index % 1_000_000)
}

/// The demo municipality's KRR entries, one per living resident aged 15 or more (as
/// generated, on its reference date), the same for the same seed.
pub fn krr_entries(municipality: &DemoMunicipality) -> Vec<DemoContact> {
    let people = municipality.people();
    let reference = municipality.reference_date();
    let mut draw = Draw {
        rng: ChaCha8Rng::seed_from_u64(municipality.seed() ^ 0x004b_5252_5f76_3031),
        reference,
        taken: HashSet::new(),
        people,
    };
    let showcase: Vec<(usize, &str)> = municipality
        .showcase()
        .iter()
        .map(|s| (s.index, s.name))
        .collect();
    let mut out = Vec::new();
    for (index, person) in people.iter().enumerate() {
        if person.dead || age_on(person.birth_date, reference) < MIN_AGE {
            continue;
        }
        let named = showcase.iter().find(|(i, _)| *i == index).map(|(_, n)| *n);
        let entry = match named {
            Some(name) => showcase_entry(&mut draw, index, name),
            None => drawn_entry(&mut draw, index),
        };
        out.push(entry);
    }
    out
}

fn showcase_entry(draw: &mut Draw<'_>, index: usize, name: &str) -> DemoContact {
    let pid = draw.people[index].pid.clone();
    let (reserved, current) = match name {
        "Lars Johansen" => (true, true),
        "Ingrid Bakke" => (false, false),
        _ => (false, true),
    };
    let address = if name == "Kari Nordmann" {
        draw.taken.insert("kari.nordmann@example.no".into());
        "kari.nordmann@example.no".to_owned()
    } else {
        draw.email(index)
    };
    let email = Some(draw.point(address, current));
    let mobile = Some(draw.point(mobile_number(index), current));
    DemoContact {
        pid,
        reserved,
        cannot_be_notified: false,
        email,
        mobile,
        language: Locale::Nb,
    }
}

fn drawn_entry(draw: &mut Draw<'_>, index: usize) -> DemoContact {
    let pid = draw.people[index].pid.clone();
    let reserved = draw.chance(5);
    let cannot_be_notified = !reserved && draw.chance(1);
    let email = match draw.rng.random_range(0..100) {
        0..80 => {
            let a = draw.email(index);
            Some(draw.point(a, true))
        }
        80..86 => {
            let a = draw.email(index);
            Some(draw.point(a, false))
        }
        _ => None,
    };
    let mobile = match draw.rng.random_range(0..100) {
        0..60 => Some(draw.point(mobile_number(index), true)),
        60..66 => Some(draw.point(mobile_number(index), false)),
        _ => None,
    };
    let language = match draw.rng.random_range(0..100) {
        0..10 => Locale::Nn,
        10..14 => Locale::En,
        _ => Locale::Nb,
    };
    DemoContact {
        pid,
        reserved,
        cannot_be_notified,
        email,
        mobile,
        language,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn showcase_and_shares_are_as_documented() {
        let m = DemoMunicipality::generate(crate::DEFAULT_SEED, 600);
        let all = krr_entries(&m);
        assert_eq!(all, krr_entries(&m), "deterministic");
        let by_name = |name: &str| {
            let s = m.showcase().iter().find(|s| s.name == name).expect(name);
            all.iter().find(|c| c.pid == s.pid).expect("entry").clone()
        };
        let kari = by_name("Kari Nordmann");
        assert_eq!(
            kari.email.as_ref().map(|e| e.value.as_str()),
            Some("kari.nordmann@example.no")
        );
        assert!(kari.mobile.is_some() && !kari.reserved);
        assert!(by_name("Lars Johansen").reserved);
        let reference = days_before(m.reference_date(), 0);
        let cutoff = days_before(m.reference_date(), 18 * 31);
        let ingrid = by_name("Ingrid Bakke").email.expect("email");
        assert!(
            ingrid
                .updated
                .max(ingrid.last_verified.unwrap_or(ingrid.updated))
                < cutoff
        );
        assert!(kari.email.expect("email").updated <= reference);

        let n = all.len() as f64;
        let share =
            |f: &dyn Fn(&DemoContact) -> bool| all.iter().filter(|c| f(c)).count() as f64 / n;
        let current = |p: &Option<DemoContactPoint>| {
            p.as_ref()
                .is_some_and(|p| p.updated.max(p.last_verified.unwrap_or(p.updated)) >= cutoff)
        };
        let email = share(&|c| current(&c.email));
        let mobile = share(&|c| current(&c.mobile));
        let reserved = share(&|c| c.reserved);
        assert!((0.72..0.88).contains(&email), "e-mail {email}");
        assert!((0.52..0.68).contains(&mobile), "mobile {mobile}");
        assert!((0.02..0.09).contains(&reserved), "reserved {reserved}");
        let addresses: HashSet<_> = all
            .iter()
            .filter_map(|c| c.email.as_ref())
            .map(|e| &e.value)
            .collect();
        assert_eq!(
            addresses.len(),
            all.iter().filter(|c| c.email.is_some()).count()
        );
    }
}
