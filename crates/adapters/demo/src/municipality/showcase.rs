//! The showcase residents: eight fixed people (the same names, birth dates and identity numbers
//! as the development identity provider offers) with families and situations chosen so that
//! every part of MinSide has something to show. They are the first eight people of every
//! generated municipality, whatever the seed; their relatives follow them.

use jiff::civil::{Date, date};
use minside_adapter::Pid;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::generate::Builder;
use super::model::{
    BuildingCase, KindergartenPlace, PlaceStatus, PropertyKind, Services, SfoKind, SfoPlace,
};
use super::services::Behaviour;
use crate::data::names::{Origin, Sex};
use crate::data::places::area_index;

/// A named demo resident to log in as.
#[derive(Debug, Clone, PartialEq)]
pub struct ShowcaseResident {
    /// Index in [`crate::DemoMunicipality::people`].
    pub index: usize,
    pub pid: Pid,
    pub name: &'static str,
    /// What there is to see when logged in as this person.
    pub summary: &'static str,
}

/// One of the eight: given name, family name, full name, birth date, sex, summary.
type Named = (
    &'static str,
    &'static str,
    &'static str,
    (i16, i8, i8),
    Sex,
    &'static str,
);

/// The eight, in the development identity provider's order.
const EIGHT: [Named; 8] = [
    (
        "Kari",
        "Nordmann",
        "Kari Nordmann",
        (1984, 3, 14),
        Sex::Female,
        "Mother of three in Vollen: a baby under 1 (no kindergarten application yet), \
         Nora (4) in kindergarten, Jakob (8) in 3rd grade with SFO; co-owns the house",
    ),
    (
        "Ola",
        "Nordmann",
        "Ola Nordmann",
        (1982, 11, 2),
        Sex::Male,
        "Kari's partner: the same children and house; the invoices go to Kari",
    ),
    (
        "Ingrid",
        "Bakke",
        "Ingrid Bakke",
        (1957, 6, 30),
        Sex::Female,
        "Lives alone in Holmsbu; owns her house, has a building case (tilbygg, granted, \
         no ferdigattest yet), an unpaid building fee and an overdue municipal fees invoice",
    ),
    (
        "Mohammed",
        "Ali",
        "Mohammed Ali",
        (1990, 1, 21),
        Sex::Male,
        "Rents a flat in Billingstad; joint parental responsibility for Layla (5), \
         who lives with her mother Aisha",
    ),
    (
        "Sofie",
        "Haugen",
        "Sofie Haugen",
        (2009, 9, 5),
        Sex::Female,
        "Teenager (17) living with her parents and brother (8th grade) in Hvalstad",
    ),
    (
        "Per",
        "Olsen",
        "Per Olsen",
        (1959, 12, 24),
        Sex::Male,
        "Turns 67 on 24 December 2026; owns a house in Heggedal with Randi, a finished \
         building case (garasje, ferdigattest), all invoices paid",
    ),
    (
        "Aisha",
        "Rahman",
        "Aisha Rahman",
        (1995, 7, 17),
        Sex::Female,
        "Single parent who moved to Asker sentrum in September 2026; Layla (5) in \
         kindergarten, shared responsibility with Mohammed Ali; pays the kindergarten",
    ),
    (
        "Lars",
        "Johansen",
        "Lars Johansen",
        (1948, 2, 29),
        Sex::Male,
        "Born on 29 February, 78, lives alone in a flat he owns in Slemmestad; \
         one overdue and one reminded (purret) municipal fees invoice",
    ),
];

/// Index of each showcase person and relative, in the order they are added.
const KARI: usize = 0;
const OLA: usize = 1;
const INGRID: usize = 2;
const MOHAMMED: usize = 3;
const SOFIE: usize = 4;
const PER: usize = 5;
const AISHA: usize = 6;
const LARS: usize = 7;
const JAKOB: usize = 8;
const NORA: usize = 9;
const EMMA: usize = 10;
const LAYLA: usize = 15;
/// All showcase people and relatives; the change feed leaves them alone.
pub(crate) const PROTECTED: usize = 16;

fn d((y, m, day): (i16, i8, i8)) -> Date {
    date(y, m, day)
}

