//! The delivery outbox on PostgreSQL: claiming items with a lease (`FOR UPDATE SKIP LOCKED`),
//! marking them as being sent, recording outcomes, and failing items a crashed worker left
//! `sending`.

use std::collections::HashSet;

use jiff::Timestamp;
use minside_store::{
    Channel, NoticeId, OutboxClaim, OutboxId, OutboxItem, OutboxOutcome, OutboxStatus, ResidentId,
    Result, RuleId, StoreError, stored,
};
use sqlx::{PgPool, Row, postgres::PgRow};
use time::OffsetDateTime;
use uuid::Uuid;

use super::time;
use crate::rows::pg_time;

/// The reason recorded for an item its worker left `sending`.
const INTERRUPTED: &str = "interrupted while sending; not resent to avoid a duplicate";

fn item(row: &PgRow) -> Result<OutboxItem> {
    Ok(OutboxItem {
        id: OutboxId(row.try_get("id")?),
        notice_id: NoticeId(row.try_get("notice_id")?),
        channel: Channel::parse(row.try_get("channel")?)?,
        attempts: row.try_get("attempts")?,
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        rule_id: RuleId(row.try_get("rule_id")?),
        recipient_id: ResidentId(row.try_get("recipient_id")?),
        recipient_pid: stored::pid(row.try_get("pid")?)?,
        category: row.try_get("category")?,
        content: row.try_get("content")?,
        notice_created_at: time(row, "notice_created_at")?,
        lease_until: time(row, "lease_until")?,
    })
}

/// The lease's end: `now + lease`.
fn lease_end(claim: &OutboxClaim) -> Result<Timestamp> {
    let lease = jiff::SignedDuration::try_from(claim.lease)
        .map_err(|_| StoreError::Invalid("lease too long".into()))?;
    claim
        .now
        .checked_add(lease)
        .map_err(|_| StoreError::Invalid("lease ends out of range".into()))
}

/// Per channel, an ordered scan of the claimable index takes the oldest free items, skipping
/// rows another worker holds locked; of those the oldest `limit` are leased. (A single scan
/// with `channel = ANY(..)` would have to sort every pending item of those channels.) A row
/// another worker leased and committed after this statement's snapshot is re-checked when
/// locked and left out, as its lease is live.
pub(super) async fn claim(pool: &PgPool, claim: &OutboxClaim) -> Result<Vec<OutboxItem>> {
    const SQL: &str = "WITH picked AS ( \
             SELECT free.id FROM UNNEST($3::text[]) AS c(channel) \
                 CROSS JOIN LATERAL ( \
                     SELECT id, not_before FROM notice_outbox \
                     WHERE status = 'pending' AND channel = c.channel AND not_before <= $4 \
                         AND (lease_until IS NULL OR lease_until <= $4) \
                     ORDER BY not_before, id LIMIT $5 \
                     FOR UPDATE SKIP LOCKED) AS free \
             ORDER BY free.not_before, free.id LIMIT $5), \
         claimed AS ( \
             UPDATE notice_outbox AS o SET lease_owner = $1, lease_until = $2, updated_at = $4 \
             FROM picked WHERE o.id = picked.id \
             RETURNING o.id, o.notice_id, o.channel, o.attempts, o.not_before, o.lease_until) \
         SELECT c.id, c.notice_id, c.channel, c.attempts, c.lease_until, n.kommunenummer, \
             n.rule_id, n.recipient_id, r.pid, n.category, n.content, \
             n.created_at AS notice_created_at \
         FROM claimed AS c \
             JOIN notices AS n ON n.id = c.notice_id \
             JOIN residents AS r ON r.id = n.recipient_id \
         ORDER BY c.not_before, c.id";
    let until = lease_end(claim)?;
    let mut channels: Vec<&str> = claim.channels.iter().map(|c| c.as_str()).collect();
    channels.sort_unstable();
    channels.dedup();
    if channels.is_empty() || claim.limit == 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(SQL)
        .bind(&claim.owner)
        .bind(pg_time(until)?)
        .bind(&channels)
        .bind(pg_time(claim.now)?)
        .bind(i64::from(claim.limit))
        .fetch_all(pool)
        .await?;
    rows.iter().map(item).collect()
}

pub(super) async fn mark_sending(
    pool: &PgPool,
    owner: &str,
    ids: &[OutboxId],
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<Vec<OutboxId>> {
    const SQL: &str = "UPDATE notice_outbox SET status = 'sending', updated_at = $2, \
             lease_until = GREATEST(lease_until, $4) \
         WHERE id = ANY($3) AND lease_owner = $1 AND lease_until > $2 \
             AND status IN ('pending', 'sending') \
         RETURNING id";
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let wanted: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let marked: Vec<Uuid> = sqlx::query_scalar(SQL)
        .bind(owner)
        .bind(pg_time(now)?)
        .bind(&wanted)
        .bind(pg_time(lease_until)?)
        .fetch_all(pool)
        .await?;
    let marked: HashSet<Uuid> = marked.into_iter().collect();
    Ok(ids
        .iter()
        .copied()
        .filter(|id| marked.contains(&id.0))
        .collect())
}

/// The outcomes as column arrays (see the `complete` statement).
#[derive(Default)]
struct Outcomes<'a> {
    ids: Vec<Uuid>,
    statuses: Vec<&'static str>,
    attempts: Vec<i32>,
    not_before: Vec<Option<OffsetDateTime>>,
    errors: Vec<Option<&'a str>>,
    skip_reasons: Vec<Option<&'static str>>,
    delivered_at: Vec<Option<OffsetDateTime>>,
}

