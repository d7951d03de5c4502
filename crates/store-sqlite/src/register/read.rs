//! Reading the register mirror on SQLite: residents' facts with their children, and the stored
//! feed events.
//!
//! Facts come by the thousand (the notice engine pages through the whole population), so a read
//! returns them as one JSON array built by SQLite, one element per resident with its children
//! (alive, with a birth date, oldest first) nested, rather than as thousands of rows handed over
//! one by one from the database thread. Map points travel as text with 17 significant digits so
//! they come back exactly. The reads run on a connection with a memory map of the database file,
//! so pages come from the operating system's cache without a system call each (SQLite's own
//! page cache is small by default).

use jiff::civil::Date;
use minside_core::Kommunenummer;
use minside_store::{
    BoundingBox, ChildFacts, RegisterAddress, RegisterEventKind, ResidentFacts, ResidentId,
    ResidentStatus, Result, StoreError, StoredRegisterEvent, stored,
};
use sqlx::pool::PoolConnection;
use sqlx::{AssertSqlSafe, Row, Sqlite, SqlitePool};
use uuid::Uuid;

/// Ids per `IN (...)` list when reading given residents.
const IDS_PER_QUERY: usize = 5_000;
/// The memory map of the database file for large reads.
const MMAP: &str = "PRAGMA mmap_size = 1073741824";

/// The residents of the subquery `r` (which selects [`R_COLUMNS`]) as one JSON array in id
/// order; see [`FactJson`] for an element.
const FACTS_JSON: &str = "SELECT json_group_array(json_array(hex(r.id), r.kommunenummer, r.name, \
        r.given_name, r.birth_date, r.street, r.postcode, r.city, \
        iif(r.lon IS NULL, NULL, printf('%!.17g', r.lon)), \
        iif(r.lat IS NULL, NULL, printf('%!.17g', r.lat)), r.moved_in, r.status, \
        (SELECT json_group_array(json_array(hex(c.id), c.name, c.given_name, c.birth_date) \
                ORDER BY c.birth_date, c.id) \
            FROM guardianships g JOIN residents c ON c.id = g.child_id \
            WHERE g.guardian_id = r.id AND c.status <> 'dead' AND c.birth_date IS NOT NULL)) \
    ORDER BY r.id) FROM ";
/// What the subquery of [`FACTS_JSON`] selects.
const R_COLUMNS: &str = "SELECT id, kommunenummer, name, given_name, birth_date, street, \
    postcode, city, lon, lat, moved_in, status FROM residents";

/// A child in [`FACTS_JSON`]: hex id, name, given name, birth date.
type ChildJson = (String, String, Option<String>, String);
/// A resident in [`FACTS_JSON`]: hex id, kommunenummer, name, given name, birth date, street,
/// postcode, city, longitude, latitude, moved in, status, children.
type FactJson = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Vec<ChildJson>,
);

pub(super) async fn events_after(
    pool: &SqlitePool,
    k: &Kommunenummer,
    after: i64,
    limit: u32,
) -> Result<Vec<StoredRegisterEvent>> {
    let rows = sqlx::query(
        "SELECT id, kind, occurred, resident_id, recorded_at FROM register_events \
         WHERE kommunenummer = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
    )
    .bind(k.as_str())
    .bind(after)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredRegisterEvent {
                id: row.try_get("id")?,
                kommunenummer: *k,
                kind: RegisterEventKind::parse(row.try_get("kind")?)?,
                occurred: date(row.try_get("occurred")?)?,
                resident_id: ResidentId(row.try_get("resident_id")?),
                recorded_at: stored::timestamp_from_micros(row.try_get("recorded_at")?)?,
            })
        })
        .collect()
}

pub(super) async fn facts_page(
    pool: &SqlitePool,
    k: &Kommunenummer,
    after: Option<ResidentId>,
    limit: u32,
) -> Result<Vec<ResidentFacts>> {
    let sql = format!(
        "{FACTS_JSON}({R_COLUMNS} WHERE kommunenummer = ?1 AND status = 'active' AND id > ?2 \
         ORDER BY id LIMIT ?3) AS r"
    );
    let mut conn = reader(pool).await?;
    let json: String = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(k.as_str())
        .bind(after.map_or(Uuid::nil(), |a| a.0))
        .bind(i64::from(limit))
        .fetch_one(&mut *conn)
        .await?;
    facts(&json, Some(k))
}

pub(super) async fn born_between(
    pool: &SqlitePool,
    k: &Kommunenummer,
    from: Date,
    to: Date,
) -> Result<Vec<ResidentFacts>> {
    let sql = format!(
        "{FACTS_JSON}({R_COLUMNS} WHERE kommunenummer = ?1 AND status = 'active' \
         AND birth_date BETWEEN ?2 AND ?3) AS r"
    );
    let mut conn = reader(pool).await?;
    let json: String = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(k.as_str())
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_one(&mut *conn)
        .await?;
    facts(&json, Some(k))
}

