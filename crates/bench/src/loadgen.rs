//! The load generator: sends requests for Zipf-distributed residents at a fixed rate (open
//! loop, see [`crate::schedule`]) to MinSide's overview, to nginx in front of the stand-in, or to
//! a floor route, and reads from each answer whether it was fresh, stale (and how old) or
//! without data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio::sync::mpsc;

use crate::schedule::{Freshness, OpenLoop, Outcome, PhaseRecorder};
use crate::zipf::Zipf;

/// Requests still waiting beyond this many are not sent: they count as errors.
const MAX_IN_FLIGHT: u64 = 8_000;
/// Client-side timeout of one request.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// What is asked.
#[derive(Clone)]
pub enum Target {
    /// `GET {base}/api/v1/me/overview` with resident `i`'s session cookie.
    Minside {
        base: String,
        tokens: Arc<Vec<String>>,
    },
    /// `GET {base}/api/sys0/residents/records` with resident `i` in `X-Fnr`.
    Nginx {
        base: String,
        pids: Arc<Vec<String>>,
    },
    /// A route that does no work (`/health/live`, nginx `return 200`).
    Floor { url: String },
}

impl Target {
    async fn send(&self, client: &reqwest::Client, resident: usize) -> Outcome {
        let request = match self {
            Self::Minside { base, tokens } => client
                .get(format!("{base}/api/v1/me/overview"))
                .header("cookie", format!("minside_session={}", tokens[resident])),
            Self::Nginx { base, pids } => client
                .get(format!("{base}/api/sys0/residents/records"))
                .header("x-fnr", &pids[resident]),
            Self::Floor { url } => client.get(url),
        };
        let failed = Outcome {
            status: None,
            freshness: Freshness::Unknown,
        };
        let Ok(response) = request.send().await else {
            return failed;
        };
        let status = response.status().as_u16();
        let cache_status = response
            .headers()
            .get("x-cache-status")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Ok(body) = response.bytes().await else {
            return failed;
        };
        let freshness = if !(200..300).contains(&status) {
            Freshness::Unknown
        } else {
            match self {
                Self::Minside { .. } => minside_freshness(&body, jiff::Timestamp::now()),
                Self::Nginx { .. } => {
                    nginx_freshness(cache_status.as_deref(), &body, jiff::Timestamp::now())
                }
                Self::Floor { .. } => Freshness::Unknown,
            }
        };
        Outcome {
            status: Some(status),
            freshness,
        }
    }
}

fn age_ms(at: Option<&str>, now: jiff::Timestamp) -> u64 {
    at.and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map_or(0, |t| {
            u64::try_from(now.duration_since(t).as_millis()).unwrap_or(0)
        })
}

/// MinSide's overview: any source unavailable -> no data; else any stale -> stale, aged by
/// the oldest stale source's `fetched_at`.
pub fn minside_freshness(body: &[u8], now: jiff::Timestamp) -> Freshness {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Freshness::NoData;
    };
    let Some(sources) = v["sources"].as_array().filter(|s| !s.is_empty()) else {
        return Freshness::NoData;
    };
    let mut stale: Option<u64> = None;
    for s in sources {
        match s["status"]["state"].as_str() {
            Some("fresh") => {}
            Some("stale") => {
                let age = age_ms(s["status"]["fetched_at"].as_str(), now);
                stale = Some(stale.map_or(age, |a| a.max(age)));
            }
            _ => return Freshness::NoData,
        }
    }
    stale.map_or(Freshness::Fresh, |age_ms| Freshness::Stale { age_ms })
}

/// nginx: `X-Cache-Status` STALE or UPDATING is a stale copy, aged by the stand-in's
/// `servedAt` in the body.
pub fn nginx_freshness(cache_status: Option<&str>, body: &[u8], now: jiff::Timestamp) -> Freshness {
    match cache_status {
        Some("STALE" | "UPDATING") => {
            let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
            Freshness::Stale {
                age_ms: age_ms(v["servedAt"].as_str(), now),
            }
        }
        _ => Freshness::Fresh,
    }
}

/// Called at phase boundaries: `boundary(i)` as phase `i` starts, and
/// `boundary(phases.len())` once the last request was due.
#[async_trait]
pub trait PhaseHooks: Send {
    async fn boundary(&mut self, phase: usize);
}

