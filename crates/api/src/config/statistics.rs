//! `[statistics]`: where `minside import stats` (with no file or URL) downloads datasets from,
//! the time and size limits for every download, and how long public statistics answers may be
//! cached. Everything has a default, so the section may be left out.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatisticsSettings {
    /// Datasets to download and import on `minside import stats` without files or `--url`,
    /// e.g. `[[statistics.sources]] url = "https://data.ssb.no/api/v0/dataset/...json"`.
    pub sources: Vec<StatisticsSource>,
    /// A download may take this long, from connecting to the last byte.
    pub fetch_timeout_seconds: u64,
    /// The largest document accepted, downloaded or read from a file.
    pub max_bytes: usize,
    /// Seconds public statistics answers may be cached (`Cache-Control: max-age`; they also
    /// carry an ETag). Figures change when an import runs, a few times a year.
    pub cache_seconds: u32,
}

impl Default for StatisticsSettings {
    fn default() -> Self {
        Self {
            sources: Vec::new(),
            fetch_timeout_seconds: 60,
            max_bytes: 64 * 1024 * 1024,
            cache_seconds: 300,
        }
    }
}

impl StatisticsSettings {
    /// The download limits for `minside_stats::fetch`.
    pub fn fetch_limits(&self) -> minside_stats::FetchLimits {
        minside_stats::FetchLimits {
            timeout: Duration::from_secs(self.fetch_timeout_seconds.max(1)),
            max_bytes: self.max_bytes,
        }
    }

    /// The parser limits: the byte limit from here, the cell limit the parser's default.
    pub fn parse_limits(&self) -> minside_stats::ParseLimits {
        minside_stats::ParseLimits {
            max_bytes: self.max_bytes,
            ..minside_stats::ParseLimits::default()
        }
    }
}

/// One configured dataset URL, with the identity to store it under when the dataset does not
/// say (see `docs/statistics.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatisticsSource {
    pub url: Url,
    /// Publisher key, e.g. `ssb` (default: from the dataset).
    pub source: Option<String>,
    /// Table id, e.g. `12367` (default: from the dataset's label or `extension.px.tableid`).
    pub table: Option<String>,
}
