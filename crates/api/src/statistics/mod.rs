//! Public statistics (KOSTRA and other JSON-stat 2.0 tables): importing a document into the
//! store, the views the public routes answer with, the comparison of the tenant with chosen
//! municipalities, its KOSTRA group and the country, and the demo datasets.
//!
//! [`import`] is the one way data gets in (the CLI `minside import stats`, the demo seeding and
//! the tests use it): parse with `minside-stats`, turn the dataset into store cells
//! ([`convert`]), and store it in one transaction under a fingerprint, so re-importing the same
//! content changes nothing and a failing document leaves the previous data as it was.
//! See `docs/statistics.md`.

pub mod compare;
pub mod convert;
pub mod views;

use jiff::Timestamp;
use minside_stats::{ParseLimits, StatsError};
use minside_store::{DatasetMeta, ImportOutcome, Store, StoreError};

use crate::config::{ConfigError, StatisticsSettings};

/// Why a document was not imported. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The document is not a valid JSON-stat 2.0 dataset; the message names a JSON pointer
    /// where the parser has one.
    #[error("not a valid JSON-stat 2.0 dataset: {0}")]
    Invalid(StatsError),
    /// The download failed (unreachable, non-2xx, too large).
    #[error("{0}")]
    Download(StatsError),
    /// The dataset's identity (source, table) could not be told or is not usable.
    #[error("{0}")]
    Identity(String),
    /// Valid JSON-stat that MinSide cannot store (e.g. an empty region code).
    #[error("the dataset cannot be stored: {0}")]
    Unsupported(String),
    #[error("storing the dataset failed: {0}")]
    Store(#[from] StoreError),
}

impl ImportError {
    /// The JSON pointer to the offending member, when the parser named one.
    pub fn pointer(&self) -> Option<&str> {
        match self {
            Self::Invalid(e) => e.pointer(),
            _ => None,
        }
    }
}

/// How to import: the identity to store the dataset under when not the dataset's own, and the
/// parser's limits.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Publisher key, e.g. `ssb` (default: from the dataset, see [`convert::identity`]).
    pub source: Option<String>,
    /// Table id, e.g. `12191` (default: from the dataset).
    pub table: Option<String>,
    pub limits: ParseLimits,
}

impl ImportOptions {
    /// Options with the configured byte limit.
    pub fn with_settings(settings: &StatisticsSettings) -> Self {
        Self {
            limits: settings.parse_limits(),
            ..Self::default()
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub source: String,
    pub table: String,
    pub label: String,
    pub outcome: ImportOutcome,
    /// Cells in the dataset (as stored, whatever the outcome).
    pub cells: u64,
}

impl Imported {
    /// `created`, `replaced` or `unchanged`.
    pub fn outcome_name(&self) -> &'static str {
        match self.outcome {
            ImportOutcome::Created { .. } => "created",
            ImportOutcome::Replaced { .. } => "replaced",
            ImportOutcome::Unchanged => "unchanged",
        }
    }
}

/// Imports one JSON-stat 2.0 document: parsed, converted and stored in one transaction. An
/// unchanged dataset (same content fingerprint and conversion format) is not written again.
#[tracing::instrument(skip_all, fields(bytes = bytes.len()))]
pub async fn import(
    store: &dyn Store,
    bytes: &[u8],
    options: &ImportOptions,
    now: Timestamp,
) -> Result<Imported, ImportError> {
    let dataset =
        minside_stats::parse_with(bytes, &options.limits).map_err(ImportError::Invalid)?;
    let (source, table) = convert::identity(
        &dataset,
        options.source.as_deref(),
        options.table.as_deref(),
    )?;
    let metadata = serde_json::to_value(convert::metadata(&dataset))
        .map_err(|e| ImportError::Unsupported(e.to_string()))?;
    let cells = convert::cells(&dataset)?;
    let label = dataset
        .label()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{source}/{table}"));
    let meta = DatasetMeta {
        source: source.clone(),
        table_id: table.clone(),
        label: label.clone(),
        metadata,
    };
    let fingerprint = format!("{}:{}", convert::FORMAT, dataset.fingerprint());
    let outcome = store
        .import_dataset(&meta, &fingerprint, &cells, now)
        .await?;
    tracing::info!(%source, %table, cells = cells.len(), ?outcome, "statistics imported");
    Ok(Imported {
        source,
        table,
        label,
        outcome,
        cells: cells.len() as u64,
    })
}

/// Downloads a document (within the configured time and size limits) and imports it.
pub async fn import_url(
    store: &dyn Store,
    url: &url::Url,
    options: &ImportOptions,
    settings: &StatisticsSettings,
    now: Timestamp,
) -> Result<Imported, ImportError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ImportError::Download(StatsError::Unreachable {
            reason: format!(
                "only http and https URLs can be fetched, not {}",
                url.scheme()
            ),
        }));
    }
    let bytes = minside_stats::fetch(url.as_str(), &settings.fetch_limits())
        .await
        .map_err(ImportError::Download)?;
    import(store, &bytes, options, now).await
}

/// The datasets the demo ships: SSB's KOSTRA tables 12367 and 12191 and the building cost
/// index 08655 (© Statistisk sentralbyrå, CC BY 4.0, as published through KS's test data; see
/// `crates/stats/tests/data/README.md`), and an illustrative Asker dataset whose label says it
/// is not SSB figures.
const DEMO_DATASETS: [DemoDataset; 4] = [
    (
        "SSB 12367",
        include_bytes!("../../../stats/tests/data/ks-json-stat_resultatTest.json"),
        None,
    ),
    (
        "SSB 08655",
        include_bytes!("../../../stats/tests/data/ks-json-stat_resultatTest2.json"),
        None,
    ),
    (
        "SSB 12191",
        include_bytes!("../../../stats/tests/data/ks-json-stat_resultatTest3.json"),
        None,
    ),
    (
        "the illustrative Asker dataset",
        include_bytes!("../demo/statistics-asker.json"),
        Some((DEMO_SOURCE, DEMO_TABLE)),
    ),
];

/// A shipped dataset: a name for errors, the document, and `(source, table)` when not its own.
type DemoDataset = (
    &'static str,
    &'static [u8],
    Option<(&'static str, &'static str)>,
);

/// Where the illustrative Asker dataset is stored.
pub const DEMO_SOURCE: &str = "minside";
pub const DEMO_TABLE: &str = "eksempel-asker";

/// Imports the statistics shipped with MinSide; unchanged datasets are skipped, so this runs
/// at every start. Returns how many datasets were created or replaced.
pub(crate) async fn seed_demo_statistics(
    store: &dyn Store,
    now: Timestamp,
) -> Result<usize, ConfigError> {
    let mut changed = 0;
    for (name, bytes, identity) in DEMO_DATASETS {
        let options = ImportOptions {
            source: identity.map(|(s, _)| s.to_owned()),
            table: identity.map(|(_, t)| t.to_owned()),
            ..ImportOptions::default()
        };
        let imported = import(store, bytes, &options, now)
            .await
            .map_err(|e| ConfigError::Load(format!("demo statistics, {name}: {e}")))?;
        if imported.outcome != ImportOutcome::Unchanged {
            changed += 1;
        }
    }
    Ok(changed)
}
