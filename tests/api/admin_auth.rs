//! Caseworker login through the development identity provider's employee client: sessions with
//! roles mapped from the tenant's config, refusals (no role, another organisation), logout and
//! front-channel logout. Access once logged in is in `admin_access`.

use minside_dev_idp::{DevEmployee, demo_directory_id};
use minside_test_support::caseworker::{
    caseworker_login, caseworker_tenant, caseworker_token, dev_idp_employee_authorize,
};
use minside_test_support::{Backend, TestApp, browser, location};
use serde_json::{Value, json};

use crate::helpers::assert_problem;

/// The demo employee's object id.
pub(crate) fn oid(name: &str) -> String {
    DevEmployee::demo_staff()
        .into_iter()
        .find(|e| e.name == name)
        .expect("a demo employee")
        .oid
}

/// Logs `client` in as `name`, expecting success; returns the session token.
pub(crate) async fn logged_in(app: &TestApp, client: &reqwest::Client, name: &str) -> String {
    let callback = caseworker_login(app, client, &oid(name)).await;
    assert_eq!(callback.status(), 303, "{name} should get in");
    caseworker_token(&callback)
}

pub(crate) async fn admin_session(client: &reqwest::Client, app: &TestApp) -> reqwest::Response {
    let url = app.url("/api/v1/admin/session");
    client.get(url).send().await.expect("session")
}

async fn login_shows_roles(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    assert_problem(
        admin_session(&app.client, &app).await,
        401,
        "unauthenticated",
    )
    .await;

    let login = app.url("/admin/auth/login?redirect=/api/v1/admin/session");
    let back = dev_idp_employee_authorize(&app.client, login, &oid("Siri Saksbehandler")).await;
    assert_eq!(back.path(), "/admin/auth/callback");
    let callback = app.client.get(back).send().await.expect("callback");
    assert_eq!(callback.status(), 303, "{:?}", callback.text().await);
    assert_eq!(location(&callback).path(), "/api/v1/admin/session");
    let cookie = callback
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_owned())
        .find(|c| c.starts_with("minside_admin="))
        .expect("caseworker cookie");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(!cookie.contains("Secure"), "plain-HTTP loopback: {cookie}");

    let me: Value = admin_session(&app.client, &app)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["name"], "Siri Saksbehandler");
    assert_eq!(me["email"], "siri.saksbehandler@asker.kommune.example");
    assert_eq!(me["roles"], json!(["notice-editor", "plan-manager"]));
    assert_eq!(me["tenant"]["kommunenummer"], "3203");
    assert_eq!(me["tenant"]["name"], "Asker kommune");
    assert_eq!(me["csrf_token"].as_str().map(str::len), Some(43));

    let trail = app
        .store()
        .list_audit(&"3203".parse().expect("k"), None, 10)
        .await
        .expect("audit");
    let login = trail
        .iter()
        .find(|e| e.event.action == "caseworker.login")
        .expect("the login is audited");
    assert_eq!(
        login.event.actor,
        format!("caseworker:{}", oid("Siri Saksbehandler"))
    );
    assert_eq!(login.event.detail["roles"], me["roles"]);
}

#[tokio::test]
async fn caseworker_login_shows_the_mapped_roles_on_sqlite() {
    login_shows_roles(Backend::Sqlite).await;
}

#[tokio::test]
async fn caseworker_login_shows_the_mapped_roles_on_postgres() {
    login_shows_roles(Backend::Postgres).await;
}

#[tokio::test]
async fn roles_are_mapped_by_the_tenant_config() {
    let tid = demo_directory_id("3203");
    let tenant = caseworker_tenant(
        "3203",
        "Asker kommune",
        &["127.0.0.1"],
        None,
        &[
            ("MinSide.PlanManager", "admin"),
            ("MinSide.NoticeEditor", "notice-editor"),
        ],
        Some(&tid),
    );
    let app = TestApp::builder().tenant(&tenant).spawn().await;
    logged_in(&app, &app.client, "Pia Planlegger").await;
    let me: Value = app.get_json("/api/v1/admin/session").await;
    assert_eq!(
        me["roles"],
        json!(["admin"]),
        "this tenant makes planners admins"
    );

    // MinSide.Admin is not mapped here: Arne has no role in this municipality.
    let arne = browser();
    let refused = caseworker_login(&app, &arne, &oid("Arne Admin")).await;
    assert_problem(refused, 403, "login-denied").await;
}

