//! The hash-chained access log on PostgreSQL, beyond the conformance stories: UPDATE is refused,
//! tampering past the trigger is detected, and two stores (two app processes, two pools)
//! append to one chain without forking it.
#![allow(clippy::unwrap_used)]

use jiff::{SignedDuration, Timestamp};
use minside_core::{Kommunenummer, Pid};
use minside_store::{
    AccessLogEntry, AuditStore, ChainVerdict, Resident, ResidentStore, TenantStore,
};
use minside_store_postgres::{PostgresStore, testing::fresh_database_url};

fn t0() -> Timestamp {
    Timestamp::from_second(1_740_819_600).unwrap()
}

fn at(minute: i64) -> Timestamp {
    t0() + SignedDuration::from_mins(minute)
}

async fn resident(store: &PostgresStore, individual: u16) -> Resident {
    let k = Kommunenummer::parse("3203").unwrap();
    store.upsert_tenant(&k, "Asker", t0()).await.unwrap();
    let birth = jiff::civil::date(1980, 5, 17);
    let pid = (individual..500)
        .find_map(|i| Pid::synthetic(birth, i))
        .unwrap();
    store
        .upsert_resident(&k, &pid, "Kari Nordmann", t0())
        .await
        .unwrap()
}

fn entry(resident: &Resident, minute: i64) -> AccessLogEntry {
    AccessLogEntry {
        kommunenummer: resident.kommunenummer,
        resident_id: resident.id,
        at: at(minute),
        actor_kind: "caseworker".into(),
        actor_ref: "caseworker:asker-17".into(),
        categories: vec!["address".into()],
        purpose: format!("entry {minute}"),
    }
}

async fn store_in(url: &str) -> PostgresStore {
    PostgresStore::connect(url).await.unwrap()
}

#[tokio::test]
async fn tampering_with_an_access_entry_breaks_the_chain() {
    let store = store_in(&fresh_database_url().await).await;
    let changed = resident(&store, 0).await;
    let shortened = resident(&store, 100).await;
    for minute in 0..5 {
        store.append_access(entry(&changed, minute)).await.unwrap();
        store
            .append_access(entry(&shortened, minute))
            .await
            .unwrap();
    }

    let err = sqlx::query("UPDATE access_log SET purpose = 'nothing to see'")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");

    // Someone with database access removes the trigger and rewrites an entry.
    sqlx::query("DROP TRIGGER access_log_no_update ON access_log")
        .execute(store.pool())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE access_log SET purpose = 'nothing to see' WHERE resident_id = $1 AND seq = 3",
    )
    .bind(changed.id.0)
    .execute(store.pool())
    .await
    .unwrap();
    assert_eq!(
        store.verify_access_chain(changed.id).await.unwrap(),
        ChainVerdict {
            entries: 5,
            intact: false,
            first_broken_at: Some(at(2)),
        }
    );

    // Deleting from the middle of a chain is not retention.
    sqlx::query("DELETE FROM access_log WHERE resident_id = $1 AND seq = 2")
        .bind(shortened.id.0)
        .execute(store.pool())
        .await
        .unwrap();
    assert_eq!(
        store.verify_access_chain(shortened.id).await.unwrap(),
        ChainVerdict {
            entries: 4,
            intact: false,
            first_broken_at: Some(at(2)),
        }
    );
}

#[tokio::test]
async fn two_stores_on_one_database_append_to_one_chain() {
    let url = fresh_database_url().await;
    let first = store_in(&url).await;
    let second = store_in(&url).await;
    let target = resident(&first, 0).await;

    let writers = (0..8i64).map(|writer| {
        let store = if writer % 2 == 0 {
            first.clone()
        } else {
            second.clone()
        };
        let target = target.clone();
        tokio::spawn(async move {
            for i in 0..10 {
                let batch = vec![entry(&target, writer * 100 + i), entry(&target, writer)];
                store.append_access_batch(batch).await.unwrap();
            }
        })
    });
    for writer in writers.collect::<Vec<_>>() {
        writer.await.unwrap();
    }
    assert_eq!(
        second.verify_access_chain(target.id).await.unwrap(),
        ChainVerdict {
            entries: 160,
            intact: true,
            first_broken_at: None,
        }
    );
}
