//! "What the municipality knows about me" over HTTP: the overview across the demo
//! municipality's five simulated systems, partial failure, categories, export, access log.

use minside_adapter_demo::DemoSystemKind;
use minside_test_support::{Backend, TestApp};
use serde_json::Value;

use crate::helpers::{assert_problem, login_as};

fn source<'a>(overview: &'a Value, id: &str) -> &'a Value {
    overview["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .find(|s| s["source"] == id)
        .unwrap_or_else(|| panic!("no source {id} in {overview}"))
}

fn calls(app: &TestApp, kind: DemoSystemKind) -> u64 {
    crate::helpers::demo(app).get(kind).stats().calls_total
}

async fn overview_from_every_source(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    login_as(&app, 0).await; // Kari Nordmann
    let first: Value = app.get_json("/api/v1/me/overview").await;
    let sources = first["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 5, "{first}");
    for s in sources {
        assert_eq!(s["status"]["state"], "fresh", "{s}");
    }
    let invoices = &source(&first, "demo-invoices")["categories"][0]["records"];
    assert!(
        invoices.as_array().is_some_and(|r| !r.is_empty()),
        "Kari has invoices"
    );
    let person = source(&first, "demo-folkeregister").to_string();
    assert!(person.contains("Blakstadveien"), "Kari's address: {person}");
    assert!(
        !first
            .to_string()
            .contains(crate::helpers::demo_pid(0).expose())
    );

    // A second overview is answered from the cache: no source is called again.
    let before = calls(&app, DemoSystemKind::Invoices);
    let second: Value = app.get_json("/api/v1/me/overview").await;
    assert_eq!(calls(&app, DemoSystemKind::Invoices), before);
    assert_eq!(second["sources"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn overview_from_every_source_on_sqlite() {
    overview_from_every_source(Backend::Sqlite).await;
}

#[tokio::test]
async fn overview_from_every_source_on_postgres() {
    overview_from_every_source(Backend::Postgres).await;
}

#[tokio::test]
async fn one_source_down_is_reported_not_fatal() {
    let app = TestApp::spawn().await;
    login_as(&app, 2).await; // Ingrid Bakke
    let demo = crate::helpers::demo(&app);
    demo.get(DemoSystemKind::Property)
        .control()
        .set_outage(true);
    let view: Value = app.get_json("/api/v1/me/overview").await;
    assert_eq!(
        source(&view, "demo-property")["status"]["state"],
        "unavailable",
        "{view}"
    );
    assert_eq!(source(&view, "demo-invoices")["status"]["state"], "fresh");
    assert_eq!(
        source(&view, "demo-folkeregister")["status"]["state"],
        "fresh"
    );
}

#[tokio::test]
async fn a_hanging_source_does_not_hold_the_overview_past_its_deadline() {
    let app = TestApp::builder()
        .set("overview.deadline_ms", 300)
        .spawn()
        .await;
    login_as(&app, 0).await;
    let demo = crate::helpers::demo(&app);
    demo.get(DemoSystemKind::School).control().set_hang(true);
    let view: Value = app.get_json("/api/v1/me/overview").await;
    let school = source(&view, "demo-school");
    assert_eq!(school["status"]["state"], "unavailable");
    assert_eq!(school["status"]["reason"], "timeout");
    assert_eq!(
        source(&view, "demo-kindergarten")["status"]["state"],
        "fresh"
    );
}

#[tokio::test]
async fn stale_data_is_served_with_its_age_when_the_source_fails() {
    let app = TestApp::builder()
        .set(
            "cache.policies.demo-invoices",
            serde_json::json!({ "fresh": "200ms", "stale_while_revalidate": "1ms" }),
        )
        .spawn()
        .await;
    login_as(&app, 0).await;
    let first: Value = app.get_json("/api/v1/me/data/invoices").await;
    assert_eq!(source(&first, "demo-invoices")["status"]["state"], "fresh");
    let demo = crate::helpers::demo(&app);
    demo.get(DemoSystemKind::Invoices)
        .control()
        .set_outage(true);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let later: Value = app.get_json("/api/v1/me/data/invoices").await;
    let invoices = source(&later, "demo-invoices");
    assert_eq!(invoices["status"]["state"], "stale", "{later}");
    assert_eq!(invoices["status"]["reason"], "source_failed");
    assert!(invoices["status"]["age_seconds"].as_i64().is_some());
    assert_eq!(
        invoices["categories"][0]["records"], first["sources"][0]["categories"][0]["records"],
        "the last good records are shown"
    );
}

#[tokio::test]
async fn one_category_and_bad_categories() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    let view: Value = app.get_json("/api/v1/me/data/kindergarten").await;
    let sources = view["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0]["source"], "demo-kindergarten");
    assert_problem(
        app.get("/api/v1/me/data/no-such-thing").await,
        404,
        "unknown-category",
    )
    .await;
    assert_problem(
        app.get("/api/v1/me/data/Bad%20Category").await,
        400,
        "bad-request",
    )
    .await;
    assert_problem(
        crate::helpers::anonymous(&app, "/api/v1/me/data/invoices").await,
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn every_read_is_in_the_access_log_and_the_chain_verifies() {
    let app = TestApp::spawn().await;
    login_as(&app, 2).await;
    app.get("/api/v1/me/overview").await;
    app.get("/api/v1/me/data/invoices").await;
    let log: Value = app.get_json("/api/v1/me/access-log").await;
    let entries = log["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2, "{log}");
    assert_eq!(
        entries[0]["categories"],
        serde_json::json!(["invoices"]),
        "newest first"
    );
    assert!(
        entries[1]["categories"]
            .as_array()
            .is_some_and(|c| c.len() > 3)
    );
    for e in entries {
        assert_eq!(e["actor"], "deg selv");
        assert_eq!(e["actor_kind"], "resident");
    }
    assert_eq!(log["intact"], true);
    assert_problem(
        app.get("/api/v1/me/access-log?limit=0").await,
        400,
        "bad-request",
    )
    .await;
}

#[tokio::test]
async fn export_says_which_sources_failed() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    let demo = crate::helpers::demo(&app);
    demo.get(DemoSystemKind::Property)
        .control()
        .set_outage(true);
    let response = app.get("/api/v1/me/export").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("attachment")
    );
    let export: Value = response.json().await.expect("json");
    assert_eq!(export["complete"], false);
    assert_eq!(
        export["failed_sources"],
        serde_json::json!(["demo-property"])
    );
    assert_eq!(export["resident"]["name"], "Kari Nordmann");
    assert_eq!(export["sources"].as_array().map(Vec::len), Some(5));
    let log: Value = app.get_json("/api/v1/me/access-log").await;
    assert_eq!(
        log["entries"][0]["purpose"],
        "innbygger lastet ned egne opplysninger"
    );
}

#[tokio::test]
async fn after_a_restart_the_last_known_good_copy_is_shown_while_the_source_is_down() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}/shared.db?mode=rwc", dir.path().display());
    let first = TestApp::builder()
        .set("database.url", db.as_str())
        .spawn()
        .await;
    login_as(&first, 0).await;
    let before: Value = first
        .get("/api/v1/me/data/invoices")
        .await
        .json()
        .await
        .expect("json");
    drop(first);
    // Let the write-behind of the sealed copy finish before the "restart".
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let second = TestApp::builder()
        .set("database.url", db.as_str())
        .spawn()
        .await;
    let demo = crate::helpers::demo(&second);
    demo.get(DemoSystemKind::Invoices)
        .control()
        .set_outage(true);
    login_as(&second, 0).await;
    let after: Value = second
        .get("/api/v1/me/data/invoices")
        .await
        .json()
        .await
        .expect("json");
    let (b, a) = (
        source(&before, "demo-invoices"),
        source(&after, "demo-invoices"),
    );
    assert_ne!(a["status"]["state"], "unavailable", "{after}");
    assert_eq!(
        a["status"]["fetched_at"], b["status"]["fetched_at"],
        "the persisted copy"
    );
    assert_eq!(a["categories"], b["categories"]);
}
