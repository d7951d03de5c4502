//! Plan consultations end to end over HTTP: the demo plans for the public and near a demo
//! resident's home; caseworkers create plans and phases (bad areas refused, nothing stored);
//! residents comment while a phase is open (the deadline in Europe/Oslo), see and withdraw
//! their own; caseworkers moderate, answer and export the merknadsliste; tenants are apart;
//! Fiks Plan messages import; a phase opening notifies residents near the plan once. On
//! SQLite and PostgreSQL.

use jiff::{SignedDuration, Timestamp, ToSpan};
use minside_core::lifephase::{oslo, today_in_oslo};
use minside_store::ResidentId;
use minside_test_support::caseworker::{caseworker_tenant, dev_idp_employee_authorize};
use minside_test_support::{Backend, TestApp, browser};
use serde_json::{Value, json};
use url::Url;

use crate::admin_auth::oid;
use crate::helpers::{assert_problem, csrf, demo_pid, login_as};

const ADMIN: &str = "/api/v1/admin/plans";

/// A logged-in caseworker at one tenant's address.
struct PlanManager {
    client: reqwest::Client,
    csrf: String,
    base: Url,
}

impl PlanManager {
    async fn login(app: &TestApp, name: &str) -> Self {
        Self::login_at(app.url("/"), name).await
    }

    async fn login_at(base: Url, name: &str) -> Self {
        let client = browser();
        let login = base.join("/admin/auth/login").expect("url");
        let back = dev_idp_employee_authorize(&client, login, &oid(name)).await;
        let callback = client.get(back).send().await.expect("callback");
        assert_eq!(callback.status(), 303, "{name} should get in");
        let me: Value = client
            .get(base.join("/api/v1/admin/session").expect("url"))
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        let csrf = me["csrf_token"].as_str().expect("csrf").to_owned();
        Self { client, csrf, base }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: &Value) -> reqwest::Response {
        self.client
            .request(method, self.base.join(path).expect("url"))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, path, body).await
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        let url = self.base.join(path).expect("url");
        self.client.get(url).send().await.expect("get")
    }

    async fn json(&self, path: &str) -> Value {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.expect("json")
    }

    async fn import(&self, body: &[u8]) -> reqwest::Response {
        self.client
            .post(self.base.join(&format!("{ADMIN}/import")).expect("url"))
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .expect("import")
    }
}

/// The demo resident `n`'s home point.
async fn home_of(app: &TestApp, n: usize) -> (f64, f64) {
    let store = app.store();
    let k = minside_core::Kommunenummer::parse("3203").expect("k");
    let resident = store
        .find_resident_by_pid(&k, &demo_pid(n))
        .await
        .expect("lookup")
        .expect("resident");
    home_by_id(app, resident.id).await
}

async fn home_by_id(app: &TestApp, id: ResidentId) -> (f64, f64) {
    let facts = app.store().resident_facts(&[id]).await.expect("facts");
    facts[0]
        .address
        .as_ref()
        .and_then(|a| a.point)
        .expect("a map point")
}

/// A square of `half` degrees around (lon, lat).
fn square(lon: f64, lat: f64, half: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
        [lon - half, lat + half], [lon - half, lat - half]
    ]]})
}

fn plan(plan_id: &str, area: Value) -> Value {
    json!({
        "plan_id": plan_id,
        "name": "Detaljregulering for Blakstadveien 10–20",
        "plan_type": "35",
        "status": "2",
        "law_reference": "6",
        "proposer_type": "privat",
        "case_number": {"year": 2026, "sequence": 777},
        "description": "Seks nye eneboliger og en ny lekeplass.",
        "documents": [{"doc_type": "PLANBESKR", "title": "Planbeskrivelse",
            "url": "https://example.no/planbeskrivelse.pdf"}],
        "events": [{"event_type": "24", "date": "2026-11-20", "name": "Kunngjøring av offentlig ettersyn"}],
        "area": area,
    })
}

fn day(offset: i64) -> String {
    let today = today_in_oslo(Timestamp::now());
    today.checked_add(offset.days()).expect("date").to_string()
}

async fn create_plan(cw: &PlanManager, body: &Value) -> Value {
    let r = cw.post(ADMIN, body).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    r.json().await.expect("plan")
}

async fn add_phase(cw: &PlanManager, plan_id: &str, body: &Value) -> Value {
    let r = cw.post(&format!("{ADMIN}/{plan_id}/phases"), body).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    r.json().await.expect("phase")
}

fn hearing(opens: i64, closes: i64) -> Value {
    json!({"kind": "horing", "hearing_version": 1, "title": "Offentlig ettersyn",
        "opens_on": day(opens), "closes_on": day(closes)})
}

/// A second browser logged in as demo resident `n`, with its CSRF token.
async fn resident_browser(app: &TestApp, n: usize) -> (reqwest::Client, String) {
    let client = browser();
    let back = minside_test_support::dev_idp_authorize(
        &client,
        app.url("/auth/login"),
        demo_pid(n).expose(),
        "idporten-loa-substantial",
    )
    .await;
    client.get(back).send().await.expect("callback");
    let me: Value = client
        .get(app.url("/api/v1/me/session"))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    let csrf = me["csrf_token"].as_str().expect("csrf").to_owned();
    (client, csrf)
}

