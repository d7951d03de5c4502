//! The population register's snapshot and change feed, directly and through the
//! `demo-folkeregister` adapter's `PopulationSource`.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;

use minside_adapter::{
    Adapter, AdapterError, Kommunenummer, PersonRecord, PopulationEvent, PopulationEventKind,
};
use minside_adapter_demo::{DEFAULT_REFERENCE_DATE, DemoMunicipality, DemoSettings, DemoSystems};

fn same(a: &[PopulationEvent], b: &[PopulationEvent]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            (x.sequence, x.kind, x.occurred, &x.person)
                == (y.sequence, y.kind, y.occurred, &y.person)
        })
}

fn assert_contiguous(events: &[PopulationEvent], first: u64) {
    for (event, expected) in events.iter().zip(first..) {
        assert_eq!(event.sequence, expected);
    }
    for pair in events.windows(2) {
        assert!(pair[0].occurred <= pair[1].occurred, "oldest first");
    }
}

#[test]
fn the_feed_starts_with_the_recent_history() {
    let town = DemoMunicipality::generate(3203, 2400);
    let history = town.changes(0, u32::MAX);
    assert!(history.len() >= 20, "{} events", history.len());
    assert_eq!(town.sequence(), history.len() as u64);
    assert_eq!(town.snapshot().sequence, town.sequence());
    assert_contiguous(&history, 1);
    let kinds: Vec<_> = history.iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&PopulationEventKind::Birth));
    assert!(kinds.contains(&PopulationEventKind::MovedIn));
    for event in &history {
        assert!(event.occurred <= DEFAULT_REFERENCE_DATE);
        assert_eq!(Some(&event.person), town.person(&event.person.pid).as_ref());
    }
}

#[test]
fn advancing_publishes_contiguous_events_that_pages_read_back() {
    let town = DemoMunicipality::generate(3203, 2400);
    let start = town.sequence();
    assert_eq!(town.advance(300), start + 300);
    let all = town.changes(0, u32::MAX);
    assert_eq!(all.len() as u64, start + 300);
    assert_contiguous(&all, 1);
    assert!(
        all[start as usize..]
            .iter()
            .all(|e| e.occurred > DEFAULT_REFERENCE_DATE)
    );

    // Paging with after/limit gives the same events.
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = town.changes(after, 37);
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 37);
        after = page.last().unwrap().sequence;
        paged.extend(page);
    }
    assert!(same(&paged, &all));
    assert!(town.changes(start + 300, 10).is_empty());

    let kinds: Vec<_> = all.iter().map(|e| e.kind).collect();
    for kind in [
        PopulationEventKind::Birth,
        PopulationEventKind::Death,
        PopulationEventKind::MovedIn,
        PopulationEventKind::MovedOut,
        PopulationEventKind::AddressChanged,
        PopulationEventKind::ParentalResponsibilityChanged,
    ] {
        assert!(kinds.contains(&kind), "{kind:?}");
    }
}

#[test]
fn the_feed_is_deterministic_however_it_is_advanced() {
    let a = DemoMunicipality::generate(11, 2000);
    let b = DemoMunicipality::generate(11, 2000);
    a.advance(60);
    for _ in 0..12 {
        b.advance(5);
    }
    assert!(same(&a.changes(0, u32::MAX), &b.changes(0, u32::MAX)));
    assert!(a == b);
    let c = DemoMunicipality::generate(12, 2000);
    c.advance(60);
    assert!(!same(&a.changes(0, u32::MAX), &c.changes(0, u32::MAX)));
}

#[test]
fn events_carry_the_state_the_register_then_has() {
    let town = DemoMunicipality::generate(3203, 2400);
    let start = town.sequence();
    town.advance(400);
    let events = town.changes(start, u32::MAX);
    let snapshot = town.snapshot();
    let living: HashSet<&str> = snapshot.people.iter().map(|p| p.pid.expose()).collect();
    let asker = Kommunenummer::parse("3203").unwrap();
    let in_asker = |p: &PersonRecord| p.address.as_ref().is_some_and(|a| a.kommunenummer == asker);
    for event in &events {
        let person = &event.person;
        match event.kind {
            PopulationEventKind::Birth => {
                assert_eq!(person.birth_date, event.occurred);
                assert!(!person.guardians.is_empty());
                assert!(town.index_of(&person.pid).unwrap() >= town.people().len());
            }
            PopulationEventKind::Death => assert!(person.dead),
            PopulationEventKind::MovedOut => assert!(!in_asker(person)),
            PopulationEventKind::MovedIn | PopulationEventKind::AddressChanged => {
                assert!(in_asker(person));
                assert_eq!(person.moved_in, Some(event.occurred));
            }
            PopulationEventKind::ParentalResponsibilityChanged => {
                assert!((1..=2).contains(&person.guardians.len()));
            }
            PopulationEventKind::NameChanged => {}
        }
    }
    // The snapshot has exactly the living residents of Asker, from the current state.
    for person in &snapshot.people {
        assert!(!person.dead && in_asker(person));
        assert_eq!(Some(person), town.person(&person.pid).as_ref());
    }
    for event in &events {
        let now = town.person(&event.person.pid).unwrap();
        assert_eq!(
            living.contains(now.pid.expose()),
            !now.dead && in_asker(&now)
        );
    }
    // The generated population itself does not change.
    assert_eq!(
        town.people(),
        DemoMunicipality::generate(3203, 2400).people()
    );
}

#[test]
fn the_showcase_residents_and_their_families_are_left_alone() {
    let town = DemoMunicipality::generate(3203, 2400);
    let before: Vec<PersonRecord> = (0..16).map(|i| town.person_at(i).unwrap()).collect();
    town.advance(1000);
    let after: Vec<PersonRecord> = (0..16).map(|i| town.person_at(i).unwrap()).collect();
    assert_eq!(before, after);
}

#[tokio::test]
async fn the_folkeregister_adapter_is_a_population_source() {
    let town = Arc::new(DemoMunicipality::generate(3203, 2000));
    let systems = DemoSystems::new(Arc::clone(&town), &DemoSettings::instant(3203, 2000));
    for system in systems.all().into_iter().skip(1) {
        assert!(system.population().is_none(), "{}", system.id());
    }
    let register = systems.folkeregister.population().expect("a register");
    let asker = town.kommunenummer();
    let snapshot = register.snapshot(&asker).await.unwrap();
    assert_eq!(snapshot.sequence, town.sequence());
    assert_eq!(snapshot.people.len(), town.snapshot().people.len());
    town.advance(10);
    let changes = register
        .changes(&asker, snapshot.sequence, 100)
        .await
        .unwrap();
    assert_eq!(changes.len(), 10);
    assert_eq!(changes[0].sequence, snapshot.sequence + 1);
    let oslo = Kommunenummer::parse("0301").unwrap();
    assert!(matches!(
        register.snapshot(&oslo).await,
        Err(AdapterError::NotFound)
    ));
    assert_eq!(systems.folkeregister.stats().calls_without_subject, 3);
}
