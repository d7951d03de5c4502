//! Configuration: compiled-in `config/default.toml`, then the file named by `MINSIDE_CONFIG`,
//! then `MINSIDE__SECTION__KEY` environment variables. The `production` profile refuses
//! settings that are only safe for development.

mod caseworkers;
mod notices;
mod plans;
mod services;
mod statistics;
mod tenants;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

pub use caseworkers::{CaseworkerIdpConfig, DEV_IDP_ISSUER};
pub use notices::NoticeSettings;
pub use plans::PlanSettings;
pub use services::ServiceSettings;
pub use statistics::{StatisticsSettings, StatisticsSource};
pub use tenants::{TenantConfig, TenantRegistry};

/// The compiled-in defaults (the `dev` profile).
pub const DEFAULT_TOML: &str = include_str!("../../../../config/default.toml");

/// The client secret shipped in `default.toml`; refused in production.
const DEV_CLIENT_SECRET: &str = "dev-only-secret-change-me";
/// The cache key shipped in `default.toml`; refused in production.
const DEV_CACHE_KEY: &str = "ZGV2LW9ubHkta2V5LW5vdC1mb3ItcHJvZHVjdGlvbiE=";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Dev,
    Production,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub profile: Profile,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub log: LogSettings,
    pub session: SessionSettings,
    /// Lifetimes of caseworker sessions (the employee identity providers are per tenant).
    pub caseworker_session: SessionSettings,
    pub idporten: IdportenSettings,
    pub dev_idp: DevIdpSettings,
    pub tenants: TenantSettings,
    pub overview: OverviewSettings,
    pub cache: CacheSettings,
    pub access_log: AccessLogSettings,
    pub demo: DemoConfig,
    pub register: RegisterSettings,
    /// Proactive notices: the evaluation engine and delivery.
    pub notices: NoticeSettings,
    /// Plan consultations: distance to "near you" and input limits.
    pub plans: PlanSettings,
    /// The service catalogue: how long public answers may be cached.
    pub services: ServiceSettings,
    /// Statistics import: configured dataset URLs and download limits.
    #[serde(default)]
    pub statistics: StatisticsSettings,
    /// Sources reached over HTTP without code: field mappings or the out-of-process protocol.
    #[serde(default)]
    pub http_sources: Vec<minside_adapter_http::HttpAdapterConfig>,
    /// National registers through Maskinporten (off unless configured).
    #[serde(default)]
    pub registers: RegistersSettings,
    /// Per-source push-invalidation credentials (`source id -> bearer token`).
    #[serde(default)]
    pub source_credentials: std::collections::BTreeMap<String, SecretString>,
}

