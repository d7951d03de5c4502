//! The delivery outbox on SQLite: claiming items with a lease, marking them as being sent,
//! recording outcomes, and failing items a crashed worker left `sending`.
//!
//! Claims and outcomes run in `BEGIN IMMEDIATE` transactions, so no two workers (connections or
//! processes) ever read the same items as free: the second waits for the first's commit and
//! then sees its leases. A claim first checks, without the write lock, whether anything is free,
//! so idle polling does not hold up other writers.

use std::collections::HashSet;

use jiff::Timestamp;
use minside_store::{
    Channel, NoticeId, OutboxClaim, OutboxId, OutboxItem, OutboxOutcome, OutboxStatus, ResidentId,
    Result, RuleId, StoreError, stored,
};
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};

use super::{hex_ids, json_value, time};
use crate::rows::micros;

/// The reason recorded for an item its worker left `sending`.
const INTERRUPTED: &str = "interrupted while sending; not resent to avoid a duplicate";

fn item(row: &SqliteRow, lease_until: Timestamp) -> Result<OutboxItem> {
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
        content: json_value(row.try_get("content")?, "content")?,
        notice_created_at: time(row, "notice_created_at")?,
        lease_until,
    })
}

/// The lease's end: `now + lease`, in whole microseconds.
fn lease_end(claim: &OutboxClaim) -> Result<Timestamp> {
    let lease = jiff::SignedDuration::try_from(claim.lease)
        .map_err(|_| StoreError::Invalid("lease too long".into()))?;
    let until = claim
        .now
        .checked_add(lease)
        .map_err(|_| StoreError::Invalid("lease ends out of range".into()))?;
    Ok(stored::truncate_to_micros(until))
}

