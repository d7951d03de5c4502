//! The test environment: a real store (SQLite file or a fresh PostgreSQL database) with a
//! tenant, a rule and residents; contact entries; workers wired to the real SMTP server and
//! SMS gateway stand-in.

use std::sync::Arc;

use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use minside_adapter_krr::{ContactInfo, ContactPoint, KrrStatus};
use minside_core::{Kommunenummer, Locale, Pid};
use minside_delivery::{
    ContactDirectory, DeliveryWorker, DynNoticeStore, EmailChannel, EmailConfig, SmsChannel,
    SmsConfig, StaticDirectory, WorkerConfig,
};
use minside_store::{
    Channel, NewNotice, NoticeId, NoticeStore, OutboxStatus, ResidentId, RuleFields, RuleId, Store,
};
use minside_test_support::sms::SmsGateway;
use minside_test_support::smtp::SmtpServer;
use serde_json::{Value, json};
use tempfile::TempDir;
use url::Url;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Both store traits the tests use.
pub trait TestStore: NoticeStore + Store {}
impl<T: NoticeStore + Store> TestStore for T {}

pub const PORTAL: &str = "https://minside.asker.kommune.no/";
pub const MESSAGE_DOMAIN: &str = "asker.kommune.no";

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

pub fn secs(t: Timestamp, s: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(s)).expect("time")
}

pub struct Env {
    pub store: Arc<dyn TestStore>,
    pub k: Kommunenummer,
    pub rule: RuleId,
    next_pid: std::sync::atomic::AtomicU32,
    _dir: Option<TempDir>,
}

impl Env {
    pub async fn new(backend: Backend, now: Timestamp) -> Env {
        let (store, dir): (Arc<dyn TestStore>, _) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/minside.db?mode=rwc", dir.path().display());
                let store = minside_store_sqlite::SqliteStore::connect(&url)
                    .await
                    .expect("sqlite");
                (Arc::new(store), Some(dir))
            }
            Backend::Postgres => {
                let url = minside_store_postgres::testing::fresh_database_url().await;
                let store = minside_store_postgres::PostgresStore::connect(&url)
                    .await
                    .expect("postgres");
                (Arc::new(store), None)
            }
        };
        let k = Kommunenummer::parse("3203").expect("kommunenummer");
        store.upsert_tenant(&k, "Asker", now).await.expect("tenant");
        let rule = store
            .create_rule(&k, rule_fields(), "test", now)
            .await
            .expect("rule")
            .id;
        Env {
            store,
            k,
            rule,
            next_pid: std::sync::atomic::AtomicU32::new(0),
            _dir: dir,
        }
    }

    pub fn notices(&self) -> DynNoticeStore {
        self.store.clone()
    }

    /// A new resident with a synthetic identity number.
    pub async fn resident(&self, name: &str) -> (ResidentId, Pid) {
        // 400 individual numbers per birth date (000-399 fit the 1900s), then the next day.
        let pid = loop {
            let n = self
                .next_pid
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let birth = date(1960, 1, 1)
                .checked_add(jiff::Span::new().days(i64::from(n / 400)))
                .expect("birth date");
            if let Some(pid) = Pid::synthetic(birth, u16::try_from(n % 400).expect("below 400")) {
                break pid;
            }
        };
        let r = self
            .store
            .upsert_resident(&self.k, &pid, name, Timestamp::now())
            .await
            .expect("resident");
        (r.id, pid)
    }

    /// A notice to `recipient` over `channels` (the inbox is added by the store).
    pub async fn notice(
        &self,
        recipient: ResidentId,
        channels: &[Channel],
        content: Value,
        at: Timestamp,
    ) -> NoticeId {
        let occurrence = uuid::Uuid::now_v7().to_string();
        let ids = self
            .store
            .create_notices(&[NewNotice {
                kommunenummer: self.k,
                rule_id: self.rule,
                recipient_id: recipient,
                subject_id: recipient,
                occurrence,
                category: "barnehage".into(),
                priority: 2,
                content,
                channels: channels.to_vec(),
                created_at: at,
            }])
            .await
            .expect("create notice");
        ids[0]
    }

    /// The outbox item of `notice` for `channel`: status, attempts, error or skip reason.
    pub async fn item(
        &self,
        notice: NoticeId,
        channel: Channel,
    ) -> (OutboxStatus, i32, Option<String>) {
        self.store
            .outbox_of(notice)
            .await
            .expect("outbox")
            .into_iter()
            .find(|(c, ..)| *c == channel)
            .map(|(_, status, attempts, detail)| (status, attempts, detail))
            .expect("an item of the channel")
    }
}

