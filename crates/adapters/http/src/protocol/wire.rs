//! The JSON of protocol `minside-adapter/1` (`protocol/openapi.yaml`) and the checks applied to
//! what a remote adapter answers. Errors name the JSON Pointer of the offending value only.

use std::collections::HashSet;

use minside_adapter::{
    AdapterError, Category, CategoryInfo, Field, Provenance, Purpose, Record, Sensitivity,
    Timestamp,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::template::is_machine_key;
use crate::transport::check_deep_link;

/// The protocol this crate speaks; `GET /v1/info` must answer it in `protocol`.
pub const PROTOCOL_VERSION: &str = "minside-adapter/1";

/// Body of `POST /v1/fetch`.
#[derive(Debug, Serialize)]
pub(crate) struct FetchRequest<'a> {
    pub(crate) subject: SubjectRef<'a>,
    pub(crate) categories: Vec<&'a Category>,
    pub(crate) purpose: Purpose,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) request_id: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SubjectRef<'a> {
    pub(crate) pid: &'a str,
    pub(crate) kommunenummer: &'a str,
}

/// What `GET /v1/info` told us.
#[derive(Debug)]
pub(crate) struct Info {
    pub(crate) name: String,
    pub(crate) categories: Vec<CategoryInfo>,
}

fn bad(pointer: &str, what: &str) -> AdapterError {
    AdapterError::BadData(format!("{pointer}: {what}"))
}

/// Reads and checks an info answer: the protocol version first, then name and categories.
pub(crate) fn parse_info(root: &Value) -> Result<Info, AdapterError> {
    match root.pointer("/protocol").and_then(Value::as_str) {
        Some(PROTOCOL_VERSION) => {}
        // Another version of ours is named; anything else is not repeated.
        Some(other) if other.starts_with("minside-adapter/") && other.len() <= 24 => {
            return Err(AdapterError::BadData(format!(
                "the adapter speaks {other}, MinSide speaks {PROTOCOL_VERSION}"
            )));
        }
        _ => {
            return Err(AdapterError::BadData(format!(
                "/protocol: the adapter does not speak {PROTOCOL_VERSION}"
            )));
        }
    }
    let name = root
        .pointer("/name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| bad("/name", "expected a non-empty text"))?;
    let items = root
        .pointer("/categories")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("/categories", "expected an array"))?;
    let mut categories: Vec<CategoryInfo> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let pointer = format!("/categories/{i}");
        let info = CategoryInfo::deserialize(item)
            .map_err(|_| bad(&pointer, "not a valid category description"))?;
        if [&info.title_nb, &info.title_en, &info.legal_basis]
            .iter()
            .any(|t| t.trim().is_empty())
        {
            return Err(bad(&pointer, "titles and legal basis must not be empty"));
        }
        if categories.iter().any(|c| c.id == info.id) {
            return Err(bad(&pointer, "duplicate category"));
        }
        categories.push(info);
    }
    Ok(Info {
        name: name.to_owned(),
        categories,
    })
}

/// What MinSide itself stamps on every record, whatever the remote said.
pub(crate) struct Stamp<'a> {
    pub(crate) source: &'a str,
    pub(crate) system_name: &'a str,
    pub(crate) fetched_at: Timestamp,
    pub(crate) pid: &'a str,
}

/// The remote's optional provenance: only what it may contribute.
#[derive(Deserialize)]
struct RemoteProvenance {
    #[serde(default)]
    legal_basis: Option<String>,
    #[serde(default)]
    sensitivity: Option<Sensitivity>,
}

