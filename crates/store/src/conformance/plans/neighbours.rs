//! Stories: who follows a plan, and the residents whose home lies near it.

use jiff::civil::date;
use minside_core::Kommunenummer;

use super::{kristiansund, new_plan, plan_fields, resident, tenant, volda};
use crate::conformance::{minutes, random_pid, random_text, t0};
use crate::{
    BoundingBox, RegisterAddress, RegisterChange, RegisterEventKind, RegisterPerson, ResidentId,
    ResidentStatus, Store, StoreError,
};

/// Following is idempotent both ways and needs the plan; followers come in id order, and only
/// residents of the plan's tenant may follow it.
pub async fn plan_following_is_idempotent(store: &dyn Store) {
    let k = kristiansund();
    let plan = new_plan(store, &k, &plan_fields("Kvernberget")).await;
    let id = plan.fields.plan_id.as_str();
    let mut people = Vec::new();
    for name in ["Kari Nordmann", "Ola Hansen", "Per Olsen"] {
        people.push(resident(store, &k, name).await.id);
    }
    let follow = |who: ResidentId, on: bool| async move {
        store
            .set_following(&k, id, who, on, t0() + minutes(1))
            .await
            .expect("set following");
    };

    assert!(store.followers(&k, id).await.expect("followers").is_empty());
    assert!(!store.is_following(&k, id, people[0]).await.expect("is"));
    for who in people.iter().rev() {
        follow(*who, true).await;
    }
    follow(people[0], true).await;
    assert!(store.is_following(&k, id, people[0]).await.expect("is"));
    let mut sorted = people.clone();
    sorted.sort();
    assert_eq!(
        store.followers(&k, id).await.expect("followers"),
        sorted,
        "once each, in id order"
    );

    follow(people[0], false).await;
    follow(people[0], false).await;
    assert!(!store.is_following(&k, id, people[0]).await.expect("is"));
    assert!(store.is_following(&k, id, people[1]).await.expect("is"));
    let rest: Vec<ResidentId> = sorted.into_iter().filter(|r| *r != people[0]).collect();
    assert_eq!(store.followers(&k, id).await.expect("followers"), rest);
    let other = new_plan(store, &k, &plan_fields("Vestbase")).await;
    store
        .set_following(&k, &other.fields.plan_id, people[1], true, t0())
        .await
        .expect("follow");
    let mut followed = vec![id.to_owned(), other.fields.plan_id.clone()];
    followed.sort();
    assert_eq!(
        store
            .plans_followed_by(&k, people[1])
            .await
            .expect("followed"),
        followed
    );
    assert!(
        store
            .plans_followed_by(&k, people[0])
            .await
            .expect("followed")
            .is_empty()
    );

    for on in [true, false] {
        assert!(matches!(
            store
                .set_following(&k, "no-such-plan", people[0], on, t0())
                .await,
            Err(StoreError::NotFound)
        ));
    }
    let outsider = resident(store, &volda(), "Nils Volda").await;
    assert!(
        matches!(
            store.set_following(&k, id, outsider.id, true, t0()).await,
            Err(StoreError::Conflict(_))
        ),
        "a resident of another tenant cannot follow the plan"
    );
    assert!(
        store
            .followers(&volda(), id)
            .await
            .expect("followers")
            .is_empty()
    );
    assert_eq!(store.followers(&k, id).await.expect("followers"), rest);
}

/// A person of the register living at `point` (lon, lat), or without a home point.
fn person(given: &str, point: Option<(f64, f64)>, status: ResidentStatus) -> RegisterPerson {
    RegisterPerson {
        pid: random_pid(),
        given_name: given.to_owned(),
        family_name: "Bakke".to_owned(),
        birth_date: date(1980, 6, 1),
        address: Some(RegisterAddress {
            street: "Storgata 1".to_owned(),
            postcode: "6100".to_owned(),
            city: "Volda".to_owned(),
            point,
        }),
        moved_in: Some(date(2010, 8, 1)),
        status,
        guardians: Vec::new(),
    }
}

/// The residents of `k` with these identity numbers, in id order.
async fn ids_of(
    store: &dyn Store,
    k: &Kommunenummer,
    people: &[&RegisterPerson],
) -> Vec<ResidentId> {
    let mut ids = Vec::new();
    for p in people {
        let found = store
            .find_resident_by_pid(k, &p.pid)
            .await
            .expect("find resident")
            .expect("in the mirror");
        ids.push(found.id);
    }
    ids.sort();
    ids
}

