//! Resident login through the development identity provider, on both databases: the whole
//! flow from `/auth/login` to a session, and RP-initiated logout back to the provider.

use minside_test_support::{Backend, TestApp, dev_idp_authorize, location};
use serde_json::Value;

use crate::helpers::{demo_pid, login_as, session_token};

async fn full_login_and_logout(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let pid = demo_pid(0);

    let anonymous = app.get("/api/v1/me/session").await;
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous.headers()["content-type"],
        "application/problem+json"
    );

    let login = app.url("/auth/login?redirect=/api/v1/me/session&locale=nn");
    let back =
        dev_idp_authorize(&app.client, login, pid.expose(), "idporten-loa-substantial").await;
    assert_eq!(back.path(), "/auth/callback");
    let params: Vec<(String, String)> = back.query_pairs().into_owned().collect();
    let iss = params
        .iter()
        .find(|(k, _)| k == "iss")
        .map(|(_, v)| v.as_str());
    assert_eq!(
        iss,
        Some(format!("{}dev-idp", app.address).as_str()),
        "RFC 9207 iss"
    );

    let callback = app.client.get(back).send().await.expect("callback");
    assert_eq!(callback.status(), 303, "{:?}", callback.text().await);
    assert_eq!(location(&callback).path(), "/api/v1/me/session");
    let cookie = callback
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .find(|c| c.starts_with("minside_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain-HTTP loopback dev cookie is not Secure"
    );
    assert!(!cookie.contains(pid.expose()));

    let me: Value = app.get_json("/api/v1/me/session").await;
    assert_eq!(me["resident"]["name"], "Kari Nordmann");
    assert_eq!(me["resident"]["pid_masked"], pid.masked());
    assert_eq!(me["acr"], "idporten-loa-substantial");
    assert_eq!(me["level"], "substantial");
    assert_eq!(me["locale"], "nn");
    assert_eq!(me["tenant"]["kommunenummer"], "3203");
    assert_eq!(me["tenant"]["name"], "Asker kommune");
    assert!(
        !me.to_string().contains(pid.expose()),
        "the full pid is never sent"
    );
    let csrf = me["csrf_token"].as_str().expect("csrf token").to_owned();

    // Logout without the CSRF token is refused and the session survives.
    let refused = app
        .client
        .post(app.url("/auth/logout"))
        .send()
        .await
        .expect("logout");
    assert_eq!(refused.status(), 403);
    assert_eq!(app.get("/api/v1/me/session").await.status(), 200);

    let logout = app
        .client
        .post(app.url("/auth/logout"))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("logout");
    assert_eq!(logout.status(), 303);
    let end_session = location(&logout);
    assert_eq!(end_session.path(), "/dev-idp/logout");
    let q: std::collections::HashMap<_, _> = end_session.query_pairs().into_owned().collect();
    assert!(q.contains_key("id_token_hint"));
    assert_eq!(
        q["post_logout_redirect_uri"],
        format!("{}auth/logged-out", app.address)
    );
    let state = q["state"].clone();
    assert_eq!(
        app.get("/api/v1/me/session").await.status(),
        401,
        "session ended locally"
    );

    // The provider ends its session, loads our front-channel URI and sends the browser back.
    let page = app
        .client
        .get(end_session)
        .send()
        .await
        .expect("end session");
    let html = page.text().await.expect("html");
    assert!(html.contains("/auth/frontchannel-logout?iss="), "{html}");
    assert!(
        html.contains(&format!("auth/logged-out?state={state}")),
        "{html}"
    );
    let back = app.get(&format!("/auth/logged-out?state={state}")).await;
    assert_eq!(back.status(), 303);
    let wrong = app.get("/auth/logged-out?state=forged").await;
    assert_eq!(wrong.status(), 400);
}

#[tokio::test]
async fn login_session_and_logout_on_sqlite() {
    full_login_and_logout(Backend::Sqlite).await;
}

#[tokio::test]
async fn login_session_and_logout_on_postgres() {
    full_login_and_logout(Backend::Postgres).await;
}

#[tokio::test]
async fn high_level_is_requested_and_recorded() {
    let app = TestApp::spawn().await;
    let pid = demo_pid(1);
    let login = app.url("/auth/login?level=high");
    let authorize = app.client.get(login.clone()).send().await.expect("login");
    let q: std::collections::HashMap<_, _> =
        location(&authorize).query_pairs().into_owned().collect();
    assert_eq!(q["acr_values"], "idporten-loa-high");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["ui_locales"], "nb");
    assert!(q.contains_key("nonce") && q.contains_key("state"));

    let back = dev_idp_authorize(&app.client, login, pid.expose(), "idporten-loa-high").await;
    assert_eq!(
        app.client
            .get(back)
            .send()
            .await
            .expect("callback")
            .status(),
        303
    );
    let me: Value = app.get_json("/api/v1/me/session").await;
    assert_eq!(me["acr"], "idporten-loa-high");
    assert_eq!(me["level"], "high");
}

#[tokio::test]
async fn sessions_end_after_inactivity_and_at_max_lifetime() {
    let app = TestApp::builder()
        .set("session.idle_timeout_minutes", 10)
        .set("session.max_lifetime_minutes", 25)
        .spawn()
        .await;
    login_as(&app, 0).await;
    app.clock().advance(jiff::SignedDuration::from_mins(9));
    assert_eq!(
        app.get("/api/v1/me/session").await.status(),
        200,
        "use extends idle expiry"
    );
    app.clock().advance(jiff::SignedDuration::from_mins(9));
    assert_eq!(app.get("/api/v1/me/session").await.status(), 200);
    app.clock().advance(jiff::SignedDuration::from_mins(9));
    assert_eq!(
        app.get("/api/v1/me/session").await.status(),
        401,
        "27 min > max lifetime 25"
    );

    login_as(&app, 0).await;
    app.clock().advance(jiff::SignedDuration::from_mins(11));
    assert_eq!(
        app.get("/api/v1/me/session").await.status(),
        401,
        "idle for 11 min > 10"
    );
}

#[tokio::test]
async fn the_session_cookie_is_the_only_credential_and_is_stored_hashed() {
    let app = TestApp::spawn().await;
    let token = session_token(&login_as(&app, 2).await);
    let found = app
        .store()
        .find_session(&minside_auth::token_hash(&token), app.clock().now())
        .await
        .expect("store");
    assert!(found.is_some(), "store keys sessions by the token's hash");
    let raw = app
        .store()
        .find_session(&sha_of_nothing(), app.clock().now())
        .await
        .expect("store");
    assert!(raw.is_none());
}

fn sha_of_nothing() -> [u8; 32] {
    minside_auth::token_hash("")
}

#[tokio::test]
async fn the_front_page_shows_the_session_or_offers_login() {
    let app = TestApp::spawn().await;
    let anonymous = app.get("/").await.text().await.expect("html");
    assert!(anonymous.contains("href=\"/auth/login\""), "{anonymous}");
    login_as(&app, 0).await;
    let page = app.get("/").await.text().await.expect("html");
    let me: Value = app.get_json("/api/v1/me/session").await;
    assert!(
        page.contains("Kari Nordmann") && page.contains(&demo_pid(0).masked()),
        "{page}"
    );
    let csrf = me["csrf_token"].as_str().expect("csrf");
    assert!(
        page.contains(&format!("name=\"csrf_token\" value=\"{csrf}\"")),
        "{page}"
    );
    assert!(!page.contains(demo_pid(0).expose()));
}
