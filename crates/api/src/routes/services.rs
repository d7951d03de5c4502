//! The service catalogue for the public and for residents: the theme tree, the list by theme,
//! search ("barnehageplass" finds "Søke barnehageplass"), a service in full (no login;
//! cacheable, in the language asked for by `?lang=` or `Accept-Language`, falling back to
//! bokmål), and the services that fit your phase of life with the reason for each.
//!
//! Ranking for you reads your register facts (age, children's ages, when you moved here) and
//! whether a property source lists property for you; both reads are access-logged, the second
//! by the overview as any read of a source.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use minside_adapter::{Category, Purpose};
use minside_core::lifephase::today_in_oslo;
use minside_overview::{Reader, ReaderKind, SourceStatus};
use minside_services::{Extra, Lang, ThemeTree, rank};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, Problem};
use crate::extract::{Acting, ApiQuery, Tenant};
use crate::http_cache::cacheable;
use crate::services::{ServiceDetail, ServiceSummary, invalid_query, languages};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(themes))
        .routes(routes!(list))
        .routes(routes!(detail))
        .routes(routes!(for_me))
}

/// The longest search text, in characters.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LangQuery {
    /// `nb`, `nn`, `en` or `se`; before the `Accept-Language` header.
    lang: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// A theme (`barn-og-familie`) or second-level theme (`barn-og-familie/barnehage`).
    theme: Option<String>,
    /// Search text; results come best match first.
    q: Option<String>,
    /// `nb`, `nn`, `en` or `se`; before the `Accept-Language` header.
    lang: Option<String>,
}

fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// The language the answer is in, as `Content-Language`.
fn with_language(mut response: Response, lang: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(lang) {
        response.headers_mut().insert(header::CONTENT_LANGUAGE, v);
    }
    response
}

fn max_age(state: &AppState) -> u32 {
    state.settings().services.cache_seconds
}

fn primary(wanted: &[Lang]) -> Lang {
    wanted.first().copied().unwrap_or(Lang::Nb)
}

/// A second-level theme with how many services it has.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubThemeView {
    pub id: String,
    pub label: String,
    pub services: usize,
}

/// A top-level theme.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThemeNode {
    pub id: String,
    pub label: String,
    pub services: usize,
    pub children: Vec<SubThemeView>,
}

