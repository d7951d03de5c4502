//! The parsed dataset: dimensions with ordered categories, cells addressed by category ids.
//!
//! Cells are stored in JSON-stat row-major order (the last dimension in `id` varies fastest).

use std::collections::BTreeMap;

use crate::region::RegionCode;

/// SSB status: the cell does not apply (e.g. a service the municipality does not have).
pub const STATUS_NOT_APPLICABLE: &str = ".";
/// SSB status: the figure is not (yet) available.
pub const STATUS_NOT_AVAILABLE: &str = "..";
/// SSB status: the figure is confidential (suppressed).
pub const STATUS_CONFIDENTIAL: &str = ":";

/// One cell: a value (None when null or missing) and its status symbol, if any.
///
/// A cell whose status is `.`, `..` or `:` never has a value, even if the source gave one, so a
/// missing figure can never be read as zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The figure, if there is one.
    pub value: Option<f64>,
    /// The status symbol, e.g. `..` or `e` (estimate).
    pub status: Option<String>,
}

/// Why a cell has no figure, from its SSB status symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Missing {
    /// `.`: not applicable.
    NotApplicable,
    /// `..`: not available.
    NotAvailable,
    /// `:`: confidential.
    Confidential,
}

impl Missing {
    /// The meaning of a status symbol, if it is one of SSB's missing-data symbols.
    pub fn from_status(status: &str) -> Option<Self> {
        match status {
            STATUS_NOT_APPLICABLE => Some(Self::NotApplicable),
            STATUS_NOT_AVAILABLE => Some(Self::NotAvailable),
            STATUS_CONFIDENTIAL => Some(Self::Confidential),
            _ => None,
        }
    }
}

impl Cell {
    /// Why the cell has no figure, when its status says so.
    pub fn missing(&self) -> Option<Missing> {
        self.status.as_deref().and_then(Missing::from_status)
    }
}

/// How a unit is written next to its figure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unit {
    /// Text to show, e.g. "thousands of persons" or "%".
    pub label: Option<String>,
    /// Number of decimals to show.
    pub decimals: Option<u32>,
    /// What is counted, e.g. "antall" or "årsverk".
    pub base: Option<String>,
    /// Where the label goes: "start" or "end".
    pub position: Option<String>,
    /// Power of ten the figures are in (3 = thousands).
    pub multiplier: Option<i32>,
    /// The unit object as given, for members not modelled here.
    pub raw: serde_json::Value,
}

/// One category of a dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Category {
    /// The category id, e.g. `3025` or `KOSbelop0000`.
    pub id: String,
    /// Its label, e.g. "Asker".
    pub label: Option<String>,
    /// Its unit, for metric categories.
    pub unit: Option<Unit>,
}

/// One dimension, with its categories in index order.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    /// The dimension id, e.g. `KOKkommuneregion0000`.
    pub id: String,
    /// Its label, e.g. "region".
    pub label: Option<String>,
    /// Categories in index order.
    pub categories: Vec<Category>,
    /// The dimension's `extension`, `link` and `note`, as given.
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl Dimension {
    /// The position of a category, by id.
    pub fn position(&self, category: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.id == category)
    }

    /// A category, by id.
    pub fn category(&self, category: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == category)
    }
}

/// The `role` member: which dimensions are time, geography and metric.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Roles {
    /// Time dimensions.
    pub time: Vec<String>,
    /// Geographic dimensions.
    pub geo: Vec<String>,
    /// Metric (content) dimensions.
    pub metric: Vec<String>,
}

/// Statuses of the cells: one for all, or some per cell.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Statuses {
    /// A status that applies to every cell.
    pub(crate) all: Option<String>,
    /// Statuses by cell index.
    pub(crate) cells: BTreeMap<usize, String>,
}

/// A JSON-stat 2.0 dataset.
///
/// Compare datasets with [`Dataset::fingerprint`]: two representations of the same content
/// (e.g. a status for all cells or one per cell) may be stored differently.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub(crate) label: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) updated: Option<String>,
    pub(crate) dimensions: Vec<Dimension>,
    pub(crate) values: Vec<Option<f64>>,
    pub(crate) statuses: Statuses,
    pub(crate) roles: Roles,
    pub(crate) extension: Option<serde_json::Value>,
    pub(crate) region: Option<usize>,
}

