//! The legacy-system stand-in: a plausible legacy JSON API with the behaviour that makes a
//! cache necessary. Log-normal latency (the demo adapters' model), a hard concurrency cap
//! (further calls refused with 503, or queued), faults switched at run time and counters.
//!
//! - `GET /api/{system}/residents/records` with the resident in the `X-Fnr` header (what
//!   MinSide's mapping adapter and nginx send), or `GET /api/{system}/residents/{key}/records`.
//! - `GET|POST /admin/faults` (`{"error_rate": 0.1, "outage": true, "hang": false}`),
//!   `GET /admin/stats`, `POST /admin/reset` (the stats so far, then a new count).

mod counters;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
pub use counters::{CallEnd, Counters, Stats};
use minside_adapter_demo::Latency;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

/// What happens to calls above the capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum CapMode {
    /// Refused at once with 503 (an overloaded legacy system).
    Reject,
    /// Wait for a free slot.
    Queue,
}

/// How the stand-in behaves.
#[derive(Debug, Clone)]
pub struct StandinConfig {
    pub latency: Latency,
    pub capacity: usize,
    pub mode: CapMode,
    /// The fresh window, for the per-key-per-window counters.
    pub window: Duration,
    /// Records per answer.
    pub records: usize,
    pub seed: u64,
}

/// The faults switched at run time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Faults {
    /// Share of calls answered with 500 after their latency.
    pub error_rate: f64,
    /// Every call refused at once with 503.
    pub outage: bool,
    /// Calls take a slot and never answer (until the caller gives up).
    pub hang: bool,
}

/// A change of faults; fields left out stay as they are.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultChange {
    pub error_rate: Option<f64>,
    pub outage: Option<bool>,
    pub hang: Option<bool>,
}

struct Inner {
    config: StandinConfig,
    faults: Mutex<Faults>,
    counters: Mutex<Counters>,
    in_service: AtomicUsize,
    queue: Semaphore,
    rng: Mutex<ChaCha8Rng>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The stand-in's shared state.
#[derive(Clone)]
pub struct Standin(Arc<Inner>);

/// A call in service; frees its slot when the call ends or the caller goes away.
struct Slot<'a>(&'a Inner, Option<tokio::sync::SemaphorePermit<'a>>);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.in_service.fetch_sub(1, Ordering::SeqCst);
        self.1.take();
    }
}

impl Standin {
    pub fn new(config: StandinConfig) -> Self {
        let capacity = config.capacity.max(1);
        Self(Arc::new(Inner {
            faults: Mutex::new(Faults::default()),
            counters: Mutex::new(Counters::new(config.window, Instant::now())),
            in_service: AtomicUsize::new(0),
            queue: Semaphore::new(capacity),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(config.seed)),
            config: StandinConfig { capacity, ..config },
        }))
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/api/{system}/residents/records", get(by_header))
            .route("/api/{system}/residents/{key}/records", get(by_path))
            .route("/admin/faults", get(faults).post(change_faults))
            .route("/admin/stats", get(stats))
            .route("/admin/reset", axum::routing::post(reset))
            .route("/health", get(|| async { "ok" }))
            .with_state(self.clone())
    }

    pub fn faults(&self) -> Faults {
        *lock(&self.0.faults)
    }

    pub fn stats(&self) -> Stats {
        lock(&self.0.counters).stats(Instant::now())
    }

    async fn enter(&self) -> Option<Slot<'_>> {
        let inner = &*self.0;
        let permit = match inner.config.mode {
            CapMode::Reject => {
                let was = inner.in_service.fetch_add(1, Ordering::SeqCst);
                if was >= inner.config.capacity {
                    inner.in_service.fetch_sub(1, Ordering::SeqCst);
                    return None;
                }
                None
            }
            CapMode::Queue => {
                let permit = inner.queue.acquire().await.ok()?;
                inner.in_service.fetch_add(1, Ordering::SeqCst);
                Some(permit)
            }
        };
        let now = inner.in_service.load(Ordering::SeqCst);
        lock(&inner.counters).concurrency(now);
        Some(Slot(inner, permit))
    }

    /// One call for `key` of `system`.
    async fn call(&self, system: &str, key: &str) -> Response {
        let counted = format!("{system}/{key}");
        lock(&self.0.counters).arrive(&counted, Instant::now());
        let faults = self.faults();
        let end = |how| lock(&self.0.counters).end(how);
        if faults.outage {
            end(CallEnd::Outage);
            return unavailable("outage");
        }
        let Some(_slot) = self.enter().await else {
            end(CallEnd::Rejected);
            return unavailable("over capacity");
        };
        if faults.hang {
            end(CallEnd::Hung);
            std::future::pending::<()>().await;
        }
        let (delay, fails) = {
            let mut rng = lock(&self.0.rng);
            let delay = self.0.config.latency.sample(&mut *rng);
            (delay, rng.random::<f64>() < faults.error_rate)
        };
        tokio::time::sleep(delay).await;
        if fails {
            end(CallEnd::InjectedError);
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
        }
        end(CallEnd::Answered);
        let body = document(system, key, self.0.config.records, jiff::Timestamp::now());
        ([(header::CONTENT_TYPE, "application/json")], body).into_response()
    }
}

