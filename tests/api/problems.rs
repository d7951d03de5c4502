//! Every error is problem+json with the right status: unknown routes and tenants, wrong
//! methods, oversized bodies.

use minside_test_support::TestApp;

use crate::helpers::assert_problem;

#[tokio::test]
async fn unknown_route_and_wrong_method() {
    let app = TestApp::spawn().await;
    assert_problem(app.get("/api/v1/nothing-here").await, 404, "not-found").await;
    let put = app
        .client
        .put(app.url("/health/live"))
        .send()
        .await
        .expect("put");
    assert_problem(put, 405, "method-not-allowed").await;
}

#[tokio::test]
async fn unknown_tenant_is_refused() {
    let app = TestApp::builder()
        .set("tenants.default", "")
        .tenant("kommunenummer = \"3203\"\nname = \"Asker kommune\"\nhosts = [\"127.0.0.1\"]\n")
        .spawn()
        .await;
    assert_eq!(app.get("/auth/login").await.status(), 303, "known host");
    let other = app
        .client
        .get(app.url("/auth/login"))
        .header("host", "evil.example")
        .send()
        .await
        .expect("login");
    assert_problem(other, 404, "unknown-tenant").await;
}

#[tokio::test]
async fn oversized_bodies_are_refused_before_reading() {
    let app = TestApp::builder()
        .set("server.body_limit_bytes", 2048)
        .spawn()
        .await;
    let big = vec![b'a'; 10_000];
    let response = app
        .client
        .post(app.url("/auth/logout"))
        .body(big)
        .send()
        .await
        .expect("post");
    assert_problem(response, 413, "payload-too-large").await;
}

#[tokio::test]
async fn oversized_chunked_bodies_are_refused_too() {
    let app = TestApp::builder()
        .set("server.body_limit_bytes", 2048)
        .spawn()
        .await;
    crate::helpers::login_as(&app, 0).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(vec![b'a'; 1500]), Ok(vec![b'b'; 1500])];
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let response = app
        .client
        .post(app.url("/auth/logout"))
        .body(body)
        .send()
        .await
        .expect("post");
    assert_problem(response, 413, "payload-too-large").await;
}
