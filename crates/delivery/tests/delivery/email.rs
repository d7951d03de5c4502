//! E-mail against a real SMTP server process (aiosmtpd): delivered, temporarily failing then
//! delivered (with the backoff kept), permanently failing, attempts used up, server down.

use minside_store::{Channel, OutboxStatus};
use minside_test_support::smtp::{SmtpServer, SmtpServerOptions};

use crate::support::*;

const T0: &str = "2026-06-10T10:00:00Z";

async fn email_is_delivered_with_the_notice_id(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let (kari, kari_pid) = env.resident("Kari Nordmann").await;
    let (ola, ola_pid) = env.resident("Ola Nordmann").await;
    let mut ola_entry = krr(&ola_pid, Some("ola@example.no"), None, t0);
    ola_entry.language = Some(minside_core::Locale::En);
    let directory = static_directory(vec![
        krr(&kari_pid, Some("kari.nordmann@example.no"), None, t0),
        ola_entry,
    ]);
    let to_kari = env
        .notice(kari, &[Channel::Email], content("Søk barnehageplass"), t0)
        .await;
    let to_ola = env
        .notice(ola, &[Channel::Email], content("Søk barnehageplass"), t0)
        .await;
    let w = worker(&env, directory, test_config(), Some(&smtp), None);

    let report = w.run_once(t0).await.expect("round");
    assert_eq!(report.inbox, 2);
    assert_eq!(
        (report.email.claimed, report.email.sent),
        (2, 2),
        "{report:?}"
    );

    let mut mails = smtp.received();
    mails.sort_by(|a, b| a.to.cmp(&b.to));
    assert_eq!(mails.len(), 2, "{mails:?}");
    let kari_mail = &mails[0];
    assert_eq!(kari_mail.to, vec!["kari.nordmann@example.no".to_owned()]);
    assert_eq!(kari_mail.notice, to_kari.to_string());
    assert_eq!(
        kari_mail.message_id,
        format!("<{to_kari}@{MESSAGE_DOMAIN}>")
    );
    assert_eq!(kari_mail.subject, "Søk barnehageplass");
    assert!(
        kari_mail.body.contains("Fristen er 1. mars."),
        "{}",
        kari_mail.body
    );
    assert!(
        kari_mail.body.contains(&format!("på MinSide: {PORTAL}")),
        "footer with the portal: {}",
        kari_mail.body
    );
    // Ola's register language is English, which the notice has.
    assert_eq!(mails[1].notice, to_ola.to_string());
    assert_eq!(mails[1].subject, "Søk barnehageplass (en)");
    assert!(mails[1].body.contains("on MinSide"), "{}", mails[1].body);

    for notice in [to_kari, to_ola] {
        assert_eq!(
            env.item(notice, Channel::Email).await.0,
            OutboxStatus::Delivered
        );
        assert_eq!(
            env.item(notice, Channel::Inbox).await.0,
            OutboxStatus::Delivered
        );
    }
    // Nothing is sent twice.
    let again = w.run_once(secs(t0, 3600)).await.expect("round");
    assert!(again.is_idle(), "{again:?}");
    assert_eq!(smtp.received().len(), 2);
}

