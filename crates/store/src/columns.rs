//! Column lists of the tables every backend shares. Both schemas name their columns alike, so
//! one list serves both; they are macros so queries stay `&'static str` literals built with
//! `concat!` (`minside_store::resident_columns!()`).

#[macro_export]
macro_rules! tenant_columns {
    () => {
        "kommunenummer, name, created_at"
    };
}
#[macro_export]
macro_rules! resident_columns {
    () => {
        "id, kommunenummer, pid, name, created_at, updated_at"
    };
}
#[macro_export]
macro_rules! session_columns {
    () => {
        "id, principal, kommunenummer, resident_id, acting_for, acr, idp_issuer, idp_sid, \
         id_token, csrf_token, locale, created_at, last_seen_at, idle_expires_at, \
         absolute_expires_at"
    };
}
#[macro_export]
macro_rules! login_attempt_columns {
    () => {
        "state_hash, kommunenummer, nonce, pkce_verifier, redirect_to, acr_requested, locale, \
         created_at, expires_at"
    };
}
#[macro_export]
macro_rules! access_columns {
    () => {
        "kommunenummer, resident_id, at, actor_kind, actor_ref, categories, purpose"
    };
}
/// The access columns plus the chain columns.
#[macro_export]
macro_rules! chained_access_columns {
    () => {
        concat!($crate::access_columns!(), ", seq, prev_hash, hash")
    };
}
#[macro_export]
macro_rules! correction_columns {
    () => {
        "id, kommunenummer, resident_id, source, category, record_id, field_key, message, \
         reported_by, status, status_note, created_at, updated_at"
    };
}
