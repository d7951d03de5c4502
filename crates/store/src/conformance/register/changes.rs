//! Stories: the change feed (pointer, life events, guardianships) and writes that fail.

use jiff::civil::date;

use super::{SOURCE, address, change, facts_of, load, person, refused, tenant};
use crate::conformance::{minutes, stavanger, t0};
use crate::{RegisterEventKind, ResidentId, ResidentStatus, Store};

fn ids(residents: &[crate::Resident]) -> Vec<ResidentId> {
    residents.iter().map(|r| r.id).collect()
}

/// Events at or below the pointer are skipped: a page applied twice, or overlapping the last
/// one, records each event once and moves the pointer to the last event applied.
pub async fn register_pointer_skips_applied_events(store: &dyn Store) {
    let k = tenant(store, "3305").await;
    let a = person("Astrid", date(1960, 3, 3), &[]);
    load(store, &k, std::slice::from_ref(&a), 5).await;

    let mut moved = a.clone();
    moved.address = Some(address("Storgata 2"));
    let mut again = moved.clone();
    again.address = Some(address("Storgata 3"));
    let page = [
        change(
            6,
            RegisterEventKind::AddressChanged,
            date(2025, 3, 1),
            &moved,
        ),
        change(
            7,
            RegisterEventKind::AddressChanged,
            date(2025, 3, 2),
            &again,
        ),
    ];
    for round in 0..2 {
        store
            .apply_register_changes(&k, SOURCE, &page, t0() + minutes(round))
            .await
            .expect("apply page");
    }
    let events = store
        .register_events_after(&k, 0, 10)
        .await
        .expect("events");
    assert_eq!(events.len(), 2, "the second application changed nothing");
    assert_eq!(
        events[0].recorded_at,
        t0(),
        "recorded by the first application"
    );
    assert_eq!(
        store.register_pointer(&k, SOURCE).await.expect("ptr"),
        Some(7)
    );
    let a_facts = facts_of(store, &k, &a.pid).await;
    assert_eq!(a_facts.address, Some(address("Storgata 3")));

    // A page overlapping the applied ones: only event 8 is new. An older event (a replay from
    // before the pointer) does not undo the newer address.
    let mut third = again.clone();
    third.address = Some(address("Storgata 4"));
    let overlapping = [
        page[0].clone(),
        page[1].clone(),
        change(
            8,
            RegisterEventKind::AddressChanged,
            date(2025, 3, 3),
            &third,
        ),
    ];
    store
        .apply_register_changes(&k, SOURCE, &overlapping, t0() + minutes(5))
        .await
        .expect("overlapping page");
    let events = store
        .register_events_after(&k, 0, 10)
        .await
        .expect("events");
    assert_eq!(events.len(), 3);
    assert_eq!(
        store.register_pointer(&k, SOURCE).await.expect("ptr"),
        Some(8)
    );
    assert_eq!(
        facts_of(store, &k, &a.pid).await.address,
        Some(address("Storgata 4"))
    );
    let first_two = store.register_events_after(&k, 0, 2).await.expect("limit");
    assert_eq!(first_two, events[..2], "limit");
    store
        .apply_register_changes(&k, SOURCE, &[], t0() + minutes(6))
        .await
        .expect("an empty page");
    assert_eq!(
        store.register_pointer(&k, SOURCE).await.expect("ptr"),
        Some(8)
    );
    assert_eq!(
        store
            .register_pointer(&k, "another-source")
            .await
            .expect("ptr"),
        None,
        "one pointer per source"
    );
}

/// Moving out, death, a birth with guardians and a change of parental responsibility, as
/// the feed reports them.
pub async fn register_changes_move_die_born_and_guardians(store: &dyn Store) {
    let k = tenant(store, "3310").await;
    let mother = person("Hanne", date(1988, 4, 4), &[]);
    let father = person("Jon", date(1986, 6, 6), &[]);
    let elder = person("Liv", date(2014, 1, 10), &[&mother, &father]);
    load(
        store,
        &k,
        &[mother.clone(), father.clone(), elder.clone()],
        100,
    )
    .await;

    let baby = person("Mia", date(2025, 2, 27), &[&mother, &father]);
    let mut elder_now = elder.clone();
    elder_now.guardians = vec![mother.pid.clone()];
    let mut father_dead = father.clone();
    father_dead.status = ResidentStatus::Dead;
    let mut mother_gone = mother.clone();
    mother_gone.address = None;
    mother_gone.status = ResidentStatus::MovedOut;
    let feed = [
        change(101, RegisterEventKind::Birth, date(2025, 2, 27), &baby),
        change(
            102,
            RegisterEventKind::ParentalResponsibilityChanged,
            date(2025, 2, 28),
            &elder_now,
        ),
    ];
    store
        .apply_register_changes(&k, SOURCE, &feed, t0())
        .await
        .expect("birth and responsibility");
    let m = facts_of(store, &k, &mother.pid).await;
    let names: Vec<_> = m.children.iter().map(|c| c.given_name.as_str()).collect();
    assert_eq!(names, ["Liv", "Mia"], "oldest first");
    let f = facts_of(store, &k, &father.pid).await;
    let names: Vec<_> = f.children.iter().map(|c| c.given_name.as_str()).collect();
    assert_eq!(names, ["Mia"], "no longer responsible for Liv");
    let mia = facts_of(store, &k, &baby.pid).await;
    assert_eq!(mia.birth_date, Some(date(2025, 2, 27)));
    let mut both = vec![m.id, f.id];
    both.sort();
    assert_eq!(
        ids(&store.guardians_of(mia.id).await.expect("guardians")),
        both
    );

    let later = [
        change(
            103,
            RegisterEventKind::Death,
            date(2025, 3, 1),
            &father_dead,
        ),
        change(
            104,
            RegisterEventKind::MovedOut,
            date(2025, 3, 2),
            &mother_gone,
        ),
    ];
    store
        .apply_register_changes(&k, SOURCE, &later, t0() + minutes(1))
        .await
        .expect("death and moving out");
    assert_eq!(
        facts_of(store, &k, &father.pid).await.status,
        ResidentStatus::Dead
    );
    let m = facts_of(store, &k, &mother.pid).await;
    assert_eq!(
        (m.status, m.address.clone()),
        (ResidentStatus::MovedOut, None)
    );
    let active: Vec<_> = store
        .resident_facts_page(&k, None, 100)
        .await
        .expect("page")
        .into_iter()
        .map(|f| f.given_name)
        .collect();
    assert_eq!(active.len(), 2, "only the children are active: {active:?}");
    let events = store
        .register_events_after(&k, 0, 10)
        .await
        .expect("events");
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            RegisterEventKind::Birth,
            RegisterEventKind::ParentalResponsibilityChanged,
            RegisterEventKind::Death,
            RegisterEventKind::MovedOut,
        ]
    );
    assert_eq!(events[0].resident_id, mia.id);
    assert_eq!(events[2].resident_id, f.id);
    assert_eq!(
        store.register_pointer(&k, SOURCE).await.expect("ptr"),
        Some(104)
    );
}