/// Reads and checks a fetch answer. Records of declared but not `wanted` categories are
/// dropped; a record of an undeclared category fails the whole answer.
pub(crate) fn parse_records(
    root: &Value,
    declared: &[CategoryInfo],
    wanted: &[&Category],
    stamp: &Stamp<'_>,
) -> Result<Vec<Record>, AdapterError> {
    let items = root
        .pointer("/records")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("/records", "expected an array"))?;
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |rest: &str| format!("/records/{i}{rest}");
        let text = |rest: &str| {
            item.pointer(rest)
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty())
                .ok_or_else(|| bad(&at(rest), "expected a non-empty text"))
        };
        let id = text("/id")?;
        let category = Category::parse(text("/category")?)
            .map_err(|_| bad(&at("/category"), "not a category id"))?;
        let Some(info) = declared.iter().find(|c| c.id == category) else {
            return Err(bad(
                &at("/category"),
                "not a category this adapter declared",
            ));
        };
        let title = text("/title")?;
        let fields = parse_fields(item, &at("/fields"))?;
        let deep_link = match item.pointer("/deep_link") {
            None | Some(Value::Null) => None,
            Some(Value::String(link)) => {
                check_deep_link(link, stamp.pid).map_err(|m| bad(&at("/deep_link"), m))?;
                Some(link.clone())
            }
            Some(_) => return Err(bad(&at("/deep_link"), "expected a text")),
        };
        let remote = match item.pointer("/provenance") {
            None | Some(Value::Null) => RemoteProvenance {
                legal_basis: None,
                sensitivity: None,
            },
            Some(value) => RemoteProvenance::deserialize(value)
                .map_err(|_| bad(&at("/provenance"), "not a valid provenance"))?,
        };
        if !wanted.contains(&&category) {
            continue;
        }
        out.push(Record {
            id: id.to_owned(),
            category,
            title: title.to_owned(),
            fields,
            provenance: Provenance {
                source: stamp.source.to_owned(),
                system_name: stamp.system_name.to_owned(),
                fetched_at: stamp.fetched_at,
                legal_basis: remote
                    .legal_basis
                    .filter(|b| !b.trim().is_empty())
                    .unwrap_or_else(|| info.legal_basis.clone()),
                // A record can be more sensitive than its category, never less.
                sensitivity: remote
                    .sensitivity
                    .map_or(info.sensitivity, |s| s.max(info.sensitivity)),
            },
            deep_link,
        });
    }
    Ok(out)
}

fn parse_fields(record: &Value, pointer: &str) -> Result<Vec<Field>, AdapterError> {
    let items = match record.pointer("/fields") {
        None => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(bad(pointer, "expected an array")),
    };
    let mut keys = HashSet::new();
    let mut fields = Vec::with_capacity(items.len());
    for (j, item) in items.iter().enumerate() {
        let at = format!("{pointer}/{j}");
        // serde's message could quote the value; only the place is reported.
        let field = Field::deserialize(item)
            .map_err(|_| bad(&at, "not a valid field (key, label, typed value)"))?;
        if !is_machine_key(&field.key) {
            return Err(bad(
                &format!("{at}/key"),
                "expected 1 to 64 of a-z, 0-9, '_', '-'",
            ));
        }
        if !keys.insert(field.key.clone()) {
            return Err(bad(&format!("{at}/key"), "duplicate key"));
        }
        if field.label.trim().is_empty() {
            return Err(bad(&format!("{at}/label"), "expected a non-empty text"));
        }
        fields.push(field);
    }
    Ok(fields)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn category(id: &str) -> Value {
        json!({ "id": id, "title_nb": "Skole", "title_en": "School",
                "legal_basis": "opplæringslova", "sensitivity": "normal" })
    }

    fn info(name: Value, categories: Value) -> Value {
        json!({ "protocol": PROTOCOL_VERSION, "id": "x", "name": name, "categories": categories })
    }

    #[test]
    fn info_is_checked_and_unknown_members_ignored() {
        let ok = parse_info(&info(json!("Skole"), json!([category("school")]))).unwrap();
        assert_eq!((ok.name.as_str(), ok.categories.len()), ("Skole", 1));
        let cases = [
            (
                info(json!(""), json!([])),
                "/name: expected a non-empty text",
            ),
            (
                info(json!("S"), json!({})),
                "/categories: expected an array",
            ),
            (
                info(json!("S"), json!([category("Skole")])),
                "/categories/0: not a valid category description",
            ),
            (
                info(json!("S"), json!([category("school"), category("school")])),
                "/categories/1: duplicate category",
            ),
            (
                json!({ "name": "S", "categories": [] }),
                "/protocol: the adapter does not speak minside-adapter/1",
            ),
        ];
        for (value, message) in cases {
            assert_eq!(
                parse_info(&value).unwrap_err(),
                AdapterError::BadData(message.into())
            );
        }
    }

    #[test]
    fn the_fetch_request_has_the_documented_shape() {
        let school = Category::parse("school").unwrap();
        let request = FetchRequest {
            subject: SubjectRef {
                pid: "01819010001",
                kommunenummer: "3203",
            },
            categories: vec![&school],
            purpose: Purpose::GuardianView,
            request_id: None,
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({ "subject": { "pid": "01819010001", "kommunenummer": "3203" },
                    "categories": ["school"], "purpose": "guardian-view" })
        );
    }
}
