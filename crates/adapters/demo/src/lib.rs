#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod contacts;
mod data;
mod dates;
mod error;
mod municipality;
mod settings;
mod sim;
mod systems;

use std::sync::Arc;

use jiff::civil::{Date, date};
use minside_adapter::Adapter;

pub use crate::error::DemoError;
pub use crate::municipality::{DemoMunicipality, ShowcaseResident};
pub use crate::settings::{DemoSettings, Latency, SimulatedSystem};
pub use crate::sim::{SystemControl, SystemStats};
pub use crate::systems::{DemoSystem, DemoSystemKind, DemoSystems};

/// The demo tenant: Asker.
pub const KOMMUNENUMMER: &str = "3203";
/// The seed used unless configured otherwise.
pub const DEFAULT_SEED: u64 = 3203;
/// The number of residents generated unless configured otherwise.
pub const DEFAULT_SIZE: usize = 2400;
/// The "today" the demo population is generated for unless configured otherwise.
pub const DEFAULT_REFERENCE_DATE: Date = date(2026, 11, 23);

/// All five simulated systems over one municipality, as adapters for the caching layer.
pub fn adapters(
    municipality: Arc<DemoMunicipality>,
    settings: &DemoSettings,
) -> Vec<Arc<dyn Adapter>> {
    DemoSystems::new(municipality, settings).adapters()
}