/// Posts a comment as `app.client`'s resident.
async fn comment(app: &TestApp, plan_id: &str, body: &Value) -> reqwest::Response {
    let token = csrf(app).await;
    app.client
        .post(app.url(&format!("/api/v1/me/plans/{plan_id}/comments")))
        .header("x-csrf-token", token)
        .json(body)
        .send()
        .await
        .expect("comment")
}

async fn withdraw(app: &TestApp, plan_id: &str, id: &str) -> reqwest::Response {
    let token = csrf(app).await;
    app.client
        .post(app.url(&format!(
            "/api/v1/me/plans/{plan_id}/comments/{id}/withdraw"
        )))
        .header("x-csrf-token", token)
        .send()
        .await
        .expect("withdraw")
}

#[tokio::test]
async fn the_demo_plans_are_public_cacheable_and_near_the_demo_residents() {
    let app = TestApp::builder().set("demo.plans", true).spawn().await;
    let anon = browser();
    let list = anon
        .get(app.url("/api/v1/plans"))
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), 200);
    assert!(
        list.headers()["cache-control"]
            .to_str()
            .is_ok_and(|c| c.contains("public") && c.contains("max-age=60"))
    );
    let plans: Vec<Value> = list.json().await.expect("json");
    assert_eq!(plans.len(), 3, "{plans:?}");
    // Open ones first, the one closing soonest first.
    assert_eq!(plans[0]["plan_id"], "20260004");
    assert_eq!(plans[0]["open_phase"]["kind"], "oppstart");
    assert_eq!(plans[0]["open_phase"]["days_left"], 21);
    assert_eq!(plans[1]["plan_id"], "20230012");
    assert_eq!(plans[1]["open_phase"]["days_left"], 32);
    assert_eq!(plans[2]["plan_id"], "20210031");
    assert!(plans[2]["open_phase"].is_null());
    assert_eq!(
        plans[2]["status"]["description"],
        "Endelig vedtatt arealplan"
    );

    let detail = anon
        .get(app.url("/api/v1/plans/20230012"))
        .send()
        .await
        .expect("detail");
    let etag = detail.headers()["etag"].to_str().expect("etag").to_owned();
    let body: Value = detail.json().await.expect("json");
    assert_eq!(body["plan_type"]["description"], "Områderegulering");
    assert_eq!(body["case_number"], "2023/4521");
    assert_eq!(
        body["documents"][0]["doc_type_description"],
        "Planbeskrivelse"
    );
    assert_eq!(
        body["events"][2]["description"],
        "Kunngjøring av offentlig ettersyn"
    );
    assert_eq!(body["area"]["type"], "Polygon");
    let again = anon
        .get(app.url("/api/v1/plans/20230012"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("conditional");
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().ok(), Some(etag.as_str()));
    assert_problem(
        anon.get(app.url("/api/v1/plans/nope"))
            .send()
            .await
            .expect("404"),
        404,
        "not-found",
    )
    .await;

    // Kari lives in Vollen: the Vollen plan is hers, Asker sentrum's is too far.
    login_as(&app, 0).await;
    let mine: Vec<Value> = app.get_json("/api/v1/me/plans").await;
    let ids: Vec<&str> = mine.iter().filter_map(|p| p["plan_id"].as_str()).collect();
    assert_eq!(ids, ["20230012"], "{mine:?}");
    assert_eq!(mine[0]["distance_m"], 0.0);
    assert_eq!(mine[0]["following"], false);
    // Lars Johansen lives at Slemmestad brygge.
    let (lars, _) = resident_browser(&app, 7).await;
    let his: Vec<Value> = lars
        .get(app.url("/api/v1/me/plans"))
        .send()
        .await
        .expect("plans")
        .json()
        .await
        .expect("json");
    assert!(his.iter().any(|p| p["plan_id"] == "20260004"), "{his:?}");
    // Without a session the personal list is 401.
    assert_problem(
        anon.get(app.url("/api/v1/me/plans"))
            .send()
            .await
            .expect("401"),
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn nearby_means_within_the_configured_distance_of_the_area() {
    let app = TestApp::builder()
        .set("plans.nearby_meters", 300)
        .spawn()
        .await;
    let cw = PlanManager::login(&app, "Pia Planlegger").await;
    let (lon, lat) = home_of(&app, 0).await;
    // A 100 m square whose east edge is 290 m (in) or 310 m (out) west of Kari's home.
    let metres_per_degree_lon = 111_320.0 * lat.to_radians().cos();
    let half = 50.0 / metres_per_degree_lon;
    let west = |m: f64| lon - (m + 50.0) / metres_per_degree_lon;
    let near = json!({"type": "Polygon", "coordinates": [[
        [west(290.0) - half, lat - 0.0004], [west(290.0) + half, lat - 0.0004],
        [west(290.0) + half, lat + 0.0004], [west(290.0) - half, lat + 0.0004],
        [west(290.0) - half, lat - 0.0004]]]});
    let far = json!({"type": "Polygon", "coordinates": [[
        [west(310.0) - half, lat - 0.0004], [west(310.0) + half, lat - 0.0004],
        [west(310.0) + half, lat + 0.0004], [west(310.0) - half, lat + 0.0004],
        [west(310.0) - half, lat - 0.0004]]]});
    create_plan(&cw, &plan("near-290", near)).await;
    create_plan(&cw, &plan("far-310", far)).await;
    login_as(&app, 0).await;
    let mine: Vec<Value> = app.get_json("/api/v1/me/plans").await;
    let ids: Vec<&str> = mine.iter().filter_map(|p| p["plan_id"].as_str()).collect();
    assert_eq!(ids, ["near-290"], "{mine:?}");
    let d = mine[0]["distance_m"].as_f64().expect("distance");
    assert!((285.0..=295.0).contains(&d), "{d}");

    // Following the far plan lists it too, with its distance.
    let token = csrf(&app).await;
    let follow = app
        .client
        .put(app.url("/api/v1/me/plans/far-310/follow"))
        .header("x-csrf-token", &token)
        .send()
        .await
        .expect("follow");
    assert_eq!(follow.status(), 204);
    let mine: Vec<Value> = app.get_json("/api/v1/me/plans").await;
    let far = mine
        .iter()
        .find(|p| p["plan_id"] == "far-310")
        .expect("followed");
    assert_eq!(far["following"], true);
    let unfollow = app
        .client
        .delete(app.url("/api/v1/me/plans/far-310/follow"))
        .header("x-csrf-token", &token)
        .send()
        .await
        .expect("unfollow");
    assert_eq!(unfollow.status(), 204);
    let mine: Vec<Value> = app.get_json("/api/v1/me/plans").await;
    assert_eq!(mine.len(), 1);
}

async fn comments_moderation_and_export(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let cw = PlanManager::login(&app, "Pia Planlegger").await;
    let (lon, lat) = home_of(&app, 0).await;
    create_plan(&cw, &plan("blakstad", square(lon, lat, 0.002))).await;
    let phase = add_phase(&cw, "blakstad", &hearing(-3, 20)).await;
    assert_eq!(phase["state"], "open");
    assert_eq!(phase["label"], "Offentlig ettersyn");
    let phase_id = phase["id"].as_str().expect("id").to_owned();

    // Kari comments twice, named, and withdraws one; Ola comments hidden from the public.
    login_as(&app, 0).await;
    let first = comment(&app, "blakstad", &json!({
        "text": "Bra med ny lekeplass; husk belysning langs stien; \"trygg skolevei\".\nHilsen Kari",
        "stance": "for", "display": "named",
        "geometry": {"type": "Point", "coordinates": [lon, lat]}
    }))
    .await;
    assert_eq!(first.status(), 201, "{:?}", first.text().await);
    let first: Value = first.json().await.expect("json");
    assert_eq!(first["can_withdraw"], true);
    let second: Value = comment(
        &app,
        "blakstad",
        &json!({
            "text": "Jeg trekker dette.", "stance": "neutral", "display": "named"
        }),
    )
    .await
    .json()
    .await
    .expect("json");
    let w = withdraw(&app, "blakstad", second["id"].as_str().expect("id")).await;
    assert_eq!(w.status(), 200);
    let w: Value = w.json().await.expect("json");
    assert!(w["withdrawn_at"].is_string());
    let mine: Vec<Value> = app.get_json("/api/v1/me/plans/blakstad/comments").await;
    assert_eq!(mine.len(), 2);

    let (ola, ola_csrf) = resident_browser(&app, 1).await;
    let against: Value = ola
        .post(app.url("/api/v1/me/plans/blakstad/comments"))
        .header("x-csrf-token", &ola_csrf)
        .json(&json!({"text": "For høye hus.", "stance": "against", "display": "hidden"}))
        .send()
        .await
        .expect("comment")
        .json()
        .await
        .expect("json");
    // Ola cannot withdraw Kari's comment: it is not his.
    let not_his = ola
        .post(app.url(&format!(
            "/api/v1/me/plans/blakstad/comments/{}/withdraw",
            first["id"].as_str().expect("id")
        )))
        .header("x-csrf-token", &ola_csrf)
        .send()
        .await
        .expect("withdraw");
    assert_problem(not_his, 404, "not-found").await;

    // The public sees Kari's name, not Ola's, and not the withdrawn comment.
    let public: Vec<Value> = app.get_json("/api/v1/plans/blakstad/comments").await;
    assert_eq!(public.len(), 2, "{public:?}");
    assert_eq!(public[0]["name"], "Kari Nordmann");
    assert!(public[1]["name"].is_null());
    assert_eq!(public[1]["text"], "For høye hus.");

    // Moderation: hide with a reason (kept, shown as hidden), answer.
    let hidden = cw
        .post(
            &format!(
                "{ADMIN}/blakstad/comments/{}/hide",
                against["id"].as_str().expect("id")
            ),
            &json!({"text": "Inneholder personopplysninger om naboer."}),
        )
        .await;
    assert_eq!(hidden.status(), 200);
    let against_path = format!(
        "{ADMIN}/blakstad/comments/{}",
        against["id"].as_str().expect("id")
    );
    let shown = cw.post(&format!("{against_path}/show"), &json!(null)).await;
    assert_eq!(shown.status(), 200);
    let public: Vec<Value> = app.get_json("/api/v1/plans/blakstad/comments").await;
    assert_eq!(public[1]["hidden"], false);
    let hidden = cw
        .post(
            &format!("{against_path}/hide"),
            &json!({"text": "Inneholder personopplysninger om naboer."}),
        )
        .await;
    assert_eq!(hidden.status(), 200);
    let answered = cw
        .send(
            reqwest::Method::PUT,
            &format!(
                "{ADMIN}/blakstad/comments/{}/answer",
                first["id"].as_str().expect("id")
            ),
            &json!({"text": "Takk! Belysning er tatt inn i bestemmelsene."}),
        )
        .await;
    assert_eq!(answered.status(), 200);
    let public: Vec<Value> = app.get_json("/api/v1/plans/blakstad/comments").await;
    assert_eq!(public[1]["hidden"], true);
    assert!(public[1]["text"].is_null());
    assert_eq!(
        public[1]["hidden_reason"],
        "Inneholder personopplysninger om naboer."
    );
    assert_eq!(
        public[0]["answer"]["text"],
        "Takk! Belysning er tatt inn i bestemmelsene."
    );
    let empty_reason = cw
        .post(
            &format!(
                "{ADMIN}/blakstad/comments/{}/hide",
                against["id"].as_str().expect("id")
            ),
            &json!({"text": "  "}),
        )
        .await;
    assert_problem(empty_reason, 422, "invalid-note").await;

    // Counts and the merknadsliste.
    let admin = cw.json(&format!("{ADMIN}/blakstad")).await;
    assert_eq!(
        admin["counts"][0],
        json!({"phase_id": phase_id, "total": 3, "withdrawn": 1, "hidden": 1,
            "answered": 1, "for": 1, "neutral": 1, "against": 1})
    );
    let csv = cw
        .get(&format!("{ADMIN}/blakstad/phases/{phase_id}/export"))
        .await;
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .is_ok_and(|c| c.starts_with("text/csv"))
    );
    let text = csv.text().await.expect("csv");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a BOM for spreadsheets");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header[0], "nr");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 3);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert_eq!(&rows[0][col("navn")], "Kari Nordmann");
    assert!(rows[0][col("tekst")].contains("\"trygg skolevei\".\nHilsen Kari"));
    assert!(rows[0][col("geometri_wkt")].starts_with("POINT"));
    assert_eq!(&rows[1][col("status")], "trukket");
    assert_eq!(&rows[2][col("navn")], "Navn skjult");
    assert_eq!(&rows[2][col("status")], "skjult");
    let json_export = cw
        .json(&format!(
            "{ADMIN}/blakstad/phases/{phase_id}/export?format=json"
        ))
        .await;
    assert_eq!(json_export["comments"].as_array().map(Vec::len), Some(3));
    assert_eq!(json_export["comments"][0]["geometry"]["type"], "Point");

    // The caseworker's read is in Kari's access log; the export is audited.
    let log: Value = app.get_json("/api/v1/me/access-log").await;
    let text = log.to_string();
    assert!(text.contains("merknadsliste"), "{text}");
    let events = app
        .store()
        .list_audit(
            &minside_core::Kommunenummer::parse("3203").expect("k"),
            None,
            100,
        )
        .await
        .expect("audit");
    for action in [
        "plan.comment.show",
        "plan.create",
        "plan.phase.create",
        "plan.comment.hide",
        "plan.comment.answer",
        "plan.export",
    ] {
        assert!(events.iter().any(|e| e.event.action == action), "{action}");
    }
}

#[tokio::test]
async fn comments_moderation_and_export_on_sqlite() {
    comments_moderation_and_export(Backend::Sqlite).await;
}

#[tokio::test]
async fn comments_moderation_and_export_on_postgres() {
    comments_moderation_and_export(Backend::Postgres).await;
}

/// Moves `app`'s clock so that it is `before` ahead of the start of the Oslo day after `last`.
fn set_clock_before_midnight_after(app: &TestApp, last: jiff::civil::Date, before: SignedDuration) {
    let midnight = last
        .checked_add(1.day())
        .expect("date")
        .to_datetime(jiff::civil::Time::midnight())
        .to_zoned_datetime(oslo())
        .expect("zoned")
        .timestamp();
    let offset = midnight.duration_since(app.clock().now()) - before;
    app.clock().advance(offset);
}

#[tokio::test]
async fn comments_close_at_midnight_in_oslo_and_a_guardian_cannot_comment_as_a_child() {
    let app = TestApp::spawn().await;
    let cw = PlanManager::login(&app, "Pia Planlegger").await;
    let (lon, lat) = home_of(&app, 0).await;
    create_plan(&cw, &plan("frist", square(lon, lat, 0.001))).await;
    let phase = add_phase(&cw, "frist", &hearing(0, 3)).await;
    let last: jiff::civil::Date = phase["closes_on"]
        .as_str()
        .expect("date")
        .parse()
        .expect("date");
    login_as(&app, 0).await;

    // Acting for Jakob, Kari cannot comment (nor follow) as him.
    let kids: Vec<Value> = app.get_json("/api/v1/me/children").await;
    let jakob = kids
        .iter()
        .find(|c| c["name"].as_str().is_some_and(|n| n.starts_with("Jakob")))
        .expect("Jakob");
    let token = csrf(&app).await;
    let switched = app
        .client
        .post(app.url("/api/v1/me/acting-as"))
        .header("x-csrf-token", &token)
        .json(&json!({"child": jakob["id"]}))
        .send()
        .await
        .expect("acting-as");
    assert_eq!(switched.status(), 200);
    let as_child = comment(
        &app,
        "frist",
        &json!({"text": "Hei", "stance": "for", "display": "named"}),
    )
    .await;
    assert_problem(as_child, 403, "forbidden").await;
    let back = app
        .client
        .post(app.url("/api/v1/me/acting-as"))
        .header("x-csrf-token", &token)
        .json(&json!({"child": null}))
        .send()
        .await
        .expect("back");
    assert_eq!(back.status(), 200);

    // Ten seconds before midnight after the last day: accepted (the session is renewed first:
    // the clock jumps days ahead).
    set_clock_before_midnight_after(&app, last, SignedDuration::from_secs(10));
    login_as(&app, 0).await;
    let late = comment(
        &app,
        "frist",
        &json!({"text": "I siste liten", "stance": "neutral", "display": "named"}),
    )
    .await;
    assert_eq!(late.status(), 201, "{:?}", late.text().await);
    let late: Value = late.json().await.expect("json");
    // Midnight: closed, and withdrawing is closed too.
    app.clock().advance(SignedDuration::from_secs(10));
    let closed = comment(
        &app,
        "frist",
        &json!({"text": "For sent", "stance": "neutral", "display": "named"}),
    )
    .await;
    assert_problem(closed, 409, "consultation-closed").await;
    let w = withdraw(&app, "frist", late["id"].as_str().expect("id")).await;
    assert_problem(w, 409, "consultation-closed").await;
    let mine: Vec<Value> = app.get_json("/api/v1/me/plans/frist/comments").await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["can_withdraw"], false);
}