#[tokio::test]
async fn an_employee_without_a_mapped_role_is_refused_and_the_refusal_audited() {
    let app = TestApp::spawn().await;
    let callback = caseworker_login(&app, &app.client, &oid("Ulf Utenrolle")).await;
    assert!(
        !callback
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().is_ok_and(|c| c.starts_with("minside_admin="))),
        "no session cookie"
    );
    let body = assert_problem(callback, 403, "login-denied").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("no MinSide role")),
        "{body}"
    );
    assert_eq!(admin_session(&app.client, &app).await.status(), 401);
    let trail = app
        .store()
        .list_audit(&"3203".parse().expect("k"), None, 10)
        .await
        .expect("audit");
    assert!(
        trail
            .iter()
            .any(|e| e.event.action == "caseworker.login_refused"
                && e.event.actor == format!("caseworker:{}", oid("Ulf Utenrolle")))
    );
}

#[tokio::test]
async fn an_employee_of_another_organisation_is_refused() {
    let app = TestApp::spawn().await;
    // Berit is an admin, but in Bærum's directory: Asker checks the `tid` claim.
    let callback = caseworker_login(&app, &app.client, &oid("Berit Bærum")).await;
    let body = assert_problem(callback, 403, "login-denied").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("another organisation")),
        "{body}"
    );
}

#[tokio::test]
async fn logout_ends_the_session_here_and_at_the_provider() {
    let app = TestApp::spawn().await;
    logged_in(&app, &app.client, "Arne Admin").await;
    let me: Value = app.get_json("/api/v1/admin/session").await;
    let csrf = me["csrf_token"].as_str().expect("csrf").to_owned();

    let refused = app
        .client
        .post(app.url("/admin/auth/logout"))
        .send()
        .await
        .expect("logout");
    assert_problem(refused, 403, "csrf").await;
    assert_eq!(
        admin_session(&app.client, &app).await.status(),
        200,
        "still logged in"
    );

    let logout = app
        .client
        .post(app.url("/admin/auth/logout"))
        .form(&[("csrf_token", csrf.as_str())])
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
        format!("{}admin/auth/logged-out", app.address)
    );
    assert_eq!(
        admin_session(&app.client, &app).await.status(),
        401,
        "ended here"
    );

    let html = app
        .client
        .get(end_session)
        .send()
        .await
        .expect("end")
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("/admin/auth/frontchannel-logout?iss="),
        "{html}"
    );
    let state = &q["state"];
    assert!(
        html.contains(&format!("admin/auth/logged-out?state={state}")),
        "{html}"
    );
    let back = app
        .get(&format!("/admin/auth/logged-out?state={state}"))
        .await;
    assert_eq!(back.status(), 303);
    assert_eq!(
        app.get("/admin/auth/logged-out?state=forged")
            .await
            .status(),
        400
    );

    let trail = app
        .store()
        .list_audit(&"3203".parse().expect("k"), None, 5)
        .await
        .expect("audit");
    assert!(trail.iter().any(|e| e.event.action == "caseworker.logout"));
}

#[tokio::test]
async fn frontchannel_logout_ends_the_caseworker_sessions_of_that_sid() {
    let app = TestApp::spawn().await;
    let token = logged_in(&app, &app.client, "Siri Saksbehandler").await;
    let session = app
        .store()
        .find_caseworker_session(&minside_auth::token_hash(&token), app.clock().now())
        .await
        .expect("store")
        .expect("session");
    let sid = session.idp_sid.expect("the provider sent a sid");
    let mut url = app.url("/admin/auth/frontchannel-logout");
    url.query_pairs_mut()
        .append_pair("iss", &format!("{}dev-idp", app.address))
        .append_pair("sid", &sid);
    assert_eq!(browser().get(url).send().await.expect("fc").status(), 200);
    assert_eq!(admin_session(&app.client, &app).await.status(), 401);
}

#[tokio::test]
async fn a_tenant_without_an_employee_provider_has_no_caseworker_login() {
    let app = TestApp::builder()
        .tenant("kommunenummer = \"3203\"\nname = \"Asker kommune\"\nhosts = [\"127.0.0.1\"]\n")
        .spawn()
        .await;
    let body = assert_problem(app.get("/admin/auth/login").await, 404, "not-found").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("not configured")),
        "{body}"
    );
}
