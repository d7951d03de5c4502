//! The service catalogue end to end over HTTP: the demo catalogue for the public (themes, list
//! by theme, Norwegian search, detail with language fallback, HTTP caching); services ranked
//! for a resident with reasons; editors writing, publishing and archiving services with audit
//! and version checks, and nothing stored from a bad request; links from notices and overview
//! categories to services; tenants kept apart. On SQLite and PostgreSQL.

use jiff::Timestamp;
use minside_core::Kommunenummer;
use minside_store::{ServiceFields, ServiceStatus};
use minside_test_support::{Backend, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, deliver_all_to_inboxes, demo_pid, login_as};
use crate::notices::Caseworker;

const ADMIN: &str = "/api/v1/admin/services";

async fn demo_app(backend: Backend) -> TestApp {
    TestApp::builder()
        .backend(backend)
        .set("demo.services", true)
        .spawn()
        .await
}

async fn get(app: &TestApp, path: &str, accept_language: Option<&str>) -> reqwest::Response {
    let mut r = reqwest::Client::new().get(app.url(path));
    if let Some(l) = accept_language {
        r = r.header("accept-language", l);
    }
    r.send().await.expect("get")
}

async fn json_of(r: reqwest::Response) -> Value {
    assert_eq!(r.status(), 200, "{}", r.url());
    r.json().await.expect("json")
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect()
}

