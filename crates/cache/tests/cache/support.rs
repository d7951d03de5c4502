//! A scripted fake source that counts its calls and can answer, be slow, fail, hang, wait for
//! the test, or not know the resident; and helpers to build caches around it.

use std::collections::VecDeque;
use std::num::{NonZeroU32, NonZeroUsize};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use minside_adapter::{
    Adapter, AdapterError, Category, CategoryInfo, FetchContext, Field, FieldValue, Provenance,
    Purpose, Record, Sensitivity, Subject,
};
use minside_cache::{
    Answer, Cache, CacheError, ManualClock, MemorySnapshotStore, PayloadCipher, SourcePolicy,
    SubjectKey,
};
use minside_core::{Date, Kommunenummer, Pid, Timestamp};
use tokio::sync::{Notify, Semaphore};
use uuid::Uuid;

/// What the fake does on one call.
#[derive(Debug, Clone)]
pub enum Step {
    /// One record with this title.
    Answer(&'static str),
    NotFound,
    Fail(AdapterError),
    /// Never answers.
    Hang,
    /// Answers after a delay.
    Slow(Duration, &'static str),
    /// Answers once the test opens the gate.
    Gated(&'static str),
}

pub struct FakeSource {
    id: &'static str,
    calls: AtomicUsize,
    running: AtomicUsize,
    max_running: AtomicUsize,
    script: Mutex<VecDeque<Step>>,
    otherwise: Mutex<Step>,
    gate: Semaphore,
    started: Notify,
    purposes: Mutex<Vec<Purpose>>,
    call_times: Mutex<Vec<tokio::time::Instant>>,
}

impl FakeSource {
    pub fn new(id: &'static str, otherwise: Step) -> Arc<Self> {
        Arc::new(Self {
            id,
            calls: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            max_running: AtomicUsize::new(0),
            script: Mutex::new(VecDeque::new()),
            otherwise: Mutex::new(otherwise),
            gate: Semaphore::new(0),
            started: Notify::new(),
            purposes: Mutex::new(Vec::new()),
            call_times: Mutex::new(Vec::new()),
        })
    }

    /// The next call does `step` (queued after earlier `then`s).
    pub fn then(&self, step: Step) {
        self.script.lock().unwrap().push_back(step);
    }

    /// Calls without a queued step do `step`.
    pub fn always(&self, step: Step) {
        *self.otherwise.lock().unwrap() = step;
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    pub fn max_running(&self) -> usize {
        self.max_running.load(Ordering::SeqCst)
    }

    pub fn purposes(&self) -> Vec<Purpose> {
        self.purposes.lock().unwrap().clone()
    }

    pub fn call_times(&self) -> Vec<tokio::time::Instant> {
        self.call_times.lock().unwrap().clone()
    }

    /// Lets `n` gated calls answer.
    pub fn open_gate(&self, n: usize) {
        self.gate.add_permits(n);
    }

    /// Waits (at most 5 s) until at least `n` calls have started.
    pub async fn wait_for_calls(&self, n: usize) {
        let wait = async {
            while self.calls() < n {
                let notified = self.started.notified();
                if self.calls() >= n {
                    break;
                }
                notified.await;
            }
        };
        tokio::time::timeout(Duration::from_secs(5), wait)
            .await
            .expect("the source was not called in time");
    }

    fn record(&self, title: &str) -> Record {
        Record {
            id: format!("{}-{title}", self.id),
            category: Category::parse("test-data").unwrap(),
            title: title.to_owned(),
            fields: vec![Field::new(
                "note",
                "Merknad",
                FieldValue::Text(title.to_owned()),
            )],
            provenance: Provenance {
                source: self.id.to_owned(),
                system_name: "Fake".into(),
                fetched_at: Timestamp::now(),
                legal_basis: "test".into(),
                sensitivity: Sensitivity::Normal,
            },
            deep_link: None,
        }
    }
}

#[async_trait]
impl Adapter for FakeSource {
    fn id(&self) -> &str {
        self.id
    }

    fn name(&self) -> &str {
        "Fake"
    }

    fn categories(&self) -> Vec<CategoryInfo> {
        vec![CategoryInfo {
            id: Category::parse("test-data").unwrap(),
            title_nb: "Test".into(),
            title_en: "Test".into(),
            legal_basis: "test".into(),
            sensitivity: Sensitivity::Normal,
        }]
    }

    async fn fetch(
        &self,
        _subject: &Subject,
        categories: &[Category],
        ctx: &FetchContext,
    ) -> Result<Vec<Record>, AdapterError> {
        assert_eq!(categories.len(), 1, "the cache asks for all categories");
        let step = self.script.lock().unwrap().pop_front();
        let step = step.unwrap_or_else(|| self.otherwise.lock().unwrap().clone());
        self.purposes.lock().unwrap().push(ctx.purpose);
        self.call_times
            .lock()
            .unwrap()
            .push(tokio::time::Instant::now());
        let running = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(running, Ordering::SeqCst);
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.started.notify_waiters();
        let result = match step {
            Step::Answer(title) => Ok(vec![self.record(title)]),
            Step::NotFound => Err(AdapterError::NotFound),
            Step::Fail(e) => Err(e),
            Step::Hang => std::future::pending().await,
            Step::Slow(delay, title) => {
                tokio::time::sleep(delay).await;
                Ok(vec![self.record(title)])
            }
            Step::Gated(title) => {
                self.gate.acquire().await.unwrap().forget();
                Ok(vec![self.record(title)])
            }
        };
        self.running.fetch_sub(1, Ordering::SeqCst);
        result
    }
}

pub fn unavailable() -> AdapterError {
    AdapterError::Unavailable("503 from GET /persons/".into())
}

/// A synthetic resident and their internal key.
pub fn resident(n: u128) -> (SubjectKey, Subject) {
    let birth = Date::new(1990, 1, 1).unwrap();
    let pid = (100..500)
        .find_map(|i| Pid::synthetic(birth, i))
        .expect("a synthetic pid");
    let subject = Subject {
        pid,
        kommunenummer: Kommunenummer::parse("3203").unwrap(),
    };
    (SubjectKey(Uuid::from_u128(n)), subject)
}

pub fn ctx() -> FetchContext {
    FetchContext {
        purpose: Purpose::ResidentView,
        request_id: Some("req-1".into()),
    }
}

pub fn cipher() -> PayloadCipher {
    PayloadCipher::new([42; 32])
}

pub fn start() -> Timestamp {
    "2026-03-01T08:00:00Z".parse().unwrap()
}

pub fn minutes(m: u64) -> Duration {
    Duration::from_secs(60 * m)
}

/// Defaults except fast outbound limits, so that tests do not wait on the rate limiter.
pub fn policy() -> SourcePolicy {
    SourcePolicy {
        rate_per_second: NonZeroU32::new(10_000).unwrap(),
        burst: NonZeroU32::new(10_000).unwrap(),
        max_concurrency: NonZeroUsize::new(64).unwrap(),
        ..SourcePolicy::default()
    }
}

/// A cache with one fake source, a manual clock and an in-memory snapshot store.
pub struct Setup {
    pub cache: Cache,
    pub source: Arc<FakeSource>,
    pub clock: Arc<ManualClock>,
    pub store: Arc<MemorySnapshotStore>,
}

impl Setup {
    pub fn new(id: &'static str, otherwise: Step) -> Self {
        Self::with_policy(id, otherwise, policy())
    }

    pub fn with_policy(id: &'static str, otherwise: Step, policy: SourcePolicy) -> Self {
        let source = FakeSource::new(id, otherwise);
        let clock = Arc::new(ManualClock::new(start()));
        let store = Arc::new(MemorySnapshotStore::new());
        let cache = Cache::builder(store.clone(), cipher())
            .source(source.clone(), policy)
            .clock(clock.clone())
            .build()
            .unwrap();
        Self {
            cache,
            source,
            clock,
            store,
        }
    }

    pub async fn get(&self, n: u128) -> Result<Answer, CacheError> {
        let (key, subject) = resident(n);
        self.cache.get(self.source.id, key, &subject, &ctx()).await
    }

    /// Runs `get(n)` on its own task.
    pub fn spawn_get(&self, n: u128) -> tokio::task::JoinHandle<Result<Answer, CacheError>> {
        let cache = self.cache.clone();
        let id = self.source.id;
        tokio::spawn(async move {
            let (key, subject) = resident(n);
            cache.get(id, key, &subject, &ctx()).await
        })
    }

    /// Waits (at most 5 s) until the write-behind has stored `n` snapshots.
    pub async fn wait_for_snapshots(&self, n: usize) {
        eventually(|| async { self.store.len() == n }).await;
    }
}

/// Polls `check` every 5 ms for at most 5 s.
pub async fn eventually<F, Fut>(check: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = bool>,
{
    for _ in 0..1000 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("condition not reached within 5 s");
}

pub fn titles(answer: &Answer) -> Vec<String> {
    answer.records.iter().map(|r| r.title.clone()).collect()
}
