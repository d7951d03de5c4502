//! Caseworkers' notice rules (`notice-editor` role): create and edit drafts, preview the
//! audience, move a rule through draft -> active <-> paused -> archived, run a campaign, and
//! follow each rule's statistics and the residents who need a paper letter.
//!
//! Every change is audited with the rule before and after. A caseworker only ever sees their
//! own municipality's rules: another tenant's rule id is 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use minside_notices::{FieldError, RuleDraft, ValidRule, validate};
use minside_store::{AccessLogEntry, Role, RuleId, RuleStats, RuleStatus, StoreError, StoredRule};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::caseworker::{CaseworkerSession, audit_change};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(preview_draft))
        .routes(routes!(one, update))
        .routes(routes!(set_status))
        .routes(routes!(preview_rule))
        .routes(routes!(run_campaign))
        .routes(routes!(stats))
        .routes(routes!(paper_letters))
}

/// A rule as caseworkers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    pub id: Uuid,
    pub name: String,
    pub category: String,
    pub opt_out_allowed: bool,
    /// `draft`, `active`, `paused` or `archived`.
    pub status: String,
    #[schema(value_type = Object)]
    pub trigger: Value,
    /// CEL over the resident view (docs/notices.md).
    pub audience: String,
    #[schema(value_type = Object)]
    pub content: Value,
    pub channels: Vec<String>,
    pub priority: i16,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// Send it back with changes (optimistic concurrency).
    pub version: i64,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: minside_core::Timestamp,
    pub updated_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: minside_core::Timestamp,
}

impl From<&StoredRule> for RuleView {
    fn from(r: &StoredRule) -> Self {
        Self {
            id: r.id.0,
            name: r.name.clone(),
            category: r.category.clone(),
            opt_out_allowed: r.opt_out_allowed,
            status: r.status.as_str().to_owned(),
            trigger: r.trigger.clone(),
            audience: r.audience.clone(),
            content: r.content.clone(),
            channels: r.channels.iter().map(|c| c.as_str().to_owned()).collect(),
            priority: r.priority,
            valid_from: r.valid_from.map(|d| d.to_string()),
            valid_to: r.valid_to.map(|d| d.to_string()),
            version: r.version,
            created_by: r.created_by.clone(),
            created_at: r.created_at,
            updated_by: r.updated_by.clone(),
            updated_at: r.updated_at,
        }
    }
}

/// Audits a change of `after` (from `before`; `None` for a creation), both as caseworkers see them.
async fn audit_rule(
    state: &AppState,
    cw: &CaseworkerSession,
    action: &str,
    before: Option<&StoredRule>,
    after: &StoredRule,
) -> Result<(), ApiError> {
    let view = |r: &StoredRule| serde_json::to_value(RuleView::from(r)).unwrap_or(Value::Null);
    let subject = format!("notice-rule:{}", after.id);
    audit_change(
        state.store().as_ref(),
        cw,
        action,
        &subject,
        before.map(view),
        Some(view(after)),
    )
    .await
}

/// A rule to create, or the new state of one with the `version` it is based on: `name`,
/// `category`, `opt_out_allowed`, `trigger`, `audience`, `content`, `channels`, `priority`,
/// `valid_from`, `valid_to` (see docs/notices.md).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct RuleBody(pub Value);

/// The shape of a rule in requests (for the OpenAPI document; see docs/notices.md).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RuleRequest {
    pub name: String,
    /// Notice category (what residents may opt out of), e.g. `barnehage`.
    pub category: String,
    pub opt_out_allowed: bool,
    /// `{"kind": "age", "of": "child", "years": 1, "months": 0}`, `{"kind": "before_date",
    /// "date": {"annual": {"month": 3, "day": 1}}, "days_before": 30}`, `{"kind":
    /// "life_event", "event": "moved_in", "who": "resident"}` or `{"kind": "campaign"}`.
    #[schema(value_type = Object)]
    pub trigger: Value,
    /// CEL over the resident view, e.g. `resident.children.exists(c, c.age < 6)`.
    pub audience: String,
    /// `{"nb": {"title": .., "body": ..}, "nn": .., "en": ..}` with `{{placeholders}}`.
    #[schema(value_type = Object)]
    pub content: Value,
    /// `inbox`, `email`, `sms`.
    pub channels: Vec<String>,
    pub priority: Option<i64>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
    /// For a change: the version it is based on.
    pub version: Option<i64>,
}

