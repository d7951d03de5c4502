//! The conformance suite: stories every [`Store`] backend must pass, run by each backend's
//! tests against a fresh database (see [`conformance_tests!`](crate::conformance_tests)).
//!
//! Each story is a `pub async fn` taking `&dyn Store` that panics with a message naming what
//! broke. Stories create their own data (random identity numbers and token hashes) and tolerate
//! each other's rows, so [`run_all`] can run them one after another on one migrated, empty
//! database. Tenants are shared fixtures: 3203 Asker and 0301 Oslo for most stories, 4601 Bergen
//! and 5001 Trondheim only in the tenant story, 1108 Sandnes only in the precision story, 1506
//! Molde only in the bulk-upsert story, 1804 Bodø only in the audit-paging story, the Buskerud
//! municipalities (33xx) only in the register stories, 1505 Kristiansund and 1577 Volda only in
//! the plan stories, 4204 Kristiansand and 3907 Sandefjord only in the service stories, and
//! 1103 Stavanger is never created. Statistics belong to no tenant.
//! Access entries and snapshots dated before the stories' clock start (2025-03-01T09:00Z)
//! belong to the retention stories alone.

mod access_chain;
mod audit;
mod audit_pages;
mod caseworkers;
mod corrections;
mod guardians;
mod login_attempts;
mod notices;
mod plans;
mod register;
mod residents;
mod services;
mod sessions;
mod snapshots;
mod statistics;
mod tenants;

use jiff::{SignedDuration, Timestamp, civil::date};
use minside_core::{Kommunenummer, Locale, Pid};
use uuid::Uuid;

pub use self::access_chain::{
    access_chain_batch_keeps_separate_chains, access_chain_concurrent_appends_stay_intact,
    access_chain_retention_keeps_the_rest_verifiable,
};
pub use self::audit::{
    access_log_newest_first_with_limit, access_log_requires_resident_of_tenant, audit_append,
};
pub use self::audit_pages::audit_list_newest_first_in_pages;
pub use self::caseworkers::{
    caseworker_login_attempts, caseworker_session_constraints, caseworker_session_create_and_find,
    caseworker_session_expiry_and_touch, caseworker_sessions_delete,
    resident_sessions_are_not_caseworker_sessions,
};
pub use self::corrections::{
    correction_create_list_and_status, correction_message_length_is_checked,
    correction_tenant_isolation,
};
pub use self::guardians::{
    guardians_cross_tenant_refused, guardians_set_replace_and_list,
    guardians_strangers_are_not_guardians,
};
pub use self::login_attempts::{
    login_attempt_expiry, login_attempt_state_hash_is_unique, login_attempt_take_is_single_use,
    login_attempts_delete_expired,
};
pub use self::notices::*;
pub use self::plans::*;
pub use self::register::{
    register_born_between_is_inclusive, register_changes_move_die_born_and_guardians,
    register_facts_list_children_oldest_first, register_failed_writes_leave_nothing,
    register_full_load_then_changes, register_pointer_skips_applied_events,
    register_snapshot_moves_out_the_missing, register_tenant_isolation,
};
pub use self::residents::{
    resident_find_by_pid, resident_get_by_id, resident_requires_known_tenant,
    resident_upsert_is_idempotent, residents_bulk_upsert, same_pid_in_two_tenants_is_two_residents,
    tenant_isolation,
};
pub use self::services::*;
pub use self::sessions::{
    session_absolute_expiry, session_acting_for, session_create_and_find, session_delete,
    session_idle_expiry, session_resident_must_belong_to_tenant, session_token_hash_is_unique,
    session_touch_extends_idle_expiry, sessions_delete_by_sid, sessions_delete_expired,
};
pub use self::snapshots::{
    snapshot_delete, snapshot_round_trip, snapshot_upsert_newer_wins, snapshots_are_per_resident,
};
pub use self::statistics::*;
pub use self::tenants::{
    ping_and_backend_name, tenant_unknown_is_not_found, tenant_upsert_get_and_list,
    timestamps_are_stored_to_the_microsecond,
};
use crate::{Resident, Store};

