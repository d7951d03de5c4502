//! The comparison: one metric as time series for the tenant, the municipalities the reader
//! chose, the tenant's KOSTRA group and the country (`EAK`, and `EAKUO` when the table has it).
//!
//! Regions are asked for by their 2024 numbers; the store finds cells given under the
//! 2020–2023 numbers that changed (3025 Asker is 3203 from 2024), and each series and point
//! says which code its figures were given under. A missing figure is `null` with its status
//! and a Norwegian explanation, never 0.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use minside_core::Kommunenummer;
use minside_stats::normalise_region;
use minside_store::{SeriesPoint, Store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::convert::{self, DimensionMeta, Metadata, Role};
use super::views::{MetricView, metadata_of, region_label, status_text};
use crate::config::TenantConfig;
use crate::error::{ApiError, FieldProblem};

/// The most municipalities `with` may name.
pub const MAX_WITH: usize = 10;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CompareQuery {
    /// The metric code; may be left out when the dataset has only one.
    pub metric: Option<String>,
    /// Up to 10 kommunenummer to compare with, comma-separated (2024 numbers; the 2020–2023
    /// numbers that changed in 2024 are accepted too).
    pub with: Option<String>,
    /// The categories of the dataset's other dimensions, `dimension=category;...` (the `other`
    /// key; default: each dimension's first category).
    pub other: Option<String>,
}

/// What a series stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// The municipality this request is for.
    Tenant,
    /// One the reader chose.
    Municipality,
    /// The tenant's KOSTRA group (`EKGnn`).
    KostraGroup,
    /// `EAK`: the whole country.
    Country,
    /// `EAKUO`: the country without Oslo.
    CountryWithoutOslo,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Comparison {
    pub source: String,
    pub table: String,
    pub label: String,
    pub metric: MetricView,
    /// The `other` key the figures are for; empty when the dataset has no other dimensions.
    pub other: String,
    /// The categories chosen for the other dimensions, with their labels.
    pub selection: Vec<Selected>,
    /// The dataset's time codes, in its order.
    pub times: Vec<String>,
    pub series: Vec<SeriesView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Selected {
    pub dimension: String,
    pub dimension_label: Option<String>,
    pub code: String,
    pub label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesView {
    /// The region code in the 2024 numbering, e.g. `3203`, `EKG17`, `EAK`.
    pub region: String,
    pub kind: SeriesKind,
    /// e.g. "Asker", "KOSTRA-gruppe 17", "Landet".
    pub label: String,
    /// The codes the figures were given under, e.g. `["3025", "3203"]` for Asker across 2024.
    pub given_as: Vec<String>,
    /// One per time the dataset has for this region; empty when it has none.
    pub points: Vec<PointView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PointView {
    pub time: String,
    /// The figure; `null` when there is none (never 0 for a missing figure).
    pub value: Option<f64>,
    /// The source's status symbol: `.` not applicable, `..` not available, `:` confidential.
    pub status: Option<String>,
    /// For residents, in Norwegian: why there is no figure, or what the status means.
    pub status_text: Option<String>,
    /// The region code this figure was given under (e.g. `3025` for Asker before 2024).
    pub given_as: String,
}

/// The comparison for `tenant` in dataset `(source, table)`.
pub async fn compare(
    store: &dyn Store,
    tenant: &TenantConfig,
    source: &str,
    table: &str,
    query: &CompareQuery,
) -> Result<Comparison, ApiError> {
    let stored = store.get_dataset(source, table).await?;
    let metadata = metadata_of(&stored)?;
    let (Some(regions), Some(time)) = (
        metadata.dimension(Role::Region),
        metadata.dimension(Role::Time),
    ) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "not-comparable",
            "This dataset cannot be compared",
        )
        .with_detail("the dataset has no region or no time dimension"));
    };
    let mut errors = Vec::new();
    let metric = choose_metric(&metadata, query.metric.as_deref(), &mut errors);
    let selection = choose_other(&metadata, query.other.as_deref(), &mut errors);
    let with = choose_with(query.with.as_deref(), &mut errors);
    let (Some(metric), Some(selection), Some(with)) = (metric, selection, with) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-query",
            "Invalid query parameters",
        )
        .with_detail("see errors: each names the query parameter by a JSON pointer")
        .with_errors(errors));
    };

    let mut wanted: Vec<(String, SeriesKind)> =
        vec![(tenant.kommunenummer.as_str().to_owned(), SeriesKind::Tenant)];
    for k in with {
        if !wanted.iter().any(|(r, _)| r == k.as_str()) {
            wanted.push((k.as_str().to_owned(), SeriesKind::Municipality));
        }
    }
    if let Some(group) = &tenant.kostra_group {
        wanted.push((group.clone(), SeriesKind::KostraGroup));
    }
    wanted.push(("EAK".to_owned(), SeriesKind::Country));
    wanted.push(("EAKUO".to_owned(), SeriesKind::CountryWithoutOslo));

    let other = convert::other_key(
        selection
            .iter()
            .map(|s| (s.dimension.as_str(), s.code.as_str())),
    );
    let region_codes: Vec<&str> = wanted.iter().map(|(r, _)| r.as_str()).collect();
    let points = store
        .series(source, table, &metric.code, &region_codes, Some(&other))
        .await?;
    let mut by_region: BTreeMap<&str, Vec<&SeriesPoint>> = BTreeMap::new();
    for p in &points {
        by_region.entry(p.region.as_str()).or_default().push(p);
    }
    let series = wanted
        .iter()
        .map(|(region, kind)| {
            let points = by_region
                .get(region.as_str())
                .map_or(&[][..], Vec::as_slice);
            build_series(region, *kind, points, regions, time)
        })
        .filter(|s| s.kind != SeriesKind::CountryWithoutOslo || !s.points.is_empty())
        .collect();
    Ok(Comparison {
        source: stored.meta.source.clone(),
        table: stored.meta.table_id.clone(),
        label: stored.meta.label.clone(),
        metric: MetricView::from(metric),
        other,
        selection,
        times: time.categories.iter().map(|c| c.code.clone()).collect(),
        series,
    })
}

