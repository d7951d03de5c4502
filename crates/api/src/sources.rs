//! The sources of "what the municipality knows": adapters built from configuration (the demo
//! municipality, HTTP sources), each behind the caching layer, and the overview service over
//! them. In the dev profile the demo municipality's population is loaded into the store.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use minside_adapter::Adapter;
use minside_adapter_demo::{DemoMunicipality, DemoSystems};
use minside_cache::{Cache, PayloadCipher, RedisTier, Snapshot, SnapshotStore, SubjectKey};
use minside_core::Timestamp;
use minside_overview::{AccessLogger, OverviewService};
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
    let demo = if settings.demo.enabled {
        let m = Arc::new(DemoMunicipality::from_settings(&settings.demo.municipality));
        load_population(store, &m).await?;
        let systems = DemoSystems::new(m, &settings.demo.municipality);
        adapters.extend(systems.adapters());
        Some(systems)
    } else {
        None
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

/// Loads the demo population (names and guardianships) into the resident mirror.
async fn load_population(store: &Arc<dyn Store>, m: &DemoMunicipality) -> Result<(), BuildError> {
    let k = m.kommunenummer();
    let now = Timestamp::now();
    let people: Vec<_> = m
        .people()
        .iter()
        .map(|p| (p.pid.clone(), format!("{} {}", p.given_name, p.family_name)))
        .collect();
    let residents = store.upsert_residents(&k, &people, now).await?;
    let by_pid: std::collections::HashMap<_, _> = people
        .iter()
        .zip(&residents)
        .map(|((pid, _), r)| (pid.clone(), r.id))
        .collect();
    for (person, resident) in m.people().iter().zip(&residents) {
        if person.guardians.is_empty() {
            continue;
        }
        let guardians: Vec<_> = person
            .guardians
            .iter()
            .filter_map(|g| by_pid.get(g).copied())
            .collect();
        store
            .set_guardians(&k, resident.id, &guardians, now)
            .await?;
    }
    Ok(())
}
