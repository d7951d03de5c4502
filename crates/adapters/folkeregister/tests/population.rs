//! The population source: snapshot by bulk lookups, and the feed with paging, filtering to the
//! municipality and the read pointer.

mod common;

use std::sync::Arc;

use common::{Env, asker, date, kommune, pid};
use minside_adapter::{Adapter, PopulationEventKind as K, PopulationSource};
use minside_adapter_folkeregister::testing::FregPerson;
use minside_adapter_folkeregister::{InMemoryReadPointer, ReadPointer, StaticRoster};

#[tokio::test]
async fn a_snapshot_holds_the_roster_members_living_in_the_municipality() {
    let env = Env::start().await;
    let (mor, far, barn, oslo, ukjent, doed) = (
        pid("1980-03-01"),
        pid("1979-08-15"),
        pid("2015-11-20"),
        pid("1990-01-01"),
        pid("1991-01-01"),
        pid("1930-01-01"),
    );
    env.freg
        .put_person(&FregPerson::new(&mor, "INGRID", "BERG").lives_in("3203", date("2016-01-01")));
    env.freg
        .put_person(&FregPerson::new(&far, "JON", "BERG").lives_in("3203", date("2016-01-01")));
    env.freg.put_person(
        &FregPerson::new(&barn, "LIV", "BERG")
            .lives_in("3203", date("2016-01-01"))
            .guardians(&[mor.clone(), far.clone()]),
    );
    env.freg
        .put_person(&FregPerson::new(&oslo, "OLE", "OSLO").lives_in("0301", date("2010-01-01")));
    env.freg.put_person(
        &FregPerson::new(&doed, "GAMLE", "ERIK")
            .lives_in("3203", date("1960-01-01"))
            .died(date("2025-01-05")),
    );
    let roster = StaticRoster::new().with(
        asker(),
        vec![
            mor.clone(),
            far.clone(),
            barn.clone(),
            oslo.clone(),
            ukjent,
            doed.clone(),
        ],
    );
    let adapter = env.adapter().with_roster(Arc::new(roster));
    let population = adapter.population().expect("a population source");

    let snapshot = population.snapshot(&asker()).await.expect("snapshot");
    assert_eq!(snapshot.sequence, 0);
    let mut people: Vec<_> = snapshot.people.iter().map(|p| p.pid.clone()).collect();
    people.sort_by(|a, b| a.expose().cmp(b.expose()));
    let mut expected = vec![mor.clone(), far.clone(), barn.clone(), doed.clone()];
    expected.sort_by(|a, b| a.expose().cmp(b.expose()));
    assert_eq!(people, expected);
    assert_eq!(
        env.freg.last_parts(),
        [
            "navn",
            "foedsel",
            "bostedsadresse",
            "foreldreansvar",
            "doedsfall",
            "status"
        ]
    );

    let child = snapshot
        .people
        .iter()
        .find(|p| p.pid == barn)
        .expect("child");
    assert_eq!(child.guardians, vec![mor, far]);
    assert_eq!(child.given_name, "LIV");
    assert_eq!(child.family_name, "BERG");
    assert_eq!(child.birth_date, date("2015-11-20"));
    let address = child.address.as_ref().expect("address");
    assert_eq!(address.kommunenummer, asker());
    assert_eq!(
        (address.street.as_str(), address.postcode.as_str()),
        ("Testveien 1", "1384")
    );
    assert_eq!(child.moved_in, Some(date("2016-01-01")));
    assert!(!child.dead);
    assert!(
        snapshot
            .people
            .iter()
            .find(|p| p.pid == doed)
            .expect("dead person")
            .dead
    );
}

#[tokio::test]
async fn bulk_lookups_go_in_batches_of_1000() {
    let env = Env::start().await;
    let start = date("1950-01-01");
    let pids: Vec<_> = (0..1001)
        .map(|i| {
            pid(&start
                .checked_add(jiff::Span::new().days(i))
                .expect("date")
                .to_string())
        })
        .collect();
    env.freg.put_person(
        &FregPerson::new(&pids[1000], "SIST", "I LISTA").lives_in("3203", date("2000-01-01")),
    );
    let adapter = env
        .adapter()
        .with_roster(Arc::new(StaticRoster::new().with(asker(), pids)));
    let snapshot = adapter.snapshot(&asker()).await.expect("snapshot");
    assert_eq!(snapshot.people.len(), 1);
    assert_eq!(env.freg.requests(), 2);
}

