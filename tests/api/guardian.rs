//! Guardians act for their children; nobody can act for anyone else; reads while acting are
//! logged in the child's access log as read by the guardian.

use minside_test_support::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, csrf, login_as};

async fn children(app: &TestApp) -> Vec<Value> {
    app.get_json("/api/v1/me/children").await
}

async fn act_as(app: &TestApp, child: Value) -> reqwest::Response {
    let token = csrf(app).await;
    app.client
        .post(app.url("/api/v1/me/acting-as"))
        .header("x-csrf-token", token)
        .json(&json!({ "child": child }))
        .send()
        .await
        .expect("acting-as")
}

fn child_named<'a>(list: &'a [Value], name: &str) -> &'a Value {
    list.iter()
        .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with(name)))
        .expect(name)
}

#[tokio::test]
async fn a_guardian_acts_for_a_child_and_the_read_is_logged_for_the_child() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await; // Kari: Emma (0), Nora (4), Jakob (8)
    let kids = children(&app).await;
    assert_eq!(kids.len(), 3, "{kids:?}");
    let jakob = child_named(&kids, "Jakob");
    assert_eq!(jakob["can_act_for"], true);

    let switched = act_as(&app, jakob["id"].clone()).await;
    assert_eq!(switched.status(), 200);
    let body: Value = switched.json().await.expect("json");
    assert_eq!(body["as_guardian"], true);

    let view: Value = app.get_json("/api/v1/me/data/school").await;
    let school = view["sources"][0]["categories"][0]["records"].to_string();
    assert!(school.contains("Vollen skole"), "Jakob's school: {school}");

    // The child's log shows the guardian's read; the guardian's own log does not.
    let log: Value = app.get_json("/api/v1/me/access-log").await;
    assert_eq!(log["entries"][0]["actor_kind"], "guardian");
    assert_eq!(
        log["entries"][0]["purpose"],
        "foresatt så barnets opplysninger"
    );
    let back = act_as(&app, Value::Null).await;
    assert_eq!(back.status(), 200);
    let own: Value = app.get_json("/api/v1/me/access-log").await;
    assert!(
        own["entries"].as_array().is_some_and(Vec::is_empty),
        "{own}"
    );
}

#[tokio::test]
async fn nobody_can_act_for_someone_who_is_not_their_child() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    let kari_children = children(&app).await;
    let nora = child_named(&kari_children, "Nora")["id"].clone();

    // Ingrid, in the same app, is no guardian of Kari's children.
    let other = minside_test_support::browser();
    let back = minside_test_support::dev_idp_authorize(
        &other,
        app.url("/auth/login"),
        crate::helpers::demo_pid(2).expose(),
        "idporten-loa-substantial",
    )
    .await;
    assert_eq!(other.get(back).send().await.expect("cb").status(), 303);
    let me: Value = other
        .get(app.url("/api/v1/me/session"))
        .send()
        .await
        .expect("s")
        .json()
        .await
        .expect("j");
    let token = me["csrf_token"].as_str().expect("csrf");
    let kari_id = serde_json::to_value(
        app.get("/api/v1/me/session")
            .await
            .json::<Value>()
            .await
            .expect("j")["resident"]["id"]
            .clone(),
    )
    .expect("id");
    for target in [nora, kari_id, json!("0190f3c2-0000-7000-8000-000000000000")] {
        let response = other
            .post(app.url("/api/v1/me/acting-as"))
            .header("x-csrf-token", token)
            .json(&json!({ "child": target }))
            .send()
            .await
            .expect("acting-as");
        assert_problem(response, 403, "forbidden").await;
    }
    let malformed = other
        .post(app.url("/api/v1/me/acting-as"))
        .header("x-csrf-token", token)
        .json(&json!({ "child": "not-a-uuid" }))
        .send()
        .await
        .expect("acting-as");
    assert_problem(malformed, 422, "invalid-body").await;
    let log: Value = other
        .get(app.url("/api/v1/me/access-log"))
        .send()
        .await
        .expect("l")
        .json()
        .await
        .expect("j");
    assert!(
        log["entries"].as_array().is_some_and(Vec::is_empty),
        "no read happened: {log}"
    );
}

