//! Date triggers: ages of residents and children, deadlines, opt-outs, rule status and
//! validity, two instances.

use jiff::ToSpan;
use jiff::civil::date;
use minside_store::{NoticePreferences, RuleStatus};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{TestEnv, deliver_inbox, inbox, now, person, today};

on_both_backends!(
    age_rules_notify_residents_reaching_the_age_once,
    child_age_rules_notify_each_guardian_about_each_child,
    before_date_rules_notify_the_audience_during_the_period_once,
    opt_outs_are_honoured_only_where_allowed,
    paused_and_expired_rules_do_nothing,
    two_instances_never_create_a_notice_twice,
);

fn content(title: &str, body: &str) -> serde_json::Value {
    json!({"nb": {"title": title, "body": body}, "en": {"title": "EN", "body": "EN"}})
}

async fn age_rules_notify_residents_reaching_the_age_once(env: TestEnv) {
    let today_67 = person("Anne", date(1960, 3, 1), 0, "1384", &[]);
    let caught_up = person("Bjørn", date(1960, 2, 25), 0, "1384", &[]);
    let too_long_ago = person("Cato", date(1960, 2, 20), 0, "1384", &[]);
    let tomorrow = person("Dina", date(1960, 3, 2), 0, "1384", &[]);
    let elsewhere = person("Eva", date(1960, 3, 1), 1, "3000", &[]);
    let leap_day = person("Frode", date(1960, 2, 29), 0, "1390", &[]);
    env.load(
        &[
            today_67.clone(),
            caught_up,
            too_long_ago,
            tomorrow,
            elsewhere.clone(),
            leap_day,
        ],
        1,
    )
    .await;
    let rule = env
        .active_rule(json!({
            "name": "Pensjon", "category": "pensjon",
            "trigger": {"kind": "age", "of": "resident", "years": 67},
            "audience": "resident.postcode.startsWith('13')",
            "content": content("Gratulerer, {{resident.given_name}}",
                               "Du er {{resident.age}} år. Hilsen {{municipality}}")
        }))
        .await;

    let report = env
        .engine()
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("run");
    assert_eq!(report.skipped, None);
    // Anne (today), Bjørn (4 days ago, caught up) and Frode (29 February: 1 March this year).
    assert_eq!(report.per_rule[&rule].matched, 3, "{report:?}");
    assert_eq!(report.created(), 3);
    assert_eq!(env.created(rule).await, 3);

    let again = env
        .engine()
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("rerun");
    assert_eq!(again.per_rule[&rule].matched, 3);
    assert_eq!(
        again.created(),
        0,
        "the same occurrence is never notified twice"
    );

    deliver_inbox(&env).await;
    let anne = inbox(&env, &today_67.pid).await;
    assert_eq!(anne.len(), 1);
    assert_eq!(anne[0].occurrence, "age:67y0m");
    assert_eq!(anne[0].subject_id, anne[0].recipient_id);
    assert_eq!(anne[0].category, "pensjon");
    assert_eq!(anne[0].content["nb"]["title"], "Gratulerer, Anne");
    assert_eq!(anne[0].content["nb"]["body"], "Du er 67 år. Hilsen Asker");
    assert_eq!(anne[0].content["en"]["title"], "EN");
    assert!(
        inbox(&env, &elsewhere.pid).await.is_empty(),
        "not in the audience"
    );
}

