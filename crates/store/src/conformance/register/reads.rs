//! Stories: reading the mirror (children, paging, birth-date ranges, tenant isolation).

use jiff::civil::date;

use super::{SOURCE, all_active, change, facts_of, load, person, tenant};
use crate::conformance::{minutes, t0};
use crate::{RegisterEventKind, ResidentStatus, Store};

/// A resident's children are those they have parental responsibility for, alive, oldest
/// first; keyset pages of any size list the active population once, in id order.
pub async fn register_facts_list_children_oldest_first(store: &dyn Store) {
    let k = tenant(store, "3314").await;
    let parent = person("Grete", date(1980, 1, 1), &[]);
    let other = person("Harald", date(1979, 1, 1), &[]);
    let middle = person("Bo", date(2012, 6, 1), &[&parent]);
    let youngest = person("Ada", date(2019, 3, 3), &[&parent, &other]);
    let eldest = person("Cato", date(2008, 11, 30), &[&parent]);
    let mut gone = person("Dag", date(2010, 1, 1), &[&parent]);
    gone.status = ResidentStatus::Dead;
    let loners: Vec<_> = (0..7)
        .map(|i| person(&format!("Enslig{i}"), date(1990, 1, 1), &[]))
        .collect();
    let mut people = vec![
        youngest.clone(),
        parent.clone(),
        middle.clone(),
        eldest.clone(),
        gone.clone(),
        other.clone(),
    ];
    people.extend(loners);
    load(store, &k, &people, 1).await;

    let g = facts_of(store, &k, &parent.pid).await;
    let children: Vec<_> = g.children.iter().map(|c| c.given_name.as_str()).collect();
    assert_eq!(children, ["Cato", "Bo", "Ada"], "alive, oldest first");
    let h = facts_of(store, &k, &other.pid).await;
    assert_eq!(h.children.len(), 1);
    assert_eq!(
        h.children[0].id,
        facts_of(store, &k, &youngest.pid).await.id
    );

    let whole = all_active(store, &k, 1000).await;
    assert_eq!(whole.len(), 12, "everyone active, the dead child left out");
    for limit in [1, 2, 5] {
        let paged = all_active(store, &k, limit).await;
        assert_eq!(
            paged, whole,
            "pages of {limit} give the same residents and children"
        );
    }
    let in_page = whole
        .iter()
        .find(|f| f.id == g.id)
        .expect("Grete is active");
    assert_eq!(
        in_page.children, g.children,
        "the page carries the children too"
    );
    let mut ids: Vec<_> = [g.id, h.id].into();
    ids.reverse();
    ids.push(crate::ResidentId::new_v7());
    let facts = store.resident_facts(&ids).await.expect("facts");
    let got: Vec<_> = facts.iter().map(|f| f.id).collect();
    let mut want = vec![g.id, h.id];
    want.sort();
    assert_eq!(got, want, "id order, unknown ids left out");
    assert!(store.resident_facts(&[]).await.expect("none").is_empty());
}

/// `residents_born_between` includes both ends, leaves out residents who are not active, and
/// carries their children.
pub async fn register_born_between_is_inclusive(store: &dyn Store) {
    let k = tenant(store, "3316").await;
    let before = person("Før", date(2010, 2, 28), &[]);
    let first = person("Første", date(2010, 3, 1), &[]);
    let last = person("Siste", date(2010, 3, 31), &[]);
    let after = person("Etter", date(2010, 4, 1), &[]);
    let mut away = person("Borte", date(2010, 3, 15), &[]);
    away.status = ResidentStatus::MovedOut;
    away.address = None;
    let kid = person("Unge", date(2030, 1, 1), &[&last]);
    let people = [
        before,
        first.clone(),
        last.clone(),
        after,
        away,
        kid.clone(),
    ];
    load(store, &k, &people, 1).await;

    let found = store
        .residents_born_between(&k, date(2010, 3, 1), date(2010, 3, 31))
        .await
        .expect("born between");
    let mut want = vec![
        facts_of(store, &k, &first.pid).await.id,
        facts_of(store, &k, &last.pid).await.id,
    ];
    want.sort();
    assert_eq!(found.iter().map(|f| f.id).collect::<Vec<_>>(), want);
    let siste = found
        .iter()
        .find(|f| f.given_name == "Siste")
        .expect("Siste");
    assert_eq!(siste.children.len(), 1);
    assert_eq!(siste.children[0].birth_date, date(2030, 1, 1));
    let one_day = store
        .residents_born_between(&k, date(2010, 3, 31), date(2010, 3, 31))
        .await
        .expect("one day");
    assert_eq!(one_day.len(), 1);
    assert!(
        store
            .residents_born_between(&k, date(2010, 4, 2), date(2010, 4, 30))
            .await
            .expect("nobody")
            .is_empty()
    );
}

