//! Notices end to end over HTTP: caseworkers write rules (refused with pointers when wrong),
//! preview, activate and run them; the engine and the delivery worker create and deliver the
//! notices; residents read, mark and archive them in their inbox and set preferences;
//! caseworkers follow statistics and the paper-letter list. On SQLite and PostgreSQL.

use minside_core::{Kommunenummer, Timestamp};
use minside_test_support::{Backend, TestApp, browser};
use serde_json::{Value, json};

use crate::admin_auth::logged_in;
use crate::helpers::{assert_problem, csrf, deliver_all_to_inboxes, demo_pid, login_as};

const RULES: &str = "/api/v1/admin/notice-rules";

/// A logged-in caseworker: the client and its CSRF token.
pub(crate) struct Caseworker {
    client: reqwest::Client,
    csrf: String,
}

impl Caseworker {
    pub(crate) async fn login(app: &TestApp, name: &str) -> Self {
        let client = browser();
        logged_in(app, &client, name).await;
        let me: Value = client
            .get(app.url("/api/v1/admin/session"))
            .send()
            .await
            .expect("session")
            .json()
            .await
            .expect("json");
        let csrf = me["csrf_token"].as_str().expect("csrf").to_owned();
        Self { client, csrf }
    }

    pub(crate) async fn send(
        &self,
        method: reqwest::Method,
        app: &TestApp,
        path: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.client
            .request(method, app.url(path))
            .header("x-csrf-token", &self.csrf)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub(crate) async fn post(&self, app: &TestApp, path: &str, body: &Value) -> reqwest::Response {
        self.send(reqwest::Method::POST, app, path, body).await
    }

    pub(crate) async fn get(&self, app: &TestApp, path: &str) -> reqwest::Response {
        self.client.get(app.url(path)).send().await.expect("get")
    }

    pub(crate) async fn json(&self, app: &TestApp, path: &str) -> Value {
        let r = self.get(app, path).await;
        assert_eq!(r.status(), 200, "{path}");
        r.json().await.expect("json")
    }
}

/// A campaign to every adult with inbox and e-mail.
fn campaign(audience: &str) -> Value {
    json!({
        "name": "Ny renovasjonsordning",
        "category": "renovasjon",
        "opt_out_allowed": true,
        "trigger": {"kind": "campaign"},
        "audience": audience,
        "content": {
            "nb": {"title": "Ny henteordning i {{municipality}}", "body": "Hei {{resident.given_name}}! Fra januar hentes restavfall annenhver uke."},
            "en": {"title": "New collection in {{municipality}}", "body": "Hi {{resident.given_name}}! From January, waste is collected every other week."}
        },
        "channels": ["inbox", "email"],
        "priority": 2
    })
}

async fn create(cw: &Caseworker, app: &TestApp, rule: &Value) -> Value {
    let r = cw.post(app, RULES, rule).await;
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    r.json().await.expect("rule")
}

async fn set_status(cw: &Caseworker, app: &TestApp, rule: &Value, status: &str) -> Value {
    let path = format!("{RULES}/{}/status", rule["id"].as_str().expect("id"));
    let r = cw
        .post(
            app,
            &path,
            &json!({"status": status, "version": rule["version"]}),
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    r.json().await.expect("rule")
}

async fn refused(cw: &Caseworker, app: &TestApp, rule: Value, pointer: &str) {
    let body = assert_problem(cw.post(app, RULES, &rule).await, 422, "invalid-rule").await;
    let pointers: Vec<&str> = body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["pointer"].as_str())
        .collect();
    assert!(pointers.contains(&pointer), "{pointer} not in {body}");
}

#[tokio::test]
async fn bad_rules_are_refused_with_a_pointer_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let cw = Caseworker::login(&app, "Siri Saksbehandler").await;
    let with = |f: &dyn Fn(&mut Value)| {
        let mut r = campaign("resident.age >= 18");
        f(&mut r);
        r
    };
    refused(
        &cw,
        &app,
        with(&|r| r["audience"] = json!("resident.age >=")),
        "/audience",
    )
    .await;
    refused(
        &cw,
        &app,
        with(&|r| r["audience"] = json!("resident.salary > 1")),
        "/audience",
    )
    .await;
    refused(
        &cw,
        &app,
        with(&|r| r["content"]["nb"]["body"] = json!("Hei {{resident.pid}}")),
        "/content/nb/body",
    )
    .await;
    refused(
        &cw,
        &app,
        with(&|r| r["content"] = json!({"en": {"title": "x", "body": "y"}})),
        "/content/nb",
    )
    .await;
    refused(
        &cw,
        &app,
        with(&|r| {
            r["trigger"] =
                json!({"kind": "before_date", "date": {"fixed": "2027-02-30"}, "days_before": 10})
        }),
        "/trigger/date/fixed",
    )
    .await;
    refused(
        &cw,
        &app,
        with(&|r| {
            r["valid_from"] = json!("2027-05-01");
            r["valid_to"] = json!("2027-04-01");
        }),
        "/valid_to",
    )
    .await;
    refused(
        &cw,
        &app,
        with(&|r| r["chanels"] = json!(["sms"])),
        "/chanels",
    )
    .await;
    // A child placeholder needs a rule about a child.
    refused(
        &cw,
        &app,
        with(&|r| r["content"]["nb"]["title"] = json!("{{child.given_name}}")),
        "/content/nb/title",
    )
    .await;

