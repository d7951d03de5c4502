//! Upgrading a database made by the first migration: sessions survive the rebuild of their
//! table, and an unchained access entry stops the upgrade instead of getting an invented hash.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use minside_store::{SessionStore, StoreError};
use minside_store_sqlite::SqliteStore;
use sqlx::{SqlitePool, migrate::Migrator, sqlite::SqliteConnectOptions};
use tempfile::TempDir;
use uuid::Uuid;

const T0: i64 = 1_740_819_600_000_000;

/// A database file at `dir` with only migration 0001 applied and one tenant, resident and
/// session in it; returns its URL, the resident id and the session's token hash.
async fn foundation_database(dir: &TempDir) -> (String, Uuid, [u8; 32]) {
    let path = dir.path().join("minside.db");
    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    let mut migrator = Migrator::new(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../migrations/sqlite"
    )))
    .await
    .unwrap();
    migrator.migrations = migrator
        .iter()
        .filter(|m| m.version == 1)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    migrator.run(&pool).await.unwrap();

    let resident = Uuid::now_v7();
    let token_hash = [9u8; 32];
    let setup = [
        "INSERT INTO tenants (kommunenummer, name, created_at) VALUES ('3203', 'Asker', ?1)",
        "INSERT INTO residents (id, kommunenummer, pid, name, created_at, updated_at) \
         VALUES (?2, '3203', '01010112345', 'Kari Nordmann', ?1, ?1)",
        "INSERT INTO sessions (id, token_hash, kommunenummer, resident_id, principal, acr, \
             idp_issuer, idp_sid, id_token, csrf_token, locale, created_at, last_seen_at, \
             idle_expires_at, absolute_expires_at) \
         VALUES (?4, ?3, '3203', ?2, 'resident', 'idporten-loa-high', 'https://idp', NULL, \
             'id-token', 'csrf', 'nb', ?1, ?1, ?1 + 1800000000, ?1 + 28800000000)",
    ];
    for sql in setup {
        sqlx::query(sql)
            .bind(T0)
            .bind(resident)
            .bind(&token_hash[..])
            .bind(Uuid::now_v7())
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    (format!("sqlite://{}", path.display()), resident, token_hash)
}

#[tokio::test]
async fn upgrading_keeps_sessions_and_they_act_for_themselves() {
    let dir = TempDir::new().unwrap();
    let (url, resident, token_hash) = foundation_database(&dir).await;

    let store = SqliteStore::connect(&url).await.unwrap();
    let now = jiff::Timestamp::from_microsecond(T0 + 60_000_000).unwrap();
    let session = store.find_session(&token_hash, now).await.unwrap().unwrap();
    assert_eq!(session.resident_id.0, resident);
    assert_eq!(session.acting_for, None);
    let fk: Vec<(i64,)> = sqlx::query_as("SELECT 1 FROM pragma_foreign_key_check")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert!(fk.is_empty(), "no dangling references after the rebuild");
}

#[tokio::test]
async fn an_unchained_access_entry_stops_the_upgrade() {
    let dir = TempDir::new().unwrap();
    let (url, resident, _) = foundation_database(&dir).await;
    let pool = SqlitePool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO access_log (kommunenummer, resident_id, at, actor_kind, actor_ref, \
             categories, purpose) VALUES ('3203', ?1, ?2, 'system', 'system', '[]', 'legacy')",
    )
    .bind(resident)
    .bind(T0)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    match SqliteStore::connect(&url).await {
        Err(StoreError::Backend(message)) => assert!(message.contains("migration"), "{message}"),
        other => panic!("expected the migration to fail, got {other:?}"),
    }
    let pool = SqlitePool::connect(&url).await.unwrap();
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM access_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, 1, "the failed upgrade is rolled back, the entry kept");
}
