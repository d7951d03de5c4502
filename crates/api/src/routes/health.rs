//! Liveness, readiness and Prometheus metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::ApiError;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(live))
        .routes(routes!(ready))
        .routes(routes!(metrics))
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    store: Option<&'static str>,
    /// Circuit breaker per source: `closed`, `half_open` or `open`. An open breaker does not
    /// make the instance unready: the overview still answers, marking that source.
    #[serde(skip_serializing_if = "Option::is_none")]
    sources: Option<std::collections::BTreeMap<String, String>>,
}

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, body = Health)))]
async fn live() -> Json<Health> {
    Json(Health {
        status: "live",
        store: None,
        sources: None,
    })
}

/// The process can serve requests: the store answers.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, body = Health), (status = 503, body = crate::error::Problem)))]
async fn ready(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.store().ping().await.map_err(|e| {
        tracing::warn!(error = %e, "store not ready");
        ApiError::unavailable("the database does not answer")
    })?;
    let sources = state
        .sources()
        .cache
        .breaker_states()
        .into_iter()
        .map(|(id, s)| {
            let state = match s {
                minside_cache::BreakerState::Closed => "closed",
                minside_cache::BreakerState::HalfOpen => "half_open",
                minside_cache::BreakerState::Open => "open",
            };
            (id, state.to_owned())
        })
        .collect();
    Ok(Json(Health {
        status: "ready",
        store: Some(state.store().backend()),
        sources: Some(sources),
    }))
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.0.metrics.render(),
    )
}
