//! Benchmark of the resident overview (issue 3's numbers), over real HTTP on loopback.
//!
//! `cargo bench --bench overview` prints a Markdown report (copied into BENCHMARKS.md):
//! 1. warm overview throughput and p50/p99 at 64 concurrent connections, beside the floor of a
//!    static route (`/health/live`) measured in the same run;
//! 2. protection of legacy systems: demo sources with 200 ms median latency (p99 1.5 s) and a
//!    cap of 8 concurrent calls, many residents asked repeatedly at once: calls reaching each
//!    source per distinct (resident, source) key, and the highest concurrency a source saw;
//! 3. cold overview latency against the slowest source (fixed 200 ms sources);
//! 4. a full outage of one source: overview latency stays within the deadline, and with the
//!    breaker open a never-cached key fails fast.
//!
//! `BENCH_SECONDS` sets the length of each load phase (default 10).

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use minside_adapter::{FetchContext, Purpose, Subject};
use minside_adapter_demo::DemoSystemKind;
use minside_cache::SubjectKey;
use minside_overview::{Reader, ReaderKind};
use minside_test_support::{TestApp, dev_idp_authorize};
use serde_json::json;

const CONNECTIONS: usize = 64;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

#[allow(clippy::print_stdout)]
async fn run() {
    let seconds: u64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    println!("# Overview benchmark\n");
    println!(
        "Machine: {} cores, {}; each load phase {seconds} s.\n",
        num_cpus(),
        cpu_model()
    );

    warm_overview(seconds).await;
    source_protection().await;
    cold_overview().await;
    outage().await;
}

fn num_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Closed-loop load: `CONNECTIONS` clients each send requests back to back for `seconds`.
async fn load(
    client: &reqwest::Client,
    url: reqwest::Url,
    seconds: u64,
) -> (f64, Histogram<u64>, u64) {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new(3).expect("histogram");
            let mut errors = 0u64;
            while Instant::now() < until {
                let t = Instant::now();
                match client.get(url.clone()).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
                let _ = h.record(t.elapsed().as_micros() as u64);
            }
            (h, errors)
        }));
    }
    let mut all = Histogram::<u64>::new(3).expect("histogram");
    let mut errors = 0;
    for t in tasks {
        let (h, e) = t.await.expect("task");
        all.add(h).expect("merge");
        errors += e;
    }
    (all.len() as f64 / seconds as f64, all, errors)
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

#[allow(clippy::print_stdout)]
async fn warm_overview(seconds: u64) {
    let app = TestApp::builder().set("log.filter", "warn").spawn().await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .expect("client");
    let demo = municipality(&app);
    let pid = demo.showcase()[0].pid.clone();
    let back = dev_idp_authorize(
        &client,
        app.url("/auth/login"),
        pid.expose(),
        "idporten-loa-substantial",
    )
    .await;
    client.get(back).send().await.expect("callback");
    // Warm every source.
    client
        .get(app.url("/api/v1/me/overview"))
        .send()
        .await
        .expect("warm");

    let (floor_rps, floor, floor_err) = load(&client, app.url("/health/live"), seconds).await;
    let (rps, h, err) = load(&client, app.url("/api/v1/me/overview"), seconds).await;
    println!("## 1. Warm overview, {CONNECTIONS} connections, all 5 sources cached\n");
    println!("| route | requests/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|");
    println!(
        "| `/health/live` (static floor) | {floor_rps:.0} | {:.2} | {:.2} | {floor_err} |",
        ms(floor.value_at_quantile(0.5)),
        ms(floor.value_at_quantile(0.99))
    );
    println!(
        "| `/api/v1/me/overview` (warm) | {rps:.0} | {:.2} | {:.2} | {err} |",
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.99))
    );
    println!(
        "\nOverview throughput is {:.0} % of the static floor. Every overview also queues an access-log entry (hash-chained, batched).\n",
        100.0 * rps / floor_rps
    );
}

/// The demo municipality the app runs.
fn municipality(app: &TestApp) -> &minside_adapter_demo::DemoMunicipality {
    let demo = app.state.sources().demo.as_ref().expect("demo");
    demo.get(DemoSystemKind::Folkeregister).municipality()
}

/// The demo municipality's residents as stored, in the generator's order.
async fn residents(app: &TestApp) -> Vec<minside_store::Resident> {
    let demo = app.state.sources().demo.as_ref().expect("demo");
    let people = demo
        .get(DemoSystemKind::Folkeregister)
        .municipality()
        .people()
        .to_vec();
    let k = people[0].address.as_ref().map_or_else(
        || minside_core::Kommunenummer::parse("3203").expect("k"),
        |a| a.kommunenummer,
    );
    let mut out = Vec::with_capacity(people.len());
    for p in people {
        if let Ok(Some(r)) = app.store().find_resident_by_pid(&k, &p.pid).await {
            out.push(r);
        }
    }
    out
}

fn reader() -> Reader {
    Reader {
        kind: ReaderKind::Resident,
        actor_ref: "bench".into(),
        purpose: Purpose::ResidentView,
        request_id: None,
    }
}

/// A demo app whose sources behave like slow legacy systems.
async fn slow_app(latency: serde_json::Value, extra: &[(&str, serde_json::Value)]) -> TestApp {
    let mut b = TestApp::builder()
        .set("log.filter", "warn")
        .set("overview.deadline_ms", 5000);
    for system in [
        "folkeregister",
        "kindergarten",
        "school",
        "property",
        "invoices",
    ] {
        b = b.set(
            &format!("demo.municipality.{system}.latency"),
            latency.clone(),
        );
        b = b.set(&format!("demo.municipality.{system}.capacity"), 8);
    }
    for (k, v) in extra {
        b = b.set(k, v.clone());
    }
    b.spawn().await
}

