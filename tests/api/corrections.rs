//! Reporting errors in records, and source systems' push invalidation.

use minside_adapter_demo::DemoSystemKind;
use minside_test_support::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, csrf, demo_pid, login_as};

async fn report(app: &TestApp, body: Value) -> reqwest::Response {
    let token = csrf(app).await;
    app.client
        .post(app.url("/api/v1/me/corrections"))
        .header("x-csrf-token", token)
        .json(&body)
        .send()
        .await
        .expect("report")
}

#[tokio::test]
async fn a_correction_is_stored_with_status_and_routed_to_the_source() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    let body = json!({ "source": "demo-invoices", "category": "invoices", "record_id": "inv-1",
                       "field_key": "amount", "message": "Beløpet er feil, jeg har betalt." });
    let created = report(&app, body).await;
    assert_eq!(created.status(), 201);
    let c: Value = created.json().await.expect("json");
    assert_eq!(c["status"], "received");
    assert_eq!(c["routed_to"].as_str().map(str::is_empty), Some(false));
    let list: Vec<Value> = app.get_json("/api/v1/me/corrections").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], c["id"]);
}

#[tokio::test]
async fn malformed_corrections_are_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    let ok = json!({ "source": "demo-invoices", "category": "invoices", "record_id": "r",
                     "message": "x" });
    let mut cases = Vec::new();
    for (key, value) in [
        ("source", json!("no-such-source")),
        ("category", json!("kindergarten")),
        ("category", json!("Not Valid")),
        ("record_id", json!("")),
        ("message", json!("   ")),
        ("message", json!("x".repeat(4001))),
        ("field_key", json!("Bad Key")),
    ] {
        let mut body = ok.clone();
        body[key] = value;
        cases.push(body);
    }
    for body in cases {
        assert_problem(report(&app, body).await, 422, "invalid-correction").await;
    }
    let mut unknown = ok.clone();
    unknown["extra"] = json!(1);
    assert_problem(report(&app, unknown).await, 422, "invalid-body").await;
    let no_csrf = app
        .client
        .post(app.url("/api/v1/me/corrections"))
        .json(&ok)
        .send()
        .await;
    assert_problem(no_csrf.expect("post"), 403, "csrf").await;
    let list: Vec<Value> = app.get_json("/api/v1/me/corrections").await;
    assert!(list.is_empty(), "{list:?}");
}

#[tokio::test]
async fn a_source_pushes_an_invalidation_and_the_next_read_fetches_anew() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    app.get("/api/v1/me/data/invoices").await;
    let demo = crate::helpers::demo(&app);
    let calls = || demo.get(DemoSystemKind::Invoices).stats().calls_total;
    let before = calls();
    app.get("/api/v1/me/data/invoices").await;
    assert_eq!(calls(), before, "cached");

    let url = app.url("/api/v1/system/sources/demo-invoices/invalidate");
    let system = minside_test_support::browser();
    let pid = demo_pid(0).expose().to_owned();
    let wrong = system
        .post(url.clone())
        .bearer_auth("wrong")
        .json(&json!({ "pid": pid }))
        .send()
        .await;
    assert_problem(wrong.expect("post"), 401, "source-unauthorized").await;
    let other_source = app.url("/api/v1/system/sources/demo-school/invalidate");
    let response = system
        .post(other_source)
        .bearer_auth("dev-only-invalidation-token")
        .json(&json!({ "pid": pid }))
        .send()
        .await;
    assert_problem(response.expect("post"), 401, "source-unauthorized").await;
    let bad_pid = system
        .post(url.clone())
        .bearer_auth("dev-only-invalidation-token")
        .json(&json!({ "pid": "12345678901" }))
        .send()
        .await;
    let body = assert_problem(bad_pid.expect("post"), 422, "invalid-pid").await;
    assert!(!body.to_string().contains("12345678901"));

    let ok = system
        .post(url)
        .bearer_auth("dev-only-invalidation-token")
        .json(&json!({ "pid": pid }))
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), 204);
    app.get("/api/v1/me/data/invoices").await;
    assert_eq!(calls(), before + 1, "fetched anew after invalidation");
}
