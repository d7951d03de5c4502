//! From a parsed JSON-stat dataset to what the store keeps: its identity `(source, table)`, a
//! metadata object (dimensions with their roles and categories, metrics with units and
//! decimals) and one [`StatCell`] per coordinate.
//!
//! A cell's `other` key names the categories of every dimension that is not the region, time
//! or metric dimension, in `id` order: `KOKfunksjon0000=100;KOKart0000=AGD4` (`%`, `;` and `=`
//! inside ids are written `%25`, `%3B`, `%3D`). A dataset without a region (or time, or metric)
//! dimension stores [`NO_DIMENSION`] there.

use minside_stats::{Dataset, Dimension, normalise_region};
use minside_store::StatCell;
use serde::{Deserialize, Serialize};

use super::ImportError;

/// Bumped when the metadata or cells made from the same dataset change, so that the next
/// import replaces what an older MinSide stored (it is part of the stored fingerprint).
pub(crate) const FORMAT: u32 = 1;

/// The region, time or metric of a cell when the dataset has no such dimension (e.g. SSB's
/// building cost index 08655 has no region): a neutral placeholder, never a made-up region.
pub const NO_DIMENSION: &str = "-";

/// What a dimension is for in comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Region,
    Time,
    Metric,
    /// Any other dimension; its categories make up a cell's `other` key.
    Other,
}

