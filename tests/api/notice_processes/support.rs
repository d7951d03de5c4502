//! The processes and records the notice process tests work with: `minside serve` and
//! `minside evaluate` children with their configuration, and the store read back.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use minside_core::{Kommunenummer, Timestamp};
use minside_store::{
    Channel, InboxFilter, Notice, OutboxStatus, ResidentFacts, RuleFields, RuleId, RuleStats,
    RuleStatus, Store,
};
use minside_test_support::Backend;
use minside_test_support::smtp::SmtpServer;
use serde_json::{Value, json};

const TENANT: &str = "3203";
/// Skip reasons of residents the contact register (KRR) gives no usable address.
pub(super) const KRR_SKIPS: [&str; 4] = [
    "krr_reserved",
    "krr_cannot_be_notified",
    "krr_outdated",
    "no_contact",
];

/// The environment of a `minside` process: `MINSIDE__*` variables over the compiled-in defaults.
#[derive(Clone)]
pub(super) struct Config(Vec<(String, String)>);

impl Config {
    pub(super) fn new(database_url: &str) -> Self {
        let root = env!("CARGO_MANIFEST_DIR");
        Config(Vec::new())
            .set("database.url", database_url)
            .set("tenants.dir", format!("{root}/config/tenants"))
            .set("log.format", "json")
            // The register feed is not followed during a test: audiences stay as computed.
            .set("register.poll_seconds", 3600)
    }

    /// `notices.delivery.worker.batch` becomes `MINSIDE__NOTICES__DELIVERY__WORKER__BATCH`.
    pub(super) fn set(mut self, key: &str, value: impl ToString) -> Self {
        let name = format!("MINSIDE__{}", key.replace('.', "__").to_uppercase());
        self.0.push((name, value.to_string()));
        self
    }

    pub(super) fn email_to(self, smtp: &SmtpServer) -> Self {
        self.set("notices.delivery.email.host", smtp.host())
            .set("notices.delivery.email.port", smtp.port())
            .set("notices.delivery.email.security", "none")
            .set(
                "notices.delivery.email.from_address",
                "minside@asker.kommune.no",
            )
            .set("notices.delivery.email.from_name", "Asker kommune")
    }

    pub(super) fn command(&self, dir: &Path) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_minside"));
        cmd.current_dir(dir)
            .env_remove("MINSIDE_CONFIG")
            .stdin(Stdio::null());
        for (k, v) in &self.0 {
            cmd.env(k, v);
        }
        cmd
    }
}

/// A `minside serve` process. Dropping it kills it, so no test leaves one behind.
pub(super) struct Server {
    name: String,
    pub(super) child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts `minside serve` on a free port, its output going to `<name>.log` in `dir`.
    pub(super) fn spawn(config: &Config, dir: &Path, name: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let log = dir.join(format!("{name}.log"));
        let out = File::create(&log).expect("server log file");
        let child = config
            .clone()
            .set("server.bind", format!("127.0.0.1:{port}"))
            .set("server.public_url", &base)
            .set("idporten.issuer", format!("{base}/dev-idp"))
            .command(dir)
            .arg("serve")
            .stdout(out.try_clone().expect("log file handle"))
            .stderr(out)
            .spawn()
            .expect("start minside serve");
        Server {
            name: name.to_owned(),
            child,
            base,
            log,
        }
    }

    /// Waits until `/health/live` answers (the demo register mirror is loaded before that).
    pub(super) async fn live(mut self) -> Server {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited ({status}):\n{}", self.name, self.tail());
            }
            let url = format!("{}/health/live", self.base);
            if let Ok(r) = client.get(url).send().await
                && r.status().is_success()
            {
                return self;
            }
            assert!(
                Instant::now() < deadline,
                "{} not live:\n{}",
                self.name,
                self.tail()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Kills the process with SIGKILL: `std::process::Child::kill` sends SIGKILL on Unix, so no
    /// shutdown code runs and nothing in flight is finished.
    pub(super) fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap the killed server");
    }

    pub(super) fn tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// The JSON log lines whose `message` is `message`.
    pub(super) fn logged(&self, message: &str) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["message"] == message)
            .collect()
    }
}

/// Starts `minside evaluate --tenant 3203` (killed if the test ends first).
pub(super) fn spawn_evaluate(config: &Config, dir: &Path) -> tokio::process::Child {
    let mut cmd = config.clone().set("log.filter", "warn").command(dir);
    cmd.args(["evaluate", "--tenant", TENANT])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    tokio::process::Command::from(cmd)
        .kill_on_drop(true)
        .spawn()
        .expect("start minside evaluate")
}

