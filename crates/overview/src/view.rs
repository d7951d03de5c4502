//! What the overview returns: per source its status and its categories with records.

use minside_adapter::{Category, CategoryInfo, Record, Sensitivity};
use minside_cache::{Answer, CacheError, Freshness, StaleReason};
use minside_core::Timestamp;
use serde::Serialize;

/// The answer to an overview, category or export read.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub generated_at: Timestamp,
    pub sources: Vec<SourceView>,
}

/// One source in the overview.
#[derive(Debug, Clone, Serialize)]
pub struct SourceView {
    pub source: String,
    pub name: String,
    pub status: SourceStatus,
    pub categories: Vec<CategoryView>,
}

/// Fresh, stale (with age) or unavailable.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SourceStatus {
    Fresh {
        fetched_at: Timestamp,
    },
    Stale {
        fetched_at: Timestamp,
        age_seconds: i64,
        reason: String,
    },
    Unavailable {
        reason: String,
    },
}

/// A category with its records.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryView {
    pub id: Category,
    pub title_nb: String,
    pub title_en: String,
    pub legal_basis: String,
    pub sensitivity: Sensitivity,
    pub records: Vec<Record>,
}

impl SourceView {
    pub(crate) fn build(
        id: &str,
        name: &str,
        infos: Vec<CategoryInfo>,
        answer: Result<Answer, CacheError>,
        only: Option<&Category>,
        now: Timestamp,
    ) -> Self {
        let infos: Vec<_> = infos
            .into_iter()
            .filter(|i| only.is_none_or(|c| &i.id == c))
            .collect();
        let (status, records) = match answer {
            Ok(a) => {
                let status = match &a.freshness {
                    Freshness::Fresh => SourceStatus::Fresh {
                        fetched_at: a.fetched_at,
                    },
                    Freshness::Stale { reason, .. } => SourceStatus::Stale {
                        fetched_at: a.fetched_at,
                        age_seconds: now.duration_since(a.fetched_at).as_secs(),
                        reason: stale_reason(*reason).to_owned(),
                    },
                };
                (status, a.records.as_ref().clone())
            }
            Err(e) => (
                SourceStatus::Unavailable {
                    reason: unavailable_reason(&e),
                },
                Vec::new(),
            ),
        };
        let categories = if matches!(status, SourceStatus::Unavailable { .. }) {
            Vec::new()
        } else {
            infos
                .into_iter()
                .map(|i| CategoryView {
                    records: records
                        .iter()
                        .filter(|r| r.category == i.id)
                        .cloned()
                        .collect(),
                    id: i.id,
                    title_nb: i.title_nb,
                    title_en: i.title_en,
                    legal_basis: i.legal_basis,
                    sensitivity: i.sensitivity,
                })
                .collect()
        };
        Self {
            source: id.to_owned(),
            name: name.to_owned(),
            status,
            categories,
        }
    }
}

fn stale_reason(r: StaleReason) -> &'static str {
    match r {
        StaleReason::Revalidating => "revalidating",
        StaleReason::SourceFailed => "source_failed",
        StaleReason::BreakerOpen => "breaker_open",
        StaleReason::LastKnownGood => "last_known_good",
    }
}

fn unavailable_reason(e: &CacheError) -> String {
    match e {
        CacheError::Timeout => "timeout",
        CacheError::BreakerOpen => "breaker-open",
        CacheError::Unauthorized => "unauthorized",
        CacheError::BadData(_) => "bad-data",
        _ => "unavailable",
    }
    .to_owned()
}
