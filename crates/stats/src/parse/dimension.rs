//! One dimension of a dataset: its categories in index order, their labels and units.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value};

use super::{optional_string, required, string_array, wrong_type};
use crate::error::{StatsError, pointer_join};
use crate::model::{Category, Dimension, Unit};

/// Reads the dimension `id` of declared `size` at `pointer`.
pub(super) fn dimension(
    id: &str,
    size: u64,
    json: &Value,
    pointer: &str,
) -> Result<Dimension, StatsError> {
    let Value::Object(obj) = json else {
        return Err(wrong_type(pointer.to_owned(), "an object"));
    };
    let category_ptr = pointer_join(pointer, "category");
    let Value::Object(category) = required(obj, "category", pointer)? else {
        return Err(wrong_type(category_ptr, "an object"));
    };
    let labels = match category.get("label") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(labels)) => labels.clone(),
        Some(_) => {
            return Err(wrong_type(
                pointer_join(&category_ptr, "label"),
                "an object",
            ));
        }
    };
    let index_ptr = pointer_join(&category_ptr, "index");
    let count_error = |categories: usize| StatsError::CategoryCount {
        pointer: category_ptr.clone(),
        dimension: id.to_owned(),
        size,
        categories,
    };
    let ids: Vec<String> = match category.get("index") {
        Some(index_json @ Value::Array(index)) => {
            if u64::try_from(index.len()).ok() != Some(size) {
                return Err(count_error(index.len()));
            }
            let ids = string_array(index_json, &index_ptr)?;
            let mut seen = HashSet::new();
            for (i, cat) in ids.iter().enumerate() {
                if !seen.insert(cat.as_str()) {
                    return Err(StatsError::DuplicateCategory {
                        pointer: pointer_join(&index_ptr, &i.to_string()),
                        dimension: id.to_owned(),
                        category: cat.clone(),
                    });
                }
            }
            ids
        }
        Some(Value::Object(index)) => {
            if u64::try_from(index.len()).ok() != Some(size) {
                return Err(count_error(index.len()));
            }
            let mut slots: Vec<Option<String>> = vec![None; index.len()];
            for (cat, position) in index {
                let entry_ptr = pointer_join(&index_ptr, cat);
                let slot = position
                    .as_u64()
                    .and_then(|p| usize::try_from(p).ok())
                    .and_then(|p| slots.get_mut(p))
                    .ok_or_else(|| StatsError::IndexOutOfRange {
                        pointer: entry_ptr.clone(),
                        key: position.to_string(),
                        bound: size,
                    })?;
                if slot.is_some() {
                    return Err(StatsError::DuplicateCategory {
                        pointer: entry_ptr,
                        dimension: id.to_owned(),
                        category: cat.clone(),
                    });
                }
                *slot = Some(cat.clone());
            }
            // Every slot is filled: as many distinct in-range positions as slots.
            slots.into_iter().flatten().collect()
        }
        None | Some(Value::Null) => {
            let mut keys = labels.keys();
            match (keys.next(), keys.next()) {
                (Some(only), None) => {
                    if size != 1 {
                        return Err(count_error(1));
                    }
                    vec![only.clone()]
                }
                _ => {
                    return Err(StatsError::AmbiguousCategories {
                        pointer: category_ptr,
                    });
                }
            }
        }
        Some(_) => return Err(wrong_type(index_ptr, "an array or an object")),
    };

    let units = match category.get("unit") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(units)) => units.clone(),
        Some(_) => return Err(wrong_type(pointer_join(&category_ptr, "unit"), "an object")),
    };
    let mut categories = Vec::with_capacity(ids.len());
    for cat in ids {
        let label = match labels.get(&cat) {
            None | Some(Value::Null) => None,
            Some(Value::String(label)) => Some(label.clone()),
            Some(_) => {
                let p = pointer_join(&pointer_join(&category_ptr, "label"), &cat);
                return Err(wrong_type(p, "a string"));
            }
        };
        let unit = match units.get(&cat) {
            None | Some(Value::Null) => None,
            Some(json) => {
                let p = pointer_join(&pointer_join(&category_ptr, "unit"), &cat);
                Some(unit(json, &p)?)
            }
        };
        categories.push(Category {
            id: cat,
            label,
            unit,
        });
    }
    let extra: BTreeMap<String, Value> = obj
        .iter()
        .filter(|(k, _)| k.as_str() != "label" && k.as_str() != "category")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Dimension {
        id: id.to_owned(),
        label: optional_string(obj, "label", pointer)?,
        categories,
        extra,
    })
}

fn unit(json: &Value, pointer: &str) -> Result<Unit, StatsError> {
    let Value::Object(obj) = json else {
        return Err(wrong_type(pointer.to_owned(), "an object"));
    };
    let integer = |name: &str| -> Result<Option<i64>, StatsError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| wrong_type(pointer_join(pointer, name), "an integer")),
        }
    };
    let decimals = integer("decimals")?
        .map(|d| {
            u32::try_from(d).map_err(|_| {
                wrong_type(
                    pointer_join(pointer, "decimals"),
                    "a small non-negative integer",
                )
            })
        })
        .transpose()?;
    let multiplier = integer("multiplier")?
        .map(|m| {
            i32::try_from(m)
                .map_err(|_| wrong_type(pointer_join(pointer, "multiplier"), "a small integer"))
        })
        .transpose()?;
    Ok(Unit {
        label: optional_string(obj, "label", pointer)?,
        decimals,
        base: optional_string(obj, "base", pointer)?,
        position: optional_string(obj, "position", pointer)?,
        multiplier,
        raw: json.clone(),
    })
}
