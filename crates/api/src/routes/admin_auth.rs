//! Caseworker login and logout through the tenant's employee identity provider, the
//! caseworker's session and the tenant's audit trail: `/admin/auth/login`,
//! `/admin/auth/callback`, `/admin/auth/logout`, `/admin/auth/logged-out`,
//! `/admin/auth/frontchannel-logout`, `/api/v1/admin/session`, `/api/v1/admin/audit`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use jiff::{SignedDuration, Timestamp};
use minside_auth::{CallbackParams, CaseworkerLogin, SafeRedirect, secrets_equal};
use minside_store::{AuditCursor, Role, StoredAuditEvent};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::caseworker::{
    ADMIN_LOGIN_COOKIE, ADMIN_LOGOUT_COOKIE, CaseworkerCookie, CaseworkerSession, session_cookie,
    session_cookie_name,
};
use crate::config::TenantConfig;
use crate::cookies;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, CSRF_HEADER, Tenant, check_csrf};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(callback))
        .routes(routes!(logout))
        .routes(routes!(logged_out))
        .routes(routes!(frontchannel_logout))
        .routes(routes!(session))
        .routes(routes!(audit))
}

/// Where a login goes without `redirect`: the caseworker's session.
const DEFAULT_REDIRECT: &str = "/api/v1/admin/session";

/// The tenant's caseworker login; 404 problem when the tenant has no employee provider.
fn login_of<'a>(
    state: &'a AppState,
    tenant: &TenantConfig,
) -> Result<&'a CaseworkerLogin, ApiError> {
    state
        .caseworkers()
        .get(&tenant.kommunenummer)
        .ok_or_else(|| {
            ApiError::not_found()
                .with_detail("caseworker login is not configured for this municipality")
        })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AdminLoginQuery {
    /// Relative path on this site to return to after login.
    redirect: Option<String>,
}