/// Waits for an `evaluate` run; returns the notices its JSON report says it created, per rule.
pub(super) async fn evaluate_report(child: tokio::process::Child) -> HashMap<String, u64> {
    let out = child.wait_with_output().await.expect("evaluate ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "evaluate failed:\n{stdout}\n{stderr}");
    // Warnings are logged (as JSON lines) on stdout too; the report is the array at the end.
    let start = stdout.find("[\n").expect("a JSON report");
    let report: Value = serde_json::from_str(&stdout[start..]).expect("the report is JSON");
    let mut created = HashMap::new();
    for tenant in report.as_array().expect("one report per tenant") {
        let campaigns = tenant["campaigns"].as_array().into_iter().flatten();
        for step in [&tenant["day"], &tenant["events"]]
            .into_iter()
            .chain(campaigns)
        {
            for (rule, counts) in step["per_rule"].as_object().into_iter().flatten() {
                let n = counts["created"].as_u64().expect("created count");
                *created.entry(rule.clone()).or_default() += n;
            }
        }
    }
    created
}

pub(super) async fn database_url(backend: Backend, dir: &Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/minside.db?mode=rwc", dir.display()),
        Backend::Postgres => minside_store_postgres::testing::fresh_database_url().await,
    }
}

pub(super) async fn open_store(url: &str) -> Arc<dyn Store> {
    if url.starts_with("sqlite:") {
        let store = minside_store_sqlite::SqliteStore::connect(url).await;
        Arc::new(store.expect("open the SQLite database"))
    } else {
        let store = minside_store_postgres::PostgresStore::connect(url).await;
        Arc::new(store.expect("connect to PostgreSQL"))
    }
}

pub(super) fn tenant() -> Kommunenummer {
    Kommunenummer::parse(TENANT).expect("3203 is a kommunenummer")
}

pub(super) fn rule(name: &str, trigger: Value, audience: &str, channels: &[Channel]) -> RuleFields {
    RuleFields {
        name: name.to_owned(),
        category: "test".to_owned(),
        opt_out_allowed: false,
        trigger,
        audience: audience.to_owned(),
        content: json!({"nb": {"title": name, "body": "Hei {{resident.given_name}}!"}}),
        channels: channels.to_vec(),
        priority: 2,
        valid_from: None,
        valid_to: None,
    }
}

/// Archives the rules the demo tenant was seeded with and adds `rules`, active.
pub(super) async fn replace_rules(store: &dyn Store, rules: Vec<RuleFields>) -> Vec<RuleId> {
    let (k, now, by) = (tenant(), Timestamp::now(), "test");
    for old in store.list_rules(&k, false).await.expect("list rules") {
        let archive = store.set_rule_status(&k, old.id, old.version, RuleStatus::Archived, by, now);
        archive.await.expect("archive a demo rule");
    }
    let mut ids = Vec::new();
    for fields in rules {
        let r = store
            .create_rule(&k, fields, by, now)
            .await
            .expect("create");
        let active = store.set_rule_status(&k, r.id, r.version, RuleStatus::Active, by, now);
        ids.push(active.await.expect("activate").id);
    }
    ids
}

/// Every active resident of the tenant, as the engine sees them.
pub(super) async fn residents(store: &dyn Store) -> Vec<ResidentFacts> {
    let mut all: Vec<ResidentFacts> = Vec::new();
    loop {
        let after = all.last().map(|r| r.id);
        let page = store.resident_facts_page(&tenant(), after, 1000).await;
        let page = page.expect("residents");
        if page.is_empty() {
            return all;
        }
        all.extend(page);
    }
}

pub(super) async fn stats(store: &dyn Store, rule: RuleId) -> RuleStats {
    store.rule_stats(&tenant(), rule).await.expect("rule stats")
}

/// Outbox items not yet final (`sending` counts as pending).
pub(super) fn pending(s: &RuleStats) -> u64 {
    s.inbox.pending + s.email.pending + s.sms.pending
}

pub(super) type Items = Vec<(Channel, OutboxStatus, i32, Option<String>)>;

/// The notices of `rules` in the residents' inboxes (delivered ones), with their outbox items.
pub(super) async fn delivered(
    store: &dyn Store,
    people: &[ResidentFacts],
    rules: &[RuleId],
) -> Vec<(Notice, Items)> {
    let inboxes: Vec<_> = futures_util::stream::iter(people)
        .map(|r| store.list_inbox(r.id, InboxFilter::Current, None, 100))
        .buffer_unordered(8)
        .collect()
        .await;
    let mut out = Vec::new();
    for inbox in inboxes {
        for notice in inbox.expect("an inbox") {
            if rules.contains(&notice.rule_id) {
                let items = store.outbox_of(notice.id).await.expect("outbox items");
                out.push((notice, items));
            }
        }
    }
    out
}

pub(super) fn item(items: &Items, channel: Channel) -> (OutboxStatus, i32, Option<String>) {
    let found = items
        .iter()
        .find(|i| i.0 == channel)
        .expect("an item of the channel");
    (found.1, found.2, found.3.clone())
}

/// How often each notice id appears among the e-mails the SMTP server accepted.
pub(super) fn mails_per_notice(smtp: &SmtpServer) -> HashMap<String, usize> {
    let mut per = HashMap::new();
    for mail in smtp.received() {
        *per.entry(mail.notice).or_default() += 1;
    }
    per
}
