//! Public statistics (KOSTRA and other SSB tables): datasets identified by `(source, table_id)`
//! and their cells, one row per metric, region, time and remaining coordinates.
//!
//! Statistics are public, not per tenant. An import replaces a dataset's cells in one
//! transaction, and re-importing content with the same fingerprint changes nothing. Parsing
//! JSON-stat, fingerprints and the 2024 region renumbering live in `minside-stats`; the caller
//! supplies each cell's region both as given and normalised to the 2024 numbering.

use async_trait::async_trait;
use jiff::Timestamp;

use crate::Result;

/// What identifies and describes a dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetMeta {
    /// Who publishes it, e.g. `ssb`.
    pub source: String,
    /// The publisher's table id, e.g. `12191`.
    pub table_id: String,
    pub label: String,
    /// Dimensions, units and roles as the importer provides them (a JSON object).
    pub metadata: serde_json::Value,
}

/// A stored dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDataset {
    pub meta: DatasetMeta,
    /// The content fingerprint of the last import that changed it.
    pub fingerprint: String,
    /// How many cells it has.
    pub cells: u64,
    /// When the last import that changed it ran.
    pub imported_at: Timestamp,
}

/// One cell of a dataset. `value` and `status` are independent: both absent (just missing), a
/// status without a value (SSB's `.`, `..`, `:`) or a value with a status (`e`, estimated). A
/// missing value is never stored as zero.
#[derive(Clone, Debug, PartialEq)]
pub struct StatCell {
    /// The metric (content) code, e.g. `KOSAG110000`.
    pub metric: String,
    /// The region code as the source gives it (`3025`, `EKG13`, `EAK`).
    pub region: String,
    /// The region code in the 2024 numbering (`3203` for `3025`; others as given).
    pub region_normalised: String,
    /// The time code, e.g. `2023`.
    pub time: String,
    /// The remaining dimensions' coordinates as one key chosen by the importer
    /// (e.g. `Kjonn=0;Alder=999`), empty when the table has no more dimensions.
    pub other: String,
    /// A finite number, or `None`.
    pub value: Option<f64>,
    pub status: Option<String>,
}

/// What [`StatisticsStore::import_dataset`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The stored fingerprint equals the new one: nothing was written.
    Unchanged,
    /// The dataset existed with other content; all its cells were replaced by `cells` cells.
    Replaced { cells: u64 },
    /// A new dataset with `cells` cells.
    Created { cells: u64 },
}

/// One point of a time series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesPoint {
    /// The region in the 2024 numbering.
    pub region: String,
    /// The region as the source gave it (differs from `region` for renumbered municipalities).
    pub region_given: String,
    pub time: String,
    /// The remaining coordinates' key (see [`StatCell::other`]).
    pub other: String,
    pub value: Option<f64>,
    pub status: Option<String>,
}

/// Imported statistics.
#[async_trait]
pub trait StatisticsStore {
    /// Stores the dataset with these cells in one transaction: when the stored fingerprint
    /// equals `fingerprint`, nothing is written ([`ImportOutcome::Unchanged`]); otherwise label,
    /// metadata, fingerprint and `imported_at` are set and every old cell is replaced. On any
    /// error the previous data and fingerprint stay as they were:
    /// [`Invalid`](crate::StoreError::Invalid) (a `statistics_*_check`) for an empty code or
    /// status, a non-finite value or metadata that is not a JSON object;
    /// [`Conflict`](crate::StoreError::Conflict) (`statistics_cells_pkey`) for two cells with
    /// the same metric, region as given, time and other key.
    async fn import_dataset(
        &self,
        meta: &DatasetMeta,
        fingerprint: &str,
        cells: &[StatCell],
        now: Timestamp,
    ) -> Result<ImportOutcome>;
    /// Every dataset, ordered by source and table id.
    async fn list_datasets(&self) -> Result<Vec<StoredDataset>>;
    /// One dataset; [`NotFound`](crate::StoreError::NotFound) when it was never imported.
    async fn get_dataset(&self, source: &str, table_id: &str) -> Result<StoredDataset>;
    /// The cells of one metric for the regions in `regions` (2024 numbering; cells given under
    /// an old number are found by their new one), all of them when `regions` is empty; only
    /// those with other key `other` when given. Ordered by region, time, other key and region
    /// as given. An unknown dataset or metric gives an empty series.
    async fn series(
        &self,
        source: &str,
        table_id: &str,
        metric: &str,
        regions: &[&str],
        other: Option<&str>,
    ) -> Result<Vec<SeriesPoint>>;
    /// The dataset's metric codes, in order.
    async fn metrics_of(&self, source: &str, table_id: &str) -> Result<Vec<String>>;
}

/// For the backends: refuses a NaN or infinite value before anything is written (SQLite would
/// silently store NaN as NULL, i.e. missing).
pub fn check_finite(cells: &[StatCell]) -> Result<()> {
    if cells.iter().all(|c| c.value.is_none_or(f64::is_finite)) {
        Ok(())
    } else {
        Err(crate::StoreError::Invalid(
            "statistics_cells_value_check".into(),
        ))
    }
}
