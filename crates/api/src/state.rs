//! The state every handler shares.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::{SignedDuration, Timestamp};
use metrics_exporter_prometheus::PrometheusHandle;
use minside_auth::ResidentLogin;
use minside_store::Store;

use crate::config::{Settings, TenantRegistry};

/// Cheap to clone; everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(pub(crate) Arc<Inner>);

pub(crate) struct Inner {
    pub settings: Settings,
    pub tenants: TenantRegistry,
    pub store: Arc<dyn Store>,
    pub login: ResidentLogin,
    pub metrics: PrometheusHandle,
    pub clock: Clock,
    pub sources: crate::sources::Sources,
    pub caseworkers: crate::caseworker::CaseworkerLogins,
    pub notices: crate::notices::NoticeRuntime,
    pub catalogues: crate::services::CatalogueCache,
}

impl AppState {
    pub fn settings(&self) -> &Settings {
        &self.0.settings
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.0.store
    }

    pub fn tenants(&self) -> &TenantRegistry {
        &self.0.tenants
    }

    pub fn clock(&self) -> &Clock {
        &self.0.clock
    }

    pub fn sources(&self) -> &crate::sources::Sources {
        &self.0.sources
    }

    pub(crate) fn login(&self) -> &ResidentLogin {
        &self.0.login
    }

    /// The caseworker login of each tenant that has an employee identity provider.
    /// The notice engine and the delivery worker of this process.
    pub fn notices(&self) -> &crate::notices::NoticeRuntime {
        &self.0.notices
    }

    /// The tenant's published service catalogue (cached for `services.cache_seconds`).
    pub async fn catalogue(
        &self,
        k: &minside_core::Kommunenummer,
    ) -> Result<Arc<crate::services::Catalogue>, minside_store::StoreError> {
        let max_age =
            std::time::Duration::from_secs(u64::from(self.0.settings.services.cache_seconds));
        self.0
            .catalogues
            .get(self.0.store.as_ref(), k, max_age)
            .await
    }

    /// Drops this instance's copy of the tenant's catalogue after a change.
    pub(crate) fn catalogue_changed(&self, k: &minside_core::Kommunenummer) {
        self.0.catalogues.invalidate(k);
    }

    /// Logs that a resident read their own data (`categories`) for `purpose` ("innboks",
    /// "planer nær deg"): their access log shows every read, their own included.
    pub(crate) async fn log_own_read(
        &self,
        resident: (minside_core::Kommunenummer, minside_store::ResidentId),
        categories: &[&str],
        purpose: &str,
    ) {
        let (kommunenummer, resident_id) = resident;
        self.sources()
            .overview
            .access_logger()
            .log(minside_store::AccessLogEntry {
                kommunenummer,
                resident_id,
                at: self.now(),
                actor_kind: "resident".into(),
                actor_ref: format!("resident:{}", resident_id.0),
                categories: categories.iter().map(|c| (*c).to_owned()).collect(),
                purpose: purpose.into(),
            })
            .await;
    }

    pub(crate) fn caseworkers(&self) -> &crate::caseworker::CaseworkerLogins {
        &self.0.caseworkers
    }

    pub(crate) fn now(&self) -> Timestamp {
        self.0.clock.now()
    }
}

/// The time source. The system clock, which tests can move forward to expire sessions.
#[derive(Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        Timestamp::now() + SignedDuration::from_millis(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves this clock forward (tests only need this; production never calls it).
    pub fn advance(&self, by: SignedDuration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}
