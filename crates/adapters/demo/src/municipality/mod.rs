//! The generated municipality: who lives there, what the municipal systems know about them, and
//! the population register's change feed.

mod feed;
mod generate;
mod households;
pub(crate) mod model;
mod population;
mod services;
mod showcase;

use std::sync::{PoisonError, RwLock, RwLockReadGuard};

use jiff::civil::Date;
use minside_adapter::{Kommunenummer, PersonRecord, Pid, PopulationEvent, PopulationSnapshot};
pub use showcase::ShowcaseResident;

use self::feed::Feed;
use self::generate::Builder;
use self::model::Services;
pub(crate) use self::population::Population;
use crate::{DEFAULT_REFERENCE_DATE, DemoSettings};

/// The register as it is now: the population after the published events.
#[derive(Debug, Clone)]
pub(crate) struct Register {
    pub pop: Population,
    pub events: Vec<PopulationEvent>,
    feed: Feed,
}

impl PartialEq for Register {
    fn eq(&self, other: &Self) -> bool {
        self.pop == other.pop
            && self.feed == other.feed
            && self.events.len() == other.events.len()
            && self.events.iter().zip(&other.events).all(|(a, b)| {
                a.sequence == b.sequence
                    && a.kind == b.kind
                    && a.occurred == b.occurred
                    && a.person == b.person
            })
    }
}

/// A synthetic municipality (3203 Asker), the same for the same seed, size and reference date
/// on every machine.
///
/// [`DemoMunicipality::people`] is the population as generated. The register can move on
/// ([`DemoMunicipality::advance`]); the lookups ([`DemoMunicipality::person`],
/// [`DemoMunicipality::snapshot`]) and the simulated systems see its current state.
pub struct DemoMunicipality {
    seed: u64,
    reference_date: Date,
    kommune: Kommunenummer,
    generated: Vec<PersonRecord>,
    showcase: Vec<ShowcaseResident>,
    pub(crate) services: Services,
    register: RwLock<Register>,
}

impl std::fmt::Debug for DemoMunicipality {
    /// A summary; the people are too many to print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoMunicipality")
            .field("kommune", &self.kommune)
            .field("seed", &self.seed)
            .field("reference_date", &self.reference_date)
            .field("generated", &self.generated.len())
            .field("sequence", &self.sequence())
            .finish_non_exhaustive()
    }
}

impl PartialEq for DemoMunicipality {
    fn eq(&self, other: &Self) -> bool {
        self.seed == other.seed
            && self.reference_date == other.reference_date
            && self.generated == other.generated
            && self.showcase == other.showcase
            && self.services == other.services
            && *self.register() == *other.register()
    }
}

impl DemoMunicipality {
    /// Generates about `size` residents (at least `size`, and at least the showcase families)
    /// as of [`DEFAULT_REFERENCE_DATE`].
    pub fn generate(seed: u64, size: usize) -> Self {
        Self::generate_on(seed, size, DEFAULT_REFERENCE_DATE)
    }

    /// Generates the municipality as it is on `reference_date` (ages, places, invoice
    /// statuses and recent events are relative to it).
    pub fn generate_on(seed: u64, size: usize, reference_date: Date) -> Self {
        let kommune = Kommunenummer::parse(crate::KOMMUNENUMMER)
            .expect("the demo kommunenummer is in the 2024 list");
        let mut builder = Builder::new(seed, reference_date, kommune);
        let showcase = showcase::add(&mut builder);
        builder.fill(size);
        let services = services::generate(&mut builder);
        let pop = builder.pop;
        let events = feed::history(&pop, reference_date);
        Self {
            seed,
            reference_date,
            kommune,
            generated: pop.people.clone(),
            showcase,
            services,
            register: RwLock::new(Register {
                pop,
                events,
                feed: Feed::new(seed, reference_date),
            }),
        }
    }

    /// Generates the municipality the settings describe.
    pub fn from_settings(settings: &DemoSettings) -> Self {
        let on = settings.reference_date.unwrap_or(DEFAULT_REFERENCE_DATE);
        Self::generate_on(settings.seed, settings.size, on)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The "today" the population was generated for.
    pub fn reference_date(&self) -> Date {
        self.reference_date
    }

    /// 3203 (Asker).
    pub fn kommunenummer(&self) -> Kommunenummer {
        self.kommune
    }

    /// The population as generated (before any [`DemoMunicipality::advance`]); a resident's
    /// index here is their index everywhere (statistics, record ids).
    pub fn people(&self) -> &[PersonRecord] {
        &self.generated
    }

    /// The eight showcase residents, the first eight of [`DemoMunicipality::people`].
    pub fn showcase(&self) -> &[ShowcaseResident] {
        &self.showcase
    }

    /// The resident's index, also for people added by the change feed.
    pub fn index_of(&self, pid: &Pid) -> Option<usize> {
        self.register().pop.by_pid.get(pid).copied()
    }

    /// The resident's current register entry.
    pub fn person(&self, pid: &Pid) -> Option<PersonRecord> {
        let register = self.register();
        let index = register.pop.by_pid.get(pid)?;
        register.pop.people.get(*index).cloned()
    }

    /// The current register entry of the resident with this index.
    pub fn person_at(&self, index: usize) -> Option<PersonRecord> {
        self.register().pop.people.get(index).cloned()
    }

    /// The others living in the resident's household now.
    pub fn household_members(&self, pid: &Pid) -> Vec<PersonRecord> {
        let register = self.register();
        let pop = &register.pop;
        let Some(&index) = pop.by_pid.get(pid) else {
            return Vec::new();
        };
        pop.meta[index].household.map_or_else(Vec::new, |h| {
            pop.households[h]
                .members
                .iter()
                .filter(|&&m| m != index)
                .map(|&m| pop.people[m].clone())
                .collect()
        })
    }

    /// Everyone living in the municipality now (alive, registered at an address in Asker),
    /// with the sequence number of the last event included.
    pub fn snapshot(&self) -> PopulationSnapshot {
        let register = self.register();
        let pop = &register.pop;
        PopulationSnapshot {
            people: (0..pop.people.len())
                .filter(|&i| pop.is_resident(i))
                .map(|i| pop.people[i].clone())
                .collect(),
            sequence: register.events.len() as u64,
        }
    }

    /// Events with a sequence number above `after`, oldest first, at most `limit`.
    pub fn changes(&self, after: u64, limit: u32) -> Vec<PopulationEvent> {
        let register = self.register();
        let start = usize::try_from(after).unwrap_or(usize::MAX);
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        register
            .events
            .iter()
            .skip(start)
            .take(limit)
            .cloned()
            .collect()
    }

    /// The sequence number of the last published event.
    pub fn sequence(&self) -> u64 {
        self.register().events.len() as u64
    }

    /// Lets the register move on by `n_events` events; returns the new last sequence number.
    pub fn advance(&self, n_events: usize) -> u64 {
        let mut guard = self
            .register
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let register = &mut *guard;
        register
            .feed
            .advance(&mut register.pop, &mut register.events, n_events);
        register.events.len() as u64
    }

    pub(crate) fn register(&self) -> RwLockReadGuard<'_, Register> {
        self.register.read().unwrap_or_else(PoisonError::into_inner)
    }
}
