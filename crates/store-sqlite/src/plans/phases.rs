//! Consultation phases on SQLite. Creating or changing a phase bumps its plan's version and
//! `updated_at` in the same transaction.

use jiff::{Timestamp, civil::Date};
use minside_core::Kommunenummer;
use minside_store::{PhaseFields, PhaseId, PhaseKind, Result, StoreError, StoredPhase, stored};
use sqlx::{Row, Sqlite, SqlitePool, Transaction, sqlite::SqliteRow};

use super::date;
use crate::rows::{micros, time};

macro_rules! phase_columns {
    () => {
        "id, kommunenummer, plan_id, kind, hearing_version, title, opens_on, closes_on, \
         created_at, updated_at"
    };
}

fn phase(row: &SqliteRow) -> Result<StoredPhase> {
    Ok(StoredPhase {
        id: PhaseId(row.try_get("id")?),
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        plan_id: row.try_get("plan_id")?,
        fields: PhaseFields {
            kind: PhaseKind::parse(row.try_get("kind")?)?,
            hearing_version: row.try_get("hearing_version")?,
            title: row.try_get("title")?,
            opens_on: date(row, "opens_on")?,
            closes_on: date(row, "closes_on")?,
        },
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

/// Bumps the plan's version; NotFound when `k` has no such plan.
async fn bump_plan(
    tx: &mut Transaction<'_, Sqlite>,
    k: &Kommunenummer,
    plan_id: &str,
    now: Timestamp,
) -> Result<()> {
    let bumped = sqlx::query(
        "UPDATE plans SET version = version + 1, updated_at = ?3 \
         WHERE kommunenummer = ?1 AND plan_id = ?2",
    )
    .bind(k.as_str())
    .bind(plan_id)
    .bind(micros(now))
    .execute(&mut **tx)
    .await?;
    if bumped.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(super) async fn create(
    pool: &SqlitePool,
    k: &Kommunenummer,
    plan_id: &str,
    fields: &PhaseFields,
    now: Timestamp,
) -> Result<StoredPhase> {
    const SQL: &str = concat!(
        "INSERT INTO plan_phases (",
        phase_columns!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) RETURNING ",
        phase_columns!()
    );
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    bump_plan(&mut tx, k, plan_id, now).await?;
    let row = sqlx::query(SQL)
        .bind(PhaseId::new_v7().0)
        .bind(k.as_str())
        .bind(plan_id)
        .bind(fields.kind.as_str())
        .bind(fields.hearing_version)
        .bind(&fields.title)
        .bind(fields.opens_on.to_string())
        .bind(fields.closes_on.to_string())
        .bind(micros(now))
        .fetch_one(&mut *tx)
        .await?;
    let created = phase(&row)?;
    tx.commit().await?;
    Ok(created)
}

pub(super) async fn update(
    pool: &SqlitePool,
    k: &Kommunenummer,
    id: PhaseId,
    fields: &PhaseFields,
    now: Timestamp,
) -> Result<StoredPhase> {
    const SQL: &str = concat!(
        "UPDATE plan_phases SET kind = ?3, hearing_version = ?4, title = ?5, opens_on = ?6, \
             closes_on = ?7, updated_at = ?8 \
         WHERE kommunenummer = ?1 AND id = ?2 RETURNING ",
        phase_columns!()
    );
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .bind(fields.kind.as_str())
        .bind(fields.hearing_version)
        .bind(&fields.title)
        .bind(fields.opens_on.to_string())
        .bind(fields.closes_on.to_string())
        .bind(micros(now))
        .fetch_one(&mut *tx)
        .await?;
    let updated = phase(&row)?;
    bump_plan(&mut tx, k, &updated.plan_id, now).await?;
    tx.commit().await?;
    Ok(updated)
}

pub(super) async fn get(pool: &SqlitePool, k: &Kommunenummer, id: PhaseId) -> Result<StoredPhase> {
    const SQL: &str = concat!(
        "SELECT ",
        phase_columns!(),
        " FROM plan_phases WHERE kommunenummer = ?1 AND id = ?2"
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .fetch_one(pool)
        .await?;
    phase(&row)
}

pub(super) async fn of_plan(
    pool: &SqlitePool,
    k: &Kommunenummer,
    plan_id: &str,
) -> Result<Vec<StoredPhase>> {
    const SQL: &str = concat!(
        "SELECT ",
        phase_columns!(),
        " FROM plan_phases WHERE kommunenummer = ?1 AND plan_id = ?2 \
         ORDER BY opens_on, created_at, id"
    );
    let rows = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(plan_id)
        .fetch_all(pool)
        .await?;
    rows.iter().map(phase).collect()
}

/// Phases of every tenant open on `day` (both ends included), by opening day, then creation.
pub(super) async fn open_on(pool: &SqlitePool, day: Date) -> Result<Vec<StoredPhase>> {
    const SQL: &str = concat!(
        "SELECT ",
        phase_columns!(),
        " FROM plan_phases WHERE opens_on <= ?1 AND closes_on >= ?1 \
         ORDER BY opens_on, created_at, id"
    );
    let rows = sqlx::query(SQL)
        .bind(day.to_string())
        .fetch_all(pool)
        .await?;
    rows.iter().map(phase).collect()
}
