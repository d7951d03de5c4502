#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod error;
#[cfg(feature = "fetch")]
mod fetch;
mod fingerprint;
mod model;
mod parse;
mod region;
mod series;

pub use error::StatsError;
#[cfg(feature = "fetch")]
pub use fetch::{FetchLimits, fetch};
pub use model::{
    Category, Cell, Dataset, Dimension, Missing, Roles, STATUS_CONFIDENTIAL, STATUS_NOT_APPLICABLE,
    STATUS_NOT_AVAILABLE, Unit,
};
pub use parse::{ParseLimits, parse, parse_with};
pub use region::{RegionCode, Renumbering, normalise_region, renumbered_2024, renumbering_2024};
pub use series::{merge_series, series, series_where};
