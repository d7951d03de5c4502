//! One protected source: its adapter and policy, its in-process tier, its outbound limits
//! (rate limit, concurrency cap, timeout), its circuit breaker and its in-flight fetches.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use futures_util::FutureExt as _;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use minside_adapter::{Adapter, AdapterError, Category, FetchContext, Record, Subject};
use minside_core::Timestamp;
use tokio::sync::Semaphore;

use crate::SubjectKey;
use crate::breaker::{Admission, Breaker, BreakerState, Outcome, Ticket};
use crate::entry::{Entry, Origin, Window};
use crate::error::scrub;
use crate::flight::Flight;
use crate::metrics::{self, InFlight};
use crate::{CacheError, Clock, PayloadCipher, RedisTier, Snapshot, SnapshotStore, SourcePolicy};

/// What all sources share: the lower tiers and the clock.
pub(crate) struct Tiers {
    pub store: Arc<dyn SnapshotStore>,
    pub cipher: PayloadCipher,
    pub redis: Option<RedisTier>,
    pub clock: Arc<dyn Clock>,
}

pub(crate) struct Source {
    pub id: String,
    pub adapter: Arc<dyn Adapter>,
    categories: Vec<Category>,
    pub policy: SourcePolicy,
    pub memory: moka::future::Cache<SubjectKey, Entry>,
    limiter: DefaultDirectRateLimiter,
    slots: Semaphore,
    pub breaker: Breaker,
    pub flights: Mutex<HashMap<SubjectKey, Arc<Flight>>>,
    pub tiers: Arc<Tiers>,
}

impl Source {
    pub fn new(adapter: Arc<dyn Adapter>, policy: SourcePolicy, tiers: Arc<Tiers>) -> Self {
        let id = adapter.id().to_owned();
        let memory = moka::future::Cache::builder()
            .name(&format!("minside-cache-{id}"))
            .max_capacity(policy.max_entries)
            .time_to_live(policy.lifetime())
            .build();
        let quota = Quota::per_second(policy.rate_per_second).allow_burst(policy.burst);
        Self {
            categories: adapter.categories().into_iter().map(|c| c.id).collect(),
            breaker: Breaker::new(&id, policy.breaker.clone()),
            slots: Semaphore::new(policy.max_concurrency.get()),
            limiter: RateLimiter::direct(quota),
            flights: Mutex::new(HashMap::new()),
            memory,
            adapter,
            policy,
            tiers,
            id,
        }
    }

    pub fn now(&self) -> Timestamp {
        self.tiers.clock.now()
    }

    pub fn lock_flights(&self) -> std::sync::MutexGuard<'_, HashMap<SubjectKey, Arc<Flight>>> {
        self.flights.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One protected call to the adapter: breaker, concurrency slot and rate-limit permit
    /// (waiting at most `max_wait`), then the call under `timeout`. Not-found is an empty list.
    pub async fn call(
        &self,
        subject: &Subject,
        ctx: &FetchContext,
    ) -> Result<Vec<Record>, CacheError> {
        let admission = self.breaker.admit(self.now());
        if admission == Admission::Reject {
            metrics::error(&self.id, "breaker_open");
            return Err(CacheError::BreakerOpen);
        }
        let ticket = Ticket::new(&self.breaker, admission);
        let queued = tokio::time::timeout(self.policy.max_wait, async {
            let slot = self.slots.acquire().await;
            self.limiter.until_ready().await;
            slot
        })
        .await;
        let Ok(Ok(_slot)) = queued else {
            ticket.record(Outcome::NotCalled, self.now());
            metrics::error(&self.id, "throttled");
            tracing::warn!(source = %self.id, "outbound queue to the source is full; not called");
            return Err(CacheError::Unavailable(
                "too many requests are waiting for the source".into(),
            ));
        };
        // The breaker may have opened while this call waited for its turn (the calls ahead of
        // it failed): then it is not made. A probe goes on: it is the one call an open breaker
        // lets through.
        if admission == Admission::Call && self.breaker.state(self.now()) != BreakerState::Closed {
            ticket.record(Outcome::NotCalled, self.now());
            metrics::error(&self.id, "breaker_open");
            return Err(CacheError::BreakerOpen);
        }
        metrics::call(&self.id);
        let in_flight = InFlight::start(&self.id);
        let fetch = AssertUnwindSafe(self.adapter.fetch(subject, &self.categories, ctx));
        let result = match tokio::time::timeout(self.policy.timeout, fetch.catch_unwind()).await {
            Err(_elapsed) => Err(AdapterError::Timeout),
            Ok(Err(_panic)) => Err(AdapterError::Unavailable("the adapter panicked".into())),
            Ok(Ok(result)) => result,
        };
        drop(in_flight);
        let now = self.now();
        match result {
            Ok(records) => {
                ticket.record(Outcome::Reachable, now);
                Ok(records)
            }
            Err(AdapterError::NotFound) => {
                ticket.record(Outcome::Reachable, now);
                Ok(Vec::new())
            }
            Err(e) => {
                let outcome = if e.trips_breaker() {
                    Outcome::Failed
                } else {
                    Outcome::Reachable
                };
                ticket.record(outcome, now);
                let pid = subject.pid.expose();
                let error = CacheError::from_adapter(&e, pid);
                metrics::error(&self.id, error.metric_kind());
                tracing::warn!(
                    source = %self.id,
                    error = %scrub(&e.to_string(), pid),
                    "source call failed"
                );
                Err(error)
            }
        }
    }