/// A snapshot or page that fails part-way leaves the mirror, its guardianships, events and
/// pointer as they were: a person who is their own guardian, an invalid postcode, an unknown
/// tenant.
pub async fn register_failed_writes_leave_nothing(store: &dyn Store) {
    let k = tenant(store, "3312").await;
    let parent = person("Kjell", date(1970, 9, 9), &[]);
    let child = person("Nils", date(2012, 9, 9), &[&parent]);
    load(store, &k, &[parent.clone(), child.clone()], 1).await;

    let mut moved = parent.clone();
    moved.address = Some(address("Ny gate 1"));
    let newcomer = person("Oda", date(1999, 1, 1), &[]);
    let mut own_guardian = person("Pia", date(2015, 5, 5), &[]);
    own_guardian.guardians = vec![own_guardian.pid.clone(), parent.pid.clone()];
    let mut bad_postcode = person("Rolf", date(1950, 5, 5), &[]);
    bad_postcode.address = Some(crate::RegisterAddress {
        postcode: "30A5".into(),
        ..address("Gata 5")
    });
    let orphaned = {
        let mut c = child.clone();
        c.guardians.clear();
        c
    };
    for (broken, constraint) in [
        (own_guardian, "guardianships_not_self_check"),
        (bad_postcode, "residents_address_check"),
    ] {
        // Nils is left out (he would move out) and loses his guardian; Oda is new.
        let snapshot = [moved.clone(), newcomer.clone(), broken.clone()];
        let result = store
            .apply_register_snapshot(&k, SOURCE, &snapshot, 2, t0() + minutes(1))
            .await;
        assert_eq!(refused(result), constraint);
        let page = [
            change(
                2,
                RegisterEventKind::AddressChanged,
                date(2025, 3, 1),
                &moved,
            ),
            change(
                3,
                RegisterEventKind::ParentalResponsibilityChanged,
                date(2025, 3, 1),
                &orphaned,
            ),
            change(4, RegisterEventKind::MovedIn, date(2025, 3, 2), &broken),
        ];
        let result = store
            .apply_register_changes(&k, SOURCE, &page, t0() + minutes(1))
            .await;
        assert_eq!(refused(result), constraint);

        assert_eq!(
            store.register_pointer(&k, SOURCE).await.expect("ptr"),
            Some(1)
        );
        assert!(
            store
                .register_events_after(&k, 0, 10)
                .await
                .expect("events")
                .is_empty()
        );
        let p = facts_of(store, &k, &parent.pid).await;
        assert_eq!(p.address, Some(address("Bragernes torg 1")), "unchanged");
        assert_eq!(p.children.len(), 1, "Nils keeps his guardian");
        let c = facts_of(store, &k, &child.pid).await;
        assert_eq!(c.status, ResidentStatus::Active, "Nils did not move out");
        for absent in [&newcomer.pid, &broken.pid] {
            assert!(
                store
                    .find_resident_by_pid(&k, absent)
                    .await
                    .expect("find")
                    .is_none(),
                "nobody was added"
            );
        }
    }

    let mut unmapped = person("Siv", date(1980, 1, 1), &[]);
    unmapped.address = Some(crate::RegisterAddress {
        point: Some((f64::NAN, 59.0)),
        ..address("Gata 6")
    });
    let result = store
        .apply_register_snapshot(&k, SOURCE, &[unmapped], 2, t0())
        .await;
    assert_eq!(refused(result), "residents_point_check");

    let nowhere = stavanger();
    let stranger = person("Tor", date(1980, 1, 1), &[]);
    let result = store
        .apply_register_snapshot(&nowhere, SOURCE, &[stranger], 1, t0())
        .await;
    assert!(
        matches!(result, Err(crate::StoreError::Conflict(_))),
        "an unknown tenant: {result:?}"
    );
    assert_eq!(
        store.register_pointer(&nowhere, SOURCE).await.expect("ptr"),
        None
    );
}
