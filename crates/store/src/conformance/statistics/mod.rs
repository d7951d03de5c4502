//! Stories: public statistics (idempotent, transactional imports; series; missing values).
//!
//! Statistics belong to no tenant. Every story imports datasets under random table ids, so
//! the stories tolerate each other's datasets in one database and look only at their own.

mod import;
mod series;

use serde_json::json;

pub use self::import::{
    statistics_failed_import_leaves_the_previous_data, statistics_import_is_idempotent,
    statistics_reimport_replaces_every_cell,
};
pub use self::series::{statistics_missing_values_round_trip, statistics_series_order_and_filters};
use super::random_text;
use crate::{DatasetMeta, SeriesPoint, StatCell, Store};

/// A KOSTRA-like dataset with a random table id.
fn meta(label: &str) -> DatasetMeta {
    DatasetMeta {
        source: "ssb".into(),
        table_id: random_text("12191"),
        label: label.into(),
        metadata: json!({
            "dimensions": ["KOKkommuneregion0000", "ContentsCode", "Tid"],
            "units": {"KOSAG110000": {"label": "prosent", "decimals": 1}},
            "roles": {"geo": ["KOKkommuneregion0000"], "time": ["Tid"]},
        }),
    }
}

/// A cell with the region given in the 2024 numbering (or a region that never changed).
fn cell(metric: &str, region: &str, time: &str, value: Option<f64>) -> StatCell {
    StatCell {
        metric: metric.into(),
        region: region.into(),
        region_normalised: region.into(),
        time: time.into(),
        other: String::new(),
        value,
        status: None,
    }
}

/// The dataset's whole series of `metric`, every region and other key.
async fn everything(store: &dyn Store, meta: &DatasetMeta, metric: &str) -> Vec<SeriesPoint> {
    store
        .series(&meta.source, &meta.table_id, metric, &[], None)
        .await
        .expect("series")
}

/// `n` cells of one metric: regions 0..n/10 by years 2015..2024, values `i * 0.5`.
fn grid(metric: &str, n: u32) -> Vec<StatCell> {
    (0..n)
        .map(|i| {
            let region = format!("{:04}", 1000 + i / 10);
            let year = format!("{}", 2015 + i % 10);
            cell(metric, &region, &year, Some(f64::from(i) * 0.5))
        })
        .collect()
}

/// Runs every statistics story in turn on one store.
pub(super) async fn run_all(store: &dyn Store) {
    statistics_import_is_idempotent(store).await;
    statistics_reimport_replaces_every_cell(store).await;
    statistics_failed_import_leaves_the_previous_data(store).await;
    statistics_series_order_and_filters(store).await;
    statistics_missing_values_round_trip(store).await;
}