#[tokio::test]
async fn acting_ends_when_responsibility_ends_or_the_child_turns_18() {
    let app = TestApp::builder()
        .set("session.idle_timeout_minutes", 20_000_000)
        .set("session.max_lifetime_minutes", 20_000_000)
        .spawn()
        .await;
    login_as(&app, 0).await;
    let kids = children(&app).await;
    let emma = child_named(&kids, "Emma").clone();
    assert_eq!(act_as(&app, emma["id"].clone()).await.status(), 200);
    assert_eq!(app.get("/api/v1/me/overview").await.status(), 200);

    // Emma turns 18 (born 2026-04-10): the right to act for her ends that day.
    app.clock()
        .advance(jiff::SignedDuration::from_hours(24 * 365 * 18 + 24 * 5));
    assert_problem(app.get("/api/v1/me/overview").await, 403, "forbidden").await;
    // The session is back to acting for the guardian.
    assert_eq!(app.get("/api/v1/me/overview").await.status(), 200);
    let after: Vec<Value> = children(&app).await;
    assert_eq!(child_named(&after, "Emma")["can_act_for"], false);
}

#[tokio::test]
async fn acting_ends_when_the_register_removes_responsibility() {
    let app = TestApp::spawn().await;
    login_as(&app, 0).await;
    let kids = children(&app).await;
    let nora_id: uuid::Uuid = child_named(&kids, "Nora")["id"]
        .as_str()
        .expect("id")
        .parse()
        .expect("uuid");
    assert_eq!(act_as(&app, json!(nora_id)).await.status(), 200);
    let k = minside_core::Kommunenummer::parse("3203").expect("k");
    app.store()
        .set_guardians(
            &k,
            minside_store::ResidentId(nora_id),
            &[],
            app.clock().now(),
        )
        .await
        .expect("register change");
    assert_problem(
        app.get("/api/v1/me/data/kindergarten").await,
        403,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn one_resident_never_sees_anothers_data() {
    let app = TestApp::spawn().await;
    // Kari reads her data and reports a correction.
    login_as(&app, 0).await;
    let kari: Value = app.get_json("/api/v1/me/overview").await;
    let token = csrf(&app).await;
    let report = app
        .client
        .post(app.url("/api/v1/me/corrections"))
        .header("x-csrf-token", token)
        .json(
            &json!({ "source": "demo-invoices", "category": "invoices", "record_id": "r",
                       "message": "Feil beløp" }),
        )
        .send()
        .await
        .expect("report");
    assert_eq!(report.status(), 201);

    // Ingrid, in another browser of the same app, sees only her own.
    let ingrid = minside_test_support::browser();
    let back = minside_test_support::dev_idp_authorize(
        &ingrid,
        app.url("/auth/login"),
        crate::helpers::demo_pid(2).expose(),
        "idporten-loa-substantial",
    )
    .await;
    assert_eq!(ingrid.get(back).send().await.expect("cb").status(), 303);
    let get = |path: &str| {
        let (c, u) = (ingrid.clone(), app.url(path));
        async move {
            c.get(u)
                .send()
                .await
                .expect("get")
                .json::<Value>()
                .await
                .expect("json")
        }
    };
    let hers = get("/api/v1/me/overview").await.to_string();
    assert!(hers.contains("Ingrid"), "her own register data");
    assert!(
        !hers.contains("Kari") && !hers.contains("Blakstadveien"),
        "nothing of Kari's"
    );
    assert_ne!(hers, kari.to_string());
    let log = get("/api/v1/me/access-log").await;
    assert_eq!(
        log["entries"].as_array().map(Vec::len),
        Some(1),
        "only her own read: {log}"
    );
    let corrections = get("/api/v1/me/corrections").await;
    assert_eq!(corrections, json!([]), "Kari's report is not hers");
    let children = get("/api/v1/me/children").await;
    assert_eq!(children, json!([]));
}
