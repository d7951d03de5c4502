//! Stories: the resident register mirror (full load, change feed with its pointer, facts with
//! children, date ranges, tenant isolation, all-or-nothing writes).
//!
//! A snapshot moves every other active resident of its tenant out, so each story has a tenant
//! of its own (the Buskerud municipalities 3301–3320), never one another story uses.

mod changes;
mod reads;

use jiff::civil::{Date, date};
use minside_core::{Kommunenummer, Pid};

pub use self::changes::{
    register_changes_move_die_born_and_guardians, register_failed_writes_leave_nothing,
    register_pointer_skips_applied_events,
};
pub use self::reads::{
    register_born_between_is_inclusive, register_facts_list_children_oldest_first,
    register_tenant_isolation,
};
use super::{kommune, minutes, random_pid, t0};
use crate::{
    RegisterAddress, RegisterEventKind, RegisterPerson, ResidentFacts, ResidentStatus, Store,
    StoreError,
};

/// The feed source every story uses.
const SOURCE: &str = "test-register";

/// Creates the story's tenant.
async fn tenant(store: &dyn Store, number: &str) -> Kommunenummer {
    let k = kommune(number);
    store
        .upsert_tenant(&k, k.name(), t0())
        .await
        .expect("upsert tenant");
    k
}

fn address(street: &str) -> RegisterAddress {
    RegisterAddress {
        street: street.to_owned(),
        postcode: "3015".to_owned(),
        city: "Drammen".to_owned(),
        point: Some((10.2045, 59.7441)),
    }
}

/// An active resident with a random identity number at `street`, moved in on 2015-08-01.
fn person(given: &str, born: Date, guardians: &[&RegisterPerson]) -> RegisterPerson {
    RegisterPerson {
        pid: random_pid(),
        given_name: given.to_owned(),
        family_name: "Berg".to_owned(),
        birth_date: born,
        address: Some(address("Bragernes torg 1")),
        moved_in: Some(date(2015, 8, 1)),
        status: ResidentStatus::Active,
        guardians: guardians.iter().map(|g| g.pid.clone()).collect(),
    }
}

async fn load(store: &dyn Store, k: &Kommunenummer, people: &[RegisterPerson], sequence: u64) {
    store
        .apply_register_snapshot(k, SOURCE, people, sequence, t0())
        .await
        .expect("apply snapshot");
}

/// Every active resident of `k`, through pages of `limit`.
async fn all_active(store: &dyn Store, k: &Kommunenummer, limit: u32) -> Vec<ResidentFacts> {
    let mut all: Vec<ResidentFacts> = Vec::new();
    loop {
        let after = all.last().map(|f| f.id);
        let page = store
            .resident_facts_page(k, after, limit)
            .await
            .expect("facts page");
        assert!(page.len() <= limit as usize, "a page holds at most limit");
        let done = page.len() < limit as usize;
        all.extend(page);
        if done {
            return all;
        }
    }
}

/// The facts of the resident with this identity number (any status).
async fn facts_of(store: &dyn Store, k: &Kommunenummer, pid: &Pid) -> ResidentFacts {
    let resident = store
        .find_resident_by_pid(k, pid)
        .await
        .expect("find resident")
        .expect("the resident is in the mirror");
    let mut facts = store
        .resident_facts(&[resident.id])
        .await
        .expect("resident facts");
    assert_eq!(facts.len(), 1, "one resident's facts");
    facts.remove(0)
}

