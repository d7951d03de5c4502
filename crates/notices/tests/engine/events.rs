//! Life-event triggers from the register's change feed.

use jiff::ToSpan;
use jiff::civil::date;
use minside_store::{RegisterChange, RegisterEventKind};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{SOURCE, TestEnv, deliver_inbox, inbox, now, person, today};

on_both_backends!(births_notify_the_guardians_and_moves_the_resident);

async fn births_notify_the_guardians_and_moves_the_resident(env: TestEnv) {
    let mother = person("Mona", date(1990, 1, 10), 0, "1384", &[]);
    let father = person("Frank", date(1989, 5, 5), 0, "1384", &[]);
    env.load(&[mother.clone(), father.clone()], 1).await;
    let birth = env
        .active_rule(json!({
            "name": "Ny baby", "category": "familie",
            "trigger": {"kind": "life_event", "event": "birth", "who": "guardians_of_child"},
            "content": {"nb": {"title": "Gratulerer med {{child.given_name}}",
                               "body": "Hilsen {{municipality}}"}}
        }))
        .await;
    let moved_in = env
        .active_rule(json!({
            "name": "Velkommen", "category": "velkommen",
            "trigger": {"kind": "life_event", "event": "moved_in", "who": "resident"},
            "audience": "resident.age >= 18",
            "content": {"nb": {"title": "Velkommen, {{resident.given_name}}", "body": "Hei"}}
        }))
        .await;
    let engine = env.engine();

    let baby = person(
        "Lille",
        today() - 1.day(),
        0,
        "1384",
        &[&mother.pid, &father.pid],
    );
    let adult = person("Ada", date(1980, 8, 8), 0, "1384", &[]);
    let child = person("Carl", date(2021, 8, 8), 0, "1384", &[&adult.pid]);
    env.change(2, RegisterEventKind::Birth, &baby).await;
    env.change(3, RegisterEventKind::MovedIn, &adult).await;
    env.change(4, RegisterEventKind::MovedIn, &child).await;
    env.change(5, RegisterEventKind::AddressChanged, &adult)
        .await;

    let report = engine.process_events(&env.k, now()).await.expect("events");
    assert_eq!(report.events, 4);
    assert_eq!(report.per_rule[&birth].created, 2, "{report:?}");
    assert_eq!(
        report.per_rule[&moved_in].matched, 1,
        "the child is not in the audience"
    );
    assert_eq!(report.per_rule[&moved_in].created, 1);

    deliver_inbox(&env).await;
    let baby_id = env.facts(&baby.pid).await.id;
    for parent in [&mother, &father] {
        let notices = inbox(&env, &parent.pid).await;
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].content["nb"]["title"], "Gratulerer med Lille");
        assert_eq!(notices[0].content["nb"]["body"], "Hilsen Asker");
        assert_eq!(notices[0].subject_id, baby_id);
        assert!(notices[0].occurrence.starts_with("event:"));
    }
    let ada = inbox(&env, &adult.pid).await;
    assert_eq!(ada.len(), 1);
    assert_eq!(ada[0].content["nb"]["title"], "Velkommen, Ada");

    // The pointer moved on: nothing is read twice, and only new events count.
    let again = engine.process_events(&env.k, now()).await.expect("again");
    assert_eq!(again.events, 0);
    assert_eq!(again.created(), 0);
    let newcomer = person("Nils", date(1975, 2, 2), 0, "1384", &[]);
    env.change(6, RegisterEventKind::MovedIn, &newcomer).await;
    // An event dated long ago (a late correction) is passed over.
    let stale = RegisterChange {
        sequence: 7,
        kind: RegisterEventKind::MovedIn,
        occurred: today() - 90.days(),
        person: person("Gammel", date(1950, 2, 2), 0, "1384", &[]),
    };
    env.store
        .apply_register_changes(&env.k, SOURCE, &[stale], now())
        .await
        .expect("stale change");
    let third = engine.process_events(&env.k, now()).await.expect("third");
    assert_eq!(third.events, 2);
    assert_eq!(third.per_rule[&moved_in].created, 1);
    assert_eq!(env.created(moved_in).await, 2);
    assert_eq!(env.created(birth).await, 2);

    // Replaying from the start (a lost pointer) creates nothing again.
    env.store
        .set_marker(&format!("engine:events:{}", env.k), "0", now())
        .await
        .expect("reset pointer");
    let replay = engine.process_events(&env.k, now()).await.expect("replay");
    assert_eq!(replay.events, 6);
    assert_eq!(replay.created(), 0);
}
