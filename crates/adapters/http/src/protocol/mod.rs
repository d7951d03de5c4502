//! `mode = "protocol"`: a remote service, in any language, speaking MinSide's out-of-process
//! adapter protocol (`protocol/openapi.yaml`). `GET /v1/info` is read once (at start when built
//! inside a Tokio runtime, else at the first fetch) and `POST /v1/fetch` serves each fetch.
//!
//! What the remote says is checked, and MinSide's own facts win: records carry the configured
//! id as source, the adapter's name and our clock's `fetched_at`, whatever the remote claims.

mod wire;

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use minside_adapter::{
    Adapter, AdapterError, Category, CategoryInfo, FetchContext, Record, Subject, Timestamp,
};
use reqwest::header::ACCEPT;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;
use url::Url;

pub use self::wire::PROTOCOL_VERSION;
use self::wire::{FetchRequest, Info, Stamp, SubjectRef};
use crate::ConfigError;
use crate::config::ProtocolConfig;
use crate::transport::{self, check_id, check_timeout, check_url};

/// An adapter reached over the out-of-process protocol. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct ProtocolAdapter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    id: String,
    name: Option<String>,
    info_url: Url,
    fetch_url: Url,
    token: SecretString,
    client: reqwest::Client,
    info: OnceCell<Info>,
}

impl ProtocolAdapter {
    /// Checks `config` and builds the adapter; nothing is sent yet (see [`Self::load_info`]).
    pub fn new(config: ProtocolConfig) -> Result<Self, ConfigError> {
        let id = config.id;
        check_id(&id)?;
        let invalid = |at: &str, message: &str| ConfigError::invalid(&id, at, message);
        if config.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
            return Err(invalid("name", "must not be empty when given"));
        }
        let timeout = check_timeout(&id, config.timeout_ms)?;
        let mut base =
            Url::parse(&config.base_url).map_err(|_| invalid("base_url", "not a URL"))?;
        check_url(&id, "base_url", &base, config.allow_plain_http)?;
        if base.query().is_some() {
            return Err(invalid("base_url", "must not have a query"));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let join = |path: &str| {
            base.join(path)
                .map_err(|_| invalid("base_url", "cannot join"))
        };
        let (info_url, fetch_url) = (join("v1/info")?, join("v1/fetch")?);
        let token = config.token;
        if token.expose_secret().is_empty()
            || reqwest::header::HeaderValue::from_str(token.expose_secret()).is_err()
        {
            return Err(invalid("token", "must be a non-empty header-safe text"));
        }
        let client = transport::client(&id, timeout)?;
        let inner = Inner {
            id,
            name: config.name,
            info_url,
            fetch_url,
            token,
            client,
            info: OnceCell::new(),
        };
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// Reads `GET /v1/info` unless already done: checks the protocol version and learns the
    /// categories. A failure is not remembered; the next call (or fetch) tries again.
    pub async fn load_info(&self) -> Result<(), AdapterError> {
        self.info().await.map(|_| ())
    }

    /// Whether `GET /v1/info` has been read (and [`Adapter::categories`] is known).
    pub fn is_ready(&self) -> bool {
        self.inner.info.initialized()
    }

    /// Starts [`Self::load_info`] in the background when inside a Tokio runtime.
    pub(crate) fn spawn_load_info(&self) {
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let adapter = self.clone();
            runtime.spawn(async move {
                if let Err(error) = adapter.load_info().await {
                    tracing::warn!(
                        adapter = %adapter.inner.id,
                        error = %error,
                        "reading the remote adapter's info failed; retried at the first fetch"
                    );
                }
            });
        }
    }

    async fn info(&self) -> Result<&Info, AdapterError> {
        self.inner.info.get_or_try_init(|| self.fetch_info()).await
    }

    #[tracing::instrument(name = "http_adapter_info", skip_all, fields(adapter = %self.inner.id))]
    async fn fetch_info(&self) -> Result<Info, AdapterError> {
        let inner = &self.inner;
        let response = inner
            .client
            .get(inner.info_url.clone())
            .header(ACCEPT, "application/json")
            .bearer_auth(inner.token.expose_secret())
            .send()
            .await
            .map_err(transport::send_error)?;
        if let Some(error) = transport::status_error(&response) {
            tracing::warn!(status = response.status().as_u16(), error = %error, "info failed");
            return Err(error);
        }
        let info = wire::parse_info(&transport::read_json(response).await?)
            .inspect_err(|error| tracing::warn!(error = %error, "info refused"))?;
        tracing::info!(categories = info.categories.len(), "remote adapter ready");
        Ok(info)
    }
}

#[async_trait]
impl Adapter for ProtocolAdapter {
    fn id(&self) -> &str {
        &self.inner.id
    }

    /// The configured name, else the remote's, else (before info is read) the id.
    fn name(&self) -> &str {
        let remote = self.inner.info.get().map(|info| info.name.as_str());
        self.inner
            .name
            .as_deref()
            .or(remote)
            .unwrap_or(&self.inner.id)
    }

    /// Empty until `GET /v1/info` has been read.
    fn categories(&self) -> Vec<CategoryInfo> {
        self.inner
            .info
            .get()
            .map(|info| info.categories.clone())
            .unwrap_or_default()
    }

    #[tracing::instrument(name = "http_adapter_fetch", skip_all, fields(adapter = %self.inner.id, mode = "protocol"))]
    async fn fetch(
        &self,
        subject: &Subject,
        categories: &[Category],
        ctx: &FetchContext,
    ) -> Result<Vec<Record>, AdapterError> {
        let info = self.info().await?;
        let wanted: Vec<&Category> = info
            .categories
            .iter()
            .map(|c| &c.id)
            .filter(|id| categories.contains(id))
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let body = FetchRequest {
            subject: SubjectRef {
                pid: subject.pid.expose(),
                kommunenummer: subject.kommunenummer.as_str(),
            },
            categories: wanted.clone(),
            purpose: ctx.purpose,
            request_id: ctx.request_id.as_deref(),
        };
        let started = Instant::now();
        let response = self
            .inner
            .client
            .post(self.inner.fetch_url.clone())
            .header(ACCEPT, "application/json")
            .bearer_auth(self.inner.token.expose_secret())
            .json(&body)
            .send()
            .await
            .map_err(transport::send_error)?;
        let status = response.status().as_u16();
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(status, elapsed_ms, "answered");
        if let Some(error) = transport::status_error(&response) {
            tracing::warn!(status, error = %error, "fetch failed");
            return Err(error);
        }
        let root = transport::read_json(response).await?;
        let stamp = Stamp {
            source: &self.inner.id,
            system_name: self.name(),
            fetched_at: Timestamp::now(),
            pid: subject.pid.expose(),
        };
        let records = wire::parse_records(&root, &info.categories, &wanted, &stamp)
            .inspect_err(|error| tracing::warn!(error = %error, "answer refused"))?;
        tracing::debug!(records = records.len(), "fetched");
        Ok(records)
    }
}