/// Starts a caseworker login: redirects to the municipality's employee identity provider.
#[utoipa::path(get, path = "/admin/auth/login", tag = "admin", params(AdminLoginQuery),
    responses(
        (status = 303, description = "To the employee identity provider"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn login(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(q): ApiQuery<AdminLoginQuery>,
    jar: CookieJar,
) -> Result<(CookieJar, Redirect), ApiError> {
    let cw = login_of(&state, &tenant)?;
    let redirect = SafeRedirect::parse(q.redirect.as_deref().unwrap_or(DEFAULT_REDIRECT))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let start = cw.start(&tenant.public_url, redirect, state.now()).await?;
    let jar = jar.add(cookies::short_lived(
        ADMIN_LOGIN_COOKIE,
        start.binding,
        &tenant.public_url,
        cw.policy().attempt_ttl,
    ));
    Ok((jar, Redirect::to(start.authorize_url.as_str())))
}

/// The employee provider's redirect back: completes the login and starts a caseworker
/// session. An employee without a MinSide role here, or of another organisation, gets 403.
#[utoipa::path(get, path = "/admin/auth/callback", tag = "admin",
    params(("code" = Option<String>, Query), ("state" = String, Query),
        ("iss" = Option<String>, Query, description = "RFC 9207 issuer identifier"),
        ("error" = Option<String>, Query), ("error_description" = Option<String>, Query)),
    responses(
        (status = 303, description = "Logged in; to the page the login started from"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn callback(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(params): ApiQuery<CallbackParams>,
    jar: CookieJar,
) -> Result<(CookieJar, Redirect), ApiError> {
    let cw = login_of(&state, &tenant)?;
    let binding = jar.get(ADMIN_LOGIN_COOKIE).map(|c| c.value().to_owned());
    let result = cw
        .finish(&tenant.public_url, params, binding.as_deref(), state.now())
        .await;
    let jar = jar.add(cookies::removal(ADMIN_LOGIN_COOKIE, &tenant.public_url));
    let done = result?;
    let jar = jar.add(session_cookie(&tenant.public_url, done.token));
    Ok((jar, Redirect::to(&done.redirect_to)))
}

/// Ends the caseworker session and sends the browser to the provider's end-session endpoint.
/// Needs the CSRF token, as the `X-CSRF-Token` header or a `csrf_token` form field.
#[utoipa::path(post, path = "/admin/auth/logout", tag = "admin",
    request_body(content = crate::routes::auth::LogoutForm,
        content_type = "application/x-www-form-urlencoded",
        description = "Optional; `csrf_token` when the header is not sent"),
    responses(
        (status = 303, description = "To the provider's end-session endpoint"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn logout(
    State(state): State<AppState>,
    CaseworkerCookie(cw): CaseworkerCookie,
    headers: HeaderMap,
    jar: CookieJar,
    body: Bytes,
) -> Result<(CookieJar, Redirect), ApiError> {
    let from_form = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned());
    let presented = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(from_form);
    let tenant = &cw.tenant;
    check_csrf(
        &headers,
        tenant,
        &cw.session.csrf_token,
        presented.as_deref(),
    )?;
    let out = login_of(&state, tenant)?
        .logout(&cw.session, &tenant.public_url, cw.now)
        .await?;
    let url = &tenant.public_url;
    let jar = jar
        .add(cookies::removal(session_cookie_name(url), url))
        .add(cookies::short_lived(
            ADMIN_LOGOUT_COOKIE,
            out.state,
            url,
            SignedDuration::from_mins(10),
        ));
    Ok((jar, Redirect::to(out.redirect_to.as_str())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminLoggedOutQuery {
    state: Option<String>,
}

/// Where the provider returns the browser after logout (`post_logout_redirect_uri`).
#[utoipa::path(get, path = "/admin/auth/logged-out", tag = "admin", params(AdminLoggedOutQuery),
    responses((status = 303, description = "Logged out; to the front page"),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn logged_out(
    Tenant(tenant): Tenant,
    ApiQuery(q): ApiQuery<AdminLoggedOutQuery>,
    jar: CookieJar,
) -> Result<(CookieJar, Redirect), ApiError> {
    let expected = jar.get(ADMIN_LOGOUT_COOKIE).map(|c| c.value().to_owned());
    match (q.state.as_deref(), expected.as_deref()) {
        (Some(got), Some(want)) if secrets_equal(got, want) => {}
        _ => return Err(ApiError::bad_request("logout state does not match")),
    }
    let jar = jar.add(cookies::removal(ADMIN_LOGOUT_COOKIE, &tenant.public_url));
    Ok((jar, Redirect::to("/")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminFrontchannelQuery {
    iss: Option<String>,
    sid: Option<String>,
}

/// Front-Channel Logout from the employee provider: ends the caseworker sessions of `sid`.
#[utoipa::path(get, path = "/admin/auth/frontchannel-logout", tag = "admin",
    params(AdminFrontchannelQuery),
    responses((status = 200, description = "Sessions with this sid are ended"),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn frontchannel_logout(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(q): ApiQuery<AdminFrontchannelQuery>,
) -> Result<Response, ApiError> {
    let (Some(iss), Some(sid)) = (q.iss.as_deref(), q.sid.as_deref()) else {
        return Err(ApiError::bad_request("iss and sid are required"));
    };
    login_of(&state, &tenant)?
        .frontchannel_logout(iss, sid)
        .await?;
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], "").into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The logged-in caseworker.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminSessionView {
    name: String,
    email: Option<String>,
    /// MinSide roles: `notice-editor`, `plan-manager`, `service-editor`, `admin` (admin holds every role).
    #[schema(value_type = Vec<String>)]
    roles: Vec<Role>,
    tenant: AdminTenantView,
    /// Send as `X-CSRF-Token` on state-changing caseworker requests.
    csrf_token: String,
    #[schema(value_type = String, format = DateTime)]
    expires_at: Timestamp,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminTenantView {
    kommunenummer: String,
    name: String,
}

/// The logged-in caseworker: name, roles, municipality and CSRF token.
#[utoipa::path(get, path = "/api/v1/admin/session", tag = "admin",
    responses((status = 200, body = AdminSessionView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn session(cw: CaseworkerSession) -> Json<AdminSessionView> {
    let s = cw.session;
    Json(AdminSessionView {
        expires_at: s.idle_expires_at.min(s.absolute_expires_at),
        name: s.name,
        email: s.email,
        roles: s.roles,
        tenant: AdminTenantView {
            kommunenummer: cw.tenant.kommunenummer.to_string(),
            name: cw.tenant.name,
        },
        csrf_token: s.csrf_token,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries per page, 1–200 (default 50).
    limit: Option<u32>,
    /// The `next` of the previous page.
    after: Option<String>,
}

/// One entry of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    #[schema(value_type = String, format = DateTime)]
    at: Timestamp,
    /// `caseworker:<id>`, `resident:<uuid>`, `system`, ...
    actor: String,
    action: String,
    /// The resident concerned, if any (internal id).
    subject: Option<String>,
    detail: serde_json::Value,
}

/// A page of the audit trail, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    entries: Vec<AuditEntryView>,
    /// Pass as `after` for the next page; absent on the last page.
    next: Option<String>,
}

/// The municipality's audit trail, newest first, in pages. Needs the `admin` role.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = AuditPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn audit(
    State(state): State<AppState>,
    cw: CaseworkerSession,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    cw.require(Role::Admin)?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 200"));
    }
    let after = q.after.as_deref().map(parse_cursor).transpose()?;
    let mut rows = state
        .store()
        .list_audit(&cw.tenant.kommunenummer, after, limit + 1)
        .await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(format_cursor)
    } else {
        None
    };
    let entries = rows
        .into_iter()
        .map(|r| AuditEntryView {
            at: r.event.at,
            actor: r.event.actor,
            action: r.event.action,
            subject: r.event.subject.map(|s| s.to_string()),
            detail: r.event.detail,
        })
        .collect();
    Ok(Json(AuditPage { entries, next }))
}

/// `<unix microseconds>.<id>`.
fn format_cursor(row: &StoredAuditEvent) -> String {
    let c = row.cursor();
    format!("{}.{}", c.at.as_microsecond(), c.id)
}

fn parse_cursor(s: &str) -> Result<AuditCursor, ApiError> {
    let bad = || ApiError::bad_request("after is not a cursor from this endpoint");
    let (micros, id) = s.split_once('.').ok_or_else(bad)?;
    let at = micros
        .parse()
        .ok()
        .and_then(|m| Timestamp::from_microsecond(m).ok())
        .ok_or_else(bad)?;
    Ok(AuditCursor {
        at,
        id: id.parse().map_err(|_| bad())?,
    })
}
