//! Fuzz target: `minside_stats::parse_with` must never panic, whatever the bytes. When a document
//! parses, every accessor and the fingerprint must work on it too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use minside_stats::{ParseLimits, parse_with, series};

/// Small limits keep each run fast; the limit checks themselves are part of what is fuzzed.
const LIMITS: ParseLimits = ParseLimits {
    max_cells: 100_000,
    max_bytes: 1 << 20,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(dataset) = parse_with(data, &LIMITS) {
        let _ = dataset.fingerprint();
        let _ = dataset.cells().count();
        let _ = dataset.region_codes();
        if let (Some(metric), Some(region)) = (
            dataset
                .metric_dimension()
                .and_then(|m| m.categories.first()),
            dataset
                .region_dimension()
                .and_then(|r| r.categories.first()),
        ) {
            let _ = series(&dataset, &metric.id, &region.id);
        }
    }
});
