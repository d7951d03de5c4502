//! Guardianships from the register on PostgreSQL, replaced in bulk: the stored pairs are
//! compared with the register's, and only the differences are written, so pairs that stay keep
//! their `since`. Guardians not in the mirror are left out.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};
use minside_store::{RegisterPerson, Result, StoreError};
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use crate::rows::pg_time;

/// Resident ids by identity number (11 digits fit in a `u64`).
pub(super) type Ids = HashMap<u64, Uuid>;

/// The key of an identity number in [`Ids`].
pub(super) fn pid_key(pid: &str) -> Result<u64> {
    pid.parse()
        .map_err(|_| StoreError::Invalid("stored identity number does not parse".into()))
}

/// Every resident of `k`, by identity number.
pub(super) async fn resident_ids(
    tx: &mut Transaction<'_, Postgres>,
    k: &Kommunenummer,
) -> Result<Ids> {
    let rows = sqlx::query("SELECT pid, id FROM residents WHERE kommunenummer = $1")
        .bind(k.as_str())
        .fetch_all(&mut **tx)
        .await?;
    let mut ids = Ids::with_capacity(rows.len());
    for row in rows {
        ids.insert(pid_key(row.try_get(0)?)?, row.try_get(1)?);
    }
    Ok(ids)
}

/// Replaces the guardianships of every person in `people` (all in `ids`).
pub(super) async fn replace_all(
    tx: &mut Transaction<'_, Postgres>,
    k: &Kommunenummer,
    people: &[&RegisterPerson],
    ids: &Ids,
    now: Timestamp,
) -> Result<()> {
    let mut current: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
    let rows =
        sqlx::query("SELECT child_id, guardian_id FROM guardianships WHERE kommunenummer = $1")
            .bind(k.as_str())
            .fetch_all(&mut **tx)
            .await?;
    for row in rows {
        current
            .entry(row.try_get(0)?)
            .or_default()
            .insert(row.try_get(1)?);
    }
    let (mut gone, mut new) = (Vec::new(), Vec::new());
    for person in people {
        let child = *ids
            .get(&pid_key(person.pid.expose())?)
            .ok_or_else(|| StoreError::Backend("an upserted resident is missing".into()))?;
        let wanted = wanted(ids, &person.guardians)?;
        let had = current.remove(&child).unwrap_or_default();
        gone.extend(had.difference(&wanted).map(|g| (*g, child)));
        new.extend(wanted.difference(&had).map(|g| (*g, child)));
    }
    delete_pairs(tx, &gone).await?;
    insert_pairs(tx, k, &new, now).await
}

/// The residents (in `ids`) with these identity numbers.
fn wanted(ids: &Ids, guardians: &[Pid]) -> Result<BTreeSet<Uuid>> {
    let mut wanted = BTreeSet::new();
    for pid in guardians {
        if let Some(id) = ids.get(&pid_key(pid.expose())?) {
            wanted.insert(*id);
        }
    }
    Ok(wanted)
}

/// Replaces one child's guardianships.
pub(super) async fn replace_one(
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
