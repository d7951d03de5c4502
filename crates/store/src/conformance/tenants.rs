//! Stories: tenants, the health probe and timestamp precision.

use jiff::Timestamp;

use super::{kommune, minutes, stavanger, t0};
use crate::{Store, StoreError, Tenant};

/// `ping` answers and `backend` names the backend.
pub async fn ping_and_backend_name(store: &dyn Store) {
    store.ping().await.expect("ping");
    assert!(
        ["sqlite", "postgres"].contains(&store.backend()),
        "unexpected backend name {:?}",
        store.backend()
    );
}

/// A tenant is created, renamed (keeping `created_at`), read back and listed in kommunenummer
/// order.
pub async fn tenant_upsert_get_and_list(store: &dyn Store) {
    let bergen = kommune("4601");
    let trondheim = kommune("5001");

    let created = store
        .upsert_tenant(&trondheim, "Trondheim", t0())
        .await
        .expect("create");
    assert_eq!(
        created,
        Tenant {
            kommunenummer: trondheim,
            name: "Trondheim".into(),
            created_at: t0()
        }
    );
    assert_eq!(store.get_tenant(&trondheim).await.expect("get"), created);

    let later = t0() + minutes(60);
    let renamed = store
        .upsert_tenant(&trondheim, "Trondheim kommune", later)
        .await
        .expect("rename");
    assert_eq!(renamed.name, "Trondheim kommune");
    assert_eq!(renamed.created_at, t0(), "renaming keeps created_at");
    assert_eq!(
        store.get_tenant(&trondheim).await.expect("get renamed"),
        renamed
    );

    let bergen_tenant = store
        .upsert_tenant(&bergen, "Bergen", later)
        .await
        .expect("create");

    let list = store.list_tenants().await.expect("list");
    assert!(
        list.contains(&renamed),
        "list holds the renamed tenant: {list:?}"
    );
    assert!(
        list.contains(&bergen_tenant),
        "list holds the second tenant: {list:?}"
    );
    assert!(
        list.windows(2)
            .all(|w| w[0].kommunenummer.as_str() < w[1].kommunenummer.as_str()),
        "list is ordered by kommunenummer without duplicates: {list:?}"
    );
}

/// Reading a tenant that was never created is `NotFound`.
pub async fn tenant_unknown_is_not_found(store: &dyn Store) {
    match store.get_tenant(&stavanger()).await {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// Times keep microseconds and drop anything finer, the same on every backend, and what the
/// store returns equals what it reads back later.
pub async fn timestamps_are_stored_to_the_microsecond(store: &dyn Store) {
    let sandnes = kommune("1108");
    let precise = Timestamp::new(1_740_819_600, 123_456_789).expect("valid timestamp");
    let micros = Timestamp::new(1_740_819_600, 123_456_000).expect("valid timestamp");

    let tenant = store
        .upsert_tenant(&sandnes, "Sandnes", precise)
        .await
        .expect("upsert");
    assert_eq!(
        tenant.created_at, micros,
        "returned time is truncated to microseconds"
    );
    let read = store.get_tenant(&sandnes).await.expect("get");
    assert_eq!(
        read.created_at, micros,
        "stored time is truncated to microseconds"
    );
}
