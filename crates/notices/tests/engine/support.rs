//! A tenant with a register population on a real store (SQLite file or a fresh PostgreSQL
//! database), and helpers to make rules and count notices.

use std::sync::Arc;

use jiff::civil::{Date, date};
use jiff::{Timestamp, ToSpan};
use minside_core::{Kommunenummer, Pid};
use minside_notices::{Engine, EngineConfig, RuleDraft, validate};
use minside_store::{
    RegisterAddress, RegisterChange, RegisterEventKind, RegisterPerson, ResidentFacts,
    ResidentStatus, RuleId, RuleStatus, Store,
};
use serde_json::Value;

/// Runs each named story (an `async fn(TestEnv)` in the same module) once on SQLite and once
/// on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story($crate::support::TestEnv::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    super::$story($crate::support::TestEnv::postgres().await).await;
                }
            )*
        }
    };
}

pub const SOURCE: &str = "test-register";

/// The evaluated day, and an instant on it (09:00 in Oslo).
pub fn today() -> Date {
    date(2027, 3, 1)
}

pub fn now() -> Timestamp {
    "2027-03-01T08:00:00Z".parse().expect("a timestamp")
}

pub struct TestEnv {
    pub store: Arc<dyn Store>,
    pub k: Kommunenummer,
    _dir: Option<tempfile::TempDir>,
}

impl TestEnv {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = minside_store_sqlite::SqliteStore::connect(&url)
            .await
            .expect("sqlite store");
        Self::with(Arc::new(store), Some(dir)).await
    }

    pub async fn postgres() -> Self {
        let url = minside_store_postgres::testing::fresh_database_url().await;
        let store = minside_store_postgres::PostgresStore::connect(&url)
            .await
            .expect("postgres store");
        Self::with(Arc::new(store), None).await
    }

    async fn with(store: Arc<dyn Store>, dir: Option<tempfile::TempDir>) -> Self {
        let k = Kommunenummer::parse("3203").expect("Asker");
        store
            .upsert_tenant(&k, "Asker", now())
            .await
            .expect("tenant");
        Self {
            store,
            k,
            _dir: dir,
        }
    }

    pub fn engine(&self) -> Engine<dyn Store> {
        self.engine_named("test-instance")
    }

    pub fn engine_named(&self, instance: &str) -> Engine<dyn Store> {
        Engine::new(
            Arc::clone(&self.store),
            EngineConfig {
                instance: instance.to_owned(),
                page_size: 7,
                batch_size: 5,
                ..EngineConfig::default()
            },
        )
    }

    /// Loads `people` as the register's full population.
    pub async fn load(&self, people: &[RegisterPerson], sequence: u64) {
        self.store
            .apply_register_snapshot(&self.k, SOURCE, people, sequence, now())
            .await
            .expect("snapshot");
    }

    /// Applies one feed event.
    pub async fn change(&self, sequence: u64, kind: RegisterEventKind, person: &RegisterPerson) {
        let change = RegisterChange {
            sequence,
            kind,
            occurred: today() - 1.day(),
            person: person.clone(),
        };
        self.store
            .apply_register_changes(&self.k, SOURCE, &[change], now())
            .await
            .expect("change");
    }

    /// Validates the draft, stores it and activates it.
    pub async fn active_rule(&self, draft: Value) -> RuleId {
        let draft: RuleDraft = serde_json::from_value(draft).expect("a draft");
        let rule = validate(&draft).expect("a valid rule");
        let stored = self
            .store
            .create_rule(&self.k, rule.to_fields(), "caseworker", now())
            .await
            .expect("create rule");
        self.store
            .set_rule_status(
                &self.k,
                stored.id,
                1,
                RuleStatus::Active,
                "caseworker",
                now(),
            )
            .await
            .expect("activate");
        stored.id
    }

    /// Notices created by the rule.
    pub async fn created(&self, rule: RuleId) -> u64 {
        self.store
            .rule_stats(&self.k, rule)
            .await
            .expect("stats")
            .created
    }

    /// The mirror's facts of the person with this identity number.
    pub async fn facts(&self, pid: &Pid) -> ResidentFacts {
        let resident = self
            .store
            .find_resident_by_pid(&self.k, pid)
            .await
            .expect("lookup")
            .expect("a resident");
        self.store
            .resident_facts(&[resident.id])
            .await
            .expect("facts")
            .pop()
            .expect("facts of a known resident")
    }
}

/// A synthetic person born on `birth` (the `n`th test person of that date), living at
/// postcode `postcode` in Asker.
pub fn person(
    given: &str,
    birth: Date,
    n: u16,
    postcode: &str,
    guardians: &[&Pid],
) -> RegisterPerson {
    let base = if birth.year() >= 2000 { 500 } else { 0 };
    let pid = (n * 20..500)
        .find_map(|i| Pid::synthetic(birth, base + i))
        .expect("a valid synthetic number");
    RegisterPerson {
        pid,
        given_name: given.to_owned(),
        family_name: "Testesen".to_owned(),
        birth_date: birth,
        address: Some(RegisterAddress {
            street: "Testveien 1".to_owned(),
            postcode: postcode.to_owned(),
            city: "Asker".to_owned(),
            point: None,
        }),
        moved_in: Some(date(2020, 1, 1)),
        status: ResidentStatus::Active,
        guardians: guardians.iter().map(|p| (*p).clone()).collect(),
    }
}

/// Marks every claimed inbox item delivered so the inbox shows the notices.
pub async fn deliver_inbox(env: &TestEnv) {
    deliver_inbox_at(env, now()).await;
}

/// [`deliver_inbox`] at `at` (for notices created later than [`now`]).
pub async fn deliver_inbox_at(env: &TestEnv, at: Timestamp) {
    let claim = minside_store::OutboxClaim {
        owner: "test-delivery".to_owned(),
        channels: vec![minside_store::Channel::Inbox],
        limit: 10_000,
        lease: std::time::Duration::from_secs(60),
        now: at,
    };
    let items = env.store.claim_outbox(&claim).await.expect("claim");
    let outcomes: Vec<_> = items
        .iter()
        .map(|i| (i.id, minside_store::OutboxOutcome::Delivered { at }))
        .collect();
    env.store
        .complete_outbox("test-delivery", &outcomes)
        .await
        .expect("complete");
}

/// The recipient's inbox notices (delivered ones).
pub async fn inbox(env: &TestEnv, pid: &Pid) -> Vec<minside_store::Notice> {
    let facts = env.facts(pid).await;
    env.store
        .list_inbox(facts.id, minside_store::InboxFilter::Current, None, 100)
        .await
        .expect("inbox")
}
