//! Guardians: list the children one has parental responsibility for, and act for one of them.

use axum::Json;
use axum::extract::State;
use minside_core::lifephase;
use minside_store::{AuditEvent, ResidentId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ResidentSession, may_act_for};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(children))
        .routes(routes!(acting_as))
}

#[derive(Serialize, ToSchema)]
pub struct ChildView {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = String, format = Date)]
    pub birth_date: minside_core::Date,
    pub age: u32,
    /// Whether you can act for this child now (under 18 and under your responsibility).
    pub can_act_for: bool,
}

/// The children you have parental responsibility for (from the population register).
#[utoipa::path(get, path = "/api/v1/me/children", tag = "guardian",
    responses((status = 200, body = [ChildView]),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn children(
    State(state): State<AppState>,
    ResidentSession { session, .. }: ResidentSession,
) -> Result<Json<Vec<ChildView>>, ApiError> {
    let store = state.store();
    let me = store.get_resident(session.resident_id).await?;
    let today = lifephase::today_in_oslo(state.now());
    let mut out = Vec::new();
    for child in store.children_of(me.id).await? {
        let birth_date = child.pid.birth_date();
        let can_act_for = may_act_for(&state, &me, &child).await?;
        out.push(ChildView {
            id: child.id.0,
            name: child.name,
            birth_date,
            age: lifephase::age_on(birth_date, today),
            can_act_for,
        });
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActingAsRequest {
    /// The child's id from `GET /api/v1/me/children`, or `null` to act for yourself again.
    pub child: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct ActingAsView {
    /// Whose data the session now reads.
    pub acting_for: Uuid,
    pub name: String,
    pub as_guardian: bool,
}

/// Switch to acting for a child (or back to yourself). Every read made while acting is logged
/// in the child's access log as read by you.
#[utoipa::path(post, path = "/api/v1/me/acting-as", tag = "guardian", request_body = ActingAsRequest,
    responses((status = 200, body = ActingAsView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn acting_as(
    State(state): State<AppState>,
    ResidentSession { session, .. }: ResidentSession,
    ApiJson(request): ApiJson<ActingAsRequest>,
) -> Result<Json<ActingAsView>, ApiError> {
    let store = state.store();
    let me = store.get_resident(session.resident_id).await?;
    let target = match request.child {
        None => None,
        Some(id) if id == me.id.0 => None,
        Some(id) => {
            // The same answer whether the id is unknown or not yours: nothing to probe.
            let refused = || ApiError::forbidden("you cannot act for this person");
            let child = match store.get_resident(ResidentId(id)).await {
                Ok(c) => c,
                Err(minside_store::StoreError::NotFound) => return Err(refused()),
                Err(e) => return Err(e.into()),
            };
            if !may_act_for(&state, &me, &child).await? {
                return Err(refused());
            }
            Some(child)
        }
    };
    store
        .set_acting_for(session.id, target.as_ref().map(|c| c.id))
        .await?;
    store
        .append_audit(AuditEvent {
            kommunenummer: me.kommunenummer,
            at: state.now(),
            actor: format!("resident:{}", me.id.0),
            action: "acting-as".into(),
            subject: Some(target.as_ref().map_or(me.id, |c| c.id)),
            detail: serde_json::json!({ "session": session.id.0 }),
        })
        .await?;
    let subject = target.unwrap_or(me);
    Ok(Json(ActingAsView {
        acting_for: subject.id.0,
        name: subject.name,
        as_guardian: subject.id != session.resident_id,
    }))
}
