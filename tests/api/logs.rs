//! No national identity number in the logs, even at the most verbose level.

use minside_test_support::{TestApp, logs};

use crate::helpers::{demo_pid, login_as};

#[tokio::test]
async fn a_login_and_logout_never_log_the_pid() {
    logs::capture();
    let app = TestApp::spawn().await;
    let pid = demo_pid(3);
    login_as(&app, 3).await;
    let me: serde_json::Value = app.get_json("/api/v1/me/session").await;
    app.client
        .post(app.url("/auth/logout"))
        .header("x-csrf-token", me["csrf_token"].as_str().expect("csrf"))
        .send()
        .await
        .expect("logout");

    let captured = logs::captured();
    assert!(
        captured.contains("resident logged in"),
        "the capture works: {}",
        captured.len()
    );
    assert!(
        captured.contains("/auth/callback"),
        "request spans are logged"
    );
    assert!(!captured.contains(pid.expose()), "a pid was logged");
}