fn unavailable(why: &'static str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "1")],
        format!("{why}\n"),
    )
        .into_response()
}

/// The legacy system's answer: `served_at` (when it was produced, for the age of stale copies)
/// and the resident's invoices. The content depends only on system and key; the key itself is
/// not echoed.
pub fn document(system: &str, key: &str, records: usize, now: jiff::Timestamp) -> String {
    let mut h = DefaultHasher::new();
    (system, key).hash(&mut h);
    let seed = h.finish();
    let served_at = now.to_string();
    let items: Vec<serde_json::Value> = (0..records as u64)
        .map(|i| {
            let n = seed.wrapping_add(i.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            serde_json::json!({
                "invoiceNo": format!("F-{}", n % 100_000_000),
                "text": "Kommunale avgifter (vann, avløp, renovasjon)",
                "amount": format!("{}.{:02}", 500 + n % 9_500, n % 100),
                "dueDate": format!("2026-{:02}-{:02}", 1 + n % 12, 1 + n % 28),
                "status": if n % 3 == 0 { "B" } else { "U" },
                "servedAt": served_at,
            })
        })
        .collect();
    serde_json::json!({ "servedAt": served_at, "invoices": items }).to_string()
}

async fn by_header(
    State(s): State<Standin>,
    Path(system): Path<String>,
    headers: HeaderMap,
) -> Response {
    match headers.get("x-fnr").and_then(|v| v.to_str().ok()) {
        Some(key) if !key.is_empty() => s.call(&system, key).await,
        _ => (StatusCode::BAD_REQUEST, "X-Fnr is required\n").into_response(),
    }
}

async fn by_path(
    State(s): State<Standin>,
    Path((system, key)): Path<(String, String)>,
) -> Response {
    s.call(&system, &key).await
}

async fn faults(State(s): State<Standin>) -> Json<Faults> {
    Json(s.faults())
}

async fn change_faults(State(s): State<Standin>, Json(change): Json<FaultChange>) -> Json<Faults> {
    let mut f = lock(&s.0.faults);
    if let Some(rate) = change.error_rate {
        f.error_rate = rate.clamp(0.0, 1.0);
    }
    if let Some(on) = change.outage {
        f.outage = on;
    }
    if let Some(on) = change.hang {
        f.hang = on;
    }
    Json(*f)
}

async fn stats(State(s): State<Standin>) -> Json<Stats> {
    Json(s.stats())
}

async fn reset(State(s): State<Standin>) -> Json<Stats> {
    let in_service = s.0.in_service.load(Ordering::SeqCst);
    Json(lock(&s.0.counters).reset(Instant::now(), in_service))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_document_is_stable_per_key_and_does_not_echo_it() {
        let t = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let a = document("sys0", "01018012345", 3, t);
        assert_eq!(a, document("sys0", "01018012345", 3, t));
        assert_ne!(a, document("sys0", "01018012346", 3, t));
        assert!(!a.contains("01018012345"));
        let v: serde_json::Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["invoices"].as_array().unwrap().len(), 3);
        assert_eq!(v["servedAt"], "2027-01-15T08:00:00Z");
    }

    fn get(key: &str) -> axum::http::Request<axum::body::Body> {
        axum::http::Request::get("/api/sys0/residents/records")
            .header("x-fnr", key)
            .body(axum::body::Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn calls_above_the_capacity_and_during_an_outage_are_refused() {
        use tower::ServiceExt as _;
        let s = Standin::new(StandinConfig {
            latency: Latency::Fixed { ms: 0 },
            capacity: 1,
            mode: CapMode::Reject,
            window: Duration::from_secs(10),
            records: 1,
            seed: 1,
        });
        let ok = s.router().oneshot(get("a")).await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        // A hanging call holds the only slot; the next one is refused at once.
        s.0.faults.lock().unwrap().hang = true;
        let held = tokio::spawn(s.router().oneshot(get("b")));
        while s.0.in_service.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        let refused = s.router().oneshot(get("c")).await.unwrap();
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        held.abort();
        let _ = held.await;
        assert_eq!(
            s.0.in_service.load(Ordering::SeqCst),
            0,
            "the slot is freed"
        );
        s.0.faults.lock().unwrap().hang = false;
        s.0.faults.lock().unwrap().outage = true;
        let down = s.router().oneshot(get("a")).await.unwrap();
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        let st = s.stats();
        assert_eq!(st.calls_total, 4);
        assert_eq!(st.distinct_keys, 3);
        assert_eq!((st.answered, st.hung), (1, 1));
        assert_eq!((st.rejected_over_capacity, st.refused_outage), (1, 1));
        assert_eq!(st.max_concurrency, 1);
    }
}
