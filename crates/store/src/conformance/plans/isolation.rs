//! Story: tenant isolation of plans, phases, comments and followers.

use jiff::civil::date;

use super::plan::{assert_not_found, plan_ids};
use super::{
    comment, kristiansund, new_phase, new_plan, phase_fields, plan_fields, resident, tenant, volda,
};
use crate::conformance::t0;
use crate::{BoundingBox, CaseworkerNote, NewComment, PhaseKind, PlanFields, Stance, Store};

/// Another tenant's plan, phase and comment are not found (read, change, list, count, follow),
/// and the attempts change nothing; the same plan id in two tenants is two plans. A comment
/// names a phase of its own plan and tenant, or it is refused.
pub async fn plan_tenant_isolation(store: &dyn Store) {
    let (k, o) = (kristiansund(), volda());
    tenant(store, &o).await;
    let fields = plan_fields("Nordlandet næringsområde");
    let plan = new_plan(store, &k, &fields).await;
    let phase = new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Horing, date(2025, 3, 1), date(2025, 4, 15)),
        1,
    )
    .await;
    let author = resident(store, &k, "Kari Nordmann").await;
    let stored = store
        .add_comment(&comment(&phase, &author, Stance::Against, 2))
        .await
        .expect("add comment");
    let plan = store.get_plan(&k, &fields.plan_id).await.expect("get plan");
    let id = &fields.plan_id;
    let note = CaseworkerNote {
        text: "Takk for innspillet.".into(),
        by: "caseworker:eve".into(),
        at: t0(),
    };

    assert_not_found(store.get_plan(&o, id).await, "another tenant's plan");
    assert_not_found(
        store
            .update_plan(&o, id, 2, &fields, "caseworker:eve", t0())
            .await,
        "updating another tenant's plan",
    );
    assert!(!plan_ids(&store.list_plans(&o).await.expect("list")).contains(id));
    let everywhere = BoundingBox {
        min_lon: -180.0,
        min_lat: -90.0,
        max_lon: 180.0,
        max_lat: 90.0,
    };
    let in_box = store.plans_in_box(&o, &everywhere).await.expect("in box");
    assert!(
        !plan_ids(&in_box).contains(id),
        "the box query is per tenant"
    );
    assert_not_found(
        store.get_phase(&o, phase.id).await,
        "another tenant's phase",
    );
    assert_not_found(
        store.update_phase(&o, phase.id, &phase.fields, t0()).await,
        "updating another tenant's phase",
    );
    assert_not_found(
        store.create_phase(&o, id, &phase.fields, t0()).await,
        "a phase for another tenant's plan",
    );
    assert!(store.phases_of(&o, id).await.expect("phases").is_empty());
    assert_not_found(
        store.get_comment(&o, stored.id).await,
        "another tenant's comment",
    );
    assert!(
        store
            .comments_of_phase(&o, phase.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        store
            .comments_of_resident(&o, id, author.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_not_found(
        store.withdraw_comment(&o, stored.id, author.id, t0()).await,
        "withdrawing through another tenant",
    );
    assert_not_found(
        store.set_comment_hidden(&o, stored.id, Some(&note)).await,
        "hiding another tenant's comment",
    );
    assert_not_found(
        store.answer_comment(&o, stored.id, &note).await,
        "answering another tenant's comment",
    );
    assert!(
        store
            .comment_counts(&o, id)
            .await
            .expect("counts")
            .is_empty()
    );
    assert_not_found(
        store.set_following(&o, id, author.id, true, t0()).await,
        "following another tenant's plan",
    );
    assert_eq!(
        store.get_plan(&k, id).await.expect("get"),
        plan,
        "the plan is unchanged"
    );
    assert_eq!(
        store.get_comment(&k, stored.id).await.expect("get"),
        stored,
        "the comment is unchanged"
    );

    // The same plan id in the other tenant is another plan, with phases of its own.
    let twin = new_plan(
        store,
        &o,
        &PlanFields {
            name: "Volda sentrum".into(),
            ..fields.clone()
        },
    )
    .await;
    assert_eq!(store.get_plan(&o, id).await.expect("get twin"), twin);
    assert_eq!(store.get_plan(&k, id).await.expect("get"), plan);
    assert!(store.phases_of(&o, id).await.expect("phases").is_empty());
    assert_eq!(
        store.phases_of(&k, id).await.expect("phases"),
        vec![phase.clone()]
    );

    // A comment naming a phase of another plan or tenant is refused, and nothing is stored.
    let other_plan = new_plan(store, &k, &plan_fields("Rensvik skole")).await;
    let wrong_plan = NewComment {
        plan_id: other_plan.fields.plan_id.clone(),
        ..comment(&phase, &author, Stance::For, 3)
    };
    assert_not_found(
        store.add_comment(&wrong_plan).await,
        "a phase of another plan",
    );
    let neighbour = resident(store, &o, "Ola Nordmann").await;
    let wrong_tenant = NewComment {
        kommunenummer: o,
        ..comment(&phase, &neighbour, Stance::For, 3)
    };
    assert_not_found(
        store.add_comment(&wrong_tenant).await,
        "a phase of another tenant",
    );
    assert!(
        store
            .comments_of_resident(&k, &other_plan.fields.plan_id, author.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        store
            .comments_of_resident(&o, id, neighbour.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        store.comments_of_phase(&k, phase.id).await.expect("list"),
        vec![stored],
        "the phase has only its one comment"
    );
}
