//! What a caseworker session gives access to: only its own tenant, changes only with the CSRF
//! token, a same-site origin and the needed role (audited), never a resident route (and no
//! resident session on caseworker routes), and the audit trail only to admins.

use minside_dev_idp::demo_directory_id;
use minside_test_support::caseworker::{
    caseworker_login, caseworker_tenant, dev_idp_employee_authorize, serve_caseworker_probe,
};
use minside_test_support::{TestApp, browser};
use serde_json::{Value, json};

use crate::admin_auth::{admin_session, logged_in, oid};
use crate::helpers::{assert_problem, login_as, session_token};

#[tokio::test]
async fn a_session_of_one_tenant_is_forbidden_on_another_tenants_host() {
    let (listener, address) = minside_test_support::reserve_address().await;
    let port = address.port().expect("port");
    let baerum_url = url::Url::parse(&format!("http://localhost:{port}")).expect("url");
    let admin = [
        ("MinSide.Admin", "admin"),
        ("MinSide.NoticeEditor", "notice-editor"),
    ];
    let asker_tid = demo_directory_id("3203");
    let baerum_tid = demo_directory_id("3201");
    let app = TestApp::builder()
        .listener(listener)
        .set("tenants.default", "")
        .tenant(&caseworker_tenant(
            "3203",
            "Asker kommune",
            &["127.0.0.1"],
            None,
            &admin,
            Some(&asker_tid),
        ))
        .tenant(&caseworker_tenant(
            "3201",
            "Bærum kommune",
            &["localhost"],
            Some(&baerum_url),
            &admin,
            Some(&baerum_tid),
        ))
        .spawn()
        .await;

    let asker_token = logged_in(&app, &app.client, "Siri Saksbehandler").await;
    // Berit logs in at Bærum's own address.
    let berit = browser();
    let login = baerum_url.join("/admin/auth/login").expect("url");
    let back = dev_idp_employee_authorize(&berit, login, &oid("Berit Bærum")).await;
    assert_eq!(back.host_str(), Some("localhost"));
    assert_eq!(
        berit.get(back).send().await.expect("callback").status(),
        303
    );
    let me: Value = berit
        .get(baerum_url.join("/api/v1/admin/session").expect("url"))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    assert_eq!(me["tenant"]["kommunenummer"], "3201");
    assert_eq!(me["roles"], json!(["admin"]));

    // Asker's session presented at Bærum's host is refused, not quietly ignored.
    let crossed = browser()
        .get(baerum_url.join("/api/v1/admin/session").expect("url"))
        .header("cookie", format!("minside_admin={asker_token}"))
        .send()
        .await
        .expect("session");
    let body = assert_problem(crossed, 403, "forbidden").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("another municipality"))
    );
    let audit = browser()
        .get(baerum_url.join("/api/v1/admin/audit").expect("url"))
        .header("cookie", format!("minside_admin={asker_token}"))
        .send()
        .await
        .expect("audit");
    assert_problem(audit, 403, "forbidden").await;
    // And Bærum's admin cannot log in at Asker either.
    let refused = caseworker_login(&app, &browser(), &oid("Berit Bærum")).await;
    assert_problem(refused, 403, "login-denied").await;
}

