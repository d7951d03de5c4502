//! The mirror kept in step with the demo municipality's population register, on real SQLite
//! and PostgreSQL databases: a full load, the feed moving on (births with guardians, deaths,
//! moves, changes of parental responsibility), a restart continuing from the stored pointer,
//! and the polling task riding out an outage.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::date;
use minside_adapter::{PopulationEvent, PopulationEventKind};
use minside_adapter_demo::{DemoMunicipality, DemoSettings, DemoSystems};
use minside_core::Kommunenummer;
use minside_register::{Backoff, RegisterSync, register_person};
use minside_store::{RegisterEventKind, ResidentId, ResidentStatus, Store};
use tempfile::TempDir;

const SEED: u64 = 3203;
const SIZE: usize = 600;
const SOURCE: &str = "demo-folkeregister";

#[derive(Clone, Copy, Debug)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A new, empty database; the directory of a SQLite file lives as long as this.
struct Database {
    backend: Backend,
    url: String,
    _dir: Option<TempDir>,
}

impl Database {
    async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new().unwrap();
                let url = format!("sqlite://{}/minside.db?mode=rwc", dir.path().display());
                Self {
                    backend,
                    url,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => Self {
                backend,
                url: minside_store_postgres::testing::fresh_database_url().await,
                _dir: None,
            },
        }
    }

    /// Connects (as a restarted process would), with the demo tenant in place.
    async fn connect(&self) -> Arc<dyn Store> {
        let store: Arc<dyn Store> = match self.backend {
            Backend::Sqlite => Arc::new(
                minside_store_sqlite::SqliteStore::connect(&self.url)
                    .await
                    .unwrap(),
            ),
            Backend::Postgres => Arc::new(
                minside_store_postgres::PostgresStore::connect(&self.url)
                    .await
                    .unwrap(),
            ),
        };
        store.upsert_tenant(&asker(), "Asker", now()).await.unwrap();
        store
    }
}

fn asker() -> Kommunenummer {
    Kommunenummer::parse("3203").unwrap()
}

fn now() -> Timestamp {
    Timestamp::from_second(1_795_000_000).unwrap()
}

/// The demo municipality and its instant, error-free systems.
fn demo() -> (Arc<DemoMunicipality>, DemoSystems) {
    let m = Arc::new(DemoMunicipality::generate_on(
        SEED,
        SIZE,
        date(2026, 11, 23),
    ));
    let systems = DemoSystems::new(Arc::clone(&m), &DemoSettings::instant(SEED, SIZE));
    (m, systems)
}

fn sync_for(store: &Arc<dyn Store>, systems: &DemoSystems) -> RegisterSync {
    RegisterSync::new(
        Arc::clone(store),
        asker(),
        SOURCE,
        systems.folkeregister.clone(),
    )
    .page_size(25)
}

async fn id_of(store: &dyn Store, pid: &minside_core::Pid) -> Option<ResidentId> {
    store
        .find_resident_by_pid(&asker(), pid)
        .await
        .unwrap()
        .map(|r| r.id)
}

