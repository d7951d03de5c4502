//! The authorization endpoint (`/authorize`) and the login form it renders (`/authorize/login`).
//!
//! Requests are validated like ID-porten does: a registered `client_id` and an exactly
//! registered `redirect_uri` first (failures there end on an HTML error page, since there is no
//! verified place to send them), then `response_type=code`, `openid` scope, `state`, `nonce`
//! and PKCE with S256 (failures there go back to the client with `error`, `state` and `iss`,
//! RFC 6749 §4.1.2.1 and RFC 9207). A valid request is kept server-side under a random id and
//! the person picks who to log in as (a synthetic resident and a level at resident clients, a
//! demo employee at employee clients); the form post issues a single-use authorization code.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minside_core::Locale;
use url::Url;

use crate::DevAudience;
use crate::html::{self, respond, texts, ui_locale};
use crate::protocol::{Acr, Params, SESSION_COOKIE, cookie, is_valid_pkce_value, random_token};
use crate::provider::Provider;
use crate::state::{
    Account, CODE_TTL, CodeGrant, PENDING_TTL, PendingLogin, ProviderSession, SESSION_TTL,
};

/// Why an authorization request failed.
enum Failure {
    /// Cannot be sent to the client: an HTML page with status 400.
    Page(String),
    /// Sent back to the verified redirect URI.
    Redirect(Box<ErrorRedirect>),
}

/// An error response for the client (RFC 6749 §4.1.2.1 with `iss` from RFC 9207).
struct ErrorRedirect {
    redirect_uri: Url,
    error: &'static str,
    description: String,
    state: Option<String>,
}

impl Failure {
    fn respond(self, provider: &Provider, locale: Locale) -> Response {
        match self {
            Failure::Page(message) => {
                tracing::info!(reason = %message, "dev IdP refused an authorization request");
                respond(
                    StatusCode::BAD_REQUEST,
                    html::error_page(texts(locale), &message),
                )
            }
            Failure::Redirect(redirect) => {
                let ErrorRedirect {
                    redirect_uri,
                    error,
                    description,
                    state,
                } = *redirect;
                tracing::info!(error, reason = %description, "dev IdP returns an error to the client");
                let mut pairs = vec![
                    ("error", error),
                    ("error_description", description.as_str()),
                ];
                if let Some(state) = state.as_deref() {
                    pairs.push(("state", state));
                }
                pairs.push(("iss", provider.issuer.as_str()));
                Redirect::to(crate::protocol::with_query(&redirect_uri, &pairs).as_str())
                    .into_response()
            }
        }
    }
}

/// `GET /authorize`
pub(crate) async fn authorize_get(
    State(provider): State<Arc<Provider>>,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(&provider, query.unwrap_or_default().as_bytes())
}

/// `POST /authorize` (form-encoded parameters, as OpenID Connect Core §3.1.2.1 allows).
pub(crate) async fn authorize_post(
    State(provider): State<Arc<Provider>>,
    RawForm(body): RawForm,
) -> Response {
    authorize(&provider, &body)
}

fn authorize(provider: &Provider, raw: &[u8]) -> Response {
    let params = match Params::parse(raw) {
        Ok(params) => params,
        Err(name) => {
            let message = format!("The parameter `{name}` is repeated.");
            return Failure::Page(message).respond(provider, Locale::Nb);
        }
    };
    let locale = ui_locale(params.get("ui_locales"));
    match start(provider, &params, locale, Instant::now()) {
        Ok(page) => respond(StatusCode::OK, page),
        Err(failure) => failure.respond(provider, locale),
    }
}

