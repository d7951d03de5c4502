//! Starting the stand-in process, free loopback ports, and the probe that runs at phase
//! boundaries (stand-in counters, CPU and peak RSS of the system under test, faults).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use async_trait::async_trait;
use minside_bench::loadgen::PhaseHooks;
use minside_bench::procstat::ProcGroup;
use minside_bench::standin::Stats;

/// A free port on 127.0.0.1 (bound and released; good enough on a quiet machine).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A running `legacy-standin`.
pub struct StandinProcess {
    child: Child,
    pub port: u16,
}

impl StandinProcess {
    /// Starts the stand-in with extra arguments and waits for its `listening` line.
    pub fn start(binary: &Path, args: &[String]) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("stand-in stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let Some(port) = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|a| a.parse::<std::net::SocketAddr>().ok())
            .map(|a| a.port())
        else {
            let _ = child.kill();
            bail!("the stand-in did not start: {line:?}");
        };
        Ok(Self { child, port })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Admin calls to the stand-in.
pub struct StandinAdmin {
    client: reqwest::Client,
    base: String,
}

impl StandinAdmin {
    pub fn new(standin: &StandinProcess) -> anyhow::Result<Self> {
        Ok(Self {
            client: reqwest::Client::builder()
                .no_proxy()
                .timeout(Duration::from_secs(5))
                .build()?,
            base: standin.url(""),
        })
    }

    /// The counters since the last reset; a new count starts.
    pub async fn reset(&self) -> Stats {
        let got = self
            .client
            .post(format!("{}/admin/reset", self.base))
            .send()
            .await;
        match got {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(_) => Stats::default(),
        }
    }

    pub async fn faults(&self, change: serde_json::Value) {
        let _ = self
            .client
            .post(format!("{}/admin/faults", self.base))
            .json(&change)
            .send()
            .await;
    }
}

/// What the probe collected for one phase.
#[derive(Debug, Clone, Default)]
pub struct PhaseCost {
    pub legacy: Stats,
    pub cpu_seconds: f64,
    pub peak_rss_mib: f64,
}

/// At each boundary: the stand-in's counters, CPU and peak RSS of the system for the phase
/// that ended; then the next phase's faults (`outage` on, `recovery` off).
pub struct BoundaryProbe<'a> {
    pub admin: &'a StandinAdmin,
    pub system: &'a ProcGroup,
    pub phase_names: Vec<String>,
    pub costs: Vec<PhaseCost>,
    cpu_mark: Duration,
}

impl<'a> BoundaryProbe<'a> {
    pub fn new(admin: &'a StandinAdmin, system: &'a ProcGroup, phase_names: Vec<String>) -> Self {
        Self {
            admin,
            system,
            phase_names,
            costs: Vec::new(),
            cpu_mark: Duration::ZERO,
        }
    }
}

#[async_trait]
impl PhaseHooks for BoundaryProbe<'_> {
    async fn boundary(&mut self, phase: usize) {
        let legacy = self.admin.reset().await;
        let cpu = self.system.cpu();
        let peak = self.system.peak_rss();
        self.system.reset_peak();
        if phase > 0 {
            self.costs.push(PhaseCost {
                legacy,
                cpu_seconds: cpu.saturating_sub(self.cpu_mark).as_secs_f64(),
                peak_rss_mib: peak as f64 / (1024.0 * 1024.0),
            });
        }
        self.cpu_mark = cpu;
        match self.phase_names.get(phase).map(String::as_str) {
            Some("outage") => self.admin.faults(serde_json::json!({"outage": true})).await,
            Some("recovery") => {
                self.admin
                    .faults(serde_json::json!({"outage": false}))
                    .await
            }
            _ => {}
        }
    }
}
