//! Plans on SQLite: create, read, list, the bounding-box query and versioned updates.

use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{BoundingBox, PlanFields, Result, StoreError, StoredPlan, stored};
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};

use super::{json_text, json_value};
use crate::rows::{micros, time};

macro_rules! plan_columns {
    () => {
        "kommunenummer, plan_id, name, plan_type, status, law_reference, proposer_type, \
         case_year, case_sequence, description, documents, events, area, min_lon, min_lat, \
         max_lon, max_lat, version, created_by, created_at, updated_by, updated_at"
    };
}

/// What a version mismatch is reported as.
const VERSION_CONFLICT: &str = "plans_version";

fn plan(row: &SqliteRow) -> Result<StoredPlan> {
    let case_year: Option<i32> = row.try_get("case_year")?;
    let case_sequence: Option<i64> = row.try_get("case_sequence")?;
    let bbox = match (
        row.try_get("min_lon")?,
        row.try_get("min_lat")?,
        row.try_get("max_lon")?,
        row.try_get("max_lat")?,
    ) {
        (Some(min_lon), Some(min_lat), Some(max_lon), Some(max_lat)) => Some(BoundingBox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        }),
        _ => None,
    };
    Ok(StoredPlan {
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        fields: PlanFields {
            plan_id: row.try_get("plan_id")?,
            name: row.try_get("name")?,
            plan_type: row.try_get("plan_type")?,
            status: row.try_get("status")?,
            law_reference: row.try_get("law_reference")?,
            proposer_type: row.try_get("proposer_type")?,
            case_number: case_year.zip(case_sequence),
            description: row.try_get("description")?,
            documents: json_value(row.try_get("documents")?, "documents")?,
            events: json_value(row.try_get("events")?, "events")?,
            area: row
                .try_get::<Option<&str>, _>("area")?
                .map(|a| json_value(a, "area"))
                .transpose()?,
            bbox,
        },
        version: row.try_get("version")?,
        created_by: row.try_get("created_by")?,
        created_at: time(row, "created_at")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: time(row, "updated_at")?,
    })
}

/// The JSON columns of `fields` as stored.
struct Encoded {
    documents: String,
    events: String,
    area: Option<String>,
}

fn encode(fields: &PlanFields) -> Result<Encoded> {
    Ok(Encoded {
        documents: json_text(&fields.documents)?,
        events: json_text(&fields.events)?,
        area: fields.area.as_ref().map(json_text).transpose()?,
    })
}

type Query<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds the plan's fields after the key, in the column order of `plans` (name to max_lat).
fn bind_fields<'q>(query: Query<'q>, fields: &'q PlanFields, e: &'q Encoded) -> Query<'q> {
    let bbox = fields.bbox;
    query
        .bind(&fields.name)
        .bind(&fields.plan_type)
        .bind(&fields.status)
        .bind(&fields.law_reference)
        .bind(&fields.proposer_type)
        .bind(fields.case_number.map(|(year, _)| year))
        .bind(fields.case_number.map(|(_, sequence)| sequence))
        .bind(&fields.description)
        .bind(&e.documents)
        .bind(&e.events)
        .bind(&e.area)
        .bind(bbox.map(|b| b.min_lon))
        .bind(bbox.map(|b| b.min_lat))
        .bind(bbox.map(|b| b.max_lon))
        .bind(bbox.map(|b| b.max_lat))
}

pub(super) async fn create(
    pool: &SqlitePool,
    k: &Kommunenummer,
    fields: &PlanFields,
    by: &str,
    now: Timestamp,
) -> Result<StoredPlan> {
    const SQL: &str = concat!(
        "INSERT INTO plans (",
        plan_columns!(),
        ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
         1, ?18, ?19, ?18, ?19) RETURNING ",
        plan_columns!()
    );
    let e = encode(fields)?;
    let query = sqlx::query(SQL).bind(k.as_str()).bind(&fields.plan_id);
    let row = bind_fields(query, fields, &e)
        .bind(by)
        .bind(micros(now))
        .fetch_one(pool)
        .await?;
    plan(&row)
}

pub(super) async fn update(
    pool: &SqlitePool,
    k: &Kommunenummer,
    plan_id: &str,
    expected_version: i64,
    fields: &PlanFields,
    by: &str,
    now: Timestamp,
) -> Result<StoredPlan> {
    const SQL: &str = concat!(
        "UPDATE plans SET name = ?4, plan_type = ?5, status = ?6, law_reference = ?7, \
             proposer_type = ?8, case_year = ?9, case_sequence = ?10, description = ?11, \
             documents = ?12, events = ?13, area = ?14, min_lon = ?15, min_lat = ?16, \
             max_lon = ?17, max_lat = ?18, version = version + 1, updated_by = ?19, \
             updated_at = ?20 \
         WHERE kommunenummer = ?1 AND plan_id = ?2 AND version = ?3 RETURNING ",
        plan_columns!()
    );
    let e = encode(fields)?;
    let query = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(plan_id)
        .bind(expected_version);
    let row = bind_fields(query, fields, &e)
        .bind(by)
        .bind(micros(now))
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => plan(&row),
        // Why nothing changed: the plan is not `k`'s, or its version moved on.
        None => match exists(pool, k, plan_id).await {
            Ok(true) => Err(StoreError::Conflict(VERSION_CONFLICT.into())),
            Ok(false) => Err(StoreError::NotFound),
            Err(e) => Err(e),
        },
    }
}

pub(super) async fn get(pool: &SqlitePool, k: &Kommunenummer, plan_id: &str) -> Result<StoredPlan> {
    const SQL: &str = concat!(
        "SELECT ",
        plan_columns!(),
        " FROM plans WHERE kommunenummer = ?1 AND plan_id = ?2"
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(plan_id)
        .fetch_one(pool)
        .await?;
    plan(&row)
}

/// Whether `k` has the plan.
pub(super) async fn exists(pool: &SqlitePool, k: &Kommunenummer, plan_id: &str) -> Result<bool> {
    let found = sqlx::query("SELECT 1 FROM plans WHERE kommunenummer = ?1 AND plan_id = ?2")
        .bind(k.as_str())
        .bind(plan_id)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}

pub(super) async fn list(pool: &SqlitePool, k: &Kommunenummer) -> Result<Vec<StoredPlan>> {
    const SQL: &str = concat!(
        "SELECT ",
        plan_columns!(),
        " FROM plans WHERE kommunenummer = ?1 ORDER BY updated_at DESC, plan_id"
    );
    let rows = sqlx::query(SQL).bind(k.as_str()).fetch_all(pool).await?;
    rows.iter().map(plan).collect()
}

/// Plans whose box shares a point with `area` (edges included), most recently updated first.
pub(super) async fn in_box(
    pool: &SqlitePool,
    k: &Kommunenummer,
    area: &BoundingBox,
) -> Result<Vec<StoredPlan>> {
    const SQL: &str = concat!(
        "SELECT ",
        plan_columns!(),
        " FROM plans WHERE kommunenummer = ?1 AND min_lat IS NOT NULL \
             AND min_lat <= ?5 AND max_lat >= ?3 AND min_lon <= ?4 AND max_lon >= ?2 \
         ORDER BY updated_at DESC, plan_id"
    );
    let rows = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(area.min_lon)
        .bind(area.min_lat)
        .bind(area.max_lon)
        .bind(area.max_lat)
        .fetch_all(pool)
        .await?;
    rows.iter().map(plan).collect()
}
