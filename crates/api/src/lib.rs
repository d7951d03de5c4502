//! The HTTP face of MinSide: axum routers per feature, extractors that validate at the edge,
//! the one problem+json error type, OpenAPI, health and metrics.
//!
//! `build()` assembles the application from settings and a store; `serve()` runs it with
//! graceful shutdown. This is the only crate that knows HTTP.
#![forbid(unsafe_code)]

pub mod caseworker;
pub mod config;
mod cookies;
pub mod error;
mod extract;
mod housekeeping;
mod http_cache;
mod middleware;
pub mod notices;
mod openapi;
pub mod plans;
mod routes;
pub mod services;
pub mod sources;
mod state;
pub mod statistics;
pub mod telemetry;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use jiff::SignedDuration;
use minside_auth::{LoginPolicy, RelyingParty, RelyingPartyConfig, ResidentLogin};
use minside_dev_idp::{DevClient, DevIdp, DevIdpConfig, DevPerson};
use minside_store::Store;
use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use config::{ConfigError, Profile, Settings, TenantRegistry};
pub use error::ApiError;
pub use extract::CSRF_HEADER;
pub use state::{AppState, Clock};

/// Why the application could not be assembled.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("store: {0}")]
    Store(#[from] minside_store::StoreError),
    #[error("identity: {0}")]
    Auth(#[from] minside_auth::AuthError),
    #[error("development identity provider: {0}")]
    DevIdp(#[from] minside_dev_idp::DevIdpError),
}

/// The assembled application.
pub struct App {
    pub router: Router,
    pub state: AppState,
}

/// Builds the application: tenants into the store, the identity provider client, the dev
/// identity provider (dev profile only) and all routes with their middleware.
pub async fn build(
    settings: Settings,
    store: Arc<dyn Store>,
    clock: Clock,
) -> Result<App, BuildError> {
    settings.check()?;
    let tenants = TenantRegistry::load(&settings)?;
    let now = clock.now();
    for t in tenants.all() {
        store.upsert_tenant(&t.kommunenummer, &t.name, now).await?;
    }

    let sources = sources::build(&settings, &store).await?;
    let dev_idp = if settings.dev_idp.enabled {
        if settings.profile != Profile::Dev {
            return Err(
                ConfigError::Refused("dev_idp.enabled outside the dev profile".into()).into(),
            );
        }
        Some(dev_identity_provider(&settings, &tenants, &sources)?)
    } else {
        None
    };

    let idp = &settings.idporten;
    let rp = RelyingParty::new(RelyingPartyConfig {
        issuer: idp.issuer.clone(),
        client_id: idp.client_id.clone(),
        client_secret: idp.client_secret.clone(),
        scopes: idp.scopes.clone(),
        metadata_ttl: Duration::from_secs(u64::from(idp.metadata_ttl_minutes) * 60),
        http_timeout: Duration::from_secs(u64::from(idp.http_timeout_seconds)),
    })?;
    let s = &settings.session;
    let policy = LoginPolicy {
        allow_synthetic_pids: idp.allow_synthetic_pids,
        attempt_ttl: SignedDuration::from_mins(i64::from(s.login_attempt_minutes)),
        idle_timeout: SignedDuration::from_mins(i64::from(s.idle_timeout_minutes)),
        max_lifetime: SignedDuration::from_mins(i64::from(s.max_lifetime_minutes)),
    };
    let login = ResidentLogin::new(rp, store.clone(), policy);
    let caseworkers = caseworker::logins(&settings, &tenants, &store)?;
    let body_limit = settings.server.body_limit_bytes;
    let notices = notices::build(&settings, &store, &sources)?;
    if let Some(demo) = sources.demo.as_ref().filter(|_| settings.demo.notice_rules) {
        let k = demo.folkeregister.municipality().kommunenummer();
        notices::seed_demo_rules(store.as_ref(), &k, now).await?;
    }
    if let Some(demo) = sources.demo.as_ref().filter(|_| settings.demo.plans) {
        let k = demo.folkeregister.municipality().kommunenummer();
        plans::seed_demo_plans(store.as_ref(), &settings.plans, &k, now).await?;
    }
    if let Some(demo) = sources.demo.as_ref().filter(|_| settings.demo.services) {
        let k = demo.folkeregister.municipality().kommunenummer();
        services::seed_demo_services(store.as_ref(), &k, now).await?;
    }
    if settings.demo.enabled && settings.demo.statistics {
        statistics::seed_demo_statistics(store.as_ref(), now).await?;
    }
    notices::start(
        &notices,
        &settings.notices,
        store.clone(),
        tenants.all().iter().map(|t| t.kommunenummer).collect(),
        clock.clone(),
    );
    housekeeping::start(
        store.clone(),
        clock.clone(),
        housekeeping::Retention {
            access_log: SignedDuration::from_hours(
                24 * i64::from(settings.access_log.retention_days),
            ),
            snapshots: longest_stale_window(&settings),
            every: Duration::from_secs(3600),
        },
    );
    let state = AppState(Arc::new(state::Inner {
        settings,
        tenants,
        store,
        login,
        metrics: telemetry::metrics_handle(),
        clock,
        sources,
        caseworkers,
        notices,
        catalogues: services::CatalogueCache::default(),
    }));

    let (router, api) = OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .merge(routes::home::router())
        .merge(routes::health::router())
        .merge(routes::auth::router())
        .merge(routes::admin_auth::router())
        .merge(routes::me::router())
        .merge(routes::overview::router())
        .merge(routes::guardian::router())
        .merge(routes::corrections::router())
        .merge(routes::notices::router())
        .merge(routes::notice_rules::router())
        .merge(routes::plans::router())
        .merge(routes::plan_admin::router())
        .merge(routes::services::router())
        .merge(routes::service_admin::router())
        .merge(routes::statistics::router())
        .merge(routes::system::router())
        .split_for_parts();
    let api = Arc::new(api);
    let mut router = router.route(
        "/api/v1/openapi.json",
        axum::routing::get(move || {
            let api = api.clone();
            async move { axum::Json(api.as_ref().clone()) }
        }),
    );
    if let Some(idp) = dev_idp {
        router = router.nest("/dev-idp", idp.router().with_state(()));
    }
    let router = middleware::stack(router.with_state(state.clone()), body_limit);
    Ok(App { router, state })
}

/// A last-known-good copy older than the longest stale window of any source is never shown.
fn longest_stale_window(settings: &Settings) -> SignedDuration {
    let c = &settings.cache;
    let longest = std::iter::once(&c.default_policy)
        .chain(c.policies.values())
        .map(|p| p.fresh + p.stale_while_revalidate.max(p.stale_if_error))
        .max()
        .unwrap_or_default();
    SignedDuration::try_from(longest).unwrap_or(SignedDuration::from_hours(24 * 30))
}

/// The development identity provider, offering the demo municipality's showcase residents
/// (already in the store with the demo population), with clients for every tenant's callback.
fn dev_identity_provider(
    settings: &Settings,
    tenants: &TenantRegistry,
    sources: &sources::Sources,
) -> Result<DevIdp, BuildError> {
    let Some(demo) = &sources.demo else {
        return Err(
            ConfigError::Refused("the dev identity provider needs demo.enabled".into()).into(),
        );
    };
    let municipality = demo.folkeregister.municipality();
    let people = municipality
        .showcase()
        .iter()
        .map(|p| DevPerson {
            pid: p.pid.clone(),
            name: p.name.to_owned(),
        })
        .collect();
    let at = |t: &config::TenantConfig, path: &str| {
        let mut u = t.public_url.clone();
        u.set_path(path);
        u
    };
    let client = DevClient {
        client_id: settings.idporten.client_id.clone(),
        client_secret: settings.idporten.client_secret.expose_secret().to_owned(),
        redirect_uris: tenants
            .all()
            .iter()
            .map(|t| at(t, "/auth/callback"))
            .collect(),
        post_logout_redirect_uris: tenants
            .all()
            .iter()
            .map(|t| at(t, "/auth/logged-out"))
            .collect(),
        frontchannel_logout_uri: tenants
            .all()
            .first()
            .map(|t| at(t, "/auth/frontchannel-logout")),
        audience: minside_dev_idp::DevAudience::Residents,
    };
    Ok(DevIdp::new(DevIdpConfig {
        issuer: url::Url::parse(&settings.idporten.issuer)
            .map_err(|e| ConfigError::Load(format!("idporten.issuer: {e}")))?,
        clients: std::iter::once(client)
            .chain(caseworker::dev_clients(tenants))
            .collect(),
        people,
        employees: minside_dev_idp::DevEmployee::demo_staff(),
    })?)
}

/// Serves until SIGINT or SIGTERM, then lets requests in flight finish (up to `grace`).
pub async fn serve(listener: TcpListener, router: Router, grace: Duration) -> std::io::Result<()> {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down; finishing requests in flight");
        let _ = tx.send(());
    });
    tokio::select! {
        result = server => result,
        () = async { let _ = rx.await; tokio::time::sleep(grace).await; } => {
            tracing::warn!("requests still in flight after the grace period; stopping");
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
}