/// The mirror says what the register says about this person now: status, address and the
/// guardians who are in the mirror.
async fn assert_mirrors(store: &dyn Store, m: &DemoMunicipality, pid: &minside_core::Pid) {
    let record = m.person(pid).unwrap();
    let want = register_person(&asker(), &record);
    let id = id_of(store, pid).await.expect("in the mirror");
    let facts = store.resident_facts(&[id]).await.unwrap().remove(0);
    assert_eq!(facts.status, want.status, "status of resident {id}");
    assert_eq!(facts.address, want.address, "address of resident {id}");
    assert_eq!(facts.birth_date, Some(want.birth_date));
    let mut wanted = Vec::new();
    for g in &want.guardians {
        wanted.extend(id_of(store, g).await);
    }
    wanted.sort();
    let guardians: Vec<_> = store
        .guardians_of(id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(guardians, wanted, "guardians of resident {id}");
}

async fn active_count(store: &dyn Store) -> usize {
    let mut n = 0;
    let mut after = None;
    loop {
        let page = store
            .resident_facts_page(&asker(), after, 100)
            .await
            .unwrap();
        n += page.len();
        match page.last() {
            Some(last) if page.len() == 100 => after = Some(last.id),
            _ => return n,
        }
    }
}

async fn full_load_then_the_feed(backend: Backend) {
    let db = Database::new(backend).await;
    let store = db.connect().await;
    let (m, systems) = demo();
    let sync = sync_for(&store, &systems);

    let report = sync.sync_once(now()).await.unwrap();
    let snapshot = m.snapshot();
    let stats = report.full_load.expect("no pointer yet: a full load");
    assert_eq!(stats.upserted, snapshot.people.len() as u64);
    assert_eq!((report.events, report.pointer), (0, m.sequence()));
    assert_eq!(active_count(store.as_ref()).await, snapshot.people.len());
    assert!(
        store
            .register_events_after(&asker(), 0, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // Kari (showcase 0) has parental responsibility for her three children.
    let kari = id_of(store.as_ref(), &m.showcase()[0].pid).await.unwrap();
    let facts = store.resident_facts(&[kari]).await.unwrap().remove(0);
    assert_eq!(facts.children.len(), 3, "{:?}", facts.children);
    for person in snapshot.people.iter().step_by(7) {
        assert_mirrors(store.as_ref(), &m, &person.pid).await;
    }

    let before = m.sequence();
    m.advance(150);
    let feed: Vec<PopulationEvent> = m.changes(before, 1000);
    let kinds: Vec<_> = feed.iter().map(|e| e.kind).collect();
    for kind in [
        PopulationEventKind::Birth,
        PopulationEventKind::Death,
        PopulationEventKind::MovedOut,
        PopulationEventKind::MovedIn,
        PopulationEventKind::ParentalResponsibilityChanged,
    ] {
        assert!(kinds.contains(&kind), "the feed has a {kind:?}: {kinds:?}");
    }
    let report = sync.sync_once(now()).await.unwrap();
    assert_eq!((report.full_load, report.events), (None, 150));
    assert_eq!((report.pages, report.pointer), (6, m.sequence()));

    let stored = store
        .register_events_after(&asker(), 0, 1000)
        .await
        .unwrap();
    assert_eq!(stored.len(), 150, "one stored event per feed event");
    for (event, stored) in feed.iter().zip(&stored) {
        assert_eq!(stored.occurred, event.occurred);
        assert_eq!(
            Some(stored.resident_id),
            id_of(store.as_ref(), &event.person.pid).await
        );
        let kind = minside_register::register_change(&asker(), event).kind;
        assert_eq!(stored.kind, kind);
    }
    for event in &feed {
        assert_mirrors(store.as_ref(), &m, &event.person.pid).await;
    }
    let births: Vec<_> = feed
        .iter()
        .filter(|e| e.kind == PopulationEventKind::Birth)
        .collect();
    for birth in births {
        let baby = id_of(store.as_ref(), &birth.person.pid).await.unwrap();
        assert!(
            !store.guardians_of(baby).await.unwrap().is_empty(),
            "a newborn has guardians"
        );
    }
    let death = feed
        .iter()
        .find(|e| e.kind == PopulationEventKind::Death)
        .unwrap();
    let dead = id_of(store.as_ref(), &death.person.pid).await.unwrap();
    let facts = store.resident_facts(&[dead]).await.unwrap().remove(0);
    assert_eq!(facts.status, ResidentStatus::Dead);
    let moved = feed
        .iter()
        .find(|e| e.kind == PopulationEventKind::MovedOut)
        .unwrap();
    let gone = id_of(store.as_ref(), &moved.person.pid).await.unwrap();
    let facts = store.resident_facts(&[gone]).await.unwrap().remove(0);
    assert_eq!(
        (facts.status, facts.address),
        (ResidentStatus::MovedOut, None)
    );
    assert!(
        stored
            .iter()
            .any(|e| e.kind == RegisterEventKind::ParentalResponsibilityChanged)
    );
}

#[tokio::test]
async fn full_load_then_the_feed_on_sqlite() {
    full_load_then_the_feed(Backend::Sqlite).await;
}

#[tokio::test]
async fn full_load_then_the_feed_on_postgres() {
    full_load_then_the_feed(Backend::Postgres).await;
}

async fn a_restart_continues_from_the_stored_pointer(backend: Backend) {
    let db = Database::new(backend).await;
    let (m, systems) = demo();
    {
        let store = db.connect().await;
        sync_for(&store, &systems).sync_once(now()).await.unwrap();
        m.advance(40);
        let report = sync_for(&store, &systems).sync_once(now()).await.unwrap();
        assert_eq!(report.events, 40);
    }

    // A new process: a new connection and a new sync, the same database.
    let store = db.connect().await;
    systems.folkeregister.control().reset_stats();
    let report = sync_for(&store, &systems).sync_once(now()).await.unwrap();
    assert_eq!(
        (report.full_load, report.events),
        (None, 0),
        "nothing to do"
    );
    assert_eq!(report.pointer, m.sequence());
    let calls = systems.folkeregister.stats();
    assert_eq!(calls.calls_without_subject, 1, "one feed call, no snapshot");

    m.advance(10);
    let report = sync_for(&store, &systems).sync_once(now()).await.unwrap();
    assert_eq!((report.full_load, report.events), (None, 10));
    let stored = store
        .register_events_after(&asker(), 0, 1000)
        .await
        .unwrap();
    assert_eq!(stored.len(), 50, "40 + 10, none applied twice");
    assert_eq!(
        store.register_pointer(&asker(), SOURCE).await.unwrap(),
        Some(m.sequence())
    );
}

#[tokio::test]
async fn a_restart_continues_from_the_stored_pointer_on_sqlite() {
    a_restart_continues_from_the_stored_pointer(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_restart_continues_from_the_stored_pointer_on_postgres() {
    a_restart_continues_from_the_stored_pointer(Backend::Postgres).await;
}

/// The polling task backs off while the register is down, catches up when it is back, and
/// stops when told to.
#[tokio::test]
async fn the_polling_task_rides_out_an_outage() {
    let db = Database::new(Backend::Sqlite).await;
    let store = db.connect().await;
    let (m, systems) = demo();
    let control = systems.folkeregister.control();
    control.set_outage(true);
    let sync = sync_for(&store, &systems).backoff(Backoff {
        first: Duration::from_millis(20),
        max: Duration::from_millis(80),
    });
    let task = Arc::new(sync).spawn(Duration::from_millis(10));

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while systems.folkeregister.stats().refused_outage < 4 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the task keeps trying"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        store.register_pointer(&asker(), SOURCE).await.unwrap(),
        None
    );
    let refused = systems.folkeregister.stats().refused_outage;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let more = systems.folkeregister.stats().refused_outage - refused;
    assert!(
        more <= 3,
        "backing off: {more} calls in 150 ms at waits of up to 80 ms"
    );

    m.advance(30);
    control.set_outage(false);
    while store.register_pointer(&asker(), SOURCE).await.unwrap() != Some(m.sequence()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the task catches up"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(active_count(store.as_ref()).await > 0, "fully loaded");
    task.stop().await;
    m.advance(5);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_ne!(
        store.register_pointer(&asker(), SOURCE).await.unwrap(),
        Some(m.sequence()),
        "stopped: no more syncs"
    );
}
