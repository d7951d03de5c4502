//! Outbox delivery throughput on SQLite and PostgreSQL: inbox notices per second (claimed in
//! batches, completed in one call per batch; the target is at least 1,000/s) and e-mails per
//! second through the real SMTP test server (aiosmtpd), which sets the e-mail rate.
//!
//! `cargo bench -p minside-delivery --bench outbox` (PostgreSQL when
//! `MINSIDE_TEST_POSTGRES_URL` is set; `MINSIDE_BENCH_NOTICES` changes the inbox count,
//! default 20,000). Figures are in BENCHMARKS.md.

#[path = "../tests/delivery/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::Instant;

use minside_store::{Channel, NewNotice};
use minside_test_support::smtp::{SmtpServer, SmtpServerOptions};
use support::*;

const RESIDENTS: usize = 1_000;
const EMAILS: usize = 500;

#[allow(clippy::print_stdout)]
fn report(what: &str, backend: Backend, n: u64, secs: f64) {
    println!(
        "{backend:?} {what}: {n} in {secs:.2} s = {:.0}/s",
        n as f64 / secs
    );
}

fn notice(
    env: &Env,
    recipient: minside_store::ResidentId,
    i: usize,
    channels: Vec<Channel>,
) -> NewNotice {
    NewNotice {
        kommunenummer: env.k,
        rule_id: env.rule,
        recipient_id: recipient,
        subject_id: recipient,
        occurrence: format!("campaign:{i}"),
        category: "barnehage".into(),
        priority: 2,
        content: content("Søk barnehageplass"),
        channels,
        created_at: ts("2026-06-10T10:00:00Z"),
    }
}

async fn inbox(backend: Backend, notices: usize) {
    let t0 = ts("2026-06-10T10:00:00Z");
    let env = Env::new(backend, t0).await;
    let mut residents = Vec::with_capacity(RESIDENTS);
    for i in 0..RESIDENTS {
        residents.push(env.resident(&format!("Beboer {i}")).await.0);
    }
    let all: Vec<NewNotice> = (0..notices)
        .map(|i| notice(&env, residents[i % RESIDENTS], i, vec![Channel::Inbox]))
        .collect();
    for chunk in all.chunks(2_000) {
        env.store.create_notices(chunk).await.expect("notices");
    }
    let w = worker(
        &env,
        static_directory(Vec::new()),
        test_config(),
        None,
        None,
    );
    let started = Instant::now();
    let mut delivered = 0;
    loop {
        let n = w.deliver_inbox(secs(t0, 1)).await.expect("inbox batch");
        if n == 0 {
            break;
        }
        delivered += n;
    }
    assert_eq!(delivered, notices as u64);
    report(
        "inbox notices",
        backend,
        delivered,
        started.elapsed().as_secs_f64(),
    );
}

async fn email(backend: Backend) {
    let t0 = ts("2026-06-10T10:00:00Z");
    let env = Env::new(backend, t0).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let mut entries = Vec::new();
    let mut all = Vec::new();
    for i in 0..EMAILS {
        let (id, pid) = env.resident(&format!("Beboer {i}")).await;
        entries.push(krr(&pid, Some(&format!("beboer{i}@example.no")), None, t0));
        all.push(notice(&env, id, i, vec![Channel::Email]));
    }
    env.store.create_notices(&all).await.expect("notices");
    let w = worker(
        &env,
        static_directory(entries),
        test_config(),
        Some(&smtp),
        None,
    );
    let started = Instant::now();
    let mut sent = 0;
    loop {
        let r = w.run_once(secs(t0, 1)).await.expect("round");
        if r.is_idle() {
            break;
        }
        sent += r.email.sent;
    }
    assert_eq!(smtp.received().len(), EMAILS, "each e-mail once");
    report("e-mails", backend, sent, started.elapsed().as_secs_f64());
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let notices = std::env::var("MINSIDE_BENCH_NOTICES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let mut backends = vec![Backend::Sqlite];
    if std::env::var_os("MINSIDE_TEST_POSTGRES_URL").is_some() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        inbox(backend, notices).await;
        email(backend).await;
    }
}
