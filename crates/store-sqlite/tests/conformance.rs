//! The storage conformance stories on SQLite, one test per story, each on a new database file,
//! plus SQLite-specific checks (file creation, WAL, in-memory databases).
#![allow(clippy::unwrap_used)]

use std::ops::Deref;

use minside_store::{Store, TenantStore};
use minside_store_sqlite::SqliteStore;
use tempfile::TempDir;

/// A store on a new database file in a temporary directory, removed when dropped.
struct TestDb {
    store: SqliteStore,
    _dir: TempDir,
}

impl Deref for TestDb {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

async fn fresh_store() -> TestDb {
    let dir = TempDir::new().unwrap();
    let url = format!("sqlite://{}/minside.db?mode=rwc", dir.path().display());
    let store = SqliteStore::connect(&url).await.unwrap();
    TestDb { store, _dir: dir }
}

minside_store::conformance_tests!(fresh_store);

#[tokio::test]
async fn run_all_on_one_database() {
    let db = fresh_store().await;
    minside_store::conformance::run_all(&*db).await;
}

#[tokio::test]
async fn connect_creates_the_file_and_its_directory_with_wal() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("nested/data/minside.db");
    assert!(!path.exists());

    let store = SqliteStore::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    assert!(path.exists(), "the database file is created on first run");

    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1, "foreign keys are enforced");
    store.ping().await.unwrap();
    store.pool().close().await;

    // A second start on the same file finds the schema in place.
    let again = SqliteStore::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    assert!(again.list_tenants().await.unwrap().is_empty());
}

#[tokio::test]
async fn in_memory_database_passes_the_conformance_suite() {
    let store = SqliteStore::connect("sqlite::memory:").await.unwrap();
    minside_store::conformance::run_all(&store).await;
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let db = fresh_store().await;
    minside_store::conformance::audit_append(&*db).await;
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let err = sqlx::query(sql).execute(db.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}
