//! Stories: residents' corrections of their records.

use super::{asker, minutes, new_resident, oslo, t0};
use crate::{
    Correction, CorrectionId, CorrectionStatus, MAX_CORRECTION_MESSAGE_CHARS, NewCorrection,
    Resident, ResidentId, Store, StoreError,
};

fn new_correction(resident: &Resident, minute: i64, message: &str) -> NewCorrection {
    NewCorrection {
        kommunenummer: resident.kommunenummer,
        resident_id: resident.id,
        source: "folkeregister".into(),
        category: "address".into(),
        record_id: "bosted-1".into(),
        field_key: Some("postnummer".into()),
        message: message.into(),
        reported_by: format!("resident:{}", resident.id),
        created_at: t0() + minutes(minute),
    }
}

async fn create(store: &dyn Store, new: NewCorrection) -> Correction {
    store
        .create_correction(new)
        .await
        .expect("create correction")
}

/// A report is created as received, listed newest first, read back by id, and moves through
/// statuses with notes.
pub async fn correction_create_list_and_status(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let first = new_correction(&resident, 0, "Feil postnummer, skal være 1384.");
    let created = create(store, first.clone()).await;
    assert_eq!(
        created.id.0.get_version_num(),
        7,
        "correction ids are UUIDv7"
    );
    let expected = Correction {
        id: created.id,
        kommunenummer: first.kommunenummer,
        resident_id: first.resident_id,
        source: first.source.clone(),
        category: first.category.clone(),
        record_id: first.record_id.clone(),
        field_key: first.field_key.clone(),
        message: first.message.clone(),
        reported_by: first.reported_by.clone(),
        status: CorrectionStatus::Received,
        status_note: None,
        created_at: first.created_at,
        updated_at: first.created_at,
    };
    assert_eq!(created, expected);
    assert_eq!(
        store.get_correction(created.id).await.expect("get"),
        expected
    );

    let whole_record = NewCorrection {
        field_key: None,
        ..new_correction(&resident, 5, "Hele oppføringen er feil.")
    };
    let second = create(store, whole_record).await;
    assert_eq!(second.field_key, None);
    let same_time = create(store, new_correction(&resident, 5, "Created last.")).await;
    let listed = store.list_corrections(resident.id).await.expect("list");
    let ids: Vec<_> = listed.iter().map(|c| c.id).collect();
    assert_eq!(ids, [same_time.id, second.id, created.id], "newest first");

    let forwarded = store
        .set_correction_status(
            created.id,
            CorrectionStatus::Forwarded,
            Some("Sendt til Skatteetaten"),
            t0() + minutes(30),
        )
        .await
        .expect("forward");
    assert_eq!(forwarded.status, CorrectionStatus::Forwarded);
    assert_eq!(
        forwarded.status_note.as_deref(),
        Some("Sendt til Skatteetaten")
    );
    assert_eq!(forwarded.updated_at, t0() + minutes(30));
    assert_eq!(forwarded.created_at, first.created_at);
    assert_eq!(forwarded.message, first.message);
    assert_eq!(
        store.get_correction(created.id).await.expect("get"),
        forwarded
    );

    let resolved = store
        .set_correction_status(
            created.id,
            CorrectionStatus::Resolved,
            None,
            t0() + minutes(60),
        )
        .await
        .expect("resolve");
    assert_eq!(resolved.status, CorrectionStatus::Resolved);
    assert_eq!(resolved.status_note, None, "no note clears the note");

    match store.get_correction(CorrectionId::new_v7()).await {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound for an unknown id, got {other:?}"),
    }
    match store
        .set_correction_status(
            CorrectionId::new_v7(),
            CorrectionStatus::Rejected,
            None,
            t0(),
        )
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound updating an unknown id, got {other:?}"),
    }
}

/// A message holds 1 to 4000 characters (characters, not bytes).
pub async fn correction_message_length_is_checked(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let longest = "ø".repeat(MAX_CORRECTION_MESSAGE_CHARS);
    let created = create(store, new_correction(&resident, 0, &longest)).await;
    assert_eq!(created.message, longest);

    for message in ["ø".repeat(MAX_CORRECTION_MESSAGE_CHARS + 1), String::new()] {
        match store
            .create_correction(new_correction(&resident, 0, &message))
            .await
        {
            Err(StoreError::Invalid(name)) => assert_eq!(name, "corrections_message_check"),
            other => panic!(
                "expected Invalid(corrections_message_check) for {} characters, got {other:?}",
                message.chars().count()
            ),
        }
    }
}

/// A report names a resident of its own tenant, and lists show only the resident's own.
pub async fn correction_tenant_isolation(store: &dyn Store) {
    store
        .upsert_tenant(&oslo(), "Oslo", t0())
        .await
        .expect("tenant b");
    let resident = new_resident(store, &asker()).await;
    let neighbour = new_resident(store, &asker()).await;
    create(store, new_correction(&neighbour, 0, "Not yours.")).await;

    let wrong_tenant = NewCorrection {
        kommunenummer: oslo(),
        ..new_correction(&resident, 0, "x")
    };
    match store.create_correction(wrong_tenant).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for a resident of another tenant, got {other:?}"),
    }
    let unknown = NewCorrection {
        resident_id: ResidentId::new_v7(),
        ..new_correction(&resident, 0, "x")
    };
    match store.create_correction(unknown).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown resident, got {other:?}"),
    }

    let listed = store.list_corrections(resident.id).await.expect("list");
    assert!(listed.is_empty(), "nothing was stored: {listed:?}");
}
