//! Public statistics (no login; cacheable with an ETag): the imported datasets, one dataset's
//! dimensions and metrics, and the comparison of the tenant with chosen municipalities, its
//! KOSTRA group and the country. See `docs/statistics.md`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, Tenant};
use crate::state::AppState;
use crate::statistics::compare::{self, CompareQuery, Comparison};
use crate::statistics::views::{DatasetDetail, DatasetSummary, metadata_of};

/// Public and cacheable for `statistics.cache_seconds`, with an ETag (per tenant: `Vary: Host`).
fn cacheable<T: serde::Serialize>(state: &AppState, headers: &HeaderMap, body: &T) -> Response {
    let max_age = state.settings().statistics.cache_seconds;
    crate::http_cache::cacheable(headers, body, max_age, &[])
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(detail))
        .routes(routes!(comparison))
}

/// Every imported dataset with its metrics (label, unit, decimals), ordered by source and
/// table. Public and cacheable.
#[utoipa::path(get, path = "/api/v1/statistics", tag = "statistics",
    responses((status = 200, body = [DatasetSummary]), (status = 304)))]
#[tracing::instrument(skip_all)]
async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let mut out = Vec::new();
    for stored in state.store().list_datasets().await? {
        let metadata = metadata_of(&stored)?;
        out.push(DatasetSummary::new(&stored, &metadata));
    }
    Ok(cacheable(&state, &headers, &out))
}

/// One dataset: its metrics and every dimension with its categories. Public and cacheable.
#[utoipa::path(get, path = "/api/v1/statistics/{source}/{table}", tag = "statistics",
    params(("source" = String, Path, description = "Publisher key, e.g. `ssb`"),
        ("table" = String, Path, description = "Table id, e.g. `12191`")),
    responses((status = 200, body = DatasetDetail), (status = 304),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(source = %source, table = %table))]
async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((source, table)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let stored = state.store().get_dataset(&source, &table).await?;
    let metadata = metadata_of(&stored)?;
    Ok(cacheable(
        &state,
        &headers,
        &DatasetDetail::new(&stored, &metadata),
    ))
}

/// One metric as time series: this municipality beside the chosen ones (`with`), its KOSTRA
/// group and the country. Figures given under a 2020–2023 kommunenummer are found under the
/// 2024 one; missing figures are `null` with their status and an explanation. Public and
/// cacheable (per municipality).
#[utoipa::path(get, path = "/api/v1/statistics/{source}/{table}/compare", tag = "statistics",
    params(("source" = String, Path, description = "Publisher key, e.g. `ssb`"),
        ("table" = String, Path, description = "Table id, e.g. `12191`"),
        CompareQuery),
    responses((status = 200, body = Comparison), (status = 304),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
#[tracing::instrument(skip_all, fields(source = %source, table = %table))]
async fn comparison(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    Path((source, table)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<CompareQuery>,
) -> Result<Response, ApiError> {
    let out = compare::compare(state.store().as_ref(), &tenant, &source, &table, &query).await?;
    Ok(cacheable(&state, &headers, &out))
}
