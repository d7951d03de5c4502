//! Malformed documents are refused with the right error and JSON pointer.

mod common;

use minside_stats::{ParseLimits, StatsError, parse, parse_with};
use serde_json::{Value, json};

/// A small valid dataset: 2 regions × 2 years.
fn small() -> Value {
    json!({
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "Tid"],
        "size": [2, 2],
        "dimension": {
            "Region": {"category": {"index": {"3025": 0, "3203": 1}}},
            "Tid": {"category": {"index": ["2023", "2024"]}}
        },
        "value": [1, 2, 3, 4]
    })
}

fn parse_json(v: &Value) -> Result<minside_stats::Dataset, StatsError> {
    parse(&serde_json::to_vec(v).expect("serialises"))
}

fn refused(edit: impl FnOnce(&mut Value)) -> StatsError {
    let mut v = small();
    edit(&mut v);
    match parse_json(&v) {
        Ok(_) => panic!("accepted: {v}"),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            e
        }
    }
}

#[test]
fn the_small_dataset_is_valid() {
    let d = parse_json(&small()).expect("valid");
    assert_eq!(d.len(), 4);
    assert_eq!(
        d.get(&[("Region", "3203"), ("Tid", "2023")])
            .and_then(|c| c.value),
        Some(3.0)
    );
}

#[test]
fn size_and_id_of_different_length() {
    let e = refused(|v| v["size"] = json!([2, 2, 1]));
    assert_eq!(e, StatsError::SizeLength { ids: 2, sizes: 3 });
    assert_eq!(e.pointer(), Some("/size"));
}

#[test]
fn unknown_dimension_in_id() {
    let e = refused(|v| {
        v["id"] = json!(["Region", "År"]);
    });
    assert_eq!(
        e,
        StatsError::UnknownDimension {
            pointer: "/id/1".into(),
            id: "År".into()
        }
    );
    let e = refused(|v| v["role"] = json!({"time": ["Year"]}));
    assert_eq!(e.pointer(), Some("/role/time/0"));
}

#[test]
fn duplicate_dimension_in_id() {
    let e = refused(|v| v["id"] = json!(["Tid", "Tid"]));
    assert!(matches!(e, StatsError::DuplicateDimension { ref pointer, .. } if pointer == "/id/1"));
}

#[test]
fn negative_or_fractional_sizes() {
    for bad in [json!(-2), json!(2.5), json!("2"), json!(null)] {
        let e = refused(|v| v["size"][0] = bad.clone());
        assert_eq!(
            e,
            StatsError::InvalidSize {
                pointer: "/size/0".into()
            },
            "{bad}"
        );
    }
}

#[test]
fn size_differs_from_category_count() {
    let e = refused(|v| {
        v["size"] = json!([3, 2]);
        v["value"] = json!([1, 2, 3, 4, 5, 6]);
    });
    assert_eq!(
        e,
        StatsError::CategoryCount {
            pointer: "/dimension/Region/category".into(),
            dimension: "Region".into(),
            size: 3,
            categories: 2
        }
    );
    let e = refused(|v| v["dimension"]["Tid"]["category"]["index"] = json!(["2023"]));
    assert!(matches!(
        e,
        StatsError::CategoryCount {
            size: 2,
            categories: 1,
            ..
        }
    ));
}

#[test]
fn huge_declared_sizes_are_refused_before_allocating() {
    // 2^32 × 2^32 overflows u64 long before any allocation could happen.
    let e = refused(|v| v["size"] = json!([4294967296u64, 4294967296u64]));
    assert!(matches!(
        e,
        StatsError::TooManyCells {
            cells: None,
            limit: 5_000_000
        }
    ));
    // Above the limit without overflow, even with a tiny sparse value object.
    let e = refused(|v| {
        v["size"] = json!([1_000_000u64, 1_000_000u64]);
        v["value"] = json!({});
    });
    assert_eq!(
        e,
        StatsError::TooManyCells {
            cells: Some(1_000_000_000_000),
            limit: 5_000_000
        }
    );
    assert!(e.to_string().contains("1000000000000"));
    // A custom limit.
    let limits = ParseLimits {
        max_cells: 3,
        ..ParseLimits::default()
    };
    let e = parse_with(&serde_json::to_vec(&small()).expect("json"), &limits).expect_err("limit");
    assert_eq!(
        e,
        StatsError::TooManyCells {
            cells: Some(4),
            limit: 3
        }
    );
    let limits = ParseLimits {
        max_bytes: 10,
        ..ParseLimits::default()
    };
    let e = parse_with(&serde_json::to_vec(&small()).expect("json"), &limits).expect_err("bytes");
    assert!(matches!(e, StatsError::InputTooLarge { limit: 10, .. }));
}

#[test]
fn value_array_of_wrong_length() {
    let e = refused(|v| v["value"] = json!([1, 2, 3]));
    assert_eq!(
        e,
        StatsError::ValueLength {
            expected: 4,
            found: 3
        }
    );
    assert_eq!(e.pointer(), Some("/value"));
}

#[test]
fn sparse_keys_out_of_range_or_not_integers() {
    for key in [
        "4",
        "-1",
        "1.0",
        "x",
        "",
        " 1",
        "+1",
        "99999999999999999999999",
    ] {
        let e = refused(|v| v["value"] = json!({ key: 1 }));
        assert!(
            matches!(e, StatsError::IndexOutOfRange { key: ref k, bound: 4, .. } if k == key),
            "{key}: {e}"
        );
    }
    let e = refused(|v| v["status"] = json!({"7": ".."}));
    assert_eq!(e.pointer(), Some("/status/7"));
}

