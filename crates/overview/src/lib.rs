//! "Hva vet kommunen om meg?": the resident overview over all sources, one category, and the
//! full export, each read recorded in the access log.
//!
//! Every source sits behind `minside-cache`. The overview asks all of them in parallel and
//! answers within a deadline, saying per source whether its data is fresh, stale (with its
//! age) or unavailable — never all-or-nothing. A source still fetching at the deadline keeps
//! fetching on its own task, so the next request finds it cached.
#![forbid(unsafe_code)]

mod access;
mod view;

use std::sync::Arc;
use std::time::Duration;

use minside_adapter::{Category, CategoryInfo, FetchContext, Purpose, Subject};
use minside_cache::{Cache, CacheError, SubjectKey};
use minside_core::Timestamp;
use minside_store::{AccessLogEntry, Resident};

pub use access::AccessLogger;
pub use view::{CategoryView, Overview, SourceStatus, SourceView};

/// Who reads, and why; written to the access log.
#[derive(Debug, Clone)]
pub struct Reader {
    pub kind: ReaderKind,
    /// The reader's id: the resident's or guardian's internal id, a caseworker, a system.
    pub actor_ref: String,
    pub purpose: Purpose,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKind {
    Resident,
    Guardian,
    Caseworker,
    System,
}

impl ReaderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Resident => "resident",
            Self::Guardian => "guardian",
            Self::Caseworker => "caseworker",
            Self::System => "system",
        }
    }
}

/// A read that cannot be answered.
#[derive(Debug, thiserror::Error)]
pub enum OverviewError {
    #[error("no source offers the category {0}")]
    UnknownCategory(String),
}

/// The overview service of one deployment.
pub struct OverviewService {
    cache: Arc<Cache>,
    access: AccessLogger,
    deadline: Duration,
    export_deadline: Duration,
}

impl OverviewService {
    pub fn new(
        cache: Arc<Cache>,
        access: AccessLogger,
        deadline: Duration,
        export_deadline: Duration,
    ) -> Self {
        Self {
            cache,
            access,
            deadline,
            export_deadline,
        }
    }

    pub fn access_logger(&self) -> &AccessLogger {
        &self.access
    }

    /// Every category any source offers, with the sources that offer it.
    pub fn categories(&self) -> Vec<(CategoryInfo, String)> {
        let mut out = Vec::new();
        for id in self.cache.source_ids() {
            if let Some(adapter) = self.cache.adapter(&id) {
                out.extend(adapter.categories().into_iter().map(|c| (c, id.clone())));
            }
        }
        out
    }

    /// All sources, all categories, within the deadline.
    pub async fn overview(&self, subject: &Resident, reader: &Reader) -> Overview {
        self.read(subject, reader, None, self.deadline).await
    }

    /// One category from the sources that offer it.
    pub async fn category(
        &self,
        subject: &Resident,
        reader: &Reader,
        category: &Category,
    ) -> Result<Overview, OverviewError> {
        if !self.categories().iter().any(|(c, _)| &c.id == category) {
            return Err(OverviewError::UnknownCategory(category.to_string()));
        }
        Ok(self
            .read(subject, reader, Some(category), self.deadline)
            .await)
    }

    /// Everything, per source, with the longer export deadline; failed sources are marked.
    pub async fn export(&self, subject: &Resident, reader: &Reader) -> Overview {
        self.read(subject, reader, None, self.export_deadline).await
    }

    async fn read(
        &self,
        subject: &Resident,
        reader: &Reader,
        only: Option<&Category>,
        deadline: Duration,
    ) -> Overview {
        let key = SubjectKey(subject.id.0);
        let who = Subject {
            pid: subject.pid.clone(),
            kommunenummer: subject.kommunenummer,
        };
        let ctx = FetchContext {
            purpose: reader.purpose,
            request_id: reader.request_id.clone(),
        };
        let sources: Vec<_> = self
            .cache
            .source_ids()
            .into_iter()
            .filter_map(|id| self.cache.adapter(&id).map(|a| (id, a)))
            .filter(|(_, a)| only.is_none_or(|c| a.categories().iter().any(|i| &i.id == c)))
            .collect();
        let asks = sources.iter().map(|(id, _)| async {
            let answer = tokio::time::timeout(deadline, self.cache.get(id, key, &who, &ctx)).await;
            answer.unwrap_or(Err(CacheError::Timeout))
        });
        let answers = futures_util::future::join_all(asks).await;
        let now = Timestamp::now();
        let mut views = Vec::with_capacity(sources.len());
        let mut disclosed = Vec::new();
        for ((id, adapter), answer) in sources.iter().zip(answers) {
            let view =
                SourceView::build(id, adapter.name(), adapter.categories(), answer, only, now);
            if !matches!(view.status, SourceStatus::Unavailable { .. }) {
                disclosed.extend(view.categories.iter().map(|c| c.id.to_string()));
            }
            views.push(view);
        }
        if !disclosed.is_empty() {
            disclosed.sort();
            disclosed.dedup();
            self.access
                .log(AccessLogEntry {
                    kommunenummer: subject.kommunenummer,
                    resident_id: subject.id,
                    at: now,
                    actor_kind: reader.kind.as_str().to_owned(),
                    actor_ref: reader.actor_ref.clone(),
                    categories: disclosed,
                    purpose: purpose_text(reader.purpose).to_owned(),
                })
                .await;
        }
        Overview {
            generated_at: now,
            sources: views,
        }
    }
}

/// Why the data was read, as the resident sees it in the access log.
fn purpose_text(p: Purpose) -> &'static str {
    match p {
        Purpose::ResidentView => "innbygger så egne opplysninger",
        Purpose::GuardianView => "foresatt så barnets opplysninger",
        Purpose::Export => "innbygger lastet ned egne opplysninger",
        Purpose::Refresh => "oppdatering av mellomlager",
    }
}
