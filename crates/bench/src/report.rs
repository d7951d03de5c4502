//! The results of a run (kept as JSON) and their tables in Markdown, written into
//! `BENCHMARKS.md` between `<!-- bench-cache:begin -->` and `<!-- bench-cache:end -->`.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::machine::Machine;
use crate::schedule::PhaseFigures;
use crate::standin::Stats;

pub const BEGIN: &str = "<!-- bench-cache:begin -->";
pub const END: &str = "<!-- bench-cache:end -->";

/// Everything one run measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunReport {
    pub machine: Machine,
    pub version: String,
    pub command: String,
    pub residents: usize,
    pub zipf_s: f64,
    pub fresh_s: f64,
    pub phases: Vec<(String, f64)>,
    /// MinSide's source policy as configured for the run.
    pub policy: String,
    pub wall_seconds: f64,
    pub systems: Vec<SystemRun>,
    pub floors: Vec<FloorRun>,
    pub sources_curve: Vec<SourcesPoint>,
    pub memory_curve: Vec<MemoryPoint>,
}

/// One system at one rate, phase by phase.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SystemRun {
    pub system: String,
    pub rate: f64,
    pub phases: Vec<PhaseRow>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhaseRow {
    pub phase: String,
    pub figures: PhaseFigures,
    /// What the stand-in saw during the phase.
    pub legacy: Stats,
    pub cpu_seconds: f64,
    pub peak_rss_mib: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FloorRun {
    pub system: String,
    pub route: String,
    pub rate: f64,
    pub figures: PhaseFigures,
    pub cpu_seconds: f64,
}

/// Warm overview cost with `sources` sources.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SourcesPoint {
    pub sources: usize,
    pub rate: f64,
    pub figures: PhaseFigures,
    pub cpu_ms_per_request: f64,
    pub peak_rss_mib: f64,
}

/// Memory held for `residents` cached residents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct MemoryPoint {
    pub system: String,
    pub residents: u64,
    pub bytes_total: u64,
    pub bytes_per_resident: f64,
    pub how: String,
}

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn pct(share: f64) -> String {
    format!("{:.1} %", share * 100.0)
}

/// `a / b` as "1.23×", or "–" when it means nothing.
pub fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        let r = a / b;
        if r >= 10.0 {
            format!("{r:.0}×")
        } else {
            format!("{r:.2}×")
        }
    } else if a == 0.0 && b == 0.0 {
        "=".into()
    } else {
        "–".into()
    }
}

fn age(f: &PhaseFigures) -> String {
    match (f.stale_age_p50_s, f.stale_age_max_s) {
        (Some(p50), Some(max)) => format!("{p50:.1} / {max:.1}"),
        _ => "–".into(),
    }
}

impl RunReport {
    fn run(&self, system: &str, rate: f64) -> Option<&SystemRun> {
        self.systems
            .iter()
            .find(|s| s.system == system && s.rate == rate)
    }

    fn rates(&self) -> Vec<f64> {
        let mut rates: Vec<f64> = Vec::new();
        for s in &self.systems {
            if !rates.contains(&s.rate) {
                rates.push(s.rate);
            }
        }
        rates
    }