/// The metadata object stored with a dataset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metadata {
    pub format: u32,
    /// Who published it, as the dataset says (e.g. "Statistisk sentralbyrå").
    pub publisher: Option<String>,
    /// When the publisher last updated it, as written.
    pub updated: Option<String>,
    /// Every dimension in `id` order.
    pub dimensions: Vec<DimensionMeta>,
    /// The metric dimension's categories with units, or one [`NO_DIMENSION`] metric.
    pub metrics: Vec<MetricMeta>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DimensionMeta {
    pub id: String,
    pub label: Option<String>,
    pub role: Role,
    pub categories: Vec<CategoryMeta>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoryMeta {
    pub code: String,
    pub label: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricMeta {
    pub code: String,
    pub label: Option<String>,
    /// The unit's label, else its base (SSB gives only `base`, e.g. "prosent", "1000 kr").
    pub unit: Option<String>,
    /// Decimals to show: the unit's, else the dataset's `extension.px.decimals`.
    pub decimals: Option<u32>,
    /// Power of ten the figures are in (3: thousands), when given and not 0.
    pub multiplier: Option<i32>,
}

impl Metadata {
    pub fn dimension(&self, role: Role) -> Option<&DimensionMeta> {
        self.dimensions.iter().find(|d| d.role == role)
    }

    pub fn others(&self) -> impl Iterator<Item = &DimensionMeta> {
        self.dimensions.iter().filter(|d| d.role == Role::Other)
    }

    pub fn metric(&self, code: &str) -> Option<&MetricMeta> {
        self.metrics.iter().find(|m| m.code == code)
    }
}

impl DimensionMeta {
    pub fn label_of(&self, code: &str) -> Option<&str> {
        self.categories
            .iter()
            .find(|c| c.code == code)
            .and_then(|c| c.label.as_deref())
    }
}

/// Where the region, time and metric dimensions are (distinct positions in `id` order).
struct Positions {
    region: Option<usize>,
    time: Option<usize>,
    metric: Option<usize>,
}

impl Positions {
    fn of(dataset: &Dataset) -> Self {
        let at = |d: Option<&Dimension>| {
            d.and_then(|d| dataset.dimensions().iter().position(|x| x.id == d.id))
        };
        let metric = at(dataset.metric_dimension());
        let time = at(dataset.time_dimension()).filter(|t| Some(*t) != metric);
        let region =
            at(dataset.region_dimension()).filter(|r| Some(*r) != metric && Some(*r) != time);
        Self {
            region,
            time,
            metric,
        }
    }

    fn role(&self, i: usize) -> Role {
        if Some(i) == self.region {
            Role::Region
        } else if Some(i) == self.time {
            Role::Time
        } else if Some(i) == self.metric {
            Role::Metric
        } else {
            Role::Other
        }
    }
}

/// The dataset's metadata object.
pub fn metadata(dataset: &Dataset) -> Metadata {
    let positions = Positions::of(dataset);
    let dimensions = dataset
        .dimensions()
        .iter()
        .enumerate()
        .map(|(i, d)| DimensionMeta {
            id: d.id.clone(),
            label: d.label.clone(),
            role: positions.role(i),
            categories: d
                .categories
                .iter()
                .map(|c| CategoryMeta {
                    code: c.id.clone(),
                    label: c.label.clone(),
                })
                .collect(),
        })
        .collect();
    let px_decimals = dataset
        .extension()
        .and_then(|e| e.pointer("/px/decimals"))
        .and_then(serde_json::Value::as_u64)
        .and_then(|d| u32::try_from(d).ok());
    let metrics = match positions.metric.and_then(|i| dataset.dimensions().get(i)) {
        Some(metric) => metric
            .categories
            .iter()
            .map(|c| {
                let unit = c.unit.as_ref();
                MetricMeta {
                    code: c.id.clone(),
                    label: c.label.clone(),
                    unit: unit.and_then(|u| u.label.clone().or_else(|| u.base.clone())),
                    decimals: unit.and_then(|u| u.decimals).or(px_decimals),
                    multiplier: unit.and_then(|u| u.multiplier).filter(|m| *m != 0),
                }
            })
            .collect(),
        None => vec![MetricMeta {
            code: NO_DIMENSION.to_owned(),
            label: dataset.label().map(str::to_owned),
            unit: None,
            decimals: px_decimals,
            multiplier: None,
        }],
    };
    Metadata {
        format: FORMAT,
        publisher: dataset.source().map(str::to_owned),
        updated: dataset.updated().map(str::to_owned),
        dimensions,
        metrics,
    }
}

/// One store cell per coordinate of the dataset.
pub fn cells(dataset: &Dataset) -> Result<Vec<StatCell>, ImportError> {
    let positions = Positions::of(dataset);
    for (i, d) in dataset.dimensions().iter().enumerate() {
        if positions.role(i) != Role::Other && d.categories.iter().any(|c| c.id.is_empty()) {
            return Err(ImportError::Unsupported(format!(
                "dimension {:?} has a category with an empty id",
                d.id
            )));
        }
    }
    let pick = |coordinates: &[&str], at: Option<usize>| {
        at.and_then(|i| coordinates.get(i).copied())
            .unwrap_or(NO_DIMENSION)
            .to_owned()
    };
    let mut out = Vec::with_capacity(dataset.len());
    for (coordinates, cell) in dataset.cells() {
        let region = pick(&coordinates, positions.region);
        let other = other_key(
            dataset
                .dimensions()
                .iter()
                .zip(&coordinates)
                .enumerate()
                .filter(|(i, _)| positions.role(*i) == Role::Other)
                .map(|(_, (d, c))| (d.id.as_str(), *c)),
        );
        out.push(StatCell {
            metric: pick(&coordinates, positions.metric),
            region_normalised: normalise_region(&region).to_owned(),
            region,
            time: pick(&coordinates, positions.time),
            other,
            value: cell.value,
            status: cell.status.filter(|s| !s.is_empty()),
        });
    }
    Ok(out)
}

/// The `other` key of `(dimension, category)` pairs, in the order given.
pub fn other_key<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .map(|(d, c)| format!("{}={}", escape(d), escape(c)))
        .collect::<Vec<_>>()
        .join(";")
}

/// Splits an `other` key into `(dimension, category)` pairs; None when it is malformed.
pub fn parse_other_key(key: &str) -> Option<Vec<(String, String)>> {
    if key.is_empty() {
        return Some(Vec::new());
    }
    key.split(';')
        .map(|pair| {
            let (d, c) = pair.split_once('=')?;
            Some((unescape(d)?, unescape(c)?))
        })
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace(';', "%3B")
        .replace('=', "%3D")
}

fn unescape(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('%') {
        out.push_str(rest.get(..at)?);
        let code = rest.get(at + 1..at + 3)?;
        out.push(match code {
            "25" => '%',
            "3B" | "3b" => ';',
            "3D" | "3d" => '=',
            _ => return None,
        });
        rest = rest.get(at + 3..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// The `(source, table)` a dataset is stored under: the overrides when given, else `ssb` for
/// Statistics Norway (or no publisher) and a slug of the publisher's name otherwise; the table
/// id from a `12191: ...` label prefix (digits, as SSB's table ids), else SSB's
/// `extension.px.tableid`.
pub fn identity(
    dataset: &Dataset,
    source: Option<&str>,
    table: Option<&str>,
) -> Result<(String, String), ImportError> {
    let source = match source {
        Some(s) => s.to_owned(),
        None => match dataset.source().map(str::trim) {
            None => "ssb".to_owned(),
            Some(p) if is_ssb(p) => "ssb".to_owned(),
            Some(p) => slug(p.split(',').next().unwrap_or(p)),
        },
    };
    let table = match table {
        Some(t) => t.to_owned(),
        None => table_from_label(dataset.label())
            .or_else(|| {
                dataset
                    .extension()
                    .and_then(|e| e.pointer("/px/tableid"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            })
            .ok_or_else(|| {
                ImportError::Identity(
                    "the dataset does not say its table id (no \"12345: \" label prefix or \
                     extension.px.tableid); give one with --table"
                        .into(),
                )
            })?,
    };
    for (what, value) in [("source", &source), ("table", &table)] {
        if !is_key(value) {
            return Err(ImportError::Identity(format!(
                "{what} {value:?} must be 1 to 64 letters, digits, '.', '_' or '-', starting \
                 with a letter or digit; give one with --{what}"
            )));
        }
    }
    Ok((source, table))
}

fn is_ssb(publisher: &str) -> bool {
    let p = publisher.to_lowercase();
    p.starts_with("statistisk sentralbyrå") || p.starts_with("statistics norway") || p == "ssb"
}

fn table_from_label(label: Option<&str>) -> Option<String> {
    let (id, _) = label?.split_once(": ")?;
    ((3..=8).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_owned())
}

/// Lowercase ASCII letters and digits, anything else one `-`, at most 40 characters.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.truncate(40);
    out.trim_end_matches('-').to_owned()
}

/// A source or table id usable as one URL path segment.
pub fn is_key(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn other_keys_round_trip_with_awkward_ids() {
        let key = other_key([("a;b", "x=y"), ("p%q", ""), ("KOKart0000", "AGD4")]);
        assert_eq!(key, "a%3Bb=x%3Dy;p%25q=;KOKart0000=AGD4");
        assert_eq!(
            parse_other_key(&key).unwrap(),
            vec![
                ("a;b".to_owned(), "x=y".to_owned()),
                ("p%q".to_owned(), String::new()),
                ("KOKart0000".to_owned(), "AGD4".to_owned()),
            ]
        );
        assert_eq!(parse_other_key("").unwrap(), vec![]);
        for bad in ["novalue", "a=b;c", "a=%zz", "a=%2"] {
            assert_eq!(parse_other_key(bad), None, "{bad}");
        }
    }

    #[test]
    fn slugs_and_keys() {
        assert_eq!(slug("Statistics Canada"), "statistics-canada");
        assert_eq!(slug("  Ærlig talt – OECD!"), "rlig-talt-oecd");
        assert!(slug(&"x".repeat(100)).len() <= 40);
        assert!(is_key("12191") && is_key("json-stat.org") && is_key("a_b"));
        for bad in ["", "-a", "a/b", "a b", "å", &"x".repeat(65)] {
            assert!(!is_key(bad), "{bad:?}");
        }
        assert_eq!(
            table_from_label(Some("12191: Kommunehelse")),
            Some("12191".into())
        );
        assert_eq!(table_from_label(Some("Eksempeltall: x")), None);
        assert_eq!(table_from_label(Some("Ikke en tabell – x")), None);
    }
}
