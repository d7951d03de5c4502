//! The scale curves: the warm overview's cost as sources grow (1, 4, 16), and memory per cached
//! resident (10k, 100k, and 1M) for MinSide's cache and for nginx.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use futures_util::StreamExt as _;
use minside_adapter::{
    Adapter, AdapterError, Category, CategoryInfo, FetchContext, Purpose, Record, Subject,
};
use minside_bench::loadgen::{self, NoHooks, Target};
use minside_bench::minside::{KOMMUNENUMMER, Minside, MinsideConfig, source_id, synthetic_pid};
use minside_bench::nginx::{Nginx, NginxConfig};
use minside_bench::procstat::Proc;
use minside_bench::report::{MemoryPoint, SourcesPoint};
use minside_bench::schedule::{OpenLoop, PhaseSpec};
use minside_bench::standin::{CapMode, Standin, StandinConfig};
use minside_bench::zipf::Zipf;
use minside_cache::{Cache, PayloadCipher, Snapshot, SnapshotStore, SourcePolicy, SubjectKey};
use minside_core::Kommunenummer;
use uuid::Uuid;

use crate::procs::{StandinProcess, free_port};
use crate::run::{Bench, copy_db, is_root};

pub struct Curves<'a> {
    pub bench: &'a Bench,
    pub long: bool,
    pub time_scale: f64,
}

const INSTANT: [&str; 4] = ["--median-ms", "0", "--capacity", "1000000"];

