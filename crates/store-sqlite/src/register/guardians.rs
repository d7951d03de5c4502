//! Guardianships from the register on SQLite, replaced in bulk: the stored pairs are compared
//! with the register's, and only the differences are written, so pairs that stay keep their
//! `since`. Guardians not in the mirror are left out.

use std::collections::{BTreeSet, HashMap};

use jiff::Timestamp;
use minside_core::{Kommunenummer, Pid};
use minside_store::{RegisterPerson, Result, StoreError};
use sqlx::{AssertSqlSafe, Row, Sqlite, Transaction};
use uuid::Uuid;

use crate::rows::micros;

/// Guardianships per insert statement: 4 parameters each (anonymous, see `UPSERT_ROWS`).
const PAIR_ROWS: usize = 8_000;

/// The key of an identity number in the lookups below (11 digits fit in a `u64`).
pub(super) fn pid_key(pid: &str) -> Result<u64> {
    pid.parse()
        .map_err(|_| StoreError::Invalid("stored identity number does not parse".into()))
}

/// Replaces the guardianships of every person in the snapshot, writing only the differences:
/// pairs that stay keep their `since`.
pub(super) async fn replace_all(
    tx: &mut Transaction<'_, Sqlite>,
    k: &Kommunenummer,
    people: &[&RegisterPerson],
    now: Timestamp,
) -> Result<()> {
    let mut ids: HashMap<u64, Uuid> = HashMap::with_capacity(people.len());
    let rows = sqlx::query("SELECT pid, id FROM residents WHERE kommunenummer = ?1")
        .bind(k.as_str())
        .fetch_all(&mut **tx)
        .await?;
    for row in rows {
        ids.insert(pid_key(row.try_get("pid")?)?, row.try_get("id")?);
    }
    let mut current: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
    let rows =
        sqlx::query("SELECT child_id, guardian_id FROM guardianships WHERE kommunenummer = ?1")
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
    delete_pairs(tx, &gone).await?;
    insert_pairs(tx, k, &new, now).await
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
pub(super) async fn replace_one(
    tx: &mut Transaction<'_, Sqlite>,
    k: &Kommunenummer,
    child: Uuid,
    guardians: &[Pid],
    now: Timestamp,
) -> Result<()> {
    let mut ids = HashMap::new();
    for pid in guardians {
        let id: Option<Uuid> =
            sqlx::query_scalar("SELECT id FROM residents WHERE kommunenummer = ?1 AND pid = ?2")
                .bind(k.as_str())
                .bind(pid.expose())
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(id) = id {
            ids.insert(pid_key(pid.expose())?, id);
        }
    }
    let wanted = wanted_guardians(&ids, guardians)?;
    let had: BTreeSet<Uuid> =
        sqlx::query_scalar("SELECT guardian_id FROM guardianships WHERE child_id = ?1")
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
async fn delete_pairs(tx: &mut Transaction<'_, Sqlite>, pairs: &[(Uuid, Uuid)]) -> Result<()> {
    for (guardian, child) in pairs {
        sqlx::query("DELETE FROM guardianships WHERE guardian_id = ?1 AND child_id = ?2")
            .bind(guardian)
            .bind(child)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Inserts these (guardian, child) pairs with `since = now`, [`PAIR_ROWS`] per statement.
async fn insert_pairs(
    tx: &mut Transaction<'_, Sqlite>,
    k: &Kommunenummer,
    pairs: &[(Uuid, Uuid)],
    now: Timestamp,
) -> Result<()> {
    for chunk in pairs.chunks(PAIR_ROWS) {
        let sql = format!(
            "INSERT INTO guardianships (kommunenummer, guardian_id, child_id, since) VALUES {}",
            vec!["(?, ?, ?, ?)"; chunk.len()].join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (guardian, child) in chunk {
            query = query
                .bind(k.as_str())
                .bind(*guardian)
                .bind(*child)
                .bind(micros(now));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