/// No hooks.
pub struct NoHooks;

#[async_trait]
impl PhaseHooks for NoHooks {
    async fn boundary(&mut self, _phase: usize) {}
}

/// An HTTP client for the load: keep-alive, no proxy, no cookie jar, [`CLIENT_TIMEOUT`].
pub fn client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(4096)
        .timeout(CLIENT_TIMEOUT)
        .build()?)
}

/// Runs the plan against `target` over `zipf`'s residents; one recorder per phase.
pub async fn run(
    plan: &OpenLoop,
    target: &Target,
    zipf: &Zipf,
    seed: u64,
    hooks: &mut dyn PhaseHooks,
) -> anyhow::Result<Vec<PhaseRecorder>> {
    let client = client()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Instant, Instant, Outcome)>();
    let phases = plan.phases.len();
    let collector = tokio::spawn(async move {
        let mut recorders: Vec<PhaseRecorder> = (0..phases).map(|_| PhaseRecorder::new()).collect();
        while let Some((phase, intended, done, outcome)) = rx.recv().await {
            recorders[phase].record(intended, done, &outcome);
        }
        recorders
    });
    let in_flight = Arc::new(AtomicU64::new(0));
    hooks.boundary(0).await;
    let start = Instant::now();
    let mut phase = 0;
    for i in 0..plan.total_requests() {
        let offset = plan.intended_offset(i);
        let p = plan.phase_at(offset);
        while phase < p {
            phase += 1;
            hooks.boundary(phase).await;
        }
        let intended = start + offset;
        tokio::time::sleep_until(intended.into()).await;
        let resident = zipf.sample(&mut rng);
        if in_flight.load(Ordering::Relaxed) >= MAX_IN_FLIGHT {
            let failed = Outcome {
                status: None,
                freshness: Freshness::Unknown,
            };
            let _ = tx.send((p, intended, Instant::now(), failed));
            continue;
        }
        in_flight.fetch_add(1, Ordering::Relaxed);
        let (tx, client, target, in_flight) = (
            tx.clone(),
            client.clone(),
            target.clone(),
            in_flight.clone(),
        );
        tokio::spawn(async move {
            let outcome = target.send(&client, resident).await;
            in_flight.fetch_sub(1, Ordering::Relaxed);
            let _ = tx.send((p, intended, Instant::now(), outcome));
        });
    }
    hooks.boundary(phases).await;
    drop(tx);
    Ok(collector.await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn minside_answers_are_classified_by_their_worst_source() {
        let now: jiff::Timestamp = "2026-11-23T10:00:10Z".parse().unwrap();
        let body = |states: &[(&str, &str)]| {
            let sources: Vec<_> = states
                .iter()
                .map(
                    |(state, at)| serde_json::json!({"status": {"state": state, "fetched_at": at}}),
                )
                .collect();
            serde_json::to_vec(&serde_json::json!({ "sources": sources })).unwrap()
        };
        let t = "2026-11-23T10:00:00Z";
        assert_eq!(
            minside_freshness(&body(&[("fresh", t)]), now),
            Freshness::Fresh
        );
        assert_eq!(
            minside_freshness(&body(&[("fresh", t), ("stale", t)]), now),
            Freshness::Stale { age_ms: 10_000 }
        );
        assert_eq!(
            minside_freshness(&body(&[("stale", t), ("unavailable", t)]), now),
            Freshness::NoData
        );
        assert_eq!(minside_freshness(b"not json", now), Freshness::NoData);
    }

    #[test]
    fn nginx_answers_are_stale_by_their_cache_status() {
        let now: jiff::Timestamp = "2026-11-23T10:00:02.5Z".parse().unwrap();
        let body = br#"{"servedAt":"2026-11-23T10:00:00Z","invoices":[]}"#;
        assert_eq!(
            nginx_freshness(Some("UPDATING"), body, now),
            Freshness::Stale { age_ms: 2500 }
        );
        assert_eq!(
            nginx_freshness(Some("STALE"), body, now),
            Freshness::Stale { age_ms: 2500 }
        );
        assert_eq!(nginx_freshness(Some("HIT"), body, now), Freshness::Fresh);
        assert_eq!(nginx_freshness(Some("MISS"), body, now), Freshness::Fresh);
    }
}
