//! Health, metrics, request ids and the OpenAPI document.

use minside_test_support::{Backend, TestApp};
use serde_json::Value;

#[tokio::test]
async fn live_and_ready_answer_on_both_databases() {
    for (backend, name) in [(Backend::Sqlite, "sqlite"), (Backend::Postgres, "postgres")] {
        let app = TestApp::builder().backend(backend).spawn().await;
        assert_eq!(app.get("/health/live").await.status(), 200);
        let ready = app.get("/health/ready").await;
        assert_eq!(ready.status(), 200);
        let body: Value = ready.json().await.expect("json");
        assert_eq!(body["store"], name);
    }
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let a = app.get("/health/live").await;
    let b = app.get("/nowhere").await;
    let id = |r: &reqwest::Response| {
        r.headers()["x-request-id"]
            .to_str()
            .expect("ascii")
            .to_owned()
    };
    assert_ne!(id(&a), id(&b));
    let given = app
        .client
        .get(app.url("/health/live"))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("live");
    assert_eq!(given.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn metrics_are_exposed_for_prometheus() {
    let app = TestApp::spawn().await;
    app.get("/health/live").await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("text");
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains("route=\"/health/live\""), "{text}");
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let app = TestApp::spawn().await;
    let doc: Value = app.get_json("/api/v1/openapi.json").await;
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for route in [
        "/",
        "/auth/login",
        "/auth/callback",
        "/auth/logout",
        "/auth/logged-out",
        "/auth/frontchannel-logout",
        "/api/v1/me/session",
        "/api/v1/me/overview",
        "/api/v1/me/data/{category}",
        "/api/v1/me/export",
        "/api/v1/me/access-log",
        "/api/v1/me/corrections",
        "/api/v1/me/children",
        "/api/v1/me/acting-as",
        "/api/v1/system/sources/{source}/invalidate",
        "/health/live",
        "/health/ready",
        "/metrics",
    ] {
        assert!(paths.contains_key(route), "{route} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
}