#[test]
fn status_array_of_wrong_length() {
    let e = refused(|v| v["status"] = json!(["a", "b"]));
    assert_eq!(
        e,
        StatsError::StatusLength {
            expected: 4,
            found: 2
        }
    );
    // One entry (applies to all) and one per cell are both fine.
    let mut v = small();
    v["status"] = json!([null, "..", null, null]);
    let d = parse_json(&v).expect("per cell");
    assert_eq!(d.cell(1).and_then(|c| c.status), Some("..".into()));
    assert_eq!(
        d.cell(1).and_then(|c| c.value),
        None,
        ".. is never a figure"
    );
    assert_eq!(d.cell(0).and_then(|c| c.status), None);
}

#[test]
fn duplicate_category_indexes() {
    let e =
        refused(|v| v["dimension"]["Region"]["category"]["index"] = json!({"3025": 0, "3203": 0}));
    assert!(
        matches!(e, StatsError::DuplicateCategory { ref dimension, .. } if dimension == "Region")
    );
    let e = refused(|v| v["dimension"]["Tid"]["category"]["index"] = json!(["2023", "2023"]));
    assert_eq!(
        e,
        StatsError::DuplicateCategory {
            pointer: "/dimension/Tid/category/index/1".into(),
            dimension: "Tid".into(),
            category: "2023".into()
        }
    );
    let e =
        refused(|v| v["dimension"]["Region"]["category"]["index"] = json!({"3025": 0, "3203": 2}));
    assert_eq!(e.pointer(), Some("/dimension/Region/category/index/3203"));
    let e =
        refused(|v| v["dimension"]["Region"]["category"]["index"] = json!({"3025": 0, "3203": -1}));
    assert!(matches!(e, StatsError::IndexOutOfRange { .. }));
}

#[test]
fn non_numeric_values() {
    for bad in [json!("12"), json!(true), json!([1]), json!({"a": 1})] {
        let e = refused(|v| v["value"][2] = bad.clone());
        assert_eq!(
            e,
            StatsError::NonNumericValue {
                pointer: "/value/2".into()
            },
            "{bad}"
        );
    }
    let e = refused(|v| v["value"] = json!({"1": "x"}));
    assert_eq!(
        e,
        StatsError::NonNumericValue {
            pointer: "/value/1".into()
        }
    );
}

#[test]
fn missing_members_and_wrong_types() {
    for member in ["id", "size", "dimension", "value"] {
        let e = refused(|v| {
            v.as_object_mut().expect("object").remove(member);
        });
        assert_eq!(
            e,
            StatsError::Missing {
                pointer: format!("/{member}")
            }
        );
    }
    let e = refused(|v| v["id"] = json!(["Region", 2]));
    assert_eq!(e.pointer(), Some("/id"));
    let e = refused(|v| v["dimension"]["Tid"] = json!([]));
    assert_eq!(e.pointer(), Some("/dimension/Tid"));
    let e = refused(|v| {
        v["dimension"]["Tid"]["category"]
            .as_object_mut()
            .expect("object")
            .remove("index");
    });
    assert_eq!(
        e,
        StatsError::AmbiguousCategories {
            pointer: "/dimension/Tid/category".into()
        }
    );
    let e = refused(|v| v["label"] = json!(1));
    assert_eq!(e.pointer(), Some("/label"));
}

#[test]
fn not_a_dataset() {
    for doc in [
        json!([1, 2]),
        json!({"class": "dimension"}),
        json!({"mydataset": {"dimension": {}}}),
        json!({"class": "collection", "link": {"item": [{"class": "dataset"}, {"class": "dataset"}]}}),
        json!({"class": "collection"}),
    ] {
        let e = parse_json(&doc).expect_err("refused");
        assert!(matches!(e, StatsError::NotADataset { .. }), "{doc}: {e}");
    }
    assert!(matches!(parse(b"{\"class\": "), Err(StatsError::Json(_))));
    assert!(matches!(parse(b"\xff\xfe"), Err(StatsError::Json(_))));
    assert!(matches!(parse(b""), Err(StatsError::Json(_))));
}

#[test]
fn a_collection_of_one_dataset_is_read() {
    let doc = json!({"version": "2.0", "class": "collection", "link": {"item": [small()]}});
    let d = parse_json(&doc).expect("one dataset");
    assert_eq!(
        d.fingerprint(),
        parse_json(&small()).expect("valid").fingerprint()
    );
    let mut inner = small();
    inner["size"] = json!([2]);
    let doc = json!({"class": "collection", "link": {"item": [inner]}});
    assert!(parse_json(&doc).is_err());
}

#[test]
fn a_bom_is_skipped() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(serde_json::to_vec(&small()).expect("json"));
    assert!(parse(&bytes).is_ok());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let mut doc = String::from("{\"class\":\"dataset\",\"extension\":");
    doc.push_str(&"[".repeat(100_000));
    assert!(matches!(parse(doc.as_bytes()), Err(StatsError::Json(_))));
}

#[test]
fn errors_carry_no_personal_data_and_read_well() {
    let e = refused(|v| v["size"] = json!([3, 2]));
    assert_eq!(
        e.to_string(),
        "/dimension/Region/category: dimension \"Region\" has size 3 but 2 categories"
    );
    let e = refused(|v| v["id"] = json!(["Region/a", "Tid"]));
    assert_eq!(
        e.to_string(),
        "/id/0: dimension \"Region/a\" has no entry in /dimension"
    );
    let e = refused(|v| {
        v["id"] = json!(["Region/a", "Tid"]);
        v["dimension"]["Region/a"] = json!({"category": {"index": ["x"]}});
    });
    assert_eq!(e.pointer(), Some("/dimension/Region~1a/category"));
}
