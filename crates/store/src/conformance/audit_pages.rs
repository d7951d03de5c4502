//! Story: the caseworkers' paged view of a tenant's audit trail.

use serde_json::json;

use super::{kommune, minutes, new_resident, oslo, stavanger, t0};
use crate::{AuditCursor, AuditEvent, Store};

/// A tenant's audit trail reads back newest first (ties: last appended first), in pages that
/// together hold every entry once, and never another tenant's entries. Uses 1804 Bodø, which
/// no other story writes to.
pub async fn audit_list_newest_first_in_pages(store: &dyn Store) {
    let bodo = kommune("1804");
    store
        .upsert_tenant(&bodo, "Bodø", t0())
        .await
        .expect("tenant");
    let resident = new_resident(store, &oslo()).await;
    let event = |minute: i64, n: usize| AuditEvent {
        kommunenummer: bodo,
        at: t0() + minutes(minute),
        actor: "caseworker:oid-1".into(),
        action: format!("notice_rule.update.{n}"),
        subject: None,
        detail: json!({ "n": n, "before": null, "after": { "title": "Skolestart" } }),
    };
    // Appended out of time order, with two entries at minute 5.
    let minutes_of = [3, 5, 1, 5, 4, 2];
    for (n, minute) in minutes_of.into_iter().enumerate() {
        store.append_audit(event(minute, n)).await.expect("append");
    }
    let elsewhere = AuditEvent {
        kommunenummer: oslo(),
        subject: Some(resident.id),
        ..event(6, 99)
    };
    store.append_audit(elsewhere).await.expect("append in Oslo");

    let mut seen = Vec::new();
    let mut after: Option<AuditCursor> = None;
    for _ in 0..10 {
        let page = store.list_audit(&bodo, after, 4).await.expect("list");
        assert!(page.len() <= 4, "at most the limit");
        let Some(last) = page.last() else { break };
        after = Some(last.cursor());
        for entry in &page {
            assert_eq!(
                entry.event.kommunenummer, bodo,
                "only this tenant's entries"
            );
            seen.push(entry.event.detail["n"].as_u64().expect("n"));
        }
    }
    // Newest first; of the two at minute 5, the one appended later (n = 3) first.
    assert_eq!(seen, vec![3, 1, 4, 0, 5, 2]);
    let first = store.list_audit(&bodo, None, 1).await.expect("list");
    assert_eq!(
        first[0].event,
        event(5, 3),
        "the event reads back as appended"
    );
    let none = store
        .list_audit(&stavanger(), None, 10)
        .await
        .expect("list");
    assert!(
        none.is_empty(),
        "a tenant without entries has an empty trail"
    );
}