    let k = Kommunenummer::parse("3203").expect("k");
    assert!(
        app.store()
            .list_rules(&k, true)
            .await
            .expect("rules")
            .is_empty()
    );
}

#[tokio::test]
async fn rules_need_the_notice_editor_role_and_a_login() {
    let app = TestApp::spawn().await;
    let anonymous = browser().get(app.url(RULES)).send().await.expect("request");
    assert_problem(anonymous, 401, "unauthenticated").await;
    let planner = Caseworker::login(&app, "Pia Planlegger").await;
    assert_problem(planner.get(&app, RULES).await, 403, "role-required").await;
    let r = planner.post(&app, RULES, &campaign("true")).await;
    assert_problem(r, 403, "role-required").await;
    // A resident's session is no caseworker session.
    login_as(&app, 0).await;
    let r = app
        .client
        .get(app.url(RULES))
        .send()
        .await
        .expect("request");
    assert_problem(r, 401, "unauthenticated").await;
}

async fn a_campaign_reaches_the_inbox(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let cw = Caseworker::login(&app, "Siri Saksbehandler").await;
    let kari = demo_pid(0);
    let rule = create(&cw, &app, &campaign("resident.age >= 18")).await;
    assert_eq!(rule["status"], "draft");
    let id = rule["id"].as_str().expect("id").to_owned();

    // Preview: a count and masked samples, nothing created.
    let r = cw
        .post(&app, &format!("{RULES}/{id}/preview"), &json!({}))
        .await;
    assert_eq!(r.status(), 200);
    let preview: Value = r.json().await.expect("preview");
    let count = preview["count"].as_u64().expect("count");
    assert!(count > 1000, "{preview}");
    let text = preview.to_string();
    assert!(
        !text.contains(kari.expose()) && !text.contains("Nordmann"),
        "{text}"
    );
    assert!(preview["samples"].as_array().is_some_and(|s| !s.is_empty()));

    // A draft cannot be run; an active campaign can.
    let run = cw
        .post(&app, &format!("{RULES}/{id}/run"), &json!({}))
        .await;
    assert_problem(run, 409, "conflict").await;
    let active = set_status(&cw, &app, &rule, "active").await;
    assert_eq!(active["version"], 2);
    let run = cw
        .post(&app, &format!("{RULES}/{id}/run"), &json!({}))
        .await;
    assert_eq!(run.status(), 200);
    // Activation started the campaign already, or this run did: together, `count` notices.
    let engine = &app.state.notices().engine;
    let k = Kommunenummer::parse("3203").expect("k");
    let again = engine
        .run_campaign(
            &k,
            minside_store::RuleId(id.parse().expect("uuid")),
            Timestamp::now(),
        )
        .await
        .expect("run");
    assert_eq!(again.created(), 0, "never twice");

    // Not in the inbox before delivery; there after.
    login_as(&app, 0).await;
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    assert_eq!(
        inbox["notices"].as_array().map(Vec::len),
        Some(0),
        "{inbox}"
    );
    deliver_all_to_inboxes(&app).await;
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    let notices = inbox["notices"].as_array().expect("notices");
    assert_eq!(notices.len(), 1, "{inbox}");
    assert_eq!(inbox["unread"], 1);
    let notice = &notices[0];
    assert_eq!(notice["title"], "Ny henteordning i Asker");
    assert_eq!(notice["lang"], "nb");
    assert!(
        notice["body"]
            .as_str()
            .is_some_and(|b| b.starts_with("Hei Kari!")),
        "{notice}"
    );
    let nid = notice["id"].as_str().expect("id").to_owned();
    let english: Value = app
        .get_json(&format!("/api/v1/me/notices/{nid}?lang=en"))
        .await;
    assert_eq!(english["title"], "New collection in Asker");

    // Read, archive, unarchive.
    let token = csrf(&app).await;
    let post = |path: String| {
        app.client
            .post(app.url(&path))
            .header("x-csrf-token", &token)
            .send()
    };
    let read: Value = post(format!("/api/v1/me/notices/{nid}/read"))
        .await
        .expect("read")
        .json()
        .await
        .expect("json");
    assert!(read["read_at"].is_string());
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    assert_eq!(inbox["unread"], 0);
    assert_eq!(
        post(format!("/api/v1/me/notices/{nid}/archive"))
            .await
            .expect("archive")
            .status(),
        200
    );
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    assert_eq!(inbox["notices"].as_array().map(Vec::len), Some(0));
    let archive: Value = app.get_json("/api/v1/me/notices?archived=true").await;
    assert_eq!(archive["notices"].as_array().map(Vec::len), Some(1));

    // Statistics for the caseworker.
    let stats = cw.json(&app, &format!("{RULES}/{id}/stats")).await;
    assert_eq!(stats["created"].as_u64(), Some(count), "{stats}");
    assert_eq!(stats["read"], 1);
    assert_eq!(stats["inbox"]["delivered"].as_u64(), Some(count));
    assert_eq!(
        stats["email"]["pending"].as_u64(),
        Some(count),
        "no e-mail channel here"
    );

    // Every change is audited with before and after.
    let admin = Caseworker::login(&app, "Arne Admin").await;
    let audit = admin.json(&app, "/api/v1/admin/audit").await;
    let text = audit.to_string();
    assert!(
        text.contains("notice_rule.create") && text.contains("notice_rule.status"),
        "{text}"
    );
    let status_change = audit["entries"]
        .as_array()
        .or_else(|| audit.as_array())
        .and_then(|a| a.iter().find(|e| e["action"] == "notice_rule.status"))
        .expect("status change in the audit trail")
        .clone();
    assert_eq!(
        status_change["detail"]["before"]["status"], "draft",
        "{status_change}"
    );
    assert_eq!(status_change["detail"]["after"]["status"], "active");
}