/// Generates one `#[tokio::test]` per conformance story, named after the story.
///
/// `$fresh_store` is an async fn (path) returning a fresh store on an empty, migrated database,
/// behind anything that dereferences to it (`Arc<dyn Store>`, `Box<S>`, or a fixture that also
/// owns a temporary directory); it is called once per test. The calling crate needs `tokio`
/// (with `macros` and `rt`) as a dev-dependency.
///
/// ```ignore
/// async fn fresh_store() -> Arc<dyn Store> { /* ... */ }
/// minside_store::conformance_tests!(fresh_store);
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($fresh_store:path) => {
        $crate::conformance_tests!(@stories $fresh_store;
            ping_and_backend_name,
            tenant_upsert_get_and_list,
            tenant_unknown_is_not_found,
            timestamps_are_stored_to_the_microsecond,
            resident_upsert_is_idempotent,
            same_pid_in_two_tenants_is_two_residents,
            resident_get_by_id,
            resident_find_by_pid,
            resident_requires_known_tenant,
            residents_bulk_upsert,
            tenant_isolation,
            session_create_and_find,
            session_touch_extends_idle_expiry,
            session_idle_expiry,
            session_absolute_expiry,
            session_delete,
            sessions_delete_by_sid,
            sessions_delete_expired,
            session_token_hash_is_unique,
            session_resident_must_belong_to_tenant,
            session_acting_for,
            login_attempt_take_is_single_use,
            login_attempt_expiry,
            login_attempt_state_hash_is_unique,
            login_attempts_delete_expired,
            audit_append,
            access_log_newest_first_with_limit,
            access_log_requires_resident_of_tenant,
            access_chain_concurrent_appends_stay_intact,
            access_chain_batch_keeps_separate_chains,
            access_chain_retention_keeps_the_rest_verifiable,
            snapshot_round_trip,
            snapshot_upsert_newer_wins,
            snapshot_delete,
            snapshots_are_per_resident,
            correction_create_list_and_status,
            correction_message_length_is_checked,
            correction_tenant_isolation,
            guardians_set_replace_and_list,
            guardians_strangers_are_not_guardians,
            guardians_cross_tenant_refused,
            register_full_load_then_changes,
            register_snapshot_moves_out_the_missing,
            register_pointer_skips_applied_events,
            register_changes_move_die_born_and_guardians,
            register_failed_writes_leave_nothing,
            register_facts_list_children_oldest_first,
            register_born_between_is_inclusive,
            register_tenant_isolation,
            caseworker_session_create_and_find,
            caseworker_session_expiry_and_touch,
            caseworker_sessions_delete,
            caseworker_session_constraints,
            caseworker_login_attempts,
            resident_sessions_are_not_caseworker_sessions,
            audit_list_newest_first_in_pages,
            notice_rule_create_update_and_status,
            notice_rule_tenant_isolation,
            notices_are_created_once_per_key,
            notices_create_is_all_or_nothing,
            inbox_shows_delivered_notices_of_the_recipient,
            notices_retention_deletes_old_notices,
            outbox_claim_takes_due_items_oldest_first,
            outbox_concurrent_claimers_never_share_an_item,
            outbox_expired_lease_passes_the_item_on,
            outbox_sending_items_are_never_sent_twice,
            outbox_retry_backoff_and_final_outcomes,
            notice_preferences_default_and_round_trip,
            notice_rule_stats_count_per_channel,
            paper_letters_list_notices_no_digital_channel_could_carry,
            job_lease_is_exclusive_until_expiry,
            markers_round_trip,
            plan_create_get_list_and_update,
            plan_tenant_isolation,
            plans_in_box_edges_are_inclusive,
            plan_phases_in_order_and_open_on_both_ends,
            plan_phase_changes_bump_the_plan_version,
            plan_comments_add_withdraw_hide_and_answer,
            plan_comment_counts_per_phase,
            plan_following_is_idempotent,
            plan_residents_in_box,
            service_create_get_and_update,
            service_list_filters_by_theme_and_status,
            service_tenant_isolation,
            service_catalogue_replace_is_idempotent,
            statistics_import_is_idempotent,
            statistics_reimport_replaces_every_cell,
            statistics_failed_import_leaves_the_previous_data,
            statistics_series_order_and_filters,
            statistics_missing_values_round_trip,
        );
    };
    (@stories $fresh_store:path; $($story:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $story() {
                let store = $fresh_store().await;
                $crate::conformance::$story(&*store).await;
            }
        )*
    };
}

