//! Reading the register mirror on PostgreSQL: residents' facts with their children, the stored
//! feed events, and date conversion (`date` travels as `time::Date`).
//!
//! Children come from one query per read: for a page of residents (contiguous in id order)
//! the guardianships whose guardian id lies in the page's id range, for the other reads those
//! of the same residents. A child is listed while alive and with a known birth date.

use std::collections::HashMap;

use jiff::civil::Date;
use minside_core::Kommunenummer;
use minside_store::{
    BoundingBox, ChildFacts, RegisterAddress, RegisterEventKind, ResidentFacts, ResidentId,
    ResidentStatus, Result, StoreError, StoredRegisterEvent, stored,
};
use sqlx::{AssertSqlSafe, PgPool, Row, postgres::PgRow};
use time::OffsetDateTime;
use uuid::Uuid;

/// The facts' columns, read by position in [`resident_facts`] (rows come by the thousand).
const FACT_COLUMNS: &str = "id, kommunenummer, name, given_name, birth_date, street, postcode, \
    city, lon, lat, moved_in, status";

/// Children of guardians chosen by the caller's `WHERE` (on `g` and `c`), read by position in
/// [`attach_children`].
const CHILDREN: &str = "SELECT g.guardian_id, c.id, c.name, c.given_name, c.birth_date \
    FROM guardianships g JOIN residents c ON c.id = g.child_id \
    WHERE c.status <> 'dead' AND c.birth_date IS NOT NULL AND ";

/// A date as bound.
pub(crate) fn pg_date(d: Date) -> Result<time::Date> {
    let month = u8::try_from(d.month())
        .ok()
        .and_then(|m| time::Month::try_from(m).ok());
    let day = u8::try_from(d.day()).ok();
    match (month, day) {
        (Some(month), Some(day)) => time::Date::from_calendar_date(i32::from(d.year()), month, day)
            .map_err(|_| StoreError::Invalid("date out of the storable range".into())),
        _ => Err(StoreError::Invalid("date out of the storable range".into())),
    }
}

/// A stored date.
pub(crate) fn date(d: time::Date) -> Result<Date> {
    let invalid = || StoreError::Invalid("stored date does not parse".into());
    let year = i16::try_from(d.year()).map_err(|_| invalid())?;
    let month = i8::try_from(u8::from(d.month())).map_err(|_| invalid())?;
    let day = i8::try_from(d.day()).map_err(|_| invalid())?;
    Date::new(year, month, day).map_err(|_| invalid())
}

pub(super) async fn events_after(
    pool: &PgPool,
    k: &Kommunenummer,
    after: i64,
    limit: u32,
) -> Result<Vec<StoredRegisterEvent>> {
    let rows = sqlx::query(
        "SELECT id, kind, occurred, resident_id, recorded_at FROM register_events \
         WHERE kommunenummer = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(k.as_str())
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            let recorded: OffsetDateTime = row.try_get("recorded_at")?;
            Ok(StoredRegisterEvent {
                id: row.try_get("id")?,
                kommunenummer: *k,
                kind: RegisterEventKind::parse(row.try_get("kind")?)?,
                occurred: date(row.try_get("occurred")?)?,
                resident_id: ResidentId(row.try_get("resident_id")?),
                recorded_at: jiff::Timestamp::from_nanosecond(recorded.unix_timestamp_nanos())
                    .map_err(|_| StoreError::Invalid("stored timestamp does not parse".into()))?,
            })
        })
        .collect()
}