/// Fills the feed with one event of every relevant kind for Asker, and some noise.
fn fill_feed(env: &Env) -> Vec<(u64, K)> {
    let f = &env.freg;
    let within = pid("1981-01-01");
    f.put_person(
        &FregPerson::new(&within, "A", "FLYTTER")
            .lives_in("3203", date("2010-01-01"))
            .lives_in("3203", date("2025-03-01")),
    );
    let into = pid("1982-01-01");
    f.put_person(
        &FregPerson::new(&into, "B", "INN")
            .lives_in("0301", date("2010-01-01"))
            .lives_in("3203", date("2025-03-01")),
    );
    let out = pid("1983-01-01");
    f.put_person(
        &FregPerson::new(&out, "C", "UT")
            .lives_in("3203", date("2010-01-01"))
            .lives_in("0301", date("2025-03-01")),
    );
    let abroad = pid("1984-01-01");
    f.put_person(
        &FregPerson::new(&abroad, "D", "UTLAND")
            .lives_in("3203", date("2010-01-01"))
            .emigrated(),
    );
    let oslo = pid("1985-01-01");
    f.put_person(
        &FregPerson::new(&oslo, "E", "OSLO")
            .lives_in("0301", date("2010-01-01"))
            .lives_in("0301", date("2025-03-01")),
    );
    let baby = pid("2025-03-01");
    f.put_person(
        &FregPerson::new(&baby, "F", "BABY")
            .lives_in("3203", date("2025-03-01"))
            .guardians(std::slice::from_ref(&into)),
    );
    let dead = pid("1930-02-02");
    f.put_person(
        &FregPerson::new(&dead, "G", "DOED")
            .lives_in("3203", date("1970-01-01"))
            .died(date("2025-03-02")),
    );

    let mut expected = vec![(
        f.push_event(&within, "endringIBostedsadresse"),
        K::AddressChanged,
    )];
    f.push_event(&oslo, "endringIBostedsadresse");
    f.push_event(&within, "endringISivilstand");
    expected.push((f.push_event(&into, "endringIBostedsadresse"), K::MovedIn));
    expected.push((f.push_event(&out, "endringIBostedsadresse"), K::MovedOut));
    f.skip_sequence(10);
    expected.push((f.push_event(&baby, "endringIFoedselINorge"), K::Birth));
    expected.push((f.push_event(&dead, "personErDoed"), K::Death));
    expected.push((
        f.push_event(&baby, "endringIForeldreansvar"),
        K::ParentalResponsibilityChanged,
    ));
    expected.push((f.push_event(&within, "endringINavn"), K::NameChanged));
    expected.push((f.push_event(&abroad, "endringIUtflytting"), K::MovedOut));
    f.push_event(&oslo, "endringINavn");
    expected
}

#[tokio::test]
async fn the_feed_is_paged_and_filtered_to_the_municipality() {
    let env = Env::start().await;
    let expected = fill_feed(&env);
    env.freg.set_page_size(3);
    let mut cfg = env.config();
    cfg.feed_page_size = 3;
    let adapter = env.adapter_with(cfg.clone());

    let events = adapter.changes(&asker(), 0, 100).await.expect("changes");
    let got: Vec<_> = events.iter().map(|e| (e.sequence, e.kind)).collect();
    assert_eq!(got, expected);
    assert_eq!(env.freg.feed_reads(), [1, 4, 17, 20]);
    assert!(env.freg.last_parts().contains(&"historikk".to_owned()));

    let moved_in = &events[1];
    assert_eq!(
        moved_in.person.address.as_ref().map(|a| a.kommunenummer),
        Some(asker())
    );
    assert_eq!(moved_in.occurred, date("2025-03-14"));
    let moved_out = &events[2];
    assert_eq!(
        moved_out.person.address.as_ref().map(|a| a.kommunenummer),
        Some(kommune("0301"))
    );
    let abroad = events.last().expect("events");
    assert_eq!(abroad.person.address, None);
    assert!(events[4].person.dead);

    // Oslo sees only its own: a move within, one out, one in, and a name change.
    let oslo: Vec<_> = env
        .adapter_with(cfg)
        .changes(&kommune("0301"), 0, 100)
        .await
        .expect("changes")
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        oslo,
        [K::AddressChanged, K::MovedOut, K::MovedIn, K::NameChanged]
    );
}