    /// Puts a copy into the in-process tier unless a newer one is there.
    pub async fn remember(&self, key: SubjectKey, entry: Entry) {
        self.memory
            .entry(key)
            .and_compute_with(|current| {
                let newer_present =
                    current.is_some_and(|c| c.value().fetched_at > entry.fetched_at);
                async move {
                    if newer_present {
                        moka::ops::compute::Op::Nop
                    } else {
                        moka::ops::compute::Op::Put(entry)
                    }
                }
            })
            .await;
    }

    /// Looks for a usable copy in Redis, then in the snapshot store.
    pub async fn load_copy(&self, key: SubjectKey) -> Option<Entry> {
        let now = self.now();
        let usable = |e: &Entry| e.window(now) != Window::Expired;
        if let Some(redis) = &self.tiers.redis {
            match redis.get(&self.id, key).await {
                Ok(Some(sealed)) => {
                    if let Some(e) = self.open(key, &sealed, Origin::Shared).filter(usable) {
                        return Some(e);
                    }
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(source = %self.id, error = %e, "redis read failed"),
            }
        }
        match self.tiers.store.load(&self.id, key).await {
            Ok(Some(snapshot)) => self
                .open(key, &snapshot.sealed, Origin::Persisted)
                .filter(usable),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(source = %self.id, error = %e, "snapshot load failed");
                None
            }
        }
    }

    fn open(&self, key: SubjectKey, sealed: &[u8], origin: Origin) -> Option<Entry> {
        let tiers = &self.tiers;
        match Entry::open(&tiers.cipher, &self.id, key, sealed, &self.policy, origin) {
            Ok(entry) => Some(entry),
            Err(e) => {
                tracing::warn!(
                    source = %self.id,
                    tier = ?origin,
                    error = %e,
                    "ignoring a stored copy that cannot be opened (other key or changed bytes)"
                );
                None
            }
        }
    }

    /// Writes a fetched copy to the persistent store and Redis; failures are logged only.
    pub async fn persist(&self, key: SubjectKey, entry: &Entry) {
        let sealed = match entry.seal(&self.tiers.cipher, &self.id, key) {
            Ok(sealed) => sealed,
            Err(e) => {
                tracing::warn!(source = %self.id, error = %e, "could not seal a copy");
                return;
            }
        };
        if let Some(redis) = &self.tiers.redis {
            let ttl = entry.error_until.duration_since(self.now());
            if let Ok(ttl) = std::time::Duration::try_from(ttl)
                && let Err(e) = redis.put(&self.id, key, &sealed, ttl).await
            {
                tracing::warn!(source = %self.id, error = %e, "redis write failed");
            }
        }
        let snapshot = Snapshot {
            sealed,
            fetched_at: entry.fetched_at,
        };
        if let Err(e) = self.tiers.store.save(&self.id, key, snapshot).await {
            tracing::warn!(source = %self.id, error = %e, "snapshot save failed");
        }
    }

    /// Drops this instance's copy and makes a running fetch for the key keep its result to
    /// itself; waits until such a fetch has finished writing.
    pub async fn forget(&self, key: SubjectKey) {
        let flight = self.lock_flights().remove(&key);
        if let Some(flight) = flight {
            flight.invalidated.store(true, Ordering::SeqCst);
            let _writing = flight.persist.lock().await;
            self.memory.invalidate(&key).await;
        } else {
            self.memory.invalidate(&key).await;
        }
    }
}