/// Runs every story in turn on one store (an empty, migrated database).
pub async fn run_all(store: &dyn Store) {
    ping_and_backend_name(store).await;
    tenant_upsert_get_and_list(store).await;
    tenant_unknown_is_not_found(store).await;
    timestamps_are_stored_to_the_microsecond(store).await;
    resident_upsert_is_idempotent(store).await;
    same_pid_in_two_tenants_is_two_residents(store).await;
    resident_get_by_id(store).await;
    resident_find_by_pid(store).await;
    resident_requires_known_tenant(store).await;
    residents_bulk_upsert(store).await;
    tenant_isolation(store).await;
    session_create_and_find(store).await;
    session_touch_extends_idle_expiry(store).await;
    session_idle_expiry(store).await;
    session_absolute_expiry(store).await;
    session_delete(store).await;
    sessions_delete_by_sid(store).await;
    sessions_delete_expired(store).await;
    session_token_hash_is_unique(store).await;
    session_resident_must_belong_to_tenant(store).await;
    session_acting_for(store).await;
    login_attempt_take_is_single_use(store).await;
    login_attempt_expiry(store).await;
    login_attempt_state_hash_is_unique(store).await;
    login_attempts_delete_expired(store).await;
    audit_append(store).await;
    access_log_newest_first_with_limit(store).await;
    access_log_requires_resident_of_tenant(store).await;
    access_chain_concurrent_appends_stay_intact(store).await;
    access_chain_batch_keeps_separate_chains(store).await;
    access_chain_retention_keeps_the_rest_verifiable(store).await;
    snapshot_round_trip(store).await;
    snapshot_upsert_newer_wins(store).await;
    snapshot_delete(store).await;
    snapshots_are_per_resident(store).await;
    correction_create_list_and_status(store).await;
    correction_message_length_is_checked(store).await;
    correction_tenant_isolation(store).await;
    guardians_set_replace_and_list(store).await;
    guardians_strangers_are_not_guardians(store).await;
    guardians_cross_tenant_refused(store).await;
    register_full_load_then_changes(store).await;
    register_snapshot_moves_out_the_missing(store).await;
    register_pointer_skips_applied_events(store).await;
    register_changes_move_die_born_and_guardians(store).await;
    register_failed_writes_leave_nothing(store).await;
    register_facts_list_children_oldest_first(store).await;
    register_born_between_is_inclusive(store).await;
    register_tenant_isolation(store).await;
    caseworker_session_create_and_find(store).await;
    caseworker_session_expiry_and_touch(store).await;
    caseworker_sessions_delete(store).await;
    caseworker_session_constraints(store).await;
    caseworker_login_attempts(store).await;
    resident_sessions_are_not_caseworker_sessions(store).await;
    audit_list_newest_first_in_pages(store).await;
    notices::run_all(store).await;
    plans::run_all(store).await;
    services::run_all(store).await;
    statistics::run_all(store).await;
}

// ----- fixtures shared by the stories -----

fn kommune(s: &str) -> Kommunenummer {
    Kommunenummer::parse(s).expect("fixture kommunenummer is in the 2024 list")
}

/// Tenant A of the isolation stories.
fn asker() -> Kommunenummer {
    kommune("3203")
}

/// Tenant B of the isolation stories.
fn oslo() -> Kommunenummer {
    kommune("0301")
}

/// Never created by any story.
fn stavanger() -> Kommunenummer {
    kommune("1103")
}

/// The stories' clock starts here (whole seconds, so every offset is exact in storage).
fn t0() -> Timestamp {
    Timestamp::from_second(1_740_819_600).expect("2025-03-01T09:00:00Z is a valid timestamp")
}

fn minutes(n: i64) -> SignedDuration {
    SignedDuration::from_mins(n)
}

/// 32 unique bytes: two UUIDv7s (unique within a process, 74 random bits each).
fn random_hash() -> [u8; 32] {
    let mut hash = [0u8; 32];
    hash[..16].copy_from_slice(Uuid::now_v7().as_bytes());
    hash[16..].copy_from_slice(Uuid::now_v7().as_bytes());
    hash
}

/// 64 bits from the random tail of a UUIDv7.
fn random_seed() -> u64 {
    let uuid = Uuid::now_v7();
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&uuid.as_bytes()[8..]);
    u64::from_be_bytes(tail)
}

fn random_text(prefix: &str) -> String {
    format!("{prefix}-{}", Uuid::now_v7().simple())
}

/// A random synthetic fødselsnummer (born 1940–1999).
fn random_pid() -> Pid {
    let seed = random_seed();
    let days = i64::try_from(seed % 21_900).expect("below 21 900");
    let birth = date(1940, 1, 1)
        .checked_add(SignedDuration::from_hours(24 * days))
        .expect("a date in the twentieth century");
    let start = u16::try_from((seed >> 32) % 500).expect("below 500");
    (0..500u16)
        .find_map(|i| Pid::synthetic(birth, (start + i) % 500))
        .expect("some individual number gives valid control digits")
}

/// Creates tenant `k` (at [`t0`]) and a new resident with a random identity number in it.
async fn new_resident(store: &dyn Store, k: &Kommunenummer) -> Resident {
    store
        .upsert_tenant(k, k.name(), t0())
        .await
        .expect("upsert tenant");
    store
        .upsert_resident(k, &random_pid(), "Kari Nordmann", t0())
        .await
        .expect("upsert resident")
}

fn locale() -> Locale {
    Locale::Nn
}
