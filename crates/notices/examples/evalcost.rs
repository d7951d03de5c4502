#![allow(clippy::print_stdout, clippy::unwrap_used)]
use minside_core::Kommunenummer;
use minside_notices::{Audience, context, view::resident_value};
use minside_store::RegisterStore;
use std::time::Instant;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let store = minside_store_sqlite::SqliteStore::connect("sqlite:///tmp/nbench/m.db")
        .await
        .unwrap();
    let k = Kommunenummer::parse("3203").unwrap();
    let mut all = Vec::new();
    let mut after = None;
    while all.len() < 200_000 {
        let page = store.resident_facts_page(&k, after, 5000).await.unwrap();
        after = page.last().map(|p| p.id);
        all.extend(page);
    }
    let day = jiff::civil::date(2027, 3, 1);
    let srcs = [
        "resident['children'].exists(c, c['age'] < 6)",
        "resident['age'] == 65 && resident['has_address']",
        "resident['moved_in_days'] >= 0 && resident['moved_in_days'] < 365",
        "resident.children.exists(c, c.age < 6)",
        "resident.children.exists(c, c.age == 5)",
        "resident.children.exists(c, c.age >= 6 && c.age <= 15) && resident.postcode.startsWith('138')",
        "resident.age == 65 && resident.has_address",
        "resident.age >= 18 && resident.age <= 19",
        "resident.moved_in_days >= 0 && resident.moved_in_days < 365",
    ];
    let auds: Vec<Audience> = srcs
        .iter()
        .map(|s| Audience::compile(s, false).unwrap())
        .collect();
    let t = Instant::now();
    for f in &all {
        std::hint::black_box(context(resident_value(f, day), None));
    }
    let view = t.elapsed();
    println!("view+ctx: {:?}/resident", view / all.len() as u32);
    for (a, s) in auds.iter().zip(srcs) {
        let t = Instant::now();
        let mut m = 0;
        for f in &all {
            let ctx = context(resident_value(f, day), None);
            if a.matches(&ctx).unwrap() {
                m += 1;
            }
        }
        println!(
            "{:?}/resident (incl view) {m} {s}",
            t.elapsed() / all.len() as u32
        );
    }
    let t = Instant::now();
    for f in &all {
        let ctx = context(resident_value(f, day), None);
        for a in &auds {
            std::hint::black_box(a.matches(&ctx).unwrap());
        }
    }
    println!("all 6: {:?}/resident", t.elapsed() / all.len() as u32);
}