const RULE_FIELDS: [&str; 10] = [
    "name",
    "category",
    "opt_out_allowed",
    "trigger",
    "audience",
    "content",
    "channels",
    "priority",
    "valid_from",
    "valid_to",
];

impl RuleBody {
    /// The draft and the version, or every problem with a pointer (unknown members too, so a
    /// misspelt field is not silently ignored).
    fn parse(self) -> Result<(RuleDraft, Option<i64>), ApiError> {
        let Value::Object(mut obj) = self.0 else {
            return Err(invalid_rule(vec![FieldError {
                pointer: String::new(),
                message: "the body must be a JSON object".into(),
            }]));
        };
        let version = obj.remove("version");
        let mut errors: Vec<FieldError> = obj
            .keys()
            .filter(|k| !RULE_FIELDS.contains(&k.as_str()))
            .map(|k| FieldError {
                pointer: format!("/{}", k.replace('~', "~0").replace('/', "~1")),
                message: "unknown field".into(),
            })
            .collect();
        let version = match version {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_i64() {
                Some(n) if n >= 1 => Some(n),
                _ => {
                    errors.push(FieldError {
                        pointer: "/version".into(),
                        message: "version must be a positive integer".into(),
                    });
                    None
                }
            },
        };
        let draft = match serde_json::from_value::<RuleDraft>(Value::Object(obj)) {
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(FieldError {
                    pointer: String::new(),
                    message: format!("the rule does not have the expected shape: {e}"),
                });
                None
            }
        };
        match draft {
            Some(d) if errors.is_empty() => Ok((d, version)),
            _ => Err(invalid_rule(errors)),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `active`, `paused` or `archived`.
    pub status: String,
    pub version: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    include_archived: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PaperQuery {
    rule: Option<Uuid>,
    limit: Option<u32>,
}

/// Someone who needs the notice on paper: no digital channel could be used (KRR).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperLetterView {
    pub notice_id: Uuid,
    pub rule_id: Uuid,
    pub resident_id: Uuid,
    pub name: String,
    pub street: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    /// Why no digital channel: `krr_reserved`, `krr_cannot_be_notified`, `krr_outdated`,
    /// `no_contact`.
    pub reasons: Vec<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: minside_core::Timestamp,
}

fn invalid_rule(errors: Vec<FieldError>) -> ApiError {
    ApiError::unprocessable("invalid-rule", "The rule is not valid", errors)
}

fn check(draft: &RuleDraft) -> Result<ValidRule, ApiError> {
    validate(draft).map_err(invalid_rule)
}

/// The service a rule links to must be in the municipality's catalogue (any status: a draft
/// service may be published before the rule is activated; residents only see the link to a
/// published one).
async fn check_linked_service(
    state: &AppState,
    k: &minside_core::Kommunenummer,
    rule: &ValidRule,
) -> Result<(), ApiError> {
    let Some(id) = &rule.content.service else {
        return Ok(());
    };
    match state.store().get_service(k, id).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound) => Err(invalid_rule(vec![FieldError {
            pointer: "/content/service".into(),
            message: "no service with this id in the municipality's catalogue".into(),
        }])),
        Err(e) => Err(e.into()),
    }
}

fn conflict(detail: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "conflict", "Conflict").with_detail(detail)
}

fn version_conflict(e: StoreError) -> ApiError {
    match e {
        StoreError::Conflict(c) if c.contains("version") => {
            conflict("the rule was changed by someone else since you read it; read it again")
        }
        other => other.into(),
    }
}

/// The tenant's notice rules, newest first.
#[utoipa::path(get, path = "/api/v1/admin/notice-rules", tag = "admin", params(ListQuery),
    responses((status = 200, body = [RuleView]),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<RuleView>>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let k = cw.session.kommunenummer;
    let rules = state.store().list_rules(&k, q.include_archived).await?;
    Ok(Json(rules.iter().map(RuleView::from).collect()))
}

/// Creates a rule as a draft. Everything is checked first: the audience expression, the
/// placeholders in every text, the dates, the channels.
#[utoipa::path(post, path = "/api/v1/admin/notice-rules", tag = "admin", request_body = RuleRequest,
    responses((status = 201, body = RuleView),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    ApiJson(body): ApiJson<RuleBody>,
) -> Result<(StatusCode, Json<RuleView>), ApiError> {
    cw.require(Role::NoticeEditor)?;
    let (draft, _) = body.parse()?;
    let valid = check(&draft)?;
    let store = state.store();
    let k = cw.session.kommunenummer;
    check_linked_service(&state, &k, &valid).await?;
    let rule = store
        .create_rule(&k, valid.to_fields(), &cw.session.actor(), cw.now)
        .await?;
    audit_rule(&state, &cw, "notice_rule.create", None, &rule).await?;
    Ok((StatusCode::CREATED, Json(RuleView::from(&rule))))
}

