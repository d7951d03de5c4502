//! The resident register mirror on PostgreSQL.
//!
//! Writers of a tenant's mirror serialise on a transaction-scoped advisory lock, so one
//! snapshot or page of changes is applied at a time per tenant (and a tenant's feed events get
//! their ids in commit order). A snapshot goes in as `UNNEST` upserts of [`UPSERT_ROWS`] people
//! (in identity-number order, so concurrent writers lock rows in the same order; unchanged rows
//! are not rewritten), then one statement marks the active residents missing from it as moved
//! out, and the guardianships are compared with the stored ones so only the differences are
//! written.

mod read;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};
use minside_store::{
    RegisterChange, RegisterLoadStats, RegisterPerson, RegisterStore, ResidentFacts, ResidentId,
    Result, StoreError, StoredRegisterEvent,
};
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use crate::{PostgresStore, rows::pg_time};

/// People per upsert statement.
const UPSERT_ROWS: usize = 20_000;

const LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtextextended('minside.register:' || $1::text, 0))";

/// Inserts people from arrays; updates a known resident only when something the register says
/// has changed, and the status keeps its `status_changed_at` unless it changes.
const UPSERT: &str = "INSERT INTO residents (id, kommunenummer, pid, name, given_name, \
        birth_date, street, postcode, city, lon, lat, moved_in, status, status_changed_at, \
        created_at, updated_at) \
    SELECT p.id, $1, p.pid, p.name, p.given_name, p.birth_date, p.street, p.postcode, p.city, \
        p.lon, p.lat, p.moved_in, p.status, $2, $2, $2 \
    FROM UNNEST($3::uuid[], $4::text[], $5::text[], $6::text[], $7::date[], $8::text[], \
        $9::text[], $10::text[], $11::float8[], $12::float8[], $13::date[], $14::text[]) \
        AS p(id, pid, name, given_name, birth_date, street, postcode, city, lon, lat, \
            moved_in, status) \
    ON CONFLICT (kommunenummer, pid) DO UPDATE SET \
        name = excluded.name, given_name = excluded.given_name, \
        birth_date = excluded.birth_date, street = excluded.street, \
        postcode = excluded.postcode, city = excluded.city, lon = excluded.lon, \
        lat = excluded.lat, moved_in = excluded.moved_in, status = excluded.status, \
        status_changed_at = CASE WHEN residents.status = excluded.status \
            THEN residents.status_changed_at ELSE excluded.status_changed_at END, \
        updated_at = excluded.updated_at \
    WHERE (residents.name, residents.given_name, residents.birth_date, residents.street, \
        residents.postcode, residents.city, residents.lon, residents.lat, residents.moved_in, \
        residents.status) IS DISTINCT FROM (excluded.name, excluded.given_name, \
        excluded.birth_date, excluded.street, excluded.postcode, excluded.city, excluded.lon, \
        excluded.lat, excluded.moved_in, excluded.status)";

