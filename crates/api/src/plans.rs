//! Plan consultations at the HTTP edge: the views shared by the public, resident and
//! caseworker routes, HTTP caching of public answers, and the demo municipality's plans.
//!
//! The plan model, code lists, geometry and deadline rules are `minside-plans`'; the store keeps
//! plans, phases, comments and followers. Here they become JSON for the three audiences: the
//! public sees plans and comments without hidden names, a resident also sees their own comments,
//! and a plan-manager sees everything, with every read of a commenter's data access-logged.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_plans::codes::{self, CodeList};
use minside_plans::phase::{self, PhaseState};
use minside_store::{
    AccessLogEntry, CommentDisplay, PhaseFields, PhaseKind, ResidentId, StoredComment, StoredPhase,
    StoredPlan,
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::ConfigError;
use crate::error::ApiError;
use crate::state::AppState;

/// A code with its description from the Fiks Plan code list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CodeView {
    pub code: String,
    /// `None` for a code not in today's list.
    pub description: Option<String>,
}

fn code(list: CodeList, code: &str) -> CodeView {
    CodeView {
        code: code.to_owned(),
        description: codes::describe(list, code).map(str::to_owned),
    }
}

/// A consultation phase and whether it takes comments now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PhaseView {
    pub id: Uuid,
    /// `oppstart`, `horing`, `vedtak` or `klage`.
    pub kind: String,
    pub hearing_version: i32,
    /// E.g. "Offentlig ettersyn (høring 2)".
    pub label: String,
    pub title: Option<String>,
    /// First day comments are taken (Europe/Oslo).
    pub opens_on: String,
    /// Last day comments are taken, until 23:59:59 Europe/Oslo.
    pub closes_on: String,
    /// `upcoming`, `open` or `closed`.
    pub state: String,
    /// Whole days left after today while open (0 on the last day).
    pub days_left: Option<i64>,
    /// The moment comments stop being accepted.
    #[schema(value_type = String, format = DateTime)]
    pub closes_at: Option<Timestamp>,
}

