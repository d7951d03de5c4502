//! The token endpoint (`/token`, authorization code grant with PKCE S256 and client secret
//! authentication) and the userinfo endpoint (`/userinfo`, bearer access token).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{RawForm, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, TimeDelta, Utc};
use openidconnect::core::CoreGenderClaim;
use openidconnect::{
    AccessToken, Audience, AuthenticationContextClass, AuthenticationMethodReference, LanguageTag,
    Nonce, StandardClaims, SubjectIdentifier,
};
use serde_json::json;

use crate::DevClient;
use crate::employees;
use crate::keys::{IdPortenClaims, IdPortenIdTokenClaims};
use crate::protocol::secrets_match;
use crate::protocol::{Params, form_decode, pairwise_subject, pkce_s256_matches, random_token};
use crate::provider::Provider;
use crate::state::{ACCESS_TOKEN_SECONDS, AccessGrant, Account, CodeGrant, ID_TOKEN_SECONDS};

/// An OAuth 2.0 error response (RFC 6749 §5.2).
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
    /// Set when a `WWW-Authenticate` challenge belongs in the response.
    challenge: Option<&'static str>,
}

impl OAuthError {
    fn bad_request(error: &'static str, description: &'static str) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            error,
            description,
            challenge: None,
        }
    }

    fn invalid_client(basic: bool) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "Client authentication failed.",
            challenge: basic.then_some("Basic realm=\"dev-idp\""),
        }
    }

    fn invalid_grant(description: &'static str) -> Self {
        Self::bad_request("invalid_grant", description)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        tracing::info!(
            error = self.error,
            reason = self.description,
            "dev IdP token error"
        );
        let body = json!({ "error": self.error, "error_description": self.description });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(challenge) = self.challenge {
            let value = HeaderValue::from_static(challenge);
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        no_store(response)
    }
}

fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// `POST /token`
pub(crate) async fn token(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let Ok(params) = Params::parse(&body) else {
        return OAuthError::bad_request("invalid_request", "A parameter is repeated.")
            .into_response();
    };
    match exchange(&provider, &headers, &params, Instant::now()) {
        Ok(body) => no_store(Json(body).into_response()),
        Err(error) => error.into_response(),
    }
}

/// The credentials from `Authorization: Basic` (form-decoded, RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|d| String::from_utf8(d).ok());
    let pair = decoded.as_deref().and_then(|d| d.split_once(':'));
    Some(
        pair.and_then(|(id, secret)| Some((form_decode(id)?, form_decode(secret)?)))
            .ok_or(()),
    )
}

/// Authenticates the client with `client_secret_basic` or `client_secret_post`.
fn authenticate<'p>(
    provider: &'p Provider,
    headers: &HeaderMap,
    params: &Params,
) -> Result<&'p DevClient, OAuthError> {
    let (id, secret, basic) = match basic_credentials(headers) {
        Some(Ok((id, secret))) => {
            if params.get("client_secret").is_some() {
                return Err(OAuthError::bad_request(
                    "invalid_request",
                    "Use only one client authentication method.",
                ));
            }
            if params.get("client_id").is_some_and(|body_id| body_id != id) {
                return Err(OAuthError::invalid_client(true));
            }
            (id, secret, true)
        }
        Some(Err(())) => return Err(OAuthError::invalid_client(true)),
        None => match (params.get("client_id"), params.get("client_secret")) {
            (Some(id), Some(secret)) => (id.to_owned(), secret.to_owned(), false),
            _ => return Err(OAuthError::invalid_client(false)),
        },
    };
    provider
        .client(&id)
        .filter(|client| secrets_match(&client.client_secret, &secret))
        .ok_or_else(|| OAuthError::invalid_client(basic))
}

