//! Generation state and the building blocks of the population (households, homes, people),
//! drawn from one seeded ChaCha8 stream so that a seed gives the same
//! municipality on every machine. Only integer draws decide facts (no floating-point rounding
//! can differ between platforms); floats are used only for map points.

use std::collections::HashMap;

use jiff::Span;
use jiff::civil::Date;
use minside_adapter::Kommunenummer;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::model::{Property, PropertyKind};
use super::population::{NewPerson, Population};
use crate::data::names::{Origin, Sex};
use crate::data::places::AREAS;
use crate::dates::add_days;

/// Generation state: the random stream, the population so far and the owned homes.
pub(crate) struct Builder {
    pub rng: ChaCha8Rng,
    pub today: Date,
    pub pop: Population,
    pub properties: Vec<Property>,
    /// Last bruksnummer handed out per gårdsnummer.
    bnr: HashMap<u16, u16>,
}

/// A draw from `0..weights.len()` proportional to the weights.
pub(crate) fn weighted<R: Rng + ?Sized>(rng: &mut R, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (i, &w) in weights.iter().enumerate() {
        if roll < w {
            return i;
        }
        roll -= w;
    }
    0
}

impl Builder {
    pub(crate) fn new(seed: u64, today: Date, kommune: Kommunenummer) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            today,
            pop: Population::new(kommune),
            properties: Vec::new(),
            bnr: HashMap::new(),
        }
    }

    /// `percent` per cent of the time.
    pub(crate) fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    /// A birth date of someone who is `age` years old today.
    pub(crate) fn birth_for_age(&mut self, age: u32) -> Date {
        let latest = self.today.saturating_sub(Span::new().years(i64::from(age)));
        add_days(latest, -self.rng.random_range(0..365_i64))
    }

    /// A household in `area`, owning its home (a property of `owned` kind) or renting.
    pub(crate) fn household(
        &mut self,
        area: usize,
        street: Option<&str>,
        moved_in: Date,
        owned: Option<PropertyKind>,
    ) -> usize {
        let h = self
            .pop
            .new_household(&mut self.rng, area, street, moved_in);
        if let Some(kind) = owned {
            let place = &AREAS[area % AREAS.len()];
            let gnr = place.gnr_base + self.rng.random_range(0..10_u16);
            let step = self.rng.random_range(1..=3_u16);
            let bnr = self.bnr.entry(gnr).or_insert(0);
            *bnr += step;
            let snr = (kind == PropertyKind::Flat).then(|| self.rng.random_range(1..=40_u16));
            let address = &self.pop.households[h].address;
            self.properties.push(Property {
                gnr,
                bnr: *bnr,
                snr,
                address: address.street.clone(),
                postcode: address.postcode.clone(),
                city: address.city.clone(),
                kind,
                owners: Vec::new(),
                tax_base: 0,
                annual_tax: 0,
                annual_fees: 0,
                cases: Vec::new(),
            });
            self.pop.households[h].property = Some(self.properties.len() - 1);
        }
        h
    }

    /// Registers the household's adults as owners of its home, if it owns one.
    pub(crate) fn own(&mut self, household: usize, owners: &[usize]) {
        if let Some(p) = self.pop.households[household].property {
            self.properties[p].owners.extend_from_slice(owners);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn person(
        &mut self,
        household: usize,
        given: &str,
        family: &str,
        sex: Sex,
        origin: Origin,
        birth: Date,
        parents: &[usize],
        guardians: &[usize],
    ) -> Option<usize> {
        self.pop.add(NewPerson {
            household,
            given_name: given.to_owned(),
            family_name: family.to_owned(),
            sex,
            origin,
            birth,
            parents: parents.to_vec(),
            guardians: guardians.to_vec(),
        })
    }
}