/// Validates the request, stores it as a pending login and renders the login page.
fn start(
    provider: &Provider,
    params: &Params,
    locale: Locale,
    now: Instant,
) -> Result<String, Failure> {
    let page = |m: &str| Failure::Page(m.to_owned());
    let client_id = params
        .get("client_id")
        .ok_or_else(|| page("client_id is missing."))?;
    let client = provider
        .client(client_id)
        .ok_or_else(|| page("client_id is not registered."))?;
    let redirect = params
        .get("redirect_uri")
        .ok_or_else(|| page("redirect_uri is missing."))?;
    let redirect_uri = client
        .redirect_uris
        .iter()
        .find(|registered| registered.as_str() == redirect)
        .ok_or_else(|| page("redirect_uri is not registered for this client."))?
        .clone();

    let state = params.get("state").map(str::to_owned);
    let fail = |error: &'static str, description: &str| {
        Failure::Redirect(Box::new(ErrorRedirect {
            redirect_uri: redirect_uri.clone(),
            error,
            description: description.to_owned(),
            state: state.clone(),
        }))
    };
    if params.get("request").is_some() {
        return Err(fail(
            "request_not_supported",
            "Request objects are not supported.",
        ));
    }
    if params.get("request_uri").is_some() {
        return Err(fail(
            "request_uri_not_supported",
            "request_uri is not supported.",
        ));
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => {
            return Err(fail(
                "unsupported_response_type",
                "Only response_type=code.",
            ));
        }
        None => return Err(fail("invalid_request", "response_type is missing.")),
    }
    if params
        .get("response_mode")
        .is_some_and(|mode| mode != "query")
    {
        return Err(fail(
            "invalid_request",
            "Only response_mode=query is supported.",
        ));
    }
    let scopes: BTreeSet<&str> = params.get("scope").unwrap_or_default().split(' ').collect();
    if !scopes.contains("openid") {
        return Err(fail("invalid_scope", "The scope must include openid."));
    }
    if state.is_none() {
        return Err(fail("invalid_request", "state is required."));
    }
    let nonce = params
        .get("nonce")
        .ok_or_else(|| fail("invalid_request", "nonce is required."))?;
    let challenge = params
        .get("code_challenge")
        .ok_or_else(|| fail("invalid_request", "code_challenge is required (PKCE)."))?;
    if params.get("code_challenge_method") != Some("S256") {
        return Err(fail(
            "invalid_request",
            "code_challenge_method must be S256.",
        ));
    }
    if !is_valid_pkce_value(challenge) {
        return Err(fail("invalid_request", "code_challenge is malformed."));
    }
    // Employee directories have their own authentication contexts: an employee login ignores
    // `acr_values` and issues no `acr`.
    let min_acr = match client.audience {
        DevAudience::Residents => Acr::minimum_requested(params.get("acr_values"))
            .map_err(|description| fail("invalid_request", &description))?,
        DevAudience::Employees => Acr::Substantial,
    };
    if params
        .get("prompt")
        .is_some_and(|prompt| prompt.split(' ').any(|p| p == "none"))
    {
        return Err(fail("login_required", "prompt=none cannot be satisfied."));
    }

    let granted: Vec<&str> = scopes
        .into_iter()
        .filter(|s| matches!(*s, "openid" | "profile" | "email"))
        .collect();
    let request_id = random_token();
    let pending = PendingLogin {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        state: state.clone().unwrap_or_default(),
        nonce: nonce.to_owned(),
        code_challenge: challenge.to_owned(),
        scope: granted.join(" "),
        min_acr,
        locale,
        expires_at: now + PENDING_TTL,
    };
    provider
        .state(now)
        .pending
        .insert(request_id.clone(), pending);

    let action = provider.endpoint("authorize/login");
    if client.audience == DevAudience::Employees {
        return Ok(html::employee_login_page(
            texts(locale),
            &action,
            &request_id,
            &client.client_id,
            &provider.employees,
        ));
    }
    let levels: Vec<Acr> = Acr::ALL.into_iter().filter(|acr| *acr >= min_acr).collect();
    Ok(html::login_page(
        texts(locale),
        &action,
        &request_id,
        &client.client_id,
        &provider.people,
        &levels,
    ))
}

/// `POST /authorize/login`: the login form (`request_id` with `pid` and `acr` for residents,
/// `employee` for employees, or `cancel`).
pub(crate) async fn login(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let now = Instant::now();
    let params = Params::parse(&body).unwrap_or_default();
    let browser_sid = cookie(&headers, SESSION_COOKIE);
    match complete(&provider, &params, browser_sid, now) {
        Ok(response) => response,
        Err((failure, locale)) => failure.respond(&provider, locale),
    }
}