fn rule_fields() -> RuleFields {
    RuleFields {
        name: "Barnehagesøknad".into(),
        category: "barnehage".into(),
        opt_out_allowed: true,
        trigger: json!({"kind": "campaign"}),
        audience: "true".into(),
        content: json!({"nb": {"title": "Søk barnehageplass", "body": "Fristen er 1. mars."}}),
        channels: vec![Channel::Inbox, Channel::Email, Channel::Sms],
        priority: 2,
        valid_from: None,
        valid_to: None,
    }
}

/// Notice content in bokmål and English.
pub fn content(title: &str) -> Value {
    json!({
        "nb": {"title": title, "body": format!("{title}. Fristen er 1. mars.")},
        "en": {"title": format!("{title} (en)"), "body": "The deadline is 1 March."},
    })
}

/// A current, active KRR entry (confirmed 30 days before `now`).
pub fn krr(pid: &Pid, email: Option<&str>, mobile: Option<&str>, now: Timestamp) -> ContactInfo {
    let point = |v: &str| ContactPoint {
        value: v.to_owned(),
        updated: Some(secs(now, -30 * 86_400)),
        last_verified: None,
    };
    ContactInfo {
        pid: pid.clone(),
        reserved: false,
        status: KrrStatus::Aktiv,
        notifiable: Some(true),
        email: email.map(point),
        mobile: mobile.map(point),
        language: Some(Locale::Nb),
        language_updated: None,
        digital_mailbox: None,
        has_certificate: false,
    }
}

pub fn static_directory(entries: Vec<ContactInfo>) -> Arc<dyn ContactDirectory> {
    Arc::new(StaticDirectory::new(entries))
}

pub fn test_config() -> WorkerConfig {
    WorkerConfig {
        idle_sleep_ms: 20,
        ..WorkerConfig::default()
    }
}

pub fn email_channel(smtp: &SmtpServer) -> EmailChannel {
    let mut cfg = EmailConfig::plain(
        smtp.host(),
        smtp.port(),
        "minside@asker.kommune.no",
        "Asker kommune",
    );
    cfg.timeout_secs = 5;
    EmailChannel::new(&cfg, Url::parse(PORTAL).expect("url")).expect("email channel")
}

pub fn sms_channel(gateway: &SmsGateway) -> SmsChannel {
    let mut cfg = SmsConfig::new(gateway.url(), gateway.token());
    cfg.timeout_secs = 5;
    SmsChannel::new(&cfg, Url::parse(PORTAL).expect("url")).expect("sms channel")
}

/// A worker with the channels given.
pub fn worker(
    env: &Env,
    directory: Arc<dyn ContactDirectory>,
    config: WorkerConfig,
    smtp: Option<&SmtpServer>,
    sms: Option<&SmsGateway>,
) -> DeliveryWorker {
    let mut w = DeliveryWorker::new(env.notices(), directory, config).expect("worker");
    if let Some(smtp) = smtp {
        w = w.with_email(email_channel(smtp));
    }
    if let Some(sms) = sms {
        w = w.with_sms(sms_channel(sms));
    }
    w
}

/// Runs `$name(Backend)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::support::Backend::Postgres).await
                }
            )*
        }
    };
}
