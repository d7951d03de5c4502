//! OpenID Connect Front-Channel Logout: the provider ends a session by its `sid`.

use minside_test_support::{TestApp, browser};

use crate::helpers::{assert_problem, login_as, session_token};

#[tokio::test]
async fn frontchannel_logout_ends_the_session_with_that_sid_only() {
    let app = TestApp::spawn().await;
    let token = session_token(&login_as(&app, 0).await);
    let second = browser();
    let back = minside_test_support::dev_idp_authorize(
        &second,
        app.url("/auth/login"),
        crate::helpers::demo_pid(1).expose(),
        "idporten-loa-substantial",
    )
    .await;
    assert_eq!(second.get(back).send().await.expect("cb").status(), 303);

    let session = app
        .store()
        .find_session(&minside_auth::token_hash(&token), app.clock().now())
        .await
        .expect("store")
        .expect("session");
    let sid = session.idp_sid.clone().expect("the provider sent a sid");
    let issuer = format!("{}dev-idp", app.address);

    // The provider's iframe has no cookies of ours: only iss and sid count.
    let provider = browser();
    let mut url = app.url("/auth/frontchannel-logout");
    url.query_pairs_mut()
        .append_pair("iss", &issuer)
        .append_pair("sid", &sid);
    let response = provider.get(url).send().await.expect("frontchannel");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");

    assert_eq!(
        app.get("/api/v1/me/session").await.status(),
        401,
        "this sid's session ended"
    );
    let still = second
        .get(app.url("/api/v1/me/session"))
        .send()
        .await
        .expect("session");
    assert_eq!(still.status(), 200, "another provider session is untouched");
}

#[tokio::test]
async fn frontchannel_logout_needs_our_issuer_and_a_sid() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    let mut url = app.url("/auth/frontchannel-logout");
    url.query_pairs_mut()
        .append_pair("iss", "https://evil.example")
        .append_pair("sid", "x");
    assert_problem(
        browser().get(url).send().await.expect("fc"),
        400,
        "login-issuer",
    )
    .await;
    let response = browser()
        .get(app.url("/auth/frontchannel-logout?sid=x"))
        .send()
        .await;
    assert_problem(response.expect("fc"), 400, "bad-request").await;
    assert_eq!(app.get("/api/v1/me/session").await.status(), 200);
}

#[tokio::test]
async fn cross_site_state_changes_are_refused_even_with_the_token() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    let me: serde_json::Value = app.get_json("/api/v1/me/session").await;
    let csrf = me["csrf_token"].as_str().expect("csrf");
    let response = app
        .client
        .post(app.url("/auth/logout"))
        .header("x-csrf-token", csrf)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("logout");
    assert_problem(response, 403, "forbidden").await;
    let wrong = app
        .client
        .post(app.url("/auth/logout"))
        .header("x-csrf-token", "not-the-token")
        .send()
        .await
        .expect("logout");
    assert_problem(wrong, 403, "csrf").await;
    assert_eq!(app.get("/api/v1/me/session").await.status(), 200);

    // The front page's logout form sends the token as a form field.
    let form = app
        .client
        .post(app.url("/auth/logout"))
        .form(&[("csrf_token", csrf)])
        .send()
        .await
        .expect("logout");
    assert_eq!(form.status(), 303);
    assert_eq!(app.get("/api/v1/me/session").await.status(), 401);
}
