//! Residents' comments on a phase, on SQLite: add (only to a phase of the named plan and
//! tenant), read, withdraw, hide, answer and count.

use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{
    CaseworkerNote, CommentDisplay, CommentId, NewComment, PhaseCounts, PhaseId, ResidentId,
    Result, Stance, StoreError, StoredComment, stored,
};
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};

use super::{json_text, json_value, optional_time};
use crate::rows::{micros, time};

macro_rules! comment_columns {
    () => {
        "id, kommunenummer, plan_id, phase_id, resident_id, author_name, text, geometry, \
         document_ref, stance, display, created_at, withdrawn_at, hidden_reason, hidden_by, \
         hidden_at, answer, answered_by, answered_at"
    };
}

/// A caseworker's note from its text, author and time columns (all set or none).
fn note(row: &SqliteRow, text: &str, by: &str, at: &str) -> Result<Option<CaseworkerNote>> {
    let text: Option<String> = row.try_get(text)?;
    let by: Option<String> = row.try_get(by)?;
    Ok(match (text, by, optional_time(row, at)?) {
        (Some(text), Some(by), Some(at)) => Some(CaseworkerNote { text, by, at }),
        _ => None,
    })
}

fn comment(row: &SqliteRow) -> Result<StoredComment> {
    Ok(StoredComment {
        id: CommentId(row.try_get("id")?),
        comment: NewComment {
            kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
            plan_id: row.try_get("plan_id")?,
            phase_id: PhaseId(row.try_get("phase_id")?),
            resident_id: ResidentId(row.try_get("resident_id")?),
            author_name: row.try_get("author_name")?,
            text: row.try_get("text")?,
            geometry: row
                .try_get::<Option<&str>, _>("geometry")?
                .map(|g| json_value(g, "geometry"))
                .transpose()?,
            document_ref: row.try_get("document_ref")?,
            stance: Stance::parse(row.try_get("stance")?)?,
            display: CommentDisplay::parse(row.try_get("display")?)?,
            created_at: time(row, "created_at")?,
        },
        withdrawn_at: optional_time(row, "withdrawn_at")?,
        hidden: note(row, "hidden_reason", "hidden_by", "hidden_at")?,
        answer: note(row, "answer", "answered_by", "answered_at")?,
    })
}

