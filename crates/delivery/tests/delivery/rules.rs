//! What decides whether an e-mail or SMS is sent at all: the KRR rules (over real HTTP to a
//! local KRR with Maskinporten tokens), the resident's preferences, a contact register that is
//! down, and a claim lost to another worker before sending. Also the `run` loop.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_adapter_krr::testing::{KrrEntry, KrrStandIn};
use minside_adapter_krr::{CONTACT_SCOPE, KrrClient, KrrConfig};
use minside_core::{Kommunenummer, Pid};
use minside_delivery::{Contact, ContactDirectory, DeliveryError, KrrDirectory};
use minside_maskinporten::testing::MaskinportenStandIn;
use minside_maskinporten::{MaskinportenClient, SystemClock};
use minside_store::{
    Channel, NoticePreferences, OutboxClaim, OutboxStatus, ResidentId, SkipReason,
};
use minside_test_support::sms::SmsGateway;
use minside_test_support::smtp::{SmtpServer, SmtpServerOptions};

use crate::support::*;

const T0: &str = "2026-06-10T10:00:00Z";

struct Krr {
    _maskinporten: MaskinportenStandIn,
    krr: KrrStandIn,
    directory: Arc<dyn ContactDirectory>,
}

async fn local_krr() -> Krr {
    let maskinporten = MaskinportenStandIn::start(Arc::new(SystemClock)).await;
    let krr = KrrStandIn::start(maskinporten.verifier()).await;
    let tokens = Arc::new(
        MaskinportenClient::new(&maskinporten.client_config("minside-delivery", &[CONTACT_SCOPE]))
            .expect("maskinporten client"),
    );
    let mut config = KrrConfig::new(krr.base_url());
    config.allow_synthetic_pids = true;
    let client = Arc::new(KrrClient::new(&config, tokens).expect("krr client"));
    Krr {
        _maskinporten: maskinporten,
        krr,
        directory: Arc::new(KrrDirectory::new(client)),
    }
}

async fn krr_rules_skip_digital_channels_with_the_reason(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let gateway = SmsGateway::start().await;
    let krr = local_krr().await;
    let recent = secs(t0, -30 * 86_400);
    let stale = secs(t0, -600 * 86_400);
    let active = |pid: &Pid, n: &str, at: Timestamp| {
        KrrEntry::active(pid)
            .email(&format!("{n}@example.no"), at, None)
            .mobile("+4799000009", at, None)
    };
    let mut people = Vec::new();
    for name in ["ok", "reserved", "silent", "stale", "unknown"] {
        let (id, pid) = env.resident(name).await;
        let e = match name {
            "ok" => Some(active(&pid, name, recent)),
            "reserved" => Some(active(&pid, name, recent).reserved()),
            "silent" => Some(active(&pid, name, recent).cannot_be_notified()),
            "stale" => Some(active(&pid, name, stale)),
            _ => None,
        };
        if let Some(e) = e {
            krr.krr.put(&e);
        }
        let notice = env
            .notice(id, &[Channel::Email, Channel::Sms], content("Frist"), t0)
            .await;
        people.push((name, notice));
    }
    let w = worker(
        &env,
        krr.directory.clone(),
        test_config(),
        Some(&smtp),
        Some(&gateway),
    );

    let report = w.run_once(t0).await.expect("round");
    assert_eq!(report.inbox, 5);
    assert_eq!(
        (report.email.sent, report.email.skipped),
        (1, 4),
        "{report:?}"
    );
    assert_eq!((report.sms.sent, report.sms.skipped), (1, 4), "{report:?}");
    assert_eq!(
        krr.krr.batch_sizes().len(),
        2,
        "one KRR call per channel batch"
    );

    let expected = [
        ("ok", None),
        ("reserved", Some(SkipReason::KrrReserved)),
        ("silent", Some(SkipReason::KrrCannotBeNotified)),
        ("stale", Some(SkipReason::KrrOutdated)),
        ("unknown", Some(SkipReason::NoContact)),
    ];
    for ((name, notice), (_, reason)) in people.iter().zip(expected) {
        for channel in [Channel::Email, Channel::Sms] {
            let (status, attempts, detail) = env.item(*notice, channel).await;
            match reason {
                None => assert_eq!(status, OutboxStatus::Delivered, "{name} {channel}"),
                Some(reason) => {
                    assert_eq!(status, OutboxStatus::Skipped, "{name} {channel}");
                    assert_eq!(attempts, 0, "{name} {channel}");
                    assert_eq!(detail.as_deref(), Some(reason.as_str()), "{name} {channel}");
                }
            }
        }
    }
    assert_eq!(smtp.received().len(), 1);
    assert_eq!(smtp.received()[0].to, vec!["ok@example.no".to_owned()]);
    assert_eq!(gateway.messages().len(), 1);

    // Everyone KRR keeps from digital channels is on the caseworkers' paper-letter list.
    let letters = env
        .store
        .paper_letters(&env.k, None, 10)
        .await
        .expect("letters");
    let mut on_paper: Vec<_> = letters.iter().map(|l| l.notice_id).collect();
    on_paper.sort();
    let mut expected: Vec<_> = people.iter().skip(1).map(|(_, n)| *n).collect();
    expected.sort();
    assert_eq!(on_paper, expected);
}