/// A full load stores every person as the register has them (and no events: a load is not
/// news), sets the pointer, and feed events then change residents and are recorded in order.
pub async fn register_full_load_then_changes(store: &dyn Store) {
    let k = tenant(store, "3301").await;
    let mother = person("Ingrid", date(1985, 2, 14), &[]);
    let father = person("Per", date(1983, 7, 1), &[]);
    let child = person("Sara", date(2016, 5, 20), &[&mother, &father]);
    let mut single = person("Ola", date(1990, 12, 31), &[]);
    single.address = None;
    single.moved_in = None;
    let people = [
        mother.clone(),
        father.clone(),
        child.clone(),
        single.clone(),
    ];

    assert_eq!(store.register_pointer(&k, SOURCE).await.expect("ptr"), None);
    let stats = store
        .apply_register_snapshot(&k, SOURCE, &people, 10, t0())
        .await
        .expect("snapshot");
    assert_eq!((stats.upserted, stats.moved_out), (4, 0));
    assert_eq!(
        store.register_pointer(&k, SOURCE).await.expect("ptr"),
        Some(10)
    );
    assert!(
        store
            .register_events_after(&k, 0, 100)
            .await
            .expect("events")
            .is_empty(),
        "a full load records no events"
    );

    let all = all_active(store, &k, 100).await;
    assert_eq!(all.len(), 4);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id), "id order");
    let m = facts_of(store, &k, &mother.pid).await;
    assert_eq!(
        (m.given_name.as_str(), m.name.as_str()),
        ("Ingrid", "Ingrid Berg")
    );
    assert_eq!(m.kommunenummer, k);
    assert_eq!(m.birth_date, Some(date(1985, 2, 14)));
    assert_eq!(m.address, Some(address("Bragernes torg 1")));
    assert_eq!(m.moved_in, Some(date(2015, 8, 1)));
    assert_eq!(m.status, ResidentStatus::Active);
    assert_eq!(m.children.len(), 1);
    assert_eq!(m.children[0].given_name, "Sara");
    assert_eq!(m.children[0].birth_date, date(2016, 5, 20));
    let s = facts_of(store, &k, &single.pid).await;
    assert_eq!((s.address.clone(), s.moved_in), (None, None));
    assert!(s.children.is_empty());
    let kid = facts_of(store, &k, &child.pid).await;
    let guardians = store.guardians_of(kid.id).await.expect("guardians of");
    assert_eq!(
        guardians.len(),
        2,
        "the child's guardians are in the mirror"
    );

    let mut moved = single.clone();
    moved.address = Some(address("Tollbugata 7"));
    moved.moved_in = Some(date(2025, 2, 20));
    let mut renamed = father.clone();
    renamed.given_name = "Pål".to_owned();
    let changes = [
        change(11, RegisterEventKind::MovedIn, date(2025, 2, 20), &moved),
        change(
            12,
            RegisterEventKind::NameChanged,
            date(2025, 2, 25),
            &renamed,
        ),
    ];
    let later = t0() + minutes(5);
    store
        .apply_register_changes(&k, SOURCE, &changes, later)
        .await
        .expect("changes");
    assert_eq!(
        store.register_pointer(&k, SOURCE).await.expect("ptr"),
        Some(12)
    );
    let events = store
        .register_events_after(&k, 0, 100)
        .await
        .expect("events");
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [RegisterEventKind::MovedIn, RegisterEventKind::NameChanged]
    );
    assert!(events[0].id < events[1].id, "ids increase");
    assert_eq!(events[0].resident_id, s.id);
    assert_eq!(events[0].occurred, date(2025, 2, 20));
    assert_eq!((events[1].kommunenummer, events[1].recorded_at), (k, later));
    assert_eq!(
        store
            .register_events_after(&k, events[0].id, 100)
            .await
            .expect("events after the first"),
        events[1..]
    );
    let s = facts_of(store, &k, &single.pid).await;
    assert_eq!(s.address, Some(address("Tollbugata 7")));
    assert_eq!(s.moved_in, Some(date(2025, 2, 20)));
    let f = facts_of(store, &k, &father.pid).await;
    assert_eq!(
        (f.given_name.as_str(), f.name.as_str()),
        ("Pål", "Pål Berg")
    );
    assert_eq!(f.children.len(), 1, "a new name keeps the children");
}

fn change(
    sequence: u64,
    kind: RegisterEventKind,
    occurred: Date,
    person: &RegisterPerson,
) -> crate::RegisterChange {
    crate::RegisterChange {
        sequence,
        kind,
        occurred,
        person: person.clone(),
    }
}

/// A new snapshot moves the active residents missing from it out (also residents created by a
/// login), counts them once, and brings back a resident who is in it again. Re-applying the
/// same snapshot changes nothing.
pub async fn register_snapshot_moves_out_the_missing(store: &dyn Store) {
    let k = tenant(store, "3303").await;
    let a = person("Anne", date(1970, 1, 1), &[]);
    let b = person("Bjørn", date(1971, 1, 1), &[]);
    let c = person("Cecilie", date(1972, 1, 1), &[]);
    load(store, &k, &[a.clone(), b.clone()], 1).await;
    let visitor = store
        .upsert_resident(&k, &random_pid(), "Vera Vang", t0())
        .await
        .expect("a resident created by a login");

    let stats = store
        .apply_register_snapshot(&k, SOURCE, &[b.clone(), c.clone()], 2, t0() + minutes(1))
        .await
        .expect("second snapshot");
    assert_eq!((stats.upserted, stats.moved_out), (2, 2), "Anne and Vera");
    assert_eq!(
        facts_of(store, &k, &a.pid).await.status,
        ResidentStatus::MovedOut
    );
    let vera = store.resident_facts(&[visitor.id]).await.expect("facts");
    assert_eq!(vera[0].status, ResidentStatus::MovedOut);
    assert_eq!(
        (vera[0].given_name.as_str(), vera[0].birth_date),
        ("Vera", None)
    );
    let active: Vec<_> = all_active(store, &k, 10)
        .await
        .iter()
        .map(|f| f.given_name.clone())
        .collect();
    assert_eq!(active.len(), 2, "{active:?}");
    assert_eq!(
        store.register_pointer(&k, SOURCE).await.expect("ptr"),
        Some(2)
    );

    let b_before = store.find_resident_by_pid(&k, &b.pid).await.expect("find");
    let again = store
        .apply_register_snapshot(&k, SOURCE, &[b.clone(), c.clone()], 2, t0() + minutes(2))
        .await
        .expect("the same snapshot again");
    assert_eq!(
        (again.upserted, again.moved_out),
        (2, 0),
        "nobody is moved out twice"
    );
    let b_after = store.find_resident_by_pid(&k, &b.pid).await.expect("find");
    assert_eq!(b_after, b_before, "an unchanged resident is not rewritten");

    load(store, &k, &[a.clone(), b, c], 3).await;
    assert_eq!(
        facts_of(store, &k, &a.pid).await.status,
        ResidentStatus::Active
    );
}

/// Maps a store result to the constraint it names, for the refusal stories.
fn refused<T: std::fmt::Debug>(result: crate::Result<T>) -> String {
    match result {
        Err(StoreError::Invalid(name) | StoreError::Conflict(name)) => name,
        other => panic!("expected a refusal, got {other:?}"),
    }
}
