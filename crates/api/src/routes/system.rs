//! Routes for source systems: push invalidation, so a legacy system can say "this resident's
//! data changed" and the next read fetches it anew. Authenticated per source with a bearer token.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use minside_auth::secrets_equal;
use minside_cache::SubjectKey;
use minside_core::{Pid, PidPolicy};
use minside_store::AuditEvent;
use secrecy::ExposeSecret;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, Tenant};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(invalidate))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvalidateRequest {
    /// The resident's fødselsnummer or D-nummer (in the body, never in the URL).
    pub pid: String,
}

fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "source-unauthorized",
        "Source not authorised",
    )
    .with_detail("a valid bearer token for this source is required")
}

/// Drop what MinSide holds of one resident from this source (memory, Redis, last-known-good).
#[utoipa::path(post, path = "/api/v1/system/sources/{source}/invalidate", tag = "system",
    params(("source" = String, Path, description = "The source id")),
    request_body = InvalidateRequest,
    security(("bearer" = [])),
    responses((status = 204, description = "Invalidated (also when nothing was held)"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn invalidate(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    Path(source): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<InvalidateRequest>,
) -> Result<StatusCode, ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let expected = state.settings().source_credentials.get(&source);
    let authorised = match (presented, expected) {
        (Some(p), Some(e)) => secrets_equal(p, e.expose_secret()),
        _ => false,
    };
    if !authorised || state.sources().cache.adapter(&source).is_none() {
        return Err(unauthorized());
    }
    let policy = PidPolicy {
        allow_synthetic: state.settings().idporten.allow_synthetic_pids,
    };
    let pid = Pid::parse(&request.pid, policy).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-pid",
            "Invalid identity number",
        )
        .with_detail(e.to_string())
    })?;
    let store = state.store();
    if let Some(resident) = store
        .find_resident_by_pid(&tenant.kommunenummer, &pid)
        .await?
    {
        state
            .sources()
            .cache
            .invalidate(&source, SubjectKey(resident.id.0))
            .await
            .map_err(|e| ApiError::unavailable(e.to_string()))?;
        store
            .append_audit(AuditEvent {
                kommunenummer: tenant.kommunenummer,
                at: state.now(),
                actor: format!("system:{source}"),
                action: "cache-invalidate".into(),
                subject: Some(resident.id),
                detail: serde_json::json!({ "source": source }),
            })
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
