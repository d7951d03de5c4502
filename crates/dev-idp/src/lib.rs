#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod authorize;
mod config;
mod discovery;
mod employees;
mod error;
mod html;
mod keys;
mod logout;
mod protocol;
mod provider;
mod state;
mod token;

use std::fmt;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

pub use config::{DevAudience, DevClient, DevEmployee, DevIdpConfig, DevPerson, demo_directory_id};
pub use error::DevIdpError;

use provider::Provider;

/// A running development OpenID Connect provider: configuration, signing key and the in-memory
/// state of pending logins, authorization codes, access tokens and provider sessions.
///
/// Cloning is cheap and shares the state.
#[derive(Clone)]
pub struct DevIdp {
    provider: Arc<Provider>,
}

impl DevIdp {
    /// Validates the configuration and generates a fresh 2048-bit RSA signing key.
    ///
    /// Key generation takes a noticeable moment without optimisation; the workspace builds `rsa`
    /// with `opt-level = 3` in the dev profile.
    pub fn new(cfg: DevIdpConfig) -> Result<Self, DevIdpError> {
        Ok(Self {
            provider: Arc::new(Provider::new(cfg)?),
        })
    }

    /// The issuer identifier (`iss`) this provider publishes.
    pub fn issuer(&self) -> &str {
        &self.provider.issuer
    }

    /// The provider's endpoints, with paths relative to where the router is nested. The issuer
    /// must be the public URL of that nest point (e.g. `http://localhost:8080/dev-idp` when
    /// nested at `/dev-idp`).
    pub fn router(&self) -> Router {
        Router::new()
            .route(
                "/.well-known/openid-configuration",
                get(discovery::configuration),
            )
            .route("/jwks.json", get(discovery::jwks))
            .route(
                "/authorize",
                get(authorize::authorize_get).post(authorize::authorize_post),
            )
            .route("/authorize/login", post(authorize::login))
            .route("/token", post(token::token))
            .route("/userinfo", get(token::userinfo).post(token::userinfo))
            .route("/logout", get(logout::logout_get).post(logout::logout_post))
            .with_state(Arc::clone(&self.provider))
    }
}

impl fmt::Debug for DevIdp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevIdp")
            .field("issuer", &self.provider.issuer)
            .field("clients", &self.provider.clients.len())
            .field("people", &self.provider.people.len())
            .field("employees", &self.provider.employees.len())
            .finish_non_exhaustive()
    }
}
