//! The hendelsesliste: what each hendelsestype means for a municipality's population, and the
//! read pointer that remembers how far the feed has been read.
//!
//! ## From hendelsestype to [`PopulationEventKind`]
//! Folkeregisteret names its events in camelCase (Skatteetaten's documentation and the Tenor
//! test data). The feed is national, so whether an event concerns a municipality is decided from
//! the person's document (looked up with `historikk`, to see the address before a move):
//!
//! | hendelsestype | kind, for municipality K |
//! |---|---|
//! | `endringIBostedsadresse` | now in K, before elsewhere or nowhere: `MovedIn`; now and before in K: `AddressChanged`; before in K, now elsewhere: `MovedOut` |
//! | `endringIBostedsadresseUtenFlytting` | now in K: `AddressChanged` (renamed or renumbered address) |
//! | `endringIInnflytting`, `personErBosatt` | now in K: `MovedIn` (from abroad, or newly resident) |
//! | `endringIUtflytting`, `personErUtflyttet` | now or before in K: `MovedOut` (to abroad) |
//! | `endringIFoedsel`, `endringIFoedselINorge` | now in K: `Birth` |
//! | `endringIDoedsfall`, `personErDoed` | now or last in K: `Death` |
//! | `endringIForeldreansvar` | now in K: `ParentalResponsibilityChanged` |
//! | `endringINavn` | now in K: `NameChanged` |
//!
//! Every other hendelsestype (identity documents, sivilstand, statsborgerskap, ...) is read past.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use minside_adapter::{AdapterError, Kommunenummer, PopulationEventKind};

use crate::model::Folkeregisterperson;

/// The meaning of a hendelsestype before the person's municipality is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedEventClass {
    /// A new bostedsadresse: a move, within or between municipalities.
    Residence,
    /// The address changed without a move (renamed street, new number).
    AddressWithoutMove,
    /// Moved to Norway, or became resident.
    Immigration,
    /// Moved abroad.
    Emigration,
    Birth,
    Death,
    ParentalResponsibility,
    Name,
}

/// The hendelsestyper the adapter acts on, with their meaning (see the module documentation).
pub const HENDELSESTYPER: &[(&str, FeedEventClass)] = &[
    ("endringIBostedsadresse", FeedEventClass::Residence),
    (
        "endringIBostedsadresseUtenFlytting",
        FeedEventClass::AddressWithoutMove,
    ),
    ("endringIInnflytting", FeedEventClass::Immigration),
    ("personErBosatt", FeedEventClass::Immigration),
    ("endringIUtflytting", FeedEventClass::Emigration),
    ("personErUtflyttet", FeedEventClass::Emigration),
    ("endringIFoedsel", FeedEventClass::Birth),
    ("endringIFoedselINorge", FeedEventClass::Birth),
    ("endringIDoedsfall", FeedEventClass::Death),
    ("personErDoed", FeedEventClass::Death),
    (
        "endringIForeldreansvar",
        FeedEventClass::ParentalResponsibility,
    ),
    ("endringINavn", FeedEventClass::Name),
];

/// The class of a hendelsestype, or `None` for the ones the adapter reads past.
pub fn classify(hendelsestype: &str) -> Option<FeedEventClass> {
    HENDELSESTYPER
        .iter()
        .find(|(name, _)| *name == hendelsestype)
        .map(|(_, class)| *class)
}

/// What an event of `class` about the person in `doc` means for municipality `tenant`, if
/// anything.
pub(crate) fn kind_for(
    class: FeedEventClass,
    doc: &Folkeregisterperson,
    tenant: &Kommunenummer,
) -> Option<PopulationEventKind> {
    use PopulationEventKind as K;
    let now = doc.current_address().and_then(|a| a.kommunenummer());
    let before = doc.previous_address().and_then(|a| a.kommunenummer());
    let now_here = now.as_ref() == Some(tenant);
    let before_here = before.as_ref() == Some(tenant);
    match class {
        FeedEventClass::Residence => match (now_here, before_here) {
            (true, true) => Some(K::AddressChanged),
            (true, false) => Some(K::MovedIn),
            (false, true) => Some(K::MovedOut),
            (false, false) => None,
        },
        FeedEventClass::AddressWithoutMove => now_here.then_some(K::AddressChanged),
        FeedEventClass::Immigration => now_here.then_some(K::MovedIn),
        FeedEventClass::Emigration => (now_here || before_here).then_some(K::MovedOut),
        FeedEventClass::Death => (now_here || (now.is_none() && before_here)).then_some(K::Death),
        FeedEventClass::Birth => now_here.then_some(K::Birth),
        FeedEventClass::ParentalResponsibility => {
            now_here.then_some(K::ParentalResponsibilityChanged)
        }
        FeedEventClass::Name => now_here.then_some(K::NameChanged),
    }
}

