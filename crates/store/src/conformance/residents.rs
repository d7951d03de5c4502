//! Stories: residents, one per (tenant, identity number), and tenant isolation.

use super::{asker, minutes, new_resident, oslo, random_pid, stavanger, t0};
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