/// The active residents whose home point lies in the box (edges included) are listed with the
/// same facts [`resident_facts`](crate::RegisterStore::resident_facts) gives, children
/// included; residents without a point, dead or moved out, or of another tenant are not.
pub async fn plan_residents_in_box(store: &dyn Store) {
    let o = volda();
    tenant(store, &o).await;
    let area = BoundingBox {
        min_lon: 6.05,
        min_lat: 62.10,
        max_lon: 6.15,
        max_lat: 62.20,
    };
    let active = ResidentStatus::Active;
    let inside = person("Inne", Some((6.10, 62.15)), active);
    let south_west = person("Sørvest", Some((6.05, 62.10)), active);
    let north_east = person("Nordøst", Some((6.15, 62.20)), active);
    let on_edge = person("Kant", Some((6.15, 62.13)), active);
    let mover = person("Flytter", Some((6.11, 62.11)), active);
    let just_east = person("Øst", Some((6.150_000_1, 62.15)), active);
    let just_south = person("Sør", Some((6.10, 62.099_999_9)), active);
    let no_point = person("Uten punkt", None, active);
    let dead = person("Død", Some((6.10, 62.15)), ResidentStatus::Dead);
    let mut homeless = person("Uten adresse", None, active);
    homeless.address = None;
    let mut child = person("Barn", Some((5.9, 62.0)), active);
    child.birth_date = date(2018, 3, 3);
    child.guardians = vec![inside.pid.clone()];
    let everyone = vec![
        inside.clone(),
        south_west.clone(),
        north_east.clone(),
        on_edge.clone(),
        mover.clone(),
        just_east.clone(),
        just_south.clone(),
        no_point.clone(),
        dead.clone(),
        homeless.clone(),
        child.clone(),
    ];
    let source = random_text("plan-register");
    store
        .apply_register_snapshot(&o, &source, &everyone, 1, t0())
        .await
        .expect("apply snapshot");

    // A resident of another tenant at the same spot.
    let k = kristiansund();
    tenant(store, &k).await;
    let stranger = person("Fremmed", Some((6.10, 62.15)), active);
    let moved_in = RegisterChange {
        sequence: 1,
        kind: RegisterEventKind::MovedIn,
        occurred: date(2025, 2, 1),
        person: stranger.clone(),
    };
    store
        .apply_register_changes(&k, &source, &[moved_in], t0())
        .await
        .expect("apply change");
    let stranger_id = ids_of(store, &k, &[&stranger]).await;

    let near = [&inside, &south_west, &north_east, &on_edge, &mover];
    let expected = store
        .resident_facts(&ids_of(store, &o, &near).await)
        .await
        .expect("resident facts");
    assert_eq!(expected.len(), near.len());
    assert_eq!(
        expected.iter().map(|f| f.children.len()).sum::<usize>(),
        1,
        "the child is listed with its guardian"
    );
    let found = store.residents_in_box(&o, &area).await.expect("in box");
    assert_eq!(
        found, expected,
        "edges included, in id order, as resident_facts has them"
    );
    assert!(!found.iter().any(|f| stranger_id.contains(&f.id)));

    // The mover is left out once the register says they moved.
    let stayed: Vec<RegisterPerson> = everyone
        .into_iter()
        .filter(|p| p.pid != mover.pid)
        .collect();
    let stats = store
        .apply_register_snapshot(&o, &source, &stayed, 2, t0() + minutes(1))
        .await
        .expect("apply snapshot");
    assert_eq!(stats.moved_out, 1, "the mover moved out");
    let near = [&inside, &south_west, &north_east, &on_edge];
    let expected = store
        .resident_facts(&ids_of(store, &o, &near).await)
        .await
        .expect("resident facts");
    assert_eq!(
        store.residents_in_box(&o, &area).await.expect("in box"),
        expected
    );

    let empty = BoundingBox {
        min_lon: 6.12,
        min_lat: 62.16,
        max_lon: 6.13,
        max_lat: 62.17,
    };
    assert!(
        store
            .residents_in_box(&o, &empty)
            .await
            .expect("in box")
            .is_empty()
    );
    let in_stranger_tenant = store.residents_in_box(&k, &area).await.expect("in box");
    assert_eq!(
        in_stranger_tenant
            .iter()
            .filter(|f| stranger_id.contains(&f.id))
            .count(),
        1,
        "the other tenant's resident is near in their own tenant"
    );
}
