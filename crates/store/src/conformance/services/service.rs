//! Stories: one service (create, read, versioned update, checks) and the filtered list.

use serde_json::json;

use super::{
    assert_conflict, assert_invalid, assert_not_found, ids, kristiansand, new_service,
    service_fields,
};
use crate::conformance::{minutes, stavanger, t0};
use crate::{ServiceFields, ServiceFilter, ServiceStatus, Store, StoreError, StoredService};

/// A service is stored as version 1 with its JSON intact; a second one with the same id is a
/// conflict. An update replaces theme, status and content and bumps the version; one based on
/// a stale version is a conflict and changes nothing; a missing service is not found. Checks
/// refuse an empty theme, an unknown tenant and content that is not a JSON object.
pub async fn service_create_get_and_update(store: &dyn Store) {
    let k = kristiansand();
    let fields = service_fields(
        "barn-og-familie/barnehage",
        ServiceStatus::Draft,
        "Søke barnehageplass",
    );
    let created = new_service(store, &k, &fields).await;
    let expected = StoredService {
        kommunenummer: k,
        fields: fields.clone(),
        version: 1,
        created_by: "caseworker:ola".into(),
        created_at: t0(),
        updated_by: "caseworker:ola".into(),
        updated_at: t0(),
    };
    assert_eq!(created, expected);
    let id = &fields.service_id;
    assert_eq!(store.get_service(&k, id).await.expect("get"), expected);
    assert_conflict(
        store
            .create_service(&k, &fields, "caseworker:kari", t0())
            .await,
        "services_pkey",
        "a second service with the same id",
    );

    let changed = ServiceFields {
        theme: "barn-og-familie/sfo".into(),
        status: ServiceStatus::Published,
        content: json!({"id": id, "texts": {"nb": {"title": "SFO", "summary": "Søk plass."}}}),
        ..fields.clone()
    };
    let updated = store
        .update_service(&k, id, 1, &changed, "caseworker:kari", t0() + minutes(5))
        .await
        .expect("update");
    let expected = StoredService {
        fields: changed.clone(),
        version: 2,
        updated_by: "caseworker:kari".into(),
        updated_at: t0() + minutes(5),
        ..expected
    };
    assert_eq!(updated, expected);
    assert_conflict(
        store
            .update_service(&k, id, 1, &fields, "caseworker:ola", t0() + minutes(6))
            .await,
        "services_version",
        "an update based on version 1",
    );
    assert_eq!(
        store.get_service(&k, id).await.expect("get"),
        expected,
        "the stale update changed nothing"
    );
    assert_not_found(
        store
            .update_service(&k, "finnes-ikke", 1, &fields, "caseworker:ola", t0())
            .await,
        "updating a missing service",
    );
    assert_not_found(
        store.get_service(&k, "finnes-ikke").await,
        "a missing service",
    );

    let bad = [
        (
            ServiceFields {
                theme: String::new(),
                ..service_fields("x/y", ServiceStatus::Draft, "Uten tema")
            },
            "services_theme_check",
        ),
        (
            ServiceFields {
                content: json!(["ikke", "et", "objekt"]),
                ..service_fields("x/y", ServiceStatus::Draft, "Liste")
            },
            "services_content_check",
        ),
        (
            ServiceFields {
                service_id: String::new(),
                ..service_fields("x/y", ServiceStatus::Draft, "Uten id")
            },
            "services_service_id_check",
        ),
    ];
    for (fields, constraint) in bad {
        assert_invalid(
            store
                .create_service(&k, &fields, "caseworker:ola", t0())
                .await,
            constraint,
            constraint,
        );
        assert_not_found(
            store.get_service(&k, &fields.service_id).await,
            "a refused service is not stored",
        );
    }
    assert!(matches!(
        store
            .create_service(
                &stavanger(),
                &service_fields("x/y", ServiceStatus::Draft, "x"),
                "caseworker:ola",
                t0()
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
}

/// The public list has published services only, the caseworkers' every status; a theme
/// matches itself and, as a top-level theme, everything below it, but never a mere string
/// prefix. Lists are ordered by theme, then id, and hold the services as stored.
pub async fn service_list_filters_by_theme_and_status(store: &dyn Store) {
    let k = kristiansand();
    let mut barnehage = service_fields(
        "barn-og-familie/barnehage",
        ServiceStatus::Published,
        "Søke barnehageplass",
    );
    barnehage.service_id = format!("b-{}", barnehage.service_id);
    let mut moderasjon = service_fields(
        "barn-og-familie/barnehage",
        ServiceStatus::Published,
        "Redusert foreldrebetaling",
    );
    moderasjon.service_id = format!("a-{}", moderasjon.service_id);
    let sfo = service_fields("barn-og-familie/sfo", ServiceStatus::Draft, "SFO");
    let gammel = service_fields(
        "barn-og-familie/barnehage",
        ServiceStatus::Archived,
        "Kontantstøtte (gammel)",
    );
    let lookalike = service_fields(
        "barn-og-familie-ekstra/annet",
        ServiceStatus::Published,
        "Ligner på temaet",
    );
    let skatt = service_fields(
        "skatt-og-avgift/eiendomsskatt",
        ServiceStatus::Published,
        "Eiendomsskatt",
    );
    let mut stored = Vec::new();
    for fields in [&barnehage, &moderasjon, &sfo, &gammel, &lookalike, &skatt] {
        stored.push(new_service(store, &k, fields).await);
    }
    let mine = ids(&stored);
    let list = |theme, include_drafts| listed(store, &mine, theme, include_drafts);
    let id = |f: &ServiceFields| f.service_id.clone();
    let mut by_theme = [&barnehage, &moderasjon, &sfo, &gammel, &lookalike, &skatt];
    by_theme.sort_by(|a, b| (&a.theme, &a.service_id).cmp(&(&b.theme, &b.service_id)));
    let in_order = |wanted: &[&ServiceFields]| -> Vec<String> {
        by_theme
            .iter()
            .filter(|f| wanted.iter().any(|w| w.service_id == f.service_id))
            .map(|f| id(f))
            .collect()
    };

    let public = list(None, false).await;
    assert_eq!(
        ids(&public),
        in_order(&[&barnehage, &moderasjon, &lookalike, &skatt]),
        "published only, by theme then id"
    );
    assert_eq!(
        in_order(&[&barnehage, &moderasjon]),
        vec![id(&moderasjon), id(&barnehage)],
        "same theme: by id"
    );
    let stored_moderasjon = stored.iter().find(|s| s.fields == moderasjon);
    assert_eq!(
        public
            .iter()
            .find(|s| s.fields.service_id == moderasjon.service_id),
        stored_moderasjon,
        "listed as stored"
    );
    assert_eq!(
        ids(&list(None, true).await),
        in_order(&[&barnehage, &moderasjon, &sfo, &gammel, &lookalike, &skatt]),
        "every status, by theme then id"
    );

    assert_eq!(
        ids(&list(Some("barn-og-familie"), false).await),
        vec![id(&moderasjon), id(&barnehage)],
        "a top-level theme: published services below it, not the look-alike theme"
    );
    assert_eq!(
        ids(&list(Some("barn-og-familie"), true).await),
        in_order(&[&barnehage, &moderasjon, &sfo, &gammel])
    );
    assert_eq!(
        ids(&list(Some("barn-og-familie/sfo"), true).await),
        vec![id(&sfo)],
        "a second-level theme"
    );
    assert!(list(Some("barn-og-familie/sfo"), false).await.is_empty());
    assert!(
        list(Some("barn"), true).await.is_empty(),
        "no partial segments"
    );
    assert!(
        list(Some("barn-og-familie/barne"), true).await.is_empty(),
        "no partial second level"
    );
}

/// The services of `mine` that the list with this filter returns, in its order.
async fn listed(
    store: &dyn Store,
    mine: &[String],
    theme: Option<&str>,
    include_drafts: bool,
) -> Vec<StoredService> {
    let filter = ServiceFilter {
        theme,
        include_drafts,
    };
    store
        .list_services(&kristiansand(), filter)
        .await
        .expect("list services")
        .into_iter()
        .filter(|s| mine.contains(&s.fields.service_id))
        .collect()
}
