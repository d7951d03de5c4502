//! Plan-phase triggers: neighbours within the distance and followers are told once per phase.
//!
//! The plan area is the rectangle 10.40–10.41 °E, 59.80–59.81 °N (in Asker's latitudes).
//! Residents east of it are placed by the length of a degree of longitude on the WGS84
//! ellipsoid at 59.805 °N, so that "499 m" and "501 m" are that far from the area's east edge.

use std::f64::consts::PI;

use jiff::ToSpan;
use jiff::civil::{Date, date};
use minside_core::Kommunenummer;
use minside_notices::{NoticesError, RuleDraft, validate};
use minside_plans::phase::label;
use minside_store::{
    BoundingBox, NoticePreferences, PhaseFields, PhaseId, PhaseKind, PlanFields, RegisterEventKind,
    RegisterPerson, ResidentStatus, StoreError,
};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{TestEnv, deliver_inbox, deliver_inbox_at, inbox, now, person, today};

on_both_backends!(
    neighbours_and_followers_are_told_once_per_phase,
    closed_upcoming_foreign_and_other_kinds_tell_nobody,
    plans_without_an_area_tell_followers_and_previews_count_them,
);

const WEST: f64 = 10.40;
const EAST: f64 = 10.41;
const SOUTH: f64 = 59.80;
const NORTH: f64 = 59.81;
const MIDDLE: (f64, f64) = (10.405, 59.805);

fn area() -> Value {
    json!({"type": "Polygon", "coordinates": [[
        [WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]
    ]]})
}

/// The point `metres` east of the area's east edge, at 59.805 °N: a degree of longitude there
/// is N(φ)·cos φ·π/180 long (N the WGS84 prime vertical radius of curvature).
fn east_of_area(metres: f64) -> (f64, f64) {
    const A: f64 = 6_378_137.0;
    const E2: f64 = 0.006_694_379_990_14;
    let phi = MIDDLE.1.to_radians();
    let n = A / (1.0 - E2 * phi.sin().powi(2)).sqrt();
    let degree = n * phi.cos() * PI / 180.0;
    (EAST + metres / degree, MIDDLE.1)
}

fn plan(plan_id: &str, name: &str, area: Option<Value>) -> PlanFields {
    let bbox = area.as_ref().map(|_| BoundingBox {
        min_lon: WEST,
        min_lat: SOUTH,
        max_lon: EAST,
        max_lat: NORTH,
    });
    PlanFields {
        plan_id: plan_id.to_owned(),
        name: name.to_owned(),
        plan_type: Some("35".to_owned()),
        status: "2".to_owned(),
        law_reference: None,
        proposer_type: Some("offentlig".to_owned()),
        case_number: None,
        description: None,
        documents: json!([]),
        events: json!([]),
        area,
        bbox,
    }
}

fn phase(kind: PhaseKind, hearing_version: i32, opens_on: Date, closes_on: Date) -> PhaseFields {
    PhaseFields {
        kind,
        hearing_version,
        title: None,
        opens_on,
        closes_on,
    }
}

/// `p` living at `(lon, lat)`.
fn at(mut p: RegisterPerson, point: (f64, f64)) -> RegisterPerson {
    if let Some(a) = p.address.as_mut() {
        a.point = Some(point);
    }
    p
}

fn plan_rule(phases: Value) -> Value {
    json!({
        "name": "Plan nær deg", "category": "plan", "opt_out_allowed": true,
        "trigger": {"kind": "plan_phase", "phases": phases},
        "content": {
            "nb": {"title": "Planforslag nær deg: {{plan.name}}",
                   "body": "{{phase.label}} – du kan gi innspill til og med {{deadline}} ({{plan.id}}, {{days_left}} dager)."},
            "en": {"title": "A plan near you: {{plan.name}}",
                   "body": "Comments until {{deadline}}."}
        },
        "channels": ["inbox", "email"]
    })
}

