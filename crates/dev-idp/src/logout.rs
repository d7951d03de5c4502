//! The end-session endpoint (`/logout`), OpenID Connect RP-Initiated Logout 1.0 with
//! Front-Channel Logout 1.0.
//!
//! The `id_token_hint` must be an ID token this provider signed (it may have expired); it names
//! the client and the provider session (`sid`). The session ends, its access tokens are
//! revoked, and the page loads every participating client's `frontchannel_logout_uri` with
//! `iss` and `sid` in an iframe before it continues to a registered `post_logout_redirect_uri`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawForm, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use url::Url;

use crate::html::{self, respond, texts, ui_locale};
use crate::protocol::{Params, SESSION_COOKIE, cookie, with_query};
use crate::provider::Provider;

/// `GET /logout`
pub(crate) async fn logout_get(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    logout(&provider, &headers, query.unwrap_or_default().as_bytes())
}

/// `POST /logout` (form-encoded parameters).
pub(crate) async fn logout_post(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    logout(&provider, &headers, &body)
}

fn logout(provider: &Provider, headers: &HeaderMap, raw: &[u8]) -> Response {
    let params = match Params::parse(raw) {
        Ok(params) => params,
        Err(name) => return refuse(&Params::default(), &format!("`{name}` is repeated.")),
    };
    let hint = match params.get("id_token_hint") {
        None => None,
        Some(token) => match provider
            .key
            .verify_own_id_token(&provider.issuer_url, token)
        {
            Some(claims) => Some(claims),
            None => {
                return refuse(
                    &params,
                    "id_token_hint is not an ID token from this provider.",
                );
            }
        },
    };
    let hint_client = hint
        .as_ref()
        .and_then(|c| c.audiences().first())
        .map(|a| a.to_string());
    let client_id = match (hint_client, params.get("client_id")) {
        (Some(hinted), Some(given)) if hinted != given => {
            return refuse(&params, "client_id does not match id_token_hint.");
        }
        (hinted, given) => hinted.or_else(|| given.map(str::to_owned)),
    };
    let client = match client_id.as_deref() {
        Some(id) => match provider.client(id) {
            Some(client) => Some(client),
            None => return refuse(&params, "The client is not registered."),
        },
        None => None,
    };

    let browser_sid = cookie(headers, SESSION_COOKIE);
    let sid = hint
        .as_ref()
        .map(|c| c.additional_claims().sid.clone())
        .or(browser_sid.clone());
    let mut frames: Vec<Url> = Vec::new();
    if let Some(sid) = sid.as_deref() {
        let mut participants: BTreeSet<String> = provider.state(Instant::now()).end_session(sid);
        participants.extend(client.map(|c| c.client_id.clone()));
        frames = participants
            .iter()
            .filter_map(|id| provider.client(id)?.frontchannel_logout_uri.as_ref())
            .map(|uri| with_query(uri, &[("iss", &provider.issuer), ("sid", sid)]))
            .collect();
        tracing::info!(
            clients = participants.len(),
            "dev IdP ended a provider session"
        );
    }

    let continue_to = params
        .get("post_logout_redirect_uri")
        .and_then(|requested| {
            let registered = client?
                .post_logout_redirect_uris
                .iter()
                .find(|u| u.as_str() == requested);
            registered.map(|uri| match params.get("state") {
                Some(state) => with_query(uri, &[("state", state)]),
                None => uri.clone(),
            })
        });

    let locale = ui_locale(params.get("ui_locales"));
    let page = html::logged_out_page(texts(locale), &frames, continue_to.as_ref());
    let mut response = respond(StatusCode::OK, page);
    if browser_sid.is_some() && browser_sid == sid {
        let expire = format!(
            "{SESSION_COOKIE}=; Path={}; HttpOnly; SameSite=Lax; Max-Age=0",
            provider.cookie_path
        );
        if let Ok(value) = HeaderValue::from_str(&expire) {
            response.headers_mut().insert(header::SET_COOKIE, value);
        }
    }
    response
}

fn refuse(params: &Params, message: &str) -> Response {
    tracing::info!(reason = message, "dev IdP refused a logout request");
    let locale = ui_locale(params.get("ui_locales"));
    respond(
        StatusCode::BAD_REQUEST,
        html::error_page(texts(locale), message),
    )
}
