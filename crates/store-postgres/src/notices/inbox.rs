//! Notices on PostgreSQL: creating them in bulk (once per idempotency key) with their outbox
//! items, and the recipient's inbox.

use std::collections::HashSet;

use jiff::Timestamp;
use minside_store::{
    Channel, InboxFilter, NewNotice, Notice, NoticeId, OutboxId, ResidentId, Result, RuleId, stored,
};
use sqlx::{PgPool, Row, postgres::PgRow};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{optional_time, time};
use crate::rows::pg_time;

macro_rules! notice_columns {
    () => {
        "id, kommunenummer, rule_id, recipient_id, subject_id, occurrence, category, priority, \
         content, created_at, delivered_at, read_at, archived_at"
    };
}

/// Notices per INSERT statement.
const CHUNK: usize = 5_000;

fn notice(row: &PgRow) -> Result<Notice> {
    Ok(Notice {
        id: NoticeId(row.try_get("id")?),
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        rule_id: RuleId(row.try_get("rule_id")?),
        recipient_id: ResidentId(row.try_get("recipient_id")?),
        subject_id: ResidentId(row.try_get("subject_id")?),
        occurrence: row.try_get("occurrence")?,
        category: row.try_get("category")?,
        priority: row.try_get("priority")?,
        content: row.try_get("content")?,
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

/// One chunk of notices as column arrays.
#[derive(Default)]
struct Columns<'a> {
    ids: Vec<Uuid>,
    kommunenummer: Vec<&'a str>,
    rules: Vec<Uuid>,
    recipients: Vec<Uuid>,
    subjects: Vec<Uuid>,
    occurrences: Vec<&'a str>,
    categories: Vec<&'a str>,
    priorities: Vec<i16>,
    contents: Vec<&'a serde_json::Value>,
    created: Vec<OffsetDateTime>,
}

/// Inserts the notices (skipping existing keys) and then the outbox items of those inserted,
/// chunk by chunk, in one transaction. Each chunk goes in idempotency-key order, so concurrent
/// engines inserting the same keys wait for each other in one order instead of deadlocking.
pub(super) async fn create(pool: &PgPool, notices: &[NewNotice]) -> Result<Vec<NoticeId>> {
    const NOTICES: &str = "INSERT INTO notices (id, kommunenummer, rule_id, recipient_id, \
             subject_id, occurrence, category, priority, content, created_at) \
         SELECT * FROM UNNEST($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], \
             $6::text[], $7::text[], $8::int2[], $9::jsonb[], $10::timestamptz[]) \
         ON CONFLICT (rule_id, recipient_id, occurrence) DO NOTHING RETURNING id";
    const OUTBOX: &str = "INSERT INTO notice_outbox (id, notice_id, channel, status, attempts, \
             not_before, updated_at) \
         SELECT o.id, o.notice_id, o.channel, 'pending', 0, o.at, o.at \
         FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) \
             AS o(id, notice_id, channel, at)";
    let wanted = first_of_each_key(notices);
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let mut sorted = wanted.clone();
    sorted.sort_by(|(_, a), (_, b)| {
        (a.rule_id, a.recipient_id, &a.occurrence).cmp(&(b.rule_id, b.recipient_id, &b.occurrence))
    });
    let mut created: HashSet<Uuid> = HashSet::with_capacity(wanted.len());
    let mut tx = pool.begin().await?;
    for chunk in sorted.chunks(CHUNK) {
        let mut c = Columns::default();
        for (id, n) in chunk {
            c.ids.push(id.0);
            c.kommunenummer.push(n.kommunenummer.as_str());
            c.rules.push(n.rule_id.0);
            c.recipients.push(n.recipient_id.0);
            c.subjects.push(n.subject_id.0);
            c.occurrences.push(&n.occurrence);
            c.categories.push(&n.category);
            c.priorities.push(n.priority);
            c.contents.push(&n.content);
            c.created.push(pg_time(n.created_at)?);
        }
        let inserted: Vec<Uuid> = sqlx::query_scalar(NOTICES)
            .bind(&c.ids)
            .bind(&c.kommunenummer)
            .bind(&c.rules)
            .bind(&c.recipients)
            .bind(&c.subjects)
            .bind(&c.occurrences)
            .bind(&c.categories)
            .bind(&c.priorities)
            .bind(&c.contents)
            .bind(&c.created)
            .fetch_all(&mut *tx)
            .await?;
        let inserted: HashSet<Uuid> = inserted.into_iter().collect();
        let (mut ids, mut notice_ids, mut channels, mut at) = (vec![], vec![], vec![], vec![]);
        for (id, n) in chunk.iter().filter(|(id, _)| inserted.contains(&id.0)) {
            let created_at = pg_time(n.created_at)?;
            for channel in outbox_channels(n) {
                ids.push(OutboxId::new_v7().0);
                notice_ids.push(id.0);
                channels.push(channel.as_str());
                at.push(created_at);
            }
        }
        if !ids.is_empty() {
            sqlx::query(OUTBOX)
                .bind(&ids)
                .bind(&notice_ids)
                .bind(&channels)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
        }
        created.extend(inserted);
    }
    tx.commit().await?;
    Ok(wanted
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| created.contains(&id.0))
        .collect())
}

pub(super) async fn list(
    pool: &PgPool,
    recipient: ResidentId,
    filter: InboxFilter,
    before: Option<NoticeId>,
    limit: u32,
) -> Result<Vec<Notice>> {
    const SQL: &str = concat!(
        "SELECT ",
        notice_columns!(),
        " FROM notices WHERE recipient_id = $1 AND delivered_at IS NOT NULL \
             AND (archived_at IS NOT NULL) = $2 \
             AND ($3::uuid IS NULL OR (created_at, id) < \
                 (SELECT created_at, id FROM notices WHERE id = $3 AND recipient_id = $1)) \
         ORDER BY created_at DESC, id DESC LIMIT $4"
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

pub(super) async fn get(pool: &PgPool, recipient: ResidentId, id: NoticeId) -> Result<Notice> {
    const SQL: &str = concat!(
        "SELECT ",
        notice_columns!(),
        " FROM notices WHERE id = $1 AND recipient_id = $2 AND delivered_at IS NOT NULL"
    );
    let row = sqlx::query(SQL)
        .bind(id.0)
        .bind(recipient.0)
        .fetch_one(pool)
        .await?;
    notice(&row)
}

pub(super) async fn mark_read(
    pool: &PgPool,
    recipient: ResidentId,
    id: NoticeId,
    now: Timestamp,
) -> Result<Notice> {
    const SQL: &str = concat!(
        "UPDATE notices SET read_at = coalesce(read_at, $3) \
         WHERE id = $1 AND recipient_id = $2 AND delivered_at IS NOT NULL RETURNING ",
        notice_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(id.0)
        .bind(recipient.0)
        .bind(pg_time(now)?)
        .fetch_one(pool)
        .await?;
    notice(&row)
}

pub(super) async fn set_archived(
    pool: &PgPool,
    recipient: ResidentId,
    id: NoticeId,
    archived: bool,
    now: Timestamp,
) -> Result<Notice> {
    const SQL: &str = concat!(
        "UPDATE notices SET archived_at = CASE WHEN $3 THEN coalesce(archived_at, $4) END \
         WHERE id = $1 AND recipient_id = $2 AND delivered_at IS NOT NULL RETURNING ",
        notice_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(id.0)
        .bind(recipient.0)
        .bind(archived)
        .bind(pg_time(now)?)
        .fetch_one(pool)
        .await?;
    notice(&row)
}

pub(super) async fn count_unread(pool: &PgPool, recipient: ResidentId) -> Result<u64> {
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM notices WHERE recipient_id = $1 AND delivered_at IS NOT NULL \
             AND read_at IS NULL AND archived_at IS NULL",
    )
    .bind(recipient.0)
    .fetch_one(pool)
    .await?;
    Ok(count.unsigned_abs())
}

pub(super) async fn delete_before(pool: &PgPool, cutoff: Timestamp) -> Result<u64> {
    let done = sqlx::query("DELETE FROM notices WHERE created_at < $1")
        .bind(pg_time(cutoff)?)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
