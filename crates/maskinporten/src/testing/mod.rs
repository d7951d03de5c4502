//! Test support (feature `testing`): a local Maskinporten, a clock moved by hand, and a verifier
//! of the access tokens it issues, for stand-ins of the registers.
//!
//! Never use this in production: the stand-in issues tokens to anyone holding the shared test key.

mod standin;

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::http::{HeaderMap, StatusCode, header};
use jiff::{SignedDuration, Timestamp};
use rsa::RsaPrivateKey;
use rsa::pkcs1v15::VerifyingKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::rand_core::OsRng;
use rsa::sha2::Sha256;
use secrecy::SecretString;
use serde_json::Value;
pub use standin::MaskinportenStandIn;

use crate::{Clock, Scopes, jwt};

/// A clock that stands still until moved.
#[derive(Debug)]
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Arc<Self> {
        Arc::new(Self(Mutex::new(start)))
    }

    /// Starts at the current system time (so that real HTTP libraries agree on "now").
    pub fn starting_now() -> Arc<Self> {
        Self::new(Timestamp::now())
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut t = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *t = t.saturating_add(by).unwrap_or(Timestamp::MAX);
    }

    pub fn set(&self, to: Timestamp) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A 2048-bit RSA key generated once per test process (generation is slow).
pub fn shared_test_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(generate_key)
}

/// A fresh 2048-bit RSA key (slow; prefer [`shared_test_key`]).
pub fn generate_key() -> RsaPrivateKey {
    RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA key generation")
}

/// A key in PKCS#8 PEM, as it would come from configuration.
pub fn key_pem(key: &RsaPrivateKey) -> SecretString {
    let pem = key.to_pkcs8_pem(LineEnding::LF).expect("PKCS#8 PEM");
    SecretString::from(pem.as_str())
}

/// Why a register stand-in refuses a bearer token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRejection {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Bad signature, wrong issuer or expired.
    Invalid,
    /// A valid token without the scope the API needs.
    InsufficientScope,
}

impl TokenRejection {
    /// 401 for missing or invalid tokens, 403 for a missing scope (as the registers answer).
    pub fn status(self) -> StatusCode {
        match self {
            Self::Missing | Self::Invalid => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope => StatusCode::FORBIDDEN,
        }
    }
}

/// Checks access tokens issued by a [`MaskinportenStandIn`], as a register's API gateway does.
#[derive(Clone)]
pub struct AccessTokenVerifier {
    pub(crate) key: VerifyingKey<Sha256>,
    pub(crate) issuer: String,
    pub(crate) clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for AccessTokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokenVerifier")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl AccessTokenVerifier {
    /// Verifies the bearer token in `headers` and that it carries `required_scope`; returns the
    /// token's scopes.
    pub fn check(
        &self,
        headers: &HeaderMap,
        required_scope: &str,
    ) -> Result<Scopes, TokenRejection> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(TokenRejection::Missing)?;
        let (_, claims) =
            jwt::verify_rs256(&self.key, bearer).map_err(|_| TokenRejection::Invalid)?;
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(TokenRejection::Invalid);
        }
        let exp = claims
            .get("exp")
            .and_then(Value::as_i64)
            .ok_or(TokenRejection::Invalid)?;
        if exp <= self.clock.now().as_second() {
            return Err(TokenRejection::Invalid);
        }
        let scopes = claims
            .get("scope")
            .and_then(Value::as_str)
            .and_then(|s| Scopes::parse(s).ok())
            .ok_or(TokenRejection::Invalid)?;
        if scopes.contains(required_scope) {
            Ok(scopes)
        } else {
            Err(TokenRejection::InsufficientScope)
        }
    }
}