#[tokio::test]
async fn changes_need_the_csrf_token_a_same_site_origin_and_the_role() {
    let app = TestApp::spawn().await;
    let probe = serve_caseworker_probe(&app).await;
    let post = |url: url::Url| app.client.post(url);
    // Without a session.
    assert_problem(
        browser().post(probe.clone()).send().await.expect("probe"),
        401,
        "unauthenticated",
    )
    .await;

    logged_in(&app, &app.client, "Pia Planlegger").await;
    let me: Value = app.get_json("/api/v1/admin/session").await;
    let csrf = me["csrf_token"].as_str().expect("csrf").to_owned();

    let missing = post(probe.clone()).send().await.expect("probe");
    assert_problem(missing, 403, "csrf").await;
    let wrong = post(probe.clone())
        .header("x-csrf-token", "forged")
        .send()
        .await
        .expect("probe");
    assert_problem(wrong, 403, "csrf").await;
    let cross_site = post(probe.clone())
        .header("x-csrf-token", &csrf)
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("probe");
    assert_problem(cross_site, 403, "forbidden").await;
    let mut editor = probe.clone();
    editor.set_query(Some("role=notice-editor"));
    let lacking = post(editor)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("probe");
    let body = assert_problem(lacking, 403, "role-required").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("notice-editor")),
        "{body}"
    );

    let mut planner = probe.clone();
    planner.set_query(Some("role=plan-manager"));
    let ok = post(planner)
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .expect("probe");
    assert_eq!(ok.status(), 204);
    let trail = app
        .store()
        .list_audit(&"3203".parse().expect("k"), None, 1)
        .await
        .expect("audit");
    let change = &trail[0].event;
    assert_eq!(change.action, "probe.change");
    assert_eq!(
        change.actor,
        format!("caseworker:{}", oid("Pia Planlegger"))
    );
    assert_eq!(
        change.detail,
        json!({ "subject": "probe:1", "before": { "title": "Før" }, "after": { "title": "Etter" } })
    );
}

#[tokio::test]
async fn resident_and_caseworker_sessions_never_cross() {
    let app = TestApp::spawn().await;
    let resident = session_token(&login_as(&app, 0).await);
    let caseworker_browser = browser();
    let caseworker = logged_in(&app, &caseworker_browser, "Arne Admin").await;

    assert_eq!(
        admin_session(&app.client, &app).await.status(),
        401,
        "resident cookie"
    );
    let me = caseworker_browser
        .get(app.url("/api/v1/me/session"))
        .send()
        .await
        .expect("me");
    assert_eq!(me.status(), 401, "caseworker cookie on a resident route");

    // Even a token moved into the other cookie is unknown there.
    let as_admin = browser()
        .get(app.url("/api/v1/admin/session"))
        .header("cookie", format!("minside_admin={resident}"))
        .send()
        .await
        .expect("session");
    assert_eq!(as_admin.status(), 401);
    let as_resident = browser()
        .get(app.url("/api/v1/me/session"))
        .header("cookie", format!("minside_session={caseworker}"))
        .send()
        .await
        .expect("session");
    assert_eq!(as_resident.status(), 401);
}

#[tokio::test]
async fn the_audit_trail_needs_an_admin_and_pages_newest_first() {
    let app = TestApp::spawn().await;
    logged_in(&app, &app.client, "Siri Saksbehandler").await;
    let denied = app.get("/api/v1/admin/audit").await;
    let body = assert_problem(denied, 403, "role-required").await;
    assert!(
        body["detail"].as_str().is_some_and(|d| d.contains("admin")),
        "{body}"
    );

    let arne = browser();
    logged_in(&app, &arne, "Arne Admin").await;
    let page = |query: String| {
        let arne = &arne;
        let url = app.url(&format!("/api/v1/admin/audit{query}"));
        async move { arne.get(url).send().await.expect("audit") }
    };
    let first: Value = page("?limit=1".into()).await.json().await.expect("json");
    let entries = first["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["action"], "caseworker.login");
    assert_eq!(
        entries[0]["actor"],
        format!("caseworker:{}", oid("Arne Admin")),
        "newest first"
    );
    let next = first["next"].as_str().expect("a next page").to_owned();
    let second: Value = page(format!("?limit=10&after={next}"))
        .await
        .json()
        .await
        .expect("json");
    let entries = second["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{second}");
    assert_eq!(
        entries[0]["actor"],
        format!("caseworker:{}", oid("Siri Saksbehandler"))
    );
    assert!(
        second.get("next").is_none_or(Value::is_null),
        "last page: {second}"
    );
    assert_problem(page("?after=nonsense".into()).await, 400, "bad-request").await;
    assert_problem(page("?limit=0".into()).await, 400, "bad-request").await;
}
