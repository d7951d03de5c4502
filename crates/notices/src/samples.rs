//! Synthetic sample residents an audience is tried on when it is saved (see
//! [`Audience::compile`](crate::Audience::compile)). Nobody real: fixed made-up facts.

use jiff::civil::{Date, date};
use minside_core::Kommunenummer;
use minside_store::{ChildFacts, RegisterAddress, ResidentFacts, ResidentId, ResidentStatus};
use uuid::Uuid;

/// The day the samples are evaluated on.
pub(crate) const DAY: Date = date(2027, 3, 1);

fn id(n: u128) -> ResidentId {
    ResidentId(Uuid::from_u128(n))
}

fn asker() -> Kommunenummer {
    Kommunenummer::parse("3203").expect("3203 (Asker) is a valid kommunenummer")
}

/// A parent of two (5 and 12 years old on 2027-03-01), 36 years old, with an address.
pub(crate) fn parent() -> ResidentFacts {
    ResidentFacts {
        id: id(1),
        kommunenummer: asker(),
        given_name: "Sample".into(),
        name: "Sample Parent".into(),
        birth_date: Some(date(1990, 5, 17)),
        address: Some(RegisterAddress {
            street: "Eksempelveien 1".into(),
            postcode: "1384".into(),
            city: "Asker".into(),
            point: None,
        }),
        moved_in: Some(date(2020, 1, 1)),
        status: ResidentStatus::Active,
        children: vec![
            ChildFacts {
                id: id(2),
                given_name: "Sample".into(),
                birth_date: date(2014, 9, 10),
            },
            ChildFacts {
                id: id(3),
                given_name: "Sample".into(),
                birth_date: date(2021, 6, 1),
            },
        ],
    }
}

/// A resident without children, address or known moving-in date, 70 years old.
fn single() -> ResidentFacts {
    ResidentFacts {
        id: id(4),
        birth_date: Some(date(1956, 11, 2)),
        address: None,
        moved_in: None,
        children: Vec::new(),
        ..parent()
    }
}

/// A resident the register does not know the birth date of.
fn unknown_birth() -> ResidentFacts {
    ResidentFacts {
        id: id(5),
        birth_date: None,
        ..single()
    }
}

/// The residents (and the child's birth date, for rules about a child) to try an audience on,
/// on [`DAY`].
pub(crate) fn views(about_child: bool) -> Vec<(ResidentFacts, Option<Date>)> {
    let child = about_child.then_some(date(2021, 6, 1));
    vec![
        (parent(), child),
        (single(), child),
        (unknown_birth(), child),
    ]
}
