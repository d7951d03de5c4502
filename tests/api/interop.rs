//! The whole resident login against a real OpenID provider nobody here wrote: panva's
//! `oidc-provider` (npm), configured like ID-porten (`/authorize`, `/token`, `/jwks.json`,
//! `/userinfo`, `/logout`, `pid` and `acr` in the ID token, RFC 9207 `iss`).

use minside_test_support::oidc_provider::{OidcAccount, OidcProvider, OidcProviderConfig};
use minside_test_support::{TestApp, location, reserve_address};
use serde_json::Value;

use crate::helpers::{assert_problem, demo_pid};

const CLIENT_SECRET: &str = "interop-client-secret-0123456789";

async fn provider_and_app() -> (OidcProvider, TestApp) {
    let (listener, base) = reserve_address().await;
    let at = |path: &str| base.join(path).expect("url");
    let op = OidcProvider::start(OidcProviderConfig {
        port: 0,
        client_id: "minside-interop".into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_uris: vec![at("/auth/callback")],
        post_logout_redirect_uris: vec![at("/auth/logged-out")],
        frontchannel_logout_uri: Some(at("/auth/frontchannel-logout")),
        accounts: vec![OidcAccount {
            pid: demo_pid(0).expose().into(),
            name: "Kari".into(),
        }],
    })
    .await;
    let app = TestApp::builder()
        .listener(listener)
        .set("dev_idp.enabled", false)
        .set("idporten.issuer", op.issuer_str())
        .set("idporten.client_id", "minside-interop")
        .set("idporten.client_secret", CLIENT_SECRET)
        .spawn()
        .await;
    (op, app)
}

#[tokio::test]
async fn login_session_and_logout_against_oidc_provider() {
    let (op, app) = provider_and_app().await;
    let pid = demo_pid(0);

    let start = app.get("/auth/login?redirect=/api/v1/me/session").await;
    assert_eq!(start.status(), 303);
    let authorize = location(&start);
    assert_eq!(authorize.path(), "/authorize");
    let back = op
        .login(
            &app.client,
            &authorize,
            pid.expose(),
            "idporten-loa-substantial",
        )
        .await;
    assert!(
        back.query_pairs()
            .any(|(k, v)| k == "iss" && v == op.issuer_str())
    );

    let callback = app.client.get(back).send().await.expect("callback");
    assert_eq!(callback.status(), 303, "{:?}", callback.text().await);
    let me: Value = app.get_json("/api/v1/me/session").await;
    assert_eq!(me["resident"]["pid_masked"], pid.masked());
    assert_eq!(me["acr"], "idporten-loa-substantial");
    assert_eq!(me["tenant"]["kommunenummer"], "3203");

    let logout = app
        .client
        .post(app.url("/auth/logout"))
        .header("x-csrf-token", me["csrf_token"].as_str().expect("csrf"))
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 303);
    let end_session = location(&logout);
    assert_eq!(end_session.path(), "/logout");
    assert_eq!(app.get("/api/v1/me/session").await.status(), 401);

    let outcome = op.logout(&app.client, &end_session).await;
    assert_eq!(outcome.redirect.path(), "/auth/logged-out");
    let back = app
        .client
        .get(outcome.redirect)
        .send()
        .await
        .expect("logged out");
    assert_eq!(back.status(), 303, "state round-trips through the provider");
}

#[tokio::test]
async fn a_lower_level_than_requested_is_refused() {
    let (op, app) = provider_and_app().await;
    let start = app.get("/auth/login?level=high").await;
    let authorize = location(&start);
    assert!(
        authorize
            .query_pairs()
            .any(|(k, v)| k == "acr_values" && v == "idporten-loa-high")
    );
    let back = op
        .login(
            &app.client,
            &authorize,
            demo_pid(0).expose(),
            "idporten-loa-substantial",
        )
        .await;
    let response = app.client.get(back).send().await.expect("callback");
    assert_problem(response, 401, "login-level").await;
    assert_eq!(app.get("/api/v1/me/session").await.status(), 401);
}
