//! The outbox worker: claims due items with a lease and delivers them, inbox items in large
//! batches, e-mails and SMS one by one (see [`crate::digital`]).

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use jiff::Timestamp;
use minside_store::{Channel, NoticeStore, OutboxClaim, OutboxOutcome};
use url::Url;

use crate::config::{DeliveryConfig, WorkerConfig};
use crate::contacts::ContactDirectory;
use crate::email::EmailChannel;
use crate::error::DeliveryError;
use crate::sms::SmsChannel;

/// The store the worker needs (an `Arc<dyn Store>` coerces to it).
pub type DynNoticeStore = Arc<dyn NoticeStore + Send + Sync>;

/// What one round did with one digital channel's items.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ChannelReport {
    /// Items claimed this round.
    pub claimed: u64,
    /// Accepted by the SMTP server or gateway.
    pub sent: u64,
    /// Failed temporarily, to be tried again (an attempt counted).
    pub retried: u64,
    /// Ended `failed` (permanent failure or attempts used up).
    pub failed: u64,
    /// Ended `skipped` (KRR, no contact, preference).
    pub skipped: u64,
    /// Put off without counting an attempt (outside the SMS window, contact register down).
    pub deferred: u64,
    /// Not sent because the claim had passed to another worker.
    pub lease_lost: u64,
    /// Store errors around single sends (logged).
    pub errors: u64,
}

/// What one [`DeliveryWorker::run_once`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryReport {
    /// Inbox items delivered.
    pub inbox: u64,
    pub email: ChannelReport,
    pub sms: ChannelReport,
}

impl DeliveryReport {
    /// Nothing was claimed.
    pub fn is_idle(&self) -> bool {
        self.inbox == 0 && self.email.claimed == 0 && self.sms.claimed == 0
    }
}

/// `now` as given to the round, moved on by the time the round has taken so far: claims,
/// `sending` marks and completions carry the real time even in a long round, and tests with a
/// fixed `now` stay exact to the millisecond.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RoundClock {
    start: Timestamp,
    started: Instant,
}

impl RoundClock {
    pub(crate) fn new(start: Timestamp) -> Self {
        Self {
            start,
            started: Instant::now(),
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        let elapsed = jiff::SignedDuration::try_from(self.started.elapsed()).unwrap_or_default();
        self.start.checked_add(elapsed).unwrap_or(self.start)
    }
}

/// Delivers outbox items. Any number of workers, in any number of processes, may run against
/// one store: the store's lease gives each item to one of them.
pub struct DeliveryWorker {
    pub(crate) store: DynNoticeStore,
    pub(crate) directory: Arc<dyn ContactDirectory>,
    pub(crate) config: WorkerConfig,
    pub(crate) email: Option<EmailChannel>,
    pub(crate) sms: Option<SmsChannel>,
    pub(crate) owner: String,
}

impl std::fmt::Debug for DeliveryWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliveryWorker")
            .field("owner", &self.owner)
            .field("config", &self.config)
            .field("email", &self.email.is_some())
            .field("sms", &self.sms.is_some())
            .finish_non_exhaustive()
    }
}

fn default_owner() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "minside".to_owned());
    format!("{host}:{}:{}", std::process::id(), uuid::Uuid::now_v7())
}

impl DeliveryWorker {
    /// A worker for the inbox only; add channels with [`with_email`](Self::with_email) and
    /// [`with_sms`](Self::with_sms). Items of a channel the worker lacks are left pending.
    pub fn new(
        store: DynNoticeStore,
        directory: Arc<dyn ContactDirectory>,
        config: WorkerConfig,
    ) -> Result<Self, DeliveryError> {
        config.validate().map_err(DeliveryError::Config)?;
        Ok(Self {
            store,
            directory,
            config,
            email: None,
            sms: None,
            owner: default_owner(),
        })
    }