#[tokio::test]
async fn a_campaign_reaches_the_inbox_sqlite() {
    a_campaign_reaches_the_inbox(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_campaign_reaches_the_inbox_postgres() {
    a_campaign_reaches_the_inbox(Backend::Postgres).await;
}

#[tokio::test]
async fn one_resident_never_reaches_anothers_notices() {
    let app = TestApp::spawn().await;
    let cw = Caseworker::login(&app, "Siri Saksbehandler").await;
    let rule = create(&cw, &app, &campaign("resident.age >= 18")).await;
    let rule = set_status(&cw, &app, &rule, "active").await;
    let id = rule["id"].as_str().expect("id");
    cw.post(&app, &format!("{RULES}/{id}/run"), &json!({}))
        .await;
    deliver_all_to_inboxes(&app).await;

    login_as(&app, 0).await;
    let kari: Value = app.get_json("/api/v1/me/notices").await;
    let kari_notice = kari["notices"][0]["id"].as_str().expect("id").to_owned();

    // Ola, in a browser of his own.
    let other = browser();
    let back = minside_test_support::dev_idp_authorize(
        &other,
        app.url("/auth/login"),
        demo_pid(1).expose(),
        "idporten-loa-substantial",
    )
    .await;
    assert_eq!(
        other.get(back).send().await.expect("callback").status(),
        303
    );
    let theirs = other
        .get(app.url(&format!("/api/v1/me/notices/{kari_notice}")))
        .send()
        .await
        .expect("get");
    assert_problem(theirs, 404, "not-found").await;
    let me: Value = other
        .get(app.url("/api/v1/me/session"))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("json");
    let token = me["csrf_token"].as_str().expect("csrf");
    for action in ["read", "archive"] {
        let r = other
            .post(app.url(&format!("/api/v1/me/notices/{kari_notice}/{action}")))
            .header("x-csrf-token", token)
            .send()
            .await
            .expect("post");
        assert_problem(r, 404, "not-found").await;
    }
    // Kari's notice is untouched.
    let kari: Value = app
        .get_json(&format!("/api/v1/me/notices/{kari_notice}"))
        .await;
    assert!(kari["read_at"].is_null() && kari["archived_at"].is_null());
}

#[tokio::test]
async fn a_notice_about_a_child_goes_to_the_guardians() {
    let app = TestApp::spawn().await;
    let cw = Caseworker::login(&app, "Siri Saksbehandler").await;
    let rule = json!({
        "name": "Barnet fyller ett år",
        "category": "barnehage",
        "opt_out_allowed": true,
        "trigger": {"kind": "age", "of": "child", "years": 1, "months": 0},
        "audience": "true",
        "content": {"nb": {"title": "{{child.given_name}} fyller ett år", "body": "Gratulerer!"}},
        "channels": ["inbox"]
    });
    let rule = create(&cw, &app, &rule).await;
    set_status(&cw, &app, &rule, "active").await;

    // Kari's youngest child turns one on a day we evaluate.
    let store = app.store();
    let k = Kommunenummer::parse("3203").expect("k");
    let kari = store
        .find_resident_by_pid(&k, &demo_pid(0))
        .await
        .expect("find")
        .expect("Kari");
    let facts = store.resident_facts(&[kari.id]).await.expect("facts");
    let youngest = facts[0].children.last().expect("a child").clone();
    let birthday = youngest
        .birth_date
        .checked_add(jiff::Span::new().years(1))
        .expect("date");
    let report = app
        .state
        .notices()
        .engine
        .evaluate_day(&k, birthday, Timestamp::now())
        .await
        .expect("evaluate");
    assert!(report.created() >= 1, "{report:?}");
    deliver_all_to_inboxes(&app).await;

    login_as(&app, 0).await;
    let inbox: Value = app.get_json("/api/v1/me/notices").await;
    let notice = &inbox["notices"][0];
    assert_eq!(
        notice["title"],
        format!("{} fyller ett år", youngest.given_name),
        "{inbox}"
    );
    assert_eq!(notice["about_child"]["id"], youngest.id.0.to_string());
    // Every guardian of the child got one; the child got none.
    let guardians = store.guardians_of(youngest.id).await.expect("guardians");
    for g in &guardians {
        let n = store
            .list_inbox(g.id, minside_store::InboxFilter::Current, None, 10)
            .await
            .expect("inbox");
        assert_eq!(n.len(), 1, "each guardian once");
    }
    let child = store
        .list_inbox(youngest.id, minside_store::InboxFilter::Current, None, 10)
        .await
        .expect("inbox");
    assert!(child.is_empty());
    // The same day again creates nothing.
    let again = app
        .state
        .notices()
        .engine
        .evaluate_day(&k, birthday, Timestamp::now())
        .await
        .expect("evaluate");
    assert_eq!(again.created(), 0);
}

#[tokio::test]
async fn preferences_accept_only_categories_that_allow_opting_out() {
    let app = TestApp::spawn().await;
    let cw = Caseworker::login(&app, "Siri Saksbehandler").await;
    // A campaign residents may opt out of (activation starts it at once).
    let first = create(&cw, &app, &campaign("true")).await;
    set_status(&cw, &app, &first, "active").await;
    let mut tax = campaign("true");
    tax["category"] = json!("eiendomsskatt");
    tax["opt_out_allowed"] = json!(false);
    let tax = create(&cw, &app, &tax).await;
    set_status(&cw, &app, &tax, "active").await;
    // Both must have reached Kari before she opts out: activation's own run goes on in the
    // background, so run them to their end here (a second run creates nothing twice).
    let k = Kommunenummer::parse("3203").expect("k");
    let engine = &app.state.notices().engine;
    for r in [&first, &tax] {
        let id = minside_store::RuleId(r["id"].as_str().expect("id").parse().expect("uuid"));
        engine
            .run_campaign(&k, id, Timestamp::now())
            .await
            .expect("run");
    }

    login_as(&app, 0).await;
    let prefs: Value = app.get_json("/api/v1/me/notice-preferences").await;
    assert_eq!(prefs["email"], true);
    assert_eq!(prefs["categories"], json!(["renovasjon"]));
    let token = csrf(&app).await;
    let put = |body: Value| {
        app.client
            .put(app.url("/api/v1/me/notice-preferences"))
            .header("x-csrf-token", &token)
            .json(&body)
            .send()
    };
    let bad =
        put(json!({"email": true, "sms": false, "opted_out": ["renovasjon", "eiendomsskatt"]}))
            .await
            .expect("put");
    let body = assert_problem(bad, 422, "invalid-preferences").await;
    assert_eq!(body["errors"][0]["pointer"], "/opted_out/1");
    let ok = put(json!({"email": false, "sms": false, "opted_out": ["renovasjon"]}))
        .await
        .expect("put");
    assert_eq!(ok.status(), 200);
    let prefs: Value = app.get_json("/api/v1/me/notice-preferences").await;
    assert_eq!(prefs["email"], false);
    assert_eq!(prefs["opted_out"], json!(["renovasjon"]));

    // After opting out: a new campaign of the category skips Kari, but one of the same category
    // that the municipality must send (no opting out) reaches her.
    let mut optional = campaign("true");
    optional["name"] = json!("Nye hentedager");
    let optional = create(&cw, &app, &optional).await;
    set_status(&cw, &app, &optional, "active").await;
    let mut mandatory = campaign("true");
    mandatory["name"] = json!("Endret gebyr");
    mandatory["opt_out_allowed"] = json!(false);
    let mandatory = create(&cw, &app, &mandatory).await;
    set_status(&cw, &app, &mandatory, "active").await;
    // Run these to their end too (activation's own run may still be going on).
    for r in [&optional, &mandatory] {
        let id = minside_store::RuleId(r["id"].as_str().expect("id").parse().expect("uuid"));
        engine
            .run_campaign(&k, id, Timestamp::now())
            .await
            .expect("run");
    }
    deliver_all_to_inboxes(&app).await;
    let inbox: Value = app.get_json("/api/v1/me/notices?limit=100").await;
    let mut rules: Vec<&str> = inbox["notices"]
        .as_array()
        .expect("notices")
        .iter()
        .filter_map(|n| n["title"].as_str())
        .collect();
    rules.sort();
    assert_eq!(
        rules.len(),
        3,
        "the first campaign (before opting out), the tax and the mandatory one: {inbox}"
    );
    let store = app.store();
    let kari = store
        .find_resident_by_pid(&k, &demo_pid(0))
        .await
        .expect("find")
        .expect("Kari");
    for (r, expected) in [(&first, 1), (&tax, 1), (&optional, 0), (&mandatory, 1)] {
        let id = minside_store::RuleId(r["id"].as_str().expect("id").parse().expect("uuid"));
        let all = store
            .list_inbox(kari.id, minside_store::InboxFilter::Current, None, 100)
            .await
            .expect("inbox");
        let n = all.iter().filter(|n| n.rule_id == id).count();
        assert_eq!(n, expected, "rule {}", r["name"]);
    }
}

#[tokio::test]
async fn residents_krr_forbids_contacting_digitally_are_listed_for_a_paper_letter() {
    use minside_test_support::smtp::{SmtpServer, SmtpServerOptions};
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let app = TestApp::builder()
        .set(
            "notices.delivery.email",
            json!({
                "host": smtp.host(), "port": smtp.port(), "security": "none",
                "from_address": "minside@asker.kommune.no", "from_name": "Asker kommune",
            }),
        )
        .spawn()
        .await;
    let cw = Caseworker::login(&app, "Siri Saksbehandler").await;
    // Adults where Kari and Lars live (a few hundred e-mails, not two thousand).
    let store = app.store();
    let k = Kommunenummer::parse("3203").expect("k");
    let mut postcodes = Vec::new();
    for n in [0, 7] {
        let r = store
            .find_resident_by_pid(&k, &demo_pid(n))
            .await
            .expect("find")
            .expect("resident");
        let facts = store.resident_facts(&[r.id]).await.expect("facts");
        let address = facts[0].address.as_ref().expect("an address");
        postcodes.push(format!("{:?}", address.postcode));
    }
    let audience = format!(
        "resident.age >= 18 && resident.postcode in [{}]",
        postcodes.join(", ")
    );
    let rule = create(&cw, &app, &campaign(&audience)).await;
    let rule = set_status(&cw, &app, &rule, "active").await;
    let id = rule["id"].as_str().expect("id");
    cw.post(&app, &format!("{RULES}/{id}/run"), &json!({}))
        .await;
    let worker = &app.state.notices().delivery;
    for _ in 0..200 {
        let r = worker.run_once(Timestamp::now()).await.expect("round");
        if r.is_idle() {
            break;
        }
    }
    let letters = cw
        .json(&app, &format!("/api/v1/admin/paper-letters?rule={id}"))
        .await;
    let letters = letters.as_array().expect("list");
    let lars = letters
        .iter()
        .find(|l| l["name"] == "Lars Johansen")
        .expect("Lars, reserved in KRR, needs a paper letter");
    assert_eq!(lars["reasons"], json!(["krr_reserved"]));
    assert!(lars["street"].is_string() && lars["postcode"].is_string());
    assert!(!letters.iter().any(|l| l["name"] == "Kari Nordmann"));
    // Kari got the e-mail, once; Lars got none.
    let mails = smtp.received();
    let to_kari = mails
        .iter()
        .filter(|m| m.to.iter().any(|t| t == "kari.nordmann@example.no"));
    assert_eq!(to_kari.count(), 1);

    // The caseworker's read of Lars's address is in Lars's access log.
    let lars_id = store
        .find_resident_by_pid(&k, &demo_pid(7))
        .await
        .expect("find")
        .expect("Lars")
        .id;
    app.state.sources().overview.access_logger().flush().await;
    let log = store.list_access(lars_id, 10).await.expect("log");
    assert!(log.iter().any(|e| e.actor_kind == "caseworker"), "{log:?}");
}
