//! Register-type sources: the full population of a municipality and a change feed with a
//! sequence number (the Folkeregisteret "hendelsesliste" model).

use async_trait::async_trait;
use minside_core::{Date, Kommunenummer, Pid};

use crate::AdapterError;

/// A postal address with an optional map point (WGS84 longitude, latitude).
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub kommunenummer: Kommunenummer,
    pub point: Option<(f64, f64)>,
}

/// A person as the population register knows them.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRecord {
    pub pid: Pid,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Date,
    pub address: Option<Address>,
    /// Who has parental responsibility (foreldreansvar) for this person, if a minor.
    pub guardians: Vec<Pid>,
    pub dead: bool,
    /// When the person moved to the current address, if known.
    pub moved_in: Option<Date>,
}

/// The whole population of a municipality at one point of the change feed.
#[derive(Debug, Clone)]
pub struct PopulationSnapshot {
    pub people: Vec<PersonRecord>,
    /// Changes after this sequence number are not in the snapshot.
    pub sequence: u64,
}

/// What happened to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopulationEventKind {
    MovedIn,
    MovedOut,
    AddressChanged,
    Birth,
    Death,
    ParentalResponsibilityChanged,
    NameChanged,
}

/// One entry of the change feed, with the person's state after it.
#[derive(Debug, Clone)]
pub struct PopulationEvent {
    pub sequence: u64,
    pub kind: PopulationEventKind,
    pub occurred: Date,
    pub person: PersonRecord,
}

/// Full load and change feed of a register.
#[async_trait]
pub trait PopulationSource: Send + Sync {
    async fn snapshot(&self, tenant: &Kommunenummer) -> Result<PopulationSnapshot, AdapterError>;

    /// Events with a sequence number above `after`, oldest first, at most `limit`.
    async fn changes(
        &self,
        tenant: &Kommunenummer,
        after: u64,
        limit: u32,
    ) -> Result<Vec<PopulationEvent>, AdapterError>;
}