fn complete(
    provider: &Provider,
    params: &Params,
    browser_sid: Option<String>,
    now: Instant,
) -> Result<Response, (Failure, Locale)> {
    let expired = "The login has expired or was already completed. Go back and start again.";
    let expired = || (Failure::Page(expired.to_owned()), Locale::Nb);
    let request_id = params.get("request_id").ok_or_else(expired)?;
    let mut state = provider.state(now);
    let pending = state.pending.get(request_id).ok_or_else(expired)?;
    let locale = pending.locale;
    let page = |m: &str| (Failure::Page(m.to_owned()), locale);

    if params.get("cancel").is_some() {
        let pending = state.pending.remove(request_id).ok_or_else(expired)?;
        let failure = Failure::Redirect(Box::new(ErrorRedirect {
            redirect_uri: pending.redirect_uri,
            error: "access_denied",
            description: "The user cancelled the login.".to_owned(),
            state: Some(pending.state),
        }));
        return Err((failure, locale));
    }
    let account = chosen_account(provider, pending, params).map_err(|m| page(&m))?;
    let pending = state.pending.remove(request_id).ok_or_else(expired)?;

    // Single sign-on: the same person in the same browser keeps the provider session.
    let sid = browser_sid
        .filter(|sid| {
            let session = state.sessions.get(sid);
            session.is_some_and(|s| s.account.same_person(&account))
        })
        .unwrap_or_else(random_token);
    let session = state
        .sessions
        .entry(sid.clone())
        .or_insert_with(|| ProviderSession {
            account: account.clone(),
            clients: BTreeSet::new(),
            expires_at: now + SESSION_TTL,
        });
    session.clients.insert(pending.client_id.clone());

    let code = random_token();
    let location = crate::protocol::with_query(
        &pending.redirect_uri,
        &[
            ("code", &code),
            ("state", &pending.state),
            ("iss", &provider.issuer),
        ],
    );
    state.codes.insert(
        code,
        CodeGrant {
            client_id: pending.client_id,
            redirect_uri: pending.redirect_uri,
            code_challenge: pending.code_challenge,
            nonce: pending.nonce,
            scope: pending.scope,
            account,
            sid: sid.clone(),
            locale: pending.locale,
            auth_time: chrono::Utc::now(),
            expires_at: now + CODE_TTL,
            used: false,
            access_token: None,
        },
    );
    drop(state);
    tracing::info!("dev IdP login completed");

    let mut response = Redirect::to(location.as_str()).into_response();
    let secure = if provider.secure_cookie {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={sid}; Path={}; HttpOnly; SameSite=Lax{secure}",
        provider.cookie_path
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// Who the form chose: a listed person at an acceptable level (resident clients) or a listed
/// employee (employee clients). The error is the page's message.
fn chosen_account(
    provider: &Provider,
    pending: &PendingLogin,
    params: &Params,
) -> Result<Account, String> {
    let audience = provider
        .client(&pending.client_id)
        .map(|c| c.audience)
        .unwrap_or_default();
    if audience == DevAudience::Employees {
        let employee = params
            .get("employee")
            .and_then(|oid| provider.employee(oid))
            .ok_or("Choose one of the listed employees.")?;
        return Ok(Account::Employee {
            oid: employee.oid.clone(),
        });
    }
    let person = params
        .get("pid")
        .and_then(|pid| provider.person(pid))
        .ok_or("Choose one of the listed people.")?;
    let acr = params
        .get("acr")
        .and_then(Acr::parse)
        .ok_or("Choose a level.")?;
    if acr < pending.min_acr {
        return Err(format!(
            "The service requires the level {}; {} is not enough.",
            pending.min_acr.as_str(),
            acr.as_str()
        ));
    }
    Ok(Account::Resident {
        pid: person.pid.clone(),
        acr,
    })
}
