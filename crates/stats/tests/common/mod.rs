//! Shared helpers for the integration tests: the fixture files.

#![allow(dead_code)]

use std::path::PathBuf;

/// The five fixture files, by name.
pub const FIXTURES: [&str; 5] = [
    "ks-json-stat_resultatTest.json",
    "ks-json-stat_resultatTest2.json",
    "ks-json-stat_resultatTest3.json",
    "canada.json",
    "oecd.json",
];

/// The bytes of a fixture file.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A fixture parsed with the default limits.
pub fn dataset(name: &str) -> minside_stats::Dataset {
    minside_stats::parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A fixture as a JSON value, for tests that edit it.
pub fn json(name: &str) -> serde_json::Value {
    serde_json::from_slice(&fixture(name)).expect("fixture is JSON")
}