async fn preference_off_skips_the_channel(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let gateway = SmsGateway::start().await;
    let (kari, pid) = env.resident("Kari").await;
    let prefs = NoticePreferences {
        email: false,
        ..NoticePreferences::all()
    };
    env.store
        .set_preferences(&env.k, kari, &prefs, t0)
        .await
        .expect("prefs");
    let directory = static_directory(vec![krr(
        &pid,
        Some("kari@example.no"),
        Some("+4799000001"),
        t0,
    )]);
    let notice = env
        .notice(kari, &[Channel::Email, Channel::Sms], content("Frist"), t0)
        .await;
    let w = worker(&env, directory, test_config(), Some(&smtp), Some(&gateway));
    w.run_once(t0).await.expect("round");
    let (status, _, reason) = env.item(notice, Channel::Email).await;
    assert_eq!(status, OutboxStatus::Skipped);
    assert_eq!(reason.as_deref(), Some("preference"));
    assert_eq!(
        env.item(notice, Channel::Sms).await.0,
        OutboxStatus::Delivered
    );
    assert!(smtp.received().is_empty());
    // A preference is no reason for paper.
    assert!(
        env.store
            .paper_letters(&env.k, None, 10)
            .await
            .expect("letters")
            .is_empty()
    );
}

async fn register_down_retries_the_batch_later(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let krr = local_krr().await;
    let (kari, pid) = env.resident("Kari").await;
    krr.krr
        .put(&KrrEntry::active(&pid).email("kari@example.no", secs(t0, -86_400), None));
    let notice = env
        .notice(kari, &[Channel::Email], content("Frist"), t0)
        .await;
    let w = worker(
        &env,
        krr.directory.clone(),
        test_config(),
        Some(&smtp),
        None,
    );

    krr.krr.fail_with(Some(503));
    let report = w.run_once(t0).await.expect("round");
    assert_eq!(report.email.deferred, 1, "{report:?}");
    let (status, attempts, error) = env.item(notice, Channel::Email).await;
    assert_eq!(
        (status, attempts),
        (OutboxStatus::Pending, 0),
        "not an attempt"
    );
    assert!(error.expect("error").contains("contact directory"));

    krr.krr.fail_with(None);
    assert_eq!(
        w.run_once(secs(t0, 1)).await.expect("round").email.claimed,
        0
    );
    let later = w.run_once(secs(t0, 31)).await.expect("round");
    assert_eq!(later.email.sent, 1, "{later:?}");
    assert_eq!(smtp.received().len(), 1);
}

