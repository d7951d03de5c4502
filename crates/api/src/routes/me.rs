//! The logged-in resident's own routes under `/api/v1/me`.

use axum::Json;
use jiff::Timestamp;
use minside_auth::AssuranceLevel;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::ResidentSession;
use crate::state::AppState;
use axum::extract::State;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(session))
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub resident: ResidentInfo,
    pub tenant: TenantInfo,
    /// The `acr` of the login, e.g. `idporten-loa-substantial`.
    pub acr: String,
    /// `substantial` or `high`.
    pub level: String,
    pub locale: String,
    /// Send this in the `X-CSRF-Token` header on state-changing requests.
    pub csrf_token: String,
    #[schema(value_type = String, format = DateTime)]
    pub logged_in_at: Timestamp,
    /// When the session ends unless used before (inactivity), or at the latest.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub absolute_expires_at: Timestamp,
}

#[derive(Serialize, ToSchema)]
pub struct ResidentInfo {
    pub id: Uuid,
    /// From the population register when known; empty until then.
    pub name: String,
    /// Birth date part of the fødselsnummer, the rest masked: `010190*****`.
    pub pid_masked: String,
}

#[derive(Serialize, ToSchema)]
pub struct TenantInfo {
    pub kommunenummer: String,
    pub name: String,
}

/// Who is logged in, how strongly, and until when.
#[utoipa::path(get, path = "/api/v1/me/session", tag = "me",
    responses((status = 200, body = SessionInfo),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn session(
    State(state): State<AppState>,
    ResidentSession { tenant, session }: ResidentSession,
) -> Result<Json<SessionInfo>, ApiError> {
    let resident = state.store().get_resident(session.resident_id).await?;
    let level = AssuranceLevel::from_acr(&session.acr).unwrap_or_default();
    Ok(Json(SessionInfo {
        resident: ResidentInfo {
            id: resident.id.0,
            name: resident.name,
            pid_masked: resident.pid.masked(),
        },
        tenant: TenantInfo {
            kommunenummer: tenant.kommunenummer.to_string(),
            name: tenant.name.clone(),
        },
        acr: session.acr.clone(),
        level: level.as_str().to_owned(),
        locale: session.locale.as_str().to_owned(),
        csrf_token: session.csrf_token.clone(),
        logged_in_at: session.created_at,
        expires_at: session.idle_expires_at.min(session.absolute_expires_at),
        absolute_expires_at: session.absolute_expires_at,
    }))
}
