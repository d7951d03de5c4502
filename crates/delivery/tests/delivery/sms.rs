//! SMS against the gateway stand-in (real HTTP): delivered, temporarily failing then delivered
//! (honouring Retry-After), permanently failing, and the sending hours (quiet hours) in
//! Europe/Oslo, also across the switches to and from summer time.

use minside_store::{Channel, OutboxStatus};
use minside_test_support::sms::SmsGateway;

use crate::support::*;

/// 12:00 in Oslo, inside the sending hours.
const T0: &str = "2026-06-10T10:00:00Z";
const MOBILE: &str = "+4799000001";

async fn sms_is_delivered(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let gateway = SmsGateway::start().await;
    let (kari, pid) = env.resident("Kari Nordmann").await;
    let directory = static_directory(vec![krr(&pid, None, Some(MOBILE), t0)]);
    let notice = env
        .notice(kari, &[Channel::Sms], content("Søk barnehageplass"), t0)
        .await;
    let w = worker(&env, directory, test_config(), None, Some(&gateway));

    let report = w.run_once(t0).await.expect("round");
    assert_eq!((report.inbox, report.sms.sent), (1, 1), "{report:?}");
    let messages = gateway.messages();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.to, MOBILE);
    assert_eq!(m.reference, notice.to_string());
    assert_eq!(
        m.text,
        format!("Søk barnehageplass\nLes mer på MinSide: {PORTAL}")
    );
    let key = m.idempotency_key.as_deref().expect("Idempotency-Key");
    assert!(uuid::Uuid::parse_str(key).is_ok(), "{key}");
    assert_ne!(key, notice.to_string(), "the key is the outbox item's id");
    assert_eq!(
        env.item(notice, Channel::Sms).await.0,
        OutboxStatus::Delivered
    );
    assert!(w.run_once(secs(t0, 600)).await.expect("round").is_idle());
    assert_eq!(gateway.requests(), 1);
}

async fn sms_failing_temporarily_honours_retry_after(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let gateway = SmsGateway::start().await;
    gateway.fail_next(1, 503, Some(120));
    let (kari, pid) = env.resident("Kari Nordmann").await;
    let directory = static_directory(vec![krr(&pid, None, Some(MOBILE), t0)]);
    let notice = env
        .notice(kari, &[Channel::Sms], content("Frist"), t0)
        .await;
    let w = worker(&env, directory, test_config(), None, Some(&gateway));

    let first = w.run_once(t0).await.expect("round");
    assert_eq!(first.sms.retried, 1, "{first:?}");
    let (status, attempts, error) = env.item(notice, Channel::Sms).await;
    assert_eq!((status, attempts), (OutboxStatus::Pending, 1));
    assert!(error.expect("error").contains("503"));
    // Retry-After: 120 s, longer than the backoff's 30 s.
    let early = w.run_once(secs(t0, 100)).await.expect("round");
    assert_eq!(early.sms.claimed, 0, "Retry-After not honoured: {early:?}");
    let later = w.run_once(secs(t0, 121)).await.expect("round");
    assert_eq!(later.sms.sent, 1, "{later:?}");
    assert_eq!(gateway.messages().len(), 1);
    assert_eq!(gateway.requests(), 2);
    let (status, attempts, _) = env.item(notice, Channel::Sms).await;
    assert_eq!((status, attempts), (OutboxStatus::Delivered, 2));

    // 429 without Retry-After: the backoff alone.
    let (ola, ola_pid) = env.resident("Ola Nordmann").await;
    let directory = static_directory(vec![krr(&ola_pid, None, Some("+4799000002"), t0)]);
    let w = worker(&env, directory, test_config(), None, Some(&gateway));
    let t1 = secs(t0, 3600);
    let second = env.notice(ola, &[Channel::Sms], content("Frist"), t1).await;
    gateway.fail_next(1, 429, None);
    assert_eq!(w.run_once(t1).await.expect("round").sms.retried, 1);
    assert_eq!(w.run_once(secs(t1, 31)).await.expect("round").sms.sent, 1);
    assert_eq!(
        env.item(second, Channel::Sms).await.0,
        OutboxStatus::Delivered
    );
}

