//! A measurement, not a check (ignored by default): how fast notices are created in bulk and
//! how many inbox items per second workers claim and deliver, with a backlog of e-mail items
//! the claims must pass over. Run with
//! `cargo test -p minside-store-sqlite --release --lib -- --ignored --nocapture notices_throughput`.
#![allow(clippy::unwrap_used)]

use std::{sync::Arc, time::Instant};

use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};
use minside_store::{
    Channel, NewNotice, NoticeStore, OutboxClaim, OutboxOutcome, ResidentStore, RuleFields,
    TenantStore,
};

use crate::SqliteStore;

const RESIDENTS: usize = 20_000;
const WORKERS: usize = 4;
const BATCH: u32 = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement; run explicitly"]
async fn notices_throughput() {
    let dir = tempfile::TempDir::new().unwrap();
    let url = format!("sqlite://{}/minside.db?mode=rwc", dir.path().display());
    let store = Arc::new(SqliteStore::connect(&url).await.unwrap());
    let k = Kommunenummer::parse("3203").unwrap();
    let now = Timestamp::from_second(1_740_819_600).unwrap();
    store.upsert_tenant(&k, "Asker", now).await.unwrap();
    let people = synthetic_people(RESIDENTS);
    let residents = store.upsert_residents(&k, &people, now).await.unwrap();
    let rule = store.create_rule(&k, fields(), "bench", now).await.unwrap();
    let notices: Vec<NewNotice> = residents
        .iter()
        .map(|r| NewNotice {
            kommunenummer: k,
            rule_id: rule.id,
            recipient_id: r.id,
            subject_id: r.id,
            occurrence: "2025-03-01".into(),
            category: "barnehage".into(),
            priority: 2,
            content: serde_json::json!({"nb": {"title": "Tittel", "body": "Tekst om barnehage"}}),
            channels: vec![Channel::Email],
            created_at: now,
        })
        .collect();
    let started = Instant::now();
    let created = store.create_notices(&notices).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(created.len(), RESIDENTS);
    eprintln!(
        "sqlite: created {RESIDENTS} notices with {} outbox items in {elapsed:?} ({:.0} notices/s)",
        RESIDENTS * 2,
        RESIDENTS as f64 / elapsed.as_secs_f64()
    );
    let started = Instant::now();
    assert!(store.create_notices(&notices).await.unwrap().is_empty());
    eprintln!(
        "sqlite: the same {RESIDENTS} again (all existing) in {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let workers = (0..WORKERS).map(|w| {
        let store = store.clone();
        tokio::spawn(async move {
            let claim = OutboxClaim {
                owner: format!("bench-{w}"),
                channels: vec![Channel::Inbox],
                limit: BATCH,
                lease: std::time::Duration::from_secs(60),
                now,
            };
            let mut delivered = 0u64;
            loop {
                let items = store.claim_outbox(&claim).await.unwrap();
                if items.is_empty() {
                    return delivered;
                }
                let outcomes: Vec<_> = items
                    .iter()
                    .map(|i| (i.id, OutboxOutcome::Delivered { at: now }))
                    .collect();
                delivered += store
                    .complete_outbox(&claim.owner, &outcomes)
                    .await
                    .unwrap();
            }
        })
    });
    let mut delivered = 0;
    for worker in workers.collect::<Vec<_>>() {
        delivered += worker.await.unwrap();
    }
    let elapsed = started.elapsed();
    assert_eq!(delivered, u64::try_from(RESIDENTS).unwrap());
    eprintln!(
        "sqlite: {WORKERS} workers claimed and delivered {delivered} inbox items (batches of \
         {BATCH}, {RESIDENTS} e-mail items pending beside them) in {elapsed:?} ({:.0} items/s)",
        delivered as f64 / elapsed.as_secs_f64()
    );
}

/// `n` residents with distinct synthetic identity numbers (born from 1950 on, 300 a day).
fn synthetic_people(n: usize) -> Vec<(Pid, String)> {
    let mut people = Vec::with_capacity(n);
    let mut born = jiff::civil::date(1950, 1, 1);
    while people.len() < n {
        let valid = (0..500u16)
            .filter_map(|i| Pid::synthetic(born, i))
            .take(300);
        for pid in valid {
            if people.len() < n {
                people.push((pid, format!("Person {}", people.len())));
            }
        }
        born = born.tomorrow().unwrap();
    }
    people
}

fn fields() -> RuleFields {
    RuleFields {
        name: "Bench".into(),
        category: "barnehage".into(),
        opt_out_allowed: true,
        trigger: serde_json::json!({"kind": "manual"}),
        audience: "true".into(),
        content: serde_json::json!({"nb": {"title": "T", "body": "B"}}),
        channels: vec![Channel::Email],
        priority: 2,
        valid_from: None,
        valid_to: None,
    }
}
