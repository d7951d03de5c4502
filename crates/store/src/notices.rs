//! Proactive notices: the caseworkers' rules, the notices the engine creates from them (one per
//! idempotency key), the transactional outbox that delivers them (inbox, e-mail, SMS), residents'
//! preferences, and the engine's bookkeeping (job leases and read pointers).
//!
//! The store keeps a rule's trigger, content and channels as JSON; their typed model and
//! validation live in `minside-notices`. The store guarantees what only a database can: a notice
//! is created once per `(rule, recipient, occurrence)`, an outbox item is delivered by one worker
//! at a time (a lease; `FOR UPDATE SKIP LOCKED` on PostgreSQL), and nothing is half-written.

use std::time::Duration;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};
use serde::{Deserialize, Serialize};

use crate::{ResidentId, Result};

uuid_id!(
    /// Id of a notice rule (UUIDv7).
    RuleId
);
uuid_id!(
    /// Id of a notice (UUIDv7).
    NoticeId
);
uuid_id!(
    /// Id of an outbox item (UUIDv7).
    OutboxId
);

text_enum!(
    /// A rule's life cycle: draft -> active <-> paused -> archived (archived is final).
    RuleStatus { Draft = "draft", Active = "active", Paused = "paused", Archived = "archived" }
);
text_enum!(
    /// How a notice reaches the resident. Every notice goes to the inbox.
    Channel { Inbox = "inbox", Email = "email", Sms = "sms" }
);
text_enum!(
    /// Where an outbox item is. `pending` waits for `not_before`; `sending` is an e-mail or SMS
    /// handed to the network and not yet confirmed (after a crash it is never resent: it ends
    /// `failed` as interrupted, so no message goes out twice); `skipped` means not sent by rule
    /// (KRR, preference) and is final.
    OutboxStatus {
        Pending = "pending",
        Sending = "sending",
        Delivered = "delivered",
        Failed = "failed",
        Skipped = "skipped",
    }
);
text_enum!(
    /// Why an e-mail or SMS was not sent. The `Krr*` and `NoContact` reasons put the notice on
    /// the caseworkers' "needs paper letter" list when no digital channel delivered it.
    SkipReason {
        KrrReserved = "krr_reserved",
        KrrCannotBeNotified = "krr_cannot_be_notified",
        KrrOutdated = "krr_outdated",
        NoContact = "no_contact",
        Preference = "preference",
    }
);

impl SkipReason {
    /// Whether the resident needs a paper letter when every digital channel was skipped so.
    pub fn needs_paper(self) -> bool {
        !matches!(self, Self::Preference)
    }
}

/// A stored rule. `trigger`, `content` and `channels` are the JSON of `minside-notices`' typed
/// model; `audience` is the CEL source text.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRule {
    pub id: RuleId,
    pub kommunenummer: Kommunenummer,
    pub name: String,
    /// Notice category (e.g. `barnehage`), what residents opt out of.
    pub category: String,
    /// Whether residents may opt out of this rule's category (false for notices the municipality
    /// must give).
    pub opt_out_allowed: bool,
    pub status: RuleStatus,
    pub trigger: serde_json::Value,
    pub audience: String,
    pub content: serde_json::Value,
    pub channels: Vec<Channel>,
    /// 1 (low) ..= 3 (high).
    pub priority: i16,
    pub valid_from: Option<jiff::civil::Date>,
    pub valid_to: Option<jiff::civil::Date>,
    /// Starts at 1 and grows by one with every update (optimistic concurrency).
    pub version: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// The caller-set fields of a rule, for create and update. Status changes go through
/// [`NoticeStore::set_rule_status`].
#[derive(Clone, Debug, PartialEq)]
pub struct RuleFields {
    pub name: String,
    pub category: String,
    pub opt_out_allowed: bool,
    pub trigger: serde_json::Value,
    pub audience: String,
    pub content: serde_json::Value,
    pub channels: Vec<Channel>,
    pub priority: i16,
    pub valid_from: Option<jiff::civil::Date>,
    pub valid_to: Option<jiff::civil::Date>,
}

