//! Stories: plans (create, read, list, versioned update, the box query).

use serde_json::json;

use super::{kristiansund, new_plan, plan_fields, rectangle};
use crate::conformance::{minutes, stavanger, t0};
use crate::{BoundingBox, PlanFields, Store, StoreError, StoredPlan};

fn assert_conflict<T: std::fmt::Debug>(result: crate::Result<T>, constraint: &str, what: &str) {
    match result {
        Err(StoreError::Conflict(name)) => assert_eq!(name, constraint, "{what}"),
        other => panic!("{what}: expected a conflict on {constraint}, got {other:?}"),
    }
}

fn assert_invalid<T: std::fmt::Debug>(result: crate::Result<T>, constraint: &str, what: &str) {
    match result {
        Err(StoreError::Invalid(name)) => assert_eq!(name, constraint, "{what}"),
        other => panic!("{what}: expected {constraint} to refuse it, got {other:?}"),
    }
}

pub(super) fn assert_not_found<T: std::fmt::Debug>(result: crate::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "{what}: expected NotFound, got {result:?}"
    );
}

pub(super) fn plan_ids(plans: &[StoredPlan]) -> Vec<String> {
    plans.iter().map(|p| p.fields.plan_id.clone()).collect()
}

/// A plan is stored as version 1 with its JSON, codes and box intact; a second plan with the
/// same id is a conflict. An update replaces every field (the id stays) and bumps the version;
/// one based on a stale version is a conflict and changes nothing. Lists are most recently
/// updated first; checks refuse a malformed plan.
pub async fn plan_create_get_list_and_update(store: &dyn Store) {
    let k = kristiansund();
    let fields = plan_fields("Innlandet boligfelt");
    let created = new_plan(store, &k, &fields).await;
    let expected = StoredPlan {
        kommunenummer: k,
        fields: fields.clone(),
        version: 1,
        created_by: "caseworker:ola".into(),
        created_at: t0(),
        updated_by: "caseworker:ola".into(),
        updated_at: t0(),
    };
    assert_eq!(created, expected);
    let got = store.get_plan(&k, &fields.plan_id).await.expect("get plan");
    assert_eq!(got, expected);
    assert_conflict(
        store
            .create_plan(&k, &fields, "caseworker:kari", t0())
            .await,
        "plans_pkey",
        "a second plan with the same id",
    );

    let other = store
        .create_plan(
            &k,
            &plan_fields("Kirkelandet sentrum"),
            "caseworker:ola",
            t0() + minutes(1),
        )
        .await
        .expect("create second plan");
    let listed = plan_ids(&store.list_plans(&k).await.expect("list"));
    let position = |id: &str| listed.iter().position(|p| p == id).expect("listed");
    assert!(
        position(&other.fields.plan_id) < position(&fields.plan_id),
        "most recently updated first"
    );

    let changed = PlanFields {
        name: "Innlandet boligfelt (revidert)".into(),
        plan_type: None,
        status: "3".into(),
        law_reference: None,
        proposer_type: Some("offentlig".into()),
        case_number: None,
        description: None,
        documents: json!([]),
        events: json!([{"code": "2", "date": "2025-03-01", "text": "1. gangs behandling"}]),
        area: None,
        bbox: None,
        ..fields.clone()
    };
    let updated = store
        .update_plan(
            &k,
            &fields.plan_id,
            1,
            &changed,
            "caseworker:kari",
            t0() + minutes(5),
        )
        .await
        .expect("update plan");
    let expected = StoredPlan {
        fields: changed.clone(),
        version: 2,
        updated_by: "caseworker:kari".into(),
        updated_at: t0() + minutes(5),
        ..expected
    };
    assert_eq!(updated, expected);
    assert_conflict(
        store
            .update_plan(
                &k,
                &fields.plan_id,
                1,
                &fields,
                "caseworker:ola",
                t0() + minutes(6),
            )
            .await,
        "plans_version",
        "an update based on version 1",
    );
    assert_eq!(
        store.get_plan(&k, &fields.plan_id).await.expect("get"),
        expected
    );
    let listed = plan_ids(&store.list_plans(&k).await.expect("list"));
    let position = |id: &str| listed.iter().position(|p| p == id).expect("listed");
    assert!(
        position(&fields.plan_id) < position(&other.fields.plan_id),
        "the updated plan comes first"
    );
    assert_not_found(
        store
            .update_plan(&k, "no-such-plan", 1, &fields, "caseworker:ola", t0())
            .await,
        "updating a missing plan",
    );
    assert_not_found(store.get_plan(&k, "no-such-plan").await, "a missing plan");

    let (area, _) = rectangle(7.0, 63.0, 7.1, 63.1);
    let bad = [
        (
            PlanFields {
                bbox: None,
                ..plan_fields("Areal uten boks")
            },
            "plans_bbox_check",
        ),
        (
            PlanFields {
                area: None,
                ..plan_fields("Boks uten areal")
            },
            "plans_bbox_check",
        ),
        (
            PlanFields {
                area: Some(area),
                bbox: Some(BoundingBox {
                    min_lon: 7.1,
                    min_lat: 63.0,
                    max_lon: 7.0,
                    max_lat: 63.1,
                }),
                ..plan_fields("Snudd boks")
            },
            "plans_bbox_check",
        ),
        (
            PlanFields {
                documents: json!({"title": "ikke en liste"}),
                ..plan_fields("Dokumenter")
            },
            "plans_documents_check",
        ),
        (
            PlanFields {
                proposer_type: Some("kommunal".into()),
                ..plan_fields("Forslagsstiller")
            },
            "plans_proposer_type_check",
        ),
    ];
    for (fields, constraint) in bad {
        let name = fields.name.clone();
        assert_invalid(
            store.create_plan(&k, &fields, "caseworker:ola", t0()).await,
            constraint,
            &name,
        );
    }
    assert!(matches!(
        store
            .create_plan(&stavanger(), &plan_fields("x"), "caseworker:ola", t0())
            .await,
        Err(StoreError::Conflict(_))
    ));
}

