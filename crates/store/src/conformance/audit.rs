//! Stories: the audit trail and the residents' access log.

use serde_json::json;

use super::{asker, minutes, new_resident, oslo, stavanger, t0};
use crate::{AccessLogEntry, AuditEvent, Resident, ResidentId, Store, StoreError};

/// Audit events are appended with or without a subject; the tenant must exist.
pub async fn audit_append(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let login = AuditEvent {
        kommunenummer: asker(),
        at: t0(),
        actor: format!("resident:{}", resident.id),
        action: "session.login".into(),
        subject: Some(resident.id),
        detail: json!({ "acr": "idporten-loa-high", "idp": "https://test.idporten.no" }),
    };
    store
        .append_audit(login.clone())
        .await
        .expect("append with subject");
    store
        .append_audit(login.clone())
        .await
        .expect("appending the same event twice is fine");

    let system = AuditEvent {
        actor: "system".into(),
        action: "tenant.configured".into(),
        subject: None,
        detail: json!(null),
        ..login.clone()
    };
    store
        .append_audit(system)
        .await
        .expect("append without subject");

    // The trail outlives the resident row, so the subject need not be a known resident.
    let unknown_subject = AuditEvent {
        subject: Some(ResidentId::new_v7()),
        ..login.clone()
    };
    store
        .append_audit(unknown_subject)
        .await
        .expect("append for an unknown subject");

    let unknown_tenant = AuditEvent {
        kommunenummer: stavanger(),
        ..login
    };
    match store.append_audit(unknown_tenant).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown tenant, got {other:?}"),
    }
}

fn access(resident: &Resident, minute: i64, purpose: &str) -> AccessLogEntry {
    AccessLogEntry {
        kommunenummer: resident.kommunenummer,
        resident_id: resident.id,
        at: t0() + minutes(minute),
        actor_kind: "caseworker".into(),
        actor_ref: "caseworker:asker-17".into(),
        categories: vec!["address".into(), "family".into()],
        purpose: purpose.into(),
    }
}

/// The access log lists a resident's own entries newest first (ties: last appended first),
/// honouring the limit, with every field as appended.
pub async fn access_log_newest_first_with_limit(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let other = new_resident(store, &asker()).await;

    let entries = [
        access(&resident, 3, "third"),
        access(&resident, 1, "first"),
        access(&resident, 4, "fourth"),
        access(&resident, 2, "second"),
        access(&resident, 4, "fourth, appended later"),
        AccessLogEntry {
            categories: Vec::new(),
            ..access(&resident, 0, "no categories")
        },
    ];
    for entry in &entries {
        store
            .append_access(entry.clone())
            .await
            .expect("append access");
    }
    store
        .append_access(access(&other, 9, "someone else"))
        .await
        .expect("append other");

    let purposes =
        |list: &[AccessLogEntry]| list.iter().map(|e| e.purpose.clone()).collect::<Vec<_>>();
    let all = store.list_access(resident.id, 100).await.expect("list all");
    assert_eq!(
        purposes(&all),
        [
            "fourth, appended later",
            "fourth",
            "third",
            "second",
            "first",
            "no categories"
        ]
    );
    assert_eq!(all[2], entries[0], "fields round-trip");
    assert_eq!(all[5], entries[5], "empty categories round-trip");

    let top = store.list_access(resident.id, 3).await.expect("list top 3");
    assert_eq!(top, all[..3].to_vec());

    let none = store.list_access(resident.id, 0).await.expect("limit 0");
    assert!(none.is_empty());

    let theirs = store.list_access(other.id, 100).await.expect("list other");
    assert_eq!(purposes(&theirs), ["someone else"]);
}

/// Access entries must name an existing resident of the entry's own tenant.
pub async fn access_log_requires_resident_of_tenant(store: &dyn Store) {
    store
        .upsert_tenant(&oslo(), "Oslo", t0())
        .await
        .expect("tenant b");
    let resident = new_resident(store, &asker()).await;

    let unknown = AccessLogEntry {
        resident_id: ResidentId::new_v7(),
        ..access(&resident, 0, "x")
    };
    match store.append_access(unknown).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown resident, got {other:?}"),
    }

    let wrong_tenant = AccessLogEntry {
        kommunenummer: oslo(),
        ..access(&resident, 0, "x")
    };
    match store.append_access(wrong_tenant).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for another tenant, got {other:?}"),
    }
}