async fn sms_refused_permanently_fails(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let gateway = SmsGateway::start().await;
    gateway.refuse(MOBILE);
    let (kari, pid) = env.resident("Kari Nordmann").await;
    let directory = static_directory(vec![krr(&pid, None, Some(MOBILE), t0)]);
    let notice = env
        .notice(kari, &[Channel::Sms], content("Frist"), t0)
        .await;
    let w = worker(&env, directory, test_config(), None, Some(&gateway));

    let report = w.run_once(t0).await.expect("round");
    assert_eq!(report.sms.failed, 1, "{report:?}");
    let (status, attempts, reason) = env.item(notice, Channel::Sms).await;
    assert_eq!((status, attempts), (OutboxStatus::Failed, 1));
    let reason = reason.expect("reason");
    assert!(reason.contains("HTTP 400"), "{reason}");
    assert!(
        !reason.contains("99000001"),
        "no number in the reason: {reason}"
    );
    assert!(gateway.messages().is_empty());
    assert!(w.run_once(secs(t0, 86_400)).await.expect("round").is_idle());
}

/// An SMS created at `created` (outside the sending hours) waits until exactly `opens`.
async fn sms_waits_for_the_sending_hours(backend: Backend, created: &str, opens: &str) {
    let (created, opens) = (ts(created), ts(opens));
    let env = Env::new(backend, created).await;
    let gateway = SmsGateway::start().await;
    let (kari, pid) = env.resident("Kari Nordmann").await;
    let directory = static_directory(vec![krr(&pid, None, Some(MOBILE), created)]);
    let notice = env
        .notice(kari, &[Channel::Sms], content("Frist"), created)
        .await;
    let w = worker(&env, directory, test_config(), None, Some(&gateway));

    let report = w.run_once(created).await.expect("round");
    assert_eq!(report.inbox, 1, "the inbox has no quiet hours");
    assert_eq!(report.sms.deferred, 1, "{report:?}");
    assert_eq!(gateway.requests(), 0);
    let (status, attempts, _) = env.item(notice, Channel::Sms).await;
    assert_eq!(
        (status, attempts),
        (OutboxStatus::Pending, 0),
        "no attempt counted"
    );

    let before = w.run_once(secs(opens, -1)).await.expect("round");
    assert_eq!(
        before.sms.claimed, 0,
        "claimed before the window opened: {before:?}"
    );
    let at = w.run_once(opens).await.expect("round");
    assert_eq!(at.sms.sent, 1, "{at:?}");
    assert_eq!(gateway.messages().len(), 1);
    let (status, attempts, _) = env.item(notice, Channel::Sms).await;
    assert_eq!((status, attempts), (OutboxStatus::Delivered, 1));
}

async fn sms_at_20_waits_until_9_next_morning(backend: Backend) {
    // Friday 9 January 2026, 20:00 in Oslo (+01:00) -> Saturday 09:00 (+01:00).
    sms_waits_for_the_sending_hours(backend, "2026-01-09T19:00:00Z", "2026-01-10T08:00:00Z").await;
}

async fn sms_quiet_hours_across_the_switch_to_summer_time(backend: Backend) {
    // Saturday 28 March 2026, 20:00 (+01:00); at 09:00 on Sunday the offset is +02:00.
    sms_waits_for_the_sending_hours(backend, "2026-03-28T19:00:00Z", "2026-03-29T07:00:00Z").await;
}

async fn sms_quiet_hours_across_the_switch_to_winter_time(backend: Backend) {
    // Saturday 24 October 2026, 20:00 (+02:00); at 09:00 on Sunday the offset is +01:00.
    sms_waits_for_the_sending_hours(backend, "2026-10-24T18:00:00Z", "2026-10-25T08:00:00Z").await;
}

async fn sms_early_in_the_morning_waits_until_9_the_same_day(backend: Backend) {
    // 06:30 in Oslo in summer.
    sms_waits_for_the_sending_hours(backend, "2026-06-10T04:30:00Z", "2026-06-10T07:00:00Z").await;
}

crate::on_both_backends!(
    sms_is_delivered,
    sms_failing_temporarily_honours_retry_after,
    sms_refused_permanently_fails,
    sms_at_20_waits_until_9_next_morning,
    sms_quiet_hours_across_the_switch_to_summer_time,
    sms_quiet_hours_across_the_switch_to_winter_time,
    sms_early_in_the_morning_waits_until_9_the_same_day,
);
