//! Configuration of the client: where Maskinporten is, who we are and how we prove it.

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::{MAX_ASSERTION_LIFETIME_SECS, MaskinportenError};

/// What the client needs to get tokens. `Debug` never shows the private key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskinportenConfig {
    /// The token endpoint, e.g. `https://test.maskinporten.no/token`.
    pub token_endpoint: Url,
    /// The grant's `aud`: Maskinporten's issuer, e.g. `https://test.maskinporten.no/`.
    pub audience: String,
    /// The integration's client id in Maskinporten (the grant's `iss`).
    pub client_id: String,
    /// Scopes asked for by [`crate::MaskinportenClient::default_scopes`] users; may be empty when
    /// every caller names its own.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The RSA private key in PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
    pub private_key_pem: SecretString,
    /// The key id (`kid`) under which the public key is registered on the Maskinporten client.
    #[serde(default)]
    pub key_id: Option<String>,
    /// Instead of a key id: the virksomhetssertifikat chain in PEM (leaf first), sent as `x5c`.
    #[serde(default)]
    pub certificate_chain_pem: Option<String>,
    /// A cached token is renewed this long before it expires (capped at half its lifetime).
    #[serde(default = "default_refresh_margin_secs")]
    pub refresh_margin_secs: u64,
    /// `exp - iat` of the grant; at most 120 seconds.
    #[serde(default = "default_assertion_lifetime_secs")]
    pub assertion_lifetime_secs: u64,
    /// Timeout of one token request.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

fn default_refresh_margin_secs() -> u64 {
    60
}

fn default_assertion_lifetime_secs() -> u64 {
    MAX_ASSERTION_LIFETIME_SECS
}

fn default_timeout_secs() -> u64 {
    10
}

impl MaskinportenConfig {
    /// A configuration with the defaults for the optional settings.
    pub fn new(
        token_endpoint: Url,
        audience: impl Into<String>,
        client_id: impl Into<String>,
        private_key_pem: SecretString,
        key_id: impl Into<String>,
    ) -> Self {
        Self {
            token_endpoint,
            audience: audience.into(),
            client_id: client_id.into(),
            scopes: Vec::new(),
            private_key_pem,
            key_id: Some(key_id.into()),
            certificate_chain_pem: None,
            refresh_margin_secs: default_refresh_margin_secs(),
            assertion_lifetime_secs: default_assertion_lifetime_secs(),
            timeout_secs: default_timeout_secs(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), MaskinportenError> {
        let bad = |m: &str| Err(MaskinportenError::Config(m.to_owned()));
        if !matches!(self.token_endpoint.scheme(), "https" | "http") {
            return bad("token_endpoint must be an http(s) URL");
        }
        if self.audience.trim().is_empty() {
            return bad("audience must be Maskinporten's issuer");
        }
        if self.client_id.trim().is_empty() {
            return bad("client_id must be set");
        }
        match (&self.key_id, &self.certificate_chain_pem) {
            (Some(_), Some(_)) => return bad("set key_id or certificate_chain_pem, not both"),
            (None, None) => return bad("set key_id or certificate_chain_pem"),
            (Some(kid), None) if kid.trim().is_empty() => return bad("key_id is empty"),
            _ => {}
        }
        if !(1..=MAX_ASSERTION_LIFETIME_SECS).contains(&self.assertion_lifetime_secs) {
            return bad("assertion_lifetime_secs must be 1 to 120");
        }
        if self.timeout_secs == 0 {
            return bad("timeout_secs must be positive");
        }
        Ok(())
    }
}
