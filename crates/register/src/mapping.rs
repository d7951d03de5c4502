//! From the register's person records and feed events to the mirror's models.

use minside_adapter::{PersonRecord, PopulationEvent, PopulationEventKind};
use minside_core::Kommunenummer;
use minside_store::{
    RegisterAddress, RegisterChange, RegisterEventKind, RegisterPerson, ResidentStatus,
};

/// The mirror's view of a person for tenant `k`: dead, moved out (no address, or one in another
/// municipality) or active at their address. The address and moving-in date are kept only for
/// an address in `k`.
pub fn register_person(k: &Kommunenummer, record: &PersonRecord) -> RegisterPerson {
    let address = record
        .address
        .as_ref()
        .filter(|a| a.kommunenummer == *k)
        .map(|a| RegisterAddress {
            street: a.street.clone(),
            postcode: a.postcode.clone(),
            city: a.city.clone(),
            point: a.point,
        });
    let status = if record.dead {
        ResidentStatus::Dead
    } else if address.is_none() {
        ResidentStatus::MovedOut
    } else {
        ResidentStatus::Active
    };
    RegisterPerson {
        pid: record.pid.clone(),
        given_name: record.given_name.clone(),
        family_name: record.family_name.clone(),
        birth_date: record.birth_date,
        moved_in: address.as_ref().and(record.moved_in),
        address,
        status,
        guardians: record.guardians.clone(),
    }
}

/// A feed event as the mirror applies it.
pub fn register_change(k: &Kommunenummer, event: &PopulationEvent) -> RegisterChange {
    RegisterChange {
        sequence: event.sequence,
        kind: event_kind(event.kind),
        occurred: event.occurred,
        person: register_person(k, &event.person),
    }
}

fn event_kind(kind: PopulationEventKind) -> RegisterEventKind {
    match kind {
        PopulationEventKind::MovedIn => RegisterEventKind::MovedIn,
        PopulationEventKind::MovedOut => RegisterEventKind::MovedOut,
        PopulationEventKind::AddressChanged => RegisterEventKind::AddressChanged,
        PopulationEventKind::Birth => RegisterEventKind::Birth,
        PopulationEventKind::Death => RegisterEventKind::Death,
        PopulationEventKind::ParentalResponsibilityChanged => {
            RegisterEventKind::ParentalResponsibilityChanged
        }
        PopulationEventKind::NameChanged => RegisterEventKind::NameChanged,
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use minside_adapter::Address;
    use minside_core::Pid;

    use super::*;

    fn kommune(s: &str) -> Kommunenummer {
        Kommunenummer::parse(s).expect("in the 2024 list")
    }

    fn record(address_in: Option<&str>, dead: bool) -> PersonRecord {
        PersonRecord {
            pid: Pid::synthetic(date(1980, 1, 1), 100).expect("a synthetic number"),
            given_name: "Kari".into(),
            family_name: "Nordmann".into(),
            birth_date: date(1980, 1, 1),
            address: address_in.map(|k| Address {
                street: "Askerveien 1".into(),
                postcode: "1384".into(),
                city: "Asker".into(),
                kommunenummer: kommune(k),
                point: Some((10.43, 59.83)),
            }),
            guardians: Vec::new(),
            dead,
            moved_in: Some(date(2020, 5, 1)),
        }
    }

    #[test]
    fn an_address_in_the_municipality_is_active() {
        let p = register_person(&kommune("3203"), &record(Some("3203"), false));
        assert_eq!(p.status, ResidentStatus::Active);
        assert_eq!(
            p.address.as_ref().map(|a| a.postcode.as_str()),
            Some("1384")
        );
        assert_eq!(p.moved_in, Some(date(2020, 5, 1)));
        assert_eq!(p.given_name, "Kari");
    }

    #[test]
    fn no_address_or_one_elsewhere_is_moved_out() {
        for address in [None, Some("0301")] {
            let p = register_person(&kommune("3203"), &record(address, false));
            assert_eq!(p.status, ResidentStatus::MovedOut, "{address:?}");
            assert_eq!((p.address, p.moved_in), (None, None));
        }
    }

    #[test]
    fn the_dead_are_dead_wherever_they_lived() {
        for address in [None, Some("3203"), Some("0301")] {
            let p = register_person(&kommune("3203"), &record(address, true));
            assert_eq!(p.status, ResidentStatus::Dead, "{address:?}");
        }
    }

    #[test]
    fn every_event_kind_maps_to_its_namesake() {
        let kinds = [
            PopulationEventKind::MovedIn,
            PopulationEventKind::MovedOut,
            PopulationEventKind::AddressChanged,
            PopulationEventKind::Birth,
            PopulationEventKind::Death,
            PopulationEventKind::ParentalResponsibilityChanged,
            PopulationEventKind::NameChanged,
        ];
        let mapped: Vec<_> = kinds.into_iter().map(event_kind).collect();
        assert_eq!(mapped, RegisterEventKind::ALL);
    }
}
