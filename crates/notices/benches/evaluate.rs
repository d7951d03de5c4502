//! Benchmark of the daily evaluation (issue 4's numbers): 20 active rules over a synthetic
//! population of 1,000,000 residents, on SQLite and (when `MINSIDE_TEST_POSTGRES_URL` is set)
//! PostgreSQL.
//!
//! `cargo bench -p minside-notices --bench evaluate` loads the population (deterministic, about
//! 25 % of residents with children under 18) through `apply_register_snapshot`, stores 20
//! rules (before-date rules due today with CEL audiences scanning the whole population, age
//! rules for residents and children, life events, a campaign), then times `evaluate_day`
//! twice: the first run creates the day's notices, the second finds every one existing.
//!
//! `BENCH_RESIDENTS` sets the population size (default 1,000,000); `BENCH_SQLITE_FILE` keeps
//! the SQLite database at that (new) path for a closer look afterwards; `BENCH_BACKENDS`
//! (default `sqlite,postgres`) picks the backends; `BENCH_RUNS` (default 2) how many runs
//! follow the load (0: only load, e.g. to keep a database for profiling).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use jiff::civil::{Date, date};
use jiff::{Timestamp, ToSpan};
use minside_core::{Kommunenummer, Pid};
use minside_notices::{Engine, EngineConfig, RuleDraft, validate};
use minside_store::{RegisterAddress, RegisterPerson, ResidentStatus, RuleStatus, Store};
use serde_json::{Value, json};

const TODAY: Date = date(2027, 3, 1);
const SEED: u64 = 0x4d69_6e53_6964_6521;