/// Where the adapter keeps, per municipality, how far it has read the feed. Persisting it is
/// the caller's job (e.g. a row in the store); [`InMemoryReadPointer`] keeps it in memory.
///
/// The saved value `p` promises: every event with a sequence number up to `p` that concerns
/// the municipality has been handed out *and* acknowledged (the caller asked for events after
/// it), or there was none. Reading resumes after `max(after, p)`; to re-read the feed from an
/// earlier point, save that point first.
#[async_trait]
pub trait ReadPointer: Send + Sync {
    async fn load(&self, tenant: &Kommunenummer) -> Result<Option<u64>, AdapterError>;
    async fn save(&self, tenant: &Kommunenummer, sequence: u64) -> Result<(), AdapterError>;
}

/// A read pointer in memory (lost on restart; the feed is then re-read from the caller's own
/// `after`, which is safe, only slower).
#[derive(Debug, Default)]
pub struct InMemoryReadPointer(Mutex<HashMap<Kommunenummer, u64>>);

impl InMemoryReadPointer {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl ReadPointer for InMemoryReadPointer {
    async fn load(&self, tenant: &Kommunenummer) -> Result<Option<u64>, AdapterError> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tenant)
            .copied())
    }

    async fn save(&self, tenant: &Kommunenummer, sequence: u64) -> Result<(), AdapterError> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(*tenant, sequence);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Bostedsadresse, Matrikkeladresse, Matrikkelnummer};

    fn at(kommune: &str, current: bool, from: &str) -> Bostedsadresse {
        Bostedsadresse {
            er_gjeldende: Some(current),
            gyldighetstidspunkt: Some(from.into()),
            matrikkeladresse: Some(Matrikkeladresse {
                matrikkelnummer: Some(Matrikkelnummer {
                    kommunenummer: Some(kommune.into()),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn person(addresses: Vec<Bostedsadresse>) -> Folkeregisterperson {
        Folkeregisterperson {
            bostedsadresse: addresses,
            ..Default::default()
        }
    }

    #[test]
    fn moves_are_told_apart_by_the_previous_address() {
        use PopulationEventKind as K;
        let asker = Kommunenummer::parse("3203").expect("kommune");
        let class = FeedEventClass::Residence;
        let into_asker = person(vec![
            at("0301", false, "2020-01-01T00:00:00+01:00"),
            at("3203", true, "2024-05-01T00:00:00+02:00"),
        ]);
        assert_eq!(kind_for(class, &into_asker, &asker), Some(K::MovedIn));
        let within = person(vec![
            at("3203", false, "2010-01-01T00:00:00+01:00"),
            at("0301", false, "2015-01-01T00:00:00+01:00"),
            at("3203", false, "2020-01-01T00:00:00+01:00"),
            at("3203", true, "2024-05-01T00:00:00+02:00"),
        ]);
        assert_eq!(kind_for(class, &within, &asker), Some(K::AddressChanged));
        let out = person(vec![
            at("3203", false, "2020-01-01T00:00:00+01:00"),
            at("0301", true, "2024-05-01T00:00:00+02:00"),
        ]);
        assert_eq!(kind_for(class, &out, &asker), Some(K::MovedOut));
        let elsewhere = person(vec![at("0301", true, "2024-05-01T00:00:00+02:00")]);
        assert_eq!(kind_for(class, &elsewhere, &asker), None);
        assert_eq!(kind_for(FeedEventClass::Name, &out, &asker), None);
    }

    #[test]
    fn unknown_hendelsestyper_are_read_past() {
        assert_eq!(
            classify("endringIBostedsadresse"),
            Some(FeedEventClass::Residence)
        );
        assert_eq!(classify("endringISivilstand"), None);
        assert_eq!(classify("flytting_innenfor_kommune"), None);
    }
}
