//! Stories: the service catalogue (create, read, versioned update, the filtered list, tenant
//! isolation and replacing a whole catalogue).
//!
//! 4204 Kristiansand is the services' tenant and 3907 Sandefjord the other tenant of the
//! isolation checks; no other story uses either. Service ids are random, so the stories
//! tolerate each other's services, except the catalogue story, which replaces Kristiansand's
//! whole catalogue and then checks all of it.

mod catalogue;
mod service;

use minside_core::Kommunenummer;
use serde_json::json;

pub use self::catalogue::{service_catalogue_replace_is_idempotent, service_tenant_isolation};
pub use self::service::{service_create_get_and_update, service_list_filters_by_theme_and_status};
use super::{kommune, random_text, t0};
use crate::{Result, ServiceFields, ServiceStatus, Store, StoreError, StoredService};

/// The services' tenant.
fn kristiansand() -> Kommunenummer {
    kommune("4204")
}

/// The other tenant of the isolation checks.
fn sandefjord() -> Kommunenummer {
    kommune("3907")
}

/// Creates tenant `k`.
async fn tenant(store: &dyn Store, k: &Kommunenummer) {
    store
        .upsert_tenant(k, k.name(), t0())
        .await
        .expect("upsert tenant");
}

/// A service with a random id under `theme`, with nb and en texts and a deadline.
fn service_fields(theme: &str, status: ServiceStatus, title: &str) -> ServiceFields {
    let id = random_text("tjeneste");
    ServiceFields {
        service_id: id.clone(),
        theme: theme.to_owned(),
        status,
        content: json!({
            "id": id,
            "theme": theme,
            "texts": {
                "nb": {"title": title, "summary": "Søk innen fristen."},
                "en": {"title": format!("{title} (en)"), "summary": "Apply before the deadline."},
            },
            "deadlines": [{"kind": "annual", "month": 3, "day": 1, "label": "Hovedopptak"}],
            "contact": {"phone": "+47 38 07 50 00"},
            "audience": [],
            "notice_categories": ["barnehage"],
        }),
    }
}

/// Stores a service of `k` at [`t0`] by `caseworker:ola`.
async fn new_service(
    store: &dyn Store,
    k: &Kommunenummer,
    fields: &ServiceFields,
) -> StoredService {
    tenant(store, k).await;
    store
        .create_service(k, fields, "caseworker:ola", t0())
        .await
        .expect("create service")
}

fn ids(services: &[StoredService]) -> Vec<String> {
    services
        .iter()
        .map(|s| s.fields.service_id.clone())
        .collect()
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T>, constraint: &str, what: &str) {
    match result {
        Err(StoreError::Conflict(name)) => assert_eq!(name, constraint, "{what}"),
        other => panic!("{what}: expected a conflict on {constraint}, got {other:?}"),
    }
}

fn assert_invalid<T: std::fmt::Debug>(result: Result<T>, constraint: &str, what: &str) {
    match result {
        Err(StoreError::Invalid(name)) => assert_eq!(name, constraint, "{what}"),
        other => panic!("{what}: expected {constraint} to refuse it, got {other:?}"),
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "{what}: expected NotFound, got {result:?}"
    );
}

/// Runs every service story in turn on one store.
pub(super) async fn run_all(store: &dyn Store) {
    service_create_get_and_update(store).await;
    service_list_filters_by_theme_and_status(store).await;
    service_tenant_isolation(store).await;
    service_catalogue_replace_is_idempotent(store).await;
}
