//! Public statistics end to end: JSON-stat fixtures imported and read back against the source
//! files (values and status cells, never 0), idempotent and transactional re-imports, the demo
//! datasets at every start, the comparison API (2024 renumbering, KOSTRA group, country, query
//! validation, caching) and `minside import stats` through the real binary. On SQLite and
//! PostgreSQL.

mod cli;
mod compare;
mod import;

use std::collections::BTreeMap;

use minside_api::statistics::{ImportOptions, Imported, import};
use minside_test_support::TestApp;
use serde_json::Value;

/// Runs an `async fn scenario(backend)` as one test per backend.
macro_rules! on_both_backends {
    ($scenario:ident) => {
        mod $scenario {
            #[tokio::test]
            async fn on_sqlite() {
                super::$scenario(minside_test_support::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                super::$scenario(minside_test_support::Backend::Postgres).await;
            }
        }
    };
}
pub(crate) use on_both_backends;

/// The shipped fixtures with the `(source, table)` each is stored under; the json-stat.org
/// samples do not say their table, so they get one.
pub const FIXTURES: [(&str, &str, &str); 5] = [
    ("ks-json-stat_resultatTest.json", "ssb", "12367"),
    ("ks-json-stat_resultatTest2.json", "ssb", "08655"),
    ("ks-json-stat_resultatTest3.json", "ssb", "12191"),
    ("canada.json", "json-stat.org", "canada"),
    ("oecd.json", "json-stat.org", "oecd"),
];

pub fn fixture_path(name: &str) -> String {
    format!(
        "{}/crates/stats/tests/data/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

pub fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name)).expect("fixture is JSON")
}

/// The illustrative Asker dataset the demo ships.
pub fn demo_asker() -> Value {
    let path = format!(
        "{}/crates/api/src/demo/statistics-asker.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).expect("demo file")).expect("JSON")
}

/// Imports `bytes` into the app's store as `(source, table)`.
pub async fn import_as(app: &TestApp, bytes: &[u8], source: &str, table: &str) -> Imported {
    let options = ImportOptions {
        source: Some(source.into()),
        table: Some(table.into()),
        ..ImportOptions::default()
    };
    import(app.store().as_ref(), bytes, &options, app.clock().now())
        .await
        .unwrap_or_else(|e| panic!("{source}/{table}: {e}"))
}

/// One cell of a source file, read from the raw JSON (not through `minside-stats`).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceCell {
    pub value: Option<f64>,
    pub status: Option<String>,
}

/// Every cell of a JSON-stat 2.0 document, by its category ids (one per dimension in `id`
/// order), computed straight from `id`, `size`, `category.index`, `value` and `status`.
/// A cell with SSB's `.`, `..` or `:` has no value.
pub fn source_cells(json: &Value) -> BTreeMap<Vec<String>, SourceCell> {
    let ids: Vec<&str> = json["id"]
        .as_array()
        .expect("id")
        .iter()
        .map(|v| v.as_str().expect("id string"))
        .collect();
    let categories: Vec<Vec<String>> = ids
        .iter()
        .map(|id| {
            let category = &json["dimension"][*id]["category"];
            match &category["index"] {
                Value::Array(a) => a.iter().map(|v| v.as_str().expect("id").into()).collect(),
                Value::Object(o) => {
                    let mut pairs: Vec<(&String, u64)> =
                        o.iter().map(|(k, v)| (k, v.as_u64().expect("n"))).collect();
                    pairs.sort_by_key(|(_, n)| *n);
                    pairs.into_iter().map(|(k, _)| k.clone()).collect()
                }
                _ => category["label"]
                    .as_object()
                    .expect("label")
                    .keys()
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    let n: usize = categories.iter().map(Vec::len).product();
    let mut out = BTreeMap::new();
    for i in 0..n {
        let mut coordinates = vec![String::new(); ids.len()];
        let mut rest = i;
        for (slot, cats) in coordinates.iter_mut().zip(&categories).rev() {
            *slot = cats[rest % cats.len()].clone();
            rest /= cats.len();
        }
        let value = match &json["value"] {
            Value::Array(a) => a[i].as_f64(),
            Value::Object(o) => o.get(&i.to_string()).and_then(Value::as_f64),
            _ => panic!("value"),
        };
        let status = match &json["status"] {
            Value::String(s) => Some(s.clone()),
            Value::Array(a) if a.len() == 1 => a[0].as_str().map(str::to_owned),
            Value::Array(a) => a[i].as_str().map(str::to_owned),
            Value::Object(o) => o
                .get(&i.to_string())
                .and_then(Value::as_str)
                .map(str::to_owned),
            _ => None,
        };
        let missing = matches!(status.as_deref(), Some("." | ".." | ":"));
        let value = if missing { None } else { value };
        out.insert(coordinates, SourceCell { value, status });
    }
    out
}
