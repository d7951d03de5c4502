//! Upgrading a database from before the register mirror (migrations up to 0003): its residents
//! become active, with the first word of their name as given name, and a full load then fills
//! in what the register says.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;

use jiff::civil::date;
use minside_core::{Kommunenummer, Pid};
use minside_store::{RegisterPerson, ResidentId, ResidentStatus, Store};
use sqlx::migrate::Migrator;
use uuid::Uuid;

/// Names as a login stored them, and the given name the upgrade derives.
const NAMES: [(&str, &str); 3] = [("Kari Nordmann", "Kari"), ("  Ola  ", "Ola"), ("", "")];

fn pid(n: u16) -> Pid {
    (n..n + 50)
        .find_map(|i| Pid::synthetic(date(1980, 1, 1), i))
        .unwrap()
}

/// Migrations before the mirror, from `dir`.
async fn before_the_mirror(dir: &str) -> Migrator {
    let mut migrator = Migrator::new(Path::new(dir)).await.unwrap();
    migrator.migrations = migrator
        .iter()
        .filter(|m| m.version < 4)
        .cloned()
        .collect::<Vec<_>>()
        .into();
    migrator
}

/// The residents the old schema holds: ids of [`NAMES`] in order.
fn residents() -> Vec<(Uuid, Pid, &'static str)> {
    NAMES
        .iter()
        .zip([100, 200, 300])
        .map(|((name, _), n)| (Uuid::now_v7(), pid(n), *name))
        .collect()
}

async fn check(store: Arc<dyn Store>, given: Vec<(Uuid, Option<String>, String)>) {
    for ((_, migrated, status), (_, want)) in given.iter().zip(NAMES) {
        assert_eq!(migrated.as_deref(), Some(want));
        assert_eq!(status, "active");
    }
    let ids: Vec<_> = given.iter().map(|g| ResidentId(g.0)).collect();
    let facts = store.resident_facts(&ids).await.unwrap();
    assert_eq!(facts.len(), 3);
    assert!(
        facts
            .iter()
            .all(|f| f.status == ResidentStatus::Active && f.birth_date.is_none())
    );

    // The register knows Kari: a full load fills in her birth date and keeps her id.
    let k = Kommunenummer::parse("3203").unwrap();
    let kari = RegisterPerson {
        pid: pid(100),
        given_name: "Kari".into(),
        family_name: "Nordmann".into(),
        birth_date: date(1980, 1, 1),
        address: None,
        moved_in: None,
        status: ResidentStatus::MovedOut,
        guardians: Vec::new(),
    };
    let now = jiff::Timestamp::from_second(1_795_000_000).unwrap();
    let stats = store
        .apply_register_snapshot(&k, "upgrade", &[kari], 1, now)
        .await
        .unwrap();
    assert_eq!(
        (stats.upserted, stats.moved_out),
        (1, 2),
        "the other two are not in it"
    );
    let after = store.resident_facts(&ids[..1]).await.unwrap().remove(0);
    assert_eq!(after.birth_date, Some(date(1980, 1, 1)));
    assert_eq!(after.status, ResidentStatus::MovedOut);
}

#[tokio::test]
async fn residents_from_before_the_mirror_on_sqlite() {
    let dir = tempfile::TempDir::new().unwrap();
    let url = format!("sqlite://{}/minside.db?mode=rwc", dir.path().display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/sqlite");
    before_the_mirror(migrations)
        .await
        .run(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO tenants (kommunenummer, name, created_at) VALUES ('3203', 'Asker', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let people = residents();
    for (id, pid, name) in &people {
        sqlx::query(
            "INSERT INTO residents (id, kommunenummer, pid, name, created_at, updated_at) \
             VALUES (?1, '3203', ?2, ?3, 0, 0)",
        )
        .bind(id)
        .bind(pid.expose())
        .bind(*name)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let store = minside_store_sqlite::SqliteStore::connect(&url)
        .await
        .unwrap();
    let mut given = Vec::new();
    for (id, _, _) in &people {
        let (g, s): (Option<String>, String) =
            sqlx::query_as("SELECT given_name, status FROM residents WHERE id = ?1")
                .bind(id)
                .fetch_one(store.pool())
                .await
                .unwrap();
        given.push((*id, g, s));
    }
    check(Arc::new(store), given).await;
}

#[tokio::test]
async fn residents_from_before_the_mirror_on_postgres() {
    let url = minside_store_postgres::testing::fresh_database_url().await;
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations/postgres");
    before_the_mirror(migrations)
        .await
        .run(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO tenants (kommunenummer, name, created_at) VALUES ('3203', 'Asker', now())",
    )
    .execute(&pool)
    .await
    .unwrap();
    let people = residents();
    for (id, pid, name) in &people {
        sqlx::query(
            "INSERT INTO residents (id, kommunenummer, pid, name, created_at, updated_at) \
             VALUES ($1, '3203', $2, $3, now(), now())",
        )
        .bind(id)
        .bind(pid.expose())
        .bind(*name)
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let store = minside_store_postgres::PostgresStore::connect(&url)
        .await
        .unwrap();
    let mut given = Vec::new();
    for (id, _, _) in &people {
        let (g, s): (Option<String>, String) =
            sqlx::query_as("SELECT given_name, status FROM residents WHERE id = $1")
                .bind(id)
                .fetch_one(store.pool())
                .await
                .unwrap();
        given.push((*id, g, s));
    }
    check(Arc::new(store), given).await;
}