impl TestEnv {
    async fn add_plan(&self, k: &Kommunenummer, fields: PlanFields) -> String {
        self.store
            .create_plan(k, &fields, "caseworker", now())
            .await
            .expect("plan")
            .fields
            .plan_id
    }

    async fn add_phase(&self, k: &Kommunenummer, plan_id: &str, fields: PhaseFields) -> PhaseId {
        self.store
            .create_phase(k, plan_id, &fields, now())
            .await
            .expect("phase")
            .id
    }

    async fn follow(&self, plan_id: &str, p: &RegisterPerson) {
        let id = self.facts(&p.pid).await.id;
        self.store
            .set_following(&self.k, plan_id, id, true, now())
            .await
            .expect("follow");
    }

    async fn created_on(&self, day: Date) -> u64 {
        let hours = i64::from((day - today()).get_days()) * 24;
        let at = now().checked_add(hours.hours()).expect("a time");
        self.engine()
            .evaluate_day(&self.k, day, at)
            .await
            .expect("daily run")
            .created()
    }
}

async fn neighbours_and_followers_are_told_once_per_phase(env: TestEnv) {
    let near = at(
        person("Nora", date(1980, 1, 1), 0, "1384", &[]),
        east_of_area(499.0),
    );
    let far = at(
        person("Frida", date(1980, 1, 2), 0, "1384", &[]),
        east_of_area(501.0),
    );
    let inside = at(person("Ivar", date(1980, 1, 3), 0, "1384", &[]), MIDDLE);
    let follower = at(
        person("Fia", date(1980, 1, 4), 0, "1384", &[]),
        (MIDDLE.0, MIDDLE.1 + 0.045),
    );
    let child = at(
        person("Kim", date(2012, 5, 5), 0, "1384", &[&inside.pid]),
        MIDDLE,
    );
    let leaving = at(person("Lars", date(1980, 1, 5), 0, "1384", &[]), MIDDLE);
    let people = [&near, &far, &inside, &follower, &child, &leaving].map(|p| (*p).clone());
    env.load(&people, 1).await;
    let plan_id = env
        .add_plan(&env.k, plan("2025-7", "Torget sentrum", Some(area())))
        .await;
    for p in [&follower, &near, &leaving] {
        env.follow(&plan_id, p).await;
    }
    let mut gone = leaving.clone();
    gone.status = ResidentStatus::MovedOut;
    env.change(2, RegisterEventKind::MovedOut, &gone).await;
    let first = env
        .add_phase(
            &env.k,
            &plan_id,
            phase(PhaseKind::Horing, 1, date(2027, 2, 27), date(2027, 3, 21)),
        )
        .await;
    let rule = env
        .active_rule(plan_rule(json!(["oppstart", "horing"])))
        .await;

    let report = env
        .engine()
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("run");
    // Nora (499 m; also a follower, told once), Ivar (inside) and Fia (a follower 5 km away).
    assert_eq!(report.per_rule[&rule].matched, 3, "{report:?}");
    assert_eq!(report.created(), 3);

    deliver_inbox(&env).await;
    let nora = inbox(&env, &near.pid).await;
    assert_eq!(nora.len(), 1);
    assert_eq!(nora[0].occurrence, format!("plan-phase:{}", first.0));
    assert_eq!(nora[0].category, "plan");
    assert_eq!(
        nora[0].content["nb"]["title"],
        "Planforslag nær deg: Torget sentrum"
    );
    let hearing = label(PhaseKind::Horing, 1);
    assert_eq!(
        nora[0].content["nb"]["body"],
        format!("{hearing} – du kan gi innspill til og med 21. mars 2027 (2025-7, 20 dager).")
    );
    assert_eq!(
        nora[0].content["en"]["body"],
        "Comments until 21 March 2027."
    );
    assert_eq!(inbox(&env, &follower.pid).await.len(), 1);
    assert_eq!(inbox(&env, &inside.pid).await.len(), 1);
    for (who, why) in [
        (&far, "501 m away"),
        (&child, "a child"),
        (&leaving, "moved out"),
    ] {
        assert!(inbox(&env, &who.pid).await.is_empty(), "{why}");
    }

    // Evaluated again the same day and the next: nothing new.
    assert_eq!(env.created_on(today()).await, 0);
    let tomorrow = today() + 1.day();
    assert_eq!(env.created_on(tomorrow).await, 0);
    // Someone moving in next to the plan while the phase is open is told on a later day.
    let newcomer = at(person("Ny", date(1990, 6, 6), 0, "1384", &[]), MIDDLE);
    env.change(3, RegisterEventKind::MovedIn, &newcomer).await;
    assert_eq!(env.created_on(tomorrow).await, 1);
    assert_eq!(env.created_on(tomorrow + 1.day()).await, 0);

    // A second hearing of a revised proposal is told again, once, at once.
    let second = env
        .add_phase(
            &env.k,
            &plan_id,
            phase(PhaseKind::Horing, 2, tomorrow, date(2027, 4, 12)),
        )
        .await;
    let at_tomorrow = now().checked_add(24.hours()).expect("a time");
    let engine = env.engine();
    let told = engine
        .notify_plan_phase(&env.k, second, at_tomorrow)
        .await
        .expect("notify");
    assert_eq!(told, 4, "Nora, Ivar, Fia and the newcomer");
    assert_eq!(
        engine
            .notify_plan_phase(&env.k, second, at_tomorrow)
            .await
            .expect("again"),
        0
    );
    assert_eq!(env.created_on(tomorrow + 1.day()).await, 0);
    assert_eq!(env.created(rule).await, 8);
    deliver_inbox_at(&env, at_tomorrow).await;
    let nora = inbox(&env, &near.pid).await;
    assert_eq!(nora.len(), 2);
    let bodies: Vec<&str> = nora
        .iter()
        .filter_map(|n| n.content["nb"]["body"].as_str())
        .collect();
    let revised = label(PhaseKind::Horing, 2);
    assert!(
        bodies
            .iter()
            .any(|b| b.starts_with(&revised) && b.contains("12. april 2027")),
        "{bodies:?}"
    );
    assert!(inbox(&env, &far.pid).await.is_empty(), "still too far away");
}