/// Active residents of `k` whose home point lies in `area` (edges included), in id order.
pub(crate) async fn in_box(
    pool: &SqlitePool,
    k: &Kommunenummer,
    area: &BoundingBox,
) -> Result<Vec<ResidentFacts>> {
    let sql = format!(
        "{FACTS_JSON}({R_COLUMNS} WHERE kommunenummer = ?1 AND lat BETWEEN ?2 AND ?3 \
         AND lon BETWEEN ?4 AND ?5 AND status = 'active') AS r"
    );
    let mut conn = reader(pool).await?;
    let json: String = sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(k.as_str())
        .bind(area.min_lat)
        .bind(area.max_lat)
        .bind(area.min_lon)
        .bind(area.max_lon)
        .fetch_one(&mut *conn)
        .await?;
    facts(&json, Some(k))
}

pub(super) async fn facts_of(pool: &SqlitePool, ids: &[ResidentId]) -> Result<Vec<ResidentFacts>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    let mut all = Vec::with_capacity(ids.len());
    let mut conn = reader(pool).await?;
    for chunk in ids.chunks(IDS_PER_QUERY) {
        let list = vec!["?"; chunk.len()].join(", ");
        let sql = format!("{FACTS_JSON}({R_COLUMNS} WHERE id IN ({list})) AS r");
        let mut query = sqlx::query_scalar(AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(id.0);
        }
        let json: String = query.fetch_one(&mut *conn).await?;
        all.append(&mut facts(&json, None)?);
    }
    Ok(all)
}

/// A pooled connection with the memory map on.
async fn reader(pool: &SqlitePool) -> Result<PoolConnection<Sqlite>> {
    let mut conn = pool.acquire().await?;
    sqlx::query(MMAP).execute(&mut *conn).await?;
    Ok(conn)
}

fn invalid(what: &str) -> StoreError {
    StoreError::Invalid(format!("stored {what} does not parse"))
}

/// A stored `YYYY-MM-DD` date (read by hand: a page holds thousands).
fn date(s: &str) -> Result<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(invalid("date"));
    }
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0i16, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i16::from(d - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day)) = (number(&b[..4]), number(&b[5..7]), number(&b[8..]))
    else {
        return Err(invalid("date"));
    };
    let (Ok(month), Ok(day)) = (i8::try_from(month), i8::try_from(day)) else {
        return Err(invalid("date"));
    };
    Date::new(year, month, day).map_err(|_| invalid("date"))
}

fn id(hex: &str) -> Result<ResidentId> {
    Uuid::try_parse(hex)
        .map(ResidentId)
        .map_err(|_| invalid("resident id"))
}

fn coordinate(text: &str) -> Result<f64> {
    text.parse().map_err(|_| invalid("coordinate"))
}

/// The given name the register gave, else the first word of the full name.
fn given_name(given: Option<String>, name: &str) -> String {
    given.unwrap_or_else(|| {
        name.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned()
    })
}

/// The residents of a [`FACTS_JSON`] answer. `k` is the tenant when the query fixed it.
fn facts(json: &str, k: Option<&Kommunenummer>) -> Result<Vec<ResidentFacts>> {
    let rows: Vec<FactJson> = serde_json::from_str(json).map_err(|_| invalid("resident facts"))?;
    rows.into_iter().map(|row| fact(row, k)).collect()
}

fn fact(row: FactJson, k: Option<&Kommunenummer>) -> Result<ResidentFacts> {
    let (hex, kommune, name, given, birth, street, postcode, city, lon, lat, moved, status, kids) =
        row;
    let kommunenummer = match k {
        Some(k) => *k,
        None => stored::kommunenummer(&kommune)?,
    };
    let address = match (street, postcode, city) {
        (Some(street), Some(postcode), Some(city)) => Some(RegisterAddress {
            street,
            postcode,
            city,
            point: match (lon, lat) {
                (Some(lon), Some(lat)) => Some((coordinate(&lon)?, coordinate(&lat)?)),
                _ => None,
            },
        }),
        _ => None,
    };
    let children = kids
        .into_iter()
        .map(|(hex, name, given, birth)| {
            Ok(ChildFacts {
                id: id(&hex)?,
                given_name: given_name(given, &name),
                birth_date: date(&birth)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(ResidentFacts {
        id: id(&hex)?,
        kommunenummer,
        given_name: given_name(given, &name),
        birth_date: birth.as_deref().map(date).transpose()?,
        address,
        moved_in: moved.as_deref().map(date).transpose()?,
        status: ResidentStatus::parse(&status)?,
        children,
        name,
    })
}