/// A directory that, while the worker looks contacts up, lets another worker take over the
/// claim (as if this one had stalled past its lease).
struct Thief {
    inner: Arc<dyn ContactDirectory>,
    store: minside_delivery::DynNoticeStore,
    steal_at: Timestamp,
}

#[async_trait]
impl ContactDirectory for Thief {
    async fn lookup(
        &self,
        k: &Kommunenummer,
        people: &[(ResidentId, Pid)],
        now: Timestamp,
    ) -> Result<HashMap<ResidentId, Contact>, DeliveryError> {
        let claim = OutboxClaim {
            owner: "thief".into(),
            channels: vec![Channel::Email],
            limit: 100,
            lease: std::time::Duration::from_secs(600),
            now: self.steal_at,
        };
        let stolen = self.store.claim_outbox(&claim).await.expect("steal");
        assert_eq!(stolen.len(), people.len(), "the thief takes the batch");
        self.inner.lookup(k, people, now).await
    }
}

async fn a_lost_claim_is_not_sent(backend: Backend) {
    let t0 = ts(T0);
    let env = Env::new(backend, t0).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let (kari, pid) = env.resident("Kari").await;
    let notice = env
        .notice(kari, &[Channel::Email], content("Frist"), t0)
        .await;
    let config = minside_delivery::WorkerConfig {
        lease_secs: 60,
        ..test_config()
    };
    let directory = Arc::new(Thief {
        inner: static_directory(vec![krr(&pid, Some("kari@example.no"), None, t0)]),
        store: env.notices(),
        steal_at: secs(t0, 61),
    });
    let w = worker(&env, directory, config, Some(&smtp), None);
    let report = w.run_once(t0).await.expect("round");
    assert_eq!(report.email.lease_lost, 1, "{report:?}");
    assert_eq!(report.email.sent, 0);
    assert!(smtp.received().is_empty(), "sent without the claim");
    let (status, attempts, _) = env.item(notice, Channel::Email).await;
    assert_eq!(
        (status, attempts),
        (OutboxStatus::Pending, 0),
        "left to the new owner"
    );
}

async fn run_delivers_until_shut_down(backend: Backend) {
    let now = Timestamp::now();
    let env = Env::new(backend, now).await;
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let (kari, pid) = env.resident("Kari").await;
    let directory = static_directory(vec![krr(&pid, Some("kari@example.no"), None, now)]);
    let w = Arc::new(worker(&env, directory, test_config(), Some(&smtp), None));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn({
        let w = w.clone();
        async move {
            w.run(async {
                let _ = stopped.await;
            })
            .await;
        }
    });
    let notice = env
        .notice(kari, &[Channel::Email], content("Frist"), now)
        .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // The inbox item may go a round after the e-mail (when the notice lands mid-round), and the
    // e-mail item is marked delivered just after the SMTP server has the message.
    let done = || async {
        !smtp.received().is_empty()
            && env.item(notice, Channel::Inbox).await.0 == OutboxStatus::Delivered
            && env.item(notice, Channel::Email).await.0 == OutboxStatus::Delivered
    };
    while !done().await && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(smtp.received().len(), 1, "the loop delivered the e-mail");
    assert_eq!(
        env.item(notice, Channel::Inbox).await.0,
        OutboxStatus::Delivered
    );
    assert_eq!(
        env.item(notice, Channel::Email).await.0,
        OutboxStatus::Delivered
    );
    stop.send(()).expect("stop");
    tokio::time::timeout(std::time::Duration::from_secs(10), task)
        .await
        .expect("run stops on shutdown")
        .expect("run task");
}

crate::on_both_backends!(
    krr_rules_skip_digital_channels_with_the_reason,
    preference_off_skips_the_channel,
    register_down_retries_the_batch_later,
    a_lost_claim_is_not_sent,
    run_delivers_until_shut_down,
);
