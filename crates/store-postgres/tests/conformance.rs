//! The storage conformance stories on PostgreSQL, one test per story, each on a new database
//! (see `minside_store_postgres::testing` for where the server comes from).
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use minside_store::{LoginAttempt, SessionStore, Store, TenantStore};
use minside_store_postgres::{PostgresStore, testing::fresh_database_url};

async fn fresh_store() -> Arc<dyn Store> {
    Arc::new(
        PostgresStore::connect(&fresh_database_url().await)
            .await
            .unwrap(),
    )
}

minside_store::conformance_tests!(fresh_store);

#[tokio::test]
async fn run_all_on_one_database() {
    let store = fresh_store().await;
    minside_store::conformance::run_all(&*store).await;
}

#[tokio::test]
async fn connecting_twice_applies_the_migrations_once() {
    let url = fresh_database_url().await;
    let first = PostgresStore::connect(&url).await.unwrap();
    let second = PostgresStore::connect(&url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(second.pool())
        .await
        .unwrap();
    let migrations = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/postgres"
    ))
    .unwrap()
    .filter(|f| f.as_ref().unwrap().path().extension() == Some("sql".as_ref()))
    .count();
    assert_eq!(applied, i64::try_from(migrations).unwrap());
    assert!(applied >= 2);
    assert!(first.list_tenants().await.unwrap().is_empty());
}

/// Many concurrent takes of one login attempt: exactly one gets it.
#[tokio::test]
async fn concurrent_takes_of_a_login_attempt_yield_it_once() {
    let store = PostgresStore::connect(&fresh_database_url().await)
        .await
        .unwrap();
    let k = minside_core::Kommunenummer::parse("3203").unwrap();
    let now = jiff::Timestamp::from_second(1_740_819_600).unwrap();
    store.upsert_tenant(&k, "Asker", now).await.unwrap();
    let attempt = LoginAttempt {
        state_hash: [7; 32],
        kommunenummer: k,
        nonce: "nonce".into(),
        pkce_verifier: "verifier".into(),
        redirect_to: "/".into(),
        acr_requested: "idporten-loa-substantial".into(),
        locale: minside_core::Locale::Nb,
        created_at: now,
        expires_at: now + jiff::SignedDuration::from_mins(10),
    };
    store.create_login_attempt(attempt).await.unwrap();

    let takes = (0..16).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.take_login_attempt(&[7; 32], now).await.unwrap() })
    });
    let mut taken = 0;
    for take in takes.collect::<Vec<_>>() {
        taken += usize::from(take.await.unwrap().is_some());
    }
    assert_eq!(taken, 1);
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let store = PostgresStore::connect(&fresh_database_url().await)
        .await
        .unwrap();
    minside_store::conformance::audit_append(&store).await;
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let err = sqlx::query(sql).execute(store.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}
