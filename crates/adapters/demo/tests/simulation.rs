//! The simulated legacy systems' behaviour: latency distribution, capacity, error rate, outage
//! and hang switches, and the counters. Runs on tokio's paused clock.
#![allow(clippy::unwrap_used)]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use minside_adapter::{Adapter, AdapterError, FetchContext, Pid, Purpose, Subject};
use minside_adapter_demo::{
    DemoError, DemoMunicipality, DemoSettings, DemoSystem, DemoSystemKind, Latency, SimulatedSystem,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tokio::time::Instant;

static TOWN: LazyLock<Arc<DemoMunicipality>> =
    LazyLock::new(|| Arc::new(DemoMunicipality::generate(3203, 2000)));

fn system(settings: SimulatedSystem) -> Arc<DemoSystem> {
    let town = Arc::clone(&TOWN);
    Arc::new(DemoSystem::new(
        DemoSystemKind::Invoices,
        town,
        &settings,
        1,
    ))
}

fn subject(index: usize) -> Subject {
    Subject {
        pid: TOWN.people()[index].pid.clone(),
        kommunenummer: TOWN.kommunenummer(),
    }
}

fn ctx() -> FetchContext {
    FetchContext {
        purpose: Purpose::ResidentView,
        request_id: None,
    }
}

fn fixed(ms: u64, capacity: u32) -> SimulatedSystem {
    SimulatedSystem {
        latency: Latency::Fixed { ms },
        error_rate: 0.0,
        capacity,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn log_normal_latency_has_the_configured_median_and_p99() {
    let latency = Latency::default();
    assert_eq!(
        latency,
        Latency::LogNormal {
            median_ms: 200,
            p99_ms: 1500
        }
    );
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut samples: Vec<Duration> = (0..40_001).map(|_| latency.sample(&mut rng)).collect();
    samples.sort();
    let median = percentile(&samples, 0.5).as_secs_f64() * 1000.0;
    let p99 = percentile(&samples, 0.99).as_secs_f64() * 1000.0;
    assert!((190.0..=210.0).contains(&median), "median {median} ms");
    assert!((1350.0..=1650.0).contains(&p99), "p99 {p99} ms");
    assert!(samples[0] > Duration::ZERO);

    let fixed = Latency::Fixed { ms: 40 };
    assert_eq!(fixed.sample(&mut rng), Duration::from_millis(40));
    let flat = Latency::LogNormal {
        median_ms: 300,
        p99_ms: 300,
    };
    assert_eq!(flat.sample(&mut rng), Duration::from_millis(300));
}

#[test]
fn settings_have_defaults_and_are_validated() {
    let settings: DemoSettings = serde_json::from_str(
        r#"{"seed": 7, "invoices": {"error_rate": 0.25,
            "latency": {"kind": "fixed", "ms": 50}}}"#,
    )
    .unwrap();
    assert_eq!(settings.seed, 7);
    assert_eq!(settings.size, 2400);
    assert_eq!(settings.invoices.latency, Latency::Fixed { ms: 50 });
    assert_eq!(settings.invoices.capacity, 8);
    let default = SimulatedSystem::default();
    assert_eq!(
        default.latency,
        Latency::LogNormal {
            median_ms: 200,
            p99_ms: 1500
        }
    );
    assert_eq!((default.error_rate, default.capacity), (0.0, 8));
    assert_eq!(settings.school, default);
    assert!(settings.validate().is_ok());

    let mut bad = settings.clone();
    bad.school.error_rate = 1.5;
    assert!(matches!(bad.validate(), Err(DemoError::InvalidSettings(_))));
    let mut bad = settings.clone();
    bad.property.capacity = 0;
    assert!(bad.validate().is_err());
    let mut bad = settings;
    bad.kindergarten.latency = Latency::LogNormal {
        median_ms: 500,
        p99_ms: 100,
    };
    assert!(bad.validate().is_err());
    assert!(serde_json::from_str::<DemoSettings>(r#"{"sead": 1}"#).is_err());
}

#[tokio::test(start_paused = true)]
async fn calls_take_the_simulated_time() {
    let sys = system(fixed(250, 8));
    let start = Instant::now();
    sys.fetch(&subject(0), &[], &ctx()).await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_millis(250));
}

#[tokio::test(start_paused = true)]
async fn calls_beyond_capacity_are_refused_at_once() {
    let sys = system(fixed(100, 3));
    let start = Instant::now();
    let handles: Vec<_> = (0..10)
        .map(|i| {
            let sys = Arc::clone(&sys);
            tokio::spawn(async move {
                let result = sys.fetch(&subject(i), &[], &ctx()).await;
                (result, Instant::now())
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for handle in handles {
        match handle.await.unwrap() {
            (Ok(_), at) => {
                ok += 1;
                assert_eq!(at - start, Duration::from_millis(100));
            }
            (Err(AdapterError::Unavailable(message)), at) => {
                refused += 1;
                assert_eq!(message, "over capacity");
                assert_eq!(at, start, "refused without waiting");
            }
            (Err(other), _) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, refused), (3, 7));
    let stats = sys.stats();
    assert_eq!(stats.max_concurrency, 3);
    assert_eq!(stats.current_concurrency, 0);
    assert_eq!(stats.refused_over_capacity, 7);
    assert_eq!(stats.calls_total, 10);

    // Once the calls are done, there is room again.
    assert!(sys.fetch(&subject(0), &[], &ctx()).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn concurrency_never_exceeds_capacity_under_a_stream_of_calls() {
    let sys = system(SimulatedSystem {
        capacity: 4,
        ..SimulatedSystem::default()
    });
    let mut handles = Vec::new();
    for i in 0..200 {
        let sys = Arc::clone(&sys);
        handles.push(tokio::spawn(async move {
            sys.fetch(&subject(i), &[], &ctx()).await
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut refused = 0;
    for handle in handles {
        if handle.await.unwrap().is_err() {
            refused += 1;
        }
    }
    let stats = sys.stats();
    assert_eq!(stats.max_concurrency, 4);
    assert_eq!(stats.refused_over_capacity, refused);
    assert!(refused > 0 && refused < 200, "{refused}");
}

#[tokio::test(start_paused = true)]
async fn the_error_rate_fails_that_share_of_calls() {
    let always = system(SimulatedSystem {
        error_rate: 1.0,
        ..fixed(10, 8)
    });
    for i in 0..20 {
        let result = always.fetch(&subject(i), &[], &ctx()).await;
        assert!(matches!(result, Err(AdapterError::Unavailable(_))));
    }
    assert_eq!(always.stats().simulated_errors, 20);

    let sys = system(fixed(0, 8));
    sys.control().set_error_rate(0.3);
    let mut failed = 0;
    for i in 0..1000 {
        if sys.fetch(&subject(i), &[], &ctx()).await.is_err() {
            failed += 1;
        }
    }
    assert!((240..=360).contains(&failed), "{failed} of 1000");
    sys.control().set_error_rate(0.0);
    assert!(sys.fetch(&subject(0), &[], &ctx()).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn the_outage_switch_fails_every_call_at_once() {
    let sys = system(fixed(500, 8));
    let control = sys.control();
    control.set_outage(true);
    let start = Instant::now();
    for i in 0..5 {
        let result = sys.fetch(&subject(i), &[], &ctx()).await;
        assert!(matches!(result, Err(AdapterError::Unavailable(_))));
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    assert_eq!(sys.stats().refused_outage, 5);
    control.set_outage(false);
    assert!(sys.fetch(&subject(0), &[], &ctx()).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn the_hang_switch_makes_calls_never_answer() {
    let sys = system(fixed(10, 8));
    let control = sys.control();
    control.set_hang(true);
    let (who, context) = (subject(1), ctx());
    let hung = tokio::time::timeout(Duration::from_secs(3600), sys.fetch(&who, &[], &context));
    assert!(hung.await.is_err(), "no answer within an hour");
    assert_eq!(
        sys.stats().current_concurrency,
        0,
        "the abandoned call freed its slot"
    );

    // A hanging call holds its slot while it waits.
    let waiting = tokio::spawn({
        let sys = Arc::clone(&sys);
        async move { sys.fetch(&subject(2), &[], &ctx()).await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sys.stats().current_concurrency, 1);
    waiting.abort();
    let _ = waiting.await;
    assert_eq!(sys.stats().current_concurrency, 0);

    control.set_hang(false);
    assert!(sys.fetch(&subject(1), &[], &ctx()).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn calls_are_counted_per_resident_index_never_per_pid() {
    let sys = system(fixed(5, 8));
    for _ in 0..3 {
        sys.fetch(&subject(0), &[], &ctx()).await.unwrap();
    }
    sys.fetch(&subject(42), &[], &ctx()).await.unwrap();
    let stranger = Subject {
        pid: (0..1000)
            .find_map(|i| Pid::synthetic(jiff::civil::date(1901, 1, 1), i))
            .unwrap(),
        kommunenummer: TOWN.kommunenummer(),
    };
    assert_eq!(
        sys.fetch(&stranger, &[], &ctx()).await,
        Err(AdapterError::NotFound)
    );
    let stats = sys.stats();
    assert_eq!(stats.calls_total, 5);
    assert_eq!(stats.calls_by_resident.get(&0), Some(&3));
    assert_eq!(stats.calls_by_resident.get(&42), Some(&1));
    assert_eq!(stats.calls_unknown_subject, 1);
    assert!(!format!("{stats:?}").contains(TOWN.people()[0].pid.expose()));

    sys.control().reset_stats();
    assert_eq!(sys.stats().calls_total, 0);
    assert!(sys.stats().calls_by_resident.is_empty());
}