impl Curves<'_> {
    /// Warm overviews of 2,000 residents (Zipf) at 500 requests/s with 1, 4 and 16 sources.
    pub async fn sources(&self) -> anyhow::Result<Vec<SourcesPoint>> {
        let b = self.bench;
        let residents = 2_000;
        let rate = 500.0;
        let secs = if self.long { 30.0 } else { 10.0 } * self.time_scale.clamp(0.05, 10.0);
        let tokens = Arc::new(b.tokens[..residents].to_vec());
        let zipf = Zipf::new(residents, 1.0).context("zipf")?;
        let mut points = Vec::new();
        for sources in [1, 4, 16] {
            eprintln!("bench-cache: overview with {sources} sources");
            let standin = StandinProcess::start(&b.standin, &INSTANT.map(str::to_owned))?;
            let dir = b.work.join(format!("sources-{sources}"));
            copy_db(&b.template_db, &dir)?;
            let port = free_port()?;
            let config = MinsideConfig {
                port,
                dir: dir.clone(),
                standin_port: standin.port,
                sources,
                fresh: Duration::from_secs(3600),
                timeout: b.timeout,
                max_entries: 1_000_000,
                max_wait: b.max_wait,
                breaker_open: b.breaker_open,
            };
            let mut server = Minside::start(&b.minside, &config).await?;
            let base = format!("http://127.0.0.1:{port}");
            let client = loadgen::client()?;
            futures_util::stream::iter(tokens.iter().cloned())
                .map(|t| {
                    let req = client
                        .get(format!("{base}/api/v1/me/overview"))
                        .header("cookie", format!("minside_session={t}"));
                    async move { req.send().await.map(|r| r.status()) }
                })
                .buffer_unordered(32)
                .for_each(|_| async {})
                .await;
            let plan = OpenLoop {
                rate,
                phases: vec![PhaseSpec {
                    name: "warm".into(),
                    duration: Duration::from_secs_f64(secs),
                }],
            };
            let proc = Proc::new(server.proc.pid);
            proc.reset_peak();
            let cpu = proc.cpu();
            let target = Target::Minside {
                base,
                tokens: tokens.clone(),
            };
            let rec = loadgen::run(&plan, &target, &zipf, b.seed, &mut NoHooks).await?;
            let used = proc.cpu().saturating_sub(cpu).as_secs_f64();
            let figures = rec.first().map(|r| r.summary()).unwrap_or_default();
            points.push(SourcesPoint {
                sources,
                rate,
                cpu_ms_per_request: used * 1000.0 / (figures.requests.max(1) as f64),
                peak_rss_mib: proc.peak_rss() as f64 / (1024.0 * 1024.0),
                figures,
            });
            server.stop();
            standin.stop();
        }
        Ok(points)
    }

    /// MinSide's cache (in a fresh process each) and nginx at 10k and 100k cached residents,
    /// and 1M in the long version (MinSide's 1M fits the short run too).
    pub async fn memory(&self) -> anyhow::Result<Vec<MemoryPoint>> {
        let mut points = Vec::new();
        let exe = std::env::current_exe()?;
        for n in [10_000u64, 100_000, 1_000_000] {
            eprintln!("bench-cache: MinSide's cache with {n} residents");
            let out = tokio::process::Command::new(&exe)
                .args(["memory", "--residents", &n.to_string()])
                .output()
                .await?;
            let text = String::from_utf8_lossy(&out.stdout);
            let point: MemoryPoint = serde_json::from_str(text.trim()).with_context(|| {
                format!(
                    "memory child: {text} {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })?;
            points.push(point);
        }
        let nginx_sizes: &[u64] = if self.long {
            &[10_000, 100_000, 1_000_000]
        } else {
            &[10_000, 100_000]
        };
        for &n in nginx_sizes {
            eprintln!("bench-cache: nginx with {n} cached residents");
            points.push(self.nginx_memory(n).await?);
        }
        Ok(points)
    }

    async fn nginx_memory(&self, n: u64) -> anyhow::Result<MemoryPoint> {
        let b = self.bench;
        let standin = StandinProcess::start(&b.standin, &INSTANT.map(str::to_owned))?;
        let port = free_port()?;
        let cache_dir = format!("/dev/shm/minside-bench-nginx-mem-{}", std::process::id());
        let config = NginxConfig {
            port,
            upstream_port: standin.port,
            prefix: b.work.join(format!("nginx-mem-{n}")),
            cache_dir: cache_dir.into(),
            fresh: Duration::from_secs(3600),
            timeout: b.timeout,
            inactive: Duration::from_secs(25 * 3600),
            user_root: is_root(),
        };
        let nginx = Nginx::start(&b.nginx, &config)?;
        let client = loadgen::client()?;
        let base = format!("http://127.0.0.1:{port}/api/sys0/residents/records");
        let warm = |i: u64| {
            let req = client.get(&base).header("x-fnr", format!("r{i:08}"));
            async move { req.send().await.and_then(|r| r.error_for_status()).is_ok() }
        };
        // One request first so that the worker's fixed costs are in the baseline.
        warm(u64::MAX).await;
        let before = nginx.procs.rss();
        let ok = futures_util::stream::iter(0..n)
            .map(warm)
            .buffer_unordered(64)
            .filter(|ok| std::future::ready(*ok))
            .count()
            .await;
        let rss = nginx.procs.rss().saturating_sub(before);
        let files = nginx.cache_bytes();
        nginx.stop();
        standin.stop();
        let total = rss + files;
        Ok(MemoryPoint {
            system: "nginx".into(),
            residents: n,
            bytes_total: total,
            bytes_per_resident: total as f64 / (ok.max(1) as f64),
            how: format!(
                "worker RSS growth {:.1} MiB (keys zone) + cache files on tmpfs {:.1} MiB",
                rss as f64 / 1048576.0,
                files as f64 / 1048576.0
            ),
        })
    }
}

/// Answers every resident with a copy of the records MinSide's mapping adapter made of one
/// real answer of the stand-in, so each cached entry holds what a real fetch would.
struct Recorded {
    id: String,
    categories: Vec<CategoryInfo>,
    records: Vec<Record>,
    calls: AtomicU64,
}

#[async_trait]
impl Adapter for Recorded {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        "Fakturasystem"
    }
    fn categories(&self) -> Vec<CategoryInfo> {
        self.categories.clone()
    }
    async fn fetch(
        &self,
        _: &Subject,
        _: &[Category],
        _: &FetchContext,
    ) -> Result<Vec<Record>, AdapterError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok(self.records.clone())
    }
}

/// Persistent copies are not kept in memory by the server (they go to the database).
struct NoSnapshots;

#[async_trait]
impl SnapshotStore for NoSnapshots {
    async fn load(&self, _: &str, _: SubjectKey) -> Result<Option<Snapshot>, String> {
        Ok(None)
    }
    async fn save(&self, _: &str, _: SubjectKey, _: Snapshot) -> Result<(), String> {
        Ok(())
    }
    async fn delete(&self, _: &str, _: SubjectKey) -> Result<(), String> {
        Ok(())
    }
}

