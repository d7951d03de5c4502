//! The register state: people, their households and addresses, and the allocation of synthetic
//! identity numbers. Used by the generator and by the change feed.

use std::collections::{HashMap, HashSet};

use jiff::civil::{Date, Weekday};
use minside_adapter::{Address, Kommunenummer, PersonRecord, Pid};
use minside_core::lifephase::age_on;
use rand::Rng;
use rand::seq::IndexedRandom;

use super::model::{Household, Meta, WasteRoute};
use crate::data::names::{Origin, Sex};
use crate::data::places::AREAS;

/// Hands out synthetic fødselsnummer: for each birth date the individual numbers in order,
/// skipping those without valid control digits, so every number is distinct.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PidAllocator {
    next: HashMap<Date, u16>,
}

impl PidAllocator {
    pub(crate) fn allocate(&mut self, birth: Date) -> Option<Pid> {
        let start = self.next.get(&birth).copied().unwrap_or(0);
        (start..1000).find_map(|individual| {
            let pid = Pid::synthetic(birth, individual)?;
            self.next.insert(birth, individual + 1);
            Some(pid)
        })
    }
}

/// Someone to add to the population.
#[derive(Debug, Clone)]
pub(crate) struct NewPerson {
    pub household: usize,
    pub given_name: String,
    pub family_name: String,
    pub sex: Sex,
    pub origin: Origin,
    pub birth: Date,
    pub parents: Vec<usize>,
    pub guardians: Vec<usize>,
}

/// People and households of the municipality.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Population {
    pub kommune: Kommunenummer,
    pub people: Vec<PersonRecord>,
    pub meta: Vec<Meta>,
    pub households: Vec<Household>,
    pub by_pid: HashMap<Pid, usize>,
    pids: PidAllocator,
    addresses: HashSet<(String, String)>,
}

impl Population {
    pub(crate) fn new(kommune: Kommunenummer) -> Self {
        Self {
            kommune,
            people: Vec::new(),
            meta: Vec::new(),
            households: Vec::new(),
            by_pid: HashMap::new(),
            pids: PidAllocator::default(),
            addresses: HashSet::new(),
        }
    }

