//! The population register's change feed (the Folkeregisteret "hendelsesliste" model): events
//! with contiguous sequence numbers from 1, each carrying the person's state after it.
//!
//! The feed starts with the recent history found in the generated population (births and moves
//! in the last 120 days). [`Feed::advance`] then simulates time moving on: births, deaths,
//! moves in and out, moves within Asker and changes of parental responsibility, three events a
//! day from the day after the reference date. A change that touches a household is planned as
//! one event per person, so `advance(3)` then `advance(2)` equals `advance(5)`. The showcase
//! residents and their relatives are never touched.

use std::collections::VecDeque;

use jiff::civil::Date;
use minside_adapter::{Address, Kommunenummer, PersonRecord, PopulationEvent, PopulationEventKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::generate::weighted;
use super::model::Meta;
use super::population::{NewPerson, Population};
use super::showcase::PROTECTED;
use crate::data::names::{self, Sex};
use crate::data::places::{AREAS, ELSEWHERE};
use crate::dates::{add_days, days_between};

/// Events of the generated history reach back this far.
const HISTORY_DAYS: i64 = 120;

#[derive(Debug, Clone, PartialEq)]
enum Change {
    Arrive {
        kind: PopulationEventKind,
        person: Box<PersonRecord>,
        meta: Meta,
    },
    Death(usize),
    MoveOut {
        index: usize,
        address: Address,
    },
    Relocate {
        index: usize,
        household: usize,
    },
    Guardians {
        index: usize,
        guardians: Vec<usize>,
    },
}

/// Planned changes not yet published, and the random stream that plans them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Feed {
    rng: ChaCha8Rng,
    pending: VecDeque<(Date, Change)>,
    advanced: u64,
    start: Date,
}

/// The generated history: births and moves within [`HISTORY_DAYS`] before `today`.
pub(crate) fn history(pop: &Population, today: Date) -> Vec<PopulationEvent> {
    let recent = |d: Date| d <= today && days_between(d, today) < HISTORY_DAYS;
    let mut events: Vec<(Date, usize, PopulationEventKind)> = Vec::new();
    for (i, person) in pop.people.iter().enumerate() {
        if recent(person.birth_date) {
            events.push((person.birth_date, i, PopulationEventKind::Birth));
        } else if let (Some(moved), Some(h)) = (person.moved_in, pop.meta[i].household)
            && recent(moved)
        {
            let kind = if h % 2 == 0 {
                PopulationEventKind::MovedIn
            } else {
                PopulationEventKind::AddressChanged
            };
            events.push((moved, i, kind));
        }
    }
    events.sort_by_key(|&(date, i, _)| (date, i));
    events
        .into_iter()
        .zip(1..)
        .map(|((occurred, i, kind), sequence)| PopulationEvent {
            sequence,
            kind,
            occurred,
            person: pop.people[i].clone(),
        })
        .collect()
}