/// One rule.
#[utoipa::path(get, path = "/api/v1/admin/notice-rules/{id}", tag = "admin",
    responses((status = 200, body = RuleView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(id): Path<Uuid>,
) -> Result<Json<RuleView>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let rule = state
        .store()
        .get_rule(&cw.session.kommunenummer, RuleId(id))
        .await?;
    Ok(Json(RuleView::from(&rule)))
}

/// Changes a draft or paused rule (pause an active rule first). `version` must be the one
/// read; a change by someone else in between is 409.
#[utoipa::path(put, path = "/api/v1/admin/notice-rules/{id}", tag = "admin",
    request_body = RuleRequest,
    responses((status = 200, body = RuleView),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<RuleBody>,
) -> Result<Json<RuleView>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let (draft, version) = body.parse()?;
    let Some(version) = version else {
        return Err(invalid_rule(vec![FieldError {
            pointer: "/version".into(),
            message: "the version you read is required for a change".into(),
        }]));
    };
    let valid = check(&draft)?;
    let store = state.store();
    let k = cw.session.kommunenummer;
    check_linked_service(&state, &k, &valid).await?;
    let before = store.get_rule(&k, RuleId(id)).await?;
    if !matches!(before.status, RuleStatus::Draft | RuleStatus::Paused) {
        return Err(conflict(
            "only a draft or a paused rule can be changed; pause it first",
        ));
    }
    let after = store
        .update_rule(
            &k,
            RuleId(id),
            version,
            valid.to_fields(),
            &cw.session.actor(),
            cw.now,
        )
        .await
        .map_err(version_conflict)?;
    audit_rule(&state, &cw, "notice_rule.update", Some(&before), &after).await?;
    Ok(Json(RuleView::from(&after)))
}

fn transition_allowed(from: RuleStatus, to: RuleStatus) -> bool {
    use RuleStatus::*;
    matches!(
        (from, to),
        (Draft, Active) | (Active, Paused) | (Paused, Active) | (Draft | Active | Paused, Archived)
    )
}

