//! Stories: consultation phases (order, the days they are open, and the plan's version).

use jiff::civil::{Date, date};

use super::{kristiansund, new_phase, new_plan, phase_fields, plan_fields, volda};
use crate::conformance::{minutes, t0};
use crate::{PhaseFields, PhaseId, PhaseKind, Store, StoreError, StoredPhase};

/// The ids of the phases open on `day` (every tenant's).
async fn open_on(store: &dyn Store, day: Date) -> Vec<PhaseId> {
    store
        .phases_open_on(day)
        .await
        .expect("phases open on")
        .iter()
        .map(|p| p.id)
        .collect()
}

/// A plan's phases come by opening day, then creation; a phase is open on its first and last
/// day and not a day outside, for every tenant alike. A phase ending before it opens is
/// refused.
pub async fn plan_phases_in_order_and_open_on_both_ends(store: &dyn Store) {
    let k = kristiansund();
    let plan = new_plan(store, &k, &plan_fields("Løkkemyra")).await;
    let horing = new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Horing, date(2025, 4, 1), date(2025, 5, 15)),
        1,
    )
    .await;
    let oppstart = new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Oppstart, date(2025, 3, 1), date(2025, 3, 31)),
        2,
    )
    .await;
    let vedtak = new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Vedtak, date(2025, 6, 20), date(2025, 6, 20)),
        3,
    )
    .await;
    let second_hearing = PhaseFields {
        hearing_version: 2,
        title: None,
        ..phase_fields(PhaseKind::Horing, date(2025, 4, 1), date(2025, 4, 21))
    };
    let revised = new_phase(store, &plan, &second_hearing, 4).await;
    assert_eq!(
        revised,
        StoredPhase {
            id: revised.id,
            kommunenummer: k,
            plan_id: plan.fields.plan_id.clone(),
            fields: second_hearing,
            created_at: t0() + minutes(4),
            updated_at: t0() + minutes(4),
        }
    );
    assert_eq!(revised.id.0.get_version_num(), 7, "phase ids are UUIDv7");
    assert_eq!(
        store.get_phase(&k, revised.id).await.expect("get phase"),
        revised
    );
    assert_eq!(
        store
            .phases_of(&k, &plan.fields.plan_id)
            .await
            .expect("phases of plan"),
        vec![
            oppstart.clone(),
            horing.clone(),
            revised.clone(),
            vedtak.clone()
        ],
        "by opening day, then creation"
    );

    let other = new_plan(store, &volda(), &plan_fields("Volda sentrum")).await;
    let elsewhere = new_phase(
        store,
        &other,
        &phase_fields(PhaseKind::Oppstart, date(2025, 3, 20), date(2025, 4, 1)),
        5,
    )
    .await;
    let days = [
        (date(2025, 2, 28), vec![]),
        (date(2025, 3, 1), vec![oppstart.id]),
        (date(2025, 3, 31), vec![oppstart.id, elsewhere.id]),
        (date(2025, 4, 1), vec![elsewhere.id, horing.id, revised.id]),
        (date(2025, 4, 21), vec![horing.id, revised.id]),
        (date(2025, 4, 22), vec![horing.id]),
        (date(2025, 5, 15), vec![horing.id]),
        (date(2025, 5, 16), vec![]),
        (date(2025, 6, 20), vec![vedtak.id]),
        (date(2025, 6, 21), vec![]),
    ];
    let ours = [oppstart.id, horing.id, revised.id, vedtak.id, elsewhere.id];
    for (day, expected) in days {
        let open: Vec<PhaseId> = open_on(store, day)
            .await
            .into_iter()
            .filter(|id| ours.contains(id))
            .collect();
        let mut open_sorted = open.clone();
        open_sorted.sort();
        let mut expected_sorted = expected.clone();
        expected_sorted.sort();
        assert_eq!(open_sorted, expected_sorted, "open on {day}");
    }
    let on_first = store
        .phases_open_on(date(2025, 4, 1))
        .await
        .expect("phases open on");
    let volda_phase = on_first
        .iter()
        .find(|p| p.id == elsewhere.id)
        .expect("the other tenant's phase is open too");
    assert_eq!(volda_phase, &elsewhere, "with its own tenant");

    let backwards = phase_fields(PhaseKind::Klage, date(2025, 7, 2), date(2025, 7, 1));
    match store
        .create_phase(&k, &plan.fields.plan_id, &backwards, t0())
        .await
    {
        Err(StoreError::Invalid(name)) => assert_eq!(name, "plan_phases_period_check"),
        other => panic!("a phase closing before it opens must be refused, got {other:?}"),
    }
    assert!(matches!(
        store
            .create_phase(&k, "no-such-plan", &vedtak.fields, t0())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.get_phase(&k, PhaseId::new_v7()).await,
        Err(StoreError::NotFound)
    ));
}

/// Adding or changing a phase bumps the plan's version and `updated_at` (not `updated_by`);
/// a failed phase change leaves the plan as it was.
pub async fn plan_phase_changes_bump_the_plan_version(store: &dyn Store) {
    let k = kristiansund();
    let plan = new_plan(store, &k, &plan_fields("Atlanten idrettspark")).await;
    let id = plan.fields.plan_id.clone();
    let phase = new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Horing, date(2025, 3, 10), date(2025, 4, 20)),
        10,
    )
    .await;
    let after_create = store.get_plan(&k, &id).await.expect("get plan");
    assert_eq!(
        (after_create.version, after_create.updated_at),
        (2, t0() + minutes(10))
    );
    assert_eq!(after_create.updated_by, "caseworker:ola");
    assert_eq!(after_create.fields, plan.fields, "the fields stay");

    let extended = PhaseFields {
        closes_on: date(2025, 5, 4),
        title: Some("Forlenget høringsfrist".into()),
        ..phase.fields.clone()
    };
    let updated = store
        .update_phase(&k, phase.id, &extended, t0() + minutes(20))
        .await
        .expect("update phase");
    assert_eq!(
        updated,
        StoredPhase {
            fields: extended.clone(),
            updated_at: t0() + minutes(20),
            ..phase.clone()
        }
    );
    assert_eq!(store.get_phase(&k, phase.id).await.expect("get"), updated);
    let after_update = store.get_plan(&k, &id).await.expect("get plan");
    assert_eq!(
        (after_update.version, after_update.updated_at),
        (3, t0() + minutes(20))
    );

    match store
        .update_plan(
            &k,
            &id,
            2,
            &plan.fields,
            "caseworker:kari",
            t0() + minutes(21),
        )
        .await
    {
        Err(StoreError::Conflict(name)) => assert_eq!(name, "plans_version"),
        other => panic!("the phase change moved the version on, got {other:?}"),
    }

    let backwards = PhaseFields {
        closes_on: date(2025, 3, 1),
        ..extended.clone()
    };
    assert!(matches!(
        store
            .update_phase(&k, phase.id, &backwards, t0() + minutes(30))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .update_phase(&k, PhaseId::new_v7(), &extended, t0() + minutes(30))
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .create_phase(&k, &id, &backwards, t0() + minutes(30))
            .await
            .is_err()
    );
    assert_eq!(
        store.get_plan(&k, &id).await.expect("get plan"),
        after_update,
        "failed phase changes leave the plan as it was"
    );
    assert_eq!(store.get_phase(&k, phase.id).await.expect("get"), updated);

    let again = store
        .update_plan(
            &k,
            &id,
            3,
            &plan.fields,
            "caseworker:kari",
            t0() + minutes(40),
        )
        .await
        .expect("update on the current version");
    assert_eq!(again.version, 4);
}