    /// A worker with the channels `config` configures. The link in e-mails and SMS is
    /// `config.portal_url`, else `public_url` (the server's own address).
    pub fn from_config(
        store: DynNoticeStore,
        directory: Arc<dyn ContactDirectory>,
        config: &DeliveryConfig,
        public_url: &Url,
    ) -> Result<Self, DeliveryError> {
        let portal = config.portal_url.as_ref().unwrap_or(public_url);
        let mut worker = Self::new(store, directory, config.worker.clone())?;
        if let Some(email) = &config.email {
            worker.email = Some(EmailChannel::new(email, portal.clone())?);
        }
        if let Some(sms) = &config.sms {
            worker.sms = Some(SmsChannel::new(sms, portal.clone())?);
        }
        Ok(worker)
    }

    pub fn with_email(mut self, email: EmailChannel) -> Self {
        self.email = Some(email);
        self
    }

    pub fn with_sms(mut self, sms: SmsChannel) -> Self {
        self.sms = Some(sms);
        self
    }

    /// Sets the claim owner (default `host:pid:uuid`), e.g. to tell workers apart in tests.
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// The claim owner.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub(crate) fn claim(&self, channel: Channel, limit: u32, now: Timestamp) -> OutboxClaim {
        let lease = match channel {
            Channel::Inbox => self.config.inbox_lease_secs,
            Channel::Email | Channel::Sms => self.config.lease_secs,
        };
        OutboxClaim {
            owner: self.owner.clone(),
            channels: vec![channel],
            limit,
            lease: Duration::from_secs(lease),
            now,
        }
    }

    /// Claims one batch of due inbox items and completes them as delivered in one call.
    /// Returns how many.
    pub async fn deliver_inbox(&self, now: Timestamp) -> Result<u64, DeliveryError> {
        let claim = self.claim(Channel::Inbox, self.config.inbox_batch, now);
        let items = self.store.claim_outbox(&claim).await?;
        if items.is_empty() {
            return Ok(0);
        }
        let at = RoundClock::new(now).now();
        let outcomes: Vec<_> = items
            .iter()
            .map(|i| (i.id, OutboxOutcome::Delivered { at }))
            .collect();
        Ok(self.store.complete_outbox(&self.owner, &outcomes).await?)
    }

    /// One round at `now`: a batch of inbox items, then a batch of e-mails and a batch of SMS
    /// (the two side by side).
    pub async fn run_once(&self, now: Timestamp) -> Result<DeliveryReport, DeliveryError> {
        let inbox = self.deliver_inbox(now).await?;
        let (email, sms) = tokio::join!(
            self.deliver_digital(Channel::Email, now),
            self.deliver_digital(Channel::Sms, now)
        );
        Ok(DeliveryReport {
            inbox,
            email: email?,
            sms: sms?,
        })
    }

    /// Delivers until `shutdown` completes: rounds back to back while there is work, a short
    /// sleep when there is none, and every `interrupted_check_secs` the sends a crashed worker
    /// left behind are failed ([`NoticeStore::fail_interrupted`]). A round in progress is
    /// finished before returning.
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        let idle_sleep = Duration::from_millis(self.config.idle_sleep_ms);
        let check_every = Duration::from_secs(self.config.interrupted_check_secs);
        let mut last_check: Option<Instant> = None;
        tracing::info!(owner = %self.owner, "notice delivery started");
        loop {
            if last_check.is_none_or(|t| t.elapsed() >= check_every) {
                match self.store.fail_interrupted(Timestamp::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::warn!(items = n, "interrupted sends marked failed"),
                    Err(e) => tracing::warn!(error = %e, "could not check for interrupted sends"),
                }
                last_check = Some(Instant::now());
            }
            let idle = match self.run_once(Timestamp::now()).await {
                Ok(report) => {
                    if !report.is_idle() {
                        tracing::debug!(?report, "delivery round");
                    }
                    report.is_idle()
                }
                Err(e) => {
                    tracing::warn!(error = %e, "delivery round failed");
                    true
                }
            };
            if idle {
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(idle_sleep) => {}
                }
            } else if (&mut shutdown).now_or_never().is_some() {
                break;
            }
        }
        tracing::info!(owner = %self.owner, "notice delivery stopped");
    }
}