/// Folkeregisteret and KRR, reached with a Maskinporten token.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistersSettings {
    pub maskinporten: Option<minside_maskinporten::MaskinportenConfig>,
    pub folkeregister: Option<minside_adapter_folkeregister::FolkeregisterConfig>,
    pub krr: Option<minside_adapter_krr::KrrConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverviewSettings {
    /// The overview answers within this, saying which sources were not ready.
    pub deadline_ms: u64,
    pub export_deadline_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSettings {
    /// Base64 of 32 random bytes: seals last-known-good copies at rest.
    pub encryption_key: SecretString,
    /// Optional second tier shared by several MinSide instances.
    pub redis_url: Option<SecretString>,
    pub default_policy: minside_cache::SourcePolicy,
    /// Overrides per source id.
    #[serde(default)]
    pub policies: std::collections::BTreeMap<String, minside_cache::SourcePolicy>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessLogSettings {
    /// Entries older than this are deleted (the chain stays verifiable from the oldest kept).
    pub retention_days: u32,
    pub flush_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// The synthetic demo municipality (tenant 3203) and its simulated legacy systems.
    pub enabled: bool,
    /// Add the demo's example notice rules (active) when the demo tenant has none.
    pub notice_rules: bool,
    /// Example plans with consultation phases (`src/demo/plans.json`), added when the demo
    /// tenant has no plans yet.
    pub plans: bool,
    /// The demo service catalogue (`minside-services`' Asker services), put in place when the
    /// demo tenant has no services yet.
    pub services: bool,
    /// The statistics fixtures (SSB KOSTRA tables and an illustrative Asker dataset), imported
    /// at start; unchanged datasets are skipped.
    pub statistics: bool,
    #[serde(default)]
    pub municipality: minside_adapter_demo::DemoSettings,
}

/// The register mirror: how often a population register's change feed is polled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterSettings {
    pub poll_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub bind: SocketAddr,
    pub public_url: Url,
    pub body_limit_bytes: usize,
    pub shutdown_grace_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub allow_sqlite_in_production: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    pub filter: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionSettings {
    pub idle_timeout_minutes: u32,
    pub max_lifetime_minutes: u32,
    pub login_attempt_minutes: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdportenSettings {
    /// The issuer identifier exactly as the provider publishes it (no normalisation: a
    /// trailing slash matters).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub scopes: Vec<String>,
    pub metadata_ttl_minutes: u32,
    pub http_timeout_seconds: u32,
    pub allow_synthetic_pids: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevIdpSettings {
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantSettings {
    /// Tenant for requests whose host matches no tenant; none means such requests are refused.
    pub default: Option<String>,
    pub dir: PathBuf,
}

/// Configuration that cannot be used; the message says what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration could not be read: {0}")]
    Load(String),
    #[error("refusing to start: {0}")]
    Refused(String),
}

impl Settings {
    /// Defaults, then `MINSIDE_CONFIG` (if set), then `MINSIDE__*` environment variables.
    pub fn load() -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        if let Ok(path) = std::env::var("MINSIDE_CONFIG") {
            if !Path::new(&path).is_file() {
                return Err(ConfigError::Load(format!(
                    "MINSIDE_CONFIG file {path} not found"
                )));
            }
            figment = figment.merge(Toml::file(path));
        }
        Self::from_figment(figment.merge(Env::prefixed("MINSIDE__").split("__")))
    }

    /// Extracts and checks settings from an already layered figment (tests build their own).
    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let settings: Settings = figment
            .extract()
            .map_err(|e| ConfigError::Load(e.to_string()))?;
        settings.check()?;
        Ok(settings)
    }

    /// The compiled-in defaults only.
    pub fn defaults() -> Figment {
        Figment::from(Toml::string(DEFAULT_TOML))
    }

    /// Refuses combinations that are unsafe, and in production anything meant for development.
    pub fn check(&self) -> Result<(), ConfigError> {
        let refuse = |m: &str| Err(ConfigError::Refused(m.to_owned()));
        if self.session.idle_timeout_minutes == 0
            || self.session.idle_timeout_minutes > self.session.max_lifetime_minutes
        {
            return refuse(
                "session.idle_timeout_minutes must be between 1 and max_lifetime_minutes",
            );
        }
        let c = &self.caseworker_session;
        if c.idle_timeout_minutes == 0 || c.idle_timeout_minutes > c.max_lifetime_minutes {
            return refuse(
                "caseworker_session.idle_timeout_minutes must be between 1 and max_lifetime_minutes",
            );
        }
        match Url::parse(&self.idporten.issuer) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => return refuse("idporten.issuer must be an http(s) URL"),
        }
        if self.server.body_limit_bytes < 1024 {
            return refuse("server.body_limit_bytes must be at least 1024");
        }
        if minside_cache::PayloadCipher::from_base64(self.cache.encryption_key.expose_secret())
            .is_err()
        {
            return refuse("cache.encryption_key must be base64 of 32 bytes");
        }
        self.notices.check().map_err(ConfigError::Refused)?;
        self.plans.check().map_err(ConfigError::Refused)?;
        self.services.check().map_err(ConfigError::Refused)?;
        let r = &self.registers;
        if (r.folkeregister.is_some() || r.krr.is_some()) && r.maskinporten.is_none() {
            return refuse("registers.folkeregister and registers.krr need registers.maskinporten");
        }
        if self.profile == Profile::Dev {
            if self.dev_idp.enabled && !self.demo.enabled {
                return refuse(
                    "the development identity provider offers the demo residents: enable demo",
                );
            }
            return Ok(());
        }
        if self.demo.enabled {
            return refuse("the demo municipality (demo.enabled) is only for the dev profile");
        }
        if self.cache.encryption_key.expose_secret() == DEV_CACHE_KEY {
            return refuse(
                "cache.encryption_key is the development key; give 32 random bytes in base64 in \
                 MINSIDE__CACHE__ENCRYPTION_KEY",
            );
        }
        if self.dev_idp.enabled {
            return refuse(
                "the development identity provider is enabled (dev_idp.enabled) in the production \
                 profile; set MINSIDE__DEV_IDP__ENABLED=false and point idporten.issuer at ID-porten",
            );
        }
        if Url::parse(&self.idporten.issuer).is_ok_and(|u| u.path().starts_with("/dev-idp")) {
            return refuse("idporten.issuer points at the development identity provider");
        }
        let secret = self.idporten.client_secret.expose_secret();
        if secret == DEV_CLIENT_SECRET || secret.starts_with("set-me") || secret.len() < 16 {
            return refuse(
                "idporten.client_secret is a default or placeholder value (or shorter than 16 \
                 characters); give the real secret in MINSIDE__IDPORTEN__CLIENT_SECRET",
            );
        }
        if self.idporten.allow_synthetic_pids {
            return refuse("idporten.allow_synthetic_pids is only for test environments");
        }
        if self.server.public_url.scheme() != "https" {
            return refuse("server.public_url must use https in production");
        }
        if self.database.url.expose_secret().starts_with("sqlite:")
            && !self.database.allow_sqlite_in_production
        {
            return refuse(
                "database.url is SQLite; production uses PostgreSQL unless \
                 database.allow_sqlite_in_production = true",
            );
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use figment::providers::Serialized;

    use super::*;

    fn production() -> Figment {
        Settings::defaults()
            .merge(Serialized::default("profile", "production"))
            .merge(Serialized::default("dev_idp.enabled", false))
            .merge(Serialized::default(
                "idporten.issuer",
                "https://test.idporten.no",
            ))
            .merge(Serialized::default(
                "idporten.client_secret",
                "a-real-secret-of-some-length",
            ))
            .merge(Serialized::default("idporten.allow_synthetic_pids", false))
            .merge(Serialized::default(
                "server.public_url",
                "https://minside.asker.kommune.no",
            ))
            .merge(Serialized::default("database.url", "postgres://db/minside"))
            .merge(Serialized::default("demo.enabled", false))
            .merge(Serialized::default(
                "cache.encryption_key",
                "cHJvZHVjdGlvbi1rZXktb2YtMzItYnl0ZXMtbG9uZyE=",
            ))
    }

    fn refusal(f: Figment) -> String {
        match Settings::from_figment(f) {
            Err(ConfigError::Refused(m)) => m,
            other => panic!("expected refusal, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_dev_profile() {
        let s = Settings::from_figment(Settings::defaults()).unwrap();
        assert_eq!(s.profile, Profile::Dev);
        assert!(s.dev_idp.enabled);
        assert!(s.database.url.expose_secret().starts_with("sqlite:"));
    }

    #[test]
    fn a_complete_production_config_is_accepted() {
        Settings::from_figment(production()).unwrap();
    }

    #[test]
    fn production_refuses_dev_idp_default_secret_and_sqlite() {
        let m = refusal(production().merge(Serialized::default("dev_idp.enabled", true)));
        assert!(m.contains("development identity provider"), "{m}");
        let m = refusal(production().merge(Serialized::default(
            "idporten.client_secret",
            DEV_CLIENT_SECRET,
        )));
        assert!(m.contains("client_secret"), "{m}");
        let m = refusal(production().merge(Serialized::default("database.url", "sqlite://x.db")));
        assert!(m.contains("SQLite"), "{m}");
        let ok = production()
            .merge(Serialized::default("database.url", "sqlite://x.db"))
            .merge(Serialized::default(
                "database.allow_sqlite_in_production",
                true,
            ));
        Settings::from_figment(ok).unwrap();
    }

    #[test]
    fn unknown_keys_are_errors_not_silently_ignored() {
        let f = Settings::defaults().merge(Serialized::default("server.bnid", "x"));
        assert!(matches!(
            Settings::from_figment(f),
            Err(ConfigError::Load(_))
        ));
    }
}
