//! Caseworkers' service catalogue (`service-editor` role): list every service of the
//! municipality (drafts and archived ones too), write a new one, change one (texts, theme,
//! deadlines, audience rules, status draft / published / archived).
//!
//! A change names the version it was made from; a change from an older version is refused
//! (409), so two editors never overwrite each other unseen. Every change is audited with
//! before and after. Services are archived, not deleted: links from notices keep working.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use minside_services::{FieldError, ServiceDraft, ThemeTree, validate};
use minside_store::{Role, ServiceFilter, ServiceStatus, StoreError, StoredService};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::caseworker::{CaseworkerSession, audit_change};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery};
use crate::services::{fields_of, service_of};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update))
}

/// A service as editors see it: the draft as written, its status and version, who changed it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminService {
    pub id: String,
    pub theme: String,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// Send it back with a change.
    pub version: i64,
    /// The bokmål title.
    pub title: String,
    /// `false` when the stored service no longer validates (it is then not shown to the public).
    pub valid: bool,
    /// The service as written (the body of a change).
    #[schema(value_type = Object)]
    pub service: Value,
    pub created_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: jiff::Timestamp,
    pub updated_by: String,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
}

impl AdminService {
    fn new(s: &StoredService) -> Self {
        let parsed = service_of(&s.fields.content);
        let title = s
            .fields
            .content
            .pointer("/texts/nb/title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Self {
            id: s.fields.service_id.clone(),
            theme: s.fields.theme.clone(),
            status: s.fields.status.as_str().to_owned(),
            version: s.version,
            title,
            valid: parsed.is_ok(),
            service: s.fields.content.clone(),
            created_by: s.created_by.clone(),
            created_at: s.created_at,
            updated_by: s.updated_by.clone(),
            updated_at: s.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AdminListQuery {
    /// A theme or second-level theme.
    theme: Option<String>,
    /// `draft`, `published` or `archived`.
    status: Option<String>,
}

/// Every service of your municipality, drafts and archived ones included, by theme.
#[utoipa::path(get, path = "/api/v1/admin/services", tag = "admin", params(AdminListQuery),
    responses((status = 200, body = [AdminService]),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    ApiQuery(q): ApiQuery<AdminListQuery>,
) -> Result<Json<Vec<AdminService>>, ApiError> {
    cw.require(Role::ServiceEditor)?;
    let status =
        match q.status.as_deref() {
            None => None,
            Some(s) => Some(ServiceStatus::parse(s).map_err(|_| {
                ApiError::bad_request("status must be draft, published or archived")
            })?),
        };
    let all = state
        .store()
        .list_services(
            &cw.session.kommunenummer,
            ServiceFilter {
                theme: q.theme.as_deref(),
                include_drafts: true,
            },
        )
        .await?;
    Ok(Json(
        all.iter()
            .filter(|s| status.is_none_or(|st| s.fields.status == st))
            .map(AdminService::new)
            .collect(),
    ))
}

/// A new service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceBody {
    /// `draft` (the default) or `published`.
    #[serde(default)]
    pub status: Option<String>,
    /// The service: `id`, `theme`, `texts` (`nb` required; `nn`, `en`, `se`), `apply_url`,
    /// `deadlines`, `contact`, `audience`, `notice_categories`, `record_categories`.
    #[schema(value_type = Object)]
    pub service: Value,
}

/// A change of a service.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceChangeBody {
    /// The version the change was made from.
    pub version: i64,
    /// `draft`, `published` or `archived`.
    pub status: String,
    /// The whole service as it should be (its `id` cannot change).
    #[schema(value_type = Object)]
    pub service: Value,
}

fn invalid(errors: Vec<FieldError>) -> ApiError {
    ApiError::unprocessable("invalid-service", "The service is not valid", errors)
}

/// Parses and validates the body's service; pointers are into the request body.
fn checked(
    status: Option<&str>,
    service: &Value,
) -> Result<(minside_services::Service, ServiceStatus), ApiError> {
    let mut errors = Vec::new();
    let status = match status.map(ServiceStatus::parse) {
        None => Some(ServiceStatus::Draft),
        Some(Ok(s)) => Some(s),
        Some(Err(_)) => {
            errors.push(FieldError::new(
                "/status",
                "must be draft, published or archived",
            ));
            None
        }
    };
    let parsed = match serde_json::from_value::<ServiceDraft>(service.clone()) {
        Ok(draft) => validate(&draft, &ThemeTree::municipal()).map_err(|es| {
            es.into_iter()
                .map(|e| FieldError::new(format!("/service{}", e.pointer), e.message))
                .collect::<Vec<_>>()
        }),
        Err(e) => Err(vec![FieldError::new("/service", e.to_string())]),
    };
    match (parsed, status) {
        (Ok(s), Some(st)) if errors.is_empty() => Ok((s, st)),
        (parsed, _) => {
            errors.extend(parsed.err().unwrap_or_default());
            Err(invalid(errors))
        }
    }
}

fn audit_json(s: &StoredService) -> Value {
    serde_json::json!({
        "status": s.fields.status.as_str(),
        "version": s.version,
        "service": s.fields.content,
    })
}

/// Writes a new service (a draft unless `status` says `published`).
#[utoipa::path(post, path = "/api/v1/admin/services", tag = "admin",
    request_body = NewServiceBody,
    responses((status = 201, body = AdminService),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    ApiJson(body): ApiJson<NewServiceBody>,
) -> Result<(StatusCode, Json<AdminService>), ApiError> {
    cw.require(Role::ServiceEditor)?;
    let (service, status) = checked(body.status.as_deref(), &body.service)?;
    let k = cw.session.kommunenummer;
    let by = cw.session.actor();
    let stored = match state
        .store()
        .create_service(&k, &fields_of(&service, body.service, status), &by, cw.now)
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "service-exists",
                "The service exists",
            )
            .with_detail(format!(
                "a service with the id {} exists: change it instead",
                service.id
            )));
        }
        other => other?,
    };
    audit_change(
        state.store().as_ref(),
        &cw,
        "service.create",
        &format!("service:{}", service.id),
        None,
        Some(audit_json(&stored)),
    )
    .await?;
    state.catalogue_changed(&k);
    Ok((StatusCode::CREATED, Json(AdminService::new(&stored))))
}