/// A notice to create: addressed to `recipient`, about `subject` (the recipient, or a child of
/// theirs). `content` holds the rendered texts per language
/// (`{"nb": {"title": .., "body": ..}, "en": ..}`).
#[derive(Clone, Debug, PartialEq)]
pub struct NewNotice {
    pub kommunenummer: Kommunenummer,
    pub rule_id: RuleId,
    pub recipient_id: ResidentId,
    pub subject_id: ResidentId,
    /// With rule and recipient, the idempotency key: e.g. `age:1y0m:child:<uuid>`, `2027-03-01`.
    pub occurrence: String,
    pub category: String,
    pub priority: i16,
    pub content: serde_json::Value,
    /// The outbox items to create with it; `Inbox` is added when missing.
    pub channels: Vec<Channel>,
    pub created_at: Timestamp,
}

/// A notice as its recipient sees it in the inbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: NoticeId,
    pub kommunenummer: Kommunenummer,
    pub rule_id: RuleId,
    pub recipient_id: ResidentId,
    pub subject_id: ResidentId,
    pub occurrence: String,
    pub category: String,
    pub priority: i16,
    pub content: serde_json::Value,
    pub created_at: Timestamp,
    /// When it reached the inbox (its inbox outbox item was delivered); `None` before.
    pub delivered_at: Option<Timestamp>,
    pub read_at: Option<Timestamp>,
    pub archived_at: Option<Timestamp>,
}

/// An outbox item claimed by a delivery worker, with what is needed to deliver it.
/// `Debug` masks the identity number (see [`Pid`]).
#[derive(Clone, Debug, PartialEq)]
pub struct OutboxItem {
    pub id: OutboxId,
    pub notice_id: NoticeId,
    pub channel: Channel,
    /// Attempts made before this one.
    pub attempts: i32,
    pub kommunenummer: Kommunenummer,
    pub rule_id: RuleId,
    pub recipient_id: ResidentId,
    /// For the contact register (KRR) lookup; never logged.
    pub recipient_pid: Pid,
    pub category: String,
    pub content: serde_json::Value,
    pub notice_created_at: Timestamp,
    pub lease_until: Timestamp,
}

/// What became of a claimed outbox item.
#[derive(Clone, Debug, PartialEq)]
pub enum OutboxOutcome {
    Delivered {
        at: Timestamp,
    },
    /// Try again at `not_before`; the attempt counts when `count_attempt` (a quiet-hours wait
    /// does not count).
    Retry {
        not_before: Timestamp,
        error: String,
        count_attempt: bool,
    },
    /// Final failure with the reason shown to caseworkers.
    Failed {
        reason: String,
    },
    Skipped {
        reason: SkipReason,
    },
}

/// A claim on outbox work.
#[derive(Clone, Debug)]
pub struct OutboxClaim {
    /// Worker identity, e.g. `host:pid:uuid`; only this owner may complete the items.
    pub owner: String,
    pub channels: Vec<Channel>,
    pub limit: u32,
    /// How long the claim holds; an item whose lease ran out may be claimed again (unless it is
    /// `sending`, see [`OutboxStatus::Sending`]).
    pub lease: Duration,
    pub now: Timestamp,
}

/// A resident's delivery preferences. Default: every channel, no category opted out.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct NoticePreferences {
    pub email: bool,
    pub sms: bool,
    /// Categories the resident does not want (honoured only for rules that allow opting out).
    pub opted_out: Vec<String>,
}

impl NoticePreferences {
    /// Everything allowed.
    pub fn all() -> Self {
        Self {
            email: true,
            sms: true,
            opted_out: Vec::new(),
        }
    }
}

/// Per-channel outbox counts of one rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChannelCounts {
    pub pending: u64,
    pub delivered: u64,
    pub failed: u64,
    pub skipped: u64,
}

