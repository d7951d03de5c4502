//! "Hva vet kommunen om meg?": the overview, one category, the export and the access log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minside_adapter::{Category, Purpose};
use minside_overview::{Overview, OverviewError, Reader, ReaderKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{Acting, ApiQuery};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(category))
        .routes(routes!(export))
        .routes(routes!(access_log))
}

fn reader(acting: &Acting, headers: &HeaderMap, purpose: Purpose) -> Reader {
    let guardian = acting.as_guardian();
    Reader {
        kind: if guardian {
            ReaderKind::Guardian
        } else {
            ReaderKind::Resident
        },
        actor_ref: acting.me.id.0.to_string(),
        purpose: match purpose {
            Purpose::ResidentView if guardian => Purpose::GuardianView,
            p => p,
        },
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// Everything the municipality's sources know about you (or the child you act for), per source
/// marked fresh, stale (with age) or unavailable, within the configured deadline.
#[utoipa::path(get, path = "/api/v1/me/overview", tag = "overview",
    responses((status = 200, description = "Per-source overview; each category also lists the \
        services that follow on from it", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn overview(
    State(state): State<AppState>,
    headers: HeaderMap,
    acting: Acting,
) -> Result<Json<serde_json::Value>, ApiError> {
    let reader = reader(&acting, &headers, Purpose::ResidentView);
    let view = state
        .sources()
        .overview
        .overview(&acting.subject, &reader)
        .await;
    Ok(Json(linked(&state, &headers, &acting, &view).await?))
}

/// The view with the services that follow on from each category (see
/// [`crate::services::link_overview`]).
async fn linked(
    state: &AppState,
    headers: &HeaderMap,
    acting: &Acting,
    view: &Overview,
) -> Result<serde_json::Value, ApiError> {
    let catalogue = state.catalogue(&acting.subject.kommunenummer).await?;
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    let wanted = minside_services::wanted_languages(None, accept);
    Ok(crate::services::link_overview(view, &catalogue, &wanted))
}

/// One category (e.g. `kindergarten`, `invoices`) from the sources that offer it.
#[utoipa::path(get, path = "/api/v1/me/data/{category}", tag = "overview",
    params(("category" = String, Path, description = "Category id, e.g. `invoices`")),
    responses((status = 200, description = "The category per source", body = Object),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn category(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(category): Path<String>,
    acting: Acting,
) -> Result<Json<serde_json::Value>, ApiError> {
    let category = Category::parse(&category).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let reader = reader(&acting, &headers, Purpose::ResidentView);
    match state
        .sources()
        .overview
        .category(&acting.subject, &reader, &category)
        .await
    {
        Ok(view) => Ok(Json(linked(&state, &headers, &acting, &view).await?)),
        Err(OverviewError::UnknownCategory(c)) => Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            "unknown-category",
            "Unknown category",
        )
        .with_detail(format!("no source offers the category '{c}'"))),
    }
}

/// Everything, per source, as one JSON document to keep; sources that failed are marked.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "overview",
    responses((status = 200, description = "The export", body = Object),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn export(State(state): State<AppState>, headers: HeaderMap, acting: Acting) -> Response {
    let reader = reader(&acting, &headers, Purpose::Export);
    let view = state
        .sources()
        .overview
        .export(&acting.subject, &reader)
        .await;
    let failed: Vec<&str> = view
        .sources
        .iter()
        .filter(|s| matches!(s.status, minside_overview::SourceStatus::Unavailable { .. }))
        .map(|s| s.source.as_str())
        .collect();
    let body = serde_json::json!({
        "format": "minside-export/1",
        "resident": { "id": acting.subject.id.0, "name": acting.subject.name,
                      "kommunenummer": acting.subject.kommunenummer.to_string() },
        "generated_at": view.generated_at,
        "complete": failed.is_empty(),
        "failed_sources": failed,
        "sources": view.sources,
    });
    let mut response = Json(body).into_response();
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"minside-eksport.json\""),
    );
    response
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AccessLogQuery {
    /// How many entries, newest first (1–500, default 100).
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AccessLogView {
    pub entries: Vec<AccessView>,
    /// Whether the tamper-evident hash chain of this log verifies.
    pub intact: bool,
    pub total: u64,
}

#[derive(Serialize, ToSchema)]
pub struct AccessView {
    #[schema(value_type = String, format = DateTime)]
    pub at: minside_core::Timestamp,
    /// `resident`, `guardian`, `caseworker` or `system`.
    pub actor_kind: String,
    /// Who, as the resident can recognise them ("deg selv", a guardian's name, a system).
    pub actor: String,
    pub categories: Vec<String>,
    pub purpose: String,
}

/// Who has read your data (or the child's you act for): when, which categories and why.
#[utoipa::path(get, path = "/api/v1/me/access-log", tag = "overview", params(AccessLogQuery),
    responses((status = 200, body = AccessLogView),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn access_log(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<AccessLogQuery>,
    acting: Acting,
) -> Result<Json<AccessLogView>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 500"));
    }
    // Reads just made are still in the writer's queue; show them.
    state.sources().overview.access_logger().flush().await;
    let store = state.store();
    let entries = store.list_access(acting.subject.id, limit).await?;
    let verdict = store.verify_access_chain(acting.subject.id).await?;
    let mut views = Vec::with_capacity(entries.len());
    for e in entries {
        let actor = match Uuid::parse_str(&e.actor_ref) {
            Ok(id) if id == acting.me.id.0 => "deg selv".to_owned(),
            Ok(id) => match store.get_resident(minside_store::ResidentId(id)).await {
                Ok(r) => r.name,
                Err(_) => e.actor_kind.clone(),
            },
            Err(_) => e.actor_ref.clone(),
        };
        views.push(AccessView {
            at: e.at,
            actor_kind: e.actor_kind,
            actor,
            categories: e.categories,
            purpose: e.purpose,
        });
    }
    Ok(Json(AccessLogView {
        entries: views,
        intact: verdict.intact,
        total: verdict.entries,
    }))
}