#[tokio::test]
async fn the_demo_catalogue_is_public_and_cacheable_by_theme() {
    let app = demo_app(Backend::Sqlite).await;
    let all = get(&app, "/api/v1/services", None).await;
    assert_eq!(all.status(), 200);
    let etag = all.headers()["etag"].to_str().expect("etag").to_owned();
    let vary = all.headers()["vary"].to_str().expect("vary").to_owned();
    assert!(vary.contains("Accept-Language"), "{vary}");
    assert_eq!(all.headers()["content-language"], "nb");
    let all: Value = all.json().await.expect("json");
    assert!(ids(&all).len() >= 25, "at least 25 demo services");
    assert!(
        all.as_array()
            .expect("list")
            .iter()
            .all(|s| s["lang"] == "nb")
    );

    let again = reqwest::Client::new()
        .get(app.url("/api/v1/services"))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("again");
    assert_eq!(again.status(), 304);

    let family = json_of(get(&app, "/api/v1/services?theme=barn-og-familie", None).await).await;
    let family_ids = ids(&family);
    assert!(family_ids.contains(&"barnehageplass"), "{family_ids:?}");
    assert!(!family_ids.contains(&"eiendomsskatt"));
    assert!(
        family
            .as_array()
            .expect("list")
            .iter()
            .all(|s| s["theme"]["top"] == "barn-og-familie")
    );
    let kindergarten = json_of(
        get(
            &app,
            "/api/v1/services?theme=barn-og-familie/barnehage",
            None,
        )
        .await,
    )
    .await;
    assert!(ids(&kindergarten).iter().all(|id| family_ids.contains(id)));
    assert!(ids(&kindergarten).len() < family_ids.len());

    let themes = json_of(get(&app, "/api/v1/services/themes", None).await).await;
    let barn = themes
        .as_array()
        .expect("themes")
        .iter()
        .find(|t| t["id"] == "barn-og-familie")
        .expect("Barn og familie");
    assert_eq!(barn["label"], "Barn og familie");
    assert_eq!(barn["services"], family_ids.len());
    let themes_en = json_of(get(&app, "/api/v1/services/themes?lang=en", None).await).await;
    assert!(themes_en.to_string().contains("Children and family"));

    for (path, pointer) in [
        ("/api/v1/services?theme=barn", "/theme"),
        ("/api/v1/services?theme=barn-og-familie/sykehjem", "/theme"),
        ("/api/v1/services?q=", "/q"),
        ("/api/v1/services?lang=de", "/lang"),
    ] {
        let body = assert_problem(get(&app, path, None).await, 400, "invalid-query").await;
        assert_eq!(body["errors"][0]["pointer"], pointer, "{path}");
    }
    let r = get(&app, "/api/v1/services?sort=title", None).await;
    assert_eq!(r.status(), 400, "unknown query parameters are refused");
    assert_problem(
        get(&app, "/api/v1/services/finnes-ikke", None).await,
        404,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn search_understands_norwegian_words_and_detail_falls_back_to_bokmal() {
    let app = demo_app(Backend::Sqlite).await;
    let hits = json_of(get(&app, "/api/v1/services?q=barnehageplass", None).await).await;
    assert_eq!(hits[0]["id"], "barnehageplass", "{hits}");
    assert_eq!(hits[0]["title"], "Søke barnehageplass");
    let sfo = json_of(get(&app, "/api/v1/services?q=sfo", None).await).await;
    assert_eq!(sfo[0]["id"], "sfo-plass");
    let typing = json_of(get(&app, "/api/v1/services?q=eiendomssk", None).await).await;
    assert_eq!(typing[0]["id"], "eiendomsskatt", "a prefix while typing");
    let nothing = json_of(get(&app, "/api/v1/services?q=romfartssenter", None).await).await;
    assert_eq!(nothing, json!([]));
    let in_theme = json_of(
        get(
            &app,
            "/api/v1/services?q=barnehage&theme=bygg-bolig-og-eiendom",
            None,
        )
        .await,
    )
    .await;
    assert!(ids(&in_theme).iter().all(|id| *id != "barnehageplass"));

    // English when asked for, by the header or by ?lang= (which comes first).
    let en = get(
        &app,
        "/api/v1/services/barnehageplass",
        Some("en-GB,en;q=0.9"),
    )
    .await;
    assert_eq!(en.headers()["content-language"], "en");
    let en = json_of(en).await;
    assert_eq!(en["lang"], "en");
    assert_ne!(en["title"], "Søke barnehageplass");
    assert_eq!(
        en["deadlines"][0]["date"].as_str().map(|d| &d[5..]),
        Some("03-01")
    );
    assert!(
        en["deadlines"][0]["day_text"]
            .as_str()
            .expect("day")
            .contains("March")
    );
    let nb = json_of(get(&app, "/api/v1/services/barnehageplass?lang=nb", Some("en")).await).await;
    assert_eq!(nb["title"], "Søke barnehageplass");
    assert!(
        nb["deadlines"][0]["day_text"]
            .as_str()
            .expect("day")
            .contains("mars")
    );
    // Nynorsk readers of a service without nynorsk read bokmål, not English.
    let nn = json_of(get(&app, "/api/v1/services/byggesoknad", Some("nn,en;q=0.5")).await).await;
    assert_eq!(nn["lang"], "nb");
    assert_eq!(nn["languages"], json!(["nb", "en"]));
    // Northern Sami falls back to bokmål too.
    let se = json_of(get(&app, "/api/v1/services/barnehageplass?lang=se", None).await).await;
    assert_eq!(se["lang"], "nb");
    assert_eq!(se["title"], "Søke barnehageplass");
}

#[tokio::test]
async fn services_for_me_follow_my_phase_of_life_with_reasons() {
    let app = demo_app(Backend::Sqlite).await;
    let r = reqwest::Client::new()
        .get(app.url("/api/v1/me/services"))
        .send()
        .await
        .expect("anonymous");
    assert_problem(r, 401, "unauthenticated").await;

    // Kari Nordmann has a baby and a schoolchild.
    login_as(&app, 0).await;
    let mine: Value = app.get_json("/api/v1/me/services").await;
    let services = mine["services"].as_array().expect("services");
    let ids: Vec<&str> = services.iter().filter_map(|s| s["id"].as_str()).collect();
    assert!(ids.contains(&"barnehageplass"), "{ids:?}");
    assert!(ids.contains(&"helsestasjon"), "{ids:?}");
    assert!(!ids.contains(&"sykehjemsplass"), "not for her age: {ids:?}");
    let scores: Vec<f64> = services
        .iter()
        .filter_map(|s| s["score"].as_f64())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let kindergarten = &services[ids.iter().position(|i| *i == "barnehageplass").expect("kg")];
    let reasons = kindergarten["reasons"].as_array().expect("reasons");
    assert!(
        reasons
            .iter()
            .any(|r| r["kind"] == "audience"
                && r["text"].as_str().is_some_and(|t| t.contains("barn"))),
        "{reasons:?}"
    );
    let english: Value = app.get_json("/api/v1/me/services?lang=en").await;
    assert_eq!(english["services"][0]["lang"], "en");
    assert!(
        english["services"]
            .as_array()
            .expect("services")
            .iter()
            .flat_map(|s| s["reasons"].as_array().into_iter().flatten())
            .any(|r| r["text"].as_str().is_some_and(|t| t.contains("child")))
    );
    // The read of her register facts is in her access log; her number is nowhere in the answer.
    app.state.sources().overview.access_logger().flush().await;
    let log: Value = app.get_json("/api/v1/me/access-log").await;
    assert!(log.to_string().contains("tjenester for deg"), "{log}");
    assert!(!mine.to_string().contains(demo_pid(0).expose()));
}

fn service(id: &str) -> Value {
    json!({
        "id": id,
        "theme": "kultur-idrett-og-fritid/bibliotek",
        "texts": {
            "nb": {"title": "Meråpent bibliotek", "summary": "Bruk biblioteket når det er ubetjent.",
                   "body": "Med lånekort og PIN kan du bruke biblioteket fra 07 til 22."},
            "en": {"title": "Self-service library", "summary": "Use the library when unstaffed."}
        },
        "apply_url": "https://www.asker.kommune.no/bibliotek/meraapent",
        "deadlines": [],
        "contact": {"unit": "Asker bibliotek", "phone": "66 90 00 00"},
        "audience": [],
        "notice_categories": ["kultur"],
        "record_categories": []
    })
}

async fn editors_write_publish_and_archive_services(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let tone = Caseworker::login(&app, "Tone Tjenesteredaktør").await;

    // Bad services are refused with a pointer at each problem, and nothing is stored.
    let mut bad = service("meraapent-bibliotek");
    bad["texts"] = json!({"en": {"title": "Library", "summary": "x", "body": "y"}});
    bad["theme"] = json!("kultur-idrett-og-fritid/romfart");
    bad["deadlines"] = json!([{"label": {"nb": "Frist"}, "kind": "fixed", "date": "2027-02-30"}]);
    let r = tone
        .send(Method::POST, &app, ADMIN, &json!({"service": bad}))
        .await;
    let body = assert_problem(r, 422, "invalid-service").await;
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    for p in [
        "/service/texts/nb",
        "/service/theme",
        "/service/deadlines/0/date",
    ] {
        assert!(pointers.contains(&p), "{p} in {pointers:?}");
    }
    let r = tone
        .send(Method::POST, &app, ADMIN, &json!({"service": {"id": "x"}}))
        .await;
    assert_problem(r, 422, "invalid-service").await;
    let r = tone
        .send(
            Method::POST,
            &app,
            ADMIN,
            &json!({"status": "live", "service": service("meraapent-bibliotek")}),
        )
        .await;
    let body = assert_problem(r, 422, "invalid-service").await;
    assert_eq!(body["errors"][0]["pointer"], "/status");
    assert_eq!(tone.json(&app, ADMIN).await, json!([]), "nothing stored");

    // A draft is the editors' only.
    let r = tone
        .send(
            Method::POST,
            &app,
            ADMIN,
            &json!({"service": service("meraapent-bibliotek")}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let draft: Value = r.json().await.expect("json");
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"], 1);
    let public = "/api/v1/services/meraapent-bibliotek";
    assert_eq!(get(&app, public, None).await.status(), 404);
    let again = tone
        .send(
            Method::POST,
            &app,
            ADMIN,
            &json!({"service": service("meraapent-bibliotek")}),
        )
        .await;
    assert_problem(again, 409, "service-exists").await;

    // Publishing makes it public at once on this instance.
    let path = format!("{ADMIN}/meraapent-bibliotek");
    let published = tone
        .send(
            Method::PUT,
            &app,
            &path,
            &json!({"version": 1, "status": "published", "service": service("meraapent-bibliotek")}),
        )
        .await;
    assert_eq!(published.status(), 200);
    let published: Value = published.json().await.expect("json");
    assert_eq!(published["version"], 2);
    let shown = json_of(get(&app, public, None).await).await;
    assert_eq!(shown["title"], "Meråpent bibliotek");
    assert_eq!(shown["fallback_fields"], json!([]));
    let shown_en = json_of(get(&app, public, Some("en")).await).await;
    assert_eq!(shown_en["title"], "Self-service library");
    assert_eq!(
        shown_en["fallback_fields"],
        json!(["body"]),
        "the body is bokmål's"
    );

    // A change from an old version is refused; the id cannot change.
    let mut changed = service("meraapent-bibliotek");
    changed["texts"]["nb"]["title"] = json!("Meråpent bibliotek på Heggedal");
    let stale = tone
        .send(
            Method::PUT,
            &app,
            &path,
            &json!({"version": 1, "status": "published", "service": changed}),
        )
        .await;
    assert_problem(stale, 409, "edit-conflict").await;
    let renamed = tone
        .send(
            Method::PUT,
            &app,
            &path,
            &json!({"version": 2, "status": "published", "service": service("nytt-navn")}),
        )
        .await;
    let body = assert_problem(renamed, 422, "invalid-service").await;
    assert_eq!(body["errors"][0]["pointer"], "/service/id");
    let missing = tone
        .send(
            Method::PUT,
            &app,
            &format!("{ADMIN}/finnes-ikke"),
            &json!({"version": 1, "status": "published", "service": service("finnes-ikke")}),
        )
        .await;
    assert_problem(missing, 404, "not-found").await;
    assert_eq!(
        json_of(get(&app, public, None).await).await["title"],
        "Meråpent bibliotek"
    );

    // Archived services leave the public catalogue but stay for the editors.
    let archived = tone
        .send(
            Method::PUT,
            &app,
            &path,
            &json!({"version": 2, "status": "archived", "service": changed}),
        )
        .await;
    assert_eq!(archived.status(), 200);
    assert_eq!(get(&app, public, None).await.status(), 404);
    let listed = tone.json(&app, &format!("{ADMIN}?status=archived")).await;
    assert_eq!(listed[0]["title"], "Meråpent bibliotek på Heggedal");
    assert_eq!(listed[0]["version"], 3);

    // Every change is in the audit trail with before and after.
    let arne = Caseworker::login(&app, "Arne Admin").await;
    let audit = arne.json(&app, "/api/v1/admin/audit").await;
    let text = audit.to_string();
    assert!(
        text.contains("service.create") && text.contains("service.update"),
        "{text}"
    );
    assert!(text.contains("Meråpent bibliotek på Heggedal"));

    // Other caseworkers and residents are refused.
    let siri = Caseworker::login(&app, "Siri Saksbehandler").await;
    assert_problem(siri.get(&app, ADMIN).await, 403, "role-required").await;
    let r = siri
        .send(
            Method::POST,
            &app,
            ADMIN,
            &json!({"service": service("siri-tjeneste")}),
        )
        .await;
    assert_problem(r, 403, "role-required").await;
    login_as(&app, 0).await;
    let r = app.client.get(app.url(ADMIN)).send().await.expect("admin");
    assert_problem(r, 401, "unauthenticated").await;
}

#[tokio::test]
async fn editors_write_publish_and_archive_services_on_sqlite() {
    editors_write_publish_and_archive_services(Backend::Sqlite).await;
}

#[tokio::test]
async fn editors_write_publish_and_archive_services_on_postgres() {
    editors_write_publish_and_archive_services(Backend::Postgres).await;
}

async fn another_municipalitys_services_stay_apart(backend: Backend) {
    let app = demo_app(backend).await;
    let baerum = Kommunenummer::parse("3201").expect("k");
    let store = app.store();
    store
        .upsert_tenant(&baerum, "Bærum kommune", Timestamp::now())
        .await
        .expect("tenant");
    let mut theirs = service("bare-baerum");
    theirs["texts"]["nb"]["title"] = json!("Bare i Bærum");
    store
        .create_service(
            &baerum,
            &ServiceFields {
                service_id: "bare-baerum".into(),
                theme: "kultur-idrett-og-fritid/bibliotek".into(),
                status: ServiceStatus::Published,
                content: theirs.clone(),
            },
            "test",
            Timestamp::now(),
        )
        .await
        .expect("create");
    assert_eq!(
        get(&app, "/api/v1/services/bare-baerum", None)
            .await
            .status(),
        404
    );
    let list = json_of(get(&app, "/api/v1/services?q=bærum", None).await).await;
    assert!(!ids(&list).contains(&"bare-baerum"));
    let tone = Caseworker::login(&app, "Tone Tjenesteredaktør").await;
    assert_eq!(
        tone.get(&app, &format!("{ADMIN}/bare-baerum"))
            .await
            .status(),
        404
    );
    let r = tone
        .send(
            Method::PUT,
            &app,
            &format!("{ADMIN}/bare-baerum"),
            &json!({"version": 1, "status": "archived", "service": theirs}),
        )
        .await;
    assert_problem(r, 404, "not-found").await;
    // Asker's may use the same id without touching Bærum's.
    let r = tone
        .send(
            Method::POST,
            &app,
            ADMIN,
            &json!({"service": service("bare-baerum")}),
        )
        .await;
    assert_eq!(r.status(), 201);
    let still = store
        .get_service(&baerum, "bare-baerum")
        .await
        .expect("theirs");
    assert_eq!(still.version, 1);
    assert_eq!(still.fields.status, ServiceStatus::Published);
}

#[tokio::test]
async fn another_municipalitys_services_stay_apart_on_sqlite() {
    another_municipalitys_services_stay_apart(Backend::Sqlite).await;
}

#[tokio::test]
async fn another_municipalitys_services_stay_apart_on_postgres() {
    another_municipalitys_services_stay_apart(Backend::Postgres).await;
}

#[tokio::test]
async fn notices_and_overview_categories_link_to_services() {
    let app = demo_app(Backend::Sqlite).await;
    let siri = Caseworker::login(&app, "Siri Saksbehandler").await;
    let mut rule = json!({
        "name": "Barnehageopptak",
        "category": "barnehage",
        "opt_out_allowed": false,
        "trigger": {"kind": "campaign"},
        "audience": "resident.children.exists(c, c.age < 2)",
        "content": {
            "nb": {"title": "Søk barnehageplass", "body": "Fristen for hovedopptaket er 1. mars."},
            "service": "finnes-ikke"
        },
        "channels": ["inbox"],
        "priority": 2
    });
    let r = siri
        .send(Method::POST, &app, "/api/v1/admin/notice-rules", &rule)
        .await;
    let body = assert_problem(r, 422, "invalid-rule").await;
    assert_eq!(body["errors"][0]["pointer"], "/content/service");

    rule["content"]["service"] = json!("barnehageplass");
    let r = siri
        .send(Method::POST, &app, "/api/v1/admin/notice-rules", &rule)
        .await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.expect("json");
    let id: uuid::Uuid = created["id"].as_str().expect("id").parse().expect("uuid");
    let k = Kommunenummer::parse("3203").expect("k");
    let engine = &app.state.notices().engine;
    let status = siri
        .send(
            Method::POST,
            &app,
            &format!("/api/v1/admin/notice-rules/{id}/status"),
            &json!({"status": "active", "version": created["version"]}),
        )
        .await;
    assert_eq!(status.status(), 200);
    engine
        .run_campaign(&k, minside_store::RuleId(id), Timestamp::now())
        .await
        .expect("run");
    deliver_all_to_inboxes(&app).await;

    login_as(&app, 0).await;
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    let notice = inbox["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .find(|n| n["title"] == "Søk barnehageplass")
        .expect("Kari's notice");
    assert_eq!(notice["service"]["id"], "barnehageplass");
    assert_eq!(notice["service"]["title"], "Søke barnehageplass");
    assert_eq!(notice["service"]["href"], "/api/v1/services/barnehageplass");

    let overview: Value = app.get_json("/api/v1/me/overview").await;
    let kindergarten = overview["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .flat_map(|s| s["categories"].as_array().into_iter().flatten())
        .find(|c| c["id"] == "kindergarten")
        .expect("a kindergarten category");
    let linked: Vec<&str> = kindergarten["services"]
        .as_array()
        .expect("services")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(linked.contains(&"barnehageplass"), "{linked:?}");
}
