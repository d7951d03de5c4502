//! Residents' notice preferences, the caseworkers' views (rule statistics, paper letters) and
//! the engine's bookkeeping (job leases, markers) on SQLite.

use std::collections::HashSet;

use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{
    Channel, NoticeId, NoticePreferences, OutboxStatus, PaperLetter, ResidentId, Result, RuleId,
    RuleStats, SkipReason, StoreError,
};
use sqlx::{Row, SqlitePool};
use uuid::Uuid;

use super::{hex_ids, json_value, not_json, time};
use crate::rows::micros;

/// Resident ids per `opted_out_among` statement.
const ID_CHUNK: usize = 10_000;

pub(super) async fn get_preferences(
    pool: &SqlitePool,
    resident: ResidentId,
) -> Result<NoticePreferences> {
    let row =
        sqlx::query("SELECT email, sms, opted_out FROM notice_preferences WHERE resident_id = ?1")
            .bind(resident.0)
            .fetch_optional(pool)
            .await?;
    let Some(row) = row else {
        return Ok(NoticePreferences::all());
    };
    let opted_out = json_value(row.try_get("opted_out")?, "opted_out")?;
    Ok(NoticePreferences {
        email: row.try_get("email")?,
        sms: row.try_get("sms")?,
        opted_out: serde_json::from_value(opted_out)
            .map_err(|_| StoreError::Invalid("stored opted_out does not parse".into()))?,
    })
}

pub(super) async fn set_preferences(
    pool: &SqlitePool,
    k: &Kommunenummer,
    resident: ResidentId,
    prefs: &NoticePreferences,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notice_preferences (resident_id, kommunenummer, email, sms, opted_out, \
             updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (resident_id) DO UPDATE SET kommunenummer = excluded.kommunenummer, \
             email = excluded.email, sms = excluded.sms, opted_out = excluded.opted_out, \
             updated_at = excluded.updated_at",
    )
    .bind(resident.0)
    .bind(k.as_str())
    .bind(prefs.email)
    .bind(prefs.sms)
    .bind(serde_json::to_string(&prefs.opted_out).map_err(not_json)?)
    .bind(micros(now))
    .execute(pool)
    .await?;
    Ok(())
}

/// In the order of `ids`.
pub(super) async fn opted_out_among(
    pool: &SqlitePool,
    category: &str,
    ids: &[ResidentId],
) -> Result<Vec<ResidentId>> {
    const SQL: &str = "SELECT resident_id FROM notice_preferences \
         WHERE resident_id IN (SELECT unhex(value) FROM json_each(?1)) \
             AND EXISTS (SELECT 1 FROM json_each(opted_out) WHERE value = ?2)";
    let mut opted_out = HashSet::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let rows = sqlx::query(SQL)
            .bind(hex_ids(chunk.iter().map(|id| id.0)))
            .bind(category)
            .fetch_all(pool)
            .await?;
        for row in rows {
            opted_out.insert(row.try_get::<Uuid, _>("resident_id")?);
        }
    }
    Ok(ids
        .iter()
        .copied()
        .filter(|id| opted_out.contains(&id.0))
        .collect())
}

/// [`NotFound`](StoreError::NotFound) unless `rule` is a rule of `k`.
pub(super) async fn rule_stats(
    pool: &SqlitePool,
    k: &Kommunenummer,
    rule: RuleId,
) -> Result<RuleStats> {
    sqlx::query("SELECT 1 FROM notice_rules WHERE kommunenummer = ?1 AND id = ?2")
        .bind(k.as_str())
        .bind(rule.0)
        .fetch_one(pool)
        .await?;
    let totals = sqlx::query(
        "SELECT count(*) AS created, count(read_at) AS read FROM notices WHERE rule_id = ?1",
    )
    .bind(rule.0)
    .fetch_one(pool)
    .await?;
    let mut stats = RuleStats {
        created: totals.try_get::<i64, _>("created")?.unsigned_abs(),
        read: totals.try_get::<i64, _>("read")?.unsigned_abs(),
        ..RuleStats::default()
    };
    let rows = sqlx::query(
        "SELECT o.channel, o.status, count(*) AS items \
         FROM notice_outbox AS o JOIN notices AS n ON n.id = o.notice_id \
         WHERE n.rule_id = ?1 GROUP BY o.channel, o.status",
    )
    .bind(rule.0)
    .fetch_all(pool)
    .await?;
    for row in rows {
        let channel = Channel::parse(row.try_get("channel")?)?;
        let status = OutboxStatus::parse(row.try_get("status")?)?;
        stats.add(
            channel,
            status,
            row.try_get::<i64, _>("items")?.unsigned_abs(),
        );
    }
    Ok(stats)
}

