//! Stories: notice rules (create, versioned update, status, tenant isolation).

use jiff::civil::date;
use serde_json::json;

use super::{active_rule, rule_fields};
use crate::conformance::{asker, minutes, new_resident, oslo, stavanger, t0};
use crate::{Channel, RuleFields, RuleStatus, Store, StoreError, StoredRule};

fn assert_version_conflict<T: std::fmt::Debug>(result: crate::Result<T>, what: &str) {
    match result {
        Err(StoreError::Conflict(name)) => assert_eq!(name, "notice_rules_version", "{what}"),
        other => panic!("{what}: expected a version conflict, got {other:?}"),
    }
}

fn ids(rules: &[StoredRule]) -> Vec<crate::RuleId> {
    rules.iter().map(|r| r.id).collect()
}

/// A rule is stored as a version-1 draft with its JSON and dates intact; each update and status
/// change bumps the version, and one based on a stale version is a conflict. Lists are newest
/// first, without archived rules unless asked; only active rules are evaluated.
pub async fn notice_rule_create_update_and_status(store: &dyn Store) {
    let k = asker();
    new_resident(store, &k).await;
    let fields = rule_fields("Barnehagestart");
    let created = store
        .create_rule(&k, fields.clone(), "caseworker:ola", t0())
        .await
        .expect("create rule");
    assert_eq!(created.id.0.get_version_num(), 7, "rule ids are UUIDv7");
    let expected = StoredRule {
        id: created.id,
        kommunenummer: k,
        name: fields.name.clone(),
        category: fields.category.clone(),
        opt_out_allowed: true,
        status: RuleStatus::Draft,
        trigger: fields.trigger.clone(),
        audience: fields.audience.clone(),
        content: fields.content.clone(),
        channels: vec![Channel::Email, Channel::Sms],
        priority: 2,
        valid_from: Some(date(2025, 1, 1)),
        valid_to: Some(date(2026, 12, 31)),
        version: 1,
        created_by: "caseworker:ola".into(),
        created_at: t0(),
        updated_by: "caseworker:ola".into(),
        updated_at: t0(),
    };
    assert_eq!(created, expected);
    assert_eq!(store.get_rule(&k, created.id).await.expect("get"), expected);

    let changed = RuleFields {
        name: "Barnehagestart (ny tekst)".into(),
        opt_out_allowed: false,
        trigger: json!({"kind": "annual", "month": 3, "day": 1, "days_before": 14}),
        channels: vec![Channel::Sms],
        priority: 3,
        valid_from: None,
        valid_to: None,
        ..fields.clone()
    };
    let updated = store
        .update_rule(
            &k,
            created.id,
            1,
            changed.clone(),
            "caseworker:kari",
            t0() + minutes(5),
        )
        .await
        .expect("update rule");
    assert_eq!(
        updated,
        StoredRule {
            name: changed.name.clone(),
            opt_out_allowed: false,
            trigger: changed.trigger.clone(),
            channels: vec![Channel::Sms],
            priority: 3,
            valid_from: None,
            valid_to: None,
            version: 2,
            updated_by: "caseworker:kari".into(),
            updated_at: t0() + minutes(5),
            ..expected.clone()
        }
    );
    assert_version_conflict(
        store
            .update_rule(
                &k,
                created.id,
                1,
                fields.clone(),
                "caseworker:ola",
                t0() + minutes(6),
            )
            .await,
        "an update based on version 1",
    );
    assert_version_conflict(
        store
            .set_rule_status(
                &k,
                created.id,
                1,
                RuleStatus::Active,
                "caseworker:ola",
                t0(),
            )
            .await,
        "a status change based on version 1",
    );
    assert_eq!(store.get_rule(&k, created.id).await.expect("get"), updated);

    let active = store
        .set_rule_status(
            &k,
            created.id,
            2,
            RuleStatus::Active,
            "caseworker:ola",
            t0() + minutes(7),
        )
        .await
        .expect("activate");
    assert_eq!((active.status, active.version), (RuleStatus::Active, 3));
    assert_eq!(active.updated_at, t0() + minutes(7));
    assert_eq!(
        active.name, changed.name,
        "a status change keeps the fields"
    );

    let newer = store
        .create_rule(
            &k,
            rule_fields("Skolestart"),
            "caseworker:ola",
            t0() + minutes(1),
        )
        .await
        .expect("create second rule");
    let listed = ids(&store.list_rules(&k, false).await.expect("list"));
    let position = |id| listed.iter().position(|r| *r == id).expect("listed");
    assert!(position(newer.id) < position(created.id), "newest first");
    assert!(!ids(&store.active_rules().await.expect("active")).contains(&newer.id));
    assert!(ids(&store.active_rules().await.expect("active")).contains(&created.id));

    let archived = store
        .set_rule_status(
            &k,
            newer.id,
            1,
            RuleStatus::Archived,
            "caseworker:ola",
            t0(),
        )
        .await
        .expect("archive");
    assert_eq!(archived.status, RuleStatus::Archived);
    assert!(!ids(&store.list_rules(&k, false).await.expect("list")).contains(&newer.id));
    assert!(ids(&store.list_rules(&k, true).await.expect("list")).contains(&newer.id));

    let bad_priority = RuleFields {
        priority: 4,
        ..fields.clone()
    };
    match store
        .create_rule(&k, bad_priority, "caseworker:ola", t0())
        .await
    {
        Err(StoreError::Invalid(name)) => assert_eq!(name, "notice_rules_priority_check"),
        other => panic!("priority 4 must be refused, got {other:?}"),
    }
}

/// Another tenant's rule is not found (read, update, status, statistics) nor listed, and a rule
/// needs a known tenant.
pub async fn notice_rule_tenant_isolation(store: &dyn Store) {
    new_resident(store, &asker()).await;
    new_resident(store, &oslo()).await;
    let rule = active_rule(store, &asker()).await;
    let o = oslo();
    assert!(matches!(
        store.get_rule(&o, rule.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .update_rule(
                &o,
                rule.id,
                rule.version,
                rule_fields("x"),
                "caseworker:eve",
                t0()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .set_rule_status(
                &o,
                rule.id,
                rule.version,
                RuleStatus::Paused,
                "caseworker:eve",
                t0()
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.rule_stats(&o, rule.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(!ids(&store.list_rules(&o, true).await.expect("list")).contains(&rule.id));
    assert_eq!(
        store
            .get_rule(&asker(), rule.id)
            .await
            .expect("get")
            .version,
        rule.version,
        "the other tenant's attempts changed nothing"
    );
    assert!(matches!(
        store
            .create_rule(&stavanger(), rule_fields("x"), "caseworker:eve", t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
}
