//! Mapping between SQLite rows and the store models: time conversion and row decoders.
//!
//! Times are INTEGER unix microseconds; ids are `Uuid`s (16-byte BLOBs); JSON is TEXT.

use jiff::Timestamp;
use minside_store::{
    AccessLogEntry, Correction, CorrectionId, LoginAttempt, Resident, ResidentId, Result, Session,
    SessionId, StoreError, StoredSnapshot, Tenant, access_chain::ChainedEntry, stored,
};
use sqlx::{Row, sqlite::SqliteRow};
use uuid::Uuid;

// Column lists shared by both backends (their schemas name columns alike).
pub(crate) use minside_store::{
    access_columns, chained_access_columns, correction_columns, login_attempt_columns,
    resident_columns, session_columns, tenant_columns,
};

/// A timestamp as stored: unix microseconds (finer precision is dropped).
pub(crate) fn micros(ts: Timestamp) -> i64 {
    ts.as_microsecond()
}

pub(crate) fn time(row: &SqliteRow, column: &str) -> Result<Timestamp> {
    stored::timestamp_from_micros(row.try_get(column)?)
}

pub(crate) fn tenant(row: &SqliteRow) -> Result<Tenant> {
    Ok(Tenant {
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        name: row.try_get("name")?,
        created_at: time(row, "created_at")?,
    })
}

pub(crate) fn resident(row: &SqliteRow) -> Result<Resident> {
    Ok(Resident {
        id: ResidentId(row.try_get("id")?),
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        pid: stored::pid(row.try_get("pid")?)?,
        name: row.try_get("name")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}

pub(crate) fn session(row: &SqliteRow) -> Result<Session> {
    Ok(Session {
        id: SessionId(row.try_get("id")?),
        principal: stored::principal(row.try_get("principal")?)?,
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        resident_id: ResidentId(row.try_get("resident_id")?),
        acting_for: row
            .try_get::<Option<Uuid>, _>("acting_for")?
            .map(ResidentId),
        acr: row.try_get("acr")?,
        idp_issuer: row.try_get("idp_issuer")?,
        idp_sid: row.try_get("idp_sid")?,
        id_token: row.try_get("id_token")?,
        csrf_token: row.try_get("csrf_token")?,
        locale: stored::locale(row.try_get("locale")?)?,
        created_at: time(row, "created_at")?,
        last_seen_at: time(row, "last_seen_at")?,
        idle_expires_at: time(row, "idle_expires_at")?,
        absolute_expires_at: time(row, "absolute_expires_at")?,
    })
}

pub(crate) fn login_attempt(row: &SqliteRow) -> Result<LoginAttempt> {
    Ok(LoginAttempt {
        state_hash: stored::hash(row.try_get("state_hash")?)?,
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        nonce: row.try_get("nonce")?,
        pkce_verifier: row.try_get("pkce_verifier")?,
        redirect_to: row.try_get("redirect_to")?,
        acr_requested: row.try_get("acr_requested")?,
        locale: stored::locale(row.try_get("locale")?)?,
        created_at: time(row, "created_at")?,
        expires_at: time(row, "expires_at")?,
    })
}

pub(crate) fn access(row: &SqliteRow) -> Result<AccessLogEntry> {
    let categories: &str = row.try_get("categories")?;
    Ok(AccessLogEntry {
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        resident_id: ResidentId(row.try_get::<Uuid, _>("resident_id")?),
        at: time(row, "at")?,
        actor_kind: row.try_get("actor_kind")?,
        actor_ref: row.try_get("actor_ref")?,
        categories: serde_json::from_str(categories)
            .map_err(|_| StoreError::Invalid("stored access categories do not parse".into()))?,
        purpose: row.try_get("purpose")?,
    })
}

pub(crate) fn chained_access(row: &SqliteRow) -> Result<ChainedEntry> {
    Ok(ChainedEntry {
        seq: row.try_get("seq")?,
        prev_hash: stored::hash(row.try_get("prev_hash")?)?,
        hash: stored::hash(row.try_get("hash")?)?,
        entry: access(row)?,
    })
}

pub(crate) fn snapshot(row: &SqliteRow) -> Result<StoredSnapshot> {
    Ok(StoredSnapshot {
        sealed: row.try_get("sealed")?,
        fetched_at: time(row, "fetched_at")?,
    })
}

pub(crate) fn correction(row: &SqliteRow) -> Result<Correction> {
    Ok(Correction {
        id: CorrectionId(row.try_get("id")?),
        kommunenummer: stored::kommunenummer(row.try_get("kommunenummer")?)?,
        resident_id: ResidentId(row.try_get("resident_id")?),
        source: row.try_get("source")?,
        category: row.try_get("category")?,
        record_id: row.try_get("record_id")?,
        field_key: row.try_get("field_key")?,
        message: row.try_get("message")?,
        reported_by: row.try_get("reported_by")?,
        status: stored::correction_status(row.try_get("status")?)?,
        status_note: row.try_get("status_note")?,
        created_at: time(row, "created_at")?,
        updated_at: time(row, "updated_at")?,
    })
}