#[tokio::test]
async fn limit_and_acknowledgement_drive_the_read_pointer() {
    let env = Env::start().await;
    let expected = fill_feed(&env);
    let pointer = Arc::new(InMemoryReadPointer::new());
    let adapter = env.adapter().with_read_pointer(pointer.clone());

    let first = adapter.changes(&asker(), 0, 2).await.expect("changes");
    assert_eq!(
        first.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [expected[0].0, expected[1].0]
    );
    // Nothing is skipped until acknowledged: a caller that failed asks again and gets the same.
    let again = adapter.changes(&asker(), 0, 2).await.expect("changes");
    assert_eq!(
        again.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [expected[0].0, expected[1].0]
    );

    let next = adapter
        .changes(&asker(), first[1].sequence, 2)
        .await
        .expect("changes");
    assert_eq!(
        next.iter().map(|e| e.sequence).collect::<Vec<_>>(),
        [expected[2].0, expected[3].0]
    );
    // The events before the first one handed out were acknowledged or irrelevant.
    assert_eq!(
        adapter.read_pointer(&asker()).await.expect("load"),
        Some(expected[2].0 - 1)
    );

    let last = expected.last().expect("events").0;
    let rest = adapter
        .changes(&asker(), next[1].sequence, 100)
        .await
        .expect("changes");
    assert_eq!(rest.last().map(|e| e.sequence), Some(last));
    let none = adapter.changes(&asker(), last, 100).await.expect("changes");
    assert!(none.is_empty());
    // All read and nothing pending: the pointer moves past the trailing noise.
    assert_eq!(pointer.load(&asker()).await.expect("load"), Some(last + 1));
    assert!(
        adapter
            .changes(&asker(), 0, 0)
            .await
            .expect("limit 0")
            .is_empty()
    );
}

#[tokio::test]
async fn the_read_pointer_skips_irrelevant_stretches_and_survives_a_new_adapter() {
    let env = Env::start().await;
    let oslo = pid("1985-01-01");
    env.freg
        .put_person(&FregPerson::new(&oslo, "E", "OSLO").lives_in("0301", date("2010-01-01")));
    for _ in 0..10 {
        env.freg.push_event(&oslo, "endringINavn");
    }
    env.freg.set_page_size(3);
    let mut cfg = env.config();
    cfg.feed_page_size = 3;
    cfg.feed_max_pages_per_call = 2;
    let pointer: Arc<dyn ReadPointer> = Arc::new(InMemoryReadPointer::new());
    let adapter = env
        .adapter_with(cfg.clone())
        .with_read_pointer(pointer.clone());

    assert!(
        adapter
            .changes(&asker(), 0, 10)
            .await
            .expect("changes")
            .is_empty()
    );
    assert_eq!(
        adapter.read_pointer(&asker()).await.expect("load"),
        Some(6),
        "two pages read"
    );
    assert!(
        adapter
            .changes(&asker(), 0, 10)
            .await
            .expect("changes")
            .is_empty()
    );
    assert_eq!(
        adapter.read_pointer(&asker()).await.expect("load"),
        Some(10)
    );

    let neighbour = pid("1986-01-01");
    env.freg.put_person(
        &FregPerson::new(&neighbour, "H", "ASKER").lives_in("3203", date("2010-01-01")),
    );
    let seq = env.freg.push_event(&neighbour, "endringINavn");
    let restarted = env.adapter_with(cfg).with_read_pointer(pointer);
    let events = restarted.changes(&asker(), 0, 10).await.expect("changes");
    assert_eq!(events.iter().map(|e| e.sequence).collect::<Vec<_>>(), [seq]);
    assert_eq!(
        env.freg.feed_reads().last(),
        Some(&11),
        "reading resumed after the pointer"
    );
    // The other municipality's pointer is its own.
    assert_eq!(
        restarted
            .read_pointer(&kommune("0301"))
            .await
            .expect("load"),
        None
    );
}
