//! Caseworkers' plans (`plan-manager` role): create and edit plans and their consultation
//! phases, import KS Fiks Plan messages, moderate (hide with a reason, never delete) and answer
//! comments, see counts per phase, and export a phase's comments as a "merknadsliste" in CSV
//! or JSON.
//!
//! Every change is audited with before and after. Reading or exporting comments is logged in
//! each commenter's access log. A caseworker only reaches their own municipality's plans.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minside_plans::fiks::{self, FiksMessage, PhaseEffect, PlanPatch, PlanRef};
use minside_plans::phase;
use minside_plans::{FieldError, PhaseDraft, PlanDraft};
use minside_store::{
    CaseworkerNote, CommentId, PhaseCounts, PhaseFields, PhaseId, PhaseKind, Role, StoreError,
    StoredComment, StoredPhase, StoredPlan,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::caseworker::{CaseworkerSession, audit_change};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery};
use crate::plans::{
    CaseworkerComment, PhaseView, PlanDetail, conflict, invalid, log_comment_reads,
    next_hearing_version,
};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(import))
        .routes(routes!(one, update))
        .routes(routes!(add_phase))
        .routes(routes!(change_phase))
        .routes(routes!(phase_comments))
        .routes(routes!(export))
        .routes(routes!(hide))
        .routes(routes!(show))
        .routes(routes!(answer))
}

/// Comment counts of one phase.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsView {
    pub phase_id: Uuid,
    pub total: u64,
    pub withdrawn: u64,
    pub hidden: u64,
    pub answered: u64,
    #[serde(rename = "for")]
    pub for_: u64,
    pub neutral: u64,
    pub against: u64,
}

impl CountsView {
    fn new(id: PhaseId, c: PhaseCounts) -> Self {
        Self {
            phase_id: id.0,
            total: c.total,
            withdrawn: c.withdrawn,
            hidden: c.hidden,
            answered: c.answered,
            for_: c.for_,
            neutral: c.neutral,
            against: c.against,
        }
    }
}

/// A plan as plan-managers see it: the public detail, comment counts per phase, and who
/// changed it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminPlan {
    #[serde(flatten)]
    pub plan: PlanDetail,
    pub counts: Vec<CountsView>,
    pub created_by: String,
    pub updated_by: String,
}

async fn admin_view(
    state: &AppState,
    cw: &CaseworkerSession,
    plan: &StoredPlan,
) -> Result<AdminPlan, ApiError> {
    let store = state.store();
    let k = cw.session.kommunenummer;
    let phases = store.phases_of(&k, &plan.fields.plan_id).await?;
    let counts = store.comment_counts(&k, &plan.fields.plan_id).await?;
    Ok(AdminPlan {
        plan: PlanDetail::new(plan, &phases, cw.now),
        counts: phases
            .iter()
            .map(|p| {
                let c = counts
                    .iter()
                    .find(|(id, _)| *id == p.id)
                    .map(|(_, c)| *c)
                    .unwrap_or_default();
                CountsView::new(p.id, c)
            })
            .collect(),
        created_by: plan.created_by.clone(),
        updated_by: plan.updated_by.clone(),
    })
}

fn plan_json(plan: &StoredPlan) -> Value {
    serde_json::to_value(minside_plans::draft_from_fields(&plan.fields)).unwrap_or(Value::Null)
}

fn phase_json(p: &StoredPhase) -> Value {
    serde_json::json!({
        "id": p.id.0,
        "plan_id": p.plan_id,
        "kind": p.fields.kind.as_str(),
        "hearing_version": p.fields.hearing_version,
        "title": p.fields.title,
        "opens_on": p.fields.opens_on.to_string(),
        "closes_on": p.fields.closes_on.to_string(),
    })
}

async fn audit(
    state: &AppState,
    cw: &CaseworkerSession,
    action: &str,
    subject: String,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), ApiError> {
    audit_change(state.store().as_ref(), cw, action, &subject, before, after).await
}

/// Parses a JSON body into `T`, as a 422 with a pointer-less error naming the problem.
fn parse_body<T: serde::de::DeserializeOwned>(
    body: Value,
    slug: &'static str,
    title: &'static str,
) -> Result<T, ApiError> {
    serde_json::from_value(body).map_err(|e| {
        invalid(
            slug,
            title,
            vec![FieldError {
                pointer: String::new(),
                message: format!("the body does not have the expected shape: {e}"),
            }],
        )
    })
}