impl Feed {
    pub(crate) fn new(seed: u64, start: Date) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x0046_6565_645f_7633),
            pending: VecDeque::new(),
            advanced: 0,
            start,
        }
    }

    /// Publishes `n` more events.
    pub(crate) fn advance(
        &mut self,
        pop: &mut Population,
        events: &mut Vec<PopulationEvent>,
        n: usize,
    ) {
        for _ in 0..n {
            if self.pending.is_empty() {
                self.plan(pop);
            }
            let Some((occurred, change)) = self.pending.pop_front() else {
                break;
            };
            self.advanced += 1;
            let (kind, index) = apply(pop, change, occurred);
            events.push(PopulationEvent {
                sequence: events.len() as u64 + 1,
                kind,
                occurred,
                person: pop.people[index].clone(),
            });
        }
    }

    fn plan(&mut self, pop: &mut Population) {
        let on = add_days(
            self.start,
            1 + i64::try_from(self.advanced / 3).unwrap_or(0),
        );
        let planned = match weighted(&mut self.rng, &[20, 12, 20, 15, 23, 10]) {
            0 => self.birth(pop, on),
            1 => self.death(pop, on),
            3 => self.move_out(pop, on),
            4 => self.relocate(pop, on),
            5 => self.guardians(pop, on),
            _ => false,
        };
        if !planned {
            self.move_in(pop, on);
        }
    }

    /// A random resident (not a showcase person) for whom `fits` holds.
    fn pick(&mut self, pop: &Population, fits: impl Fn(usize) -> bool) -> Option<usize> {
        if pop.people.len() <= PROTECTED {
            return None;
        }
        (0..60).find_map(|_| {
            let i = self.rng.random_range(PROTECTED..pop.people.len());
            (pop.is_resident(i) && fits(i)).then_some(i)
        })
    }

    fn birth(&mut self, pop: &mut Population, on: Date) -> bool {
        let Some(mother) = self.pick(pop, |i| {
            pop.meta[i].sex == Sex::Female && (20..=44).contains(&pop.age(i, on))
        }) else {
            return false;
        };
        let Some(household) = pop.meta[mother].household else {
            return false;
        };
        let father = pop.households[household]
            .members
            .iter()
            .copied()
            .find(|&m| {
                pop.meta[m].sex == Sex::Male
                    && pop.age(m, on) >= 18
                    && !pop.meta[mother].parents.contains(&m)
            });
        let parents: Vec<usize> = [Some(mother), father].into_iter().flatten().collect();
        let origin = pop.meta[mother].origin;
        let sex = if self.rng.random_range(0..2) == 0 {
            Sex::Female
        } else {
            Sex::Male
        };
        let family = match father {
            Some(f) if self.rng.random_range(0..10) < 6 => pop.people[f].family_name.clone(),
            _ => pop.people[mother].family_name.clone(),
        };
        let new = NewPerson {
            household,
            given_name: names::given_name(&mut self.rng, origin, sex, on.year()).to_owned(),
            family_name: family,
            sex,
            origin,
            birth: on,
            parents: parents.clone(),
            guardians: parents,
        };
        let Some((person, meta)) = pop.build(new) else {
            return false;
        };
        let kind = PopulationEventKind::Birth;
        self.pending.push_back((
            on,
            Change::Arrive {
                kind,
                person: Box::new(person),
                meta,
            },
        ));
        true
    }

    fn death(&mut self, pop: &Population, on: Date) -> bool {
        let Some(i) = self.pick(pop, |i| pop.age(i, on) >= 75) else {
            return false;
        };
        self.pending.push_back((on, Change::Death(i)));
        true
    }

    /// The alive residents of `index`'s household.
    fn household_of(pop: &Population, index: usize) -> Vec<usize> {
        pop.meta[index].household.map_or_else(Vec::new, |h| {
            pop.households[h]
                .members
                .iter()
                .copied()
                .filter(|&m| pop.is_resident(m))
                .collect()
        })
    }

    fn move_out(&mut self, pop: &Population, on: Date) -> bool {
        let Some(i) = self.pick(pop, |_| true) else {
            return false;
        };
        let Some(&(street, postcode, city, kommune)) =
            ELSEWHERE.get(self.rng.random_range(0..ELSEWHERE.len()))
        else {
            return false;
        };
        let Ok(kommunenummer) = Kommunenummer::parse(kommune) else {
            return false;
        };
        let address = Address {
            street: format!("{street} {}", self.rng.random_range(1..=150)),
            postcode: postcode.to_owned(),
            city: city.to_owned(),
            kommunenummer,
            point: None,
        };
        for index in Self::household_of(pop, i) {
            let address = address.clone();
            self.pending
                .push_back((on, Change::MoveOut { index, address }));
        }
        true
    }

    fn relocate(&mut self, pop: &mut Population, on: Date) -> bool {
        let Some(i) = self.pick(pop, |_| true) else {
            return false;
        };
        let members = Self::household_of(pop, i);
        let area = self.rng.random_range(0..AREAS.len());
        let household = pop.new_household(&mut self.rng, area, None, on);
        for index in members {
            self.pending
                .push_back((on, Change::Relocate { index, household }));
        }
        true
    }

    fn guardians(&mut self, pop: &Population, on: Date) -> bool {
        let Some(child) = self.pick(pop, |i| {
            pop.age(i, on) < 18 && !pop.meta[i].parents.is_empty()
        }) else {
            return false;
        };
        let current: Vec<usize> = pop.people[child]
            .guardians
            .iter()
            .filter_map(|pid| pop.by_pid.get(pid).copied())
            .collect();
        let alive_parents: Vec<usize> = pop.meta[child]
            .parents
            .iter()
            .copied()
            .filter(|&p| !pop.people[p].dead)
            .collect();
        let guardians = if current.len() == 2 {
            // Sole responsibility for the parent the child lives with.
            let home = pop.meta[child].household;
            let keep = current
                .iter()
                .copied()
                .find(|&g| pop.meta[g].household == home);
            vec![keep.unwrap_or(current[0])]
        } else if alive_parents.len() > current.len() {
            // Joint responsibility agreed.
            alive_parents
        } else {
            return false;
        };
        self.pending.push_back((
            on,
            Change::Guardians {
                index: child,
                guardians,
            },
        ));
        true
    }

    fn move_in(&mut self, pop: &mut Population, on: Date) {
        let area = self.rng.random_range(0..AREAS.len());
        let household = pop.new_household(&mut self.rng, area, None, on);
        let origin = names::origin(&mut self.rng);
        let family = names::family_name(&mut self.rng, origin).to_owned();
        let shape = self.rng.random_range(0..10);
        let mut adults: Vec<(Sex, u32)> = vec![(Sex::Female, self.rng.random_range(20..=45))];
        if shape >= 6 {
            adults.push((Sex::Male, self.rng.random_range(22..=48)));
        }
        let base = pop.people.len();
        let mut arrivals = Vec::new();
        for (sex, age) in adults {
            let birth = add_days(
                on,
                -(i64::from(age) * 365 + self.rng.random_range(0..365_i64)),
            );
            let given = names::given_name(&mut self.rng, origin, sex, birth.year()).to_owned();
            let new = NewPerson {
                household,
                given_name: given,
                family_name: family.clone(),
                sex,
                origin,
                birth,
                parents: Vec::new(),
                guardians: Vec::new(),
            };
            arrivals.extend(pop.build(new));
        }
        if shape == 9 && arrivals.len() == 2 {
            let birth = add_days(on, -self.rng.random_range(30..=3650_i64));
            let sex = if self.rng.random_range(0..2) == 0 {
                Sex::Female
            } else {
                Sex::Male
            };
            let parents = vec![base, base + 1];
            let new = NewPerson {
                household,
                given_name: names::given_name(&mut self.rng, origin, sex, birth.year()).to_owned(),
                family_name: family,
                sex,
                origin,
                birth,
                parents: parents.clone(),
                guardians: Vec::new(),
            };
            if let Some((mut child, mut meta)) = pop.build(new) {
                child.guardians = arrivals.iter().map(|(p, _)| p.pid.clone()).collect();
                meta.parents = parents;
                arrivals.push((child, meta));
            }
        }
        for (person, meta) in arrivals {
            let kind = PopulationEventKind::MovedIn;
            self.pending.push_back((
                on,
                Change::Arrive {
                    kind,
                    person: Box::new(person),
                    meta,
                },
            ));
        }
    }
}

/// Applies one change; returns the event kind and whom it concerned.
fn apply(pop: &mut Population, change: Change, on: Date) -> (PopulationEventKind, usize) {
    match change {
        Change::Arrive { kind, person, meta } => (kind, pop.push(*person, meta)),
        Change::Death(i) => {
            pop.leave_household(i);
            pop.people[i].dead = true;
            (PopulationEventKind::Death, i)
        }
        Change::MoveOut { index, address } => {
            pop.leave_household(index);
            pop.people[index].address = Some(address);
            pop.people[index].moved_in = Some(on);
            (PopulationEventKind::MovedOut, index)
        }
        Change::Relocate { index, household } => {
            pop.relocate(index, household, on);
            (PopulationEventKind::AddressChanged, index)
        }
        Change::Guardians { index, guardians } => {
            let pids = guardians
                .iter()
                .map(|&g| pop.people[g].pid.clone())
                .collect();
            pop.people[index].guardians = pids;
            (PopulationEventKind::ParentalResponsibilityChanged, index)
        }
    }
}
