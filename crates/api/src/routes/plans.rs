//! Plans for the public and for residents: the public list, plan detail and public comments
//! (no login; cacheable), plans near your home, commenting while a phase is open, your own
//! comments, withdrawing one, and following a plan.
//!
//! Comments are your own: a guardian acting for a child is refused (a child's voice in a plan
//! case is the child's or given with their consent, not taken over by the login). Reading your
//! address to find plans near you and reading your comments are access-logged.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use minside_plans::geometry::{self, Area};
use minside_plans::phase;
use minside_store::{
    CommentDisplay, CommentId, NewComment, ResidentId, Stance, StoreError, StoredPhase,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery, ResidentSession, Tenant};
use crate::plans::{
    OwnComment, PlanDetail, PlanSummary, PublicComment, cacheable, conflict, invalid,
};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(detail))
        .routes(routes!(public_comments))
        .routes(routes!(near_me))
        .routes(routes!(my_comments, comment))
        .routes(routes!(withdraw))
        .routes(routes!(follow, unfollow))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `true`: only plans with a phase open for comments now.
    #[serde(default)]
    open: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CommentsQuery {
    /// Only this phase's comments.
    phase: Option<Uuid>,
}

/// The municipality's plans: open for comments first (closing soonest first), then the others,
/// most recently changed first. Public and cacheable.
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", params(ListQuery),
    responses((status = 200, body = [PlanSummary]), (status = 304)))]
async fn list(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let k = tenant.kommunenummer;
    let now = state.now();
    let mut out = Vec::new();
    for plan in store.list_plans(&k).await? {
        let phases = store.phases_of(&k, &plan.fields.plan_id).await?;
        let summary = PlanSummary::new(&plan, &phases, now);
        if q.open && summary.open_phase.is_none() {
            continue;
        }
        out.push(summary);
    }
    sort_open_first(&mut out, |s| s);
    Ok(cacheable(&state, &headers, &out))
}

/// Open plans first, the one closing soonest first; then upcoming, soonest first; then the
/// rest in the order given.
fn sort_open_first<T>(items: &mut [T], summary: impl Fn(&T) -> &PlanSummary) {
    items.sort_by_key(|item| {
        let s = summary(item);
        match (&s.open_phase, &s.upcoming_phase) {
            (Some(p), _) => (0, p.closes_on.clone()),
            (None, Some(p)) => (1, p.opens_on.clone()),
            (None, None) => (2, String::new()),
        }
    });
}