#[tokio::test]
async fn bad_plans_and_comments_are_refused_and_nothing_is_stored() {
    let app = TestApp::builder()
        .set("plans.max_vertices", 8)
        .spawn()
        .await;
    let cw = PlanManager::login(&app, "Pia Planlegger").await;
    let refused = |body: Value, pointer: &'static str| {
        let cw = &cw;
        async move {
            let r = cw.post(ADMIN, &body).await;
            let problem = assert_problem(r, 422, "invalid-plan").await;
            let pointers: Vec<String> = problem["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
                .collect();
            assert!(
                pointers.iter().any(|p| p.starts_with(pointer)),
                "{pointer} not in {problem}"
            );
        }
    };
    let bowtie = json!({"type": "Polygon", "coordinates": [[
        [10.48, 59.80], [10.49, 59.81], [10.49, 59.80], [10.48, 59.81], [10.48, 59.80]]]});
    refused(plan("bowtie", bowtie), "/area").await;
    let unclosed = json!({"type": "Polygon", "coordinates": [[
        [10.48, 59.80], [10.49, 59.80], [10.49, 59.81], [10.48, 59.81]]]});
    refused(plan("unclosed", unclosed), "/area").await;
    let mut british = square(10.48, 59.80, 0.001);
    british["crs"] = json!({"type": "name", "properties": {"name": "EPSG:27700"}});
    refused(plan("british", british), "/area").await;
    let utm_as_degrees = square(250_000.0, 6_640_000.0, 100.0);
    refused(plan("utm-as-degrees", utm_as_degrees), "/area").await;
    let many: Vec<Value> = (0..9)
        .map(|i| {
            let a = f64::from(i) * std::f64::consts::TAU / 9.0;
            json!([10.48 + 0.001 * a.cos(), 59.80 + 0.0005 * a.sin()])
        })
        .chain(std::iter::once(json!([10.481, 59.80])))
        .collect();
    refused(
        plan(
            "too-many",
            json!({"type": "Polygon", "coordinates": [many]}),
        ),
        "/area",
    )
    .await;
    let mut bad_code = plan("bad-code", square(10.48, 59.80, 0.001));
    bad_code["plan_type"] = json!("99");
    refused(bad_code, "/plan_type").await;
    let mut bad_doc = plan("bad-doc", square(10.48, 59.80, 0.001));
    bad_doc["documents"][0]["doc_type"] = json!("SELFIE");
    refused(bad_doc, "/documents/0").await;
    let listed: Vec<Value> = cw.json(ADMIN).await.as_array().cloned().expect("list");
    assert!(listed.is_empty(), "nothing stored: {listed:?}");

    // EPSG:25833 (UTM 33, the national standard) is accepted and stored as EPSG:4326.
    let mut utm = json!({"type": "Polygon", "coordinates": [[
        [250_000.0, 6_640_000.0], [250_400.0, 6_640_000.0], [250_400.0, 6_640_300.0],
        [250_000.0, 6_640_300.0], [250_000.0, 6_640_000.0]]]});
    utm["crs"] = json!({"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}});
    let stored = create_plan(&cw, &plan("utm", utm)).await;
    let first = &stored["area"]["coordinates"][0][0];
    let (lon, lat) = (
        first[0].as_f64().expect("lon"),
        first[1].as_f64().expect("lat"),
    );
    assert!(
        (10.3..10.7).contains(&lon) && (59.7..59.95).contains(&lat),
        "{lon} {lat}"
    );
    // The same plan id again is a conflict, and a change needs the version read.
    let again = cw
        .post(ADMIN, &plan("utm", square(10.48, 59.80, 0.001)))
        .await;
    assert_problem(again, 409, "plan-exists").await;
    let no_version = cw
        .send(
            reqwest::Method::PUT,
            &format!("{ADMIN}/utm"),
            &plan("utm", square(10.48, 59.80, 0.001)),
        )
        .await;
    assert_problem(no_version, 422, "invalid-plan").await;
    let mut stale = plan("utm", square(10.48, 59.80, 0.001));
    stale["version"] = json!(stored["version"].as_i64().expect("v") + 1);
    let stale = cw
        .send(reqwest::Method::PUT, &format!("{ADMIN}/utm"), &stale)
        .await;
    assert_problem(stale, 409, "conflict").await;

    // A malformed id or query is a problem too.
    let r = cw
        .get(&format!("{ADMIN}/utm/phases/not-a-uuid/comments"))
        .await;
    assert_eq!(
        r.headers()["content-type"].to_str().ok(),
        Some("application/problem+json"),
        "{}",
        r.status()
    );
    assert!(r.status().is_client_error());
    let r = browser()
        .get(app.url("/api/v1/plans?open=maybe"))
        .send()
        .await
        .expect("list");
    assert_eq!(r.status(), 400);
    let r = cw
        .get(&format!(
            "{ADMIN}/utm/phases/{}/export?format=xlsx",
            uuid::Uuid::nil()
        ))
        .await;
    assert_eq!(r.status(), 400);

    // Comments: too long, a bad geometry, and nothing stored.
    let (hlon, hlat) = home_of(&app, 0).await;
    create_plan(&cw, &plan("kommentar", square(hlon, hlat, 0.001))).await;
    add_phase(&cw, "kommentar", &hearing(-1, 5)).await;
    login_as(&app, 0).await;
    let long = "x".repeat(4001);
    let r = comment(
        &app,
        "kommentar",
        &json!({"text": long, "stance": "for", "display": "named"}),
    )
    .await;
    assert_problem(r, 422, "invalid-comment").await;
    let r = comment(
        &app,
        "kommentar",
        &json!({"text": "Se kartet", "stance": "for", "display": "named",
        "geometry": {"type": "LineString", "coordinates": [[10.48, 59.8], [10.49, 59.8]]}}),
    )
    .await;
    assert_problem(r, 422, "invalid-comment").await;
    let r = comment(
        &app,
        "kommentar",
        &json!({"text": "Hei", "stance": "maybe", "display": "named"}),
    )
    .await;
    assert_eq!(r.status(), 422);
    let mine: Vec<Value> = app.get_json("/api/v1/me/plans/kommentar/comments").await;
    assert!(mine.is_empty());
    // A phase ending before it starts.
    let r = cw
        .post(
            &format!("{ADMIN}/kommentar/phases"),
            &json!({"kind": "horing",
            "opens_on": day(5), "closes_on": day(1)}),
        )
        .await;
    assert_problem(r, 422, "invalid-phase").await;
}

fn example(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/crates/plans/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[tokio::test]
async fn fiks_plan_messages_import_into_their_municipality_only() {
    let (listener, address) = minside_test_support::reserve_address().await;
    let port = address.port().expect("port");
    let arendal_url = Url::parse(&format!("http://localhost:{port}")).expect("url");
    let roles = [("MinSide.PlanManager", "plan-manager")];
    // Midt-Telemark (4020) was Bø (0821) before 2020: its old plans keep 0821.
    let mut midt = caseworker_tenant(
        "4020",
        "Midt-Telemark kommune",
        &["127.0.0.1"],
        None,
        &roles,
        None,
    );
    midt = midt.replacen(
        "[caseworkers]",
        "former_kommunenummer = [\"0821\", \"3817\"]\n[caseworkers]",
        1,
    );
    let app = TestApp::builder()
        .listener(listener)
        .set("tenants.default", "")
        .tenant(&midt)
        // The demo municipality is Asker's.
        .tenant(&caseworker_tenant(
            "3203",
            "Asker kommune",
            &["asker.invalid"],
            None,
            &roles,
            None,
        ))
        .tenant(&caseworker_tenant(
            "4203",
            "Arendal kommune",
            &["localhost"],
            Some(&arendal_url),
            &roles,
            None,
        ))
        .spawn()
        .await;
    let midt = PlanManager::login(&app, "Pia Planlegger").await;
    let arendal = PlanManager::login_at(arendal_url.clone(), "Pia Planlegger").await;

    // Bø's plan 01_27_1988: start-up notice, hearing, hearing deadline passed, adoption, appeal.
    let started = midt
        .import(&example(
            "request_KunngjoeringOgVarslingAvPlanoppstart.json",
        ))
        .await;
    assert_eq!(started.status(), 200, "{:?}", started.text().await);
    let started: Value = started.json().await.expect("json");
    assert_eq!(started["created"], json!(["01_27_1988"]));
    for name in [
        "request_KunngjoeringAvOffentligEttersyn.json",
        "request_HoeringsfristUtgaatt.json",
        "request_KunngjoeringAvPlanvedtak.json",
        "request_MottattKlage.json",
    ] {
        let r = midt.import(&example(name)).await;
        assert_eq!(r.status(), 200, "{name}: {:?}", r.text().await);
    }
    let plan = midt.json(&format!("{ADMIN}/01_27_1988")).await;
    let events = plan["events"].as_array().expect("events");
    let types: Vec<&str> = events
        .iter()
        .filter_map(|e| e["event_type"].as_str())
        .collect();
    assert_eq!(
        types,
        ["9", "24", "25", "16", "17"],
        "old codes 11.1/11.2 become 24/25"
    );
    assert!(events.iter().all(|e| e["date"] == "2020-01-01"));
    assert_eq!(
        events[0]["case_number"],
        json!({"year": 2020, "sequence": 12345})
    );
    let docs: Vec<&str> = plan["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter_map(|d| d["title"].as_str())
        .collect();
    for title in [
        "Varsel om oppstart av reguleringsplanarbeid",
        "Planbeskrivelse",
        "PlanKart",
        "Klage",
    ] {
        assert!(docs.contains(&title), "{title} in {docs:?}");
    }
    // The processing events opened phases: start-up, a hearing closed by its deadline message,
    // and the appeal period.
    let phases: Vec<(&str, &str, &str)> = plan["phases"]
        .as_array()
        .expect("phases")
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap_or_default(),
                p["opens_on"].as_str().unwrap_or_default(),
                p["closes_on"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        phases.contains(&("oppstart", "2020-01-01", "2020-01-31")),
        "{phases:?}"
    );
    assert!(
        phases.contains(&("horing", "2020-01-01", "2020-01-01")),
        "{phases:?}"
    );
    assert!(
        phases.contains(&("klage", "2020-01-01", "2020-01-22")),
        "{phases:?}"
    );
    // Importing a message again changes nothing.
    let version = plan["version"].clone();
    midt.import(&example("request_MottattKlage.json")).await;
    let again = midt.json(&format!("{ADMIN}/01_27_1988")).await;
    assert_eq!(again["events"].as_array().map(Vec::len), Some(5));
    assert_eq!(again["phases"].as_array().map(Vec::len), Some(3));
    assert!(again["version"].as_i64() >= version.as_i64());

    // Arendal's plan register answers and its OppdaterArealplan.
    let r = arendal
        .import(&example("response_sampleResultatPlanerForAdresse.json"))
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    // The register's example answer for one plan carries the placeholder plantype "1": kept as
    // given (the register is the authority), described as unknown.
    let r = midt
        .import(&example("response_sampleResultatArealplan.json"))
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let sample = midt.json(&format!("{ADMIN}/09062018-2")).await;
    assert_eq!(sample["name"], "plannavn");
    assert_eq!(
        sample["plan_type"],
        json!({"code": "1", "description": null})
    );
    assert_eq!(sample["proposer_type"], "offentlig");
    assert_eq!(sample["events"][0]["date"], "2020-06-13");
    let position = &sample["events"][0]["position"]["coordinates"];
    assert!(
        position[0].as_f64().is_some_and(|lon| lon.abs() < 0.001),
        "{position}"
    );
    // Processing events without a plan id belong to the plan asked about.
    let r = midt
        .client
        .post(
            midt.base
                .join(&format!("{ADMIN}/import?plan_id=01_27_1988"))
                .expect("url"),
        )
        .header("x-csrf-token", &midt.csrf)
        .header("content-type", "application/json")
        .body(example("response_sampleResultatPlanbehandling.json"))
        .send()
        .await
        .expect("import");
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let bo = midt.json(&format!("{ADMIN}/01_27_1988")).await;
    assert_eq!(bo["events"].as_array().map(Vec::len), Some(6));
    let r = arendal
        .import(&example("request_OppdaterArealplan.json"))
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let his = arendal.json(&format!("{ADMIN}/09062018-2")).await;
    assert_eq!(his["name"], "OMRÅDEPLAN FOR HIS ALLÉ");
    assert_eq!(his["plan_type"]["code"], "35");
    assert_eq!(his["status"]["code"], "4");
    assert_eq!(his["status"]["description"], "Opphevet");
    assert_eq!(his["law_reference"]["description"], "PBL 2008");

    // Another municipality's message is refused, and nothing is changed.
    let before = midt.json(&format!("{ADMIN}/09062018-2")).await;
    let wrong = midt
        .import(&example("request_OppdaterArealplan.json"))
        .await;
    assert_problem(wrong, 422, "invalid-fiks-message").await;
    assert_eq!(midt.json(&format!("{ADMIN}/09062018-2")).await, before);
    // Midt-Telemark's plans are not Arendal's, for caseworkers or the public.
    assert_problem(
        arendal.get(&format!("{ADMIN}/01_27_1988")).await,
        404,
        "not-found",
    )
    .await;
    let public = browser()
        .get(arendal_url.join("/api/v1/plans/01_27_1988").expect("url"))
        .send()
        .await
        .expect("public");
    assert_problem(public, 404, "not-found").await;
    // Not JSON, or not a Fiks message.
    let r = arendal.import(b"{\"hello\": 1}").await;
    assert_problem(r, 422, "invalid-fiks-message").await;
    let text = arendal
        .client
        .post(arendal_url.join(&format!("{ADMIN}/import")).expect("url"))
        .header("x-csrf-token", &arendal.csrf)
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .expect("import");
    assert_problem(text, 415, "unsupported-media-type").await;
}

#[tokio::test]
async fn only_plan_managers_reach_the_plan_administration() {
    // Here Asker maps only the notice-editor role: Siri is no plan-manager.
    let asker_tid = minside_dev_idp::demo_directory_id("3203");
    let app = TestApp::builder()
        .tenant(&caseworker_tenant(
            "3203",
            "Asker kommune",
            &["127.0.0.1", "localhost"],
            None,
            &[
                ("MinSide.NoticeEditor", "notice-editor"),
                ("MinSide.Admin", "admin"),
            ],
            Some(&asker_tid),
        ))
        .spawn()
        .await;
    let siri = PlanManager::login(&app, "Siri Saksbehandler").await;
    assert_problem(siri.get(ADMIN).await, 403, "role-required").await;
    let r = siri
        .post(ADMIN, &plan("x", square(10.48, 59.80, 0.001)))
        .await;
    assert_problem(r, 403, "role-required").await;
    let arne = PlanManager::login(&app, "Arne Admin").await;
    assert_eq!(
        arne.get(ADMIN).await.status(),
        200,
        "admin holds every role"
    );
    // A resident session is not a caseworker session.
    login_as(&app, 0).await;
    let r = app.client.get(app.url(ADMIN)).send().await.expect("admin");
    assert_problem(r, 401, "unauthenticated").await;
}

/// A plan-phase rule: "Plan nær deg" to residents near a plan whose hearing opens.
fn plan_rule() -> Value {
    json!({
        "name": "Plan nær deg",
        "category": "plan",
        "opt_out_allowed": true,
        "trigger": {"kind": "plan_phase", "phases": ["horing"]},
        "audience": "true",
        "content": {"nb": {"title": "Planforslag nær deg: {{plan.name}}",
            "body": "{{phase.label}} – du kan gi innspill til og med {{deadline}}."}},
        "channels": ["inbox"],
        "priority": 2
    })
}

async fn a_phase_opening_notifies_residents_near_the_plan_once(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let siri = PlanManager::login(&app, "Siri Saksbehandler").await;
    let r = siri.post("/api/v1/admin/notice-rules", &plan_rule()).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let rule: Value = r.json().await.expect("rule");
    let r = siri
        .post(
            &format!(
                "/api/v1/admin/notice-rules/{}/status",
                rule["id"].as_str().expect("id")
            ),
            &json!({"status": "active", "version": rule["version"]}),
        )
        .await;
    assert_eq!(r.status(), 200);

    let (lon, lat) = home_of(&app, 0).await;
    create_plan(&siri, &plan("varsel", square(lon, lat, 0.0005))).await;
    add_phase(&siri, "varsel", &hearing(0, 30)).await;
    let worker = &app.state.notices().delivery;
    worker
        .deliver_inbox(Timestamp::now())
        .await
        .expect("deliver");
    login_as(&app, 0).await;
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    let titles: Vec<&str> = inbox["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    assert_eq!(
        titles,
        ["Planforslag nær deg: Detaljregulering for Blakstadveien 10–20"]
    );
    // The daily run the same day and the next adds nothing for this phase.
    let k = minside_core::Kommunenummer::parse("3203").expect("k");
    let engine = &app.state.notices().engine;
    let today = today_in_oslo(Timestamp::now());
    engine
        .evaluate_day(&k, today, Timestamp::now())
        .await
        .expect("day");
    let tomorrow = today.checked_add(1.day()).expect("date");
    engine
        .evaluate_day(&k, tomorrow, Timestamp::now())
        .await
        .expect("day");
    worker
        .deliver_inbox(Timestamp::now())
        .await
        .expect("deliver");
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    assert_eq!(inbox["notices"].as_array().map(Vec::len), Some(1));
    // A second hearing is a new phase: one more notice.
    let second =
        json!({"kind": "horing", "hearing_version": 2, "opens_on": day(0), "closes_on": day(20)});
    add_phase(&siri, "varsel", &second).await;
    worker
        .deliver_inbox(Timestamp::now())
        .await
        .expect("deliver");
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    assert_eq!(
        inbox["notices"].as_array().map(Vec::len),
        Some(2),
        "{inbox}"
    );
}

#[tokio::test]
async fn a_phase_opening_notifies_residents_near_the_plan_once_on_sqlite() {
    a_phase_opening_notifies_residents_near_the_plan_once(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_phase_opening_notifies_residents_near_the_plan_once_on_postgres() {
    a_phase_opening_notifies_residents_near_the_plan_once(Backend::Postgres).await;
}