impl<'a> Outcomes<'a> {
    fn push(&mut self, id: OutboxId, outcome: &'a OutboxOutcome) -> Result<()> {
        let (status, attempt, not_before, error, skip_reason, delivered_at) = match outcome {
            OutboxOutcome::Delivered { at } => (
                OutboxStatus::Delivered,
                1,
                None,
                None,
                None,
                Some(pg_time(*at)?),
            ),
            OutboxOutcome::Retry {
                not_before,
                error,
                count_attempt,
            } => (
                OutboxStatus::Pending,
                i32::from(*count_attempt),
                Some(pg_time(*not_before)?),
                Some(error.as_str()),
                None,
                None,
            ),
            OutboxOutcome::Failed { reason } => (
                OutboxStatus::Failed,
                1,
                None,
                Some(reason.as_str()),
                None,
                None,
            ),
            OutboxOutcome::Skipped { reason } => (
                OutboxStatus::Skipped,
                0,
                None,
                None,
                Some(reason.as_str()),
                None,
            ),
        };
        self.ids.push(id.0);
        self.statuses.push(status.as_str());
        self.attempts.push(attempt);
        self.not_before.push(not_before);
        self.errors.push(error);
        self.skip_reasons.push(skip_reason);
        self.delivered_at.push(delivered_at);
        Ok(())
    }
}

/// Records each outcome of an item still leased by `owner` (releasing the lease), and delivers
/// the notices of delivered inbox items, in one statement. An id given twice is recorded once
/// (its first outcome). Delivery, failure and a counted retry count as an attempt.
pub(super) async fn complete(
    pool: &PgPool,
    owner: &str,
    outcomes: &[(OutboxId, OutboxOutcome)],
) -> Result<u64> {
    const SQL: &str = "WITH input AS ( \
             SELECT * FROM UNNEST($2::uuid[], $3::text[], $4::int4[], $5::timestamptz[], \
                 $6::text[], $7::text[], $8::timestamptz[]) \
                 AS i(id, status, attempt, not_before, error, skip_reason, delivered_at)), \
         done AS ( \
             UPDATE notice_outbox AS o SET status = i.status, \
                 attempts = o.attempts + i.attempt, \
                 not_before = coalesce(i.not_before, o.not_before), \
                 last_error = coalesce(i.error, o.last_error), skip_reason = i.skip_reason, \
                 lease_owner = NULL, lease_until = NULL, \
                 updated_at = coalesce(i.delivered_at, o.updated_at) \
             FROM input AS i \
             WHERE o.id = i.id AND o.lease_owner = $1 AND o.status IN ('pending', 'sending') \
             RETURNING o.notice_id, o.channel, i.delivered_at), \
         delivered AS ( \
             UPDATE notices AS n SET delivered_at = d.delivered_at FROM done AS d \
             WHERE n.id = d.notice_id AND d.channel = 'inbox' \
                 AND d.delivered_at IS NOT NULL AND n.delivered_at IS NULL) \
         SELECT count(*) FROM done";
    let mut seen = HashSet::new();
    let mut input = Outcomes::default();
    for (id, outcome) in outcomes {
        if seen.insert(*id) {
            input.push(*id, outcome)?;
        }
    }
    if input.ids.is_empty() {
        return Ok(0);
    }
    let recorded: i64 = sqlx::query_scalar(SQL)
        .bind(owner)
        .bind(&input.ids)
        .bind(&input.statuses)
        .bind(&input.attempts)
        .bind(&input.not_before)
        .bind(&input.errors)
        .bind(&input.skip_reasons)
        .bind(&input.delivered_at)
        .fetch_one(pool)
        .await?;
    Ok(recorded.unsigned_abs())
}

pub(super) async fn fail_interrupted(pool: &PgPool, now: Timestamp) -> Result<u64> {
    const SQL: &str = "UPDATE notice_outbox SET status = 'failed', attempts = attempts + 1, \
             last_error = $2, lease_owner = NULL, lease_until = NULL, updated_at = $1 \
         WHERE status = 'sending' AND lease_until <= $1";
    let done = sqlx::query(SQL)
        .bind(pg_time(now)?)
        .bind(INTERRUPTED)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

pub(super) async fn of_notice(
    pool: &PgPool,
    notice: NoticeId,
) -> Result<Vec<(Channel, OutboxStatus, i32, Option<String>)>> {
    const SQL: &str = "SELECT channel, status, attempts, \
             CASE WHEN status = 'skipped' THEN skip_reason ELSE last_error END AS detail \
         FROM notice_outbox WHERE notice_id = $1";
    let rows = sqlx::query(SQL).bind(notice.0).fetch_all(pool).await?;
    let mut items = rows
        .iter()
        .map(|row| {
            Ok((
                Channel::parse(row.try_get("channel")?)?,
                OutboxStatus::parse(row.try_get("status")?)?,
                row.try_get("attempts")?,
                row.try_get("detail")?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    items.sort_by_key(|(channel, ..)| *channel);
    Ok(items)
}
