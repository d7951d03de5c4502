//! Stories: residents, one per (tenant, identity number), bulk upserts and tenant isolation.

use std::collections::HashSet;

use jiff::{SignedDuration, civil::date};
use minside_core::Pid;

use super::{asker, kommune, minutes, new_resident, oslo, random_pid, random_seed, stavanger, t0};
use crate::{AccessLogEntry, ResidentId, Store, StoreError};

/// Upserting the same (tenant, pid) again returns the same resident; a new name updates the name
/// and `updated_at` but never the id or `created_at`.
pub async fn resident_upsert_is_idempotent(store: &dyn Store) {
    let k = asker();
    store
        .upsert_tenant(&k, "Asker", t0())
        .await
        .expect("tenant");
    let pid = random_pid();

    let first = store
        .upsert_resident(&k, &pid, "Kari Nordmann", t0())
        .await
        .expect("create");
    assert_eq!(first.kommunenummer, k);
    assert_eq!(first.pid, pid);
    assert_eq!(first.name, "Kari Nordmann");
    assert_eq!((first.created_at, first.updated_at), (t0(), t0()));
    assert_eq!(first.id.0.get_version_num(), 7, "resident ids are UUIDv7");

    let again = store
        .upsert_resident(&k, &pid, "Kari Nordmann", t0() + minutes(5))
        .await
        .expect("same upsert again");
    assert_eq!(again, first, "an unchanged upsert changes nothing");

    let renamed = store
        .upsert_resident(&k, &pid, "Kari Nordmann Hansen", t0() + minutes(10))
        .await
        .expect("rename");
    assert_eq!(renamed.id, first.id, "same resident");
    assert_eq!(renamed.name, "Kari Nordmann Hansen");
    assert_eq!(renamed.created_at, t0());
    assert_eq!(renamed.updated_at, t0() + minutes(10));
    assert_eq!(store.get_resident(first.id).await.expect("get"), renamed);
}

/// The same person registered in two municipalities is two residents with their own ids.
pub async fn same_pid_in_two_tenants_is_two_residents(store: &dyn Store) {
    let (a, b) = (asker(), oslo());
    store
        .upsert_tenant(&a, "Asker", t0())
        .await
        .expect("tenant a");
    store
        .upsert_tenant(&b, "Oslo", t0())
        .await
        .expect("tenant b");
    let pid = random_pid();

    let in_a = store
        .upsert_resident(&a, &pid, "Ola Nordmann", t0())
        .await
        .expect("in a");
    let in_b = store
        .upsert_resident(&b, &pid, "Ola Nordmann", t0())
        .await
        .expect("in b");
    assert_ne!(in_a.id, in_b.id);
    assert_eq!(in_b.kommunenummer, b);

    let found_a = store.find_resident_by_pid(&a, &pid).await.expect("find a");
    let found_b = store.find_resident_by_pid(&b, &pid).await.expect("find b");
    assert_eq!(found_a.map(|r| r.id), Some(in_a.id));
    assert_eq!(found_b.map(|r| r.id), Some(in_b.id));
}

/// A resident is read back by id; an unknown id is `NotFound`.
pub async fn resident_get_by_id(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    assert_eq!(
        store.get_resident(resident.id).await.expect("get"),
        resident
    );

    match store.get_resident(ResidentId::new_v7()).await {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound for an unknown id, got {other:?}"),
    }
}

/// A resident is found by identity number within its tenant; an unknown number finds nothing.
pub async fn resident_find_by_pid(store: &dyn Store) {
    let k = asker();
    let resident = new_resident(store, &k).await;
    let found = store
        .find_resident_by_pid(&k, &resident.pid)
        .await
        .expect("find");
    assert_eq!(found, Some(resident));

    let unknown = store
        .find_resident_by_pid(&k, &random_pid())
        .await
        .expect("find unknown");
    assert_eq!(unknown, None);
}

/// A resident cannot be created in a tenant that does not exist.
pub async fn resident_requires_known_tenant(store: &dyn Store) {
    match store
        .upsert_resident(&stavanger(), &random_pid(), "Per Hansen", t0())
        .await
    {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown tenant, got {other:?}"),
    }
}

/// A resident of tenant A is invisible from tenant B: not found by identity number there, and
/// its data cannot be logged under B.
pub async fn tenant_isolation(store: &dyn Store) {
    let (a, b) = (asker(), oslo());
    store
        .upsert_tenant(&b, "Oslo", t0())
        .await
        .expect("tenant b");
    let resident = new_resident(store, &a).await;

    let from_b = store
        .find_resident_by_pid(&b, &resident.pid)
        .await
        .expect("find under b");
    assert_eq!(from_b, None, "tenant B must not see tenant A's resident");

    let entry = AccessLogEntry {
        kommunenummer: b,
        resident_id: resident.id,
        at: t0(),
        actor_kind: "caseworker".into(),
        actor_ref: "caseworker:oslo-1".into(),
        categories: vec!["address".into()],
        purpose: "case handling".into(),
    };
    match store.append_access(entry).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict logging A's resident under B, got {other:?}"),
    }
    let listed = store.list_access(resident.id, 10).await.expect("list");
    assert!(listed.is_empty(), "nothing was logged: {listed:?}");
}