/// The theme tree (LOS top level, municipal second level) with labels in your language and
/// the number of published services under each theme. Public and cacheable.
#[utoipa::path(get, path = "/api/v1/services/themes", tag = "services", params(LangQuery),
    responses((status = 200, body = [ThemeNode]), (status = 304),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn themes(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> Result<Response, ApiError> {
    let wanted = languages(q.lang.as_deref(), accept_language(&headers))?;
    let lang = primary(&wanted);
    let catalogue = state.catalogue(&tenant.kommunenummer).await?;
    let count = |top: &str, sub: Option<&str>| {
        catalogue
            .entries
            .iter()
            .filter(|e| {
                e.service.theme.top() == top && sub.is_none_or(|s| e.service.theme.sub() == s)
            })
            .count()
    };
    let out: Vec<ThemeNode> = ThemeTree::municipal()
        .themes
        .iter()
        .map(|t| ThemeNode {
            id: t.slug.to_owned(),
            label: t.label.get(lang).to_owned(),
            services: count(t.slug, None),
            children: t
                .children
                .iter()
                .map(|s| SubThemeView {
                    id: format!("{}/{}", t.slug, s.slug),
                    label: s.label.get(lang).to_owned(),
                    services: count(t.slug, Some(s.slug)),
                })
                .collect(),
        })
        .collect();
    let response = cacheable(&headers, &out, max_age(&state), &["Accept-Language"]);
    Ok(with_language(response, lang.as_str()))
}

/// Whether `theme` (`top` or `top/sub`) is in the tree.
fn known_theme(theme: &str) -> bool {
    let tree = ThemeTree::municipal();
    match theme.split_once('/') {
        None => tree.themes.iter().any(|t| t.slug == theme),
        Some((top, sub)) => tree
            .themes
            .iter()
            .any(|t| t.slug == top && t.children.iter().any(|s| s.slug == sub)),
    }
}

/// The published services: by theme, or the best matches for `q` first. Public and
/// cacheable; in the language asked for, falling back to bokmål.
#[utoipa::path(get, path = "/api/v1/services", tag = "services", params(ListQuery),
    responses((status = 200, body = [ServiceSummary]), (status = 304),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let wanted = languages(q.lang.as_deref(), accept_language(&headers))?;
    if let Some(t) = &q.theme
        && !known_theme(t)
    {
        return Err(invalid_query("/theme", "not a theme of the catalogue"));
    }
    let search = q.q.as_deref().map(str::trim);
    if let Some(s) = search
        && (s.is_empty() || s.chars().count() > MAX_QUERY_CHARS)
    {
        return Err(invalid_query(
            "/q",
            "search text must be 1 to 200 characters",
        ));
    }
    let catalogue = state.catalogue(&tenant.kommunenummer).await?;
    let today = today_in_oslo(state.now());
    let in_theme = |s: &minside_services::Service| {
        q.theme
            .as_deref()
            .is_none_or(|t| minside_store::services::theme_matches(&s.theme.to_string(), t))
    };
    let out: Vec<ServiceSummary> = match search {
        Some(text) => catalogue
            .index
            .search(text, primary(&wanted))
            .into_iter()
            .filter_map(|(id, _score)| catalogue.get(id.as_str()))
            .filter(|e| in_theme(&e.service))
            .map(|e| ServiceSummary::new(&e.service, &wanted, today))
            .collect(),
        None => catalogue
            .entries
            .iter()
            .filter(|e| in_theme(&e.service))
            .map(|e| ServiceSummary::new(&e.service, &wanted, today))
            .collect(),
    };
    let lang = primary(&wanted);
    let response = cacheable(&headers, &out, max_age(&state), &["Accept-Language"]);
    Ok(with_language(response, lang.as_str()))
}

/// One published service in full: texts (fields a translation lacks come from bokmål and are
/// listed), deadlines with their next day, how to apply and whom to contact. Public and
/// cacheable.
#[utoipa::path(get, path = "/api/v1/services/{service_id}", tag = "services", params(LangQuery),
    responses((status = 200, body = ServiceDetail), (status = 304),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn detail(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    headers: HeaderMap,
    Path(service_id): Path<String>,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> Result<Response, ApiError> {
    let wanted = languages(q.lang.as_deref(), accept_language(&headers))?;
    let catalogue = state.catalogue(&tenant.kommunenummer).await?;
    let entry = catalogue.get(&service_id).ok_or_else(ApiError::not_found)?;
    let today = today_in_oslo(state.now());
    let view = ServiceDetail::new(&entry.service, &wanted, today);
    let lang = view.summary.lang.clone();
    let response = cacheable(&headers, &view, max_age(&state), &["Accept-Language"]);
    Ok(with_language(response, &lang))
}

/// Why a service is shown to you.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonView {
    /// `audience` (a fact about you matched) or `deadline` (a deadline is near).
    pub kind: String,
    pub text: String,
}

/// A service ranked for you.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceForYou {
    #[serde(flatten)]
    pub service: ServiceSummary,
    /// Higher is more relevant.
    pub score: f32,
    pub reasons: Vec<ReasonView>,
}

/// Services for you, with what they were ranked from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServicesForYou {
    pub services: Vec<ServiceForYou>,
    /// `false` when a source could not say whether you own property (the ranking then
    /// leaves property services out).
    pub complete: bool,
}

/// The services that fit your phase of life (your age, your children's ages, a recent move,
/// property you own), most relevant first, each with the reasons ("fordi barnet ditt fyller 1
/// år i mars") in your language.
#[utoipa::path(get, path = "/api/v1/me/services", tag = "services", params(LangQuery),
    responses((status = 200, body = ServicesForYou),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn for_me(
    State(state): State<AppState>,
    headers: HeaderMap,
    acting: Acting,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> Result<Response, ApiError> {
    let wanted = languages(q.lang.as_deref(), accept_language(&headers))?;
    let me = &acting.me;
    let k = me.kommunenummer;
    let now = state.now();
    let facts = state
        .store()
        .resident_facts(&[me.id])
        .await?
        .into_iter()
        .next()
        .ok_or_else(ApiError::not_found)?;
    state
        .log_own_read((k, me.id), &["register"], "tjenester for deg")
        .await;
    let (property_owner, complete) = owns_property(&state, &headers, me).await;
    let catalogue = state.catalogue(&k).await?;
    let today = today_in_oslo(now);
    let services = catalogue.services();
    let ranked = rank(&services, &facts, &Extra { property_owner }, today);
    let lang = primary(&wanted);
    let out = ServicesForYou {
        services: ranked
            .into_iter()
            .filter_map(|r| {
                let entry = catalogue.get(r.id.as_str())?;
                let summary = ServiceSummary::new(&entry.service, &wanted, today);
                let text_lang = Lang::parse(&summary.lang).unwrap_or(lang);
                Some(ServiceForYou {
                    service: summary,
                    score: (r.score * 100.0).round() / 100.0,
                    reasons: r
                        .reasons
                        .iter()
                        .map(|reason| ReasonView {
                            kind: match reason.cause {
                                minside_services::Cause::Audience { .. } => "audience",
                                minside_services::Cause::Deadline { .. } => "deadline",
                            }
                            .to_owned(),
                            text: reason.text.get(text_lang).to_owned(),
                        })
                        .collect(),
                })
            })
            .collect(),
        complete,
    };
    Ok(with_language(Json(out).into_response(), lang.as_str()))
}

/// Whether a source lists property for the resident, and whether it could say.
async fn owns_property(
    state: &AppState,
    headers: &HeaderMap,
    me: &minside_store::Resident,
) -> (bool, bool) {
    let Ok(property) = Category::parse("property") else {
        return (false, true);
    };
    let reader = Reader {
        kind: ReaderKind::Resident,
        actor_ref: me.id.0.to_string(),
        purpose: Purpose::ResidentView,
        request_id: headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    match state
        .sources()
        .overview
        .category(me, &reader, &property)
        .await
    {
        Ok(view) => {
            let complete = view
                .sources
                .iter()
                .all(|s| !matches!(s.status, SourceStatus::Unavailable { .. }));
            let owner = view
                .sources
                .iter()
                .flat_map(|s| &s.categories)
                .any(|c| !c.records.is_empty());
            (owner, complete)
        }
        // No source of this municipality offers property data.
        Err(_) => (false, true),
    }
}