#[allow(clippy::print_stdout)]
async fn source_protection() {
    let app = slow_app(
        json!({ "kind": "log_normal", "median_ms": 200, "p99_ms": 1500 }),
        &[
            ("cache.default_policy.max_concurrency", json!(8)),
            ("cache.default_policy.rate_per_second", json!(200)),
            ("cache.default_policy.burst", json!(50)),
            ("cache.default_policy.timeout", json!("5s")),
            ("cache.default_policy.max_wait", json!("60s")),
            // Every overview waits for all its sources, so every key is fetched before counting.
            ("overview.deadline_ms", json!(60_000)),
        ],
    )
    .await;
    let residents = residents(&app).await;
    let distinct = 200usize.min(residents.len());
    let service = &app.state.sources().overview;
    let start = Instant::now();
    // Each resident's overview is asked 5 times, all at once: 1,000 overviews, 5,000 source reads.
    let who = reader();
    let mut asks = Vec::new();
    for _ in 0..5 {
        for r in residents.iter().take(distinct) {
            asks.push(service.overview(r, &who));
        }
    }
    let answered = futures_util::future::join_all(asks).await;
    let elapsed = start.elapsed();
    let demo = app.state.sources().demo.as_ref().expect("demo");
    println!("## 2. Protecting the legacy systems\n");
    println!(
        "Sources: latency lognormal (median 200 ms, p99 1.5 s), capacity 8 concurrent calls each (more are refused by the system). {distinct} distinct residents x 5 simultaneous overviews = {} overviews in {:.1} s.\n",
        answered.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "| source | calls | distinct keys | calls per key | max concurrency seen | refused over capacity |\n|---|---:|---:|---:|---:|---:|"
    );
    for kind in DemoSystemKind::ALL {
        let s = demo.get(kind).stats();
        println!(
            "| {} | {} | {distinct} | {:.3} | {} | {} |",
            kind.id(),
            s.calls_total,
            s.calls_total as f64 / distinct as f64,
            s.max_concurrency,
            s.refused_over_capacity
        );
    }
    println!();
}

#[allow(clippy::print_stdout)]
async fn cold_overview() {
    let app = slow_app(json!({ "kind": "fixed", "ms": 200 }), &[]).await;
    let residents = residents(&app).await;
    let service = &app.state.sources().overview;
    let mut h = Histogram::<u64>::new(3).expect("histogram");
    for r in residents.iter().skip(300).take(50) {
        let t = Instant::now();
        let _ = service.overview(r, &reader()).await;
        let _ = h.record(t.elapsed().as_micros() as u64);
    }
    println!("## 3. Cold overview (5 sources of fixed 200 ms, asked in parallel)\n");
    println!(
        "50 residents, one at a time: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; slowest source 200 ms, so the overhead over the slowest source is {:.1} ms at p50.\n",
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max()),
        ms(h.value_at_quantile(0.5)) - 200.0
    );
}

#[allow(clippy::print_stdout)]
async fn outage() {
    let app = slow_app(
        json!({ "kind": "fixed", "ms": 50 }),
        &[
            ("overview.deadline_ms", json!(1000)),
            (
                "cache.default_policy.breaker",
                json!({ "failure_threshold": 5, "open_for": "60s" }),
            ),
        ],
    )
    .await;
    let residents = residents(&app).await;
    let service = &app.state.sources().overview;
    let demo = app.state.sources().demo.as_ref().expect("demo");
    demo.get(DemoSystemKind::Invoices)
        .control()
        .set_outage(true);
    let mut h = Histogram::<u64>::new(3).expect("histogram");
    let mut unavailable = 0;
    for r in residents.iter().take(100) {
        let t = Instant::now();
        let view = service.overview(r, &reader()).await;
        let _ = h.record(t.elapsed().as_micros() as u64);
        unavailable += view
            .sources
            .iter()
            .filter(|s| matches!(s.status, minside_overview::SourceStatus::Unavailable { .. }))
            .count();
    }
    // Breaker now open for demo-invoices: time a never-cached key directly at the cache.
    let cache = &app.state.sources().cache;
    let mut fail = Histogram::<u64>::new(3).expect("histogram");
    for r in residents.iter().skip(1000).take(200) {
        let subject = Subject {
            pid: r.pid.clone(),
            kommunenummer: r.kommunenummer,
        };
        let ctx = FetchContext {
            purpose: Purpose::ResidentView,
            request_id: None,
        };
        let t = Instant::now();
        let result = cache
            .get("demo-invoices", SubjectKey(r.id.0), &subject, &ctx)
            .await;
        let _ = fail.record(t.elapsed().as_micros() as u64);
        assert!(result.is_err());
    }
    println!("## 4. Full outage of one source (demo-invoices), deadline 1 s\n");
    println!(
        "100 overviews: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; the failing source was marked unavailable in {unavailable} of them, the other four sources answered.\n",
        ms(h.value_at_quantile(0.5)),
        ms(h.value_at_quantile(0.99)),
        ms(h.max())
    );
    println!(
        "Breaker open, 200 never-cached keys: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms to fail.\n",
        ms(fail.value_at_quantile(0.5)),
        ms(fail.value_at_quantile(0.99)),
        ms(fail.max())
    );
}