/// Starts from the items skipped for a paper reason (a partial index), keeps the notices of
/// `k` (and `rule`) none of whose digital items was delivered, failed, pending or skipped by
/// preference.
pub(super) async fn paper_letters(
    pool: &SqlitePool,
    k: &Kommunenummer,
    rule: Option<RuleId>,
    limit: u32,
) -> Result<Vec<PaperLetter>> {
    const SQL: &str = "SELECT n.id, n.rule_id, n.recipient_id, r.name, r.street, r.postcode, \
             r.city, n.created_at, \
             (SELECT json_group_array(DISTINCT o.skip_reason) FROM notice_outbox AS o \
                 WHERE o.notice_id = n.id AND o.channel <> 'inbox') AS reasons \
         FROM notices AS n JOIN residents AS r ON r.id = n.recipient_id \
         WHERE n.id IN (SELECT notice_id FROM notice_outbox \
                 WHERE status = 'skipped' AND skip_reason <> 'preference') \
             AND n.kommunenummer = ?1 AND (?2 IS NULL OR n.rule_id = ?2) \
             AND NOT EXISTS (SELECT 1 FROM notice_outbox AS o \
                 WHERE o.notice_id = n.id AND o.channel <> 'inbox' \
                     AND (o.status <> 'skipped' OR o.skip_reason = 'preference')) \
         ORDER BY n.created_at DESC, n.id DESC LIMIT ?3";
    let rows = sqlx::query(SQL)
        .bind(k.as_str())
        .bind(rule.map(|r| r.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            let reasons = json_value(row.try_get("reasons")?, "skip reasons")?;
            let reasons: Vec<String> = serde_json::from_value(reasons)
                .map_err(|_| StoreError::Invalid("stored skip reasons do not parse".into()))?;
            Ok(PaperLetter {
                notice_id: NoticeId(row.try_get("id")?),
                rule_id: RuleId(row.try_get("rule_id")?),
                recipient_id: ResidentId(row.try_get("recipient_id")?),
                name: row.try_get("name")?,
                street: row.try_get("street")?,
                postcode: row.try_get("postcode")?,
                city: row.try_get("city")?,
                reasons: skip_reasons(&reasons)?,
                created_at: time(row, "created_at")?,
            })
        })
        .collect()
}

/// Distinct reasons in their declaration order.
pub(super) fn skip_reasons(stored: &[String]) -> Result<Vec<SkipReason>> {
    let mut reasons = stored
        .iter()
        .map(|r| SkipReason::parse(r))
        .collect::<Result<Vec<_>>>()?;
    reasons.sort();
    reasons.dedup();
    Ok(reasons)
}

/// Held while `now < lease_until`; the holder may renew.
pub(super) async fn try_job_lease(
    pool: &SqlitePool,
    name: &str,
    owner: &str,
    until: Timestamp,
    now: Timestamp,
) -> Result<bool> {
    let row = sqlx::query(
        "INSERT INTO job_leases (name, owner, lease_until) VALUES (?1, ?2, ?3) \
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, \
             lease_until = excluded.lease_until \
         WHERE job_leases.lease_until <= ?4 OR job_leases.owner = excluded.owner \
         RETURNING owner",
    )
    .bind(name)
    .bind(owner)
    .bind(micros(until))
    .bind(micros(now))
    .fetch_optional(pool)
    .await?;
    Ok(row.is_some())
}

pub(super) async fn get_marker(pool: &SqlitePool, name: &str) -> Result<Option<String>> {
    let value = sqlx::query_scalar("SELECT value FROM markers WHERE name = ?1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(value)
}

pub(super) async fn set_marker(
    pool: &SqlitePool,
    name: &str,
    value: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO markers (name, value, updated_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, \
             updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(value)
    .bind(micros(now))
    .execute(pool)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_reasons_are_distinct_and_ordered() {
        let stored = [
            "krr_outdated".to_owned(),
            "krr_reserved".into(),
            "krr_outdated".into(),
        ];
        assert_eq!(
            skip_reasons(&stored).expect("known reasons"),
            [SkipReason::KrrReserved, SkipReason::KrrOutdated]
        );
        assert!(skip_reasons(&["paper".to_owned()]).is_err());
    }
}
