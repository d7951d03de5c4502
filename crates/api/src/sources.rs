//! The sources of "what the municipality knows": adapters built from configuration (the demo
//! municipality, HTTP sources), each behind the caching layer, and the overview service over
//! them. In the dev profile the demo municipality's population register is mirrored into the
//! store: loaded at start, then kept current by a task polling its change feed.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use minside_adapter::Adapter;
use minside_adapter_demo::{DemoMunicipality, DemoSystemKind, DemoSystems};
use minside_cache::{Cache, PayloadCipher, RedisTier, Snapshot, SnapshotStore, SubjectKey};
use minside_core::Timestamp;
use minside_overview::{AccessLogger, OverviewService};
use minside_register::{RegisterError, RegisterSync, SyncTask};
use minside_store::{ResidentId, Store, StoredSnapshot};
use secrecy::ExposeSecret;

use crate::BuildError;
use crate::config::{ConfigError, Settings};

/// What the app keeps of its sources.
pub struct Sources {
    pub cache: Arc<Cache>,
    pub overview: OverviewService,
    /// The demo municipality's simulated systems (dev profile), for tests and benchmarks to
    /// switch outages on and off.
    pub demo: Option<DemoSystems>,
    /// The demo tenant's register mirror (dev profile).
    pub register: Option<RegisterMirror>,
}

/// A tenant's register mirror: the sync (for a sync on demand) and the task polling the feed
/// (stop it with [`SyncTask::shutdown`]; it also stops when this is dropped).
pub struct RegisterMirror {
    pub sync: Arc<RegisterSync>,
    pub task: SyncTask,
}

/// The cache's last-known-good copies, kept in the SQL store.
struct StoreSnapshots(Arc<dyn Store>);

#[async_trait]
impl SnapshotStore for StoreSnapshots {
    async fn load(&self, source: &str, subject: SubjectKey) -> Result<Option<Snapshot>, String> {
        let found = self.0.load_snapshot(source, ResidentId(subject.0)).await;
        found
            .map(|s| {
                s.map(|s| Snapshot {
                    sealed: s.sealed,
                    fetched_at: s.fetched_at,
                })
            })
            .map_err(|e| e.to_string())
    }

    async fn save(&self, source: &str, subject: SubjectKey, s: Snapshot) -> Result<(), String> {
        let snapshot = StoredSnapshot {
            sealed: s.sealed,
            fetched_at: s.fetched_at,
        };
        self.0
            .save_snapshot(source, ResidentId(subject.0), snapshot)
            .await
            .map_err(|e| e.to_string())
    }

    async fn delete(&self, source: &str, subject: SubjectKey) -> Result<(), String> {
        self.0
            .delete_snapshot(source, ResidentId(subject.0))
            .await
            .map_err(|e| e.to_string())
    }
}

pub(crate) async fn build(
    settings: &Settings,
    store: &Arc<dyn Store>,
) -> Result<Sources, BuildError> {
    let mut adapters: Vec<Arc<dyn Adapter>> = Vec::new();
    let (demo, register) = if settings.demo.enabled {
        let m = Arc::new(DemoMunicipality::from_settings(&settings.demo.municipality));
        let systems = DemoSystems::new(m, &settings.demo.municipality);
        let poll = Duration::from_secs(settings.register.poll_seconds.max(1));
        let register = mirror_demo_population(store, &systems, poll).await?;
        adapters.extend(systems.adapters());
        (Some(systems), Some(register))
    } else {
        (None, None)
    };
    adapters.extend(register_adapters(settings)?);
    for http in &settings.http_sources {
        let adapter = minside_adapter_http::build(http.clone())
            .map_err(|e| ConfigError::Load(format!("http source: {e}")))?;
        adapters.push(adapter);
    }

    let cipher = PayloadCipher::from_base64(settings.cache.encryption_key.expose_secret())
        .map_err(|e| ConfigError::Load(format!("cache.encryption_key: {e}")))?;
    let mut builder = Cache::builder(Arc::new(StoreSnapshots(store.clone())), cipher);
    for adapter in adapters {
        let policy = settings
            .cache
            .policies
            .get(adapter.id())
            .unwrap_or(&settings.cache.default_policy)
            .clone();
        builder = builder.source(adapter, policy);
    }
    if let Some(url) = &settings.cache.redis_url {
        let tier = RedisTier::connect(url.expose_secret(), "minside")
            .await
            .map_err(|e| ConfigError::Load(format!("cache.redis_url: {e}")))?;
        builder = builder.redis(tier);
    }
    let cache = Arc::new(
        builder
            .build()
            .map_err(|e| ConfigError::Load(format!("cache: {e}")))?,
    );
    let access = AccessLogger::start(
        store.clone(),
        Duration::from_millis(settings.access_log.flush_ms.max(10)),
    );
    let overview = OverviewService::new(
        cache.clone(),
        access,
        Duration::from_millis(settings.overview.deadline_ms),
        Duration::from_millis(settings.overview.export_deadline_ms),
    );
    Ok(Sources {
        cache,
        overview,
        demo,
        register,
    })
}

/// Folkeregisteret and KRR, sharing one Maskinporten token source.
fn register_adapters(settings: &Settings) -> Result<Vec<Arc<dyn Adapter>>, BuildError> {
    let r = &settings.registers;
    let Some(mp) = &r.maskinporten else {
        return Ok(Vec::new());
    };
    let load = |what: &str, e: &dyn std::fmt::Display| ConfigError::Load(format!("{what}: {e}"));
    let tokens: Arc<dyn minside_maskinporten::TokenSource> = Arc::new(
        minside_maskinporten::MaskinportenClient::new(mp)
            .map_err(|e| load("registers.maskinporten", &e))?,
    );
    let mut out: Vec<Arc<dyn Adapter>> = Vec::new();
    if let Some(cfg) = &r.folkeregister {
        let adapter = minside_adapter_folkeregister::FolkeregisterAdapter::new(cfg, tokens.clone())
            .map_err(|e| load("registers.folkeregister", &e))?;
        out.push(Arc::new(adapter));
    }
    if let Some(cfg) = &r.krr {
        let adapter = minside_adapter_krr::KrrAdapter::new(cfg, tokens)
            .map_err(|e| load("registers.krr", &e))?;
        out.push(Arc::new(adapter));
    }
    Ok(out)
}

/// Mirrors the demo municipality's population register: a sync now (so a fresh start has the
/// residents and their guardianships), then a task polling the feed every `poll`. A register
/// that does not answer at start is retried by the task; a store that fails stops the start.
async fn mirror_demo_population(
    store: &Arc<dyn Store>,
    systems: &DemoSystems,
    poll: Duration,
) -> Result<RegisterMirror, BuildError> {
    let folkeregister = &systems.folkeregister;
    let sync = Arc::new(RegisterSync::new(
        store.clone(),
        folkeregister.municipality().kommunenummer(),
        DemoSystemKind::Folkeregister.id(),
        folkeregister.clone(),
    ));
    match sync.sync_once(Timestamp::now()).await {
        Ok(report) => tracing::info!(
            full_load = report.full_load.is_some(),
            events = report.events,
            "demo register mirror in step"
        ),
        Err(RegisterError::Store(e)) => return Err(e.into()),
        Err(error @ RegisterError::Source(_)) => {
            tracing::warn!(%error, "demo register not loaded at start; the poller retries")
        }
    }
    let task = Arc::clone(&sync).spawn(poll);
    Ok(RegisterMirror { sync, task })
}