/// One series: per time (in the dataset's order) the best of the cells given for the region
/// under any of its numbers: a figure first, then a status other than `.`, then the 2024 code.
fn build_series(
    region: &str,
    kind: SeriesKind,
    points: &[&SeriesPoint],
    regions: &DimensionMeta,
    time: &DimensionMeta,
) -> SeriesView {
    let rank = |p: &SeriesPoint| {
        (
            p.value.is_none(),
            p.status.as_deref().is_none_or(|s| s == "."),
            p.region_given != p.region,
        )
    };
    let mut chosen = Vec::new();
    for t in &time.categories {
        if let Some(best) = points
            .iter()
            .filter(|p| p.time == t.code)
            .min_by_key(|p| rank(p))
        {
            chosen.push(*best);
        }
    }
    let mut given_as: Vec<String> = Vec::new();
    for p in &chosen {
        if !given_as.contains(&p.region_given) {
            given_as.push(p.region_given.clone());
        }
    }
    // The dataset's own label for the region, under the 2024 code or the one it was given as.
    let dataset_label = regions
        .label_of(region)
        .or_else(|| given_as.iter().find_map(|g| regions.label_of(g)));
    SeriesView {
        region: region.to_owned(),
        kind,
        label: region_label(region, dataset_label),
        given_as,
        points: chosen
            .into_iter()
            .map(|p| PointView {
                time: p.time.clone(),
                value: p.value,
                status: p.status.clone(),
                status_text: status_text(p.value, p.status.as_deref()),
                given_as: p.region_given.clone(),
            })
            .collect(),
    }
}

fn choose_metric<'m>(
    metadata: &'m Metadata,
    metric: Option<&str>,
    errors: &mut Vec<FieldProblem>,
) -> Option<&'m convert::MetricMeta> {
    let problem = |detail: String| FieldProblem {
        pointer: "/metric".into(),
        detail,
    };
    match (metric, metadata.metrics.as_slice()) {
        (None, [only]) => Some(only),
        (None, _) => {
            errors.push(problem(
                "required: this dataset has several metrics (see its metrics)".into(),
            ));
            None
        }
        (Some(code), _) => {
            let found = metadata.metric(code);
            if found.is_none() {
                errors.push(problem(format!(
                    "{:?} is not a metric of this dataset",
                    clip(code)
                )));
            }
            found
        }
    }
}

/// The other dimensions' categories: as given in `other`, the first category for the rest.
fn choose_other(
    metadata: &Metadata,
    other: Option<&str>,
    errors: &mut Vec<FieldProblem>,
) -> Option<Vec<Selected>> {
    let problem = |detail: String| FieldProblem {
        pointer: "/other".into(),
        detail,
    };
    let Some(pairs) = convert::parse_other_key(other.unwrap_or_default()) else {
        errors.push(problem(
            "expected dimension=category pairs separated by ';'".into(),
        ));
        return None;
    };
    let mut ok = true;
    for (i, (dimension, category)) in pairs.iter().enumerate() {
        let known = metadata.others().find(|d| &d.id == dimension);
        let detail = match known {
            None => Some(format!(
                "{:?} is not one of this dataset's other dimensions",
                clip(dimension)
            )),
            Some(_) if pairs.iter().take(i).any(|(d, _)| d == dimension) => {
                Some(format!("{:?} is given twice", clip(dimension)))
            }
            Some(d) if !d.categories.iter().any(|c| &c.code == category) => Some(format!(
                "{:?} is not a category of {:?}",
                clip(category),
                d.id
            )),
            Some(_) => None,
        };
        if let Some(detail) = detail {
            errors.push(problem(detail));
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    metadata
        .others()
        .map(|d| {
            let code = pairs
                .iter()
                .find(|(dim, _)| dim == &d.id)
                .map(|(_, c)| c.clone())
                .or_else(|| d.categories.first().map(|c| c.code.clone()))?;
            Some(Selected {
                dimension: d.id.clone(),
                dimension_label: d.label.clone(),
                label: d.label_of(&code).map(str::to_owned),
                code,
            })
        })
        .collect()
}

/// The municipalities to compare with, in the 2024 numbering.
fn choose_with(with: Option<&str>, errors: &mut Vec<FieldProblem>) -> Option<Vec<Kommunenummer>> {
    let Some(with) = with.filter(|w| !w.trim().is_empty()) else {
        return Some(Vec::new());
    };
    let items: Vec<&str> = with.split(',').map(str::trim).collect();
    if items.len() > MAX_WITH {
        errors.push(FieldProblem {
            pointer: "/with".into(),
            detail: format!("at most {MAX_WITH} municipalities, not {}", items.len()),
        });
        return None;
    }
    let mut out = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        match Kommunenummer::parse(normalise_region(item)) {
            Ok(k) => out.push(k),
            Err(_) => {
                errors.push(FieldProblem {
                    pointer: format!("/with/{i}"),
                    detail: format!("{:?} is not a kommunenummer", clip(item)),
                });
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// At most 40 characters of what the client sent, for error texts.
fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}