/// Plans whose box shares a point with the query's are listed, edges and corners included; a
/// box a hair beyond an edge is not, and a plan without an area never is. The store agrees with
/// [`BoundingBox::intersects`].
pub async fn plans_in_box_edges_are_inclusive(store: &dyn Store) {
    let k = kristiansund();
    let (area, bbox) = rectangle(7.70, 63.10, 7.75, 63.12);
    let plan = new_plan(
        store,
        &k,
        &PlanFields {
            area: Some(area),
            bbox: Some(bbox),
            ..plan_fields("Vågen")
        },
    )
    .await;
    let no_area = new_plan(
        store,
        &k,
        &PlanFields {
            area: None,
            bbox: None,
            ..plan_fields("Kommuneplanens arealdel")
        },
    )
    .await;
    let query = |min_lon, min_lat, max_lon, max_lat| BoundingBox {
        min_lon,
        min_lat,
        max_lon,
        max_lat,
    };
    let cases = [
        ("containing", query(7.0, 63.0, 8.0, 64.0), true),
        ("inside", query(7.72, 63.11, 7.73, 63.115), true),
        ("east edge", query(7.75, 63.0, 7.9, 63.2), true),
        ("north-east corner", query(7.75, 63.12, 7.9, 63.2), true),
        ("west edge", query(7.5, 63.0, 7.70, 63.2), true),
        ("south edge", query(7.6, 63.0, 7.8, 63.10), true),
        ("north edge", query(7.6, 63.12, 7.8, 63.3), true),
        ("a point on the edge", query(7.75, 63.11, 7.75, 63.11), true),
        ("just east", query(7.750_000_1, 63.0, 7.9, 63.2), false),
        ("just west", query(7.5, 63.0, 7.699_999_9, 63.2), false),
        ("just south", query(7.6, 63.0, 7.8, 63.099_999_9), false),
        ("just north", query(7.6, 63.120_000_1, 7.8, 63.3), false),
        ("far away", query(10.0, 59.0, 11.0, 60.0), false),
    ];
    for (what, area, listed) in cases {
        assert_eq!(bbox.intersects(&area), listed, "{what}: the model agrees");
        let found = store.plans_in_box(&k, &area).await.expect("plans in box");
        assert_eq!(
            plan_ids(&found).contains(&plan.fields.plan_id),
            listed,
            "{what}"
        );
        if let Some(p) = found
            .iter()
            .find(|p| p.fields.plan_id == plan.fields.plan_id)
        {
            assert_eq!(p, &plan, "{what}: the plan as stored");
        }
        assert!(
            !plan_ids(&found).contains(&no_area.fields.plan_id),
            "{what}: a plan without an area is never near"
        );
    }
    let everywhere = query(-180.0, -90.0, 180.0, 90.0);
    let all = store.plans_in_box(&k, &everywhere).await.expect("in box");
    assert!(plan_ids(&all).contains(&plan.fields.plan_id));
    assert!(!plan_ids(&all).contains(&no_area.fields.plan_id));
    assert!(
        all.iter()
            .all(|p| p.fields.bbox.is_some() && p.kommunenummer == k),
        "only plans of the tenant with a box"
    );
}
