//! Campaigns and previews.

use jiff::civil::date;
use minside_notices::{NoticesError, RuleDraft, validate};
use minside_store::{RegisterEventKind, RuleStatus};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{TestEnv, now, person, today};

on_both_backends!(
    campaigns_reach_each_resident_once,
    previews_count_what_a_run_creates_and_create_nothing,
);

fn valid(draft: Value) -> minside_notices::ValidRule {
    let draft: RuleDraft = serde_json::from_value(draft).expect("a draft");
    validate(&draft).expect("valid")
}

async fn campaigns_reach_each_resident_once(env: TestEnv) {
    let adult = person("Ada", date(1980, 8, 8), 0, "1384", &[]);
    let child = person("Carl", date(2021, 8, 8), 0, "1384", &[&adult.pid]);
    let mut people = vec![adult, child];
    env.load(&people, 1).await;
    let draft = json!({
        "name": "Valg", "category": "valg",
        "trigger": {"kind": "campaign"},
        "audience": "resident.age >= 18",
        "content": {"nb": {"title": "Husk valget", "body": "Hei {{resident.given_name}}"}}
    });
    let rule = env.active_rule(draft.clone()).await;
    let engine = env.engine();
    let first = engine.run_campaign(&env.k, rule, now()).await.expect("run");
    assert_eq!(first.per_rule[&rule].matched, 1);
    assert_eq!(first.created(), 1);
    let again = engine
        .run_campaign(&env.k, rule, now())
        .await
        .expect("again");
    assert_eq!(again.created(), 0);

    people.push(person("Nils", date(1975, 2, 2), 0, "1384", &[]));
    env.load(&people, 2).await;
    let third = engine
        .run_campaign(&env.k, rule, now())
        .await
        .expect("third");
    assert_eq!(third.created(), 1, "only the newcomer");
    assert_eq!(env.created(rule).await, 2);

    // Only an active campaign runs.
    let stored = env
        .store
        .create_rule(&env.k, valid(draft).to_fields(), "cw", now())
        .await;
    let draft_rule = stored.expect("create").id;
    let err = engine
        .run_campaign(&env.k, draft_rule, now())
        .await
        .expect_err("a draft");
    assert!(matches!(err, NoticesError::NotApplicable(_)), "{err}");
    let age = env
        .active_rule(json!({
            "name": "Pensjon", "category": "pensjon",
            "trigger": {"kind": "age", "of": "resident", "years": 67},
            "content": {"nb": {"title": "t", "body": "b"}}
        }))
        .await;
    let err = engine
        .run_campaign(&env.k, age, now())
        .await
        .expect_err("not a campaign");
    assert!(matches!(err, NoticesError::NotApplicable(_)), "{err}");
    env.store
        .set_rule_status(&env.k, rule, 2, RuleStatus::Paused, "cw", now())
        .await
        .expect("pause");
    assert!(
        engine.run_campaign(&env.k, rule, now()).await.is_err(),
        "paused"
    );
}

async fn previews_count_what_a_run_creates_and_create_nothing(env: TestEnv) {
    let parent = person("Yngve", date(1992, 4, 4), 0, "1384", &[]);
    let other = person("Åse", date(1960, 3, 1), 0, "1385", &[]);
    let toddler = person("Tore", date(2024, 1, 1), 0, "1384", &[&parent.pid]);
    let baby = person(
        "Bo",
        date(2026, 3, 1),
        0,
        "1384",
        &[&parent.pid, &other.pid],
    );
    env.load(&[parent, other, toddler, baby.clone()], 1).await;
    let engine = env.engine();

    let deadline = json!({
        "name": "Barnehagesøknad", "category": "barnehage",
        "trigger": {"kind": "before_date", "date": {"fixed": "2027-03-10"}, "days_before": 14},
        "audience": "resident.children.exists(c, c.age < 6)",
        "content": {"nb": {"title": "Søk", "body": "Søk"}}
    });
    let preview = engine
        .preview(&env.k, &valid(deadline.clone()), now())
        .await
        .expect("preview");
    assert_eq!(preview.count, 2, "{preview:?}");
    assert_eq!(preview.audience_errors, 0);
    assert!(preview.basis.contains("2027-02-24"), "{}", preview.basis);
    let mut samples: Vec<_> = preview
        .samples
        .iter()
        .map(|s| (s.initial.clone(), s.age, s.postcode.clone()))
        .collect();
    samples.sort();
    assert_eq!(
        samples,
        [
            ("Y.".to_owned(), Some(34), Some("1384".to_owned())),
            ("Å.".to_owned(), Some(67), Some("1385".to_owned())),
        ]
    );
    assert_eq!(
        env.store
            .list_rules(&env.k, true)
            .await
            .expect("rules")
            .len(),
        0
    );
    let rule = env.active_rule(deadline).await;
    assert_eq!(env.created(rule).await, 0, "the preview created nothing");
    let run = engine
        .evaluate_day(&env.k, today(), now())
        .await
        .expect("run");
    assert_eq!(run.created(), preview.count);

    let child_age = valid(json!({
        "name": "Ettåring", "category": "barnehage",
        "trigger": {"kind": "age", "of": "child", "years": 1},
        "content": {"nb": {"title": "{{child.given_name}} er 1", "body": "b"}}
    }));
    let preview = engine
        .preview(&env.k, &child_age, now())
        .await
        .expect("preview");
    assert_eq!(preview.count, 2, "both guardians of the baby: {preview:?}");

    let resident_age = valid(json!({
        "name": "Pensjon", "category": "pensjon",
        "trigger": {"kind": "age", "of": "resident", "years": 67},
        "audience": "resident.postcode == '1385'",
        "content": {"nb": {"title": "t", "body": "b"}}
    }));
    let preview = engine
        .preview(&env.k, &resident_age, now())
        .await
        .expect("preview");
    assert_eq!(preview.count, 1);
    assert_eq!(preview.samples[0].initial, "Å.");

    env.change(
        2,
        RegisterEventKind::MovedIn,
        &person("Ny", date(1990, 9, 9), 0, "1384", &[]),
    )
    .await;
    let moved = valid(json!({
        "name": "Velkommen", "category": "velkommen",
        "trigger": {"kind": "life_event", "event": "moved_in", "who": "resident"},
        "content": {"nb": {"title": "t", "body": "b"}}
    }));
    let preview = engine
        .preview(&env.k, &moved, now())
        .await
        .expect("preview");
    assert_eq!(preview.count, 1);
    assert_eq!(preview.samples[0].initial, "N.");

    let passed = valid(json!({
        "name": "Gammel", "category": "x",
        "trigger": {"kind": "before_date", "date": {"fixed": "2027-01-01"}},
        "content": {"nb": {"title": "t", "body": "b"}}
    }));
    let preview = engine
        .preview(&env.k, &passed, now())
        .await
        .expect("preview");
    assert_eq!(preview.count, 0);
    assert_eq!(preview.basis, "the deadline has passed");
}