fn main() {
    // `RUST_LOG=minside_notices=debug` shows the phases of each run.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

#[allow(clippy::print_stdout)]
async fn run() {
    let n: usize = std::env::var("BENCH_RESIDENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("# Daily evaluation benchmark\n");
    let started = Instant::now();
    let people = population(n);
    let with_children = count_guardians(&people);
    println!(
        "{} residents ({} with children under 18, {:.1} %), {} CPUs, generated in {:.1} s\n",
        people.len(),
        with_children,
        100.0 * with_children as f64 / people.len() as f64,
        cpus,
        started.elapsed().as_secs_f64()
    );

    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let dir = tempfile::tempdir().expect("temporary directory");
    if backends.contains("sqlite") {
        let path = std::env::var_os("BENCH_SQLITE_FILE")
            .map_or_else(|| dir.path().join("bench.db"), std::path::PathBuf::from);
        let url = format!("sqlite://{}", path.display());
        let sqlite = minside_store_sqlite::SqliteStore::connect(&url)
            .await
            .expect("sqlite");
        bench("SQLite", Arc::new(sqlite), &people).await;
    }
    if !backends.contains("postgres") {
        return;
    }
    if std::env::var_os(minside_store_postgres::testing::ENV_URL).is_some() {
        let url = minside_store_postgres::testing::fresh_database_url().await;
        let pg = minside_store_postgres::PostgresStore::connect(&url)
            .await
            .expect("postgres");
        bench("PostgreSQL", Arc::new(pg), &people).await;
    } else {
        println!("PostgreSQL: skipped (set MINSIDE_TEST_POSTGRES_URL)");
    }
}

#[allow(clippy::print_stdout)]
async fn bench(backend: &str, store: Arc<dyn Store>, people: &[RegisterPerson]) {
    let k = Kommunenummer::parse("3203").expect("Asker");
    let now: Timestamp = "2027-03-01T05:00:00Z".parse().expect("timestamp");
    store.upsert_tenant(&k, "Asker", now).await.expect("tenant");
    let started = Instant::now();
    store
        .apply_register_snapshot(&k, "bench", people, 1, now)
        .await
        .expect("snapshot");
    println!(
        "## {backend}\n\npopulation loaded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let mut names = HashMap::new();
    for draft in rules() {
        let draft: RuleDraft = serde_json::from_value(draft).expect("draft");
        let rule = validate(&draft).expect("valid rule");
        let stored = store
            .create_rule(&k, rule.to_fields(), "bench", now)
            .await
            .expect("create rule");
        names.insert(stored.id, rule.name.clone());
        store
            .set_rule_status(&k, stored.id, 1, RuleStatus::Active, "bench", now)
            .await
            .expect("activate");
    }
    let engine = Engine::new(Arc::clone(&store), EngineConfig::default());
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    for (run, label) in [(0, "first run"), (1, "second run (all exist)")]
        .into_iter()
        .take(runs)
    {
        let started = Instant::now();
        let later = now + (run * 10).minutes();
        // A new lease per run: the first run's lease would still hold at `now`.
        let engine = Engine::new(
            Arc::clone(&store),
            EngineConfig {
                instance: format!("bench-{run}"),
                ..engine.config().clone()
            },
        );
        let report = engine
            .evaluate_day(&k, TODAY, later)
            .await
            .expect("evaluate");
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(report.skipped, None);
        let errors: u64 = report.per_rule.values().map(|c| c.audience_errors).sum();
        println!(
            "{label}: {} rules, {} residents evaluated in {secs:.2} s ({:.0} residents/s); \
             {} matched, {} notices created, {errors} audience errors",
            report.rules,
            report.residents,
            report.residents as f64 / secs,
            report.matched(),
            report.created(),
        );
        if run == 0 {
            for (id, counts) in &report.per_rule {
                println!(
                    "  {:<20} matched {:>7}, created {:>7}",
                    names.get(id).map_or("?", String::as_str),
                    counts.matched,
                    counts.created
                );
            }
        }
    }
    println!();
}

/// 20 rules: 6 before-date rules due today (whole-population scans), 1 due later, 1 past its
/// validity; 3 age rules for residents, 4 for children; 4 life events (not part of a day's
/// evaluation); 1 campaign (run on demand).
fn rules() -> Vec<Value> {
    let due = |name: &str, fixed: &str, days: u16, audience: &str| {
        json!({
            "name": name, "category": "frister", "opt_out_allowed": true,
            "trigger": {"kind": "before_date", "date": {"fixed": fixed}, "days_before": days},
            "audience": audience,
            "channels": ["inbox", "email"],
            "content": {
                "nb": {"title": format!("{name}: frist {{{{deadline}}}}"),
                       "body": "Hei {{resident.given_name}}, {{days_left}} dager igjen."},
                "en": {"title": format!("{name}: deadline {{{{deadline}}}}"),
                       "body": "Hi {{resident.given_name}}, {{days_left}} days left."}
            }
        })
    };
    let age = |name: &str, of: &str, years: u8, months: u8, audience: &str| {
        let title = if of == "child" {
            "{{child.given_name}} fyller {{child.age}} år"
        } else {
            "Gratulerer, {{resident.given_name}}"
        };
        json!({
            "name": name, "category": "livsfase",
            "trigger": {"kind": "age", "of": of, "years": years, "months": months},
            "audience": audience,
            "content": {"nb": {"title": title, "body": "Hilsen {{municipality}} kommune"}}
        })
    };
    let event = |name: &str, event: &str, who: &str| {
        json!({
            "name": name, "category": "hendelser",
            "trigger": {"kind": "life_event", "event": event, "who": who},
            "content": {"nb": {"title": name, "body": "Hilsen {{municipality}}"}}
        })
    };
    vec![
        due(
            "Barnehagesøknad",
            "2027-03-10",
            30,
            "resident.children.exists(c, c.age < 6)",
        ),
        due(
            "Skolestart",
            "2027-03-15",
            30,
            "resident.children.exists(c, c.age == 5)",
        ),
        due(
            "Aktivitetskort",
            "2027-03-05",
            14,
            "resident.children.exists(c, c.age >= 6 && c.age <= 15) && resident.postcode.startsWith('138')",
        ),
        due(
            "Vaksine 65",
            "2027-03-20",
            21,
            "resident.age == 65 && resident.has_address",
        ),
        due(
            "Førstegangsvelger",
            "2027-03-31",
            31,
            "resident.age >= 18 && resident.age <= 19",
        ),
        due(
            "Ny i kommunen",
            "2027-03-01",
            7,
            "resident.moved_in_days >= 0 && resident.moved_in_days < 365",
        ),
        due("Veiarbeid", "2027-09-01", 14, "resident.postcode == '1384'"),
        age("Pensjon", "resident", 67, 0, "true"),
        age("Myndig", "resident", 18, 0, "resident.has_address"),
        age("70 år", "resident", 70, 0, "resident.children_count == 0"),
        age(
            "Barnehage",
            "child",
            1,
            0,
            "resident.postcode.startsWith('13')",
        ),
        age("Femårskontroll", "child", 5, 6, "true"),
        age("Ungdomsskole", "child", 13, 0, "true"),
        age("Ungdomskort", "child", 16, 0, "resident.age < 60"),
        event("Gratulerer", "birth", "guardians_of_child"),
        event("Velkommen", "moved_in", "resident"),
        event("Ha det", "moved_out", "resident"),
        event("Ny adresse", "address_changed", "resident"),
        json!({
            "name": "Valg", "category": "valg", "trigger": {"kind": "campaign"},
            "audience": "resident.age >= 18",
            "content": {"nb": {"title": "Husk valget", "body": "Hei"}}
        }),
        json!({
            "name": "Utløpt", "category": "frister", "valid_to": "2027-02-01",
            "trigger": {"kind": "before_date", "date": {"fixed": "2027-03-02"}, "days_before": 30},
            "content": {"nb": {"title": "Utløpt", "body": "Utløpt"}}
        }),
    ]
}

/// SplitMix64: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const NAMES: [&str; 12] = [
    "Anne", "Bjørn", "Camilla", "Dag", "Eli", "Frode", "Guro", "Håkon", "Ingrid", "Jonas", "Kari",
    "Lars",
];

struct Generator {
    rng: Rng,
    used: HashMap<Date, u16>,
}

impl Generator {
    /// A person born `min_age..max_age` years before today.
    fn person(&mut self, min_age: u64, max_age: u64, guardians: &[Pid]) -> RegisterPerson {
        let days = (min_age * 365 + self.rng.below((max_age - min_age) * 365)) as i64;
        let birth = TODAY.checked_sub(days.days()).expect("a birth date");
        let pid = self.pid(birth);
        let address = (!self.rng.chance(3)).then(|| RegisterAddress {
            street: format!("Gate {}", self.rng.below(200)),
            postcode: format!("{}", 1370 + self.rng.below(30)),
            city: "Asker".to_owned(),
            point: None,
        });
        let moved_in = (!self.rng.chance(10)).then(|| {
            let back = self.rng.below((days as u64).clamp(1, 30 * 365)) as i64;
            TODAY.checked_sub(back.days()).expect("a date")
        });
        RegisterPerson {
            pid,
            given_name: NAMES[self.rng.below(NAMES.len() as u64) as usize].to_owned(),
            family_name: "Syntetisk".to_owned(),
            birth_date: birth,
            address,
            moved_in,
            status: ResidentStatus::Active,
            guardians: guardians.to_vec(),
        }
    }

    /// A unique synthetic identity number for `birth`.
    fn pid(&mut self, birth: Date) -> Pid {
        let base = if birth.year() >= 2000 { 500 } else { 0 };
        let next = self.used.entry(birth).or_default();
        loop {
            let individual = *next;
            *next += 1;
            assert!(individual < 500, "too many people born on {birth}");
            if let Some(pid) = Pid::synthetic(birth, base + individual) {
                return pid;
            }
        }
    }
}

/// Households: 80 % one adult, 20 % families of one or two parents and one to three children
/// (about half of all residents live in families, so about 25 % are parents of children
/// under 18).
fn population(n: usize) -> Vec<RegisterPerson> {
    let mut g = Generator {
        rng: Rng(SEED),
        used: HashMap::new(),
    };
    let mut people = Vec::with_capacity(n + 4);
    while people.len() < n {
        if g.rng.chance(80) {
            let p = g.person(18, 95, &[]);
            people.push(p);
            continue;
        }
        let first = g.person(22, 55, &[]);
        let mut parents = vec![first.pid.clone()];
        people.push(first);
        if g.rng.chance(70) {
            let second = g.person(22, 55, &[]);
            parents.push(second.pid.clone());
            people.push(second);
        }
        for _ in 0..=g.rng.below(3) {
            let child = g.person(0, 18, &parents);
            people.push(child);
        }
    }
    people.truncate(n);
    people
}

fn count_guardians(people: &[RegisterPerson]) -> usize {
    let mut guardians: Vec<&str> = people
        .iter()
        .flat_map(|p| p.guardians.iter().map(|g| g.expose()))
        .collect();
    guardians.sort_unstable();
    guardians.dedup();
    guardians.len()
}
