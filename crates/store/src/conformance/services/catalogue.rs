//! Stories: tenant isolation of services, and replacing a tenant's whole catalogue.

use serde_json::json;

use super::{
    assert_invalid, assert_not_found, ids, kristiansand, new_service, sandefjord, service_fields,
    tenant,
};
use crate::conformance::{minutes, t0};
use crate::{
    CatalogueReplaced, ServiceFields, ServiceFilter, ServiceStatus, Store, StoreError,
    StoredService,
};

const EVERYTHING: ServiceFilter<'static> = ServiceFilter {
    theme: None,
    include_drafts: true,
};

/// Another tenant's service is not found (read, update, list) and the attempts change
/// nothing; the same id in two tenants is two services; replacing one tenant's catalogue
/// leaves the other's alone.
pub async fn service_tenant_isolation(store: &dyn Store) {
    let (k, o) = (kristiansand(), sandefjord());
    tenant(store, &o).await;
    let fields = service_fields(
        "helse-og-omsorg/tt-kort",
        ServiceStatus::Published,
        "TT-kort",
    );
    let mine = new_service(store, &k, &fields).await;
    let id = &fields.service_id;

    assert_not_found(store.get_service(&o, id).await, "another tenant's service");
    assert_not_found(
        store
            .update_service(&o, id, 1, &fields, "caseworker:eve", t0())
            .await,
        "updating another tenant's service",
    );
    assert!(
        !ids(&store.list_services(&o, EVERYTHING).await.expect("list")).contains(id),
        "not in the other tenant's list"
    );
    assert_eq!(store.get_service(&k, id).await.expect("get"), mine);

    let twin_fields = ServiceFields {
        content: json!({"id": id, "texts": {"nb": {"title": "TT-kort i Sandefjord"}}}),
        ..fields.clone()
    };
    let twin = new_service(store, &o, &twin_fields).await;
    assert_eq!(store.get_service(&o, id).await.expect("get twin"), twin);
    assert_eq!(store.get_service(&k, id).await.expect("get"), mine);

    let replaced = store
        .replace_catalogue(&o, &[], "import", t0() + minutes(1))
        .await
        .expect("empty the other tenant's catalogue");
    assert_eq!(
        replaced.deleted, 1,
        "the twin was the other tenant's only service"
    );
    assert_not_found(store.get_service(&o, id).await, "the twin is gone");
    assert_eq!(
        store.get_service(&k, id).await.expect("get"),
        mine,
        "the first tenant's service stays"
    );
}

/// Replacing the catalogue creates, updates, keeps and deletes so the tenant has exactly the
/// given services; the same catalogue again changes nothing (versions and times kept). A
/// catalogue naming an id twice, or with one invalid service, changes nothing at all.
pub async fn service_catalogue_replace_is_idempotent(store: &dyn Store) {
    let k = kristiansand();
    tenant(store, &k).await;
    let leftover = new_service(
        store,
        &k,
        &service_fields("kultur/bibliotek", ServiceStatus::Published, "Lånekort"),
    )
    .await;
    let sfo = service_fields("barn-og-familie/sfo", ServiceStatus::Published, "SFO");
    let skatt = service_fields(
        "skatt-og-avgift/eiendomsskatt",
        ServiceStatus::Published,
        "Eiendomsskatt",
    );
    let draft = service_fields("bolig/startlan", ServiceStatus::Draft, "Startlån");
    let catalogue = vec![sfo.clone(), skatt.clone(), draft.clone()];

    let first = store
        .replace_catalogue(&k, &catalogue, "import", t0() + minutes(1))
        .await
        .expect("replace");
    assert_eq!(first.created, 3);
    assert_eq!(first.updated + first.unchanged, 0);
    assert!(first.deleted >= 1, "the service not given is deleted");
    assert_not_found(
        store.get_service(&k, &leftover.fields.service_id).await,
        "a service not in the catalogue",
    );
    let before = store.list_services(&k, EVERYTHING).await.expect("list");
    let mut expected = catalogue.clone();
    expected.sort_by(|a, b| (&a.theme, &a.service_id).cmp(&(&b.theme, &b.service_id)));
    assert_eq!(
        before.iter().map(|s| s.fields.clone()).collect::<Vec<_>>(),
        expected,
        "the tenant has exactly the catalogue"
    );
    assert!(
        before.iter().all(|s| s.version == 1
            && s.created_by == "import"
            && s.created_at == t0() + minutes(1))
    );

    let again = store
        .replace_catalogue(&k, &catalogue, "import", t0() + minutes(2))
        .await
        .expect("replace again");
    assert_eq!(
        again,
        CatalogueReplaced {
            unchanged: 3,
            ..CatalogueReplaced::default()
        }
    );
    assert_eq!(
        store.list_services(&k, EVERYTHING).await.expect("list"),
        before,
        "nothing rewritten"
    );

    // Changed, kept, removed and new in one go.
    let published = ServiceFields {
        status: ServiceStatus::Published,
        ..draft.clone()
    };
    let new = service_fields(
        "helse-og-omsorg/trygghetsalarm",
        ServiceStatus::Draft,
        "Trygghetsalarm",
    );
    let next = vec![sfo.clone(), published.clone(), new.clone()];
    let third = store
        .replace_catalogue(&k, &next, "caseworker:kari", t0() + minutes(3))
        .await
        .expect("replace with changes");
    assert_eq!(
        third,
        CatalogueReplaced {
            created: 1,
            updated: 1,
            unchanged: 1,
            deleted: 1,
        }
    );
    let after = store.list_services(&k, EVERYTHING).await.expect("list");
    let get = |id: &str| after.iter().find(|s| s.fields.service_id == id).cloned();
    let was = |id: &str| before.iter().find(|s| s.fields.service_id == id).cloned();
    assert_eq!(get(&sfo.service_id), was(&sfo.service_id), "kept as it was");
    let updated = get(&draft.service_id).expect("the updated service");
    assert_eq!(
        updated,
        StoredService {
            fields: published,
            version: 2,
            updated_by: "caseworker:kari".into(),
            updated_at: t0() + minutes(3),
            ..was(&draft.service_id).expect("stored before")
        }
    );
    assert_eq!(get(&new.service_id).map(|s| s.version), Some(1));
    assert_eq!(get(&skatt.service_id), None, "removed");
    assert_eq!(after.len(), 3);

    // All or nothing.
    let twice = vec![sfo.clone(), sfo.clone()];
    assert_invalid(
        store
            .replace_catalogue(&k, &twice, "import", t0() + minutes(4))
            .await,
        "services_service_id_unique",
        "an id given twice",
    );
    let broken = vec![
        service_fields(
            "kultur/kulturskole",
            ServiceStatus::Published,
            "Kulturskole",
        ),
        ServiceFields {
            content: json!("ikke et objekt"),
            ..sfo.clone()
        },
        service_fields("kultur/svommehall", ServiceStatus::Published, "Svømmehall"),
    ];
    assert!(matches!(
        store
            .replace_catalogue(&k, &broken, "import", t0() + minutes(4))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.list_services(&k, EVERYTHING).await.expect("list"),
        after,
        "a failed replacement changes nothing"
    );
}