/// `count` distinct synthetic identity numbers: one per day from a random start.
fn distinct_pids(count: usize) -> Vec<Pid> {
    let seed = random_seed();
    let start_day = i64::try_from(seed % 10_000).expect("below 10 000");
    let individual = u16::try_from((seed >> 32) % 500).expect("below 500");
    (0..count)
        .map(|i| {
            let offset = start_day + i64::try_from(i).expect("small count");
            let birth = date(1940, 1, 1)
                .checked_add(SignedDuration::from_hours(24 * offset))
                .expect("a date in the twentieth century");
            (0..500u16)
                .find_map(|j| Pid::synthetic(birth, (individual + j) % 500))
                .expect("some individual number gives valid control digits")
        })
        .collect()
}

/// A population of 3,000 is upserted at once and returned in input order; doing it again
/// changes nothing, renames move only the renamed, and a repeated identity number is one
/// resident. An unknown tenant stores nobody. (Tenant 1506 Molde is this story's alone.)
pub async fn residents_bulk_upsert(store: &dyn Store) {
    let molde = kommune("1506");
    store
        .upsert_tenant(&molde, "Molde", t0())
        .await
        .expect("tenant");
    let pids = distinct_pids(3_000);
    let existing = store
        .upsert_resident(&molde, &pids[17], "Already Here", t0() - minutes(60))
        .await
        .expect("one resident exists before");
    let people: Vec<(Pid, String)> = pids
        .iter()
        .enumerate()
        .map(|(i, pid)| (pid.clone(), format!("Person {i}")))
        .collect();

    let started = std::time::Instant::now();
    let first = store
        .upsert_residents(&molde, &people, t0())
        .await
        .expect("bulk upsert");
    let elapsed = started.elapsed();
    assert!(
        elapsed < std::time::Duration::from_secs(5),
        "3,000 residents took {elapsed:?}"
    );
    assert_eq!(first.len(), 3_000);
    for ((pid, name), resident) in people.iter().zip(&first) {
        assert_eq!((&resident.pid, &resident.name), (pid, name), "input order");
        assert_eq!(resident.kommunenummer, molde);
    }
    let distinct: HashSet<_> = first.iter().map(|r| r.id).collect();
    assert_eq!(distinct.len(), 3_000, "one resident per identity number");
    assert_eq!(
        first[17].id, existing.id,
        "an existing resident keeps its id"
    );
    assert_eq!(first[17].created_at, existing.created_at);
    assert_eq!(first[18].created_at, t0());
    assert_eq!(
        store
            .find_resident_by_pid(&molde, &pids[2_999])
            .await
            .expect("find"),
        Some(first[2_999].clone())
    );

    let again = store
        .upsert_residents(&molde, &people, t0() + minutes(1))
        .await
        .expect("bulk upsert again");
    assert_eq!(again, first, "idempotent");

    let mut renamed = people.clone();
    for (_, name) in renamed.iter_mut().step_by(100) {
        name.push_str(" Renamed");
    }
    let later = t0() + minutes(2);
    let third = store
        .upsert_residents(&molde, &renamed, later)
        .await
        .expect("bulk rename");
    for (i, (before, after)) in first.iter().zip(&third).enumerate() {
        assert_eq!(after.id, before.id);
        let expected = if i % 100 == 0 {
            later
        } else {
            before.updated_at
        };
        assert_eq!(after.updated_at, expected, "updated_at of person {i}");
    }

    let repeated = vec![
        (pids[0].clone(), "First Name".to_owned()),
        (pids[1].clone(), "Person 1".to_owned()),
        (pids[0].clone(), "Last Name".to_owned()),
    ];
    let twice = store
        .upsert_residents(&molde, &repeated, later)
        .await
        .expect("repeated pid");
    assert_eq!(ids(&twice), [first[0].id, first[1].id, first[0].id]);
    assert_eq!(
        (twice[0].name.as_str(), twice[2].name.as_str()),
        ("Last Name", "Last Name")
    );

    assert!(
        store
            .upsert_residents(&molde, &[], later)
            .await
            .expect("empty")
            .is_empty()
    );
    let newcomer = (random_pid(), "Per Hansen".to_owned());
    match store
        .upsert_residents(&stavanger(), std::slice::from_ref(&newcomer), t0())
        .await
    {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown tenant, got {other:?}"),
    }
}

fn ids(residents: &[crate::Resident]) -> Vec<ResidentId> {
    residents.iter().map(|r| r.id).collect()
}
