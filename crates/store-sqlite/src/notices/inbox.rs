//! Notices on SQLite: creating them in bulk (once per idempotency key) with their outbox
//! items, and the recipient's inbox.

use std::collections::HashSet;

use jiff::Timestamp;
use minside_store::{
    Channel, InboxFilter, NewNotice, Notice, NoticeId, OutboxId, ResidentId, Result, RuleId, stored,
};
use sqlx::{AssertSqlSafe, Row, SqlitePool, sqlite::SqliteRow};
use uuid::Uuid;

use super::{json_value, not_json, optional_time, time};
use crate::rows::micros;

macro_rules! notice_columns {
    () => {
        "id, kommunenummer, rule_id, recipient_id, subject_id, occurrence, category, priority, \
         content, created_at, delivered_at, read_at, archived_at"
    };
}

/// Notices per INSERT statement (ten parameters each; SQLite allows 32 766).
const CHUNK: usize = 1_000;

/// `rows` groups of `row` (e.g. `(?, ?, 'pending')`), comma-separated, between `head` and
/// `tail`. Built from the constant SQL of this module only, never from values (hence
/// `AssertSqlSafe` below).
fn values(head: &str, row: &str, rows: usize, tail: &str) -> String {
    let mut sql = String::with_capacity(head.len() + (row.len() + 1) * rows + tail.len());
    sql.push_str(head);
    for i in 0..rows {
        if i > 0 {
            sql.push(',');
        }
        sql.push_str(row);
    }
    sql.push_str(tail);
    sql
}

fn notice(row: &SqliteRow) -> Result<Notice> {
    Ok(Notice {
        id: NoticeId(row.try_get("id")?),
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        rule_id: RuleId(row.try_get("rule_id")?),
        recipient_id: ResidentId(row.try_get("recipient_id")?),
        subject_id: ResidentId(row.try_get("subject_id")?),
        occurrence: row.try_get("occurrence")?,
        category: row.try_get("category")?,
        priority: row.try_get("priority")?,
        content: json_value(row.try_get("content")?, "content")?,
        created_at: time(row, "created_at")?,
        delivered_at: optional_time(row, "delivered_at")?,
        read_at: optional_time(row, "read_at")?,
        archived_at: optional_time(row, "archived_at")?,
    })
}

/// The notices to insert: the first of each idempotency key, with new ids, in input order.
fn first_of_each_key(notices: &[NewNotice]) -> Vec<(NoticeId, &NewNotice)> {
    let mut seen = HashSet::new();
    notices
        .iter()
        .filter(|n| seen.insert((n.rule_id, n.recipient_id, n.occurrence.as_str())))
        .map(|n| (NoticeId::new_v7(), n))
        .collect()
}

/// A notice's outbox channels: the inbox first, then the others asked for, each once.
fn outbox_channels(notice: &NewNotice) -> Vec<Channel> {
    let mut channels = vec![Channel::Inbox];
    for channel in &notice.channels {
        if !channels.contains(channel) {
            channels.push(*channel);
        }
    }
    channels
}

/// Inserts the notices (skipping existing keys) and then the outbox items of those inserted,
/// chunk by chunk (multi-row `VALUES`), in one write transaction.
pub(super) async fn create(pool: &SqlitePool, notices: &[NewNotice]) -> Result<Vec<NoticeId>> {
    const NOTICES: &str = "INSERT INTO notices (id, kommunenummer, rule_id, recipient_id, \
         subject_id, occurrence, category, priority, content, created_at) VALUES ";
    const NOTICE_ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    const NOTICES_TAIL: &str =
        " ON CONFLICT (rule_id, recipient_id, occurrence) DO NOTHING RETURNING id";
    const OUTBOX: &str = "INSERT INTO notice_outbox (id, notice_id, channel, status, attempts, \
         not_before, updated_at) VALUES ";
    const OUTBOX_ROW: &str = "(?, ?, ?, 'pending', 0, ?, ?)";
    let wanted = first_of_each_key(notices);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut created: HashSet<Uuid> = HashSet::with_capacity(wanted.len());
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for chunk in wanted.chunks(CHUNK) {
        let sql = values(NOTICES, NOTICE_ROW, chunk.len(), NOTICES_TAIL);
        // Only full chunks repeat often enough to keep their prepared statement.
        let mut insert = sqlx::query(AssertSqlSafe(sql)).persistent(chunk.len() == CHUNK);
        for (id, n) in chunk {
            insert = insert
                .bind(id.0)
                .bind(n.kommunenummer.as_str())
                .bind(n.rule_id.0)
                .bind(n.recipient_id.0)
                .bind(n.subject_id.0)
                .bind(n.occurrence.as_str())
                .bind(n.category.as_str())
                .bind(n.priority)
                .bind(serde_json::to_string(&n.content).map_err(not_json)?)
                .bind(micros(n.created_at));
        }
        let inserted = insert.fetch_all(&mut *tx).await?;
        let mut inserted_now = HashSet::with_capacity(inserted.len());
        for row in &inserted {
            inserted_now.insert(row.try_get::<Uuid, _>("id")?);
        }
        let items: Vec<(NoticeId, Channel, i64)> = chunk
            .iter()
            .filter(|(id, _)| inserted_now.contains(&id.0))
            .flat_map(|(id, n)| {
                let at = micros(n.created_at);
                outbox_channels(n).into_iter().map(move |c| (*id, c, at))
            })
            .collect();
        for items in items.chunks(CHUNK) {
            let sql = values(OUTBOX, OUTBOX_ROW, items.len(), "");
            let mut insert = sqlx::query(AssertSqlSafe(sql)).persistent(items.len() == CHUNK);
            for (notice, channel, at) in items {
                insert = insert
                    .bind(OutboxId::new_v7().0)
                    .bind(notice.0)
                    .bind(channel.as_str())
                    .bind(*at)
                    .bind(*at);
            }
            insert.execute(&mut *tx).await?;
        }
        created.extend(inserted_now);
    }
    tx.commit().await?;
    Ok(wanted
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| created.contains(&id.0))
        .collect())
}

