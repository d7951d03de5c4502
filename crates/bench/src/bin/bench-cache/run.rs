//! One system (MinSide or nginx) at one rate: a fresh stand-in and a fresh, cold system, the
//! phases (cold start, steady state, outage, recovery) under open-loop load, then the floor
//! route of the same system at the same rate.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use minside_bench::loadgen::{self, NoHooks, Target};
use minside_bench::minside::{Minside, MinsideConfig};
use minside_bench::nginx::{Nginx, NginxConfig};
use minside_bench::procstat::{Proc, ProcGroup};
use minside_bench::report::{FloorRun, PhaseRow, SystemRun};
use minside_bench::schedule::{OpenLoop, PhaseSpec};
use minside_bench::zipf::Zipf;

use crate::procs::{BoundaryProbe, StandinAdmin, StandinProcess, free_port};

/// What every run shares.
pub struct Bench {
    pub minside: PathBuf,
    pub standin: PathBuf,
    pub nginx: PathBuf,
    /// A database with the residents and their sessions, copied for every MinSide run.
    pub template_db: PathBuf,
    pub work: PathBuf,
    pub tokens: Arc<Vec<String>>,
    pub pids: Arc<Vec<String>>,
    pub zipf: Arc<Zipf>,
    pub fresh: Duration,
    pub timeout: Duration,
    /// MinSide's `max_wait` and `breaker.open_for`.
    pub max_wait: Duration,
    pub breaker_open: Duration,
    pub phases: Vec<PhaseSpec>,
    pub floor: Duration,
    pub seed: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    Minside,
    Nginx,
}

impl System {
    pub fn name(self) -> &'static str {
        match self {
            Self::Minside => "MinSide",
            Self::Nginx => "nginx",
        }
    }
}

/// Copies the template database (with its WAL files, if any) into `dir`.
pub fn copy_db(template: &Path, dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", template.display()));
        if from.exists() {
            std::fs::copy(&from, dir.join(format!("minside.db{suffix}")))?;
        }
    }
    Ok(())
}

impl Bench {
    fn standin_args(&self, extra: &[&str]) -> Vec<String> {
        let mut args = vec![
            "--window-ms".to_owned(),
            self.fresh.as_millis().to_string(),
            "--seed".to_owned(),
            self.seed.to_string(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    /// Runs the phases and the floor for one system at one rate.
    pub async fn run(&self, system: System, rate: f64) -> anyhow::Result<(SystemRun, FloorRun)> {
        let standin = StandinProcess::start(&self.standin, &self.standin_args(&[]))?;
        let dir = self
            .work
            .join(format!("{}-{rate:.0}", system.name().to_lowercase()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let result = match system {
            System::Minside => self.run_minside(&standin, &dir, rate).await,
            System::Nginx => self.run_nginx(&standin, &dir, rate).await,
        };
        standin.stop();
        result
    }

    async fn run_minside(
        &self,
        standin: &StandinProcess,
        dir: &Path,
        rate: f64,
    ) -> anyhow::Result<(SystemRun, FloorRun)> {
        copy_db(&self.template_db, dir)?;
        let port = free_port()?;
        let config = MinsideConfig {
            port,
            dir: dir.to_owned(),
            standin_port: standin.port,
            sources: 1,
            fresh: self.fresh,
            timeout: self.timeout,
            max_entries: 1_000_000,
            max_wait: self.max_wait,
            breaker_open: self.breaker_open,
        };
        let mut server = Minside::start(&self.minside, &config).await?;
        let procs = ProcGroup(vec![Proc::new(server.proc.pid)]);
        let base = format!("http://127.0.0.1:{port}");
        let target = Target::Minside {
            base: base.clone(),
            tokens: self.tokens.clone(),
        };
        let out = self
            .phases_and_floor(
                System::Minside,
                standin,
                &procs,
                &target,
                &format!("{base}/health/live"),
                rate,
            )
            .await;
        server.stop();
        out
    }

    async fn run_nginx(
        &self,
        standin: &StandinProcess,
        dir: &Path,
        rate: f64,
    ) -> anyhow::Result<(SystemRun, FloorRun)> {
        let port = free_port()?;
        let config = NginxConfig {
            port,
            upstream_port: standin.port,
            prefix: dir.join("nginx"),
            cache_dir: PathBuf::from(format!(
                "/dev/shm/minside-bench-nginx-{}-{rate:.0}",
                std::process::id()
            )),
            fresh: self.fresh,
            timeout: self.timeout,
            inactive: Duration::from_secs(25 * 3600),
            user_root: is_root(),
        };
        let nginx = Nginx::start(&self.nginx, &config)?;
        let base = format!("http://127.0.0.1:{port}");
        let target = Target::Nginx {
            base: base.clone(),
            pids: self.pids.clone(),
        };
        let procs = nginx.procs.clone();
        let out = self
            .phases_and_floor(
                System::Nginx,
                standin,
                &procs,
                &target,
                &format!("{base}/floor"),
                rate,
            )
            .await;
        nginx.stop();
        out
    }

    async fn phases_and_floor(
        &self,
        system: System,
        standin: &StandinProcess,
        procs: &ProcGroup,
        target: &Target,
        floor_url: &str,
        rate: f64,
    ) -> anyhow::Result<(SystemRun, FloorRun)> {
        let admin = StandinAdmin::new(standin)?;
        let names: Vec<String> = self.phases.iter().map(|p| p.name.clone()).collect();
        let plan = OpenLoop {
            rate,
            phases: self.phases.clone(),
        };
        let mut probe = BoundaryProbe::new(&admin, procs, names);
        eprintln!(
            "bench-cache: {} at {rate:.0}/s: {:.0} s of phases",
            system.name(),
            plan.total_duration().as_secs_f64()
        );
        let recorders = loadgen::run(&plan, target, &self.zipf, self.seed, &mut probe).await?;
        let phases = recorders
            .iter()
            .zip(&self.phases)
            .zip(&probe.costs)
            .map(|((r, spec), cost)| PhaseRow {
                phase: spec.name.clone(),
                figures: r.summary(),
                legacy: cost.legacy.clone(),
                cpu_seconds: cost.cpu_seconds,
                peak_rss_mib: cost.peak_rss_mib,
            })
            .collect();
        // Let stragglers of the last phase finish before the floor.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let floor_plan = OpenLoop {
            rate,
            phases: vec![PhaseSpec {
                name: "floor".into(),
                duration: self.floor,
            }],
        };
        let cpu_before = procs.cpu();
        let floor = loadgen::run(
            &floor_plan,
            &Target::Floor {
                url: floor_url.to_owned(),
            },
            &self.zipf,
            self.seed,
            &mut NoHooks,
        )
        .await?;
        let cpu = procs.cpu().saturating_sub(cpu_before).as_secs_f64();
        let route = floor_url
            .split_once("127.0.0.1:")
            .and_then(|(_, r)| r.split_once('/'))
            .map_or(String::new(), |(_, p)| format!("/{p}"));
        let floor = FloorRun {
            system: system.name().into(),
            route: if system == System::Nginx {
                "return 200".into()
            } else {
                route
            },
            rate,
            figures: floor.first().map(|r| r.summary()).unwrap_or_default(),
            cpu_seconds: cpu,
        };
        Ok((
            SystemRun {
                system: system.name().into(),
                rate,
                phases,
            },
            floor,
        ))
    }
}

/// Whether this process runs as root (nginx then runs its worker as root too).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|v| v.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}
