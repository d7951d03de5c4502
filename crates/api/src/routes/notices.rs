//! The resident's notice inbox and notice preferences.
//!
//! A notice about a child is addressed to the child's guardians, so the inbox is always the
//! logged-in resident's own, also while acting for a child. Reading the inbox is logged in the
//! resident's access log like any other read of their data.

use axum::Json;
use axum::extract::{Path, State};
use minside_core::Locale;
use minside_store::{InboxFilter, Notice, NoticeId, NoticePreferences, ResidentId, RuleStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::error::{ApiError, FieldProblem, Problem};
use crate::extract::{ApiJson, ApiQuery, ResidentSession};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(one))
        .routes(routes!(mark_read))
        .routes(routes!(archive))
        .routes(routes!(unarchive))
        .routes(routes!(get_preferences, put_preferences))
}

const DEFAULT_PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    /// `true` for the archive; default the current inbox.
    #[serde(default)]
    archived: bool,
    /// Continue after this notice id (the `next` of the previous page).
    before: Option<Uuid>,
    /// 1–100, default 20.
    limit: Option<u32>,
    /// `nb`, `nn` or `en`; default the session's language.
    lang: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LangQuery {
    lang: Option<String>,
}

/// A notice in the language asked for (falling back to Bokmål).
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    /// The language of `title` and `body`.
    pub lang: String,
    pub category: String,
    /// 1 (low) to 3 (high).
    pub priority: i16,
    /// Set when the notice is about a child of yours.
    pub about_child: Option<ChildRef>,
    /// The service in the municipality's catalogue the notice is about (what to apply for).
    pub service: Option<crate::services::ServiceLink>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: minside_core::Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<minside_core::Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub archived_at: Option<minside_core::Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildRef {
    pub id: Uuid,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxPage {
    pub notices: Vec<NoticeView>,
    /// Unread notices in the current inbox.
    pub unread: u64,
    /// Pass as `before` for the next page; absent on the last page.
    pub next: Option<Uuid>,
}

/// Notice preferences: which digital channels you want, and which categories you do not want
/// (only categories the municipality lets you opt out of).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferencesBody {
    pub email: bool,
    pub sms: bool,
    pub opted_out: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreferencesView {
    #[serde(flatten)]
    pub preferences: PreferencesBody,
    /// Categories you may opt out of.
    pub categories: Vec<String>,
}

fn language(session_locale: Locale, asked: Option<&str>) -> Result<Locale, ApiError> {
    match asked {
        None => Ok(session_locale),
        Some(s) => Locale::parse(s).map_err(|_| ApiError::bad_request("lang must be nb, nn or en")),
    }
}

/// The notice's text in `lang`, else Bokmål.
fn text_in(content: &serde_json::Value, lang: Locale) -> (String, String, Locale) {
    let pick = |l: Locale| {
        let t = content.get(l.as_str())?;
        Some((
            t.get("title")?.as_str()?.to_owned(),
            t.get("body")?.as_str()?.to_owned(),
        ))
    };
    pick(lang)
        .map(|(t, b)| (t, b, lang))
        .or_else(|| pick(Locale::Nb).map(|(t, b)| (t, b, Locale::Nb)))
        .unwrap_or_else(|| (String::new(), String::new(), Locale::Nb))
}

async fn view(state: &AppState, n: Notice, lang: Locale) -> Result<NoticeView, ApiError> {
    let about_child = if n.subject_id == n.recipient_id {
        None
    } else {
        let child = state.store().get_resident(n.subject_id).await?;
        Some(ChildRef {
            id: child.id.0,
            name: child.name,
        })
    };
    let (title, body, lang) = text_in(&n.content, lang);
    let service = match n.content.get("service").and_then(|v| v.as_str()) {
        Some(id) => state
            .catalogue(&n.kommunenummer)
            .await?
            .get(id)
            .map(|e| crate::services::ServiceLink::new(&e.service, &[lang])),
        None => None,
    };
    Ok(NoticeView {
        id: n.id.0,
        title,
        body,
        lang: lang.as_str().to_owned(),
        category: n.category,
        priority: n.priority,
        about_child,
        service,
        created_at: n.created_at,
        read_at: n.read_at,
        archived_at: n.archived_at,
    })
}

/// Your notices, newest first (the current inbox, or the archive).
#[utoipa::path(get, path = "/api/v1/me/notices", tag = "notices", params(InboxQuery),
    responses((status = 200, body = InboxPage),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn list(
    State(state): State<AppState>,
    s: ResidentSession,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> Result<Json<InboxPage>, ApiError> {
    let lang = language(s.session.locale, q.lang.as_deref())?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request("limit must be 1 to 100"));
    }
    let filter = if q.archived {
        InboxFilter::Archived
    } else {
        InboxFilter::Current
    };
    let me: ResidentId = s.session.resident_id;
    let store = state.store();
    let page = store
        .list_inbox(me, filter, q.before.map(NoticeId), limit)
        .await?;
    let next = (page.len() == limit as usize)
        .then(|| page.last().map(|n| n.id.0))
        .flatten();
    let mut notices = Vec::with_capacity(page.len());
    for n in page {
        notices.push(view(&state, n, lang).await?);
    }
    let unread = store.count_unread(me).await?;
    state
        .log_own_read(
            (s.session.kommunenummer, s.session.resident_id),
            &["notices"],
            "innboks",
        )
        .await;
    Ok(Json(InboxPage {
        notices,
        unread,
        next,
    }))
}

/// One of your notices.
#[utoipa::path(get, path = "/api/v1/me/notices/{id}", tag = "notices", params(LangQuery),
    responses((status = 200, body = NoticeView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn one(
    State(state): State<AppState>,
    s: ResidentSession,
    Path(id): Path<Uuid>,
    ApiQuery(q): ApiQuery<LangQuery>,
) -> Result<Json<NoticeView>, ApiError> {
    let lang = language(s.session.locale, q.lang.as_deref())?;
    let n = state
        .store()
        .get_inbox_notice(s.session.resident_id, NoticeId(id))
        .await?;
    state
        .log_own_read(
            (s.session.kommunenummer, s.session.resident_id),
            &["notices"],
            "innboks",
        )
        .await;
    Ok(Json(view(&state, n, lang).await?))
}

/// Marks the notice as read (the first time counts).
#[utoipa::path(post, path = "/api/v1/me/notices/{id}/read", tag = "notices",
    responses((status = 200, body = NoticeView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn mark_read(
    State(state): State<AppState>,
    s: ResidentSession,
    Path(id): Path<Uuid>,
) -> Result<Json<NoticeView>, ApiError> {
    let n = state
        .store()
        .mark_notice_read(s.session.resident_id, NoticeId(id), state.now())
        .await?;
    Ok(Json(view(&state, n, s.session.locale).await?))
}

/// Moves the notice to the archive. Archived notices are kept (at least two years).
#[utoipa::path(post, path = "/api/v1/me/notices/{id}/archive", tag = "notices",
    responses((status = 200, body = NoticeView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn archive(
    State(state): State<AppState>,
    s: ResidentSession,
    Path(id): Path<Uuid>,
) -> Result<Json<NoticeView>, ApiError> {
    set_archived(state, s, id, true).await
}

/// Moves the notice back to the inbox.
#[utoipa::path(post, path = "/api/v1/me/notices/{id}/unarchive", tag = "notices",
    responses((status = 200, body = NoticeView),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn unarchive(
    State(state): State<AppState>,
    s: ResidentSession,
    Path(id): Path<Uuid>,
) -> Result<Json<NoticeView>, ApiError> {
    set_archived(state, s, id, false).await
}

async fn set_archived(
    state: AppState,
    s: ResidentSession,
    id: Uuid,
    archived: bool,
) -> Result<Json<NoticeView>, ApiError> {
    let n = state
        .store()
        .set_notice_archived(s.session.resident_id, NoticeId(id), archived, state.now())
        .await?;
    Ok(Json(view(&state, n, s.session.locale).await?))
}

/// Categories of the tenant's live rules that residents may opt out of.
async fn optional_categories(
    state: &AppState,
    s: &ResidentSession,
) -> Result<Vec<String>, ApiError> {
    let mut categories: Vec<String> = state
        .store()
        .list_rules(&s.session.kommunenummer, false)
        .await?
        .into_iter()
        .filter(|r| {
            r.opt_out_allowed && matches!(r.status, RuleStatus::Active | RuleStatus::Paused)
        })
        .map(|r| r.category)
        .collect();
    categories.sort();
    categories.dedup();
    Ok(categories)
}

/// Your notice preferences.
#[utoipa::path(get, path = "/api/v1/me/notice-preferences", tag = "notices",
    responses((status = 200, body = PreferencesView)))]
async fn get_preferences(
    State(state): State<AppState>,
    s: ResidentSession,
) -> Result<Json<PreferencesView>, ApiError> {
    let p = state.store().get_preferences(s.session.resident_id).await?;
    Ok(Json(PreferencesView {
        preferences: PreferencesBody {
            email: p.email,
            sms: p.sms,
            opted_out: p.opted_out,
        },
        categories: optional_categories(&state, &s).await?,
    }))
}

/// Sets your notice preferences. Notices always reach your inbox; e-mail and SMS can be turned
/// off, and categories the municipality allows can be opted out of.
#[utoipa::path(put, path = "/api/v1/me/notice-preferences", tag = "notices",
    request_body = PreferencesBody,
    responses((status = 200, body = PreferencesView),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn put_preferences(
    State(state): State<AppState>,
    s: ResidentSession,
    ApiJson(body): ApiJson<PreferencesBody>,
) -> Result<Json<PreferencesView>, ApiError> {
    let categories = optional_categories(&state, &s).await?;
    let errors: Vec<FieldProblem> = body
        .opted_out
        .iter()
        .enumerate()
        .filter(|(_, c)| !categories.contains(c))
        .map(|(i, _)| FieldProblem {
            pointer: format!("/opted_out/{i}"),
            detail: "not a category you can opt out of".into(),
        })
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-preferences",
            "Invalid notice preferences",
        )
        .with_errors(errors));
    }
    let mut opted_out = body.opted_out;
    opted_out.sort();
    opted_out.dedup();
    let prefs = NoticePreferences {
        email: body.email,
        sms: body.sms,
        opted_out,
    };
    let store = state.store();
    store
        .set_preferences(
            &s.session.kommunenummer,
            s.session.resident_id,
            &prefs,
            state.now(),
        )
        .await?;
    store
        .append_audit(minside_store::AuditEvent {
            kommunenummer: s.session.kommunenummer,
            at: state.now(),
            actor: format!("resident:{}", s.session.resident_id.0),
            action: "notice-preferences.set".into(),
            subject: Some(s.session.resident_id),
            detail: serde_json::json!({
                "email": prefs.email, "sms": prefs.sms, "opted_out": prefs.opted_out,
            }),
        })
        .await?;
    Ok(Json(PreferencesView {
        preferences: PreferencesBody {
            email: prefs.email,
            sms: prefs.sms,
            opted_out: prefs.opted_out,
        },
        categories,
    }))
}