fn exchange(
    provider: &Provider,
    headers: &HeaderMap,
    params: &Params,
    now: Instant,
) -> Result<serde_json::Value, OAuthError> {
    let client = authenticate(provider, headers, params)?;
    match params.get("grant_type") {
        Some("authorization_code") => {}
        Some(_) => {
            return Err(OAuthError::bad_request(
                "unsupported_grant_type",
                "Only authorization_code is supported.",
            ));
        }
        None => {
            return Err(OAuthError::bad_request(
                "invalid_request",
                "grant_type is missing.",
            ));
        }
    }
    let code = params
        .get("code")
        .ok_or_else(|| OAuthError::bad_request("invalid_request", "code is missing."))?;

    let mut state = provider.state(now);
    let grant = state
        .codes
        .get_mut(code)
        .filter(|grant| grant.client_id == client.client_id)
        .ok_or_else(|| OAuthError::invalid_grant("The code is unknown or has expired."))?;
    if grant.used {
        // RFC 6749 §4.1.2: a replayed code revokes what was issued for it.
        let revoked = grant.access_token.take();
        state.codes.remove(code);
        if let Some(access_token) = revoked {
            state.access_tokens.remove(&access_token);
        }
        tracing::warn!("dev IdP: an authorization code was presented twice");
        return Err(OAuthError::invalid_grant("The code has already been used."));
    }
    grant.used = true;
    if params.get("redirect_uri") != Some(grant.redirect_uri.as_str()) {
        return Err(OAuthError::invalid_grant("redirect_uri does not match."));
    }
    let verifier = params
        .get("code_verifier")
        .ok_or_else(|| OAuthError::invalid_grant("code_verifier is required."))?;
    if !pkce_s256_matches(verifier, &grant.code_challenge) {
        return Err(OAuthError::invalid_grant("code_verifier does not match."));
    }

    let access_token = random_token();
    grant.access_token = Some(access_token.clone());
    let id_token = id_token(provider, &client.client_id, grant, &access_token).map_err(|e| {
        tracing::error!(error = %e, "dev IdP could not sign an ID token");
        OAuthError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: "server_error",
            description: "The ID token could not be signed.",
            challenge: None,
        }
    })?;
    let scope = grant.scope.clone();
    let access = AccessGrant {
        client_id: client.client_id.clone(),
        account: grant.account.clone(),
        sid: grant.sid.clone(),
        locale: grant.locale,
        expires_at: now + Duration::from_secs(ACCESS_TOKEN_SECONDS),
    };
    state.access_tokens.insert(access_token.clone(), access);
    tracing::info!(client_id = %client.client_id, "dev IdP issued tokens");

    Ok(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_TOKEN_SECONDS,
        "id_token": id_token,
        "scope": scope,
    }))
}

/// `GET` or `POST /userinfo` with `Authorization: Bearer <access token>`.
pub(crate) async fn userinfo(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let Some(token) = token else {
        return bearer_challenge("Bearer realm=\"dev-idp\"");
    };
    let state = provider.state(Instant::now());
    let Some(grant) = state.access_tokens.get(&token) else {
        return bearer_challenge("Bearer realm=\"dev-idp\", error=\"invalid_token\"");
    };
    let body = match &grant.account {
        Account::Resident { pid, .. } => json!({
            "sub": pairwise_subject(&grant.client_id, pid.expose()),
            "pid": pid.expose(),
            "locale": grant.locale.as_str(),
        }),
        Account::Employee { oid } => match provider.employee(oid) {
            Some(employee) => employees::userinfo(&grant.client_id, employee),
            None => return bearer_challenge("Bearer realm=\"dev-idp\", error=\"invalid_token\""),
        },
    };
    no_store(Json(body).into_response())
}

/// Signs the ID token for a redeemed code: the ID-porten profile for residents, the employee
/// directory profile for employees.
fn id_token(
    provider: &Provider,
    client_id: &str,
    grant: &CodeGrant,
    access_token: &str,
) -> Result<String, String> {
    let issued_at = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_default();
    let access_token = AccessToken::new(access_token.to_owned());
    let (pid, acr) = match &grant.account {
        Account::Resident { pid, acr } => (pid, acr),
        Account::Employee { oid } => {
            let employee = provider
                .employee(oid)
                .ok_or("the employee is no longer configured")?;
            let claims =
                employees::id_token_claims(provider, client_id, grant, employee, issued_at);
            return provider
                .key
                .sign_id_token(claims, &access_token)
                .map_err(|e| e.to_string());
        }
    };
    let subject = pairwise_subject(client_id, pid.expose());
    let standard = StandardClaims::<CoreGenderClaim>::new(SubjectIdentifier::new(subject));
    let claims = IdPortenIdTokenClaims::new(
        provider.issuer_url.clone(),
        vec![Audience::new(client_id.to_owned())],
        issued_at + TimeDelta::seconds(ID_TOKEN_SECONDS),
        issued_at,
        standard,
        IdPortenClaims {
            pid: pid.expose().to_owned(),
            sid: grant.sid.clone(),
        },
    )
    .set_auth_time(Some(grant.auth_time))
    .set_nonce(Some(Nonce::new(grant.nonce.clone())))
    .set_auth_context_ref(Some(AuthenticationContextClass::new(acr.as_str().into())))
    .set_auth_method_refs(Some(vec![AuthenticationMethodReference::new(
        "TestID".into(),
    )]))
    .set_locale(Some(LanguageTag::new(grant.locale.as_str().into())));
    provider
        .key
        .sign_id_token(claims, &access_token)
        .map_err(|e| e.to_string())
}

fn bearer_challenge(challenge: &'static str) -> Response {
    let mut response = StatusCode::UNAUTHORIZED.into_response();
    let value = HeaderValue::from_static(challenge);
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, value);
    response
}
