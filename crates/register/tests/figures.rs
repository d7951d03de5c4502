//! Load and read figures for the mirror at the size of the notice benchmark: a full load of
//! 1,000,000 residents (200,000 groups of a couple with a child, a single adult and an elder:
//! a fifth are children with two guardians each, about Norway's share), reading them all back
//! in pages of 10,000 with their children, and birth-date ranges. Ignored by default; run
//! in release mode and read the printed figures:
//!
//! ```text
//! cargo test --release -p minside-register --test figures -- --ignored --nocapture
//! ```
//!
//! Nothing here asserts a time: the figures go to BENCHMARKS.md, the assertions only check
//! that the work was done.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use minside_core::{Kommunenummer, Pid};
use minside_store::{RegisterAddress, RegisterPerson, ResidentStatus, Store};

const HOUSEHOLDS: usize = 200_000;
const PAGE: u32 = 10_000;

/// Synthetic identity numbers, unique per birth date.
#[derive(Default)]
struct Pids(HashMap<Date, u16>);

impl Pids {
    fn next(&mut self, birth: Date) -> Pid {
        let first = if birth.year() >= 2000 { 500 } else { 0 };
        let n = self.0.entry(birth).or_insert(first);
        loop {
            let individual = *n;
            *n += 1;
            assert!(individual < first + 500, "too many people born on one day");
            if let Some(pid) = Pid::synthetic(birth, individual) {
                return pid;
            }
        }
    }
}

fn population() -> Vec<RegisterPerson> {
    let mut pids = Pids::default();
    let mut people = Vec::with_capacity(HOUSEHOLDS * 5);
    let day = |from: Date, n: usize, span: usize| {
        from.checked_add(SignedDuration::from_hours(
            24 * i64::try_from(n % span).unwrap(),
        ))
        .unwrap()
    };
    for h in 0..HOUSEHOLDS {
        let address = RegisterAddress {
            street: format!("Storgata {}", h % 300 + 1),
            postcode: format!("{:04}", 1300 + h % 90),
            city: "Asker".into(),
            point: Some((10.4 + (h % 100) as f64 / 1000.0, 59.8)),
        };
        let mut person = |given: &str, born: Date, guardians: Vec<Pid>| RegisterPerson {
            pid: pids.next(born),
            given_name: given.into(),
            family_name: format!("Familie{h}"),
            birth_date: born,
            address: Some(address.clone()),
            moved_in: Some(date(2015, 6, 1)),
            status: ResidentStatus::Active,
            guardians,
        };
        let a = person("Anne", day(date(1960, 1, 1), h * 7, 13_000), Vec::new());
        let b = person(
            "Bjørn",
            day(date(1960, 1, 1), h * 11 + 3, 13_000),
            Vec::new(),
        );
        let parents = vec![a.pid.clone(), b.pid.clone()];
        let c = person("Cato", day(date(2008, 1, 1), h * 7, 6_500), parents);
        let d = person(
            "Dina",
            day(date(1970, 1, 1), h * 13 + 5, 13_000),
            Vec::new(),
        );
        let e = person(
            "Eldor",
            day(date(1930, 1, 1), h * 17 + 1, 10_000),
            Vec::new(),
        );
        people.extend([a, b, c, d, e]);
    }
    people
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn figures(backend: &str, store: Arc<dyn Store>) {
    let k = Kommunenummer::parse("3203").unwrap();
    let now = Timestamp::from_second(1_795_000_000).unwrap();
    store.upsert_tenant(&k, "Asker", now).await.unwrap();
    let people = population();

    let t = Instant::now();
    let stats = store
        .apply_register_snapshot(&k, "bench", &people, 1, now)
        .await
        .unwrap();
    let load = t.elapsed();
    assert_eq!(stats.upserted, people.len() as u64);

    let t = Instant::now();
    store
        .apply_register_snapshot(&k, "bench", &people, 2, now + SignedDuration::from_mins(1))
        .await
        .unwrap();
    let reload = t.elapsed();

    let t = Instant::now();
    let (mut pages, mut residents, mut children, mut slowest) = (0, 0, 0, 0.0f64);
    let mut after = None;
    loop {
        let p = Instant::now();
        let page = store.resident_facts_page(&k, after, PAGE).await.unwrap();
        slowest = slowest.max(ms(p.elapsed()));
        pages += 1;
        residents += page.len();
        children += page.iter().map(|f| f.children.len()).sum::<usize>();
        match page.last() {
            Some(last) if page.len() == PAGE as usize => after = Some(last.id),
            _ => break,
        }
    }
    let read = t.elapsed();
    assert_eq!((residents, children), (people.len(), 2 * HOUSEHOLDS));

    let t = Instant::now();
    let month = store
        .residents_born_between(&k, date(2015, 3, 1), date(2015, 3, 31))
        .await
        .unwrap();
    let born_month = t.elapsed();
    let t = Instant::now();
    let year = store
        .residents_born_between(&k, date(1975, 1, 1), date(1975, 12, 31))
        .await
        .unwrap();
    let born_year = t.elapsed();
    assert!(!month.is_empty() && !year.is_empty());

    println!("## Register mirror on {backend}: 1,000,000 residents\n");
    println!("| step | time |\n|---|---:|");
    println!(
        "| full load (apply_register_snapshot, first time) | {:.1} s |",
        load.as_secs_f64()
    );
    println!(
        "| the same snapshot again (nothing changes) | {:.1} s |",
        reload.as_secs_f64()
    );
    println!(
        "| read all in {pages} pages of {PAGE} with children | {:.1} s ({:.1} ms per page, slowest {slowest:.1} ms) |",
        read.as_secs_f64(),
        ms(read) / f64::from(pages)
    );
    println!(
        "| born in one month ({} residents) | {:.1} ms |",
        month.len(),
        ms(born_month)
    );
    println!(
        "| born in one year ({} residents) | {:.1} ms |\n",
        year.len(),
        ms(born_year)
    );
}

#[tokio::test]
#[ignore = "a figure for BENCHMARKS.md: run in release mode with --ignored --nocapture"]
async fn one_million_residents_on_sqlite() {
    let dir = tempfile::TempDir::new().unwrap();
    let url = format!("sqlite://{}/minside.db?mode=rwc", dir.path().display());
    let store = minside_store_sqlite::SqliteStore::connect(&url)
        .await
        .unwrap();
    figures("SQLite", Arc::new(store)).await;
}

#[tokio::test]
#[ignore = "a figure for BENCHMARKS.md: run in release mode with --ignored --nocapture"]
async fn one_million_residents_on_postgres() {
    let url = minside_store_postgres::testing::fresh_database_url().await;
    let store = minside_store_postgres::PostgresStore::connect(&url)
        .await
        .unwrap();
    figures("PostgreSQL", Arc::new(store)).await;
}