fn invalid_plan(errors: Vec<FieldError>) -> ApiError {
    invalid("invalid-plan", "The plan is not valid", errors)
}

/// Lets the notice engine notify residents near the plan now when `phase` is open today,
/// rather than at the next daily run. A failure is logged: the daily run catches up.
async fn notify_if_open(state: &AppState, cw: &CaseworkerSession, phase: &StoredPhase) {
    if !phase::is_open(&phase.fields, cw.now) {
        return;
    }
    let k = cw.session.kommunenummer;
    match state
        .notices()
        .engine
        .notify_plan_phase(&k, phase.id, cw.now)
        .await
    {
        Ok(n) => tracing::info!(kommunenummer = %k, phase = %phase.id, created = n,
            "plan phase notices"),
        Err(e) => tracing::warn!(kommunenummer = %k, phase = %phase.id, error = %e,
            "plan phase notices failed; the daily run will retry"),
    }
}

/// The tenant's plans with comment counts, most recently changed first.
#[utoipa::path(get, path = "/api/v1/admin/plans", tag = "admin",
    responses((status = 200, body = [AdminPlan]),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    cw: CaseworkerSession,
) -> Result<Json<Vec<AdminPlan>>, ApiError> {
    cw.require(Role::PlanManager)?;
    let plans = state.store().list_plans(&cw.session.kommunenummer).await?;
    let mut out = Vec::with_capacity(plans.len());
    for plan in &plans {
        out.push(admin_view(&state, &cw, plan).await?);
    }
    Ok(Json(out))
}

/// A plan to create, or the new state of one with the `version` it is based on.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct PlanBody(pub Value);

/// The shape of a plan in requests (see docs/plans.md).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PlanRequest {
    /// `planidentifikasjon`: letters, digits, `_ . -`, up to 40.
    pub plan_id: String,
    pub name: String,
    /// plantyper code, e.g. `35` (detaljregulering).
    pub plan_type: Option<String>,
    /// planstatuser code, e.g. `2` (planforslag).
    pub status: String,
    pub law_reference: Option<String>,
    /// `offentlig` or `privat`.
    pub proposer_type: Option<String>,
    /// `{"year": 2026, "sequence": 1234}`.
    #[schema(value_type = Option<Object>)]
    pub case_number: Option<Value>,
    pub description: Option<String>,
    /// `[{"doc_type": "PLANBESKR", "title": .., "url": ..}]`.
    #[schema(value_type = Vec<Object>)]
    pub documents: Vec<Value>,
    /// `[{"event_type": "24", "date": "2026-11-01", "name": ..}]`.
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<Value>,
    /// GeoJSON Polygon or MultiPolygon; EPSG:4326, or EPSG:25833/25832/25835 with a `crs`
    /// member.
    #[schema(value_type = Option<Object>)]
    pub area: Option<Value>,
    /// For a change: the version it is based on.
    pub version: Option<i64>,
}

impl PlanBody {
    fn parse(self) -> Result<(PlanDraft, Option<i64>), ApiError> {
        let Value::Object(mut obj) = self.0 else {
            return Err(invalid_plan(vec![FieldError {
                pointer: String::new(),
                message: "the body must be a JSON object".into(),
            }]));
        };
        let version = match obj.remove("version") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_i64() {
                Some(n) if n >= 1 => Some(n),
                _ => {
                    return Err(invalid_plan(vec![FieldError {
                        pointer: "/version".into(),
                        message: "version must be a positive integer".into(),
                    }]));
                }
            },
        };
        let draft = parse_body(Value::Object(obj), "invalid-plan", "The plan is not valid")?;
        Ok((draft, version))
    }
}