impl Dataset {
    /// The dataset's label, e.g. "12191: Kommunehelse …".
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// Who published it, e.g. "Statistisk sentralbyrå".
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// When it was last updated, as written (ISO 8601).
    pub fn updated(&self) -> Option<&str> {
        self.updated.as_deref()
    }

    /// The dataset's `extension` member as given (SSB: `px.tableid` and more).
    pub fn extension(&self) -> Option<&serde_json::Value> {
        self.extension.as_ref()
    }

    /// The roles as declared.
    pub fn roles(&self) -> &Roles {
        &self.roles
    }

    /// The dimensions in `id` order.
    pub fn dimensions(&self) -> &[Dimension] {
        &self.dimensions
    }

    /// A dimension by id.
    pub fn dimension(&self, id: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.id == id)
    }

    /// The number of cells (the product of the sizes).
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the dataset has no cells (some dimension has size 0).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The region dimension: `role.geo`, else found by its id or its category codes.
    pub fn region_dimension(&self) -> Option<&Dimension> {
        self.region.and_then(|i| self.dimensions.get(i))
    }

    /// The time dimension: the first of `role.time`, else a dimension called `Tid`.
    pub fn time_dimension(&self) -> Option<&Dimension> {
        self.role_or(&self.roles.time, &["Tid", "tid", "time", "year"])
    }

    /// The metric dimension: the first of `role.metric`, else `ContentsCode` (SSB).
    pub fn metric_dimension(&self) -> Option<&Dimension> {
        self.role_or(&self.roles.metric, &["ContentsCode"])
    }

    fn role_or(&self, role: &[String], fallbacks: &[&str]) -> Option<&Dimension> {
        role.first()
            .and_then(|id| self.dimension(id))
            .or_else(|| fallbacks.iter().find_map(|id| self.dimension(id)))
    }

    /// The cell at the given coordinates, one `(dimension, category)` per dimension.
    ///
    /// Dimensions of size 1 may be left out. None when a dimension or category is unknown, a
    /// dimension of larger size is not given, or a dimension is given twice.
    pub fn get(&self, coordinates: &[(&str, &str)]) -> Option<Cell> {
        for (i, (dim, _)) in coordinates.iter().enumerate() {
            if coordinates
                .iter()
                .skip(i + 1)
                .any(|(other, _)| other == dim)
            {
                return None;
            }
        }
        let mut index = 0usize;
        for dimension in &self.dimensions {
            let position = match coordinates.iter().find(|(d, _)| *d == dimension.id) {
                Some((_, category)) => dimension.position(category)?,
                None if dimension.categories.len() == 1 => 0,
                None => return None,
            };
            index = index
                .checked_mul(dimension.categories.len())?
                .checked_add(position)?;
        }
        if coordinates.iter().any(|(d, _)| self.dimension(d).is_none()) {
            return None;
        }
        self.cell(index)
    }

    /// The cell at a row-major index.
    pub fn cell(&self, index: usize) -> Option<Cell> {
        let value = *self.values.get(index)?;
        let status = self
            .statuses
            .cells
            .get(&index)
            .or(self.statuses.all.as_ref())
            .cloned();
        let value = if status.as_deref().and_then(Missing::from_status).is_some() {
            None
        } else {
            value
        };
        Some(Cell { value, status })
    }

    /// Every cell with its coordinates, one category id per dimension in `id` order.
    pub fn cells(&self) -> impl Iterator<Item = (Vec<&str>, Cell)> + '_ {
        (0..self.values.len()).filter_map(move |index| {
            let mut coordinates = vec![""; self.dimensions.len()];
            let mut rest = index;
            for (slot, dimension) in coordinates.iter_mut().zip(&self.dimensions).rev() {
                let n = dimension.categories.len();
                let category = dimension.categories.get(rest.checked_rem(n)?)?;
                *slot = category.id.as_str();
                rest /= n;
            }
            Some((coordinates, self.cell(index)?))
        })
    }

    /// The region code of every category of the region dimension, classified.
    pub fn region_codes(&self) -> Vec<(&str, RegionCode)> {
        self.region_dimension()
            .map(|d| {
                d.categories
                    .iter()
                    .map(|c| (c.id.as_str(), RegionCode::classify(&c.id)))
                    .collect()
            })
            .unwrap_or_default()
    }
}
