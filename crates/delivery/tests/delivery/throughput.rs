//! Delivery in bulk: every inbox notice delivered once, claimed in batches and completed in one
//! call per batch; every e-mail reaches the real SMTP server once. (The rates are measured by
//! `cargo bench -p minside-delivery --bench outbox`, not here.)

use minside_store::{Channel, NewNotice, OutboxStatus};
use minside_test_support::smtp::{SmtpServer, SmtpServerOptions};

use crate::support::*;

/// Notices delivered in the measurement.
const NOTICES: usize = 10_000;
/// Residents they are spread over.
const RESIDENTS: usize = 1_000;

async fn inbox_delivers_every_notice_once_in_batches(backend: Backend) {
    let t0 = ts("2026-06-10T10:00:00Z");
    let env = Env::new(backend, t0).await;
    let mut residents = Vec::with_capacity(RESIDENTS);
    for i in 0..RESIDENTS {
        residents.push(env.resident(&format!("Beboer {i}")).await.0);
    }
    let notices: Vec<NewNotice> = (0..NOTICES)
        .map(|i| NewNotice {
            kommunenummer: env.k,
            rule_id: env.rule,
            recipient_id: residents[i % RESIDENTS],
            subject_id: residents[i % RESIDENTS],
            occurrence: format!("campaign:{i}"),
            category: "barnehage".into(),
            priority: 2,
            content: content("Søk barnehageplass"),
            channels: vec![Channel::Inbox],
            created_at: t0,
        })
        .collect();
    for chunk in notices.chunks(2_000) {
        env.store.create_notices(chunk).await.expect("notices");
    }
    let w = worker(
        &env,
        static_directory(Vec::new()),
        test_config(),
        None,
        None,
    );

    let mut delivered = 0;
    let mut batches = 0;
    loop {
        let n = w.deliver_inbox(secs(t0, 1)).await.expect("inbox batch");
        if n == 0 {
            break;
        }
        delivered += n;
        batches += 1;
    }
    assert_eq!(delivered, NOTICES as u64);
    let batch = u64::from(test_config().inbox_batch);
    assert_eq!(batches, (NOTICES as u64).div_ceil(batch), "full batches");
    let any = env
        .store
        .list_inbox(residents[0], minside_store::InboxFilter::Current, None, 100)
        .await
        .expect("inbox");
    assert_eq!(
        any.len(),
        NOTICES / RESIDENTS,
        "delivered notices are in the inbox"
    );
    let first = any[0].id;
    assert_eq!(
        env.item(first, Channel::Inbox).await.0,
        OutboxStatus::Delivered
    );
}

/// E-mails through the real SMTP server: each notice once.
async fn every_email_reaches_the_smtp_server_once(backend: Backend) {
    const EMAILS: usize = 400;
    let t0 = ts("2026-06-10T10:00:00Z");
    let env = Env::new(backend, t0).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let mut entries = Vec::new();
    let mut notices = Vec::new();
    for i in 0..EMAILS {
        let (id, pid) = env.resident(&format!("Beboer {i}")).await;
        entries.push(krr(&pid, Some(&format!("beboer{i}@example.no")), None, t0));
        notices.push(NewNotice {
            kommunenummer: env.k,
            rule_id: env.rule,
            recipient_id: id,
            subject_id: id,
            occurrence: "campaign".into(),
            category: "barnehage".into(),
            priority: 2,
            content: content("Søk barnehageplass"),
            channels: vec![Channel::Email],
            created_at: t0,
        });
    }
    env.store.create_notices(&notices).await.expect("notices");
    let w = worker(
        &env,
        static_directory(entries),
        test_config(),
        Some(&smtp),
        None,
    );

    let mut sent = 0;
    loop {
        let report = w.run_once(secs(t0, 1)).await.expect("round");
        if report.is_idle() {
            break;
        }
        sent += report.email.sent;
    }
    assert_eq!(sent, EMAILS as u64);
    let mails = smtp.received();
    let distinct: std::collections::HashSet<_> = mails.iter().map(|m| &m.notice).collect();
    assert_eq!(
        (mails.len(), distinct.len()),
        (EMAILS, EMAILS),
        "each notice once"
    );
}

crate::on_both_backends!(
    inbox_delivers_every_notice_once_in_batches,
    every_email_reaches_the_smtp_server_once,
);
