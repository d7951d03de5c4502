//! Properties: no input makes the parser panic, and the fingerprint ignores representation.

mod common;

use common::{FIXTURES, fixture, json};
use minside_stats::{ParseLimits, parse, parse_with};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Small limits so that random sizes stay cheap.
const LIMITS: ParseLimits = ParseLimits {
    max_cells: 100_000,
    max_bytes: 1 << 20,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn truncated_fixtures_never_panic(file in 0..FIXTURES.len(), cut in any::<prop::sample::Index>()) {
        let bytes = fixture(FIXTURES[file]);
        let cut = cut.index(bytes.len() + 1);
        let _ = parse_with(bytes.get(..cut).unwrap_or_default(), &LIMITS);
    }

    #[test]
    fn byte_mutations_never_panic(
        file in 0..FIXTURES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let mut bytes = fixture(FIXTURES[file]);
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        let _ = parse_with(&bytes, &LIMITS);
    }

    #[test]
    fn structural_mutations_never_panic(
        file in 0..FIXTURES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), replacement()), 1..4),
    ) {
        let mut doc = json(FIXTURES[file]);
        for (at, new) in edits {
            let mut pointers = Vec::new();
            collect_pointers(&doc, String::new(), &mut pointers);
            let pointer = at.get(&pointers).clone();
            if let Some(slot) = doc.pointer_mut(&pointer) {
                *slot = new;
            }
        }
        let bytes = serde_json::to_vec(&doc).expect("serialises");
        let _ = parse_with(&bytes, &LIMITS);
    }
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e300f64..1e300).prop_map(Value::from),
        "[a-zA-Z0-9.:]{0,6}".prop_map(Value::from),
        Just(Value::Array(Vec::new())),
        Just(Value::Object(Map::new())),
        Just(serde_json::json!([
            18446744073709551615u64,
            18446744073709551615u64
        ])),
        Just(serde_json::json!({"0": "..", "99999": ":"})),
    ]
}

fn collect_pointers(value: &Value, here: String, out: &mut Vec<String>) {
    out.push(here.clone());
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_pointers(item, format!("{here}/{i}"), out);
            }
        }
        Value::Object(members) => {
            for (k, item) in members {
                let token = k.replace('~', "~0").replace('/', "~1");
                collect_pointers(item, format!("{here}/{token}"), out);
            }
        }
        _ => {}
    }
}

/// The same content written differently: index arrays <-> objects, dense <-> sparse values,
/// a status for all cells spelled out per cell, members in reverse order.
fn rewrite(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(dims) = doc.get_mut("dimension").and_then(Value::as_object_mut) {
        for dim in dims.values_mut() {
            let Some(index) = dim.pointer_mut("/category/index") else {
                continue;
            };
            *index = match index.take() {
                Value::Array(ids) => Value::Object(
                    ids.into_iter()
                        .enumerate()
                        .filter_map(|(i, id)| Some((id.as_str()?.to_owned(), Value::from(i))))
                        .collect(),
                ),
                Value::Object(map) => {
                    let mut ids: Vec<(String, u64)> = map
                        .into_iter()
                        .map(|(k, v)| (k, v.as_u64().expect("index")))
                        .collect();
                    ids.sort_by_key(|(_, i)| *i);
                    Value::Array(ids.into_iter().map(|(k, _)| Value::from(k)).collect())
                }
                other => other,
            };
        }
    }
    let cells = doc["value"].as_array().map(Vec::len);
    doc["value"] = match doc["value"].take() {
        Value::Array(values) => Value::Object(
            values
                .into_iter()
                .enumerate()
                .filter(|(_, v)| !v.is_null())
                .map(|(i, v)| (i.to_string(), v))
                .collect(),
        ),
        other => other,
    };
    if let (Some(Value::Array(status)), Some(n)) = (doc.get("status"), cells)
        && let [only] = status.as_slice()
    {
        doc["status"] = Value::Array(vec![only.clone(); n]);
    }
    // Reverse member order at the top level (serde_json may sort them anyway).
    if let Value::Object(members) = doc {
        let reversed: Map<String, Value> = members.into_iter().rev().collect();
        doc = Value::Object(reversed);
    }
    doc
}

#[test]
fn the_fingerprint_ignores_representation() {
    let mut fingerprints = Vec::new();
    for name in FIXTURES {
        let original = parse(&fixture(name)).expect("parses");
        let doc = json(name);
        let rewritten = rewrite(&doc);
        assert_ne!(rewritten, doc, "{name}: rewrite changed nothing");
        let again = parse(&serde_json::to_vec_pretty(&rewritten).expect("json")).expect("reparses");
        assert_eq!(again.dimensions(), original.dimensions(), "{name}");
        assert!(again.cells().eq(original.cells()), "{name}");
        assert_eq!(again.fingerprint(), original.fingerprint(), "{name}");
        // And back.
        let back = parse(&serde_json::to_vec(&rewrite(&rewritten)).expect("json")).expect("back");
        assert_eq!(back.fingerprint(), original.fingerprint(), "{name}");
        fingerprints.push(original.fingerprint());
    }
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), FIXTURES.len());
}

#[test]
fn the_fingerprint_changes_with_the_content() {
    let doc = json("ks-json-stat_resultatTest3.json");
    let original = parse(&serde_json::to_vec(&doc).expect("json"))
        .expect("parses")
        .fingerprint();
    assert_eq!(original.len(), 64);
    assert!(original.bytes().all(|b| b.is_ascii_hexdigit()));
    let changed = |edit: &dyn Fn(&mut Value)| {
        let mut d = doc.clone();
        edit(&mut d);
        parse(&serde_json::to_vec(&d).expect("json"))
            .expect("parses")
            .fingerprint()
    };
    assert_ne!(changed(&|d| d["value"][2] = Value::from(21)), original);
    assert_ne!(changed(&|d| d["value"][2] = Value::Null), original);
    assert_ne!(changed(&|d| d["status"]["2"] = Value::from("e")), original);
    assert_ne!(
        changed(
            &|d| d["dimension"]["KOKkommuneregion0000"]["category"]["label"]["3039"] =
                "Flaa".into()
        ),
        original
    );
    // 20 and 20.0 are the same figure.
    assert_eq!(changed(&|d| d["value"][2] = Value::from(20.0)), original);
}