/// Oldest claimable items first: per channel the oldest `limit` (an ordered scan of the
/// claimable index each), merged; then leased in the same write transaction.
pub(super) async fn claim(pool: &SqlitePool, claim: &OutboxClaim) -> Result<Vec<OutboxItem>> {
    const CANDIDATES: &str = "SELECT o.id, o.notice_id, o.channel, o.attempts, o.not_before, \
             n.kommunenummer, n.rule_id, n.recipient_id, r.pid, n.category, n.content, \
             n.created_at AS notice_created_at \
         FROM notice_outbox AS o \
             JOIN notices AS n ON n.id = o.notice_id \
             JOIN residents AS r ON r.id = n.recipient_id \
         WHERE o.status = 'pending' AND o.channel = ?1 AND o.not_before <= ?2 \
             AND (o.lease_until IS NULL OR o.lease_until <= ?2) \
         ORDER BY o.not_before, o.id LIMIT ?3";
    const LEASE: &str = "UPDATE notice_outbox SET lease_owner = ?1, lease_until = ?2, \
             updated_at = ?3 \
         WHERE id IN (SELECT unhex(value) FROM json_each(?4))";
    let until = lease_end(claim)?;
    let mut channels = claim.channels.clone();
    channels.sort();
    channels.dedup();
    if channels.is_empty() || claim.limit == 0 {
        return Ok(Vec::new());
    }
    if !any_free(pool, &channels, claim.now).await? {
        // An idle poll does not take the write lock.
        return Ok(Vec::new());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let mut candidates = Vec::new();
    for channel in channels {
        let rows = sqlx::query(CANDIDATES)
            .bind(channel.as_str())
            .bind(micros(claim.now))
            .bind(i64::from(claim.limit))
            .fetch_all(&mut *tx)
            .await?;
        for row in rows {
            let not_before: i64 = row.try_get("not_before")?;
            candidates.push((not_before, item(&row, until)?));
        }
    }
    candidates.sort_by_key(|(not_before, item)| (*not_before, item.id.0));
    candidates.truncate(usize::try_from(claim.limit).unwrap_or(usize::MAX));
    if !candidates.is_empty() {
        sqlx::query(LEASE)
            .bind(&claim.owner)
            .bind(micros(until))
            .bind(micros(claim.now))
            .bind(hex_ids(candidates.iter().map(|(_, item)| item.id.0)))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(candidates.into_iter().map(|(_, item)| item).collect())
}

/// Whether any item of `channels` is claimable at `now` (a read, outside any transaction).
async fn any_free(pool: &SqlitePool, channels: &[Channel], now: Timestamp) -> Result<bool> {
    const SQL: &str = "SELECT EXISTS (SELECT 1 FROM notice_outbox \
         WHERE status = 'pending' AND channel = ?1 AND not_before <= ?2 \
             AND (lease_until IS NULL OR lease_until <= ?2))";
    for channel in channels {
        let free: bool = sqlx::query_scalar(SQL)
            .bind(channel.as_str())
            .bind(micros(now))
            .fetch_one(pool)
            .await?;
        if free {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(super) async fn mark_sending(
    pool: &SqlitePool,
    owner: &str,
    ids: &[OutboxId],
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<Vec<OutboxId>> {
    const SQL: &str = "UPDATE notice_outbox SET status = 'sending', updated_at = ?2, \
             lease_until = max(lease_until, ?4) \
         WHERE id IN (SELECT unhex(value) FROM json_each(?3)) AND lease_owner = ?1 \
             AND lease_until > ?2 AND status IN ('pending', 'sending') \
         RETURNING id";
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(SQL)
        .bind(owner)
        .bind(micros(now))
        .bind(hex_ids(ids.iter().map(|id| id.0)))
        .bind(micros(lease_until))
        .fetch_all(pool)
        .await?;
    let marked: HashSet<uuid::Uuid> = rows
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<_, _>>()?;
    Ok(ids
        .iter()
        .copied()
        .filter(|id| marked.contains(&id.0))
        .collect())
}

/// One outcome as stored: the new status and what changes with it.
struct Change<'a> {
    status: OutboxStatus,
    /// Counts as an attempt.
    attempt: bool,
    not_before: Option<Timestamp>,
    error: Option<&'a str>,
    skip_reason: Option<&'static str>,
    delivered_at: Option<Timestamp>,
}

fn change(outcome: &OutboxOutcome) -> Change<'_> {
    let base = Change {
        status: OutboxStatus::Pending,
        attempt: true,
        not_before: None,
        error: None,
        skip_reason: None,
        delivered_at: None,
    };
    match outcome {
        OutboxOutcome::Delivered { at } => Change {
            status: OutboxStatus::Delivered,
            delivered_at: Some(stored::truncate_to_micros(*at)),
            ..base
        },
        OutboxOutcome::Retry {
            not_before,
            error,
            count_attempt,
        } => Change {
            attempt: *count_attempt,
            not_before: Some(*not_before),
            error: Some(error),
            ..base
        },
        OutboxOutcome::Failed { reason } => Change {
            status: OutboxStatus::Failed,
            error: Some(reason),
            ..base
        },
        OutboxOutcome::Skipped { reason } => Change {
            status: OutboxStatus::Skipped,
            attempt: false,
            skip_reason: Some(reason.as_str()),
            ..base
        },
    }
}

/// Records each outcome of an item still leased by `owner` (releasing the lease); a delivered
/// inbox item delivers its notice. An id given twice is recorded once (its first outcome).
pub(super) async fn complete(
    pool: &SqlitePool,
    owner: &str,
    outcomes: &[(OutboxId, OutboxOutcome)],
) -> Result<u64> {
    const ITEM: &str = "UPDATE notice_outbox SET status = ?3, attempts = attempts + ?4, \
             not_before = coalesce(?5, not_before), last_error = coalesce(?6, last_error), \
             skip_reason = ?7, lease_owner = NULL, lease_until = NULL, \
             updated_at = coalesce(?8, updated_at) \
         WHERE id = ?1 AND lease_owner = ?2 AND status IN ('pending', 'sending') \
         RETURNING notice_id, channel";
    const NOTICE: &str =
        "UPDATE notices SET delivered_at = ?2 WHERE id = ?1 AND delivered_at IS NULL";
    if outcomes.is_empty() {
        return Ok(0);
    }
    let mut seen = HashSet::new();
    let mut recorded = 0;
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for (id, outcome) in outcomes {
        if !seen.insert(*id) {
            continue;
        }
        let c = change(outcome);
        let row = sqlx::query(ITEM)
            .bind(id.0)
            .bind(owner)
            .bind(c.status.as_str())
            .bind(i32::from(c.attempt))
            .bind(c.not_before.map(micros))
            .bind(c.error)
            .bind(c.skip_reason)
            .bind(c.delivered_at.map(micros))
            .fetch_optional(&mut *tx)
            .await?;
        let Some(row) = row else { continue };
        recorded += 1;
        if let Some(at) = c.delivered_at
            && row.try_get::<&str, _>("channel")? == Channel::Inbox.as_str()
        {
            sqlx::query(NOTICE)
                .bind(row.try_get::<uuid::Uuid, _>("notice_id")?)
                .bind(micros(at))
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(recorded)
}

pub(super) async fn fail_interrupted(pool: &SqlitePool, now: Timestamp) -> Result<u64> {
    const SQL: &str = "UPDATE notice_outbox SET status = 'failed', attempts = attempts + 1, \
             last_error = ?2, lease_owner = NULL, lease_until = NULL, updated_at = ?1 \
         WHERE status = 'sending' AND lease_until <= ?1";
    let done = sqlx::query(SQL)
        .bind(micros(now))
        .bind(INTERRUPTED)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

pub(super) async fn of_notice(
    pool: &SqlitePool,
    notice: NoticeId,
) -> Result<Vec<(Channel, OutboxStatus, i32, Option<String>)>> {
    const SQL: &str = "SELECT channel, status, attempts, \
             CASE WHEN status = 'skipped' THEN skip_reason ELSE last_error END AS detail \
         FROM notice_outbox WHERE notice_id = ?1";
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