impl PhaseView {
    pub fn new(p: &StoredPhase, now: Timestamp) -> Self {
        let f = &p.fields;
        let (state, days_left, closes_at) = match phase::state(f, now) {
            PhaseState::Upcoming { .. } => ("upcoming", None, None),
            PhaseState::Open {
                closes_at,
                days_left,
            } => ("open", Some(days_left), Some(closes_at)),
            PhaseState::Closed { closed_at } => ("closed", None, Some(closed_at)),
        };
        Self {
            id: p.id.0,
            kind: f.kind.as_str().to_owned(),
            hearing_version: f.hearing_version,
            label: phase::label(f.kind, f.hearing_version),
            title: f.title.clone(),
            opens_on: f.opens_on.to_string(),
            closes_on: f.closes_on.to_string(),
            state: state.to_owned(),
            days_left,
            closes_at,
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

/// A plan in lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanSummary {
    /// The national plan id's `planidentifikasjon`.
    pub plan_id: String,
    pub name: String,
    pub plan_type: Option<CodeView>,
    pub status: CodeView,
    /// The phase open for comments now (the one closing first if several).
    pub open_phase: Option<PhaseView>,
    /// The next phase to open, when none is open.
    pub upcoming_phase: Option<PhaseView>,
    /// `[min_lon, min_lat, max_lon, max_lat]` of the plan area (EPSG:4326).
    pub bbox: Option<[f64; 4]>,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

impl PlanSummary {
    pub fn new(plan: &StoredPlan, phases: &[StoredPhase], now: Timestamp) -> Self {
        let views: Vec<PhaseView> = phases.iter().map(|p| PhaseView::new(p, now)).collect();
        Self::from_views(plan, &views)
    }

    fn from_views(plan: &StoredPlan, views: &[PhaseView]) -> Self {
        let f = &plan.fields;
        let open_phase = views
            .iter()
            .filter(|v| v.is_open())
            .min_by_key(|v| v.closes_on.clone())
            .cloned();
        let upcoming_phase = if open_phase.is_some() {
            None
        } else {
            views
                .iter()
                .filter(|v| v.state == "upcoming")
                .min_by_key(|v| v.opens_on.clone())
                .cloned()
        };
        Self {
            plan_id: f.plan_id.clone(),
            name: f.name.clone(),
            plan_type: f.plan_type.as_deref().map(|c| code(CodeList::PlanType, c)),
            status: code(CodeList::PlanStatus, &f.status),
            open_phase,
            upcoming_phase,
            bbox: f.bbox.map(|b| [b.min_lon, b.min_lat, b.max_lon, b.max_lat]),
            updated_at: plan.updated_at,
        }
    }
}

/// A plan with everything the public may see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub summary: PlanSummary,
    pub kommunenummer: String,
    pub law_reference: Option<CodeView>,
    /// `offentlig` or `privat`.
    pub proposer_type: Option<String>,
    /// Saksnummer as "saksår/sekvensnummer".
    pub case_number: Option<String>,
    pub description: Option<String>,
    /// Plan documents: `doc_type` (dokumenttyper code), its `doc_type_description`, `title`,
    /// `url`, `file_name`, `archive_name`.
    #[schema(value_type = Vec<Object>)]
    pub documents: Value,
    /// Processing events (behandlingstyper): `event_type`, its `description`, `date`, `name`,
    /// `case_number`, `position`.
    #[schema(value_type = Vec<Object>)]
    pub events: Value,
    /// The plan area as a GeoJSON geometry in EPSG:4326.
    #[schema(value_type = Option<Object>)]
    pub area: Option<Value>,
    pub phases: Vec<PhaseView>,
    /// Changes with every change of the plan or its phases.
    pub version: i64,
}

/// Adds `description_key` from `list` to each object of `items` that has `code_key`.
fn describe_all(items: &Value, code_key: &str, list: CodeList, description_key: &str) -> Value {
    let mut items = items.clone();
    if let Value::Array(rows) = &mut items {
        for row in rows.iter_mut() {
            let described = row
                .get(code_key)
                .and_then(Value::as_str)
                .and_then(|c| codes::describe(list, c));
            if let (Some(d), Value::Object(o)) = (described, row) {
                o.insert(description_key.to_owned(), Value::String(d.to_owned()));
            }
        }
    }
    items
}

impl PlanDetail {
    pub fn new(plan: &StoredPlan, phases: &[StoredPhase], now: Timestamp) -> Self {
        let f = &plan.fields;
        let views: Vec<PhaseView> = phases.iter().map(|p| PhaseView::new(p, now)).collect();
        Self {
            summary: PlanSummary::from_views(plan, &views),
            kommunenummer: plan.kommunenummer.to_string(),
            law_reference: f
                .law_reference
                .as_deref()
                .map(|c| code(CodeList::LawReference, c)),
            proposer_type: f.proposer_type.clone(),
            case_number: f.case_number.map(|(y, s)| format!("{y}/{s}")),
            description: f.description.clone(),
            documents: describe_all(
                &f.documents,
                "doc_type",
                CodeList::DocumentType,
                "doc_type_description",
            ),
            events: describe_all(
                &f.events,
                "event_type",
                CodeList::ProcessingType,
                "description",
            ),
            area: f.area.clone(),
            phases: views,
            version: plan.version,
        }
    }
}

/// The municipality's answer to a comment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerView {
    pub text: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// A comment as the public sees it: no name when the writer asked for that, no text when the
/// municipality hid it (the reason is shown instead). Withdrawn comments are not public.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicComment {
    pub id: Uuid,
    pub phase_id: Uuid,
    /// `None` when the writer chose to be known only to the municipality.
    pub name: Option<String>,
    /// `for`, `neutral` or `against`.
    pub stance: String,
    /// `None` when hidden by the municipality.
    pub text: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Value>,
    pub document_ref: Option<String>,
    pub hidden: bool,
    pub hidden_reason: Option<String>,
    pub answer: Option<AnswerView>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl PublicComment {
    /// `None` for a withdrawn comment.
    pub fn new(c: &StoredComment) -> Option<Self> {
        if c.withdrawn_at.is_some() {
            return None;
        }
        let n = &c.comment;
        let hidden = c.hidden.is_some();
        Some(Self {
            id: c.id.0,
            phase_id: n.phase_id.0,
            name: (n.display == CommentDisplay::Named && !hidden).then(|| n.author_name.clone()),
            stance: n.stance.as_str().to_owned(),
            text: (!hidden).then(|| n.text.clone()),
            geometry: if hidden { None } else { n.geometry.clone() },
            document_ref: if hidden { None } else { n.document_ref.clone() },
            hidden,
            hidden_reason: c.hidden.as_ref().map(|h| h.text.clone()),
            answer: answer(c),
            created_at: n.created_at,
        })
    }
}

fn answer(c: &StoredComment) -> Option<AnswerView> {
    c.answer.as_ref().map(|a| AnswerView {
        text: a.text.clone(),
        at: a.at,
    })
}

/// A comment as its writer sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnComment {
    pub id: Uuid,
    pub plan_id: String,
    pub phase_id: Uuid,
    pub text: String,
    pub stance: String,
    /// `named` or `hidden`.
    pub display: String,
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Value>,
    pub document_ref: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at: Option<Timestamp>,
    /// Hidden from the public by the municipality, with the reason.
    pub hidden_reason: Option<String>,
    pub answer: Option<AnswerView>,
    /// Whether you can still withdraw it (not withdrawn, and its phase is open).
    pub can_withdraw: bool,
}

impl OwnComment {
    pub fn new(c: &StoredComment, phase_open: bool) -> Self {
        let n = &c.comment;
        Self {
            id: c.id.0,
            plan_id: n.plan_id.clone(),
            phase_id: n.phase_id.0,
            text: n.text.clone(),
            stance: n.stance.as_str().to_owned(),
            display: n.display.as_str().to_owned(),
            geometry: n.geometry.clone(),
            document_ref: n.document_ref.clone(),
            created_at: n.created_at,
            withdrawn_at: c.withdrawn_at,
            hidden_reason: c.hidden.as_ref().map(|h| h.text.clone()),
            answer: answer(c),
            can_withdraw: c.withdrawn_at.is_none() && phase_open,
        }
    }
}

/// A comment as a plan-manager sees it: everything, including who wrote it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseworkerComment {
    pub id: Uuid,
    pub phase_id: Uuid,
    pub resident_id: Uuid,
    pub name: String,
    /// `named`, or `hidden` (not shown to the public).
    pub display: String,
    pub stance: String,
    pub text: String,
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<Value>,
    pub document_ref: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at: Option<Timestamp>,
    pub hidden_reason: Option<String>,
    pub hidden_by: Option<String>,
    pub answer: Option<AnswerView>,
    pub answered_by: Option<String>,
}

