//! The cache in front of all sources: building it, answering gets, invalidating copies.

use std::collections::BTreeMap;
use std::sync::Arc;

use minside_adapter::{Adapter, FetchContext, Purpose, Subject};
use tokio::sync::oneshot;

use crate::breaker::BreakerState;
use crate::entry::{Origin, Window};
use crate::flight::{self, FlightState};
use crate::metrics;
use crate::source::{Source, Tiers};
use crate::{
    Answer, CacheError, Clock, Freshness, PayloadCipher, RedisTier, SnapshotStore, SourcePolicy,
    StaleReason, SubjectKey, SystemClock,
};

/// The caching layer in front of every adapter. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Cache {
    inner: Arc<Inner>,
}

struct Inner {
    sources: Arc<BTreeMap<String, Arc<Source>>>,
    tiers: Arc<Tiers>,
    /// Dropping it stops the Redis invalidation listener.
    _stop_listener: Option<oneshot::Sender<()>>,
}

/// Collects the sources and tiers of a [`Cache`].
pub struct CacheBuilder {
    store: Arc<dyn SnapshotStore>,
    cipher: PayloadCipher,
    sources: Vec<(Arc<dyn Adapter>, SourcePolicy)>,
    redis: Option<RedisTier>,
    clock: Arc<dyn Clock>,
}

impl CacheBuilder {
    /// Puts `adapter` behind the cache with `policy`.
    pub fn source(mut self, adapter: Arc<dyn Adapter>, policy: SourcePolicy) -> Self {
        self.sources.push((adapter, policy));
        self
    }

    /// Adds the shared Redis tier and cross-instance invalidation.
    pub fn redis(mut self, tier: RedisTier) -> Self {
        self.redis = Some(tier);
        self
    }

    /// Replaces the wall clock that decides the windows and the breaker's open time.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Fails on a duplicate or malformed source id, or when Redis is configured outside a
    /// Tokio runtime.
    pub fn build(self) -> Result<Cache, CacheError> {
        let mut redis = self.redis;
        let subscription = redis.as_mut().and_then(RedisTier::take_subscription);
        let tiers = Arc::new(Tiers {
            store: self.store,
            cipher: self.cipher,
            redis,
            clock: self.clock,
        });
        let mut sources = BTreeMap::new();
        for (adapter, policy) in self.sources {
            let id = adapter.id().to_owned();
            check_source_id(&id)?;
            let source = Arc::new(Source::new(adapter, policy, Arc::clone(&tiers)));
            if sources.insert(id.clone(), source).is_some() {
                return Err(CacheError::Config(format!(
                    "source {id:?} is configured twice"
                )));
            }
        }
        let sources = Arc::new(sources);
        let stop = match (&tiers.redis, subscription) {
            (Some(redis), Some(subscription)) => {
                let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
                    CacheError::Config("the Redis tier needs a Tokio runtime".into())
                })?;
                let (stop, stopped) = oneshot::channel();
                runtime.spawn(redis.listen(subscription, Arc::clone(&sources), stopped));
                Some(stop)
            }
            _ => None,
        };
        Ok(Cache {
            inner: Arc::new(Inner {
                sources,
                tiers,
                _stop_listener: stop,
            }),
        })
    }
}

/// Source ids go into keys, channels and metric labels: ASCII letters, digits, `-`, `_`, `.`.
fn check_source_id(id: &str) -> Result<(), CacheError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(CacheError::Config(format!(
            "source id {id:?} must be 1 to 64 of a-z, A-Z, 0-9, '-', '_', '.'"
        )))
    }
}