/// Creates a plan. Codes, dates and the area are checked first; an invalid area (not closed,
/// self-intersecting, too many positions, unknown CRS, outside Norway) is refused and nothing
/// is stored.
#[utoipa::path(post, path = "/api/v1/admin/plans", tag = "admin", request_body = PlanRequest,
    responses((status = 201, body = AdminPlan),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<(StatusCode, Json<AdminPlan>), ApiError> {
    cw.require(Role::PlanManager)?;
    let (draft, _) = body.parse()?;
    let fields = minside_plans::validate_plan(&draft, &state.settings().plans.limits())
        .map_err(invalid_plan)?;
    let k = cw.session.kommunenummer;
    let plan = state
        .store()
        .create_plan(&k, &fields, &cw.session.actor(), cw.now)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => conflict(
                "plan-exists",
                "The plan exists",
                "a plan with this plan id exists already; change it instead",
            ),
            other => other.into(),
        })?;
    let subject = format!("plan:{}", plan.fields.plan_id);
    audit(
        &state,
        &cw,
        "plan.create",
        subject,
        None,
        Some(plan_json(&plan)),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(admin_view(&state, &cw, &plan).await?),
    ))
}

/// One plan with comment counts per phase.
#[utoipa::path(get, path = "/api/v1/admin/plans/{plan_id}", tag = "admin",
    responses((status = 200, body = AdminPlan),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(plan_id): Path<String>,
) -> Result<Json<AdminPlan>, ApiError> {
    cw.require(Role::PlanManager)?;
    let plan = state
        .store()
        .get_plan(&cw.session.kommunenummer, &plan_id)
        .await?;
    Ok(Json(admin_view(&state, &cw, &plan).await?))
}

fn version_conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(c) if c.contains("version") => conflict(
            "conflict",
            "Conflict",
            "the plan was changed by someone else since you read it; read it again",
        ),
        other => other.into(),
    }
}

/// Changes a plan. `version` must be the one read (409 otherwise); the plan id cannot change.
#[utoipa::path(put, path = "/api/v1/admin/plans/{plan_id}", tag = "admin",
    request_body = PlanRequest,
    responses((status = 200, body = AdminPlan),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(plan_id): Path<String>,
    ApiJson(body): ApiJson<PlanBody>,
) -> Result<Json<AdminPlan>, ApiError> {
    cw.require(Role::PlanManager)?;
    let (draft, version) = body.parse()?;
    let mut errors = Vec::new();
    if version.is_none() {
        errors.push(FieldError {
            pointer: "/version".into(),
            message: "the version you read is required for a change".into(),
        });
    }
    if draft.plan_id != plan_id {
        errors.push(FieldError {
            pointer: "/plan_id".into(),
            message: "the plan id cannot change".into(),
        });
    }
    let fields = match minside_plans::validate_plan(&draft, &state.settings().plans.limits()) {
        Ok(f) if errors.is_empty() => f,
        Ok(_) => return Err(invalid_plan(errors)),
        Err(more) => {
            errors.extend(more);
            return Err(invalid_plan(errors));
        }
    };
    let store = state.store();
    let k = cw.session.kommunenummer;
    let before = store.get_plan(&k, &plan_id).await?;
    let after = store
        .update_plan(
            &k,
            &plan_id,
            version.unwrap_or_default(),
            &fields,
            &cw.session.actor(),
            cw.now,
        )
        .await
        .map_err(version_conflict)?;
    let subject = format!("plan:{plan_id}");
    audit(
        &state,
        &cw,
        "plan.update",
        subject,
        Some(plan_json(&before)),
        Some(plan_json(&after)),
    )
    .await?;
    Ok(Json(admin_view(&state, &cw, &after).await?))
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// The plans created or changed, as they are now.
    pub plans: Vec<AdminPlan>,
    /// Plan ids created by this import.
    pub created: Vec<String>,
    /// Phases opened or closed by the processing events (e.g. "Kunngjøring av offentlig
    /// ettersyn" opens a hearing of six weeks).
    pub phases: Vec<PhaseView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The plan a `ResultatPlanbehandling` (processing events without a plan id) belongs to.
    plan_id: Option<String>,
}

