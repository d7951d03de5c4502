//! Shared steps of the API tests.

use minside_core::Pid;
use minside_test_support::{TestApp, dev_idp_authorize};
use serde_json::Value;

/// The n-th showcase resident of the demo municipality (the dev login page's n-th person).
pub fn demo_pid(n: usize) -> Pid {
    static DEMO: std::sync::OnceLock<minside_adapter_demo::DemoMunicipality> =
        std::sync::OnceLock::new();
    let demo = DEMO.get_or_init(|| {
        minside_adapter_demo::DemoMunicipality::generate(
            minside_adapter_demo::DEFAULT_SEED,
            minside_adapter_demo::DEFAULT_SIZE,
        )
    });
    demo.showcase()[n].pid.clone()
}

/// Logs `app.client` in as demo resident `n` at substantial level; returns the callback response.
pub async fn login_as(app: &TestApp, n: usize) -> reqwest::Response {
    let pid = demo_pid(n);
    let back = dev_idp_authorize(
        &app.client,
        app.url("/auth/login"),
        pid.expose(),
        "idporten-loa-substantial",
    )
    .await;
    let response = app.client.get(back).send().await.expect("callback");
    assert_eq!(response.status(), 303, "login should succeed");
    response
}

/// The session token from a callback response's `Set-Cookie`.
pub fn session_token(callback: &reqwest::Response) -> String {
    callback
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("minside_session="))
        .and_then(|c| c.split(';').next())
        .expect("session cookie")
        .to_owned()
}

/// Asserts a problem+json response with this status and problem type slug; returns the body.
pub async fn assert_problem(response: reqwest::Response, status: u16, slug: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let body: Value = response.json().await.expect("problem json");
    assert_eq!(
        body["type"],
        format!("urn:minside:problem:{slug}"),
        "{body}"
    );
    assert_eq!(body["status"], status);
    body
}

/// A GET without any session cookie.
pub async fn anonymous(app: &TestApp, path: &str) -> reqwest::Response {
    minside_test_support::browser()
        .get(app.url(path))
        .send()
        .await
        .expect("request")
}

/// The CSRF token of `app.client`'s session.
pub async fn csrf(app: &TestApp) -> String {
    let me: Value = app.get_json("/api/v1/me/session").await;
    me["csrf_token"].as_str().expect("csrf").to_owned()
}

/// The demo municipality's simulated legacy systems of this app (to switch outages, read stats).
pub fn demo(app: &TestApp) -> &minside_adapter_demo::DemoSystems {
    app.state
        .sources()
        .demo
        .as_ref()
        .expect("the demo municipality is enabled")
}

/// Runs inbox delivery rounds until nothing is left to deliver.
pub async fn deliver_all_to_inboxes(app: &TestApp) {
    let worker = &app.state.notices().delivery;
    while worker
        .deliver_inbox(jiff::Timestamp::now())
        .await
        .expect("deliver")
        > 0
    {}
}
