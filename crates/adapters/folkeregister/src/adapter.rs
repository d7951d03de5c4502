//! The adapter: shows a resident what Folkeregisteret has registered about them, and is the
//! population source of the resident mirror (see `population.rs`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use minside_adapter::{
    Adapter, AdapterError, Category, CategoryInfo, FetchContext, Kommunenummer, Pid,
    PopulationSource, Record, Sensitivity, Subject, Timestamp,
};
use minside_core::PidPolicy;
use minside_maskinporten::TokenSource;

use crate::feed::{InMemoryReadPointer, ReadPointer};
use crate::http::{FregHttp, VIEW_PARTS};
use crate::person::{LEGAL_BASIS, category, person_view};
use crate::{FolkeregisterConfig, FolkeregisterError};

/// The adapter id, used in configuration, metrics and cache keys.
pub const ADAPTER_ID: &str = "folkeregister";

/// Who lives in a municipality, as far as a full load is concerned: Folkeregisteret offers no
/// "everyone in kommune K" lookup to this rights package, so the snapshot looks up a list of
/// fødselsnumre (e.g. the residents MinSide already knows, or an uttrekk).
#[async_trait]
pub trait Roster: Send + Sync {
    async fn pids(&self, tenant: &Kommunenummer) -> Result<Vec<Pid>, AdapterError>;
}

/// A fixed roster per municipality.
#[derive(Debug, Default, Clone)]
pub struct StaticRoster(HashMap<Kommunenummer, Vec<Pid>>);

impl StaticRoster {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with(mut self, tenant: Kommunenummer, pids: Vec<Pid>) -> Self {
        self.0.entry(tenant).or_default().extend(pids);
        self
    }
}

#[async_trait]
impl Roster for StaticRoster {
    async fn pids(&self, tenant: &Kommunenummer) -> Result<Vec<Pid>, AdapterError> {
        Ok(self.0.get(tenant).cloned().unwrap_or_default())
    }
}

/// Folkeregisteret through the "offentlig med hjemmel" rights package.
pub struct FolkeregisterAdapter {
    pub(crate) http: FregHttp,
    pub(crate) policy: PidPolicy,
    pub(crate) pointer: Arc<dyn ReadPointer>,
    pub(crate) roster: Arc<dyn Roster>,
    pub(crate) feed_page_size: usize,
    pub(crate) feed_max_pages: u32,
    pub(crate) feed_start: u64,
}

impl std::fmt::Debug for FolkeregisterAdapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolkeregisterAdapter")
            .finish_non_exhaustive()
    }
}

impl FolkeregisterAdapter {
    /// An adapter with an in-memory read pointer and an empty roster.
    pub fn new(
        config: &FolkeregisterConfig,
        tokens: Arc<dyn TokenSource>,
    ) -> Result<Self, FolkeregisterError> {
        if config.feed_page_size == 0 || config.feed_max_pages_per_call == 0 {
            return Err(FolkeregisterError::Config(
                "feed_page_size and feed_max_pages_per_call must be positive".into(),
            ));
        }
        if config.timeout_secs == 0 {
            return Err(FolkeregisterError::Config(
                "timeout_secs must be positive".into(),
            ));
        }
        Ok(Self {
            http: FregHttp::new(
                &config.base_url,
                &config.scope,
                Duration::from_secs(config.timeout_secs),
                tokens,
            )?,
            policy: PidPolicy {
                allow_synthetic: config.allow_synthetic_pids,
            },
            pointer: Arc::new(InMemoryReadPointer::new()),
            roster: Arc::new(StaticRoster::new()),
            feed_page_size: config.feed_page_size,
            feed_max_pages: config.feed_max_pages_per_call,
            feed_start: config.feed_start,
        })
    }

    /// Keeps the feed's read pointer in `pointer` (e.g. backed by the store).
    pub fn with_read_pointer(mut self, pointer: Arc<dyn ReadPointer>) -> Self {
        self.pointer = pointer;
        self
    }

    /// Takes the snapshot's fødselsnumre from `roster`.
    pub fn with_roster(mut self, roster: Arc<dyn Roster>) -> Self {
        self.roster = roster;
        self
    }

    /// The last feed sequence number consumed for `tenant` (see [`ReadPointer`]).
    pub async fn read_pointer(&self, tenant: &Kommunenummer) -> Result<Option<u64>, AdapterError> {
        self.pointer.load(tenant).await
    }
}

#[async_trait]
impl Adapter for FolkeregisterAdapter {
    fn id(&self) -> &str {
        ADAPTER_ID
    }

    fn name(&self) -> &str {
        "Folkeregisteret"
    }

    fn categories(&self) -> Vec<CategoryInfo> {
        vec![CategoryInfo {
            id: category(),
            title_nb: "Navn, fødselsdato og adresse".into(),
            title_en: "Name, date of birth and address".into(),
            legal_basis: LEGAL_BASIS.into(),
            sensitivity: Sensitivity::Normal,
        }]
    }

    #[tracing::instrument(skip_all, fields(adapter = ADAPTER_ID, purpose = ?ctx.purpose))]
    async fn fetch(
        &self,
        subject: &Subject,
        categories: &[Category],
        ctx: &FetchContext,
    ) -> Result<Vec<Record>, AdapterError> {
        if !categories.is_empty() && !categories.contains(&category()) {
            return Ok(Vec::new());
        }
        let doc = self.http.person(&subject.pid, VIEW_PARTS).await?;
        let about_subject = doc
            .identifikasjonsnummer
            .iter()
            .any(|i| i.foedsels_eller_d_nummer == subject.pid.expose());
        if !about_subject {
            return Err(AdapterError::BadData(
                "the answer is about another person".into(),
            ));
        }
        let record = person_view(&doc, self.policy, ADAPTER_ID, self.name(), Timestamp::now())?;
        Ok(vec![record])
    }

    fn population(&self) -> Option<&dyn PopulationSource> {
        Some(self)
    }
}