/// Adds the showcase households; returns the eight named residents.
pub(crate) fn add(b: &mut Builder) -> Vec<ShowcaseResident> {
    // The showcase households get the same addresses and map points whatever the seed.
    let seeded = std::mem::replace(&mut b.rng, ChaCha8Rng::seed_from_u64(3203));
    let home = |b: &mut Builder, area: &str, street: &str, moved: (i16, i8, i8), kind| {
        b.household(area_index(area), Some(street), d(moved), kind)
    };
    let nordmann = home(
        b,
        "Vollen",
        "Blakstadveien 14",
        (2019, 6, 15),
        Some(PropertyKind::Detached),
    );
    let bakke = home(
        b,
        "Holmsbu",
        "Holmsbuveien 21",
        (1989, 5, 2),
        Some(PropertyKind::Detached),
    );
    let ali = home(b, "Billingstad", "Billingstadsletta 9", (2024, 2, 1), None);
    let haugen = home(
        b,
        "Hvalstad",
        "Hvalstadåsen 8",
        (2012, 8, 1),
        Some(PropertyKind::Detached),
    );
    let olsen = home(
        b,
        "Heggedal",
        "Gamle Heggedalsvei 31",
        (1994, 4, 15),
        Some(PropertyKind::Detached),
    );
    let rahman = home(b, "Asker sentrum", "Trudvangveien 12", (2026, 9, 1), None);
    let johansen = home(
        b,
        "Slemmestad",
        "Bryggeveien 4",
        (2015, 10, 1),
        Some(PropertyKind::Flat),
    );

    let households = [
        nordmann, nordmann, bakke, ali, haugen, olsen, rahman, johansen,
    ];
    let mut named = Vec::with_capacity(EIGHT.len());
    for (&(given, family, name, birth, sex, summary), &h) in EIGHT.iter().zip(&households) {
        let origin = if family == "Ali" || family == "Rahman" {
            Origin::Pakistani
        } else {
            Origin::Norwegian
        };
        if let Some(index) = b.person(h, given, family, sex, origin, d(birth), &[], &[]) {
            let pid = b.pop.people[index].pid.clone();
            named.push(ShowcaseResident {
                index,
                pid,
                name,
                summary,
            });
        }
    }

    let no = Origin::Norwegian;
    let nordmanns = [KARI, OLA];
    for (given, sex, birth) in [
        ("Jakob", Sex::Male, (2018, 5, 20)),
        ("Nora", Sex::Female, (2022, 2, 11)),
        ("Emma", Sex::Female, (2026, 4, 10)),
    ] {
        b.person(
            nordmann,
            given,
            "Nordmann",
            sex,
            no,
            d(birth),
            &nordmanns,
            &nordmanns,
        );
    }
    let hilde = b.person(
        haugen,
        "Hilde",
        "Haugen",
        Sex::Female,
        no,
        d((1976, 4, 22)),
        &[],
        &[],
    );
    let tor = b.person(
        haugen,
        "Tor",
        "Haugen",
        Sex::Male,
        no,
        d((1974, 8, 9)),
        &[],
        &[],
    );
    let haugens: Vec<usize> = hilde.into_iter().chain(tor).collect();
    b.person(
        haugen,
        "Even",
        "Haugen",
        Sex::Male,
        no,
        d((2013, 2, 17)),
        &haugens,
        &haugens,
    );
    let randi = b.person(
        olsen,
        "Randi",
        "Olsen",
        Sex::Female,
        no,
        d((1961, 3, 8)),
        &[],
        &[],
    );
    let layla_parents = [AISHA, MOHAMMED];
    b.person(
        rahman,
        "Layla",
        "Ali",
        Sex::Female,
        Origin::Pakistani,
        d((2021, 10, 3)),
        &layla_parents,
        &layla_parents,
    );
    // Sofie was added before her parents existed.
    let guardians = haugens
        .iter()
        .map(|&g| b.pop.people[g].pid.clone())
        .collect();
    b.pop.people[SOFIE].guardians = guardians;
    b.pop.meta[SOFIE].parents = haugens.clone();

    b.own(nordmann, &nordmanns);
    b.own(bakke, &[INGRID]);
    b.own(haugen, &haugens);
    b.own(olsen, &[PER]);
    b.own(olsen, &randi.into_iter().collect::<Vec<_>>());
    b.own(johansen, &[LARS]);
    b.rng = seeded;
    named
}

/// Whether the resident is one of the showcase people or their relatives.
pub(crate) fn is_showcase(index: usize) -> bool {
    index < PROTECTED
}

/// Fixed payment behaviour of showcase payers.
pub(crate) fn behaviour(index: usize) -> Option<Behaviour> {
    match index {
        INGRID => Some(Behaviour::Late),
        LARS => Some(Behaviour::Forgetful),
        i if is_showcase(i) => Some(Behaviour::Good),
        _ => None,
    }
}

/// Replaces random places and building cases of showcase people with the fixed ones.
pub(crate) fn adjust(s: &mut Services) {
    let place = |kindergarten, department, start| KindergartenPlace {
        kindergarten,
        department,
        start,
        hours_per_week: 41,
        status: PlaceStatus::Active,
    };
    if s.residents.len() < PROTECTED {
        return;
    }
    s.residents[NORA].kindergarten =
        Some(place("Blakstad barnehage", "Maurtua", date(2023, 8, 15)));
    s.residents[LAYLA].kindergarten =
        Some(place("Trudvang barnehage", "Ekornet", date(2026, 9, 1)));
    s.residents[EMMA].kindergarten = None;
    s.residents[EMMA].application = None;
    if let Some(school) = s.residents[JAKOB].school.as_ref().map(|p| p.school) {
        s.residents[JAKOB].sfo = Some(SfoPlace {
            school,
            kind: SfoKind::Full,
            start: date(2024, 8, 15),
        });
    }
    let cases = [
        (
            INGRID,
            "2026/04117",
            "Tilbygg",
            (2026, 8, 17),
            Some((2026, 9, 2)),
            Some((2026, 10, 14)),
            None,
        ),
        (
            PER,
            "2025/02231",
            "Garasje",
            (2025, 3, 3),
            Some((2025, 3, 20)),
            Some((2025, 4, 28)),
            Some((2025, 10, 9)),
        ),
    ];
    for (owner, saksnummer, measure, received, complete, decision, certificate) in cases {
        if let Some(&p) = s.residents[owner].properties.first() {
            s.properties[p].cases = vec![BuildingCase {
                saksnummer: saksnummer.to_owned(),
                measure,
                received: d(received),
                complete: complete.map(d),
                decision: decision.map(|x| (d(x), true)),
                completion_certificate: certificate.map(d),
            }];
        }
    }
}
