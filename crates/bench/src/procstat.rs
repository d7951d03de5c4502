//! CPU time and memory of a process, read from `/proc/<pid>/stat` and `/proc/<pid>/status`.

use std::path::PathBuf;
use std::time::Duration;

/// Clock ticks per second of `/proc/<pid>/stat` (`getconf CLK_TCK`; 100 on Linux/x86_64).
pub fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// User + system CPU ticks from the text of `/proc/<pid>/stat`. The command name (field 2)
/// may contain spaces and parentheses, so fields are counted after its closing parenthesis.
pub fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, so utime (14) and stime (15) are at 11 and 12.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// A value in kB of `/proc/<pid>/status` (`VmHWM`, `VmRSS`), in bytes.
pub fn parse_status_kb(status: &str, key: &str) -> Option<u64> {
    status.lines().find_map(|line| {
        let value = line.strip_prefix(key)?.strip_prefix(':')?;
        let kb: u64 = value.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kb * 1024)
    })
}

/// One process to watch.
#[derive(Debug, Clone)]
pub struct Proc {
    pub pid: u32,
    ticks_per_second: u64,
}

impl Proc {
    pub fn new(pid: u32) -> Self {
        Self {
            pid,
            ticks_per_second: clock_ticks(),
        }
    }

    fn path(&self, file: &str) -> PathBuf {
        PathBuf::from(format!("/proc/{}/{file}", self.pid))
    }

    /// CPU time used so far (user + system), zero if the process is gone.
    pub fn cpu(&self) -> Duration {
        std::fs::read_to_string(self.path("stat"))
            .ok()
            .and_then(|s| parse_cpu_ticks(&s))
            .map_or(Duration::ZERO, |t| {
                Duration::from_secs_f64(t as f64 / self.ticks_per_second as f64)
            })
    }

    /// Peak resident set size (`VmHWM`) in bytes.
    pub fn peak_rss(&self) -> u64 {
        self.status("VmHWM")
    }

    /// Resident set size now (`VmRSS`) in bytes.
    pub fn rss(&self) -> u64 {
        self.status("VmRSS")
    }

    fn status(&self, key: &str) -> u64 {
        std::fs::read_to_string(self.path("status"))
            .ok()
            .and_then(|s| parse_status_kb(&s, key))
            .unwrap_or(0)
    }

    /// Starts a new peak: writing 5 to `clear_refs` resets `VmHWM` to the current RSS (allowed
    /// for our own children as root or the same user). Best effort.
    pub fn reset_peak(&self) {
        let _ = std::fs::write(self.path("clear_refs"), "5");
    }

    /// The children of this process (nginx's worker).
    pub fn children(&self) -> Vec<u32> {
        std::fs::read_to_string(self.path(&format!("task/{}/children", self.pid)))
            .unwrap_or_default()
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect()
    }
}

/// A group of processes measured together (nginx: master and worker).
#[derive(Debug, Clone)]
pub struct ProcGroup(pub Vec<Proc>);

impl ProcGroup {
    pub fn cpu(&self) -> Duration {
        self.0.iter().map(Proc::cpu).sum()
    }

    /// The sum of the members' peaks (an upper bound of the group's peak).
    pub fn peak_rss(&self) -> u64 {
        self.0.iter().map(Proc::peak_rss).sum()
    }

    pub fn rss(&self) -> u64 {
        self.0.iter().map(Proc::rss).sum()
    }

    pub fn reset_peak(&self) {
        self.0.iter().for_each(Proc::reset_peak);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_read_after_the_command_name() {
        let stat = "4242 (nginx: worker (1)) S 4241 4241 4241 0 -1 4194624 1209 0 0 0 \
                    731 129 0 0 20 0 1 0 123 12345 678 18446744073709551615";
        assert_eq!(parse_cpu_ticks(stat), Some(860));
        assert_eq!(parse_cpu_ticks("garbage"), None);
    }

    #[test]
    fn status_values_are_bytes() {
        let status = "Name:\tminside\nVmPeak:\t  900 kB\nVmHWM:\t   81234 kB\nVmRSS:\t 70000 kB\n";
        assert_eq!(parse_status_kb(status, "VmHWM"), Some(81_234 * 1024));
        assert_eq!(parse_status_kb(status, "VmRSS"), Some(70_000 * 1024));
        assert_eq!(parse_status_kb(status, "VmSwap"), None);
    }

    #[test]
    fn our_own_process_is_readable() {
        let me = Proc::new(std::process::id());
        assert!(me.rss() > 0);
        assert!(me.peak_rss() >= me.rss() / 2);
    }
}
