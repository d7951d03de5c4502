//! Stories: parental responsibility (guardianships).

use super::{asker, minutes, new_resident, oslo, t0};
use crate::{Resident, ResidentId, Store, StoreError};

fn ids(residents: &[Resident]) -> Vec<ResidentId> {
    residents.iter().map(|r| r.id).collect()
}

fn sorted(mut ids: Vec<ResidentId>) -> Vec<ResidentId> {
    ids.sort();
    ids
}

async fn guardians_of(store: &dyn Store, child: &Resident) -> Vec<ResidentId> {
    ids(&store.guardians_of(child.id).await.expect("guardians of"))
}

async fn children_of(store: &dyn Store, guardian: &Resident) -> Vec<ResidentId> {
    ids(&store.children_of(guardian.id).await.expect("children of"))
}

async fn is_guardian(store: &dyn Store, guardian: &Resident, child: &Resident) -> bool {
    store
        .is_guardian(guardian.id, child.id)
        .await
        .expect("is guardian")
}

/// A child's guardians are set, listed both ways (full residents, id order), replaced (old ones
/// removed) and cleared.
pub async fn guardians_set_replace_and_list(store: &dyn Store) {
    let k = asker();
    let child = new_resident(store, &k).await;
    let sibling = new_resident(store, &k).await;
    let (mother, father, stepfather) = (
        new_resident(store, &k).await,
        new_resident(store, &k).await,
        new_resident(store, &k).await,
    );

    store
        .set_guardians(&k, child.id, &[father.id, mother.id], t0())
        .await
        .expect("set");
    store
        .set_guardians(&k, sibling.id, &[mother.id], t0())
        .await
        .expect("set sibling");
    assert_eq!(
        guardians_of(store, &child).await,
        sorted(vec![mother.id, father.id])
    );
    let listed = store.guardians_of(child.id).await.expect("guardians of");
    assert!(listed.contains(&mother), "full residents: {listed:?}");
    assert_eq!(
        children_of(store, &mother).await,
        sorted(vec![child.id, sibling.id])
    );
    assert!(is_guardian(store, &father, &child).await);

    store
        .set_guardians(
            &k,
            child.id,
            &[mother.id, stepfather.id, stepfather.id],
            t0() + minutes(1),
        )
        .await
        .expect("replace (a repeated guardian counts once)");
    assert_eq!(
        guardians_of(store, &child).await,
        sorted(vec![mother.id, stepfather.id])
    );
    assert!(
        !is_guardian(store, &father, &child).await,
        "replaced guardian is gone"
    );
    assert!(children_of(store, &father).await.is_empty());
    assert_eq!(children_of(store, &stepfather).await, [child.id]);

    store
        .set_guardians(&k, child.id, &[], t0() + minutes(2))
        .await
        .expect("clear");
    assert!(guardians_of(store, &child).await.is_empty());
    assert_eq!(
        children_of(store, &mother).await,
        [sibling.id],
        "other children keep their guardians"
    );
}

/// Only registered guardians are guardians, and only in that direction.
pub async fn guardians_strangers_are_not_guardians(store: &dyn Store) {
    let k = asker();
    let child = new_resident(store, &k).await;
    let parent = new_resident(store, &k).await;
    let stranger = new_resident(store, &k).await;
    store
        .set_guardians(&k, child.id, &[parent.id], t0())
        .await
        .expect("set");

    assert!(is_guardian(store, &parent, &child).await);
    assert!(!is_guardian(store, &stranger, &child).await);
    assert!(
        !is_guardian(store, &child, &parent).await,
        "direction matters"
    );
    assert!(
        !store
            .is_guardian(ResidentId::new_v7(), child.id)
            .await
            .expect("unknown guardian")
    );
    assert!(children_of(store, &stranger).await.is_empty());
    assert!(guardians_of(store, &stranger).await.is_empty());
}

/// Guardian and child must be residents of the tenant named; a child is not its own guardian.
/// A refused change leaves the child's guardians as they were.
pub async fn guardians_cross_tenant_refused(store: &dyn Store) {
    let (a, b) = (asker(), oslo());
    let child = new_resident(store, &a).await;
    let parent = new_resident(store, &a).await;
    let elsewhere = new_resident(store, &b).await;
    store
        .set_guardians(&a, child.id, &[parent.id], t0())
        .await
        .expect("set");

    let refusals = [
        (
            a,
            vec![parent.id, elsewhere.id],
            "a guardian of another tenant",
        ),
        (b, vec![elsewhere.id], "a child of another tenant"),
        (b, Vec::new(), "clearing a child of another tenant"),
        (a, vec![ResidentId::new_v7()], "an unknown guardian"),
    ];
    for (k, guardians, what) in refusals {
        match store.set_guardians(&k, child.id, &guardians, t0()).await {
            Err(StoreError::Conflict(_)) => {}
            other => panic!("expected Conflict for {what}, got {other:?}"),
        }
    }
    match store
        .set_guardians(&a, ResidentId::new_v7(), &[parent.id], t0())
        .await
    {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown child, got {other:?}"),
    }
    match store
        .set_guardians(&a, child.id, &[parent.id, child.id], t0())
        .await
    {
        Err(StoreError::Invalid(name)) => assert_eq!(name, "guardianships_not_self_check"),
        other => panic!("expected Invalid(guardianships_not_self_check), got {other:?}"),
    }

    assert_eq!(guardians_of(store, &child).await, [parent.id], "unchanged");
    assert!(children_of(store, &elsewhere).await.is_empty());
}