async fn child_age_rules_notify_each_guardian_about_each_child(env: TestEnv) {
    let mother = person("Mona", date(1990, 1, 10), 0, "1384", &[]);
    let father = person("Frank", date(1989, 5, 5), 0, "1384", &[]);
    let far_away = person("Fjern", date(1985, 7, 7), 0, "3000", &[]);
    let ola = person(
        "Ola",
        date(2026, 3, 1),
        0,
        "1384",
        &[&mother.pid, &father.pid],
    );
    let kari = person(
        "Kari",
        date(2026, 2, 27),
        0,
        "1384",
        &[&mother.pid, &far_away.pid],
    );
    let older = person("Per", date(2025, 3, 1), 0, "1384", &[&mother.pid]);
    env.load(
        &[
            mother.clone(),
            father.clone(),
            far_away.clone(),
            ola.clone(),
            kari.clone(),
            older,
        ],
        1,
    )
    .await;
    let rule = env
        .active_rule(json!({
            "name": "Barnehage", "category": "barnehage", "opt_out_allowed": true,
            "trigger": {"kind": "age", "of": "child", "years": 1},
            "audience": "resident.postcode == '1384' && child.age == 1",
            "content": content("{{child.given_name}} fyller {{child.age}}", "Hei {{resident.given_name}}")
        }))
        .await;
    let report = env
        .engine()
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("run");
    // Ola: mother and father; Kari: mother (her other guardian is not in the audience).
    assert_eq!(report.per_rule[&rule].matched, 3, "{report:?}");
    assert_eq!(report.created(), 3);
    deliver_inbox(&env).await;

    let mut mona = inbox(&env, &mother.pid).await;
    mona.sort_by(|a, b| {
        a.content["nb"]["title"]
            .as_str()
            .cmp(&b.content["nb"]["title"].as_str())
    });
    let ola_id = env.facts(&ola.pid).await.id;
    let kari_id = env.facts(&kari.pid).await.id;
    assert_eq!(mona.len(), 2);
    assert_eq!(mona[0].content["nb"]["title"], "Kari fyller 1");
    assert_eq!(mona[0].subject_id, kari_id);
    assert_eq!(mona[0].occurrence, format!("child:{}:age:1y0m", kari_id.0));
    assert_eq!(mona[1].content["nb"]["title"], "Ola fyller 1");
    assert_eq!(mona[1].content["nb"]["body"], "Hei Mona");
    assert_eq!(mona[1].subject_id, ola_id);
    let frank = inbox(&env, &father.pid).await;
    assert_eq!(frank.len(), 1);
    assert_eq!(frank[0].subject_id, ola_id);
    assert!(inbox(&env, &far_away.pid).await.is_empty());
    assert!(
        inbox(&env, &ola.pid).await.is_empty(),
        "the child is not notified"
    );
}

async fn before_date_rules_notify_the_audience_during_the_period_once(env: TestEnv) {
    let young_parent = person("Yngve", date(1992, 4, 4), 0, "1384", &[]);
    let older_parent = person("Olga", date(1980, 4, 4), 0, "1384", &[]);
    let single = person("Siri", date(1995, 4, 4), 0, "1384", &[]);
    let toddler = person("Tore", date(2024, 1, 1), 0, "1384", &[&young_parent.pid]);
    let pupil = person("Pia", date(2018, 1, 1), 0, "1384", &[&older_parent.pid]);
    let mut people = vec![young_parent.clone(), older_parent, single, toddler, pupil];
    env.load(&people, 1).await;
    let rule = env
        .active_rule(json!({
            "name": "Barnehagesøknad", "category": "barnehage",
            "trigger": {"kind": "before_date", "date": {"fixed": "2027-03-10"}, "days_before": 14},
            "audience": "resident.children.exists(c, c.age < 6)",
            "content": {
                "nb": {"title": "Søk innen {{deadline}}", "body": "{{days_left}} dager igjen"},
                "en": {"title": "Apply by {{deadline}}", "body": "{{days_left}} days left"}
            }
        }))
        .await;
    let engine = env.engine();

    let early = engine
        .evaluate_day(&env.k, date(2027, 2, 23), now())
        .await
        .expect("early");
    assert_eq!(early.rules, 1);
    assert!(
        early.per_rule.is_empty(),
        "not due before 24 February: {early:?}"
    );
    assert_eq!(early.residents, 0, "no scan when nothing is due");

    let first = engine
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("first");
    assert_eq!(first.residents, 5, "the whole population is scanned");
    assert_eq!(first.created(), 1, "{first:?}");
    deliver_inbox(&env).await;
    let notice = &inbox(&env, &young_parent.pid).await[0];
    assert_eq!(notice.occurrence, "date:2027-03-10");
    assert_eq!(notice.content["nb"]["title"], "Søk innen 10. mars 2027");
    assert_eq!(notice.content["nb"]["body"], "9 dager igjen");
    assert_eq!(notice.content["en"]["title"], "Apply by 10 March 2027");

    // A family moving in during the period is notified the next day; nobody else again.
    let newcomer = person("Nina", date(1993, 6, 6), 0, "1384", &[]);
    let baby = person("Bo", date(2026, 6, 6), 0, "1384", &[&newcomer.pid]);
    people.extend([newcomer.clone(), baby]);
    env.load(&people, 2).await;
    let next = engine
        .evaluate_day(&env.k, today() + 1.day(), now())
        .await
        .expect("next");
    assert_eq!(next.per_rule[&rule].matched, 2);
    assert_eq!(next.created(), 1);
    assert_eq!(env.created(rule).await, 2);

    let after = engine
        .evaluate_day(&env.k, date(2027, 3, 11), now())
        .await
        .expect("after");
    assert!(after.per_rule.is_empty(), "past the deadline");
}

