//! What the public statistics routes answer with: datasets with their metrics (label, unit,
//! decimals), one dataset's dimensions, and the Norwegian explanation of SSB's status symbols.

use minside_stats::{Missing, RegionCode};
use minside_store::StoredDataset;
use serde::Serialize;
use utoipa::ToSchema;

use super::convert::{Metadata, MetricMeta, Role};
use crate::error::ApiError;

/// A metric (SSB: a `ContentsCode` category) with how to show its figures.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MetricView {
    /// e.g. `KOSandelbarnbhg0000`; `-` when the dataset has no metric dimension.
    pub code: String,
    pub label: Option<String>,
    /// e.g. "prosent", "1000 kr", "antall".
    pub unit: Option<String>,
    /// Decimals to show.
    pub decimals: Option<u32>,
    /// Power of ten the figures are in (3: thousands), when not 0.
    pub multiplier: Option<i32>,
}

impl From<&MetricMeta> for MetricView {
    fn from(m: &MetricMeta) -> Self {
        Self {
            code: m.code.clone(),
            label: m.label.clone(),
            unit: m.unit.clone(),
            decimals: m.decimals,
            multiplier: m.multiplier,
        }
    }
}

/// One imported dataset.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetSummary {
    /// Publisher key, e.g. `ssb`.
    pub source: String,
    /// Table id, e.g. `12191`.
    pub table: String,
    pub label: String,
    /// The publisher as the dataset names it, e.g. "Statistisk sentralbyrå".
    pub publisher: Option<String>,
    /// When the publisher last updated it, as the dataset says.
    pub updated: Option<String>,
    /// When MinSide last imported a change to it (RFC 3339).
    pub imported_at: String,
    /// How many cells (figures, including missing ones) it has.
    pub cells: u64,
    /// Whether it has regions and time, so `.../compare` can answer.
    pub comparable: bool,
    pub metrics: Vec<MetricView>,
}

/// One dataset with its dimensions.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatasetDetail {
    #[serde(flatten)]
    pub summary: DatasetSummary,
    /// Every dimension in the dataset's order.
    pub dimensions: Vec<DimensionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DimensionView {
    /// e.g. `KOKkommuneregion0000`.
    pub id: String,
    pub label: Option<String>,
    pub role: Role,
    pub categories: Vec<CategoryView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub label: Option<String>,
}

/// The stored metadata of a dataset, read back.
pub fn metadata_of(stored: &StoredDataset) -> Result<Metadata, ApiError> {
    serde_json::from_value(stored.meta.metadata.clone()).map_err(|e| {
        ApiError::internal(format!(
            "statistics {}/{}: stored metadata does not parse (import it again): {e}",
            stored.meta.source, stored.meta.table_id
        ))
    })
}

impl DatasetSummary {
    pub fn new(stored: &StoredDataset, metadata: &Metadata) -> Self {
        Self {
            source: stored.meta.source.clone(),
            table: stored.meta.table_id.clone(),
            label: stored.meta.label.clone(),
            publisher: metadata.publisher.clone(),
            updated: metadata.updated.clone(),
            imported_at: stored.imported_at.to_string(),
            cells: stored.cells,
            comparable: metadata.dimension(Role::Region).is_some()
                && metadata.dimension(Role::Time).is_some(),
            metrics: metadata.metrics.iter().map(MetricView::from).collect(),
        }
    }
}

impl DatasetDetail {
    pub fn new(stored: &StoredDataset, metadata: &Metadata) -> Self {
        Self {
            summary: DatasetSummary::new(stored, metadata),
            dimensions: metadata
                .dimensions
                .iter()
                .map(|d| DimensionView {
                    id: d.id.clone(),
                    label: d.label.clone(),
                    role: d.role,
                    categories: d
                        .categories
                        .iter()
                        .map(|c| CategoryView {
                            code: c.code.clone(),
                            label: c.label.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// For residents: why a cell has no figure, or what its status symbol means. `None` for a
/// figure without a status.
pub fn status_text(value: Option<f64>, status: Option<&str>) -> Option<String> {
    let text = match (status.and_then(Missing::from_status), status, value) {
        (Some(Missing::NotApplicable), _, _) => {
            "Ikke mulig å oppgi tall: tallet finnes ikke her, for eksempel fordi \
             kommunenummeret eller kategorien ikke var i bruk det året."
        }
        (Some(Missing::NotAvailable), _, _) => {
            "Tallgrunnlag mangler: tallet er ikke kommet inn hos SSB og er derfor ukjent."
        }
        (Some(Missing::Confidential), _, _) => {
            "Vises ikke av hensyn til personvern: tallet publiseres ikke for å unngå å \
             identifisere personer eller virksomheter."
        }
        (None, Some(other), _) => {
            return Some(format!("Kilden har merket tallet med «{other}»."));
        }
        (None, None, None) => "Tall mangler: kilden oppgir ikke noe tall her.",
        (None, None, Some(_)) => return None,
    };
    Some(text.to_owned())
}

/// A region's name: the municipality's 2024 name from the national list, else the dataset's
/// label, else the usual name of a KOSTRA region code.
pub fn region_label(code: &str, dataset_label: Option<&str>) -> String {
    let classified = RegionCode::classify(code);
    if let Some(k) = classified.kommunenummer() {
        return k.name().to_owned();
    }
    if let Some(label) = dataset_label {
        return label.to_owned();
    }
    match classified {
        RegionCode::Country => "Landet".to_owned(),
        RegionCode::CountryWithoutOslo => "Landet uten Oslo".to_owned(),
        RegionCode::KostraGroup(n) => format!("KOSTRA-gruppe {n}"),
        _ => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_figures_are_explained_never_zero() {
        for status in [".", "..", ":"] {
            let text = status_text(None, Some(status));
            assert!(text.is_some_and(|t| !t.contains('0')), "{status}");
        }
        assert!(status_text(None, None).is_some());
        assert_eq!(status_text(Some(1.5), None), None);
        assert_eq!(
            status_text(Some(1.5), Some("e")).as_deref(),
            Some("Kilden har merket tallet med «e».")
        );
    }

    #[test]
    fn region_labels() {
        assert_eq!(region_label("3025", Some("Asker (2020-2023)")), "Asker");
        assert_eq!(
            region_label("EKG17", Some("KOSTRA-gruppe 17")),
            "KOSTRA-gruppe 17"
        );
        assert_eq!(region_label("EKG07", None), "KOSTRA-gruppe 7");
        assert_eq!(region_label("EAK", None), "Landet");
        assert_eq!(region_label("XX", None), "XX");
    }
}
