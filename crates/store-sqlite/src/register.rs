//! The resident register mirror on SQLite.
//!
//! Writers run in a `BEGIN IMMEDIATE` transaction, so the mirror has one writer at a time. A
//! snapshot goes in as multi-row upserts ([`UPSERT_ROWS`] people per statement, in
//! identity-number order so the unique index fills in order; unchanged rows are not rewritten),
//! then one statement marks the active residents missing from it as moved out, and the
//! guardianships are compared with the stored ones so only the differences are written
//! ([`guardians`]).

mod guardians;
pub(crate) mod read;

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{
    RegisterChange, RegisterLoadStats, RegisterPerson, RegisterStore, ResidentFacts, ResidentId,
    Result, StoreError, StoredRegisterEvent,
};
use sqlx::{AssertSqlSafe, Sqlite, Transaction};
use uuid::Uuid;

use crate::{SqliteStore, rows::micros};

/// People per upsert statement: 16 parameters each, below SQLite's limit of 32,766. The
/// parameters are anonymous (`?`): SQLite looks numbered ones (`?NNN`) up by a linear search,
/// which makes binding tens of thousands of them quadratic.
const UPSERT_ROWS: usize = 2_000;
/// One person's values in an upsert.
const PERSON_ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Updates a known resident only when something the register says has changed; the status
/// keeps its `status_changed_at` unless it changes.
const ON_CONFLICT: &str = " ON CONFLICT (kommunenummer, pid) DO UPDATE SET \
    name = excluded.name, given_name = excluded.given_name, birth_date = excluded.birth_date, \
    street = excluded.street, postcode = excluded.postcode, city = excluded.city, \
    lon = excluded.lon, lat = excluded.lat, moved_in = excluded.moved_in, \
    status = excluded.status, \
    status_changed_at = CASE WHEN residents.status = excluded.status \
        THEN residents.status_changed_at ELSE excluded.status_changed_at END, \
    updated_at = excluded.updated_at \
    WHERE (residents.name, residents.given_name, residents.birth_date, residents.street, \
        residents.postcode, residents.city, residents.lon, residents.lat, residents.moved_in, \
        residents.status) IS NOT (excluded.name, excluded.given_name, excluded.birth_date, \
        excluded.street, excluded.postcode, excluded.city, excluded.lon, excluded.lat, \
        excluded.moved_in, excluded.status)";

