//! Stories: importing a dataset (created, unchanged on the same fingerprint, replaced on a new
//! one) and failed imports that leave the previous data untouched.

use serde_json::json;

use super::{cell, everything, grid, meta};
use crate::conformance::{minutes, t0};
use crate::{DatasetMeta, ImportOutcome, StatCell, Store, StoreError, StoredDataset};

async fn dataset(store: &dyn Store, meta: &DatasetMeta) -> StoredDataset {
    store
        .get_dataset(&meta.source, &meta.table_id)
        .await
        .expect("get dataset")
}

/// A new dataset is created with all its cells (many statements' worth); importing the same
/// fingerprint again, even with other cells and label, writes nothing.
pub async fn statistics_import_is_idempotent(store: &dyn Store) {
    let m = meta("Barnehager: nøkkeltall");
    let cells = grid("KOSAG110000", 25_000);
    let outcome = store
        .import_dataset(&m, "sha256:first", &cells, t0())
        .await
        .expect("import");
    assert_eq!(outcome, ImportOutcome::Created { cells: 25_000 });
    let expected = StoredDataset {
        meta: m.clone(),
        fingerprint: "sha256:first".into(),
        cells: 25_000,
        imported_at: t0(),
    };
    assert_eq!(dataset(store, &m).await, expected);
    let listed = store.list_datasets().await.expect("list datasets");
    assert!(listed.contains(&expected), "listed");
    let mut keys: Vec<(&str, &str)> = listed
        .iter()
        .map(|d| (d.meta.source.as_str(), d.meta.table_id.as_str()))
        .collect();
    let in_order = keys.clone();
    keys.sort_unstable();
    assert_eq!(in_order, keys, "ordered by source and table id");

    let all = everything(store, &m, "KOSAG110000").await;
    assert_eq!(all.len(), 25_000);
    let region = store
        .series(&m.source, &m.table_id, "KOSAG110000", &["1042"], None)
        .await
        .expect("series");
    let values: Vec<(String, Option<f64>)> =
        region.iter().map(|p| (p.time.clone(), p.value)).collect();
    let expected_values: Vec<(String, Option<f64>)> = (0..10)
        .map(|y| (format!("{}", 2015 + y), Some(f64::from(420 + y) * 0.5)))
        .collect();
    assert_eq!(values, expected_values, "read back as imported");

    let other = meta("Et annet navn");
    let again = store
        .import_dataset(
            &DatasetMeta {
                table_id: m.table_id.clone(),
                ..other
            },
            "sha256:first",
            &cells[..10],
            t0() + minutes(5),
        )
        .await
        .expect("import again");
    assert_eq!(again, ImportOutcome::Unchanged);
    assert_eq!(dataset(store, &m).await, expected, "nothing rewritten");
    assert_eq!(everything(store, &m, "KOSAG110000").await, all);
}

/// A new fingerprint replaces label, metadata and every cell: cells of the old import that
/// the new one lacks are gone.
pub async fn statistics_reimport_replaces_every_cell(store: &dyn Store) {
    let m = meta("Grunnskole");
    let mut first = grid("KOSA", 30);
    first.extend(grid("KOSB", 30));
    store
        .import_dataset(&m, "sha256:a", &first, t0())
        .await
        .expect("first import");
    assert_eq!(
        store
            .metrics_of(&m.source, &m.table_id)
            .await
            .expect("metrics"),
        vec!["KOSA".to_owned(), "KOSB".to_owned()]
    );

    let newer = DatasetMeta {
        label: "Grunnskole (revidert)".into(),
        metadata: json!({"dimensions": ["Region", "ContentsCode", "Tid"]}),
        ..m.clone()
    };
    let mut second: Vec<StatCell> = grid("KOSB", 20)
        .into_iter()
        .map(|c| StatCell {
            value: c.value.map(|v| v + 1.0),
            ..c
        })
        .collect();
    second.extend(grid("KOSC", 5));
    let outcome = store
        .import_dataset(&newer, "sha256:b", &second, t0() + minutes(10))
        .await
        .expect("second import");
    assert_eq!(outcome, ImportOutcome::Replaced { cells: 25 });
    assert_eq!(
        dataset(store, &m).await,
        StoredDataset {
            meta: newer,
            fingerprint: "sha256:b".into(),
            cells: 25,
            imported_at: t0() + minutes(10),
        }
    );
    assert_eq!(
        store
            .metrics_of(&m.source, &m.table_id)
            .await
            .expect("metrics"),
        vec!["KOSB".to_owned(), "KOSC".to_owned()]
    );
    assert!(
        everything(store, &m, "KOSA").await.is_empty(),
        "old metric gone"
    );
    let kosb = everything(store, &m, "KOSB").await;
    assert_eq!(kosb.len(), 20, "old cells of a kept metric gone");
    assert_eq!(
        kosb.iter().map(|p| p.value).collect::<Vec<_>>(),
        second[..20].iter().map(|c| c.value).collect::<Vec<_>>(),
        "the new values"
    );
}