/// One service of your municipality, whatever its status.
#[utoipa::path(get, path = "/api/v1/admin/services/{service_id}", tag = "admin",
    responses((status = 200, body = AdminService),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(service_id): Path<String>,
) -> Result<Json<AdminService>, ApiError> {
    cw.require(Role::ServiceEditor)?;
    let stored = state
        .store()
        .get_service(&cw.session.kommunenummer, &service_id)
        .await?;
    Ok(Json(AdminService::new(&stored)))
}

/// Changes a service: the whole service as it should be, its status, and the version the
/// change was made from (409 when someone changed it since).
#[utoipa::path(put, path = "/api/v1/admin/services/{service_id}", tag = "admin",
    request_body = ServiceChangeBody,
    responses((status = 200, body = AdminService),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn update(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    Path(service_id): Path<String>,
    ApiJson(body): ApiJson<ServiceChangeBody>,
) -> Result<Json<AdminService>, ApiError> {
    cw.require(Role::ServiceEditor)?;
    let k = cw.session.kommunenummer;
    let store = state.store();
    let before = store.get_service(&k, &service_id).await?;
    let (service, status) = checked(Some(&body.status), &body.service)?;
    if service.id.as_str() != service_id {
        return Err(invalid(vec![FieldError::new(
            "/service/id",
            "the id of a service cannot change",
        )]));
    }
    let after = match store
        .update_service(
            &k,
            &service_id,
            body.version,
            &fields_of(&service, body.service, status),
            &cw.session.actor(),
            cw.now,
        )
        .await
    {
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "edit-conflict",
                "Changed by someone else",
            )
            .with_detail(format!(
                "the service is at version {}, the change was made from version {}: reload it",
                before.version, body.version
            )));
        }
        other => other?,
    };
    audit_change(
        store.as_ref(),
        &cw,
        "service.update",
        &format!("service:{service_id}"),
        Some(audit_json(&before)),
        Some(audit_json(&after)),
    )
    .await?;
    state.catalogue_changed(&k);
    Ok(Json(AdminService::new(&after)))
}