/// Imports a KS Fiks Plan v2 message: `OppdaterArealplan`, a planbehandling registration
/// (kunngjøring av oppstart / offentlig ettersyn / planvedtak, høringsfrist utgått, mottatt
/// klage) or a plan register answer (`ResultatArealplan`, `ResultatPlanerForAdresse`, or
/// `ResultatPlanbehandling` with `?plan_id=`). Codes outside today's lists are kept. The
/// plan's kommunenummer must be this municipality's, now or before a merger. Everything is
/// checked before anything is stored.
#[utoipa::path(post, path = "/api/v1/admin/plans/import", tag = "admin", params(ImportQuery),
    request_body(content = Object, content_type = "application/json"),
    responses((status = 200, body = ImportResult),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn import(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> Result<Json<ImportResult>, ApiError> {
    cw.require(Role::PlanManager)?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
        });
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Expected application/json",
        ));
    }
    let not_valid = |e| {
        invalid(
            "invalid-fiks-message",
            "The Fiks Plan message is not valid",
            e,
        )
    };
    let message = match (&q.plan_id, fiks::parse_message(&body)) {
        (_, Ok(m)) => m,
        // A plan register answer with processing events only: the plan is the one asked about.
        (Some(plan_id), Err(e)) => match fiks::parse_events(&body) {
            Ok(events) => FiksMessage::Plans {
                plans: vec![(
                    PlanRef {
                        kommunenummer: cw.session.kommunenummer.to_string(),
                        plan_id: plan_id.clone(),
                    },
                    PlanPatch::default(),
                    events,
                )],
            },
            Err(_) => return Err(not_valid(e)),
        },
        (None, Err(e)) => return Err(not_valid(e)),
    };
    let items: Vec<(PlanRef, PlanPatch, Vec<minside_plans::ProcessingEvent>)> = match message {
        FiksMessage::UpdatePlan { plan, patch } => vec![(plan, patch, Vec::new())],
        FiksMessage::Processing {
            plan,
            event,
            documents,
        } => {
            let patch = PlanPatch {
                documents,
                ..PlanPatch::default()
            };
            vec![(plan, patch, vec![event])]
        }
        FiksMessage::Plans { plans } => plans,
    };
    let store = state.store();
    let k = cw.session.kommunenummer;
    let limits = state.settings().plans.limits();
    // Check everything first, so a bad plan in a list leaves every plan as it was.
    let mut planned = Vec::new();
    for (i, (plan_ref, patch, events)) in items.iter().enumerate() {
        if !cw.tenant.is_own_number(&plan_ref.kommunenummer) {
            return Err(invalid(
                "invalid-fiks-message",
                "The Fiks Plan message is not valid",
                vec![FieldError {
                    pointer: format!("/plans/{i}/kommunenummer"),
                    message: format!(
                        "the plan belongs to municipality {}, not {}",
                        plan_ref.kommunenummer, k
                    ),
                }],
            ));
        }
        let existing = match store.get_plan(&k, &plan_ref.plan_id).await {
            Ok(p) => Some(p),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        };
        let draft = fiks::apply(
            existing
                .as_ref()
                .map(|p| minside_plans::draft_from_fields(&p.fields)),
            plan_ref,
            patch,
            events,
        );
        let fields =
            minside_plans::validate_imported_plan(&draft, &limits).map_err(invalid_plan)?;
        planned.push((existing, fields, events));
    }
    let mut out = ImportResult {
        plans: Vec::new(),
        created: Vec::new(),
        phases: Vec::new(),
    };
    let by = cw.session.actor();
    for (existing, fields, events) in planned {
        let subject = format!("plan:{}", fields.plan_id);
        let plan = match &existing {
            None => {
                let p = store.create_plan(&k, &fields, &by, cw.now).await?;
                out.created.push(p.fields.plan_id.clone());
                p
            }
            Some(before) => store
                .update_plan(&k, &fields.plan_id, before.version, &fields, &by, cw.now)
                .await
                .map_err(version_conflict)?,
        };
        audit(
            &state,
            &cw,
            "plan.import",
            subject,
            existing.as_ref().map(plan_json),
            Some(plan_json(&plan)),
        )
        .await?;
        for event in events {
            if let Some(effect) = fiks::phase_effect(event)
                && let Some(phase) = apply_effect(&state, &cw, &plan.fields.plan_id, effect).await?
            {
                notify_if_open(&state, &cw, &phase).await;
                out.phases.push(PhaseView::new(&phase, cw.now));
            }
        }
        let plan = store.get_plan(&k, &plan.fields.plan_id).await?;
        out.plans.push(admin_view(&state, &cw, &plan).await?);
    }
    Ok(Json(out))
}

