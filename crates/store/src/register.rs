//! The resident register mirror: what the population register says about each resident of a
//! tenant (birth date, address, status, guardianships), kept current from a register source by
//! a full load and then its change feed, with the feed's read pointer stored beside the data.
//!
//! The mirror extends the `residents` table (columns `given_name`, `birth_date`, `street`,
//! `postcode`, `city`, `lon`, `lat`, `moved_in`, `status`, `status_changed_at`) and keeps the
//! feed's events in `register_events` so the notice engine can follow them with its own pointer.

use async_trait::async_trait;
use jiff::Timestamp;
use jiff::civil::Date;
use minside_core::{Kommunenummer, Pid};
use serde::{Deserialize, Serialize};

use crate::{ResidentId, Result};

/// Whether a resident still lives in the municipality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidentStatus {
    Active,
    MovedOut,
    Dead,
}

impl ResidentStatus {
    /// The stored form: `active`, `moved_out`, `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::MovedOut => "moved_out",
            Self::Dead => "dead",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "active" => Ok(Self::Active),
            "moved_out" => Ok(Self::MovedOut),
            "dead" => Ok(Self::Dead),
            _ => Err(crate::StoreError::Invalid("unknown resident status".into())),
        }
    }
}

/// A home address as the register has it; `point` is WGS84 (longitude, latitude).
#[derive(Clone, Debug, PartialEq)]
pub struct RegisterAddress {
    pub street: String,
    pub postcode: String,
    pub city: String,
    pub point: Option<(f64, f64)>,
}

/// One person as the register source delivers them (input to the mirror).
#[derive(Clone, Debug, PartialEq)]
pub struct RegisterPerson {
    pub pid: Pid,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Date,
    /// `None` when the person has no address in this municipality (moved out).
    pub address: Option<RegisterAddress>,
    pub moved_in: Option<Date>,
    pub status: ResidentStatus,
    /// Who has parental responsibility; persons not (yet) in the mirror are ignored.
    pub guardians: Vec<Pid>,
}

/// What happened, as the register's change feed says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegisterEventKind {
    MovedIn,
    MovedOut,
    AddressChanged,
    Birth,
    Death,
    ParentalResponsibilityChanged,
    NameChanged,
}

impl RegisterEventKind {
    pub const ALL: [Self; 7] = [
        Self::MovedIn,
        Self::MovedOut,
        Self::AddressChanged,
        Self::Birth,
        Self::Death,
        Self::ParentalResponsibilityChanged,
        Self::NameChanged,
    ];

    /// The stored form, e.g. `moved_in`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MovedIn => "moved_in",
            Self::MovedOut => "moved_out",
            Self::AddressChanged => "address_changed",
            Self::Birth => "birth",
            Self::Death => "death",
            Self::ParentalResponsibilityChanged => "parental_responsibility_changed",
            Self::NameChanged => "name_changed",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| crate::StoreError::Invalid("unknown register event kind".into()))
    }
}

/// One change-feed entry to apply: the person's state after the event.
#[derive(Clone, Debug, PartialEq)]
pub struct RegisterChange {
    /// The source's sequence number (strictly increasing).
    pub sequence: u64,
    pub kind: RegisterEventKind,
    pub occurred: Date,
    pub person: RegisterPerson,
}

/// A stored feed event, as the notice engine reads it. `id` is the mirror's own increasing
/// number (not the source's sequence), the engine's read pointer.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRegisterEvent {
    pub id: i64,
    pub kommunenummer: Kommunenummer,
    pub kind: RegisterEventKind,
    pub occurred: Date,
    pub resident_id: ResidentId,
    pub recorded_at: Timestamp,
}

/// A child of a resident, as the notice engine sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChildFacts {
    pub id: ResidentId,
    pub given_name: String,
    pub birth_date: Date,
}

/// What the mirror knows about a resident: the input of audience rules and placeholders.
#[derive(Clone, Debug, PartialEq)]
pub struct ResidentFacts {
    pub id: ResidentId,
    pub kommunenummer: Kommunenummer,
    pub given_name: String,
    /// Full name.
    pub name: String,
    /// `None` for residents created by a login before the register knew them.
    pub birth_date: Option<Date>,
    pub address: Option<RegisterAddress>,
    pub moved_in: Option<Date>,
    pub status: ResidentStatus,
    /// Children the resident has parental responsibility for, oldest first.
    pub children: Vec<ChildFacts>,
}

/// Counts from applying a snapshot.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegisterLoadStats {
    pub upserted: u64,
    /// Active residents of the tenant not in the snapshot, now `moved_out`.
    pub moved_out: u64,
}

/// The register mirror.
#[async_trait]
pub trait RegisterStore {
    /// The source's sequence number the mirror of `k` has applied up to; `None` before the first
    /// full load.
    async fn register_pointer(&self, k: &Kommunenummer, source: &str) -> Result<Option<u64>>;

    /// Applies a full load in one transaction (all or nothing): upserts every person (name,
    /// birth date, address, status, moved_in), replaces guardianships of every person in the
    /// snapshot, marks active residents of `k` missing from it as `moved_out`, and sets the
    /// pointer to `sequence`. Records no events (a full load is not news).
    async fn apply_register_snapshot(
        &self,
        k: &Kommunenummer,
        source: &str,
        people: &[RegisterPerson],
        sequence: u64,
        now: Timestamp,
    ) -> Result<RegisterLoadStats>;

    /// Applies feed events in order in one transaction together with the new pointer (the last
    /// event's sequence): upserts each person's state, replaces their guardianships, and appends
    /// a [`StoredRegisterEvent`] for each. Events at or below the stored pointer are skipped, so
    /// applying a page twice changes nothing.
    async fn apply_register_changes(
        &self,
        k: &Kommunenummer,
        source: &str,
        changes: &[RegisterChange],
        now: Timestamp,
    ) -> Result<()>;

    /// Stored events of `k` with `id > after`, oldest first, at most `limit`.
    async fn register_events_after(
        &self,
        k: &Kommunenummer,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredRegisterEvent>>;

    /// Active residents of `k` with `id > after` in id order, at most `limit` (keyset paging over
    /// the whole population).
    async fn resident_facts_page(
        &self,
        k: &Kommunenummer,
        after: Option<ResidentId>,
        limit: u32,
    ) -> Result<Vec<ResidentFacts>>;

    /// Active residents of `k` born on a day in `from..=to`, in id order.
    async fn residents_born_between(
        &self,
        k: &Kommunenummer,
        from: Date,
        to: Date,
    ) -> Result<Vec<ResidentFacts>>;

    /// The facts of these residents (any status), in id order; unknown ids are left out.
    async fn resident_facts(&self, ids: &[ResidentId]) -> Result<Vec<ResidentFacts>>;
}
