//! Notices on SQLite: rules, notices and the inbox, the delivery outbox, preferences and the
//! engine's bookkeeping ([`NoticeStore`]).
//!
//! Writes that must not interleave (claiming outbox items, recording their outcomes, creating
//! notices) run in `BEGIN IMMEDIATE` transactions: they take the database's write lock first,
//! so the one writer SQLite allows at a time sees and changes a consistent state, also across
//! processes. Lists of values travel as one JSON parameter (ids as hex, decoded with `unhex`),
//! so a statement's parameter count does not grow with the batch.

mod inbox;
mod misc;
mod outbox;
mod rules;
#[cfg(test)]
mod throughput;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{
    Channel, InboxFilter, NewNotice, Notice, NoticeId, NoticePreferences, NoticeStore, OutboxClaim,
    OutboxId, OutboxItem, OutboxOutcome, OutboxStatus, PaperLetter, ResidentId, Result, RuleFields,
    RuleId, RuleStats, RuleStatus, StoreError, StoredRule, stored,
};
use sqlx::{Row, sqlite::SqliteRow};
use uuid::Uuid;

use crate::SqliteStore;

fn time(row: &SqliteRow, column: &str) -> Result<Timestamp> {
    stored::timestamp_from_micros(row.try_get(column)?)
}

fn optional_time(row: &SqliteRow, column: &str) -> Result<Option<Timestamp>> {
    row.try_get::<Option<i64>, _>(column)?
        .map(stored::timestamp_from_micros)
        .transpose()
}

/// A JSON encoding failure.
fn not_json(e: serde_json::Error) -> StoreError {
    StoreError::Invalid(format!("not JSON: {e}"))
}

/// Stored JSON text; `what` names the column in the error.
fn json_value(text: &str, what: &str) -> Result<serde_json::Value> {
    serde_json::from_str(text)
        .map_err(|_| StoreError::Invalid(format!("stored {what} does not parse")))
}

/// A JSON array of the ids in hex, for `SELECT unhex(value) FROM json_each(?)`.
fn hex_ids(ids: impl IntoIterator<Item = Uuid>) -> String {
    let mut json = String::from("[");
    for (i, id) in ids.into_iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push('"');
        json.push_str(&id.simple().to_string());
        json.push('"');
    }
    json.push(']');
    json
}