/// The `memory` subcommand: MinSide's cache with `n` residents, RSS growth printed as JSON.
pub async fn memory_child(n: u64) -> anyhow::Result<()> {
    let standin = Standin::new(StandinConfig {
        latency: minside_adapter_demo::Latency::Fixed { ms: 0 },
        capacity: 1_000,
        mode: CapMode::Queue,
        window: Duration::from_secs(3600),
        records: 3,
        seed: 7,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let router = standin.router();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let toml = MinsideConfig {
        port: 1,
        dir: "/nonexistent".into(),
        standin_port: port,
        sources: 1,
        fresh: Duration::from_secs(3600),
        timeout: Duration::from_secs(3),
        max_entries: n * 2,
        max_wait: Duration::from_secs(1),
        breaker_open: Duration::from_secs(30),
    }
    .render();
    let configs: Vec<minside_adapter_http::HttpAdapterConfig> = figment::Figment::from(
        <figment::providers::Toml as figment::providers::Format>::string(&toml),
    )
    .extract_inner("http_sources")?;
    let real = minside_adapter_http::build(configs.into_iter().next().context("a source")?)?;
    let k = Kommunenummer::parse(KOMMUNENUMMER)?;
    let ctx = FetchContext {
        purpose: Purpose::ResidentView,
        request_id: None,
    };
    let first = Subject {
        pid: synthetic_pid(0),
        kommunenummer: k,
    };
    let categories: Vec<Category> = real.categories().into_iter().map(|c| c.id).collect();
    let records = real.fetch(&first, &categories, &ctx).await?;
    server.abort();
    let adapter = Arc::new(Recorded {
        id: source_id(0),
        categories: real.categories(),
        records,
        calls: AtomicU64::new(0),
    });
    let policy = SourcePolicy {
        max_entries: n * 2,
        rate_per_second: std::num::NonZeroU32::new(1_000_000).context("rate")?,
        burst: std::num::NonZeroU32::new(1_000_000).context("burst")?,
        max_concurrency: std::num::NonZeroUsize::new(1_000).context("concurrency")?,
        fresh: Duration::from_secs(3600),
        ..SourcePolicy::default()
    };
    let cache = Cache::builder(Arc::new(NoSnapshots), PayloadCipher::new([7; 32]))
        .source(adapter.clone(), policy)
        .build()?;
    let me = Proc::new(std::process::id());
    let subjects: Vec<Subject> = (0..100_000)
        .map(|i| Subject {
            pid: synthetic_pid(i),
            kommunenummer: k,
        })
        .collect();
    let source = source_id(0);
    let get = |i: u64| {
        let (cache, source, ctx) = (&cache, &source, &ctx);
        let subject = &subjects[(i % 100_000) as usize];
        async move {
            let key = SubjectKey(Uuid::from_u64_pair(0xBE0C, i));
            cache.get(source, key, subject, ctx).await.is_ok()
        }
    };
    get(u64::MAX).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = me.rss();
    let ok = futures_util::stream::iter(0..n)
        .map(get)
        .buffer_unordered(256)
        .filter(|ok| std::future::ready(*ok))
        .count()
        .await as u64;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let grown = me.rss().saturating_sub(before);
    // Every resident still cached: asking a sample again calls nothing.
    let calls = adapter.calls.load(Ordering::Relaxed);
    for i in (0..n).step_by((n / 1000).max(1) as usize) {
        get(i).await;
    }
    let evicted = adapter.calls.load(Ordering::Relaxed) - calls;
    let point = MemoryPoint {
        system: "MinSide".into(),
        residents: ok,
        bytes_total: grown,
        bytes_per_resident: grown as f64 / (ok.max(1) as f64),
        how: format!(
            "process RSS growth, cache in process ({} records per resident; {evicted} of a \
             1,000 sample refetched)",
            adapter.records.len()
        ),
    };
    use std::io::Write as _;
    writeln!(std::io::stdout(), "{}", serde_json::to_string(&point)?)?;
    Ok(())
}
