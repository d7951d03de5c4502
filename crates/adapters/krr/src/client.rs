//! The KRR lookup: `POST {base}/rest/v1/personer` with `{"personidentifikatorer": [...]}`
//! (1 to 1000 per request) and a Maskinporten bearer token.

use std::sync::Arc;
use std::time::Duration;

use minside_adapter::{AdapterError, Pid};
use minside_core::PidPolicy;
use minside_maskinporten::{MaskinportenError, Scopes, TokenSource};
use url::Url;

use crate::KrrConfig;
use crate::config::{CONTACT_SCOPE, DIGITAL_POST_SCOPE};
use crate::contact::ContactInfo;
use crate::error::{self, KrrError};
use crate::model::PersonerResponse;

/// KRR's largest batch.
pub const MAX_BATCH: usize = 1000;

/// A client of KRR's lookup service.
pub struct KrrClient {
    http: reqwest::Client,
    endpoint: Url,
    tokens: Arc<dyn TokenSource>,
    scopes: Scopes,
    include_unregistered: bool,
    policy: PidPolicy,
}

impl std::fmt::Debug for KrrClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KrrClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl KrrClient {
    pub fn new(config: &KrrConfig, tokens: Arc<dyn TokenSource>) -> Result<Self, KrrError> {
        let mut base = config.base_url.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let endpoint = base
            .join("rest/v1/personer")
            .map_err(|_| KrrError::Config("base_url cannot be a base".into()))?;
        if config.timeout_secs == 0 {
            return Err(KrrError::Config("timeout_secs must be positive".into()));
        }
        let mut scopes = vec![CONTACT_SCOPE];
        if config.digital_post {
            scopes.push(DIGITAL_POST_SCOPE);
        }
        let scopes = Scopes::new(scopes).map_err(|e| KrrError::Config(e.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| KrrError::Config("could not build the HTTP client".into()))?;
        Ok(Self {
            http,
            endpoint,
            tokens,
            scopes,
            include_unregistered: config.include_unregistered,
            policy: PidPolicy {
                allow_synthetic: config.allow_synthetic_pids,
            },
        })
    }

    /// What KRR says about each of `pids`, in KRR's order; persons KRR leaves out are missing
    /// (with `include_unregistered` they come back as `IKKE_REGISTRERT`). Duplicates are asked
    /// once; more than 1000 go in several requests.
    #[tracing::instrument(skip_all, fields(persons = pids.len()))]
    pub async fn lookup(&self, pids: &[Pid]) -> Result<Vec<ContactInfo>, AdapterError> {
        let mut unique: Vec<&Pid> = pids.iter().collect();
        unique.sort_by(|a, b| a.expose().cmp(b.expose()));
        unique.dedup();
        let mut found = Vec::with_capacity(unique.len());
        for batch in unique.chunks(MAX_BATCH) {
            found.extend(self.lookup_batch(batch).await?);
        }
        Ok(found)
    }

    /// What KRR says about one person; `None` when KRR leaves them out.
    pub async fn lookup_one(&self, pid: &Pid) -> Result<Option<ContactInfo>, AdapterError> {
        let found = self.lookup(std::slice::from_ref(pid)).await?;
        Ok(found.into_iter().find(|c| &c.pid == pid))
    }

    async fn lookup_batch(&self, batch: &[&Pid]) -> Result<Vec<ContactInfo>, AdapterError> {
        let token = self
            .tokens
            .access_token(&self.scopes)
            .await
            .map_err(token_error)?;
        let body = serde_json::json!({
            "personidentifikatorer": batch.iter().map(|p| p.expose()).collect::<Vec<_>>(),
        });
        let mut request = self.http.post(self.endpoint.clone());
        if self.include_unregistered {
            request = request.query(&[("inkluderIkkeRegistrerte", "true")]);
        }
        let response = request
            .bearer_auth(token.secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&body)
            .send()
            .await
            .map_err(error::transport)?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(error::transport)?;
        if status == 401 {
            self.tokens.invalidate(&self.scopes);
        }
        if !(200..300).contains(&status) {
            tracing::debug!(status, "KRR answered with an error");
            return Err(error::status(status));
        }
        let answer: PersonerResponse =
            serde_json::from_slice(&bytes).map_err(|e| error::bad_json(&e))?;
        answer
            .personer
            .into_iter()
            .map(|p| ContactInfo::from_krr(p, self.policy))
            .collect()
    }
}

fn token_error(e: MaskinportenError) -> AdapterError {
    if e.is_retryable() {
        AdapterError::Unavailable(format!("no Maskinporten token: {e}"))
    } else {
        AdapterError::Unauthorized(format!("no Maskinporten token: {e}"))
    }
}
