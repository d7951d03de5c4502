//! Stories: land-use plans (plans and their versions, the bounding-box query, consultation
//! phases, comments, followers and the residents near a plan).
//!
//! 1505 Kristiansund is the plans' tenant and 1577 Volda the other tenant of the isolation
//! checks; no other story uses either. Plan ids are random, so the stories tolerate each other's
//! plans in one database; `phases_open_on` reads every tenant, so the stories look only for
//! their own phases in it. The residents-near-a-plan story applies a register snapshot to 1577,
//! which moves every other resident of 1577 out.

mod comments;
mod isolation;
mod neighbours;
mod phases;
mod plan;

use jiff::civil::Date;
use minside_core::Kommunenummer;
use serde_json::json;

pub use self::comments::{
    plan_comment_counts_per_phase, plan_comments_add_withdraw_hide_and_answer,
};
pub use self::isolation::plan_tenant_isolation;
pub use self::neighbours::{plan_following_is_idempotent, plan_residents_in_box};
pub use self::phases::{
    plan_phase_changes_bump_the_plan_version, plan_phases_in_order_and_open_on_both_ends,
};
pub use self::plan::{plan_create_get_list_and_update, plans_in_box_edges_are_inclusive};
use super::{kommune, minutes, random_text, t0};
use crate::{
    BoundingBox, CommentDisplay, NewComment, PhaseFields, PhaseKind, PlanFields, Resident, Stance,
    Store, StoredPhase, StoredPlan,
};

/// The plans' tenant.
fn kristiansund() -> Kommunenummer {
    kommune("1505")
}

/// The other tenant of the isolation checks (and of the residents-near-a-plan story).
fn volda() -> Kommunenummer {
    kommune("1577")
}

/// Creates tenant `k`.
async fn tenant(store: &dyn Store, k: &Kommunenummer) {
    store
        .upsert_tenant(k, k.name(), t0())
        .await
        .expect("upsert tenant");
}

/// A new resident of `k` named `name`.
async fn resident(store: &dyn Store, k: &Kommunenummer, name: &str) -> Resident {
    tenant(store, k).await;
    store
        .upsert_resident(k, &super::random_pid(), name, t0())
        .await
        .expect("upsert resident")
}

/// A rectangle as a GeoJSON polygon, with its box.
fn rectangle(
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
) -> (serde_json::Value, BoundingBox) {
    let ring = json!([
        [min_lon, min_lat],
        [max_lon, min_lat],
        [max_lon, max_lat],
        [min_lon, max_lat],
        [min_lon, min_lat]
    ]);
    (
        json!({"type": "Polygon", "coordinates": [ring]}),
        BoundingBox {
            min_lon,
            min_lat,
            max_lon,
            max_lat,
        },
    )
}

/// A detailed zoning plan with a random id, documents, events and an area in Kristiansund.
fn plan_fields(name: &str) -> PlanFields {
    let (area, bbox) = rectangle(7.7312, 63.1104, 7.7401, 63.1153);
    PlanFields {
        plan_id: random_text("2025"),
        name: name.to_owned(),
        plan_type: Some("35".to_owned()),
        status: "2".to_owned(),
        law_reference: Some("6".to_owned()),
        proposer_type: Some("privat".to_owned()),
        case_number: Some((2025, 1432)),
        description: Some("Boliger og grøntområde på Innlandet.".to_owned()),
        documents: json!([{
            "title": "Planbeskrivelse",
            "url": "https://example.no/plan/planbeskrivelse.pdf",
            "kind": "planbeskrivelse",
        }]),
        events: json!([{"code": "1", "date": "2025-01-15", "text": "Varsel om oppstart"}]),
        area: Some(area),
        bbox: Some(bbox),
    }
}

/// Stores a plan of `k` at [`t0`].
async fn new_plan(store: &dyn Store, k: &Kommunenummer, fields: &PlanFields) -> StoredPlan {
    tenant(store, k).await;
    store
        .create_plan(k, fields, "caseworker:ola", t0())
        .await
        .expect("create plan")
}

fn phase_fields(kind: PhaseKind, opens_on: Date, closes_on: Date) -> PhaseFields {
    PhaseFields {
        kind,
        hearing_version: 1,
        title: Some("Planforslag for bolig og grøntområde".to_owned()),
        opens_on,
        closes_on,
    }
}

/// Adds a phase to the plan, `minute` minutes after [`t0`].
async fn new_phase(
    store: &dyn Store,
    plan: &StoredPlan,
    fields: &PhaseFields,
    minute: i64,
) -> StoredPhase {
    store
        .create_phase(
            &plan.kommunenummer,
            &plan.fields.plan_id,
            fields,
            t0() + minutes(minute),
        )
        .await
        .expect("create phase")
}

/// A named comment by `author` on `phase`, written `minute` minutes after [`t0`].
fn comment(phase: &StoredPhase, author: &Resident, stance: Stance, minute: i64) -> NewComment {
    NewComment {
        kommunenummer: phase.kommunenummer,
        plan_id: phase.plan_id.clone(),
        phase_id: phase.id,
        resident_id: author.id,
        author_name: author.name.clone(),
        text: format!("Merknad {minute}: støy fra anleggsarbeidet."),
        geometry: None,
        document_ref: None,
        stance,
        display: CommentDisplay::Named,
        created_at: t0() + minutes(minute),
    }
}

/// Runs every plan story in turn on one store.
pub(super) async fn run_all(store: &dyn Store) {
    plan_create_get_list_and_update(store).await;
    plan_tenant_isolation(store).await;
    plans_in_box_edges_are_inclusive(store).await;
    plan_phases_in_order_and_open_on_both_ends(store).await;
    plan_phase_changes_bump_the_plan_version(store).await;
    plan_comments_add_withdraw_hide_and_answer(store).await;
    plan_comment_counts_per_phase(store).await;
    plan_following_is_idempotent(store).await;
    plan_residents_in_box(store).await;
}
