//! The machine a run was measured on: CPU model, cores, memory, kernel, nginx version.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Machine {
    pub cpu_model: String,
    pub cores: usize,
    pub memory_gib: f64,
    pub kernel: String,
    pub nginx: String,
    pub date: String,
}

impl Machine {
    /// Reads `/proc/cpuinfo`, `/proc/meminfo`, `/proc/sys/kernel/osrelease` and `nginx -v`.
    pub fn read(nginx: &std::path::Path) -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_else(|| "unknown".into());
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_bytes = crate::procstat::parse_status_kb(&meminfo, "MemTotal").unwrap_or(0);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .unwrap_or_default()
            .trim()
            .to_owned();
        let nginx = std::process::Command::new(nginx)
            .arg("-v")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_owned())
            .and_then(|s| s.strip_prefix("nginx version: ").map(str::to_owned))
            .unwrap_or_else(|| "unknown".into());
        Self {
            cpu_model,
            cores,
            memory_gib: mem_bytes as f64 / (1024.0 * 1024.0 * 1024.0),
            kernel,
            nginx,
            date: jiff::Timestamp::now()
                .to_string()
                .chars()
                .take(10)
                .collect(),
        }
    }
}