pub(super) async fn list(
    pool: &SqlitePool,
    recipient: ResidentId,
    filter: InboxFilter,
    before: Option<NoticeId>,
    limit: u32,
) -> Result<Vec<Notice>> {
    const SQL: &str = concat!(
        "SELECT ",
        notice_columns!(),
        " FROM notices WHERE recipient_id = ?1 AND delivered_at IS NOT NULL \
             AND (archived_at IS NOT NULL) = ?2 \
             AND (?3 IS NULL OR (created_at, id) < \
                 (SELECT created_at, id FROM notices WHERE id = ?3 AND recipient_id = ?1)) \
         ORDER BY created_at DESC, id DESC LIMIT ?4"
    );
    let rows = sqlx::query(SQL)
        .bind(recipient.0)
        .bind(filter == InboxFilter::Archived)
        .bind(before.map(|b| b.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.iter().map(notice).collect()
}

pub(super) async fn get(pool: &SqlitePool, recipient: ResidentId, id: NoticeId) -> Result<Notice> {
    const SQL: &str = concat!(
        "SELECT ",
        notice_columns!(),
        " FROM notices WHERE id = ?1 AND recipient_id = ?2 AND delivered_at IS NOT NULL"
    );
    let row = sqlx::query(SQL)
        .bind(id.0)
        .bind(recipient.0)
        .fetch_one(pool)
        .await?;
    notice(&row)
}

pub(super) async fn mark_read(
    pool: &SqlitePool,
    recipient: ResidentId,
    id: NoticeId,
    now: Timestamp,
) -> Result<Notice> {
    const SQL: &str = concat!(
        "UPDATE notices SET read_at = coalesce(read_at, ?3) \
         WHERE id = ?1 AND recipient_id = ?2 AND delivered_at IS NOT NULL RETURNING ",
        notice_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(id.0)
        .bind(recipient.0)
        .bind(micros(now))
        .fetch_one(pool)
        .await?;
    notice(&row)
}

pub(super) async fn set_archived(
    pool: &SqlitePool,
    recipient: ResidentId,
    id: NoticeId,
    archived: bool,
    now: Timestamp,
) -> Result<Notice> {
    const SQL: &str = concat!(
        "UPDATE notices SET archived_at = CASE WHEN ?3 THEN coalesce(archived_at, ?4) END \
         WHERE id = ?1 AND recipient_id = ?2 AND delivered_at IS NOT NULL RETURNING ",
        notice_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(id.0)
        .bind(recipient.0)
        .bind(archived)
        .bind(micros(now))
        .fetch_one(pool)
        .await?;
    notice(&row)
}

pub(super) async fn count_unread(pool: &SqlitePool, recipient: ResidentId) -> Result<u64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notices WHERE recipient_id = ?1 AND delivered_at IS NOT NULL \
             AND read_at IS NULL AND archived_at IS NULL",
    )
    .bind(recipient.0)
    .fetch_one(pool)
    .await?;
    Ok(count.unsigned_abs())
}

pub(super) async fn delete_before(pool: &SqlitePool, cutoff: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM notices WHERE created_at < ?1")
        .bind(micros(cutoff))
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
