//! Login attempts that must fail, each with a clear problem+json answer and no session.

use minside_test_support::{TestApp, browser, dev_idp_authorize, location};

use crate::helpers::{assert_problem, demo_pid};

const SUBSTANTIAL: &str = "idporten-loa-substantial";

/// Runs a login up to the redirect back from the provider (not followed).
async fn callback_url(app: &TestApp) -> url::Url {
    dev_idp_authorize(
        &app.client,
        app.url("/auth/login"),
        demo_pid(0).expose(),
        SUBSTANTIAL,
    )
    .await
}

fn with_param(url: &url::Url, key: &str, value: &str) -> url::Url {
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let mut out = url.clone();
    out.query_pairs_mut().clear();
    for (k, v) in pairs {
        out.query_pairs_mut()
            .append_pair(&k, if k == key { value } else { &v });
    }
    out
}

async fn assert_not_logged_in(app: &TestApp) {
    assert_eq!(app.get("/api/v1/me/session").await.status(), 401);
}

#[tokio::test]
async fn tampered_state_is_refused() {
    let app = TestApp::spawn().await;
    let back = callback_url(&app).await;
    let tampered = with_param(
        &back,
        "state",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    );
    let response = app.client.get(tampered).send().await.expect("callback");
    assert_problem(response, 400, "login-state").await;
    assert_not_logged_in(&app).await;
}

#[tokio::test]
async fn a_replayed_callback_is_refused() {
    let app = TestApp::spawn().await;
    let back = callback_url(&app).await;
    assert_eq!(
        app.client
            .get(back.clone())
            .send()
            .await
            .expect("first")
            .status(),
        303
    );
    let other = browser();
    // The attacker has the URL (e.g. from a log or history) but neither state nor code is reusable.
    assert_problem(
        other.get(back.clone()).send().await.expect("replay"),
        400,
        "login-state",
    )
    .await;
    assert_problem(
        app.client.get(back).send().await.expect("replay"),
        400,
        "login-state",
    )
    .await;
}

#[tokio::test]
async fn a_callback_in_another_browser_is_refused() {
    let app = TestApp::spawn().await;
    let back = callback_url(&app).await;
    let other = browser();
    assert_problem(
        other.get(back).send().await.expect("callback"),
        400,
        "login-state",
    )
    .await;
}

#[tokio::test]
async fn a_replayed_authorization_code_is_refused_by_the_provider() {
    let app = TestApp::spawn().await;
    let first = callback_url(&app).await;
    let code = first
        .query_pairs()
        .find(|(k, _)| k == "code")
        .expect("code")
        .1
        .into_owned();
    assert_eq!(
        app.client.get(first).send().await.expect("login").status(),
        303
    );

    // A fresh, valid login attempt carrying the already used code.
    let start = app
        .client
        .get(app.url("/auth/login"))
        .send()
        .await
        .expect("login");
    let authorize = location(&start);
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .expect("state")
        .1
        .into_owned();
    let iss = format!("{}dev-idp", app.address);
    let mut forged = app.url("/auth/callback");
    forged
        .query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &state)
        .append_pair("iss", &iss);
    let response = app.client.get(forged).send().await.expect("callback");
    assert_problem(response, 400, "login-code").await;
}

#[tokio::test]
async fn a_foreign_or_missing_issuer_is_refused() {
    let app = TestApp::spawn().await;
    let back = callback_url(&app).await;
    let foreign = with_param(&back, "iss", "https://evil.example");
    assert_problem(
        app.client.get(foreign).send().await.expect("cb"),
        400,
        "login-issuer",
    )
    .await;

    // The provider announces RFC 9207 support, so a response without `iss` is refused too.
    let back = callback_url(&app).await;
    let mut without = back.clone();
    let pairs: Vec<(String, String)> = back
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "iss")
        .collect();
    without.query_pairs_mut().clear().extend_pairs(pairs);
    assert_problem(
        app.client.get(without).send().await.expect("cb"),
        400,
        "login-issuer",
    )
    .await;
    assert_not_logged_in(&app).await;
}

#[tokio::test]
async fn open_redirect_attempts_are_refused() {
    let app = TestApp::spawn().await;
    for target in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
        "/%2f%2fevil.example",
    ] {
        let mut url = app.url("/auth/login");
        url.query_pairs_mut().append_pair("redirect", target);
        let response = app.client.get(url).send().await.expect("login");
        assert_problem(response, 400, "bad-request").await;
    }
    let mut url = app.url("/auth/login");
    url.query_pairs_mut()
        .append_pair("redirect", "/api/v1/me/session?x=1");
    assert_eq!(
        app.client.get(url).send().await.expect("login").status(),
        303
    );
}

#[tokio::test]
async fn unknown_level_locale_or_parameter_is_refused() {
    let app = TestApp::spawn().await;
    for query in ["level=Level4", "locale=de", "levle=high"] {
        let response = app.get(&format!("/auth/login?{query}")).await;
        assert_problem(response, 400, "bad-request").await;
    }
}

#[tokio::test]
async fn the_provider_cannot_be_satisfied_with_a_lower_level() {
    let app = TestApp::spawn().await;
    let login = app.url("/auth/login?level=high");
    let start = app.client.get(login).send().await.expect("login");
    let authorize = location(&start);
    let page = app
        .client
        .get(authorize)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        !page.contains("value=\"idporten-loa-substantial\""),
        "only high may be picked"
    );
}

#[tokio::test]
async fn synthetic_numbers_are_refused_when_not_allowed() {
    let app = TestApp::builder()
        .set("idporten.allow_synthetic_pids", false)
        .spawn()
        .await;
    let back = callback_url(&app).await;
    let response = app.client.get(back).send().await.expect("callback");
    let body = assert_problem(response, 401, "login-pid").await;
    assert!(
        !body.to_string().contains(demo_pid(0).expose()),
        "error text has no pid"
    );
    assert_not_logged_in(&app).await;
}