#[async_trait]
impl RegisterStore for SqliteStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn register_pointer(&self, k: &Kommunenummer, source: &str) -> Result<Option<u64>> {
        let sequence: Option<i64> = sqlx::query_scalar(
            "SELECT sequence FROM register_pointers WHERE kommunenummer = ?1 AND source = ?2",
        )
        .bind(k.as_str())
        .bind(source)
        .fetch_optional(&self.pool)
        .await?;
        sequence.map(stored_sequence).transpose()
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, people = people.len()))]
    async fn apply_register_snapshot(
        &self,
        k: &Kommunenummer,
        source: &str,
        people: &[RegisterPerson],
        sequence: u64,
        now: Timestamp,
    ) -> Result<RegisterLoadStats> {
        let people = distinct_people(people)?;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        for chunk in people.chunks(UPSERT_ROWS) {
            upsert_people(&mut tx, k, chunk, now).await?;
        }
        let pids: Vec<&str> = people.iter().map(|p| p.pid.expose()).collect();
        let pids = serde_json::to_string(&pids)
            .map_err(|e| StoreError::Backend(format!("cannot encode the snapshot: {e}")))?;
        let moved_out = sqlx::query(
            "UPDATE residents SET status = 'moved_out', status_changed_at = ?2, updated_at = ?2 \
             WHERE kommunenummer = ?1 AND status = 'active' \
                 AND pid NOT IN (SELECT value FROM json_each(?3))",
        )
        .bind(k.as_str())
        .bind(micros(now))
        .bind(pids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        guardians::replace_all(&mut tx, k, &people, now).await?;
        set_pointer(&mut tx, k, source, sequence, now).await?;
        tx.commit().await?;
        Ok(RegisterLoadStats {
            upserted: people.len() as u64,
            moved_out,
        })
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, changes = changes.len()))]
    async fn apply_register_changes(
        &self,
        k: &Kommunenummer,
        source: &str,
        changes: &[RegisterChange],
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored: Option<i64> = sqlx::query_scalar(
            "SELECT sequence FROM register_pointers WHERE kommunenummer = ?1 AND source = ?2",
        )
        .bind(k.as_str())
        .bind(source)
        .fetch_optional(&mut *tx)
        .await?;
        let stored = stored.map(stored_sequence).transpose()?;
        let mut applied = stored;
        for change in changes {
            if applied.is_some_and(|a| change.sequence <= a) {
                continue;
            }
            check_point(&change.person)?;
            upsert_people(&mut tx, k, &[&change.person], now).await?;
            let id: Uuid = sqlx::query_scalar(
                "SELECT id FROM residents WHERE kommunenummer = ?1 AND pid = ?2",
            )
            .bind(k.as_str())
            .bind(change.person.pid.expose())
            .fetch_one(&mut *tx)
            .await?;
            guardians::replace_one(&mut tx, k, id, &change.person.guardians, now).await?;
            sqlx::query(
                "INSERT INTO register_events (kommunenummer, kind, occurred, resident_id, \
                 recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .bind(k.as_str())
            .bind(change.kind.as_str())
            .bind(change.occurred.to_string())
            .bind(id)
            .bind(micros(now))
            .execute(&mut *tx)
            .await?;
            applied = Some(change.sequence);
        }
        if let Some(sequence) = applied.filter(|_| applied != stored) {
            set_pointer(&mut tx, k, source, sequence, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn register_events_after(
        &self,
        k: &Kommunenummer,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredRegisterEvent>> {
        read::events_after(&self.pool, k, after, limit).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k, limit))]
    async fn resident_facts_page(
        &self,
        k: &Kommunenummer,
        after: Option<ResidentId>,
        limit: u32,
    ) -> Result<Vec<ResidentFacts>> {
        read::facts_page(&self.pool, k, after, limit).await
    }

    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn residents_born_between(
        &self,
        k: &Kommunenummer,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> Result<Vec<ResidentFacts>> {
        read::born_between(&self.pool, k, from, to).await
    }

    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    async fn resident_facts(&self, ids: &[ResidentId]) -> Result<Vec<ResidentFacts>> {
        read::facts_of(&self.pool, ids).await
    }
}

/// The snapshot once per identity number (the last entry wins), in identity-number order, with
/// map points checked (SQLite would store a NaN as NULL).
fn distinct_people(people: &[RegisterPerson]) -> Result<Vec<&RegisterPerson>> {
    let mut distinct: BTreeMap<&str, &RegisterPerson> = BTreeMap::new();
    for person in people {
        check_point(person)?;
        distinct.insert(person.pid.expose(), person);
    }
    Ok(distinct.into_values().collect())
}

fn check_point(person: &RegisterPerson) -> Result<()> {
    let point = person.address.as_ref().and_then(|a| a.point);
    if point.is_some_and(|(lon, lat)| !lon.is_finite() || !lat.is_finite()) {
        return Err(StoreError::Invalid("residents_point_check".into()));
    }
    Ok(())
}

fn stored_sequence(sequence: i64) -> Result<u64> {
    u64::try_from(sequence).map_err(|_| StoreError::Invalid("stored sequence is negative".into()))
}

/// Inserts or updates these people (at most [`UPSERT_ROWS`]) in one statement.
async fn upsert_people(
    tx: &mut Transaction<'_, Sqlite>,
    k: &Kommunenummer,
    people: &[&RegisterPerson],
    now: Timestamp,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO residents (kommunenummer, status_changed_at, created_at, updated_at, id, \
         pid, name, given_name, birth_date, street, postcode, city, lon, lat, moved_in, status) \
         VALUES {}{ON_CONFLICT}",
        vec![PERSON_ROW; people.len()].join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for person in people {
        let address = person.address.as_ref();
        let point = address.and_then(|a| a.point);
        query = query
            .bind(k.as_str())
            .bind(micros(now))
            .bind(micros(now))
            .bind(micros(now))
            .bind(ResidentId::new_v7().0)
            .bind(person.pid.expose())
            .bind(full_name(person))
            .bind(person.given_name.as_str())
            .bind(person.birth_date.to_string())
            .bind(address.map(|a| a.street.as_str()))
            .bind(address.map(|a| a.postcode.as_str()))
            .bind(address.map(|a| a.city.as_str()))
            .bind(point.map(|p| p.0))
            .bind(point.map(|p| p.1))
            .bind(person.moved_in.map(|d| d.to_string()))
            .bind(person.status.as_str());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// The full name as the mirror stores it: given and family name.
fn full_name(person: &RegisterPerson) -> String {
    match (person.given_name.is_empty(), person.family_name.is_empty()) {
        (false, false) => format!("{} {}", person.given_name, person.family_name),
        (false, true) => person.given_name.clone(),
        _ => person.family_name.clone(),
    }
}

async fn set_pointer(
    tx: &mut Transaction<'_, Sqlite>,
    k: &Kommunenummer,
    source: &str,
    sequence: u64,
    now: Timestamp,
) -> Result<()> {
    let sequence = i64::try_from(sequence)
        .map_err(|_| StoreError::Invalid("register_pointers_sequence_check".into()))?;
    sqlx::query(
        "INSERT INTO register_pointers (kommunenummer, source, sequence, updated_at) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kommunenummer, source) DO UPDATE SET \
             sequence = excluded.sequence, updated_at = excluded.updated_at",
    )
    .bind(k.as_str())
    .bind(source)
    .bind(sequence)
    .bind(micros(now))
    .execute(&mut **tx)
    .await?;
    Ok(())
}