async fn email_failing_temporarily_is_retried_with_backoff(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let address = "kari.nordmann@example.no";
    let smtp = SmtpServer::start(SmtpServerOptions::default().tempfail(address, 2)).await;
    let (kari, pid) = env.resident("Kari Nordmann").await;
    let directory = static_directory(vec![krr(&pid, Some(address), None, t0)]);
    let notice = env
        .notice(kari, &[Channel::Email], content("Frist"), t0)
        .await;
    let w = worker(&env, directory, test_config(), Some(&smtp), None);

    let first = w.run_once(t0).await.expect("round");
    assert_eq!(first.email.retried, 1, "{first:?}");
    let (status, attempts, error) = env.item(notice, Channel::Email).await;
    assert_eq!((status, attempts), (OutboxStatus::Pending, 1));
    let error = error.expect("last error");
    assert!(error.contains("451"), "{error}");
    assert!(!error.contains("kari"), "no address in errors: {error}");

    // The first retry waits 24..30 s (30 s less up to 20 % jitter).
    let early = w.run_once(secs(t0, 23)).await.expect("round");
    assert_eq!(early.email.claimed, 0, "backoff not kept: {early:?}");
    let second_at = secs(t0, 31);
    let second = w.run_once(second_at).await.expect("round");
    assert_eq!(second.email.retried, 1, "{second:?}");
    assert_eq!(env.item(notice, Channel::Email).await.1, 2);

    // The second waits 48..60 s.
    let early = w.run_once(secs(second_at, 47)).await.expect("round");
    assert_eq!(early.email.claimed, 0, "backoff doubles: {early:?}");
    assert!(smtp.received().is_empty());
    let third = w.run_once(secs(second_at, 61)).await.expect("round");
    assert_eq!(third.email.sent, 1, "{third:?}");
    let mails = smtp.received();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].notice, notice.to_string());
    let (status, attempts, _) = env.item(notice, Channel::Email).await;
    assert_eq!((status, attempts), (OutboxStatus::Delivered, 3));
}

async fn email_refused_permanently_fails_with_a_reason(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default().reject_local_part("ukjent")).await;
    let (r, pid) = env.resident("Ukjent Person").await;
    let directory = static_directory(vec![krr(&pid, Some("ukjent@example.no"), None, t0)]);
    let notice = env.notice(r, &[Channel::Email], content("Frist"), t0).await;
    let w = worker(&env, directory, test_config(), Some(&smtp), None);

    let report = w.run_once(t0).await.expect("round");
    assert_eq!(report.email.failed, 1, "{report:?}");
    let (status, attempts, reason) = env.item(notice, Channel::Email).await;
    assert_eq!((status, attempts), (OutboxStatus::Failed, 1));
    let reason = reason.expect("reason");
    assert!(reason.contains("550"), "{reason}");
    assert!(
        !reason.contains("ukjent@"),
        "no address in the reason: {reason}"
    );
    assert!(smtp.received().is_empty());
    // Final: never tried again.
    let later = w.run_once(secs(t0, 86_400)).await.expect("round");
    assert!(later.is_idle(), "{later:?}");
}

async fn email_gives_up_after_max_attempts(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let address = "kari@example.no";
    let smtp = SmtpServer::start(SmtpServerOptions::default().tempfail(address, 100)).await;
    let (r, pid) = env.resident("Kari").await;
    let directory = static_directory(vec![krr(&pid, Some(address), None, t0)]);
    let notice = env.notice(r, &[Channel::Email], content("Frist"), t0).await;
    let config = minside_delivery::WorkerConfig {
        max_attempts: 2,
        ..test_config()
    };
    let w = worker(&env, directory, config, Some(&smtp), None);
    assert_eq!(w.run_once(t0).await.expect("round").email.retried, 1);
    let last = w.run_once(secs(t0, 31)).await.expect("round");
    assert_eq!(last.email.failed, 1, "{last:?}");
    let (status, attempts, reason) = env.item(notice, Channel::Email).await;
    assert_eq!((status, attempts), (OutboxStatus::Failed, 2));
    assert!(reason.expect("reason").contains("gave up after 2 attempts"));
}

async fn email_server_down_is_retried(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let mut smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let (r, pid) = env.resident("Kari").await;
    let directory = static_directory(vec![krr(&pid, Some("kari@example.no"), None, t0)]);
    let notice = env.notice(r, &[Channel::Email], content("Frist"), t0).await;
    let w = worker(&env, directory, test_config(), Some(&smtp), None);
    smtp.stop().await;
    let report = w.run_once(t0).await.expect("round");
    assert_eq!(report.email.retried, 1, "{report:?}");
    let (status, attempts, error) = env.item(notice, Channel::Email).await;
    assert_eq!((status, attempts), (OutboxStatus::Pending, 1));
    assert!(error.expect("error").contains("SMTP"));
}

crate::on_both_backends!(
    email_is_delivered_with_the_notice_id,
    email_failing_temporarily_is_retried_with_backoff,
    email_refused_permanently_fails_with_a_reason,
    email_gives_up_after_max_attempts,
    email_server_down_is_retried,
);
