//! Notice rules on PostgreSQL: create, read, list, and versioned updates.

use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{
    Channel, Result, RuleFields, RuleId, RuleStatus, StoreError, StoredRule, stored,
};
use sqlx::{PgPool, Row, postgres::PgRow, types::Json};

use super::{optional_date, pg_date, time};
use crate::rows::pg_time;

macro_rules! rule_columns {
    () => {
        "id, kommunenummer, name, category, opt_out_allowed, status, trigger, audience, content, \
         channels, priority, valid_from, valid_to, version, created_by, created_at, updated_by, \
         updated_at"
    };
}

/// What a version mismatch is reported as.
const VERSION_CONFLICT: &str = "notice_rules_version";

fn rule(row: &PgRow) -> Result<StoredRule> {
    Ok(StoredRule {
        id: RuleId(row.try_get("id")?),
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        name: row.try_get("name")?,
        category: row.try_get("category")?,
        opt_out_allowed: row.try_get("opt_out_allowed")?,
        status: RuleStatus::parse(row.try_get("status")?)?,
        trigger: row.try_get("trigger")?,
        audience: row.try_get("audience")?,
        content: row.try_get("content")?,
        channels: row.try_get::<Json<Vec<Channel>>, _>("channels")?.0,
        priority: row.try_get("priority")?,
        valid_from: optional_date(row, "valid_from")?,
        valid_to: optional_date(row, "valid_to")?,
        version: row.try_get("version")?,
        created_by: row.try_get("created_by")?,
        created_at: time(row, "created_at")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: time(row, "updated_at")?,
    })
}

/// The date columns of `fields` as bound.
struct Dates {
    valid_from: Option<time::Date>,
    valid_to: Option<time::Date>,
}

fn dates(fields: &RuleFields) -> Result<Dates> {
    Ok(Dates {
        valid_from: fields.valid_from.map(pg_date).transpose()?,
        valid_to: fields.valid_to.map(pg_date).transpose()?,
    })
}

pub(super) async fn create(
    pool: &PgPool,
    k: &Kommunenummer,
    fields: &RuleFields,
    by: &str,
    now: Timestamp,
) -> Result<StoredRule> {
    const SQL: &str = concat!(
        "INSERT INTO notice_rules (",
        rule_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $13, \
         $14) RETURNING ",
        rule_columns!()
    );
    let e = dates(fields)?;
    let row = sqlx::query(SQL)
        .bind(RuleId::new_v7().0)
        .bind(k.as_str())
        .bind(&fields.name)
        .bind(&fields.category)
        .bind(fields.opt_out_allowed)
        .bind(&fields.trigger)
        .bind(&fields.audience)
        .bind(&fields.content)
        .bind(Json(&fields.channels))
        .bind(fields.priority)
        .bind(e.valid_from)
        .bind(e.valid_to)
        .bind(by)
        .bind(pg_time(now)?)
        .fetch_one(pool)
        .await?;
    rule(&row)
}

pub(super) async fn get(pool: &PgPool, k: &Kommunenummer, id: RuleId) -> Result<StoredRule> {
    const SQL: &str = concat!(
        "SELECT ",
        rule_columns!(),
        " FROM notice_rules WHERE kommunenummer = $1 AND id = $2"
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .fetch_one(pool)
        .await?;
    rule(&row)
}

pub(super) async fn list(
    pool: &PgPool,
    k: &Kommunenummer,
    include_archived: bool,
) -> Result<Vec<StoredRule>> {
    const SQL: &str = concat!(
        "SELECT ",
        rule_columns!(),
        " FROM notice_rules WHERE kommunenummer = $1 AND ($2 OR status <> 'archived') \
         ORDER BY created_at DESC, id DESC"
    );
    let rows = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(include_archived)
        .fetch_all(pool)
        .await?;
    rows.iter().map(rule).collect()
}

pub(super) async fn active(pool: &PgPool) -> Result<Vec<StoredRule>> {
    const SQL: &str = concat!(
        "SELECT ",
        rule_columns!(),
        " FROM notice_rules WHERE status = 'active' ORDER BY kommunenummer, created_at, id"
    );
    let rows = sqlx::query(SQL).fetch_all(pool).await?;
    rows.iter().map(rule).collect()
}

pub(super) async fn update(
    pool: &PgPool,
    k: &Kommunenummer,
    id: RuleId,
    expected_version: i64,
    fields: &RuleFields,
    by: &str,
    now: Timestamp,
) -> Result<StoredRule> {
    const SQL: &str = concat!(
        "UPDATE notice_rules SET name = $4, category = $5, opt_out_allowed = $6, trigger = $7, \
             audience = $8, content = $9, channels = $10, priority = $11, valid_from = $12, \
             valid_to = $13, version = version + 1, updated_by = $14, updated_at = $15 \
         WHERE kommunenummer = $1 AND id = $2 AND version = $3 RETURNING ",
        rule_columns!()
    );
    let e = dates(fields)?;
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .bind(expected_version)
        .bind(&fields.name)
        .bind(&fields.category)
        .bind(fields.opt_out_allowed)
        .bind(&fields.trigger)
        .bind(&fields.audience)
        .bind(&fields.content)
        .bind(Json(&fields.channels))
        .bind(fields.priority)
        .bind(e.valid_from)
        .bind(e.valid_to)
        .bind(by)
        .bind(pg_time(now)?)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => rule(&row),
        None => Err(missing_or_conflict(pool, k, id).await),
    }
}

pub(super) async fn set_status(
    pool: &PgPool,
    k: &Kommunenummer,
    id: RuleId,
    expected_version: i64,
    status: RuleStatus,
    by: &str,
    now: Timestamp,
) -> Result<StoredRule> {
    const SQL: &str = concat!(
        "UPDATE notice_rules SET status = $4, version = version + 1, updated_by = $5, \
             updated_at = $6 \
         WHERE kommunenummer = $1 AND id = $2 AND version = $3 RETURNING ",
        rule_columns!()
    );
    let row = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(id.0)
        .bind(expected_version)
        .bind(status.as_str())
        .bind(by)
        .bind(pg_time(now)?)
        .fetch_optional(pool)
        .await?;
    match row {
        Some(row) => rule(&row),
        None => Err(missing_or_conflict(pool, k, id).await),
    }
}

/// Why a versioned update changed nothing: the rule is not `k`'s, or its version moved on.
async fn missing_or_conflict(pool: &PgPool, k: &Kommunenummer, id: RuleId) -> StoreError {
    let found = sqlx::query("SELECT 1 FROM notice_rules WHERE kommunenummer = $1 AND id = $2")
        .bind(k.as_str())
        .bind(id.0)
        .fetch_optional(pool)
        .await;
    match found {
        Ok(Some(_)) => StoreError::Conflict(VERSION_CONFLICT.into()),
        Ok(None) => StoreError::NotFound,
        Err(e) => e.into(),
    }
}