pub(super) async fn facts_page(
    pool: &PgPool,
    k: &Kommunenummer,
    after: Option<ResidentId>,
    limit: u32,
) -> Result<Vec<ResidentFacts>> {
    let sql = format!(
        "SELECT {FACT_COLUMNS} FROM residents \
         WHERE kommunenummer = $1 AND status = 'active' AND id > $2 ORDER BY id LIMIT $3"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(k.as_str())
        .bind(after.map_or(Uuid::nil(), |a| a.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    let mut facts = rows
        .iter()
        .map(|row| resident_facts(row, Some(k)))
        .collect::<Result<Vec<_>>>()?;
    let (Some(first), Some(last)) = (facts.first(), facts.last()) else {
        return Ok(facts);
    };
    // Guardians of other tenants in the range are left out by `attach_children`.
    let sql = format!("{CHILDREN} g.guardian_id BETWEEN $1 AND $2");
    let children = sqlx::query(AssertSqlSafe(sql))
        .bind(first.id.0)
        .bind(last.id.0)
        .fetch_all(pool)
        .await?;
    attach_children(&mut facts, &children)?;
    Ok(facts)
}

pub(super) async fn born_between(
    pool: &PgPool,
    k: &Kommunenummer,
    from: Date,
    to: Date,
) -> Result<Vec<ResidentFacts>> {
    const WHO: &str =
        "p.kommunenummer = $1 AND p.status = 'active' AND p.birth_date BETWEEN $2 AND $3";
    let sql = format!("SELECT {FACT_COLUMNS} FROM residents p WHERE {WHO} ORDER BY id");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(k.as_str())
        .bind(pg_date(from)?)
        .bind(pg_date(to)?)
        .fetch_all(pool)
        .await?;
    let mut facts = rows
        .iter()
        .map(|row| resident_facts(row, Some(k)))
        .collect::<Result<Vec<_>>>()?;
    if facts.is_empty() {
        return Ok(facts);
    }
    let sql = format!("{CHILDREN} g.guardian_id IN (SELECT p.id FROM residents p WHERE {WHO})");
    let children = sqlx::query(AssertSqlSafe(sql))
        .bind(k.as_str())
        .bind(pg_date(from)?)
        .bind(pg_date(to)?)
        .fetch_all(pool)
        .await?;
    attach_children(&mut facts, &children)?;
    Ok(facts)
}

/// Active residents of `k` whose home point lies in `area` (edges included), in id order.
pub(crate) async fn in_box(
    pool: &PgPool,
    k: &Kommunenummer,
    area: &BoundingBox,
) -> Result<Vec<ResidentFacts>> {
    const WHO: &str = "p.kommunenummer = $1 AND p.lat BETWEEN $2 AND $3 \
        AND p.lon BETWEEN $4 AND $5 AND p.status = 'active'";
    let sql = format!("SELECT {FACT_COLUMNS} FROM residents p WHERE {WHO} ORDER BY id");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(k.as_str())
        .bind(area.min_lat)
        .bind(area.max_lat)
        .bind(area.min_lon)
        .bind(area.max_lon)
        .fetch_all(pool)
        .await?;
    let mut facts = rows
        .iter()
        .map(|row| resident_facts(row, Some(k)))
        .collect::<Result<Vec<_>>>()?;
    if facts.is_empty() {
        return Ok(facts);
    }
    let ids: Vec<Uuid> = facts.iter().map(|f| f.id.0).collect();
    let sql = format!("{CHILDREN} g.guardian_id = ANY($1::uuid[])");
    let children = sqlx::query(AssertSqlSafe(sql))
        .bind(&ids)
        .fetch_all(pool)
        .await?;
    attach_children(&mut facts, &children)?;
    Ok(facts)
}

pub(super) async fn facts_of(pool: &PgPool, ids: &[ResidentId]) -> Result<Vec<ResidentFacts>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let sql =
        format!("SELECT {FACT_COLUMNS} FROM residents WHERE id = ANY($1::uuid[]) ORDER BY id");
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(&ids)
        .fetch_all(pool)
        .await?;
    let mut facts = rows
        .iter()
        .map(|row| resident_facts(row, None))
        .collect::<Result<Vec<_>>>()?;
    let sql = format!("{CHILDREN} g.guardian_id = ANY($1::uuid[])");
    let children = sqlx::query(AssertSqlSafe(sql))
        .bind(&ids)
        .fetch_all(pool)
        .await?;
    attach_children(&mut facts, &children)?;
    Ok(facts)
}

/// One resident's facts (columns in [`FACT_COLUMNS`] order), without children. `k` is the
/// tenant when the query fixed it.
fn resident_facts(row: &PgRow, k: Option<&Kommunenummer>) -> Result<ResidentFacts> {
    let kommunenummer = match k {
        Some(k) => *k,
        None => stored::kommunenummer(row.try_get(1)?)?,
    };
    let name: String = row.try_get(2)?;
    let address = match (
        row.try_get::<Option<String>, _>(5)?,
        row.try_get::<Option<String>, _>(6)?,
        row.try_get::<Option<String>, _>(7)?,
    ) {
        (Some(street), Some(postcode), Some(city)) => Some(RegisterAddress {
            street,
            postcode,
            city,
            point: match (row.try_get(8)?, row.try_get(9)?) {
                (Some(lon), Some(lat)) => Some((lon, lat)),
                _ => None,
            },
        }),
        _ => None,
    };
    Ok(ResidentFacts {
        id: ResidentId(row.try_get(0)?),
        kommunenummer,
        given_name: given_name(row, 3, &name)?,
        birth_date: row
            .try_get::<Option<time::Date>, _>(4)?
            .map(date)
            .transpose()?,
        address,
        moved_in: row
            .try_get::<Option<time::Date>, _>(10)?
            .map(date)
            .transpose()?,
        status: ResidentStatus::parse(row.try_get(11)?)?,
        children: Vec::new(),
        name,
    })
}

/// The given name the register gave (column `index`), else the first word of the full name.
fn given_name(row: &PgRow, index: usize, name: &str) -> Result<String> {
    Ok(match row.try_get::<Option<String>, _>(index)? {
        Some(given) => given,
        None => name
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned(),
    })
}

/// Adds the children rows (columns as in [`CHILDREN`]) to their guardians, oldest child first.
fn attach_children(facts: &mut [ResidentFacts], rows: &[PgRow]) -> Result<()> {
    let index: HashMap<Uuid, usize> = facts.iter().enumerate().map(|(i, f)| (f.id.0, i)).collect();
    for row in rows {
        let guardian: Uuid = row.try_get(0)?;
        let Some(&i) = index.get(&guardian) else {
            continue;
        };
        let name: String = row.try_get(2)?;
        facts[i].children.push(ChildFacts {
            id: ResidentId(row.try_get(1)?),
            given_name: given_name(row, 3, &name)?,
            birth_date: date(row.try_get(4)?)?,
        });
    }
    for f in facts.iter_mut() {
        f.children.sort_by_key(|c| (c.birth_date, c.id));
    }
    Ok(())
}
