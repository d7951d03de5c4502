//! `bench-cache`: MinSide's caching layer beside nginx `proxy_cache`, both in front of the
//! legacy-system stand-in, on loopback, in one run; writes the tables of `BENCHMARKS.md`.
//! `scripts/bench-cache` builds the binaries and runs this (short version by default).

mod curves;
mod procs;
mod run;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use minside_bench::machine::Machine;
use minside_bench::minside::{create_sessions, synthetic_pid};
use minside_bench::report::{self, RunReport};
use minside_bench::schedule::PhaseSpec;
use minside_bench::zipf::Zipf;

use crate::run::{Bench, System};

#[derive(Parser)]
#[command(
    name = "bench-cache",
    about = "MinSide's caching layer beside nginx proxy_cache"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// The long version: 60 s fresh windows, longer phases, 1M residents in the memory curve.
    #[arg(long)]
    long: bool,
    /// The MinSide server binary (release build).
    #[arg(long, default_value = "target/release/minside")]
    minside: PathBuf,
    /// The stand-in binary; default: `legacy-standin` next to this binary.
    #[arg(long)]
    standin: Option<PathBuf>,
    #[arg(long, default_value = "nginx")]
    nginx: PathBuf,
    /// The document whose marked section receives the tables.
    #[arg(long, default_value = "BENCHMARKS.md")]
    markdown: PathBuf,
    /// Where results (JSON, tables) and working files go.
    #[arg(long, default_value = "target/bench-cache")]
    out: PathBuf,
    /// Request rates, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [200.0, 1000.0])]
    rates: Vec<f64>,
    /// Only this system (minside or nginx), for development.
    #[arg(long)]
    only: Option<String>,
    /// Leave out the scale curves.
    #[arg(long)]
    no_curves: bool,
    /// Scale the phase durations (0.3: a quick try while developing).
    #[arg(long, default_value_t = 1.0)]
    time_scale: f64,
    /// MinSide's `max_wait` (queue to the source) in ms; 1000 is MinSide's default.
    #[arg(long, default_value_t = 1000)]
    max_wait_ms: u64,
    /// MinSide's `breaker.open_for` in seconds; 30 is MinSide's default.
    #[arg(long, default_value_t = 30)]
    breaker_open_s: u64,
    /// Do not touch the Markdown document.
    #[arg(long)]
    no_write: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// (internal) Fills MinSide's cache in this fresh process with `residents` residents and
    /// prints the memory it took as JSON.
    Memory {
        #[arg(long)]
        residents: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if let Some(Cmd::Memory { residents }) = args.command {
        return curves::memory_child(residents).await;
    }
    let started = Instant::now();
    let standin = match &args.standin {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("the binary's directory")?
            .join("legacy-standin"),
    };
    for (what, path) in [("minside", &args.minside), ("legacy-standin", &standin)] {
        if !path.is_file() {
            bail!(
                "{what} binary not found at {} (build with --release)",
                path.display()
            );
        }
    }
    let nginx = which(&args.nginx).context("nginx not found (scripts/bench-cache installs it)")?;
    let work = args.out.join("work");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let work = work.canonicalize()?;

    let residents = 20_000;
    let (fresh, phases, floor) = profile(args.long, args.time_scale);
    eprintln!("bench-cache: creating {residents} residents and their sessions");
    let template = work.join("template");
    std::fs::create_dir_all(&template)?;
    let template_db = template.join("minside.db");
    let url = format!("sqlite://{}?mode=rwc", template_db.display());
    let tokens = create_sessions(&url, residents).await?;
    let pids: Vec<String> = (0..residents)
        .map(|i| synthetic_pid(i).expose().to_owned())
        .collect();
    let bench = Bench {
        minside: args.minside.canonicalize()?,
        standin,
        nginx: nginx.clone(),
        template_db,
        work: work.clone(),
        tokens: Arc::new(tokens),
        pids: Arc::new(pids),
        zipf: Arc::new(Zipf::new(residents, 1.0).context("zipf")?),
        fresh,
        timeout: Duration::from_secs(3),
        max_wait: Duration::from_millis(args.max_wait_ms),
        breaker_open: Duration::from_secs(args.breaker_open_s),
        phases: phases.clone(),
        floor,
        seed: 20_000,
    };

    let mut report = RunReport {
        machine: Machine::read(&nginx),
        version: env!("CARGO_PKG_VERSION").into(),
        command: if args.long {
            "scripts/bench-cache --long".into()
        } else {
            "scripts/bench-cache".into()
        },
        residents,
        zipf_s: 1.0,
        fresh_s: fresh.as_secs_f64(),
        policy: format!(
            "fresh {}s, stale_while_revalidate 1h, stale_if_error 24h, timeout 3s, max_wait {}ms, \
             max_concurrency 8, rate 1000/s, breaker after 5 failures open {}s; overview deadline 2s",
            fresh.as_secs(),
            args.max_wait_ms,
            args.breaker_open_s
        ),
        phases: phases
            .iter()
            .map(|p| (p.name.clone(), p.duration.as_secs_f64()))
            .collect(),
        ..RunReport::default()
    };
    let systems: Vec<System> = [System::Minside, System::Nginx]
        .into_iter()
        .filter(|s| {
            args.only
                .as_deref()
                .is_none_or(|o| o.eq_ignore_ascii_case(s.name()))
        })
        .collect();
    for &rate in &args.rates {
        for &system in &systems {
            let (run, floor) = bench.run(system, rate).await?;
            report.systems.push(run);
            report.floors.push(floor);
        }
    }
    if !args.no_curves {
        let curves = curves::Curves {
            bench: &bench,
            long: args.long,
            time_scale: args.time_scale,
        };
        report.sources_curve = curves.sources().await?;
        report.memory_curve = curves.memory().await?;
    }
    report.wall_seconds = started.elapsed().as_secs_f64();
    write_results(&args, &report)
}