impl CaseworkerComment {
    pub fn new(c: &StoredComment) -> Self {
        let n = &c.comment;
        Self {
            id: c.id.0,
            phase_id: n.phase_id.0,
            resident_id: n.resident_id.0,
            name: n.author_name.clone(),
            display: n.display.as_str().to_owned(),
            stance: n.stance.as_str().to_owned(),
            text: n.text.clone(),
            geometry: n.geometry.clone(),
            document_ref: n.document_ref.clone(),
            created_at: n.created_at,
            withdrawn_at: c.withdrawn_at,
            hidden_reason: c.hidden.as_ref().map(|h| h.text.clone()),
            hidden_by: c.hidden.as_ref().map(|h| h.by.clone()),
            answer: answer(c),
            answered_by: c.answer.as_ref().map(|a| a.by.clone()),
        }
    }
}

/// A `422 invalid-<what>` problem with each error at its JSON pointer.
pub fn invalid(
    slug: &'static str,
    title: &'static str,
    errors: Vec<minside_plans::FieldError>,
) -> ApiError {
    ApiError::unprocessable(slug, title, errors)
}

/// A `409` problem.
pub fn conflict(slug: &'static str, title: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, slug, title).with_detail(detail)
}

/// A JSON answer the public may cache: `Cache-Control: public, max-age`, a weak `ETag` from the
/// body, and `304 Not Modified` when the client already has it.
pub fn cacheable<T: Serialize>(state: &AppState, headers: &HeaderMap, body: &T) -> Response {
    crate::http_cache::cacheable(headers, body, state.settings().plans.cache_seconds, &[])
}

