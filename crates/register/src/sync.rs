//! One tenant's mirror and one population source: a full load when there is no read pointer,
//! then the change feed page by page.

use std::sync::Arc;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_adapter::{
    Adapter, AdapterError, PopulationEvent, PopulationSnapshot, PopulationSource,
};
use minside_core::Kommunenummer;
use minside_store::{RegisterLoadStats, Store};

use crate::RegisterError;
use crate::mapping::{register_change, register_person};
use crate::run::Backoff;

/// Feed events asked for per page unless configured otherwise.
const DEFAULT_PAGE_SIZE: u32 = 500;

/// What one [`RegisterSync::sync_once`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Set when there was no pointer and a full load was applied.
    pub full_load: Option<RegisterLoadStats>,
    /// Feed events applied.
    pub events: u64,
    /// Pages of feed events applied.
    pub pages: u32,
    /// The source's sequence number the mirror has applied up to now.
    pub pointer: u64,
}

impl SyncReport {
    /// Whether the mirror changed.
    pub fn changed(&self) -> bool {
        self.full_load.is_some() || self.events > 0
    }
}

/// Keeps one tenant's register mirror in step with one population source. Cheap to share:
/// [`sync_once`](Self::sync_once) may be called while [`run`](Self::run) polls (the store
/// applies each step atomically and skips what is already applied).
pub struct RegisterSync {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) kommunenummer: Kommunenummer,
    pub(crate) source_id: String,
    source: Arc<dyn PopulationSource>,
    page_size: u32,
    pub(crate) clock: Arc<dyn Fn() -> Timestamp + Send + Sync>,
    pub(crate) backoff: Backoff,
}

impl std::fmt::Debug for RegisterSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegisterSync")
            .field("kommunenummer", &self.kommunenummer)
            .field("source_id", &self.source_id)
            .field("page_size", &self.page_size)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

impl RegisterSync {
    /// Mirrors tenant `k` from `source`; `source_id` names the source's read pointer (use the
    /// adapter id, e.g. `demo-folkeregister`).
    pub fn new(
        store: Arc<dyn Store>,
        k: Kommunenummer,
        source_id: impl Into<String>,
        source: Arc<dyn PopulationSource>,
    ) -> Self {
        Self {
            store,
            kommunenummer: k,
            source_id: source_id.into(),
            source,
            page_size: DEFAULT_PAGE_SIZE,
            clock: Arc::new(Timestamp::now),
            backoff: Backoff::default(),
        }
    }

    /// Mirrors tenant `k` from a register-type adapter (its id names the pointer); `None` when
    /// the adapter offers no population feed.
    pub fn for_adapter(
        store: Arc<dyn Store>,
        k: Kommunenummer,
        adapter: Arc<dyn Adapter>,
    ) -> Option<Self> {
        adapter.population()?;
        let id = adapter.id().to_owned();
        Some(Self::new(
            store,
            k,
            id,
            Arc::new(AdapterPopulation(adapter)),
        ))
    }

    /// Feed events asked for per page (at least 1).
    pub fn page_size(mut self, events: u32) -> Self {
        self.page_size = events.max(1);
        self
    }

    /// The clock [`run`](Self::run) stamps its syncs with (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Fn() -> Timestamp + Send + Sync>) -> Self {
        self.clock = clock;
        self
    }

    /// How [`run`](Self::run) waits after a failed sync.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    pub fn kommunenummer(&self) -> Kommunenummer {
        self.kommunenummer
    }

    pub fn source_id(&self) -> &str {
        &self.source_id
    }

    /// Brings the mirror up to date: a full load if there is no pointer yet, then every feed
    /// page after the pointer, each applied in one transaction with the pointer. A failure
    /// keeps what earlier pages applied; the next sync continues from there.
    #[tracing::instrument(skip_all, fields(kommunenummer = %self.kommunenummer, source = %self.source_id))]
    pub async fn sync_once(&self, now: Timestamp) -> Result<SyncReport, RegisterError> {
        let k = &self.kommunenummer;
        let mut report = SyncReport::default();
        let mut pointer = match self.store.register_pointer(k, &self.source_id).await? {
            Some(pointer) => pointer,
            None => {
                let snapshot = self.source.snapshot(k).await?;
                let people: Vec<_> = snapshot
                    .people
                    .iter()
                    .map(|p| register_person(k, p))
                    .collect();
                let stats = self
                    .store
                    .apply_register_snapshot(k, &self.source_id, &people, snapshot.sequence, now)
                    .await?;
                tracing::info!(
                    people = stats.upserted,
                    moved_out = stats.moved_out,
                    sequence = snapshot.sequence,
                    "register mirror fully loaded"
                );
                report.full_load = Some(stats);
                snapshot.sequence
            }
        };
        loop {
            let events = self.source.changes(k, pointer, self.page_size).await?;
            let Some(last) = events.iter().map(|e| e.sequence).max() else {
                break;
            };
            if last <= pointer {
                // A source repeating itself; nothing new to apply.
                break;
            }
            let changes: Vec<_> = events.iter().map(|e| register_change(k, e)).collect();
            self.store
                .apply_register_changes(k, &self.source_id, &changes, now)
                .await?;
            report.events += events.iter().filter(|e| e.sequence > pointer).count() as u64;
            report.pages += 1;
            pointer = last;
            if events.len() < self.page_size as usize {
                break;
            }
        }
        report.pointer = pointer;
        Ok(report)
    }
}

/// A register-type [`Adapter`]'s population feed as an owned [`PopulationSource`].
#[derive(Clone)]
pub struct AdapterPopulation(pub Arc<dyn Adapter>);

impl AdapterPopulation {
    fn feed(&self) -> Result<&dyn PopulationSource, AdapterError> {
        self.0
            .population()
            .ok_or_else(|| AdapterError::BadData("the source offers no population feed".into()))
    }
}

#[async_trait]
impl PopulationSource for AdapterPopulation {
    async fn snapshot(&self, tenant: &Kommunenummer) -> Result<PopulationSnapshot, AdapterError> {
        self.feed()?.snapshot(tenant).await
    }

    async fn changes(
        &self,
        tenant: &Kommunenummer,
        after: u64,
        limit: u32,
    ) -> Result<Vec<PopulationEvent>, AdapterError> {
        self.feed()?.changes(tenant, after, limit).await
    }
}
