#![allow(clippy::print_stdout, clippy::unwrap_used)]
//! Scratch profiling (not committed).
use minside_core::Kommunenummer;
use minside_notices::{Engine, EngineConfig};
use minside_store::Store;
use std::sync::Arc;
use std::time::Instant;

fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let f: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / 100.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let url = std::env::var("PROFILE_DB").unwrap();
    let store: Arc<dyn Store> = if url.starts_with("postgres") {
        Arc::new(
            minside_store_postgres::PostgresStore::connect(&url)
                .await
                .unwrap(),
        )
    } else {
        Arc::new(
            minside_store_sqlite::SqliteStore::connect(&url)
                .await
                .unwrap(),
        )
    };
    let k = Kommunenummer::parse("3203").unwrap();
    for page_size in [std::env::var("PROFILE_PAGE").map_or(2000u32, |p| p.parse().unwrap())] {
        let c0 = cpu();
        let t = Instant::now();
        let mut after = None;
        let mut n = 0;
        loop {
            let page = store
                .resident_facts_page(&k, after, page_size)
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            n += page.len();
            after = page.last().map(|p| p.id);
        }
        println!(
            "paging {page_size}: {n} residents in {:?}, cpu {:.2}s",
            t.elapsed(),
            cpu() - c0
        );
    }
    let day = jiff::civil::date(2027, 3, 1);
    let base: i64 = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 100_000) as i64;
    let mut i = 0;
    let configs: Vec<(usize, usize, usize)> = std::env::var("PROFILE_CONFIGS")
        .unwrap_or("1x2x1,2x2x1,1x2x2,2x2x2".into())
        .split(',')
        .map(|c| {
            let v: Vec<usize> = c.split('x').map(|x| x.parse().unwrap()).collect();
            (v[0], v[1], v[2])
        })
        .collect();
    for (readers, workers, writers) in configs {
        i += 1;
        let now: jiff::Timestamp = "2027-03-01T05:00:00Z".parse::<jiff::Timestamp>().unwrap()
            + jiff::SignedDuration::from_hours(i + base);
        let engine = Engine::new(
            store.clone(),
            EngineConfig {
                workers,
                readers,
                writers,
                instance: format!("p{i}-{base}"),
                ..EngineConfig::default()
            },
        );
        let c0 = cpu();
        let t = Instant::now();
        let r = engine.evaluate_day(&k, day, now).await.unwrap();
        println!(
            "evaluate_day readers={readers} workers={workers} writers={writers}: {:?} cpu {:.2}s residents={} matched={} created={} skipped={:?}",
            t.elapsed(),
            cpu() - c0,
            r.residents,
            r.matched(),
            r.created(),
            r.skipped
        );
    }
}
