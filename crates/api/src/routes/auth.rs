//! Resident login and logout with ID-porten (or any compatible provider):
//! `/auth/login`, `/auth/callback`, `/auth/logout`, `/auth/logged-out`,
//! `/auth/frontchannel-logout`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use jiff::SignedDuration;
use minside_auth::{AssuranceLevel, CallbackParams, ResidentLogin, SafeRedirect, secrets_equal};
use minside_core::Locale;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::cookies::{self, LOGIN_COOKIE, LOGOUT_COOKIE};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiQuery, CSRF_HEADER, SessionCookie, Tenant, check_csrf};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(callback))
        .routes(routes!(logout))
        .routes(routes!(logged_out))
        .routes(routes!(frontchannel_logout))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LoginQuery {
    /// `substantial` (default) or `high`.
    level: Option<String>,
    /// `nb` (default), `nn`, `en` or `se`: the provider's page language (`ui_locales`).
    locale: Option<String>,
    /// Relative path on this site to return to after login.
    redirect: Option<String>,
}

/// Starts a login: redirects to the identity provider.
#[utoipa::path(get, path = "/auth/login", tag = "auth", params(LoginQuery),
    responses(
        (status = 303, description = "To the identity provider's authorization endpoint"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn login(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(q): ApiQuery<LoginQuery>,
    jar: CookieJar,
) -> Result<(CookieJar, Redirect), ApiError> {
    let level = match q.level.as_deref() {
        None | Some("") => AssuranceLevel::default(),
        Some(l) => l
            .parse()
            .map_err(|e| ApiError::bad_request(format!("level: {e}")))?,
    };
    let locale = match q.locale.as_deref() {
        None | Some("") => Locale::default(),
        Some(l) => Locale::parse(l).map_err(|e| ApiError::bad_request(format!("locale: {e}")))?,
    };
    let redirect = match q.redirect.as_deref() {
        None | Some("") => SafeRedirect::root(),
        Some(r) => SafeRedirect::parse(r).map_err(|e| ApiError::bad_request(e.to_string()))?,
    };
    let start = state
        .login()
        .start(
            &tenant.kommunenummer,
            &tenant.public_url,
            level,
            locale,
            redirect,
            state.now(),
        )
        .await?;
    let ttl = state.login().policy().attempt_ttl;
    let jar = jar.add(cookies::short_lived(
        LOGIN_COOKIE,
        start.binding,
        &tenant.public_url,
        ttl,
    ));
    Ok((jar, Redirect::to(start.authorize_url.as_str())))
}

/// The identity provider's redirect back: completes the login and starts a session.
#[utoipa::path(get, path = "/auth/callback", tag = "auth",
    params(("code" = Option<String>, Query), ("state" = String, Query),
        ("iss" = Option<String>, Query, description = "RFC 9207 issuer identifier"),
        ("error" = Option<String>, Query), ("error_description" = Option<String>, Query)),
    responses(
        (status = 303, description = "Logged in; to the page the login started from"),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn callback(
    State(state): State<AppState>,
    Tenant(tenant): Tenant,
    ApiQuery(params): ApiQuery<CallbackParams>,
    jar: CookieJar,
) -> Result<(CookieJar, Redirect), ApiError> {
    let binding = jar.get(LOGIN_COOKIE).map(|c| c.value().to_owned());
    let result = state
        .login()
        .finish(
            &tenant.kommunenummer,
            &tenant.public_url,
            params,
            binding.as_deref(),
            state.now(),
        )
        .await;
    let jar = jar.add(cookies::removal(LOGIN_COOKIE, &tenant.public_url));
    let done = result?;
    let jar = jar.add(cookies::session(&tenant.public_url, done.token));
    Ok((jar, Redirect::to(&done.redirect_to)))
}

/// Ends the session and sends the browser to the provider's end-session endpoint
/// (RP-initiated logout with `id_token_hint`, `post_logout_redirect_uri` and `state`).
///
/// Needs the CSRF token, as the `X-CSRF-Token` header or a `csrf_token` form field.
#[utoipa::path(post, path = "/auth/logout", tag = "auth",
    request_body(content = LogoutForm, content_type = "application/x-www-form-urlencoded",
        description = "Optional; `csrf_token` when the header is not sent"),
    responses(
        (status = 303, description = "To the provider's end-session endpoint"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn logout(
    State(state): State<AppState>,
    SessionCookie { tenant, session }: SessionCookie,
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
        .map(str::to_owned);
    check_csrf(
        &headers,
        &tenant,
        &session.csrf_token,
        presented.or(from_form).as_deref(),
    )?;
    let out = state
        .login()
        .logout(&session, &tenant.public_url, state.now())
        .await?;
    let url = &tenant.public_url;
    let jar = jar
        .add(cookies::removal(cookies::session_cookie_name(url), url))
        .add(cookies::short_lived(
            LOGOUT_COOKIE,
            out.state,
            url,
            SignedDuration::from_mins(10),
        ));
    Ok((jar, Redirect::to(out.redirect_to.as_str())))
}

/// The logout form of a plain HTML page.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LogoutForm {
    csrf_token: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoggedOutQuery {
    state: Option<String>,
}

/// Where the provider returns the browser after logout (`post_logout_redirect_uri`).
#[utoipa::path(get, path = "/auth/logged-out", tag = "auth", params(LoggedOutQuery),
    responses((status = 303, description = "Logged out; to the front page"),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn logged_out(
    Tenant(tenant): Tenant,
    ApiQuery(q): ApiQuery<LoggedOutQuery>,
    jar: CookieJar,
) -> Result<(CookieJar, Redirect), ApiError> {
    let expected = jar.get(LOGOUT_COOKIE).map(|c| c.value().to_owned());
    match (q.state.as_deref(), expected.as_deref()) {
        (Some(got), Some(want)) if secrets_equal(got, want) => {}
        _ => return Err(ApiError::bad_request("logout state does not match")),
    }
    let jar = jar.add(cookies::removal(LOGOUT_COOKIE, &tenant.public_url));
    Ok((jar, Redirect::to("/")))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FrontchannelQuery {
    iss: Option<String>,
    sid: Option<String>,
}

/// OpenID Connect Front-Channel Logout: the provider (in an iframe) ends session `sid`.
#[utoipa::path(get, path = "/auth/frontchannel-logout", tag = "auth", params(FrontchannelQuery),
    responses((status = 200, description = "Sessions with this sid are ended"),
        (status = 400, body = Problem, content_type = "application/problem+json")))]
async fn frontchannel_logout(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FrontchannelQuery>,
) -> Result<Response, ApiError> {
    let (Some(iss), Some(sid)) = (q.iss.as_deref(), q.sid.as_deref()) else {
        return Err(ApiError::bad_request("iss and sid are required"));
    };
    let login: &ResidentLogin = state.login();
    login.frontchannel_logout(iss, sid).await?;
    let mut response = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], "").into_response();
    // This page is loaded in the provider's iframe; it must not be cached.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
