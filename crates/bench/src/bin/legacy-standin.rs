//! `legacy-standin`: the legacy-system stand-in as a process (see `minside_bench::standin`).
//! Prints `listening <addr>` on its first line of standard output once it accepts calls.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use minside_adapter_demo::Latency;
use minside_bench::standin::{CapMode, Standin, StandinConfig};

#[derive(Parser)]
#[command(
    name = "legacy-standin",
    about = "A slow, fragile legacy JSON API for benchmarks"
)]
struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: std::net::SocketAddr,
    /// Median latency in ms (0: answer at once).
    #[arg(long, default_value_t = 200)]
    median_ms: u64,
    /// 99th percentile latency in ms (log-normal between the two).
    #[arg(long, default_value_t = 1500)]
    p99_ms: u64,
    /// Calls in service at once.
    #[arg(long, default_value_t = 8)]
    capacity: usize,
    /// What happens above the capacity.
    #[arg(long, value_enum, default_value_t = CapMode::Reject)]
    mode: CapMode,
    /// The fresh window for the per-key-per-window counters, in ms.
    #[arg(long, default_value_t = 10_000)]
    window_ms: u64,
    /// Records per answer.
    #[arg(long, default_value_t = 3)]
    records: usize,
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let latency = if args.median_ms == 0 {
        Latency::Fixed { ms: 0 }
    } else {
        Latency::LogNormal {
            median_ms: args.median_ms,
            p99_ms: args.p99_ms.max(args.median_ms),
        }
    };
    let standin = Standin::new(StandinConfig {
        latency,
        capacity: args.capacity,
        mode: args.mode,
        window: Duration::from_millis(args.window_ms),
        records: args.records,
        seed: args.seed,
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let addr = listener.local_addr()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening {addr}")?;
    out.flush()?;
    drop(out);
    axum::serve(listener, standin.router()).await?;
    Ok(())
}
