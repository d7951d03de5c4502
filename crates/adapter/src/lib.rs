#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod category;
mod error;
mod population;
mod record;

use async_trait::async_trait;
pub use category::{Category, CategoryError, CategoryInfo, Sensitivity};
pub use error::AdapterError;
pub use minside_core::{Date, Kommunenummer, Pid, Timestamp};
pub use population::{
    Address, PersonRecord, PopulationEvent, PopulationEventKind, PopulationSnapshot,
    PopulationSource,
};
pub use record::{Field, FieldValue, Provenance, Record};

/// Whose data is asked for. The pid goes to the source system and nowhere else.
#[derive(Debug, Clone)]
pub struct Subject {
    pub pid: Pid,
    pub kommunenummer: Kommunenummer,
}

/// Why data is read; sources may log it, and MinSide writes it to the access log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Purpose {
    /// The resident looks at their own data.
    ResidentView,
    /// A guardian looks at a child's data.
    GuardianView,
    /// The resident exports all their data.
    Export,
    /// Background refresh by the caching layer (stale-while-revalidate).
    Refresh,
}

/// Context of one fetch.
#[derive(Debug, Clone)]
pub struct FetchContext {
    pub purpose: Purpose,
    /// The request id of the HTTP request that caused this fetch, for correlating logs.
    pub request_id: Option<String>,
}

/// A source of resident data: one legacy system ("fagsystem") or register.
///
/// Implementations are held as `Arc<dyn Adapter>` behind MinSide's caching layer, which adds
/// timeouts, rate limits, a concurrency cap, a circuit breaker and persistent last-known-good
/// copies; an adapter only has to fetch.
#[async_trait]
pub trait Adapter: Send + Sync + 'static {
    /// Stable machine id of this source, e.g. `"demo-kindergarten"`; used in config, metrics and
    /// cache keys.
    fn id(&self) -> &str;

    /// The source system's name as residents see it, e.g. `"Visma Flyt Barnehage"`.
    fn name(&self) -> &str;

    /// The categories this source can answer.
    fn categories(&self) -> Vec<CategoryInfo>;

    /// Fetches the subject's records in `categories` (a subset of [`Adapter::categories`]).
    /// A subject the source does not know is `Ok(vec![])` or [`AdapterError::NotFound`].
    async fn fetch(
        &self,
        subject: &Subject,
        categories: &[Category],
        ctx: &FetchContext,
    ) -> Result<Vec<Record>, AdapterError>;

    /// Register-type sources (population register) also offer the full population and a change
    /// feed. Most sources return `None`.
    fn population(&self) -> Option<&dyn PopulationSource> {
        None
    }
}