/// Another tenant's residents, events and pointer are never seen or touched: the same person
/// in two tenants is two residents, a snapshot moves out only its own tenant's residents, and
/// a guardian living in another tenant is no guardian here.
pub async fn register_tenant_isolation(store: &dyn Store) {
    let a = tenant(store, "3318").await;
    let b = tenant(store, "3320").await;
    let shared = person("Delt", date(1975, 5, 5), &[]);
    let parent_in_b = person("Forelder", date(1976, 6, 6), &[]);
    let child_in_a = person("Barn", date(2018, 8, 8), &[&parent_in_b]);
    let only_b = person("Bare", date(1975, 5, 5), &[]);
    load(store, &a, &[shared.clone(), child_in_a.clone()], 3).await;
    load(
        store,
        &b,
        &[shared.clone(), parent_in_b.clone(), only_b.clone()],
        50,
    )
    .await;

    let in_a = all_active(store, &a, 100).await;
    assert_eq!(in_a.len(), 2);
    assert!(in_a.iter().all(|f| f.kommunenummer == a));
    let in_b = all_active(store, &b, 100).await;
    assert_eq!(in_b.len(), 3);
    assert!(in_a.iter().all(|f| in_b.iter().all(|g| g.id != f.id)));
    let born = store
        .residents_born_between(&a, date(1975, 5, 5), date(1975, 5, 5))
        .await
        .expect("born between");
    assert_eq!(born.len(), 1, "only tenant A's resident born that day");
    assert_eq!(born[0].kommunenummer, a);
    let barn = facts_of(store, &a, &child_in_a.pid).await;
    assert!(
        store
            .guardians_of(barn.id)
            .await
            .expect("guardians")
            .is_empty(),
        "a guardian in another tenant is left out"
    );
    assert!(
        facts_of(store, &b, &parent_in_b.pid)
            .await
            .children
            .is_empty()
    );

    let mut moved = shared.clone();
    moved.address = None;
    moved.status = ResidentStatus::MovedOut;
    store
        .apply_register_changes(
            &a,
            SOURCE,
            &[change(
                4,
                RegisterEventKind::MovedOut,
                date(2025, 3, 1),
                &moved,
            )],
            t0() + minutes(1),
        )
        .await
        .expect("moved out of A");
    load(store, &a, std::slice::from_ref(&child_in_a), 5).await;
    assert_eq!(
        facts_of(store, &b, &shared.pid).await.status,
        ResidentStatus::Active
    );
    assert_eq!(all_active(store, &b, 100).await.len(), 3, "B untouched");
    assert!(
        store
            .register_events_after(&b, 0, 10)
            .await
            .expect("b")
            .is_empty()
    );
    assert_eq!(
        store
            .register_events_after(&a, 0, 10)
            .await
            .expect("a")
            .len(),
        1
    );
    assert_eq!(
        store.register_pointer(&a, SOURCE).await.expect("a"),
        Some(5)
    );
    assert_eq!(
        store.register_pointer(&b, SOURCE).await.expect("b"),
        Some(50)
    );
}
