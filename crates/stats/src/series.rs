//! Time series for KOSTRA comparisons: one metric for one region over time.
//!
//! Region codes are compared after [`normalise_region`], so a table using 3025 (Asker before
//! 2024) and one using 3203 (Asker from 2024) give one series.

use std::collections::BTreeMap;

use crate::model::{Cell, Dataset};
use crate::region::normalise_region;

/// The series of `metric` (a category of the metric dimension) for `region` (any numbering), in
/// the time dimension's order. Every other dimension must have a single category; use
/// [`series_where`] to fix the others. Empty when the dataset has no time, region or metric
/// dimension, or nothing matches.
pub fn series(dataset: &Dataset, metric: &str, region: &str) -> Vec<(String, Cell)> {
    series_where(dataset, metric, region, &[])
}

/// Like [`series`], with the categories of the remaining dimensions given as
/// `(dimension, category)` pairs (e.g. `("KOKart0000", "AGD2")`).
///
/// If the table holds both the old and the new number of the region, the cell with a figure
/// wins, else the first in the region dimension's order.
pub fn series_where(
    dataset: &Dataset,
    metric: &str,
    region: &str,
    fixed: &[(&str, &str)],
) -> Vec<(String, Cell)> {
    let (Some(time), Some(regions), Some(metrics)) = (
        dataset.time_dimension(),
        dataset.region_dimension(),
        dataset.metric_dimension(),
    ) else {
        return Vec::new();
    };
    let target = normalise_region(region);
    let region_ids: Vec<&str> = regions
        .categories
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| normalise_region(id) == target)
        .collect();
    let mut out = Vec::new();
    for t in &time.categories {
        let mut chosen: Option<Cell> = None;
        for r in &region_ids {
            let mut coordinates = fixed.to_vec();
            coordinates.push((time.id.as_str(), t.id.as_str()));
            coordinates.push((regions.id.as_str(), r));
            coordinates.push((metrics.id.as_str(), metric));
            if let Some(cell) = dataset.get(&coordinates)
                && chosen
                    .as_ref()
                    .is_none_or(|c| c.value.is_none() && cell.value.is_some())
            {
                chosen = Some(cell);
            }
        }
        if let Some(cell) = chosen {
            out.push((t.id.clone(), cell));
        }
    }
    out
}

/// Joins series from several tables (e.g. last year's and this year's), ordered by time; where
/// two give the same time, the later part wins (newer tables carry revised figures).
pub fn merge_series(parts: impl IntoIterator<Item = Vec<(String, Cell)>>) -> Vec<(String, Cell)> {
    let mut merged = BTreeMap::new();
    for part in parts {
        merged.extend(part);
    }
    merged.into_iter().collect()
}
