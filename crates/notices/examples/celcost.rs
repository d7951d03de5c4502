#![allow(clippy::print_stdout, clippy::unwrap_used)]
use jiff::civil::date;
use minside_core::Kommunenummer;
use minside_notices::{Audience, view::resident_value};
use minside_store::*;
use std::time::Instant;
use uuid::Uuid;
fn main() {
    let facts = ResidentFacts {
        id: ResidentId(Uuid::now_v7()),
        kommunenummer: Kommunenummer::parse("3203").unwrap(),
        given_name: "Kari".into(),
        name: "Kari N".into(),
        birth_date: Some(date(1990, 5, 17)),
        address: Some(RegisterAddress {
            street: "S 1".into(),
            postcode: "1384".into(),
            city: "Asker".into(),
            point: None,
        }),
        moved_in: Some(date(2020, 1, 1)),
        status: ResidentStatus::Active,
        children: vec![
            ChildFacts {
                id: ResidentId(Uuid::now_v7()),
                given_name: "O".into(),
                birth_date: date(2021, 6, 1),
            },
            ChildFacts {
                id: ResidentId(Uuid::now_v7()),
                given_name: "P".into(),
                birth_date: date(2015, 6, 1),
            },
        ],
    };
    let day = date(2027, 3, 1);
    let n = 200_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(resident_value(&facts, day));
    }
    println!("view: {:?}/resident", t.elapsed() / n);
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(minside_notices::context(resident_value(&facts, day), None));
    }
    println!("view+ctx: {:?}/resident", t.elapsed() / n);
    for src in [
        "resident.age >= 67",
        "resident.children.exists(c, c.age < 6)",
        "resident.postcode.startsWith('13') && resident.children_count > 0",
        "resident.children.exists(c, c.age >= 6 && c.age <= 15) && resident.has_address",
    ] {
        let a = Audience::compile(src, false).unwrap();
        let ctx = minside_notices::context(resident_value(&facts, day), None);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(a.matches(&ctx).unwrap());
        }
        println!("{src}: {:?}", t.elapsed() / n);
    }
}