/// Opens or closes a phase as a processing event says; an import repeated changes nothing.
async fn apply_effect(
    state: &AppState,
    cw: &CaseworkerSession,
    plan_id: &str,
    effect: PhaseEffect,
) -> Result<Option<StoredPhase>, ApiError> {
    let store = state.store();
    let k = cw.session.kommunenummer;
    let phases = store.phases_of(&k, plan_id).await?;
    match effect {
        PhaseEffect::Open {
            kind,
            opens_on,
            closes_on,
        } => {
            if phases
                .iter()
                .any(|p| p.fields.kind == kind && p.fields.opens_on == opens_on)
            {
                return Ok(None);
            }
            let hearing_version = if kind == PhaseKind::Horing {
                next_hearing_version(&phases)
            } else {
                1
            };
            let fields = PhaseFields {
                kind,
                hearing_version,
                title: None,
                opens_on,
                closes_on,
            };
            let phase = store.create_phase(&k, plan_id, &fields, cw.now).await?;
            let subject = format!("plan:{plan_id}:phase:{}", phase.id);
            audit(
                state,
                cw,
                "plan.phase.create",
                subject,
                None,
                Some(phase_json(&phase)),
            )
            .await?;
            Ok(Some(phase))
        }
        PhaseEffect::CloseHearing { on } => {
            let Some(open) = phases.iter().find(|p| {
                p.fields.kind == PhaseKind::Horing
                    && p.fields.opens_on <= on
                    && on < p.fields.closes_on
            }) else {
                return Ok(None);
            };
            let fields = PhaseFields {
                closes_on: on,
                ..open.fields.clone()
            };
            let phase = store.update_phase(&k, open.id, &fields, cw.now).await?;
            let subject = format!("plan:{plan_id}:phase:{}", phase.id);
            audit(
                state,
                cw,
                "plan.phase.update",
                subject,
                Some(phase_json(open)),
                Some(phase_json(&phase)),
            )
            .await?;
            Ok(Some(phase))
        }
    }
}

fn parse_phase(body: Value) -> Result<PhaseFields, ApiError> {
    let draft: PhaseDraft = parse_body(body, "invalid-phase", "The phase is not valid")?;
    minside_plans::validate_phase(&draft)
        .map_err(|e| invalid("invalid-phase", "The phase is not valid", e))
}

/// A phase to add or the new state of one: `kind` (`oppstart`, `horing`, `vedtak`, `klage`),
/// `hearing_version`, `title`, `opens_on`, `closes_on` (dates in Europe/Oslo; comments are taken
/// until 23:59:59 on `closes_on`).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct PhaseBody(pub Value);

/// The shape of a phase in requests.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct PhaseRequest {
    /// `oppstart`, `horing`, `vedtak` or `klage`.
    pub kind: String,
    /// 1 for the first hearing, 2 for a second one, …; default 1.
    pub hearing_version: Option<i32>,
    pub title: Option<String>,
    /// `YYYY-MM-DD`, Europe/Oslo.
    pub opens_on: String,
    /// `YYYY-MM-DD`: comments until 23:59:59 Europe/Oslo that day.
    pub closes_on: String,
}

