//! Caseworker test steps: the development identity provider's employee login driven over
//! HTTP, tenant files with an employee provider, and a probe route for the caseworker
//! extractor (state-changing, role-checked and audited, like the caseworker routes).

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::post;
use minside_api::AppState;
use minside_api::caseworker::{CaseworkerSession, audit_change};
use minside_store::Role;
use serde::Deserialize;
use url::Url;

use crate::{TestApp, form_value, location};

/// A tenant file whose caseworkers log in at the development identity provider with
/// `roles` (provider role value, MinSide role) and, when given, the `tid` they must carry.
pub fn caseworker_tenant(
    kommunenummer: &str,
    name: &str,
    hosts: &[&str],
    public_url: Option<&Url>,
    roles: &[(&str, &str)],
    tid: Option<&str>,
) -> String {
    let hosts: Vec<String> = hosts.iter().map(|h| format!("\"{h}\"")).collect();
    let mut toml = format!(
        "kommunenummer = \"{kommunenummer}\"\nname = \"{name}\"\nhosts = [{}]\n",
        hosts.join(", ")
    );
    if let Some(url) = public_url {
        toml.push_str(&format!("public_url = \"{url}\"\n"));
    }
    toml.push_str(
        "[caseworkers]\nissuer = \"dev-idp\"\nclient_id = \"minside-admin-dev\"\n\
         client_secret = \"dev-only-caseworker-secret-change-me\"\n",
    );
    if let Some(tid) = tid {
        toml.push_str(&format!(
            "tenant_claim = \"tid\"\ntenant_value = \"{tid}\"\n"
        ));
    }
    toml.push_str("[caseworkers.roles]\n");
    for (value, role) in roles {
        toml.push_str(&format!("\"{value}\" = \"{role}\"\n"));
    }
    toml
}

/// Drives the development identity provider's employee login page: follows `login_url` (an
/// `/admin/auth/login`) to the provider, picks the employee with this `oid`, and returns the
/// redirect back to the caseworker callback (not yet followed).
pub async fn dev_idp_employee_authorize(
    client: &reqwest::Client,
    login_url: Url,
    oid: &str,
) -> Url {
    let start = client.get(login_url).send().await.expect("login");
    assert_eq!(start.status(), 303, "login should redirect to the provider");
    let authorize = location(&start);
    let page = client.get(authorize.clone()).send().await.expect("page");
    assert_eq!(page.status(), 200, "authorize page");
    let html = page.text().await.expect("html");
    let request_id = form_value(&html, "request_id").expect("request_id in the login form");
    let posted = client
        .post(authorize.join("authorize/login").expect("action"))
        .form(&[("request_id", request_id.as_str()), ("employee", oid)])
        .send()
        .await
        .expect("login form");
    assert_eq!(posted.status(), 303, "provider should redirect back");
    location(&posted)
}

/// Logs `client` in at `app` (its default tenant) as the employee `oid`; returns the
/// callback's response (303 on success, a problem otherwise).
pub async fn caseworker_login(
    app: &TestApp,
    client: &reqwest::Client,
    oid: &str,
) -> reqwest::Response {
    let back = dev_idp_employee_authorize(client, app.url("/admin/auth/login"), oid).await;
    client.get(back).send().await.expect("callback")
}

/// The caseworker session token from a callback response's `Set-Cookie`.
pub fn caseworker_token(callback: &reqwest::Response) -> String {
    callback
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("minside_admin="))
        .and_then(|c| c.split(';').next())
        .expect("caseworker session cookie")
        .to_owned()
}

#[derive(Deserialize)]
struct ProbeQuery {
    role: Option<Role>,
}

async fn probe(
    axum::extract::State(state): axum::extract::State<AppState>,
    cw: CaseworkerSession,
    Query(q): Query<ProbeQuery>,
) -> Result<StatusCode, minside_api::ApiError> {
    if let Some(role) = q.role {
        cw.require(role)?;
    }
    let before = serde_json::json!({ "title": "Før" });
    let after = serde_json::json!({ "title": "Etter" });
    audit_change(
        state.store().as_ref(),
        &cw,
        "probe.change",
        "probe:1",
        Some(before),
        Some(after),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Serves `POST /probe[?role=<role>]` for `app` on its own port of 127.0.0.1: a caseworker
/// change (session extractor with CSRF, optional role check, audited through `audit_change`)
/// answering 204. Returns the probe's URL.
pub async fn serve_caseworker_probe(app: &TestApp) -> Url {
    let router = Router::new()
        .route("/probe", post(probe))
        .with_state(app.state.clone());
    let (listener, address) = crate::reserve_address().await;
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    address.join("/probe").expect("probe url")
}
