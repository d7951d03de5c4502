//! Residents report errors in records; each report is stored with a status and routed to the
//! source system's owner.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use minside_adapter::Category;
use minside_store::{Correction, NewCorrection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{Acting, ApiJson};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(report, list))
}

const MAX_MESSAGE: usize = 4000;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    /// The source id from the overview (e.g. `demo-invoices`).
    pub source: String,
    pub category: String,
    /// The record's id from the overview.
    pub record_id: String,
    /// The field that is wrong, if one (its machine key).
    pub field_key: Option<String>,
    /// What is wrong, in your own words (1–4000 characters).
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct CorrectionView {
    pub id: Uuid,
    pub source: String,
    /// The system the report is routed to.
    pub routed_to: String,
    pub category: String,
    pub record_id: String,
    pub field_key: Option<String>,
    pub message: String,
    /// `received`, `forwarded`, `resolved` or `rejected`.
    pub status: String,
    pub status_note: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: minside_core::Timestamp,
}

fn view(state: &AppState, c: Correction) -> CorrectionView {
    let routed_to = state
        .sources()
        .cache
        .adapter(&c.source)
        .map_or_else(|| c.source.clone(), |a| a.name().to_owned());
    CorrectionView {
        id: c.id.0,
        routed_to,
        source: c.source,
        category: c.category,
        record_id: c.record_id,
        field_key: c.field_key,
        message: c.message,
        status: c.status.as_str().to_owned(),
        status_note: c.status_note,
        created_at: c.created_at,
    }
}

fn invalid(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-correction",
        "Invalid correction",
    )
    .with_detail(detail)
}

/// Report an error in a record you (or the child you act for) see in the overview.
#[utoipa::path(post, path = "/api/v1/me/corrections", tag = "overview",
    request_body = CorrectionRequest,
    responses((status = 201, body = CorrectionView),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn report(
    State(state): State<AppState>,
    acting: Acting,
    ApiJson(r): ApiJson<CorrectionRequest>,
) -> Result<(StatusCode, Json<CorrectionView>), ApiError> {
    let Some(adapter) = state.sources().cache.adapter(&r.source) else {
        return Err(invalid("unknown source"));
    };
    let category = Category::parse(&r.category).map_err(|_| invalid("invalid category"))?;
    if !adapter.categories().iter().any(|c| c.id == category) {
        return Err(invalid("this source does not have that category"));
    }
    let record_ok = |s: &str| (1..=200).contains(&s.len()) && !s.chars().any(char::is_control);
    if !record_ok(&r.record_id) {
        return Err(invalid("record_id must be 1 to 200 printable characters"));
    }
    if let Some(k) = &r.field_key
        && !((1..=64).contains(&k.len())
            && k.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
    {
        return Err(invalid(
            "field_key must be 1 to 64 characters of a-z, 0-9 and _",
        ));
    }
    let message = r.message.trim();
    if message.is_empty() || message.chars().count() > MAX_MESSAGE {
        return Err(invalid("message must be 1 to 4000 characters"));
    }
    let correction = state
        .store()
        .create_correction(NewCorrection {
            kommunenummer: acting.subject.kommunenummer,
            resident_id: acting.subject.id,
            source: r.source,
            category: category.to_string(),
            record_id: r.record_id,
            field_key: r.field_key,
            message: message.to_owned(),
            reported_by: format!("resident:{}", acting.me.id.0),
            created_at: state.now(),
        })
        .await?;
    tracing::info!(correction = %correction.id.0, source = %correction.source, "correction reported");
    Ok((StatusCode::CREATED, Json(view(&state, correction))))
}

/// Your reported corrections (or the child's you act for), newest first, with status.
#[utoipa::path(get, path = "/api/v1/me/corrections", tag = "overview",
    responses((status = 200, body = [CorrectionView])))]
async fn list(
    State(state): State<AppState>,
    acting: Acting,
) -> Result<Json<Vec<CorrectionView>>, ApiError> {
    let list = state.store().list_corrections(acting.subject.id).await?;
    Ok(Json(list.into_iter().map(|c| view(&state, c)).collect()))
}