/// Adds a consultation phase. When it is open today, residents near the plan (and its
/// followers) get a notice at once through the notice engine's active plan rules.
#[utoipa::path(post, path = "/api/v1/admin/plans/{plan_id}/phases", tag = "admin",
    request_body = PhaseRequest,
    responses((status = 201, body = PhaseView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn add_phase(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(plan_id): Path<String>,
    ApiJson(body): ApiJson<PhaseBody>,
) -> Result<(StatusCode, Json<PhaseView>), ApiError> {
    cw.require(Role::PlanManager)?;
    let fields = parse_phase(body.0)?;
    let k = cw.session.kommunenummer;
    let phase = state
        .store()
        .create_phase(&k, &plan_id, &fields, cw.now)
        .await?;
    let subject = format!("plan:{plan_id}:phase:{}", phase.id);
    audit(
        &state,
        &cw,
        "plan.phase.create",
        subject,
        None,
        Some(phase_json(&phase)),
    )
    .await?;
    notify_if_open(&state, &cw, &phase).await;
    Ok((StatusCode::CREATED, Json(PhaseView::new(&phase, cw.now))))
}

/// Changes a phase (e.g. extends a hearing).
#[utoipa::path(put, path = "/api/v1/admin/plans/{plan_id}/phases/{phase_id}", tag = "admin",
    request_body = PhaseRequest,
    responses((status = 200, body = PhaseView),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn change_phase(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path((plan_id, phase_id)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<PhaseBody>,
) -> Result<Json<PhaseView>, ApiError> {
    cw.require(Role::PlanManager)?;
    let fields = parse_phase(body.0)?;
    let store = state.store();
    let k = cw.session.kommunenummer;
    let before = phase_of_plan(&state, &cw, &plan_id, phase_id).await?;
    let after = store.update_phase(&k, before.id, &fields, cw.now).await?;
    let subject = format!("plan:{plan_id}:phase:{phase_id}");
    audit(
        &state,
        &cw,
        "plan.phase.update",
        subject,
        Some(phase_json(&before)),
        Some(phase_json(&after)),
    )
    .await?;
    notify_if_open(&state, &cw, &after).await;
    Ok(Json(PhaseView::new(&after, cw.now)))
}

async fn phase_of_plan(
    state: &AppState,
    cw: &CaseworkerSession,
    plan_id: &str,
    phase_id: Uuid,
) -> Result<StoredPhase, ApiError> {
    let phase = state
        .store()
        .get_phase(&cw.session.kommunenummer, PhaseId(phase_id))
        .await?;
    if phase.plan_id != plan_id {
        return Err(ApiError::not_found());
    }
    Ok(phase)
}

/// Every comment of the phase with the writer's name, withdrawn and hidden ones included.
/// Logged in each writer's access log.
#[utoipa::path(get, path = "/api/v1/admin/plans/{plan_id}/phases/{phase_id}/comments",
    tag = "admin",
    responses((status = 200, body = [CaseworkerComment]),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn phase_comments(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path((plan_id, phase_id)): Path<(String, Uuid)>,
) -> Result<Json<Vec<CaseworkerComment>>, ApiError> {
    cw.require(Role::PlanManager)?;
    let phase = phase_of_plan(&state, &cw, &plan_id, phase_id).await?;
    let comments = read_comments(&state, &cw, &phase, "merknadsbehandling").await?;
    Ok(Json(comments.iter().map(CaseworkerComment::new).collect()))
}

async fn read_comments(
    state: &AppState,
    cw: &CaseworkerSession,
    phase: &StoredPhase,
    purpose: &str,
) -> Result<Vec<StoredComment>, ApiError> {
    let k = cw.session.kommunenummer;
    let comments = state.store().comments_of_phase(&k, phase.id).await?;
    log_comment_reads(
        state,
        k,
        comments.iter().map(|c| c.comment.resident_id).collect(),
        "caseworker",
        &cw.session.actor(),
        purpose,
        cw.now,
    )
    .await;
    Ok(comments)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `csv` (default; `;`-separated, UTF-8 with BOM for spreadsheet programs) or `json`.
    format: Option<String>,
}

/// The phase's comments as a "merknadsliste": number, time, name (unless the writer asked to
/// be hidden from the public), stance, text, geometry as WKT (CSV) or GeoJSON and WKT (JSON),
/// document, status, hiding reason, answer. Audited, and logged for every writer.
#[utoipa::path(get, path = "/api/v1/admin/plans/{plan_id}/phases/{phase_id}/export",
    tag = "admin", params(ExportQuery),
    responses((status = 200, content_type = "text/csv"),
        (status = 200, body = Object, content_type = "application/json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn export(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path((plan_id, phase_id)): Path<(String, Uuid)>,
    ApiQuery(q): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    cw.require(Role::PlanManager)?;
    let csv = match q.format.as_deref() {
        None | Some("csv") => true,
        Some("json") => false,
        Some(_) => return Err(ApiError::bad_request("format must be csv or json")),
    };
    let phase = phase_of_plan(&state, &cw, &plan_id, phase_id).await?;
    let comments = read_comments(&state, &cw, &phase, "merknadsliste").await?;
    let subject = format!("plan:{plan_id}:phase:{phase_id}");
    let detail = serde_json::json!({ "format": if csv { "csv" } else { "json" },
        "comments": comments.len() });
    audit(&state, &cw, "plan.export", subject, None, Some(detail)).await?;
    if !csv {
        return Ok(Json(minside_plans::export::to_json(
            &plan_id, &phase, &comments, cw.now,
        ))
        .into_response());
    }
    let body = minside_plans::export::to_csv(&comments);
    let file = format!(
        "attachment; filename=\"merknadsliste-{}-{}.csv\"",
        plan_id.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
            "_"
        ),
        phase.fields.opens_on
    );
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&file) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// The reason for hiding, or the answer: 1 to 4,000 characters.
    pub text: String,
}

fn note(body: NoteBody, cw: &CaseworkerSession) -> Result<CaseworkerNote, ApiError> {
    let text = body.text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > 4000 {
        return Err(invalid(
            "invalid-note",
            "The text is not valid",
            vec![FieldError {
                pointer: "/text".into(),
                message: "the text must have 1 to 4000 characters".into(),
            }],
        ));
    }
    Ok(CaseworkerNote {
        text: text.to_owned(),
        by: cw.session.actor(),
        at: cw.now,
    })
}

async fn comment_of_plan(
    state: &AppState,
    cw: &CaseworkerSession,
    plan_id: &str,
    comment_id: Uuid,
) -> Result<StoredComment, ApiError> {
    let c = state
        .store()
        .get_comment(&cw.session.kommunenummer, CommentId(comment_id))
        .await?;
    if c.comment.plan_id != plan_id {
        return Err(ApiError::not_found());
    }
    Ok(c)
}

fn moderation_json(c: &StoredComment) -> Value {
    serde_json::json!({
        "hidden_reason": c.hidden.as_ref().map(|h| h.text.clone()),
        "answer": c.answer.as_ref().map(|a| a.text.clone()),
    })
}

/// What a caseworker does to a comment.
enum Moderation {
    Hide(CaseworkerNote),
    Show,
    Answer(CaseworkerNote),
}

/// Applies `m` to the plan's comment and audits the change with before and after.
async fn moderate(
    state: &AppState,
    cw: &CaseworkerSession,
    plan_id: &str,
    comment_id: Uuid,
    m: Moderation,
) -> Result<Json<CaseworkerComment>, ApiError> {
    let before = comment_of_plan(state, cw, plan_id, comment_id).await?;
    let (store, k) = (state.store(), &cw.session.kommunenummer);
    let (action, after) = match &m {
        Moderation::Hide(n) => (
            "plan.comment.hide",
            store.set_comment_hidden(k, before.id, Some(n)).await?,
        ),
        Moderation::Show => (
            "plan.comment.show",
            store.set_comment_hidden(k, before.id, None).await?,
        ),
        Moderation::Answer(n) => (
            "plan.comment.answer",
            store.answer_comment(k, before.id, n).await?,
        ),
    };
    let subject = format!("plan:{plan_id}:comment:{}", after.id);
    audit(
        state,
        cw,
        action,
        subject,
        Some(moderation_json(&before)),
        Some(moderation_json(&after)),
    )
    .await?;
    Ok(Json(CaseworkerComment::new(&after)))
}

/// Hides a comment from the public with a reason shown in its place. The comment is kept and
/// stays in the export.
#[utoipa::path(post, path = "/api/v1/admin/plans/{plan_id}/comments/{comment_id}/hide",
    tag = "admin", request_body = NoteBody,
    responses((status = 200, body = CaseworkerComment),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn hide(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path((plan_id, comment_id)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<Json<CaseworkerComment>, ApiError> {
    cw.require(Role::PlanManager)?;
    let m = Moderation::Hide(note(body, &cw)?);
    moderate(&state, &cw, &plan_id, comment_id, m).await
}

/// Shows a hidden comment to the public again.
#[utoipa::path(post, path = "/api/v1/admin/plans/{plan_id}/comments/{comment_id}/show",
    tag = "admin",
    responses((status = 200, body = CaseworkerComment),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn show(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path((plan_id, comment_id)): Path<(String, Uuid)>,
) -> Result<Json<CaseworkerComment>, ApiError> {
    cw.require(Role::PlanManager)?;
    moderate(&state, &cw, &plan_id, comment_id, Moderation::Show).await
}

/// Answers a comment (replaces an earlier answer); the writer and the public see it.
#[utoipa::path(put, path = "/api/v1/admin/plans/{plan_id}/comments/{comment_id}/answer",
    tag = "admin", request_body = NoteBody,
    responses((status = 200, body = CaseworkerComment),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn answer(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path((plan_id, comment_id)): Path<(String, Uuid)>,
    ApiJson(body): ApiJson<NoteBody>,
) -> Result<Json<CaseworkerComment>, ApiError> {
    cw.require(Role::PlanManager)?;
    let m = Moderation::Answer(note(body, &cw)?);
    moderate(&state, &cw, &plan_id, comment_id, m).await
}