    /// The generated part of the section: machine, tables and ratios.
    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let m = &self.machine;
        let _ = writeln!(
            o,
            "Run of {date} (`{cmd}`, {wall:.0} s in all), MinSide {ver}, nginx {ng}. Machine: {cpu}, \
             {cores} cores, {mem:.1} GiB RAM, Linux {kernel}. {n} residents, Zipf s = {s}, fresh \
             window {fresh:.0} s; phases: {phases}. MinSide's source policy: {policy}.\n",
            date = m.date,
            cmd = self.command,
            wall = self.wall_seconds,
            ver = self.version,
            ng = m.nginx,
            cpu = m.cpu_model,
            cores = m.cores,
            mem = m.memory_gib,
            kernel = m.kernel,
            n = self.residents,
            s = self.zipf_s,
            fresh = self.fresh_s,
            policy = self.policy,
            phases = self
                .phases
                .iter()
                .map(|(n, d)| format!("{n} {d:.0} s"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        for rate in self.rates() {
            self.rate_tables(&mut o, rate);
        }
        self.floor_table(&mut o);
        self.curve_tables(&mut o);
        o
    }

    fn rate_tables(&self, o: &mut String, rate: f64) {
        let systems: Vec<&SystemRun> = self.systems.iter().filter(|s| s.rate == rate).collect();
        let _ = writeln!(o, "### {rate:.0} requests/s: what residents saw\n");
        o.push_str(
            "| system | phase | p50 ms | p99 ms | p99.9 ms | answers/s | non-2xx | without data | \
             stale | stale age p50 / max s |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for s in &systems {
            for p in &s.phases {
                let f = &p.figures;
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} |",
                    s.system,
                    p.phase,
                    ms(f.p50_ms),
                    ms(f.p99_ms),
                    ms(f.p999_ms),
                    f.throughput,
                    pct(f.non_2xx_share),
                    pct(f.no_data_share),
                    pct(f.stale_share),
                    age(f)
                );
            }
        }
        let _ = writeln!(
            o,
            "\n### {rate:.0} requests/s: what reached the legacy system, and what it cost\n"
        );
        o.push_str(
            "| system | phase | calls | distinct residents | calls per resident per fresh window \
             (mean / max) | max concurrency | refused over capacity | CPU s | peak RSS MiB |\n\
             |---|---|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for s in &systems {
            for p in &s.phases {
                let l = &p.legacy;
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {:.2} / {} | {} | {} | {:.1} | {:.0} |",
                    s.system,
                    p.phase,
                    l.calls_total,
                    l.distinct_keys,
                    l.calls_per_key_window,
                    l.max_calls_per_key_window,
                    l.max_concurrency,
                    l.rejected_over_capacity,
                    p.cpu_seconds,
                    p.peak_rss_mib
                );
            }
        }
        if let (Some(a), Some(b)) = (self.run("MinSide", rate), self.run("nginx", rate)) {
            let _ = writeln!(
                o,
                "\n### {rate:.0} requests/s: MinSide / nginx (below 1: MinSide lower)\n"
            );
            o.push_str(
                "| phase | p50 | p99 | p99.9 | answers without data | calls to the legacy system | \
                 CPU | peak RSS |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
            );
            for (pa, pb) in a.phases.iter().zip(&b.phases) {
                let (fa, fb) = (&pa.figures, &pb.figures);
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} vs {} | {} | {} | {} |",
                    pa.phase,
                    ratio(fa.p50_ms, fb.p50_ms),
                    ratio(fa.p99_ms, fb.p99_ms),
                    ratio(fa.p999_ms, fb.p999_ms),
                    pct(fa.no_data_share),
                    pct(fb.no_data_share),
                    ratio(pa.legacy.calls_total as f64, pb.legacy.calls_total as f64),
                    ratio(pa.cpu_seconds, pb.cpu_seconds),
                    ratio(pa.peak_rss_mib, pb.peak_rss_mib),
                );
            }
        }
        o.push('\n');
    }

    fn floor_table(&self, o: &mut String) {
        if self.floors.is_empty() {
            return;
        }
        o.push_str("### Floors, same run\n\n");
        o.push_str(
            "| system | route | rate | p50 ms | p99 ms | p99.9 ms | non-2xx | CPU s |\n\
             |---|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for f in &self.floors {
            let x = &f.figures;
            let _ = writeln!(
                o,
                "| {} | `{}` | {:.0} | {} | {} | {} | {} | {:.2} |",
                f.system,
                f.route,
                f.rate,
                ms(x.p50_ms),
                ms(x.p99_ms),
                ms(x.p999_ms),
                pct(x.non_2xx_share),
                f.cpu_seconds
            );
        }
        o.push('\n');
    }

    fn curve_tables(&self, o: &mut String) {
        if !self.sources_curve.is_empty() {
            o.push_str("### Overview cost as sources grow (warm cache)\n\n");
            o.push_str(
                "| sources | rate | p50 ms | p99 ms | p99.9 ms | MinSide CPU ms per overview | \
                 peak RSS MiB |\n|---:|---:|---:|---:|---:|---:|---:|\n",
            );
            for p in &self.sources_curve {
                let f = &p.figures;
                let _ = writeln!(
                    o,
                    "| {} | {:.0} | {} | {} | {} | {:.3} | {:.0} |",
                    p.sources,
                    p.rate,
                    ms(f.p50_ms),
                    ms(f.p99_ms),
                    ms(f.p999_ms),
                    p.cpu_ms_per_request,
                    p.peak_rss_mib
                );
            }
            o.push('\n');
        }
        if !self.memory_curve.is_empty() {
            o.push_str("### Memory per cached resident\n\n");
            o.push_str(
                "| system | cached residents | memory in all MiB | bytes per resident | measured as |\n\
                 |---|---:|---:|---:|---|\n",
            );
            for p in &self.memory_curve {
                let _ = writeln!(
                    o,
                    "| {} | {} | {:.1} | {:.0} | {} |",
                    p.system,
                    p.residents,
                    p.bytes_total as f64 / (1024.0 * 1024.0),
                    p.bytes_per_resident,
                    p.how
                );
            }
            o.push('\n');
        }
    }
}

