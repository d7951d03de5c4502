//! The resident register mirror on PostgreSQL.
//!
//! Writers of a tenant's mirror serialise on a transaction-scoped advisory lock, so one
//! snapshot or page of changes is applied at a time per tenant (and a tenant's feed events get
//! their ids in commit order). A snapshot reads the tenant's resident ids by identity number,
//! inserts the people the mirror does not know and updates the known ones where something
//! changed ([`PEOPLE_PER_STATEMENT`] at a time, see [`people`]), marks the active residents
//! missing from it as moved out in one statement, and writes only the differences of the
//! guardianships ([`guardians`]). A resident created by a login while a full load runs makes
//! the load fail on the unique key; the next sync retries it.

mod guardians;
mod people;
pub(crate) mod read;

use std::collections::BTreeMap;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{
    RegisterChange, RegisterLoadStats, RegisterPerson, RegisterStore, ResidentFacts, ResidentId,
    Result, StoreError, StoredRegisterEvent,
};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use self::guardians::{Ids, pid_key};
use self::people::PeopleArrays;
use crate::{PostgresStore, rows::pg_time};

/// People per insert or update statement.
const PEOPLE_PER_STATEMENT: usize = 20_000;

const LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtextextended('minside.register:' || $1::text, 0))";

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
        let mut ids = guardians::resident_ids(&mut tx, k).await?;
        write_people(&mut tx, k, &people, &mut ids, now).await?;
        let pids: Vec<&str> = people.iter().map(|p| p.pid.expose()).collect();
        // The statistics inside this transaction still describe the table before the load, so
        // the planner would pick a nested-loop anti-join that is quadratic in the population
        // (a 60k load took minutes, 1M never finished). A hash anti-join is linear.
        sqlx::query("SET LOCAL enable_nestloop = off")
            .execute(&mut *tx)
            .await?;
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
        sqlx::query("SET LOCAL enable_nestloop = on")
            .execute(&mut *tx)
            .await?;
        guardians::replace_all(&mut tx, k, &people, &ids, now).await?;
        set_pointer(&mut tx, k, source, sequence, now).await?;
        tx.commit().await?;
        // A full load may have written most of both tables: fresh statistics keep the planner
        // on the indexes until autovacuum would get round to it.
        if let Err(error) = sqlx::query("ANALYZE residents, guardianships")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(%error, "statistics not refreshed after a full register load");
        }
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
            PeopleArrays::new(&[&change.person], vec![ResidentId::new_v7().0])?
                .upsert(&mut tx, k, now)
                .await?;
            let id: Uuid = sqlx::query_scalar(
                "SELECT id FROM residents WHERE kommunenummer = $1 AND pid = $2",
            )
            .bind(k.as_str())
            .bind(change.person.pid.expose())
            .fetch_one(&mut *tx)
            .await?;
            guardians::replace_one(&mut tx, k, id, &change.person.guardians, now).await?;
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

/// Inserts the people the mirror does not know and updates the known ones; `ids` gains the
/// new residents.
async fn write_people(
    tx: &mut Transaction<'_, Postgres>,
    k: &Kommunenummer,
    people: &[&RegisterPerson],
    ids: &mut Ids,
    now: Timestamp,
) -> Result<()> {
    let (mut known, mut new) = (Vec::new(), Vec::new());
    for person in people {
        match ids.get(&pid_key(person.pid.expose())?) {
            Some(id) => known.push((*person, *id)),
            None => new.push(*person),
        }
    }
    for chunk in new.chunks(PEOPLE_PER_STATEMENT) {
        let fresh: Vec<Uuid> = chunk.iter().map(|_| ResidentId::new_v7().0).collect();
        PeopleArrays::new(chunk, fresh.clone())?
            .insert(tx, k, now)
            .await?;
        for (person, id) in chunk.iter().zip(fresh) {
            ids.insert(pid_key(person.pid.expose())?, id);
        }
    }
    for chunk in known.chunks(PEOPLE_PER_STATEMENT) {
        let (people, stored): (Vec<&RegisterPerson>, Vec<Uuid>) = chunk.iter().copied().unzip();
        PeopleArrays::new(&people, stored)?
            .update(tx, k, now)
            .await?;
    }
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
