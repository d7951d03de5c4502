//! The token client: signs grants, asks Maskinporten and caches tokens per scope set.
//!
//! Each scope set has its own slot behind an async mutex. A caller that finds no usable token
//! keeps the slot locked while it asks Maskinporten, so callers arriving meanwhile wait and then
//! take the fresh token: one token request however many callers need a token at once.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::SystemClock;
use crate::assertion::GrantSigner;
use crate::error::transport_text;
use crate::{Clock, JWT_BEARER_GRANT_TYPE, MaskinportenConfig, MaskinportenError, Scopes};

/// An access token for a scope set. `Debug` never shows the token.
#[derive(Clone)]
pub struct AccessToken {
    secret: SecretString,
    /// The scopes Maskinporten granted (its `scope` field, or the ones asked for).
    pub scope: String,
    /// When Maskinporten said the token stops working.
    pub expires_at: Timestamp,
    /// When the cache renews it (expiry less the margin).
    pub refresh_at: Timestamp,
}

impl AccessToken {
    /// The token, for an `Authorization: Bearer` header and nothing else.
    pub fn secret(&self) -> &str {
        self.secret.expose_secret()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[REDACTED]")
            .field("scope", &self.scope)
            .field("expires_at", &self.expires_at)
            .field("refresh_at", &self.refresh_at)
            .finish()
    }
}

/// Something that hands out access tokens; held as `Arc<dyn TokenSource>` by the adapters.
#[async_trait]
pub trait TokenSource: Send + Sync + 'static {
    /// A token valid for `scopes`, from the cache when it is still fresh.
    async fn access_token(&self, scopes: &Scopes) -> Result<AccessToken, MaskinportenError>;

    /// Forgets a cached token, e.g. after a register refused it with HTTP 401.
    fn invalidate(&self, _scopes: &Scopes) {}
}

type Slot = Arc<tokio::sync::Mutex<Option<AccessToken>>>;

/// The Maskinporten client with its token cache.
pub struct MaskinportenClient {
    http: reqwest::Client,
    signer: GrantSigner,
    token_endpoint: Url,
    margin: SignedDuration,
    default_scopes: Option<Scopes>,
    clock: Arc<dyn Clock>,
    slots: Mutex<HashMap<Scopes, Slot>>,
}

impl fmt::Debug for MaskinportenClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaskinportenClient")
            .field("token_endpoint", &self.token_endpoint.as_str())
            .field("default_scopes", &self.default_scopes)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    token_type: String,
    expires_in: u64,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

impl MaskinportenClient {
    /// Reads the key and checks the configuration; makes no request.
    pub fn new(cfg: &MaskinportenConfig) -> Result<Self, MaskinportenError> {
        cfg.validate()?;
        let default_scopes = if cfg.scopes.is_empty() {
            None
        } else {
            Some(Scopes::new(cfg.scopes.iter().cloned())?)
        };
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(cfg.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| MaskinportenError::Config("could not build the HTTP client".into()))?;
        Ok(Self {
            http,
            signer: GrantSigner::new(cfg)?,
            token_endpoint: cfg.token_endpoint.clone(),
            margin: SignedDuration::from_secs(
                i64::try_from(cfg.refresh_margin_secs).unwrap_or(i64::MAX),
            ),
            default_scopes,
            clock: Arc::new(SystemClock),
            slots: Mutex::new(HashMap::new()),
        })
    }

    /// Uses `clock` for grant times and token expiry (tests move it by hand).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The configured `scopes`, if any.
    pub fn default_scopes(&self) -> Option<&Scopes> {
        self.default_scopes.as_ref()
    }

    fn slot(&self, scopes: &Scopes) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots.entry(scopes.clone()).or_default().clone()
    }

    #[tracing::instrument(skip_all, fields(scopes = %scopes))]
    async fn request_token(&self, scopes: &Scopes) -> Result<AccessToken, MaskinportenError> {
        let now = self.clock.now();
        let assertion = self.signer.assertion(scopes, now);
        let form = [
            ("grant_type", JWT_BEARER_GRANT_TYPE),
            ("assertion", assertion.as_str()),
        ];
        let response = self
            .http
            .post(self.token_endpoint.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|e| MaskinportenError::Unavailable(transport_text(e)))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| MaskinportenError::Unavailable(transport_text(e)))?;
        if !status.is_success() {
            tracing::warn!(
                status = status.as_u16(),
                "Maskinporten refused a token request"
            );
            return Err(status_error(status.as_u16(), &body));
        }
        let t: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            MaskinportenError::BadResponse(format!("not a token response ({:?})", e.classify()))
        })?;
        if !t.token_type.eq_ignore_ascii_case("bearer") {
            return Err(MaskinportenError::BadResponse(format!(
                "token_type {:?} is not Bearer",
                t.token_type
            )));
        }
        if t.access_token.is_empty() || t.expires_in == 0 {
            return Err(MaskinportenError::BadResponse(
                "empty or expired token".into(),
            ));
        }
        let lifetime = SignedDuration::from_secs(i64::try_from(t.expires_in).unwrap_or(i64::MAX));
        // Renew `margin` before expiry, but never sooner than half-way, so short-lived tokens
        // are still reused.
        let margin = self.margin.min(lifetime / 2);
        let expires_at = now.saturating_add(lifetime).unwrap_or(Timestamp::MAX);
        let refresh_at = expires_at.saturating_sub(margin).unwrap_or(now);
        tracing::debug!(expires_in = t.expires_in, "got a Maskinporten token");
        Ok(AccessToken {
            secret: SecretString::from(t.access_token),
            scope: t.scope.unwrap_or_else(|| scopes.to_claim()),
            expires_at,
            refresh_at,
        })
    }
}

fn status_error(status: u16, body: &[u8]) -> MaskinportenError {
    match status {
        400 | 401 | 403 => {
            let e: Option<OAuthError> = serde_json::from_slice(body).ok();
            MaskinportenError::Rejected {
                status,
                error: e
                    .as_ref()
                    .map_or_else(|| "unknown_error".to_owned(), |e| short(&e.error)),
                description: e.and_then(|e| e.error_description).map(|d| short(&d)),
            }
        }
        429 | 500..=599 => MaskinportenError::Unavailable(format!("HTTP {status}")),
        _ => MaskinportenError::BadResponse(format!("unexpected HTTP {status}")),
    }
}

/// Maskinporten's own texts, cut to a sane length.
fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

#[async_trait]
impl TokenSource for MaskinportenClient {
    async fn access_token(&self, scopes: &Scopes) -> Result<AccessToken, MaskinportenError> {
        let slot = self.slot(scopes);
        let mut cached = slot.lock().await;
        if let Some(token) = cached.as_ref()
            && self.clock.now() < token.refresh_at
        {
            return Ok(token.clone());
        }
        let token = self.request_token(scopes).await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    fn invalidate(&self, scopes: &Scopes) {
        let slot = self.slot(scopes);
        // A caller holding the slot is fetching a fresh token right now; leave that one be.
        if let Ok(mut cached) = slot.try_lock() {
            *cached = None;
        }
    }
}