/// Logs that `actor` read these residents' comments (name and text) for `purpose`.
pub async fn log_comment_reads(
    state: &AppState,
    k: Kommunenummer,
    residents: Vec<ResidentId>,
    actor_kind: &str,
    actor_ref: &str,
    purpose: &str,
    at: Timestamp,
) {
    let mut seen = std::collections::BTreeSet::new();
    let logger = state.sources().overview.access_logger();
    for r in residents {
        if !seen.insert(r) {
            continue;
        }
        logger
            .log(AccessLogEntry {
                kommunenummer: k,
                resident_id: r,
                at,
                actor_kind: actor_kind.to_owned(),
                actor_ref: actor_ref.to_owned(),
                categories: vec!["plan-comments".into()],
                purpose: purpose.to_owned(),
            })
            .await;
    }
}

/// The next hearing version of a plan: one more than the highest so far.
pub fn next_hearing_version(phases: &[StoredPhase]) -> i32 {
    phases
        .iter()
        .filter(|p| p.fields.kind == PhaseKind::Horing)
        .map(|p| p.fields.hearing_version)
        .max()
        .unwrap_or(0)
        + 1
}

/// The demo municipality's plans (`src/demo/plans.json`: drafts with phases relative to today),
/// stored the first time the demo tenant starts without plans. Returns how many were added.
pub(crate) async fn seed_demo_plans(
    store: &dyn minside_store::Store,
    settings: &crate::config::PlanSettings,
    k: &Kommunenummer,
    now: Timestamp,
) -> Result<usize, ConfigError> {
    const PLANS: &str = include_str!("demo/plans.json");
    #[derive(serde::Deserialize)]
    struct DemoPhase {
        kind: PhaseKind,
        #[serde(default = "one")]
        hearing_version: i32,
        title: Option<String>,
        /// Days from today (negative: in the past).
        opens_in_days: i32,
        closes_in_days: i32,
    }
    fn one() -> i32 {
        1
    }
    #[derive(serde::Deserialize)]
    struct DemoPlan {
        plan: minside_plans::PlanDraft,
        phases: Vec<DemoPhase>,
    }
    let fail = |e: &dyn std::fmt::Display| ConfigError::Load(format!("demo plans: {e}"));
    if !store.list_plans(k).await.map_err(|e| fail(&e))?.is_empty() {
        return Ok(0);
    }
    let plans: Vec<DemoPlan> = serde_json::from_str(PLANS).map_err(|e| fail(&e))?;
    let limits = settings.limits();
    let today = minside_core::lifephase::today_in_oslo(now);
    let day = |offset: i32| today.checked_add(jiff::Span::new().days(offset));
    for demo in &plans {
        let fields = minside_plans::validate_plan(&demo.plan, &limits).map_err(|errors| {
            let first = errors
                .first()
                .map(|e| format!("{}: {}", e.pointer, e.message));
            fail(&format!(
                "{} is not valid: {}",
                demo.plan.plan_id,
                first.unwrap_or_default()
            ))
        })?;
        store
            .create_plan(k, &fields, "system:demo", now)
            .await
            .map_err(|e| fail(&e))?;
        for p in &demo.phases {
            let phase = PhaseFields {
                kind: p.kind,
                hearing_version: p.hearing_version,
                title: p.title.clone(),
                opens_on: day(p.opens_in_days).map_err(|e| fail(&e))?,
                closes_on: day(p.closes_in_days).map_err(|e| fail(&e))?,
            };
            store
                .create_phase(k, &fields.plan_id, &phase, now)
                .await
                .map_err(|e| fail(&e))?;
        }
    }
    tracing::info!(kommunenummer = %k, plans = plans.len(), "demo plans added");
    Ok(plans.len())
}