/// A rule's statistics for caseworkers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleStats {
    pub created: u64,
    pub read: u64,
    pub inbox: ChannelCounts,
    pub email: ChannelCounts,
    pub sms: ChannelCounts,
}

impl RuleStats {
    /// Adds `items` outbox items of `channel` in `status` (`sending` counts as pending).
    pub fn add(&mut self, channel: Channel, status: OutboxStatus, items: u64) {
        let counts = match channel {
            Channel::Inbox => &mut self.inbox,
            Channel::Email => &mut self.email,
            Channel::Sms => &mut self.sms,
        };
        match status {
            OutboxStatus::Pending | OutboxStatus::Sending => counts.pending += items,
            OutboxStatus::Delivered => counts.delivered += items,
            OutboxStatus::Failed => counts.failed += items,
            OutboxStatus::Skipped => counts.skipped += items,
        }
    }
}

/// A notice no digital channel could carry because of the contact register: the caseworker
/// sends it on paper. Name and address come from the register mirror.
#[derive(Clone, Debug, PartialEq)]
pub struct PaperLetter {
    pub notice_id: NoticeId,
    pub rule_id: RuleId,
    pub recipient_id: ResidentId,
    pub name: String,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub reasons: Vec<SkipReason>,
    pub created_at: Timestamp,
}

/// Which inbox notices to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InboxFilter {
    /// Not archived.
    Current,
    Archived,
}