async fn closed_upcoming_foreign_and_other_kinds_tell_nobody(env: TestEnv) {
    let inger = at(person("Inger", date(1970, 2, 2), 0, "1384", &[]), MIDDLE);
    env.load(std::slice::from_ref(&inger), 1).await;
    let plan_id = env
        .add_plan(&env.k, plan("2026-1", "Nytt boligfelt", Some(area())))
        .await;
    let tomorrow = today() + 1.day();
    let upcoming = env
        .add_phase(
            &env.k,
            &plan_id,
            phase(PhaseKind::Horing, 1, tomorrow, date(2027, 4, 1)),
        )
        .await;
    let closed = env
        .add_phase(
            &env.k,
            &plan_id,
            phase(PhaseKind::Oppstart, 1, date(2027, 1, 1), today() - 1.day()),
        )
        .await;
    let decision = env
        .add_phase(
            &env.k,
            &plan_id,
            phase(PhaseKind::Vedtak, 1, today(), date(2027, 3, 22)),
        )
        .await;
    // Another municipality's plan with the same id and area, and an open hearing.
    let baerum = Kommunenummer::parse("3201").expect("Bærum");
    env.store
        .upsert_tenant(&baerum, "Bærum", now())
        .await
        .expect("tenant");
    let foreign_plan = env
        .add_plan(&baerum, plan("2026-1", "Naboplan", Some(area())))
        .await;
    let foreign = env
        .add_phase(
            &baerum,
            &foreign_plan,
            phase(PhaseKind::Horing, 1, today(), date(2027, 3, 31)),
        )
        .await;
    let hearings = env
        .active_rule(plan_rule(json!(["oppstart", "horing"])))
        .await;

    assert_eq!(env.created_on(today()).await, 0);
    let engine = env.engine();
    for (id, why) in [(upcoming, "not open yet"), (closed, "closed")] {
        let told = engine
            .notify_plan_phase(&env.k, id, now())
            .await
            .expect("notify");
        assert_eq!(told, 0, "{why}");
    }
    let err = engine
        .notify_plan_phase(&env.k, foreign, now())
        .await
        .expect_err("another municipality's phase");
    assert!(
        matches!(err, NoticesError::Store(StoreError::NotFound)),
        "{err:?}"
    );
    assert_eq!(
        engine
            .notify_plan_phase(&env.k, decision, now())
            .await
            .expect("notify"),
        0,
        "the rule is not about decisions"
    );

    // A rule about every kind tells about the decision.
    let every = env.active_rule(plan_rule(json!([]))).await;
    assert_eq!(env.created_on(today()).await, 1);
    deliver_inbox(&env).await;
    let notices = inbox(&env, &inger.pid).await;
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].occurrence, format!("plan-phase:{}", decision.0));
    assert_eq!(env.created(every).await, 1);
    // The next day the hearing opens: both rules tell about it.
    assert_eq!(env.created_on(tomorrow).await, 2);
    assert_eq!(env.created(hearings).await, 1);
}