/// Replaces what lies between the markers in `doc` with `block`; the rest is kept byte for
/// byte. `None` when the markers are missing or out of order.
pub fn replace_between_markers(doc: &str, block: &str) -> Option<String> {
    let begin = doc.find(BEGIN)? + BEGIN.len();
    let end = begin + doc[begin..].find(END)?;
    let mut out = String::with_capacity(doc.len() + block.len());
    out.push_str(&doc[..begin]);
    out.push('\n');
    out.push_str(block.trim_end());
    out.push('\n');
    out.push_str(&doc[end..]);
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_the_text_between_the_markers_changes() {
        let doc = format!("# Other\nkeep\n\n{BEGIN}\nold table\n{END}\nafter\n");
        let new = replace_between_markers(&doc, "| new |\n").unwrap();
        assert_eq!(
            new,
            format!("# Other\nkeep\n\n{BEGIN}\n| new |\n{END}\nafter\n")
        );
        // Running it again gives the same document.
        assert_eq!(replace_between_markers(&new, "| new |").unwrap(), new);
        assert!(replace_between_markers("no markers", "x").is_none());
        assert!(replace_between_markers(&format!("{END}\n{BEGIN}"), "x").is_none());
    }

    fn row(phase: &str, p99: f64, calls: u64) -> PhaseRow {
        PhaseRow {
            phase: phase.into(),
            figures: PhaseFigures {
                requests: 100,
                p50_ms: 1.0,
                p99_ms: p99,
                p999_ms: p99,
                throughput: 200.0,
                ..PhaseFigures::default()
            },
            legacy: Stats {
                calls_total: calls,
                ..Stats::default()
            },
            cpu_seconds: 1.0,
            peak_rss_mib: 50.0,
        }
    }

    #[test]
    fn tables_hold_one_row_per_system_and_phase_and_the_ratios() {
        let report = RunReport {
            systems: vec![
                SystemRun {
                    system: "MinSide".into(),
                    rate: 200.0,
                    phases: vec![row("cold", 40.0, 50), row("steady", 2.0, 10)],
                },
                SystemRun {
                    system: "nginx".into(),
                    rate: 200.0,
                    phases: vec![row("cold", 20.0, 100), row("steady", 2.0, 0)],
                },
            ],
            ..RunReport::default()
        };
        let md = report.markdown();
        assert!(md.contains("### 200 requests/s: what residents saw"));
        assert!(
            md.contains("| MinSide | cold | 1.00 | 40.0 | 40.0 | 200 |"),
            "{md}"
        );
        assert!(md.contains("| nginx | steady | 1.00 | 2.00 |"), "{md}");
        // MinSide's cold p99 is twice nginx's, with half the calls to the legacy system.
        assert!(
            md.contains("| cold | 1.00× | 2.00× | 2.00× | 0.0 % vs 0.0 % | 0.50× |"),
            "{md}"
        );
        assert!(
            md.contains("| steady | 1.00× | 1.00× | 1.00× | 0.0 % vs 0.0 % | – |"),
            "{md}"
        );
        assert_eq!(ratio(0.0, 0.0), "=");
        assert_eq!(ratio(30.0, 2.0), "15×");
    }
}