/// Stores the comment when its phase belongs to its plan and tenant, else NotFound.
pub(super) async fn add(pool: &SqlitePool, c: &NewComment) -> Result<StoredComment> {
    const SQL: &str = concat!(
        "INSERT INTO plan_comments (id, kommunenummer, plan_id, phase_id, resident_id, \
             author_name, text, geometry, document_ref, stance, display, created_at) \
         SELECT ?1, kommunenummer, plan_id, id, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 \
         FROM plan_phases WHERE kommunenummer = ?2 AND plan_id = ?3 AND id = ?4 RETURNING ",
        comment_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(CommentId::new_v7().0)
        .bind(c.kommunenummer.as_str())
        .bind(&c.plan_id)
        .bind(c.phase_id.0)
        .bind(c.resident_id.0)
        .bind(&c.author_name)
        .bind(&c.text)
        .bind(c.geometry.as_ref().map(json_text).transpose()?)
        .bind(&c.document_ref)
        .bind(c.stance.as_str())
        .bind(c.display.as_str())
        .bind(micros(c.created_at))
        .fetch_one(pool)
        .await?;
    comment(&row)
}

pub(super) async fn get(
    pool: &SqlitePool,
    k: &Kommunenummer,
    id: CommentId,
) -> Result<StoredComment> {
    const SQL: &str = concat!(
        "SELECT ",
        comment_columns!(),
        " FROM plan_comments WHERE kommunenummer = ?1 AND id = ?2"
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .fetch_one(pool)
        .await?;
    comment(&row)
}

pub(super) async fn of_resident(
    pool: &SqlitePool,
    k: &Kommunenummer,
    plan_id: &str,
    resident: ResidentId,
) -> Result<Vec<StoredComment>> {
    const SQL: &str = concat!(
        "SELECT ",
        comment_columns!(),
        " FROM plan_comments WHERE kommunenummer = ?1 AND plan_id = ?2 AND resident_id = ?3 \
         ORDER BY created_at, id"
    );
    let rows = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(plan_id)
        .bind(resident.0)
        .fetch_all(pool)
        .await?;
    rows.iter().map(comment).collect()
}

pub(super) async fn of_phase(
    pool: &SqlitePool,
    k: &Kommunenummer,
    phase: PhaseId,
) -> Result<Vec<StoredComment>> {
    const SQL: &str = concat!(
        "SELECT ",
        comment_columns!(),
        " FROM plan_comments WHERE kommunenummer = ?1 AND phase_id = ?2 ORDER BY created_at, id"
    );
    let rows = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(phase.0)
        .fetch_all(pool)
        .await?;
    rows.iter().map(comment).collect()
}

/// Sets `withdrawn_at` once, on the resident's own comment.
pub(super) async fn withdraw(
    pool: &SqlitePool,
    k: &Kommunenummer,
    id: CommentId,
    resident: ResidentId,
    now: Timestamp,
) -> Result<StoredComment> {
    const SQL: &str = concat!(
        "UPDATE plan_comments SET withdrawn_at = coalesce(withdrawn_at, ?4) \
         WHERE kommunenummer = ?1 AND id = ?2 AND resident_id = ?3 RETURNING ",
        comment_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .bind(resident.0)
        .bind(micros(now))
        .fetch_one(pool)
        .await?;
    comment(&row)
}

pub(super) async fn set_hidden(
    pool: &SqlitePool,
    k: &Kommunenummer,
    id: CommentId,
    hidden: Option<&CaseworkerNote>,
) -> Result<StoredComment> {
    const SQL: &str = concat!(
        "UPDATE plan_comments SET hidden_reason = ?3, hidden_by = ?4, hidden_at = ?5 \
         WHERE kommunenummer = ?1 AND id = ?2 RETURNING ",
        comment_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .bind(hidden.map(|n| n.text.as_str()))
        .bind(hidden.map(|n| n.by.as_str()))
        .bind(hidden.map(|n| micros(n.at)))
        .fetch_one(pool)
        .await?;
    comment(&row)
}

pub(super) async fn answer(
    pool: &SqlitePool,
    k: &Kommunenummer,
    id: CommentId,
    answer: &CaseworkerNote,
) -> Result<StoredComment> {
    const SQL: &str = concat!(
        "UPDATE plan_comments SET answer = ?3, answered_by = ?4, answered_at = ?5 \
         WHERE kommunenummer = ?1 AND id = ?2 RETURNING ",
        comment_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .bind(&answer.text)
        .bind(&answer.by)
        .bind(micros(answer.at))
        .fetch_one(pool)
        .await?;
    comment(&row)
}

/// Counts per phase with comments, in the order of [`phases_of`](super::phases::of_plan).
pub(super) async fn counts(
    pool: &SqlitePool,
    k: &Kommunenummer,
    plan_id: &str,
) -> Result<Vec<(PhaseId, PhaseCounts)>> {
    let rows = sqlx::query(
        "SELECT p.id, count(*), count(c.withdrawn_at), count(c.hidden_at), \
             count(c.answered_at), count(*) FILTER (WHERE c.stance = 'for'), \
             count(*) FILTER (WHERE c.stance = 'neutral'), \
             count(*) FILTER (WHERE c.stance = 'against') \
         FROM plan_comments c JOIN plan_phases p ON p.id = c.phase_id \
         WHERE c.kommunenummer = ?1 AND c.plan_id = ?2 \
         GROUP BY p.id, p.opens_on, p.created_at ORDER BY p.opens_on, p.created_at, p.id",
    )
    .bind(k.as_str())
    .bind(plan_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let count = |i: usize| -> Result<u64> {
                u64::try_from(row.try_get::<i64, _>(i)?)
                    .map_err(|_| StoreError::Invalid("negative comment count".into()))
            };
            Ok((
                PhaseId(row.try_get(0)?),
                PhaseCounts {
                    total: count(1)?,
                    withdrawn: count(2)?,
                    hidden: count(3)?,
                    answered: count(4)?,
                    for_: count(5)?,
                    neutral: count(6)?,
                    against: count(7)?,
                },
            ))
        })
        .collect()
}