async fn plans_without_an_area_tell_followers_and_previews_count_them(env: TestEnv) {
    let fan = at(
        person("Fanny", date(1975, 3, 3), 0, "1384", &[]),
        (10.2, 59.7),
    );
    let bystander = at(person("Bent", date(1975, 3, 4), 0, "1384", &[]), MIDDLE);
    let resting = at(person("Rita", date(1975, 3, 5), 0, "1384", &[]), MIDDLE);
    env.load(&[fan.clone(), bystander.clone(), resting.clone()], 1)
        .await;
    let resting_id = env.facts(&resting.pid).await.id;
    let prefs = NoticePreferences {
        opted_out: vec!["plan".into()],
        ..NoticePreferences::all()
    };
    env.store
        .set_preferences(&env.k, resting_id, &prefs, now())
        .await
        .expect("prefs");
    let without = env
        .add_plan(&env.k, plan("2026-9", "Kommuneplanens arealdel", None))
        .await;
    let with = env
        .add_plan(&env.k, plan("2026-10", "Skolevei", Some(area())))
        .await;
    env.follow(&without, &fan).await;
    for plan_id in [&without, &with] {
        env.add_phase(
            &env.k,
            plan_id,
            phase(PhaseKind::Oppstart, 1, today(), date(2027, 3, 31)),
        )
        .await;
    }
    let draft: RuleDraft = serde_json::from_value(plan_rule(json!(["oppstart"]))).expect("draft");
    let valid = validate(&draft).expect("valid");
    let engine = env.engine();

    let preview = engine
        .preview(&env.k, &valid, now())
        .await
        .expect("preview");
    // Fanny (follower of the plan without area) and Bent (in the other plan's area); Rita
    // opted out of the category.
    assert_eq!(preview.count, 2, "{preview:?}");
    assert!(
        preview.basis.contains("phases open: 2"),
        "{}",
        preview.basis
    );
    assert_eq!(preview.samples.len(), 2);

    let rule = env.active_rule(plan_rule(json!(["oppstart"]))).await;
    let report = engine
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("run");
    assert_eq!(report.per_rule[&rule].created, 2, "{report:?}");
    assert_eq!(report.per_rule[&rule].opted_out, 1);
    deliver_inbox(&env).await;
    let fanny = inbox(&env, &fan.pid).await;
    assert_eq!(fanny.len(), 1);
    assert_eq!(
        fanny[0].content["nb"]["title"],
        "Planforslag nær deg: Kommuneplanens arealdel"
    );
    assert_eq!(inbox(&env, &bystander.pid).await.len(), 1);
    assert!(inbox(&env, &resting.pid).await.is_empty());
}