/// Rules, notices, the outbox, preferences and the engine's bookkeeping.
#[async_trait]
pub trait NoticeStore {
    // ----- rules -----
    /// Stores a new rule as `draft`, version 1.
    async fn create_rule(
        &self,
        k: &Kommunenummer,
        fields: RuleFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredRule>;
    /// The rule of tenant `k`; [`NotFound`](StoreError::NotFound) also for another tenant's rule.
    async fn get_rule(&self, k: &Kommunenummer, id: RuleId) -> Result<StoredRule>;
    /// Rules of `k`, newest first, `archived` ones only when asked.
    async fn list_rules(
        &self,
        k: &Kommunenummer,
        include_archived: bool,
    ) -> Result<Vec<StoredRule>>;
    /// Active rules of every tenant.
    async fn active_rules(&self) -> Result<Vec<StoredRule>>;
    /// Replaces the fields when the stored version is `expected_version`, else
    /// [`Conflict`](StoreError::Conflict) (`notice_rules_version`). Returns the new rule.
    async fn update_rule(
        &self,
        k: &Kommunenummer,
        id: RuleId,
        expected_version: i64,
        fields: RuleFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredRule>;
    /// Moves the rule to `status` (the caller checks the transition), bumping the version;
    /// [`Conflict`](StoreError::Conflict) (`notice_rules_version`) on a version mismatch.
    async fn set_rule_status(
        &self,
        k: &Kommunenummer,
        id: RuleId,
        expected_version: i64,
        status: RuleStatus,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredRule>;

    // ----- notices -----
    /// Creates the notices and their outbox items in one transaction. A notice whose
    /// `(rule_id, recipient_id, occurrence)` exists already is left out silently (with its
    /// outbox items). Returns the ids of the notices created, in input order.
    async fn create_notices(&self, notices: &[NewNotice]) -> Result<Vec<NoticeId>>;
    /// The recipient's delivered notices, newest first, at most `limit`, older than `before`.
    async fn list_inbox(
        &self,
        recipient: ResidentId,
        filter: InboxFilter,
        before: Option<NoticeId>,
        limit: u32,
    ) -> Result<Vec<Notice>>;
    /// One delivered notice of this recipient; [`NotFound`](StoreError::NotFound) for anyone
    /// else's or an undelivered one.
    async fn get_inbox_notice(&self, recipient: ResidentId, id: NoticeId) -> Result<Notice>;
    /// Sets `read_at` (first time only) and returns the notice; NotFound as above.
    async fn mark_notice_read(
        &self,
        recipient: ResidentId,
        id: NoticeId,
        now: Timestamp,
    ) -> Result<Notice>;
    /// Sets or clears `archived_at`; NotFound as above.
    async fn set_notice_archived(
        &self,
        recipient: ResidentId,
        id: NoticeId,
        archived: bool,
        now: Timestamp,
    ) -> Result<Notice>;
    /// Unread delivered, unarchived notices of the recipient.
    async fn count_unread(&self, recipient: ResidentId) -> Result<u64>;
    /// Retention: deletes notices (and their outbox items) created before `cutoff`.
    async fn delete_notices_before(&self, cutoff: Timestamp) -> Result<u64>;

    // ----- outbox -----
    /// Claims up to `limit` items of the given channels that are `pending` with
    /// `not_before <= now` and no live lease, oldest first, setting owner and lease. Safe with
    /// any number of concurrent workers in any number of processes: an item is held by one.
    async fn claim_outbox(&self, claim: &OutboxClaim) -> Result<Vec<OutboxItem>>;
    /// Marks owned items `sending` just before handing them to the network, and renews their
    /// lease to `lease_until` so a slow send is not taken for a crash. Returns the ids still
    /// owned (a lost lease leaves an item out: do not send it).
    async fn mark_sending(
        &self,
        owner: &str,
        ids: &[OutboxId],
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Vec<OutboxId>>;
    /// Records outcomes of owned items in one transaction; items no longer owned are left
    /// alone. A delivered inbox item sets its notice's `delivered_at`. Delivery, failure and a
    /// counted retry add one to the item's attempts, a skip does not. Returns how many were
    /// recorded.
    async fn complete_outbox(
        &self,
        owner: &str,
        outcomes: &[(OutboxId, OutboxOutcome)],
    ) -> Result<u64>;
    /// Items left `sending` by a worker whose lease ran out before `now` (it crashed mid-send)
    /// become `failed` with the reason `interrupted while sending; not resent to avoid a
    /// duplicate` (the attempt counts). Returns how many.
    async fn fail_interrupted(&self, now: Timestamp) -> Result<u64>;
    /// The outbox items of one notice, in channel order (for tests and caseworkers): channel,
    /// status, attempts, and the skip reason of a skipped item or else the last error.
    async fn outbox_of(
        &self,
        notice: NoticeId,
    ) -> Result<Vec<(Channel, OutboxStatus, i32, Option<String>)>>;

    // ----- preferences -----
    /// The resident's preferences; [`NoticePreferences::all`] when never set.
    async fn get_preferences(&self, resident: ResidentId) -> Result<NoticePreferences>;
    async fn set_preferences(
        &self,
        k: &Kommunenummer,
        resident: ResidentId,
        prefs: &NoticePreferences,
        now: Timestamp,
    ) -> Result<()>;
    /// Residents among `ids` who opted out of `category` (for evaluation in bulk).
    async fn opted_out_among(&self, category: &str, ids: &[ResidentId]) -> Result<Vec<ResidentId>>;

    // ----- caseworker views -----
    /// [`NotFound`](StoreError::NotFound) for another tenant's rule.
    async fn rule_stats(&self, k: &Kommunenummer, rule: RuleId) -> Result<RuleStats>;
    /// Notices of `k` (of one rule, or all) whose e-mail and SMS items are all skipped for a
    /// reason that [needs paper](SkipReason::needs_paper), and that asked for at least one
    /// digital channel; newest first.
    async fn paper_letters(
        &self,
        k: &Kommunenummer,
        rule: Option<RuleId>,
        limit: u32,
    ) -> Result<Vec<PaperLetter>>;

    // ----- engine bookkeeping -----
    /// Takes or renews the named job lease for `owner` until `until` when it is free, expired or
    /// already `owner`'s. Returns whether `owner` holds it.
    async fn try_job_lease(
        &self,
        name: &str,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<bool>;
    /// A named read pointer or marker (e.g. the engine's position in the register events).
    async fn get_marker(&self, name: &str) -> Result<Option<String>>;
    async fn set_marker(&self, name: &str, value: &str, now: Timestamp) -> Result<()>;
}