/// An import that fails anywhere (a bad cell deep in the batch, two cells with one key, a
/// non-finite value, bad metadata) changes nothing: the previous fingerprint, metadata and
/// cells stay. A failed first import leaves no dataset.
pub async fn statistics_failed_import_leaves_the_previous_data(store: &dyn Store) {
    let m = meta("Sosialhjelp");
    store
        .import_dataset(&m, "sha256:good", &grid("KOSS", 100), t0())
        .await
        .expect("good import");
    let before = dataset(store, &m).await;
    let cells_before = everything(store, &m, "KOSS").await;

    let big = grid("KOSS", 5_000);
    let with = |at: usize, bad: StatCell| {
        let mut cells = big.clone();
        cells[at] = bad;
        cells
    };
    let empty_status = StatCell {
        status: Some(String::new()),
        ..cell("KOSS", "4204", "2024", None)
    };
    let cases: Vec<(&str, DatasetMeta, Vec<StatCell>, StoreError)> = vec![
        (
            "an empty status deep in the batch",
            m.clone(),
            with(4_000, empty_status),
            StoreError::Invalid("statistics_cells_status_check".into()),
        ),
        (
            "an empty metric",
            m.clone(),
            with(2, cell("", "4204", "2024", Some(1.0))),
            StoreError::Invalid("statistics_cells_metric_check".into()),
        ),
        (
            "an infinite value",
            m.clone(),
            with(3_500, cell("KOSS", "4204", "2024", Some(f64::INFINITY))),
            StoreError::Invalid("statistics_cells_value_check".into()),
        ),
        (
            "NaN",
            m.clone(),
            with(10, cell("KOSS", "4204", "2024", Some(f64::NAN))),
            StoreError::Invalid("statistics_cells_value_check".into()),
        ),
        (
            "two cells with one key",
            m.clone(),
            with(4_500, big[1].clone()),
            StoreError::Conflict("statistics_cells_pkey".into()),
        ),
        (
            "metadata that is not an object",
            DatasetMeta {
                metadata: json!(["not", "an", "object"]),
                ..m.clone()
            },
            big.clone(),
            StoreError::Invalid("statistics_datasets_metadata_check".into()),
        ),
    ];
    for (what, meta, cells, expected) in cases {
        let result = store
            .import_dataset(&meta, "sha256:bad", &cells, t0() + minutes(1))
            .await;
        assert_eq!(
            format!("{result:?}"),
            format!("{:?}", Err::<ImportOutcome, _>(expected)),
            "{what}"
        );
        assert_eq!(
            dataset(store, &m).await,
            before,
            "{what}: the dataset stays"
        );
        assert_eq!(
            everything(store, &m, "KOSS").await,
            cells_before,
            "{what}: the cells stay"
        );
    }

    let fresh = meta("Aldri importert");
    let result = store
        .import_dataset(
            &fresh,
            "sha256:bad",
            &[cell("KOSS", "4204", "2024", Some(f64::NEG_INFINITY))],
            t0(),
        )
        .await;
    assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
    assert!(matches!(
        store.get_dataset(&fresh.source, &fresh.table_id).await,
        Err(StoreError::NotFound)
    ));
    let duplicate = [
        cell("KOSS", "4204", "2024", Some(1.0)),
        cell("KOSS", "4204", "2024", Some(2.0)),
    ];
    assert!(
        store
            .import_dataset(&fresh, "sha256:dup", &duplicate, t0())
            .await
            .is_err()
    );
    assert!(matches!(
        store.get_dataset(&fresh.source, &fresh.table_id).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        store
            .metrics_of(&fresh.source, &fresh.table_id)
            .await
            .expect("metrics")
            .is_empty()
    );
}