/// One plan with its documents, processing events, area and phases. Public and cacheable.
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}", tag = "plans",
    responses((status = 200, body = PlanDetail), (status = 304),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn detail(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    Path(plan_id): Path<String>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let k = tenant.kommunenummer;
    let plan = store.get_plan(&k, &plan_id).await?;
    let phases = store.phases_of(&k, &plan_id).await?;
    Ok(cacheable(
        &state,
        &headers,
        &PlanDetail::new(&plan, &phases, state.now()),
    ))
}

/// The plan's comments as the public sees them: names only of those who chose to be named,
/// hidden comments replaced by the municipality's reason, withdrawn ones left out.
#[utoipa::path(get, path = "/api/v1/plans/{plan_id}/comments", tag = "plans",
    params(CommentsQuery),
    responses((status = 200, body = [PublicComment]), (status = 304),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn public_comments(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    Path(plan_id): Path<String>,
    ApiQuery(q): ApiQuery<CommentsQuery>,
) -> Result<Response, ApiError> {
    let store = state.store();
    let k = tenant.kommunenummer;
    store.get_plan(&k, &plan_id).await?;
    let phases = store.phases_of(&k, &plan_id).await?;
    if let Some(p) = q.phase
        && !phases.iter().any(|ph| ph.id.0 == p)
    {
        return Err(ApiError::not_found());
    }
    let mut out = Vec::new();
    for phase in phases
        .iter()
        .filter(|ph| q.phase.is_none_or(|p| ph.id.0 == p))
    {
        let comments = store.comments_of_phase(&k, phase.id).await?;
        out.extend(comments.iter().filter_map(PublicComment::new));
    }
    Ok(cacheable(&state, &headers, &out))
}

/// A plan near you, or one you follow.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearbyPlan {
    #[serde(flatten)]
    pub plan: PlanSummary,
    /// Metres from your home to the plan area (0: your home is inside it); absent when the
    /// plan has no area or your address has no map point.
    pub distance_m: Option<f64>,
    pub following: bool,
}

/// Plans whose area contains your home or lies within the configured distance of it, and plans
/// you follow; open for comments first, with the days left.
#[utoipa::path(get, path = "/api/v1/me/plans", tag = "plans",
    responses((status = 200, body = [NearbyPlan]),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn near_me(
    State(state): State<AppState>,
    s: ResidentSession,
) -> Result<Json<Vec<NearbyPlan>>, ApiError> {
    let store = state.store();
    let k = s.session.kommunenummer;
    let me = s.session.resident_id;
    let now = state.now();
    let nearby = state.settings().plans.nearby_meters;
    let home = store
        .resident_facts(&[me])
        .await?
        .into_iter()
        .next()
        .and_then(|f| f.address)
        .and_then(|a| a.point);
    state
        .log_own_read(
            (s.session.kommunenummer, s.session.resident_id),
            &["address"],
            "planer nær deg",
        )
        .await;
    let followed = store.plans_followed_by(&k, me).await?;
    let mut candidates = match home {
        Some((lon, lat)) => {
            store
                .plans_in_box(&k, &geometry::around(lon, lat, nearby))
                .await?
        }
        None => Vec::new(),
    };
    for plan_id in &followed {
        if !candidates.iter().any(|p| p.fields.plan_id == *plan_id) {
            match store.get_plan(&k, plan_id).await {
                Ok(p) => candidates.push(p),
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    let mut out = Vec::new();
    for plan in candidates {
        let distance_m = match (home, plan.fields.area.as_ref()) {
            (Some((lon, lat)), Some(area)) => Area::from_stored(area)
                .ok()
                .map(|a| (a.distance_m(lon, lat) * 10.0).round() / 10.0),
            _ => None,
        };
        let following = followed.contains(&plan.fields.plan_id);
        if !following && distance_m.is_none_or(|d| d > nearby) {
            continue;
        }
        let phases = store.phases_of(&k, &plan.fields.plan_id).await?;
        out.push(NearbyPlan {
            plan: PlanSummary::new(&plan, &phases, now),
            distance_m,
            following,
        });
    }
    out.sort_by(|a, b| {
        a.distance_m
            .unwrap_or(f64::MAX)
            .total_cmp(&b.distance_m.unwrap_or(f64::MAX))
    });
    sort_open_first(&mut out, |n| &n.plan);
    Ok(Json(out))
}

/// A comment on a plan.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    /// The phase to comment on; may be left out when exactly one phase is open.
    pub phase_id: Option<Uuid>,
    /// Up to the configured length (default 4,000 characters).
    pub text: String,
    /// `for`, `neutral` or `against`.
    #[schema(value_type = String)]
    pub stance: Stance,
    /// `named`, or `hidden`: your name is known to the municipality but not shown to the public.
    #[schema(value_type = String)]
    pub display: CommentDisplay,
    /// A GeoJSON Point or Polygon (EPSG:4326, or EPSG:25833 with a `crs` member).
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Value>,
    /// A link to or archive reference of a document you refer to.
    pub document_ref: Option<String>,
}

fn not_for_child(s: &ResidentSession) -> Result<(), ApiError> {
    if s.session.acting_for.is_some() {
        return Err(ApiError::forbidden(
            "comments are your own: switch back from acting for a child to comment",
        ));
    }
    Ok(())
}

/// The phase a comment goes to: the one named, or the only open one.
fn pick_phase(
    phases: &[StoredPhase],
    asked: Option<Uuid>,
    now: minside_core::Timestamp,
) -> Result<&StoredPhase, ApiError> {
    if let Some(id) = asked {
        return phases
            .iter()
            .find(|p| p.id.0 == id)
            .ok_or_else(ApiError::not_found);
    }
    let open: Vec<&StoredPhase> = phases
        .iter()
        .filter(|p| phase::is_open(&p.fields, now))
        .collect();
    match open.as_slice() {
        [only] => Ok(only),
        [] => Err(closed()),
        _ => Err(invalid(
            "invalid-comment",
            "The comment is not valid",
            vec![minside_plans::FieldError {
                pointer: "/phase_id".into(),
                message: "several phases are open: say which one you comment on".into(),
            }],
        )),
    }
}

fn closed() -> ApiError {
    conflict(
        "consultation-closed",
        "Not open for comments",
        "this phase does not take comments now (open from the first day 00:00 to the last \
         day 23:59:59, Europe/Oslo)",
    )
}

/// Submits a comment on the plan's open phase (or the phase named). Refused after the
/// deadline, and while acting for a child.
#[utoipa::path(post, path = "/api/v1/me/plans/{plan_id}/comments", tag = "plans",
    request_body = CommentBody,
    responses((status = 201, body = OwnComment),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn comment(
    State(state): State<AppState>,
    s: ResidentSession,
    Path(plan_id): Path<String>,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<(StatusCode, Json<OwnComment>), ApiError> {
    not_for_child(&s)?;
    let store = state.store();
    let k = s.session.kommunenummer;
    let now = state.now();
    store.get_plan(&k, &plan_id).await?;
    let phases = store.phases_of(&k, &plan_id).await?;
    let phase = pick_phase(&phases, body.phase_id, now)?;
    if !phase::is_open(&phase.fields, now) {
        return Err(closed());
    }
    let draft = minside_plans::CommentDraft {
        text: body.text,
        stance: body.stance,
        display: body.display,
        geometry: body.geometry,
        document_ref: body.document_ref,
    };
    let valid = minside_plans::validate_comment(&draft, &state.settings().plans.limits())
        .map_err(|e| invalid("invalid-comment", "The comment is not valid", e))?;
    let me = store.get_resident(s.session.resident_id).await?;
    let stored = store
        .add_comment(&NewComment {
            kommunenummer: k,
            plan_id: plan_id.clone(),
            phase_id: phase.id,
            resident_id: me.id,
            author_name: me.name,
            text: valid.text,
            geometry: valid.geometry,
            document_ref: valid.document_ref,
            stance: draft.stance,
            display: draft.display,
            created_at: now,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(OwnComment::new(&stored, true))))
}

/// Your comments on the plan, withdrawn ones included.
#[utoipa::path(get, path = "/api/v1/me/plans/{plan_id}/comments", tag = "plans",
    responses((status = 200, body = [OwnComment]),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn my_comments(
    State(state): State<AppState>,
    s: ResidentSession,
    Path(plan_id): Path<String>,
) -> Result<Json<Vec<OwnComment>>, ApiError> {
    let store = state.store();
    let k = s.session.kommunenummer;
    let now = state.now();
    store.get_plan(&k, &plan_id).await?;
    let phases = store.phases_of(&k, &plan_id).await?;
    let comments = store
        .comments_of_resident(&k, &plan_id, s.session.resident_id)
        .await?;
    state
        .log_own_read(
            (s.session.kommunenummer, s.session.resident_id),
            &["plan-comments"],
            "dine innspill",
        )
        .await;
    Ok(Json(
        comments
            .iter()
            .map(|c| {
                let open = phases
                    .iter()
                    .find(|p| p.id == c.comment.phase_id)
                    .is_some_and(|p| phase::is_open(&p.fields, now));
                OwnComment::new(c, open)
            })
            .collect(),
    ))
}

/// Withdraws your comment while its phase is open. It is kept (marked withdrawn), not deleted.
#[utoipa::path(post, path = "/api/v1/me/plans/{plan_id}/comments/{comment_id}/withdraw",
    tag = "plans",
    responses((status = 200, body = OwnComment),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn withdraw(
    State(state): State<AppState>,
    s: ResidentSession,
    Path((plan_id, comment_id)): Path<(String, Uuid)>,
) -> Result<Json<OwnComment>, ApiError> {
    not_for_child(&s)?;
    let store = state.store();
    let k = s.session.kommunenummer;
    let me: ResidentId = s.session.resident_id;
    let now = state.now();
    let c = store.get_comment(&k, CommentId(comment_id)).await?;
    if c.comment.resident_id != me || c.comment.plan_id != plan_id {
        return Err(ApiError::not_found());
    }
    let phase = store.get_phase(&k, c.comment.phase_id).await?;
    if !phase::is_open(&phase.fields, now) {
        return Err(closed());
    }
    let c = store.withdraw_comment(&k, c.id, me, now).await?;
    Ok(Json(OwnComment::new(&c, true)))
}

/// Follows the plan: you get a notice when a later phase opens, wherever you live.
#[utoipa::path(put, path = "/api/v1/me/plans/{plan_id}/follow", tag = "plans",
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn follow(
    State(state): State<AppState>,
    s: ResidentSession,
    Path(plan_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_following(&state, &s, &plan_id, true).await
}

/// Stops following the plan.
#[utoipa::path(delete, path = "/api/v1/me/plans/{plan_id}/follow", tag = "plans",
    responses((status = 204),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn unfollow(
    State(state): State<AppState>,
    s: ResidentSession,
    Path(plan_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_following(&state, &s, &plan_id, false).await
}

async fn set_following(
    state: &AppState,
    s: &ResidentSession,
    plan_id: &str,
    follow: bool,
) -> Result<StatusCode, ApiError> {
    not_for_child(s)?;
    let k = s.session.kommunenummer;
    state
        .store()
        .set_following(&k, plan_id, s.session.resident_id, follow, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