    /// A new, empty household at a new address in `area` (`street` with house number, or a
    /// random one).
    pub(crate) fn new_household<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        area: usize,
        street: Option<&str>,
        moved_in: Date,
    ) -> usize {
        let place = &AREAS[area % AREAS.len()];
        let postcode = place.postcodes.choose(rng).copied().unwrap_or("1383");
        let street = match street {
            Some(fixed) => fixed.to_owned(),
            None => self.free_street(rng, area, postcode),
        };
        self.addresses.insert((street.clone(), postcode.to_owned()));
        // Whole millionths of a degree, so the points print without rounding noise.
        let micro = |degrees: f64| (degrees * 1e6).round();
        let (lon, lat) = place.centre;
        let lon = (micro(lon) + f64::from(rng.random_range(-12_000_i32..=12_000))) / 1e6;
        let lat = (micro(lat) + f64::from(rng.random_range(-6_000_i32..=6_000))) / 1e6;
        let weekday = [
            Weekday::Monday,
            Weekday::Tuesday,
            Weekday::Wednesday,
            Weekday::Thursday,
            Weekday::Friday,
        ][rng.random_range(0..5_usize)];
        let waste = WasteRoute {
            weekday,
            residual_week: rng.random_range(0..2),
            paper_week: rng.random_range(0..4),
            glass_week: rng.random_range(0..8),
        };
        self.households.push(Household {
            address: Address {
                street,
                postcode: postcode.to_owned(),
                city: place.city.to_owned(),
                kommunenummer: self.kommune,
                point: Some((lon, lat)),
            },
            area,
            members: Vec::new(),
            moved_in,
            waste,
            property: None,
        });
        self.households.len() - 1
    }

    /// A street address in `area` not used before with this postcode.
    fn free_street<R: Rng + ?Sized>(&self, rng: &mut R, area: usize, postcode: &str) -> String {
        let place = &AREAS[area % AREAS.len()];
        for attempt in 0..200_u32 {
            let street = place.streets.choose(rng).copied().unwrap_or("Askerveien");
            let number = rng.random_range(1..=140_u32);
            let letter = if attempt > 20 {
                ["A", "B", "C", "D"][rng.random_range(0..4_usize)]
            } else {
                ""
            };
            let candidate = format!("{street} {number}{letter}");
            if !self
                .addresses
                .contains(&(candidate.clone(), postcode.to_owned()))
            {
                return candidate;
            }
        }
        format!("{} {}", place.streets[0], 1000 + self.households.len())
    }

    /// Builds a person with a fresh synthetic pid, without adding them yet.
    pub(crate) fn build(&mut self, new: NewPerson) -> Option<(PersonRecord, Meta)> {
        let pid = self.pids.allocate(new.birth)?;
        let household = &self.households[new.household];
        let guardians = new
            .guardians
            .iter()
            .map(|&g| self.people[g].pid.clone())
            .collect();
        let person = PersonRecord {
            pid,
            given_name: new.given_name,
            family_name: new.family_name,
            birth_date: new.birth,
            address: Some(household.address.clone()),
            guardians,
            dead: false,
            moved_in: Some(household.moved_in.max(new.birth)),
        };
        let meta = Meta {
            sex: new.sex,
            origin: new.origin,
            household: Some(new.household),
            parents: new.parents,
        };
        Some((person, meta))
    }

    /// Adds a built person to the population and their household.
    pub(crate) fn push(&mut self, person: PersonRecord, meta: Meta) -> usize {
        let index = self.people.len();
        if let Some(h) = meta.household {
            self.households[h].members.push(index);
        }
        self.by_pid.insert(person.pid.clone(), index);
        self.people.push(person);
        self.meta.push(meta);
        index
    }

    /// Builds and adds a person; `None` only if the birth date has no identity numbers left.
    pub(crate) fn add(&mut self, new: NewPerson) -> Option<usize> {
        let (person, meta) = self.build(new)?;
        Some(self.push(person, meta))
    }

    /// Alive and living in the municipality.
    pub(crate) fn is_resident(&self, index: usize) -> bool {
        let person = &self.people[index];
        !person.dead
            && self.meta[index].household.is_some()
            && person
                .address
                .as_ref()
                .is_some_and(|a| a.kommunenummer == self.kommune)
    }

    pub(crate) fn age(&self, index: usize, on: Date) -> u32 {
        age_on(self.people[index].birth_date, on)
    }

    pub(crate) fn full_name(&self, index: usize) -> String {
        let p = &self.people[index];
        format!("{} {}", p.given_name, p.family_name)
    }

    /// Moves a resident into another household of the municipality.
    pub(crate) fn relocate(&mut self, index: usize, household: usize, on: Date) {
        self.leave_household(index);
        self.households[household].members.push(index);
        self.meta[index].household = Some(household);
        let person = &mut self.people[index];
        person.address = Some(self.households[household].address.clone());
        person.moved_in = Some(on);
    }

    /// Takes a resident out of their household (moving away or dying).
    pub(crate) fn leave_household(&mut self, index: usize) {
        if let Some(h) = self.meta[index].household.take() {
            self.households[h].members.retain(|&m| m != index);
        }
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_allocator_hands_out_distinct_valid_numbers_in_order() {
        let mut pids = PidAllocator::default();
        let birth = date(1984, 3, 14);
        let first = pids.allocate(birth).expect("a number");
        assert_eq!(
            Some(&first),
            (0..1000).find_map(|i| Pid::synthetic(birth, i)).as_ref()
        );
        let mut seen = HashSet::new();
        seen.insert(first.expose().to_owned());
        for _ in 0..100 {
            let pid = pids.allocate(birth).expect("more numbers");
            assert_eq!(pid.birth_date(), birth);
            assert!(seen.insert(pid.expose().to_owned()));
        }
        // Children born in the 2000s get individual numbers from 500 up.
        let child = pids.allocate(date(2026, 4, 10)).expect("a number");
        assert!(child.expose()[6..9].parse::<u16>().expect("digits") >= 500);
    }
}