#[async_trait]
impl NoticeStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn create_rule(
        &self,
        k: &Kommunenummer,
        fields: RuleFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredRule> {
        rules::create(&self.pool, k, &fields, by, now).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, rule = %id))]
    async fn get_rule(&self, k: &Kommunenummer, id: RuleId) -> Result<StoredRule> {
        rules::get(&self.pool, k, id).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn list_rules(
        &self,
        k: &Kommunenummer,
        include_archived: bool,
    ) -> Result<Vec<StoredRule>> {
        rules::list(&self.pool, k, include_archived).await
    }

    #[tracing::instrument(skip_all)]
    async fn active_rules(&self) -> Result<Vec<StoredRule>> {
        rules::active(&self.pool).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, rule = %id))]
    async fn update_rule(
        &self,
        k: &Kommunenummer,
        id: RuleId,
        expected_version: i64,
        fields: RuleFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredRule> {
        rules::update(&self.pool, k, id, expected_version, &fields, by, now).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, rule = %id, status = %status))]
    async fn set_rule_status(
        &self,
        k: &Kommunenummer,
        id: RuleId,
        expected_version: i64,
        status: RuleStatus,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredRule> {
        rules::set_status(&self.pool, k, id, expected_version, status, by, now).await
    }

    #[tracing::instrument(skip_all, fields(notices = notices.len()))]
    async fn create_notices(&self, notices: &[NewNotice]) -> Result<Vec<NoticeId>> {
        inbox::create(&self.pool, notices).await
    }

    #[tracing::instrument(skip_all, fields(limit = limit))]
    async fn list_inbox(
        &self,
        recipient: ResidentId,
        filter: InboxFilter,
        before: Option<NoticeId>,
        limit: u32,
    ) -> Result<Vec<Notice>> {
        inbox::list(&self.pool, recipient, filter, before, limit).await
    }

    #[tracing::instrument(skip_all, fields(notice = %id))]
    async fn get_inbox_notice(&self, recipient: ResidentId, id: NoticeId) -> Result<Notice> {
        inbox::get(&self.pool, recipient, id).await
    }

    #[tracing::instrument(skip_all, fields(notice = %id))]
    async fn mark_notice_read(
        &self,
        recipient: ResidentId,
        id: NoticeId,
        now: Timestamp,
    ) -> Result<Notice> {
        inbox::mark_read(&self.pool, recipient, id, now).await
    }

    #[tracing::instrument(skip_all, fields(notice = %id, archived = archived))]
    async fn set_notice_archived(
        &self,
        recipient: ResidentId,
        id: NoticeId,
        archived: bool,
        now: Timestamp,
    ) -> Result<Notice> {
        inbox::set_archived(&self.pool, recipient, id, archived, now).await
    }

    #[tracing::instrument(skip_all)]
    async fn count_unread(&self, recipient: ResidentId) -> Result<u64> {
        inbox::count_unread(&self.pool, recipient).await
    }

    #[tracing::instrument(skip_all)]
    async fn delete_notices_before(&self, cutoff: Timestamp) -> Result<u64> {
        inbox::delete_before(&self.pool, cutoff).await
    }

    #[tracing::instrument(skip_all, fields(limit = claim.limit))]
    async fn claim_outbox(&self, claim: &OutboxClaim) -> Result<Vec<OutboxItem>> {
        outbox::claim(&self.pool, claim).await
    }

    #[tracing::instrument(skip_all, fields(items = ids.len()))]
    async fn mark_sending(
        &self,
        owner: &str,
        ids: &[OutboxId],
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Vec<OutboxId>> {
        outbox::mark_sending(&self.pool, owner, ids, now, lease_until).await
    }

    #[tracing::instrument(skip_all, fields(items = outcomes.len()))]
    async fn complete_outbox(
        &self,
        owner: &str,
        outcomes: &[(OutboxId, OutboxOutcome)],
    ) -> Result<u64> {
        outbox::complete(&self.pool, owner, outcomes).await
    }

    #[tracing::instrument(skip_all)]
    async fn fail_interrupted(&self, now: Timestamp) -> Result<u64> {
        outbox::fail_interrupted(&self.pool, now).await
    }

    #[tracing::instrument(skip_all, fields(notice = %notice))]
    async fn outbox_of(
        &self,
        notice: NoticeId,
    ) -> Result<Vec<(Channel, OutboxStatus, i32, Option<String>)>> {
        outbox::of_notice(&self.pool, notice).await
    }

    #[tracing::instrument(skip_all)]
    async fn get_preferences(&self, resident: ResidentId) -> Result<NoticePreferences> {
        misc::get_preferences(&self.pool, resident).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn set_preferences(
        &self,
        k: &Kommunenummer,
        resident: ResidentId,
        prefs: &NoticePreferences,
        now: Timestamp,
    ) -> Result<()> {
        misc::set_preferences(&self.pool, k, resident, prefs, now).await
    }

    #[tracing::instrument(skip_all, fields(category = category, residents = ids.len()))]
    async fn opted_out_among(&self, category: &str, ids: &[ResidentId]) -> Result<Vec<ResidentId>> {
        misc::opted_out_among(&self.pool, category, ids).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, rule = %rule))]
    async fn rule_stats(&self, k: &Kommunenummer, rule: RuleId) -> Result<RuleStats> {
        misc::rule_stats(&self.pool, k, rule).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, limit = limit))]
    async fn paper_letters(
        &self,
        k: &Kommunenummer,
        rule: Option<RuleId>,
        limit: u32,
    ) -> Result<Vec<PaperLetter>> {
        misc::paper_letters(&self.pool, k, rule, limit).await
    }

    #[tracing::instrument(skip_all, fields(job = name))]
    async fn try_job_lease(
        &self,
        name: &str,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<bool> {
        misc::try_job_lease(&self.pool, name, owner, until, now).await
    }

    #[tracing::instrument(skip_all, fields(marker = name))]
    async fn get_marker(&self, name: &str) -> Result<Option<String>> {
        misc::get_marker(&self.pool, name).await
    }

    #[tracing::instrument(skip_all, fields(marker = name))]
    async fn set_marker(&self, name: &str, value: &str, now: Timestamp) -> Result<()> {
        misc::set_marker(&self.pool, name, value, now).await
    }
}