/// Activates, pauses or archives a rule (draft -> active <-> paused -> archived; archived is
/// final). An activated campaign starts at once.
#[utoipa::path(post, path = "/api/v1/admin/notice-rules/{id}/status", tag = "admin",
    request_body = StatusBody,
    responses((status = 200, body = RuleView),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_status(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Json<RuleView>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let to = RuleStatus::parse(&body.status).map_err(|_| {
        invalid_rule(vec![FieldError {
            pointer: "/status".into(),
            message: "status must be active, paused or archived".into(),
        }])
    })?;
    let store = state.store();
    let k = cw.session.kommunenummer;
    let before = store.get_rule(&k, RuleId(id)).await?;
    if !transition_allowed(before.status, to) {
        return Err(conflict(&format!(
            "a {} rule cannot become {}",
            before.status, to
        )));
    }
    if to == RuleStatus::Active {
        // Stored rules were valid when saved; check again against today's rules of validation.
        check(&RuleDraft::from(&before))?;
    }
    let after = store
        .set_rule_status(
            &k,
            RuleId(id),
            body.version,
            to,
            &cw.session.actor(),
            cw.now,
        )
        .await
        .map_err(version_conflict)?;
    audit_rule(&state, &cw, "notice_rule.status", Some(&before), &after).await?;
    if to == RuleStatus::Active && crate::notices::is_campaign(&after) {
        let engine = state.notices().engine.clone();
        let now = cw.now;
        tokio::spawn(async move {
            match engine.run_campaign(&k, RuleId(id), now).await {
                Ok(r) => tracing::info!(rule = %id, created = r.created(), "campaign run"),
                Err(e) => tracing::warn!(rule = %id, error = %e, "campaign run failed"),
            }
        });
    }
    Ok(Json(RuleView::from(&after)))
}

/// How many residents a draft would notify now, with a few masked samples. Sends nothing,
/// stores nothing.
#[utoipa::path(post, path = "/api/v1/admin/notice-rules/preview", tag = "admin",
    request_body = RuleRequest,
    responses((status = 200, body = Object),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn preview_draft(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    ApiJson(body): ApiJson<RuleBody>,
) -> Result<Json<Value>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let (draft, _) = body.parse()?;
    let valid = check(&draft)?;
    preview(&state, &cw, &valid).await
}

/// How many residents a stored rule would notify now, with a few masked samples.
#[utoipa::path(post, path = "/api/v1/admin/notice-rules/{id}/preview", tag = "admin",
    responses((status = 200, body = Object),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn preview_rule(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let rule = state
        .store()
        .get_rule(&cw.session.kommunenummer, RuleId(id))
        .await?;
    let valid = check(&RuleDraft::from(&rule))?;
    preview(&state, &cw, &valid).await
}

async fn preview(
    state: &AppState,
    cw: &CaseworkerSession,
    rule: &ValidRule,
) -> Result<Json<Value>, ApiError> {
    let p = state
        .notices()
        .engine
        .preview(&cw.session.kommunenummer, rule, cw.now)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(json!({
        "count": p.count,
        "samples": p.samples.iter().map(|s| json!({
            "initial": s.initial, "age": s.age, "postcode": s.postcode,
        })).collect::<Vec<_>>(),
        "audience_errors": p.audience_errors,
        "basis": p.basis,
    })))
}

/// Runs an active campaign now: everyone in its audience who has not had it gets it.
#[utoipa::path(post, path = "/api/v1/admin/notice-rules/{id}/run", tag = "admin",
    responses((status = 200, body = Object),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn run_campaign(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(id): Path<Uuid>,
) -> Result<Json<Value>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let k = cw.session.kommunenummer;
    let report = state
        .notices()
        .engine
        .run_campaign(&k, RuleId(id), cw.now)
        .await
        .map_err(|e| match e {
            minside_notices::NoticesError::NotApplicable(m) => conflict(&m),
            minside_notices::NoticesError::Store(s) => s.into(),
            other => ApiError::internal(other),
        })?;
    audit_change(
        state.store().as_ref(),
        &cw,
        "notice_rule.run",
        &format!("notice-rule:{id}"),
        None,
        Some(json!({ "created": report.created() })),
    )
    .await?;
    Ok(Json(
        json!({ "created": report.created(), "matched": report.matched() }),
    ))
}

/// The rule's notices: created, read, and per channel pending, delivered, failed and skipped.
#[utoipa::path(get, path = "/api/v1/admin/notice-rules/{id}/stats", tag = "admin",
    responses((status = 200, body = Object),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn stats(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(id): Path<Uuid>,
) -> Result<Json<RuleStats>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let k = cw.session.kommunenummer;
    state.store().get_rule(&k, RuleId(id)).await?;
    Ok(Json(state.store().rule_stats(&k, RuleId(id)).await?))
}

/// Residents who need a notice on paper because no digital channel may be used (KRR:
/// reserved, cannot be notified, contact data older than 18 months, or none). Each listed
/// resident's access log records the read.
#[utoipa::path(get, path = "/api/v1/admin/paper-letters", tag = "admin", params(PaperQuery),
    responses((status = 200, body = [PaperLetterView])))]
async fn paper_letters(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    ApiQuery(q): ApiQuery<PaperQuery>,
) -> Result<Json<Vec<PaperLetterView>>, ApiError> {
    cw.require(Role::NoticeEditor)?;
    let limit = q.limit.unwrap_or(500);
    if !(1..=5000).contains(&limit) {
        return Err(ApiError::bad_request("limit must be 1 to 5000"));
    }
    let k = cw.session.kommunenummer;
    let letters = state
        .store()
        .paper_letters(&k, q.rule.map(RuleId), limit)
        .await?;
    let logger = state.sources().overview.access_logger();
    for l in &letters {
        logger
            .log(AccessLogEntry {
                kommunenummer: k,
                resident_id: l.recipient_id,
                at: cw.now,
                actor_kind: "caseworker".into(),
                actor_ref: cw.session.actor(),
                categories: vec!["address".into()],
                purpose: "brev på papir".into(),
            })
            .await;
    }
    Ok(Json(
        letters
            .into_iter()
            .map(|l| PaperLetterView {
                notice_id: l.notice_id.0,
                rule_id: l.rule_id.0,
                resident_id: l.recipient_id.0,
                name: l.name,
                street: l.street,
                postcode: l.postcode,
                city: l.city,
                reasons: l.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
                created_at: l.created_at,
            })
            .collect(),
    ))
}
