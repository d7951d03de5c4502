//! The JSON-stat 2.0 parser: from bytes to a [`Dataset`], refusing anything malformed.
//!
//! The whole document is read with `serde_json` (whose recursion limit guards the stack), then
//! walked by hand so that every refusal names a JSON pointer. Sizes are validated and their
//! product checked against [`ParseLimits`] before any per-cell storage is allocated, and nothing
//! here indexes a slice in a way that can panic.

use std::collections::HashSet;

use serde_json::{Map, Value};

use crate::error::{StatsError, pointer_join};
use crate::model::{Dataset, Dimension, Roles, Statuses};
use crate::region::RegionCode;

mod dimension;

use dimension::dimension;

/// Upper bounds on what [`parse_with`] accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseLimits {
    /// Largest accepted number of cells (the product of the sizes). Default 5,000,000.
    pub max_cells: u64,
    /// Largest accepted document in bytes. Default 64 MiB.
    pub max_bytes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        Self {
            max_cells: 5_000_000,
            max_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Parses a JSON-stat 2.0 dataset with the default [`ParseLimits`].
///
/// A `collection` holding exactly one embedded dataset is accepted too; anything else (other
/// classes, JSON-stat 1.x bundles without `class`) is refused with [`StatsError::NotADataset`].
pub fn parse(bytes: &[u8]) -> Result<Dataset, StatsError> {
    parse_with(bytes, &ParseLimits::default())
}

/// Parses a JSON-stat 2.0 dataset within the given limits. A leading UTF-8 BOM is skipped.
pub fn parse_with(bytes: &[u8], limits: &ParseLimits) -> Result<Dataset, StatsError> {
    if bytes.len() > limits.max_bytes {
        return Err(StatsError::InputTooLarge {
            bytes: bytes.len(),
            limit: limits.max_bytes,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let root: Value = serde_json::from_slice(bytes).map_err(|e| StatsError::Json(e.to_string()))?;
    let Value::Object(root) = root else {
        return Err(not_a_dataset("the top level is not an object"));
    };
    match root.get("class") {
        Some(Value::String(class)) if class == "dataset" => dataset(&root, "", limits),
        Some(Value::String(class)) if class == "collection" => collection(&root, limits),
        Some(Value::String(class)) => Err(not_a_dataset(&format!("class is {class:?}"))),
        Some(_) => Err(not_a_dataset("class is not a string")),
        None => Err(not_a_dataset(
            "class is missing (JSON-stat 1.x bundles are not supported)",
        )),
    }
}

fn not_a_dataset(reason: &str) -> StatsError {
    StatsError::NotADataset {
        reason: reason.to_owned(),
    }
}

/// A collection is accepted when it embeds exactly one dataset.
fn collection(root: &Map<String, Value>, limits: &ParseLimits) -> Result<Dataset, StatsError> {
    let items = root
        .get("link")
        .and_then(|l| l.get("item"))
        .and_then(Value::as_array);
    match items.map(Vec::as_slice) {
        Some([Value::Object(item)])
            if item.get("class").and_then(Value::as_str) == Some("dataset") =>
        {
            dataset(item, "/link/item/0", limits)
        }
        Some(items) => Err(not_a_dataset(&format!(
            "a collection of {} items that is not one embedded dataset; import its datasets one by one",
            items.len()
        ))),
        None => Err(not_a_dataset("a collection without link.item")),
    }
}

fn dataset(
    obj: &Map<String, Value>,
    base: &str,
    limits: &ParseLimits,
) -> Result<Dataset, StatsError> {
    let ptr = |name: &str| pointer_join(base, name);

    let ids = string_array(required(obj, "id", base)?, &ptr("id"))?;
    let Value::Array(sizes_json) = required(obj, "size", base)? else {
        return Err(wrong_type(ptr("size"), "an array of non-negative integers"));
    };
    if sizes_json.len() != ids.len() {
        return Err(StatsError::SizeLength {
            ids: ids.len(),
            sizes: sizes_json.len(),
        });
    }
    let mut sizes = Vec::with_capacity(sizes_json.len());
    for (i, size) in sizes_json.iter().enumerate() {
        let size = size.as_u64().ok_or_else(|| StatsError::InvalidSize {
            pointer: pointer_join(&ptr("size"), &i.to_string()),
        })?;
        sizes.push(size);
    }
    let mut seen = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        if !seen.insert(id.as_str()) {
            return Err(StatsError::DuplicateDimension {
                pointer: pointer_join(&ptr("id"), &i.to_string()),
                id: id.clone(),
            });
        }
    }
    // The number of cells, checked before anything is allocated per cell.
    let cells = sizes
        .iter()
        .try_fold(1u64, |acc, &s| acc.checked_mul(s))
        .ok_or(StatsError::TooManyCells {
            cells: None,
            limit: limits.max_cells,
        })?;
    if cells > limits.max_cells {
        return Err(StatsError::TooManyCells {
            cells: Some(cells),
            limit: limits.max_cells,
        });
    }
    let n = usize::try_from(cells).map_err(|_| StatsError::TooManyCells {
        cells: Some(cells),
        limit: limits.max_cells,
    })?;

    let Value::Object(dims_json) = required(obj, "dimension", base)? else {
        return Err(wrong_type(ptr("dimension"), "an object"));
    };
    let mut dimensions = Vec::with_capacity(ids.len());
    for (i, (id, &size)) in ids.iter().zip(&sizes).enumerate() {
        let json = dims_json
            .get(id)
            .ok_or_else(|| StatsError::UnknownDimension {
                pointer: pointer_join(&ptr("id"), &i.to_string()),
                id: id.clone(),
            })?;
        let pointer = pointer_join(&ptr("dimension"), id);
        dimensions.push(dimension(id, size, json, &pointer)?);
    }

    let values = values(required(obj, "value", base)?, n, &ptr("value"))?;
    let statuses = match obj.get("status") {
        None | Some(Value::Null) => Statuses::default(),
        Some(status) => statuses(status, n, &ptr("status"))?,
    };
    let roles = match obj.get("role") {
        None | Some(Value::Null) => Roles::default(),
        Some(role) => roles(role, &ids, &ptr("role"))?,
    };
    let region = find_region(&dimensions, &roles);
    Ok(Dataset {
        label: optional_string(obj, "label", base)?,
        source: optional_string(obj, "source", base)?,
        updated: optional_string(obj, "updated", base)?,
        dimensions,
        values,
        statuses,
        roles,
        extension: obj.get("extension").cloned(),
        region,
    })
}

fn values(json: &Value, n: usize, pointer: &str) -> Result<Vec<Option<f64>>, StatsError> {
    let number = |v: &Value, p: &dyn Fn() -> String| match v {
        Value::Null => Ok(None),
        Value::Number(num) => num
            .as_f64()
            .map(Some)
            .ok_or_else(|| StatsError::NonNumericValue { pointer: p() }),
        _ => Err(StatsError::NonNumericValue { pointer: p() }),
    };
    match json {
        Value::Array(array) => {
            if array.len() != n {
                return Err(StatsError::ValueLength {
                    expected: n as u64,
                    found: array.len(),
                });
            }
            array
                .iter()
                .enumerate()
                .map(|(i, v)| number(v, &|| pointer_join(pointer, &i.to_string())))
                .collect()
        }
        Value::Object(sparse) => {
            let mut values = vec![None; n];
            for (key, v) in sparse {
                let p = || pointer_join(pointer, key);
                let slot = cell_index(key, n)
                    .and_then(|i| values.get_mut(i))
                    .ok_or_else(|| StatsError::IndexOutOfRange {
                        pointer: p(),
                        key: key.clone(),
                        bound: n as u64,
                    })?;
                *slot = number(v, &p)?;
            }
            Ok(values)
        }
        _ => Err(wrong_type(pointer.to_owned(), "an array or an object")),
    }
}

fn statuses(json: &Value, n: usize, pointer: &str) -> Result<Statuses, StatsError> {
    let status = |v: &Value, p: String| match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(wrong_type(p, "a string or null")),
    };
    let mut out = Statuses::default();
    match json {
        Value::String(s) => out.all = Some(s.clone()),
        Value::Array(array) if array.len() == 1 => {
            if let Some(first) = array.first() {
                out.all = status(first, pointer_join(pointer, "0"))?;
            }
        }
        Value::Array(array) if array.len() == n => {
            for (i, v) in array.iter().enumerate() {
                if let Some(s) = status(v, pointer_join(pointer, &i.to_string()))? {
                    out.cells.insert(i, s);
                }
            }
        }
        Value::Array(array) => {
            return Err(StatsError::StatusLength {
                expected: n as u64,
                found: array.len(),
            });
        }
        Value::Object(sparse) => {
            for (key, v) in sparse {
                let p = pointer_join(pointer, key);
                let i = cell_index(key, n).ok_or_else(|| StatsError::IndexOutOfRange {
                    pointer: p.clone(),
                    key: key.clone(),
                    bound: n as u64,
                })?;
                if let Some(s) = status(v, p)? {
                    out.cells.insert(i, s);
                }
            }
        }
        _ => {
            return Err(wrong_type(
                pointer.to_owned(),
                "a string, an array or an object",
            ));
        }
    }
    Ok(out)
}

/// A sparse key: decimal digits only (no sign, no spaces), below `n`.
fn cell_index(key: &str, n: usize) -> Option<usize> {
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<usize>().ok().filter(|&i| i < n)
}

fn roles(json: &Value, ids: &[String], pointer: &str) -> Result<Roles, StatsError> {
    let Value::Object(obj) = json else {
        return Err(wrong_type(pointer.to_owned(), "an object"));
    };
    let role = |name: &str| -> Result<Vec<String>, StatsError> {
        let p = pointer_join(pointer, name);
        let list = match obj.get(name) {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(v) => string_array(v, &p)?,
        };
        for (i, id) in list.iter().enumerate() {
            if !ids.contains(id) {
                return Err(StatsError::UnknownDimension {
                    pointer: pointer_join(&p, &i.to_string()),
                    id: id.clone(),
                });
            }
        }
        Ok(list)
    };
    Ok(Roles {
        time: role("time")?,
        geo: role("geo")?,
        metric: role("metric")?,
    })
}

/// The region dimension: `role.geo`, then SSB's ids, then ids that say region or kommune, then
/// a dimension (not time or metric) whose every category code is a KOSTRA region code.
fn find_region(dimensions: &[Dimension], roles: &Roles) -> Option<usize> {
    let position = |pred: &dyn Fn(&Dimension) -> bool| dimensions.iter().position(pred);
    if let Some(geo) = roles.geo.first() {
        return position(&|d| &d.id == geo);
    }
    position(&|d| d.id == "KOKkommuneregion0000")
        .or_else(|| position(&|d| d.id == "Region"))
        .or_else(|| position(&|d| d.id.starts_with("KOKkommuneregion")))
        .or_else(|| {
            position(&|d| {
                let id = d.id.to_lowercase();
                id.contains("region") || id.contains("kommune")
            })
        })
        .or_else(|| {
            position(&|d| {
                let is_time = roles.time.contains(&d.id)
                    || ["Tid", "tid", "time", "year"].contains(&d.id.as_str());
                !is_time
                    && !roles.metric.contains(&d.id)
                    && !d.categories.is_empty()
                    && d.categories
                        .iter()
                        .all(|c| !matches!(RegionCode::classify(&c.id), RegionCode::Other(_)))
            })
        })
}

pub(crate) fn required<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
    base: &str,
) -> Result<&'a Value, StatsError> {
    match obj.get(name) {
        None | Some(Value::Null) => Err(StatsError::Missing {
            pointer: pointer_join(base, name),
        }),
        Some(v) => Ok(v),
    }
}

pub(crate) fn optional_string(
    obj: &Map<String, Value>,
    name: &str,
    base: &str,
) -> Result<Option<String>, StatsError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(wrong_type(pointer_join(base, name), "a string")),
    }
}

pub(crate) fn string_array(json: &Value, pointer: &str) -> Result<Vec<String>, StatsError> {
    let expected = "an array of strings";
    let Value::Array(array) = json else {
        return Err(wrong_type(pointer.to_owned(), expected));
    };
    array
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| wrong_type(pointer.to_owned(), expected))
}

pub(crate) fn wrong_type(pointer: String, expected: &'static str) -> StatsError {
    StatsError::WrongType { pointer, expected }
}