async fn opt_outs_are_honoured_only_where_allowed(env: TestEnv) {
    let keen = person("Kjell", date(1970, 1, 1), 0, "1384", &[]);
    let tired = person("Trine", date(1971, 1, 1), 0, "1384", &[]);
    env.load(&[keen, tired.clone()], 1).await;
    let tired_id = env.facts(&tired.pid).await.id;
    let prefs = NoticePreferences {
        opted_out: vec!["kultur".into()],
        ..NoticePreferences::all()
    };
    env.store
        .set_preferences(&env.k, tired_id, &prefs, now())
        .await
        .expect("prefs");
    let rule = |opt_out_allowed: bool| {
        json!({
            "name": "Kulturkveld", "category": "kultur", "opt_out_allowed": opt_out_allowed,
            "trigger": {"kind": "before_date", "date": {"annual": {"month": 3, "day": 5}},
                        "days_before": 7},
            "content": content("Kulturkveld {{deadline}}", "Velkommen")
        })
    };
    let optional = env.active_rule(rule(true)).await;
    let mandatory = env.active_rule(rule(false)).await;
    let report = env
        .engine()
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("run");
    assert_eq!(report.per_rule[&optional].matched, 2);
    assert_eq!(report.per_rule[&optional].opted_out, 1);
    assert_eq!(report.per_rule[&optional].created, 1);
    assert_eq!(report.per_rule[&mandatory].opted_out, 0);
    assert_eq!(report.per_rule[&mandatory].created, 2);
}

async fn paused_and_expired_rules_do_nothing(env: TestEnv) {
    env.load(&[person("Anne", date(1960, 3, 1), 0, "1384", &[])], 1)
        .await;
    let draft = |valid_to: &str| {
        json!({
            "name": "Pensjon", "category": "pensjon", "valid_to": valid_to,
            "trigger": {"kind": "age", "of": "resident", "years": 67},
            "content": content("Hei", "Hei")
        })
    };
    let paused = env.active_rule(draft("2030-01-01")).await;
    env.store
        .set_rule_status(&env.k, paused, 2, RuleStatus::Paused, "caseworker", now())
        .await
        .expect("pause");
    let expired = env.active_rule(draft("2027-02-28")).await;
    let report = env
        .engine()
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("run");
    assert_eq!(report.rules, 0);
    assert_eq!(report.created(), 0);
    assert_eq!(env.created(paused).await + env.created(expired).await, 0);
}

async fn two_instances_never_create_a_notice_twice(env: TestEnv) {
    let people: Vec<_> = (0..40u16)
        .map(|i| {
            person(
                "Navn",
                date(1950, 1, 1) + i64::from(i).days(),
                0,
                "1384",
                &[],
            )
        })
        .collect();
    env.load(&people, 1).await;
    let rule = env
        .active_rule(json!({
            "name": "Skatt", "category": "skatt",
            "trigger": {"kind": "before_date", "date": {"fixed": "2027-03-01"}, "days_before": 3},
            "content": content("Frist {{deadline}}", "Husk fristen")
        }))
        .await;
    let (a, b) = (env.engine_named("a"), env.engine_named("b"));
    let (ra, rb) = tokio::join!(
        a.evaluate_day(&env.k, today(), now()),
        b.evaluate_day(&env.k, today(), now())
    );
    let (ra, rb) = (ra.expect("a"), rb.expect("b"));
    assert_eq!(ra.created() + rb.created(), 40);
    assert!(
        ra.skipped.is_some() || rb.skipped.is_some(),
        "one instance holds the day's lease"
    );
    assert_eq!(env.created(rule).await, 40);
    let due = b
        .evaluate_day_if_due(&env.k, today(), now())
        .await
        .expect("due");
    assert_eq!(
        due.skipped.as_deref(),
        Some("this day was evaluated already")
    );
    assert_eq!(
        a.last_evaluated_day(&env.k).await.expect("marker"),
        Some(today())
    );

    // Two processes doing the whole work at once (as if both held the lease: the same
    // instance name): the store's unique key still creates each notice once.
    let second = env
        .active_rule(json!({
            "name": "Skatt 2", "category": "skatt",
            "trigger": {"kind": "before_date", "date": {"fixed": "2027-03-02"}, "days_before": 3},
            "content": content("Frist {{deadline}}", "Husk fristen")
        }))
        .await;
    let later = now() + 1.hour();
    let (c, d) = (env.engine_named("twin"), env.engine_named("twin"));
    let (rc, rd) = tokio::join!(
        c.evaluate_day(&env.k, today(), later),
        d.evaluate_day(&env.k, today(), later)
    );
    let (rc, rd) = (rc.expect("c"), rd.expect("d"));
    assert_eq!(rc.skipped, None);
    assert_eq!(rd.skipped, None);
    assert_eq!(rc.per_rule[&second].matched, 40);
    assert_eq!(rd.per_rule[&second].matched, 40);
    assert_eq!(rc.created() + rd.created(), 40, "{rc:?} {rd:?}");
    assert_eq!(env.created(second).await, 40);
    assert_eq!(env.created(rule).await, 40);
}