#[async_trait]
impl RegisterStore for PostgresStore {
    #[tracing::instrument(skip_all, fields(kommunenummer = %k))]
    async fn register_pointer(&self, k: &Kommunenummer, source: &str) -> Result<Option<u64>> {
        let sequence: Option<i64> = sqlx::query_scalar(
            "SELECT sequence FROM register_pointers WHERE kommunenummer = $1 AND source = $2",
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
        let people = distinct_people(people);
        let mut tx = self.pool.begin().await?;
        sqlx::query(LOCK).bind(k.as_str()).execute(&mut *tx).await?;
        let t = std::time::Instant::now();
        for chunk in people.chunks(UPSERT_ROWS) {
            upsert_people(&mut tx, k, chunk, now).await?;
        }
        eprintln!("TIMING upsert {:?}", t.elapsed());
        let pids: Vec<&str> = people.iter().map(|p| p.pid.expose()).collect();
        let moved_out = sqlx::query(
            "UPDATE residents r \
             SET status = 'moved_out', status_changed_at = $2, updated_at = $2 \
             WHERE r.kommunenummer = $1 AND r.status = 'active' \
                 AND NOT EXISTS (SELECT 1 FROM UNNEST($3::text[]) AS s(pid) WHERE s.pid = r.pid)",
        )
        .bind(k.as_str())
        .bind(pg_time(now)?)
        .bind(&pids)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        eprintln!("TIMING moved {:?}", t.elapsed());
        replace_all_guardians(&mut tx, k, &people, now).await?;
        eprintln!("TIMING guardians {:?}", t.elapsed());
        set_pointer(&mut tx, k, source, sequence, now).await?;
        tx.commit().await?;
        eprintln!("TIMING commit {:?}", t.elapsed());
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
        let mut tx = self.pool.begin().await?;
        sqlx::query(LOCK).bind(k.as_str()).execute(&mut *tx).await?;
        let stored: Option<i64> = sqlx::query_scalar(
            "SELECT sequence FROM register_pointers WHERE kommunenummer = $1 AND source = $2",
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
            upsert_people(&mut tx, k, &[&change.person], now).await?;
            let id: Uuid = sqlx::query_scalar(
                "SELECT id FROM residents WHERE kommunenummer = $1 AND pid = $2",
            )
            .bind(k.as_str())
            .bind(change.person.pid.expose())
            .fetch_one(&mut *tx)
            .await?;
            replace_guardians(&mut tx, k, id, &change.person.guardians, now).await?;
            sqlx::query(
                "INSERT INTO register_events (kommunenummer, kind, occurred, resident_id, \
                 recorded_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(k.as_str())
            .bind(change.kind.as_str())
            .bind(read::pg_date(change.occurred)?)
            .bind(id)
            .bind(pg_time(now)?)
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

/// The snapshot once per identity number (the last entry wins), in identity-number order.
fn distinct_people(people: &[RegisterPerson]) -> Vec<&RegisterPerson> {
    let mut distinct: BTreeMap<&str, &RegisterPerson> = BTreeMap::new();
    for person in people {
        distinct.insert(person.pid.expose(), person);
    }
    distinct.into_values().collect()
}

fn stored_sequence(sequence: i64) -> Result<u64> {
    u64::try_from(sequence).map_err(|_| StoreError::Invalid("stored sequence is negative".into()))
}

/// The key of an identity number in the lookups below (11 digits fit in a `u64`).
fn pid_key(pid: &str) -> Result<u64> {
    pid.parse()
        .map_err(|_| StoreError::Invalid("stored identity number does not parse".into()))
}

/// Inserts or updates these people in one statement.
async fn upsert_people(
    tx: &mut Transaction<'_, Postgres>,
    k: &Kommunenummer,
    people: &[&RegisterPerson],
    now: Timestamp,
) -> Result<()> {
    let n = people.len();
    let ids: Vec<Uuid> = people.iter().map(|_| ResidentId::new_v7().0).collect();
    let mut pids = Vec::with_capacity(n);
    let mut names = Vec::with_capacity(n);
    let mut given = Vec::with_capacity(n);
    let mut births = Vec::with_capacity(n);
    let (mut streets, mut postcodes, mut cities) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    let (mut lons, mut lats) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut moved = Vec::with_capacity(n);
    let mut statuses = Vec::with_capacity(n);
    for person in people {
        let address = person.address.as_ref();
        let point = address.and_then(|a| a.point);
        pids.push(person.pid.expose());
        names.push(full_name(person));
        given.push(person.given_name.as_str());
        births.push(read::pg_date(person.birth_date)?);
        streets.push(address.map(|a| a.street.as_str()));
        postcodes.push(address.map(|a| a.postcode.as_str()));
        cities.push(address.map(|a| a.city.as_str()));
        lons.push(point.map(|p| p.0));
        lats.push(point.map(|p| p.1));
        moved.push(person.moved_in.map(read::pg_date).transpose()?);
        statuses.push(person.status.as_str());
    }
    sqlx::query(UPSERT)
        .bind(k.as_str())
        .bind(pg_time(now)?)
        .bind(&ids)
        .bind(&pids)
        .bind(&names)
        .bind(&given)
        .bind(&births)
        .bind(&streets)
        .bind(&postcodes)
        .bind(&cities)
        .bind(&lons)
        .bind(&lats)
        .bind(&moved)
        .bind(&statuses)
        .execute(&mut **tx)
        .await?;
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

/// Replaces the guardianships of every person in the snapshot, writing only the differences:
/// pairs that stay keep their `since`.
async fn replace_all_guardians(
    tx: &mut Transaction<'_, Postgres>,
    k: &Kommunenummer,
    people: &[&RegisterPerson],
    now: Timestamp,
) -> Result<()> {
    let mut ids: HashMap<u64, Uuid> = HashMap::with_capacity(people.len());
    let rows = sqlx::query("SELECT pid, id FROM residents WHERE kommunenummer = $1")
        .bind(k.as_str())
        .fetch_all(&mut **tx)
        .await?;
    for row in rows {
        ids.insert(pid_key(row.try_get("pid")?)?, row.try_get("id")?);
    }
    let t = std::time::Instant::now();
    eprintln!("TIMING   ids read");
    let mut current: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
    let rows =
        sqlx::query("SELECT child_id, guardian_id FROM guardianships WHERE kommunenummer = $1")
            .bind(k.as_str())
            .fetch_all(&mut **tx)
            .await?;
    for row in rows {
        current
            .entry(row.try_get("child_id")?)
            .or_default()
            .insert(row.try_get("guardian_id")?);
    }

    let (mut gone, mut new) = (Vec::new(), Vec::new());
    for person in people {
        let child = *ids
            .get(&pid_key(person.pid.expose())?)
            .ok_or_else(|| StoreError::Backend("an upserted resident is missing".into()))?;
        let wanted = wanted_guardians(&ids, &person.guardians)?;
        let had = current.remove(&child).unwrap_or_default();
        gone.extend(had.difference(&wanted).map(|g| (*g, child)));
        new.extend(wanted.difference(&had).map(|g| (*g, child)));
    }
    eprintln!("TIMING   diffed {:?}", t.elapsed());
    delete_pairs(tx, &gone).await?;
    insert_pairs(tx, k, &new, now).await?;
    eprintln!("TIMING   inserted {:?}", t.elapsed());
    Ok(())
}

/// The residents (of the lookup) with these identity numbers; unknown ones are left out.
fn wanted_guardians(ids: &HashMap<u64, Uuid>, guardians: &[Pid]) -> Result<BTreeSet<Uuid>> {
    let mut wanted = BTreeSet::new();
    for pid in guardians {
        if let Some(id) = ids.get(&pid_key(pid.expose())?) {
            wanted.insert(*id);
        }
    }
    Ok(wanted)
}

/// Replaces one child's guardianships (guardians not in the mirror are left out).
async fn replace_guardians(
    tx: &mut Transaction<'_, Postgres>,
    k: &Kommunenummer,
    child: Uuid,
    guardians: &[Pid],
    now: Timestamp,
) -> Result<()> {
    let pids: Vec<&str> = guardians.iter().map(Pid::expose).collect();
    let wanted: BTreeSet<Uuid> = sqlx::query_scalar(
        "SELECT id FROM residents WHERE kommunenummer = $1 AND pid = ANY($2::text[])",
    )
    .bind(k.as_str())
    .bind(&pids)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let had: BTreeSet<Uuid> =
        sqlx::query_scalar("SELECT guardian_id FROM guardianships WHERE child_id = $1")
            .bind(child)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect();
    let gone: Vec<_> = had.difference(&wanted).map(|g| (*g, child)).collect();
    let new: Vec<_> = wanted.difference(&had).map(|g| (*g, child)).collect();
    delete_pairs(tx, &gone).await?;
    insert_pairs(tx, k, &new, now).await
}

/// Deletes these (guardian, child) pairs.
async fn delete_pairs(tx: &mut Transaction<'_, Postgres>, pairs: &[(Uuid, Uuid)]) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let (guardians, children): (Vec<Uuid>, Vec<Uuid>) = pairs.iter().copied().unzip();
    sqlx::query(
        "DELETE FROM guardianships g USING UNNEST($1::uuid[], $2::uuid[]) AS d(guardian, child) \
         WHERE g.guardian_id = d.guardian AND g.child_id = d.child",
    )
    .bind(&guardians)
    .bind(&children)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts these (guardian, child) pairs with `since = now`.
async fn insert_pairs(
    tx: &mut Transaction<'_, Postgres>,
    k: &Kommunenummer,
    pairs: &[(Uuid, Uuid)],
    now: Timestamp,
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let (guardians, children): (Vec<Uuid>, Vec<Uuid>) = pairs.iter().copied().unzip();
    sqlx::query(
        "INSERT INTO guardianships (kommunenummer, guardian_id, child_id, since) \
         SELECT $1, guardian, child, $2 FROM UNNEST($3::uuid[], $4::uuid[]) AS p(guardian, child)",
    )
    .bind(k.as_str())
    .bind(pg_time(now)?)
    .bind(&guardians)
    .bind(&children)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn set_pointer(
    tx: &mut Transaction<'_, Postgres>,
    k: &Kommunenummer,
    source: &str,
    sequence: u64,
    now: Timestamp,
) -> Result<()> {
    let sequence = i64::try_from(sequence)
        .map_err(|_| StoreError::Invalid("register_pointers_sequence_check".into()))?;
    sqlx::query(
        "INSERT INTO register_pointers (kommunenummer, source, sequence, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (kommunenummer, source) DO UPDATE SET \
             sequence = excluded.sequence, updated_at = excluded.updated_at",
    )
    .bind(k.as_str())
    .bind(source)
    .bind(sequence)
    .bind(pg_time(now)?)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