/// Fresh window, phases and floor duration of the short or long version.
fn profile(long: bool, scale: f64) -> (Duration, Vec<PhaseSpec>, Duration) {
    let (fresh, plan, floor): (u64, [(&str, u64); 4], u64) = if long {
        (
            60,
            [
                ("cold", 60),
                ("steady", 150),
                ("outage", 90),
                ("recovery", 90),
            ],
            20,
        )
    } else {
        (
            10,
            [
                ("cold", 10),
                ("steady", 25),
                ("outage", 20),
                ("recovery", 15),
            ],
            5,
        )
    };
    let s = |secs: u64| Duration::from_secs_f64(secs as f64 * scale.clamp(0.05, 10.0));
    let phases = plan
        .iter()
        .map(|(name, secs)| PhaseSpec {
            name: (*name).to_owned(),
            duration: s(*secs),
        })
        .collect();
    (Duration::from_secs(fresh), phases, s(floor))
}

fn which(program: &std::path::Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_owned());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn write_results(args: &Args, report: &RunReport) -> anyhow::Result<()> {
    std::fs::create_dir_all(&args.out)?;
    let json = args.out.join("results.json");
    std::fs::write(&json, serde_json::to_string_pretty(report)?)?;
    let tables = report.markdown();
    let md = args.out.join("tables.md");
    std::fs::write(&md, &tables)?;
    eprintln!(
        "bench-cache: results in {} and {}",
        json.display(),
        md.display()
    );
    if args.no_write {
        return Ok(());
    }
    let doc = std::fs::read_to_string(&args.markdown)
        .with_context(|| format!("reading {}", args.markdown.display()))?;
    let Some(updated) = report::replace_between_markers(&doc, &tables) else {
        bail!(
            "{} has no {} ... {} section; the tables are in {}",
            args.markdown.display(),
            report::BEGIN,
            report::END,
            md.display()
        );
    };
    std::fs::write(&args.markdown, updated)?;
    eprintln!(
        "bench-cache: tables written into {}",
        args.markdown.display()
    );
    Ok(())
}