impl Cache {
    pub fn builder(store: Arc<dyn SnapshotStore>, cipher: PayloadCipher) -> CacheBuilder {
        CacheBuilder {
            store,
            cipher,
            sources: Vec::new(),
            redis: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// All of `source`'s records for the resident `key`, fresh or stale (see the README for
    /// exactly when each happens). `subject` must be the resident that `key` names: it is what
    /// the adapter is called with, and the copy is stored under `key`.
    #[tracing::instrument(name = "cache.get", skip_all, fields(source = %source))]
    pub async fn get(
        &self,
        source: &str,
        key: SubjectKey,
        subject: &Subject,
        ctx: &FetchContext,
    ) -> Result<Answer, CacheError> {
        let src = self.source(source)?;
        let served = serve(src, key, subject, ctx).await;
        match &served {
            Ok((answer, hit)) => {
                if *hit {
                    metrics::hit(source);
                } else {
                    metrics::miss(source);
                }
                if !answer.freshness.is_fresh() {
                    metrics::stale_served(source);
                }
            }
            Err(_) => metrics::miss(source),
        }
        served.map(|(answer, _)| answer)
    }

    /// Drops every copy of `source`'s answer for `key`: this instance's memory, the persistent
    /// copy, the Redis copy, and (through Redis) other instances' memory. The next get asks the
    /// source. A fetch running meanwhile still answers its waiters but stores nothing.
    ///
    /// Fails with `Unavailable` when the persistent copy could not be deleted or Redis could
    /// not be told; this instance's memory copy is gone either way, and a retry is safe.
    #[tracing::instrument(name = "cache.invalidate", skip_all, fields(source = %source))]
    pub async fn invalidate(&self, source: &str, key: SubjectKey) -> Result<(), CacheError> {
        let src = self.source(source)?;
        src.forget(key).await;
        self.inner
            .tiers
            .store
            .delete(source, key)
            .await
            .map_err(|e| {
                tracing::warn!(source, error = %e, "snapshot delete failed");
                CacheError::Unavailable("the persistent copy could not be deleted".into())
            })?;
        if let Some(redis) = &self.inner.tiers.redis {
            redis.invalidate(source, key).await.map_err(|e| {
                tracing::warn!(source, error = %e, "redis invalidation failed");
                CacheError::Unavailable("other instances could not be told".into())
            })?;
        }
        Ok(())
    }

    pub fn source_ids(&self) -> Vec<String> {
        self.inner.sources.keys().cloned().collect()
    }

    pub fn adapter(&self, id: &str) -> Option<Arc<dyn Adapter>> {
        self.inner.sources.get(id).map(|s| Arc::clone(&s.adapter))
    }

    pub fn policy(&self, id: &str) -> Option<&SourcePolicy> {
        self.inner.sources.get(id).map(|s| &s.policy)
    }

    pub fn breaker_states(&self) -> Vec<(String, BreakerState)> {
        let now = self.inner.tiers.clock.now();
        self.inner
            .sources
            .iter()
            .map(|(id, s)| (id.clone(), s.breaker.state(now)))
            .collect()
    }

    fn source(&self, id: &str) -> Result<&Arc<Source>, CacheError> {
        self.inner.sources.get(id).ok_or(CacheError::UnknownSource)
    }
}

/// The answer and whether it came from a copy without asking the source first (a hit).
async fn serve(
    src: &Arc<Source>,
    key: SubjectKey,
    subject: &Subject,
    ctx: &FetchContext,
) -> Result<(Answer, bool), CacheError> {
    let now = src.now();
    let cached = src.memory.get(&key).await;
    let copy = match cached {
        Some(entry) => match entry.window(now) {
            Window::Fresh => return Ok((entry.answer(Freshness::Fresh), true)),
            Window::Revalidate if src.breaker.refuses(now) => {
                return Ok((entry.answer_at(now, StaleReason::BreakerOpen), true));
            }
            Window::Revalidate => {
                let refresh = FetchContext {
                    purpose: Purpose::Refresh,
                    request_id: ctx.request_id.clone(),
                };
                flight::join_or_start(src, key, subject, &refresh, Some(entry.clone()));
                return Ok((entry.answer_at(now, entry.revalidate_reason()), true));
            }
            Window::IfError if src.breaker.refuses(now) => {
                return Ok((entry.answer_at(now, StaleReason::BreakerOpen), false));
            }
            Window::IfError => Some(entry),
            Window::Expired => {
                src.memory.invalidate(&key).await;
                None
            }
        },
        None => None,
    };
    let flight = flight::join_or_start(src, key, subject, ctx, copy);
    let clock = Arc::clone(&src.tiers.clock);
    let state = flight
        .settled(|e| e.window(clock.now()) == Window::Revalidate)
        .await;
    let now = src.now();
    match state {
        FlightState::Copy(entry) => Ok((entry.answer_at(now, entry.revalidate_reason()), true)),
        FlightState::Done {
            result: Ok(entry), ..
        } => {
            let hit = entry.origin != Origin::Fetched;
            Ok((entry.answer_at(now, entry.revalidate_reason()), hit))
        }
        FlightState::Done {
            result: Err(error),
            copy: Some(copy),
        } if error.serves_stale() && copy.window(now) != Window::Expired => {
            // A copy in the revalidate window is answered as if it had been served before the
            // refresh (which merely failed faster than this caller looked).
            let (reason, hit) = match copy.window(now) {
                _ if error == CacheError::BreakerOpen => (StaleReason::BreakerOpen, false),
                Window::Fresh | Window::Revalidate => (copy.revalidate_reason(), true),
                Window::IfError | Window::Expired => (StaleReason::SourceFailed, false),
            };
            Ok((copy.answer_at(now, reason), hit))
        }
        FlightState::Done {
            result: Err(error), ..
        } => Err(error),
        FlightState::Pending => Err(CacheError::Unavailable(
            "the fetch ended unexpectedly".into(),
        )),
    }
}
