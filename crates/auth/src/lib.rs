//! Authentication for MinSide: the OpenID Connect relying party (ID-porten profile), server-side
//! sessions with CSRF tokens, assurance levels and safe post-login redirects, and caseworker
//! login through a tenant's employee identity provider with its role mapping.
//!
//! This crate knows nothing of HTTP frameworks: it turns callback parameters into sessions and
//! sessions into logout URLs; `minside-api` maps that onto routes and cookies.
#![forbid(unsafe_code)]

mod caseworker;
mod level;
mod login;
mod oidc;
mod redirect;
mod roles;
mod token;

pub use caseworker::{
    CaseworkerLogin, CaseworkerLoginDone, CaseworkerPolicy, find_caseworker_session,
};
pub use level::{AssuranceLevel, UnknownLevel};
pub use login::{CallbackParams, LoginDone, LoginPolicy, LoginStart, LogoutStart, ResidentLogin};
pub use oidc::{
    ExtraClaims, ExtraProviderMetadata, RelyingParty, RelyingPartyConfig, VerifiedIdentity,
    same_issuer,
};
pub use redirect::{SafeRedirect, UnsafeRedirect};
pub use roles::{RequiredClaim, RoleMapping};
pub use token::{random_token, secrets_equal, token_hash};

use minside_core::PidError;
use minside_store::StoreError;

/// Why a login, session lookup or logout did not succeed. Texts are safe to show a client:
/// they never contain a national identity number or a secret.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("the login state is unknown, expired or already used")]
    UnknownState,
    #[error("the login was started in another browser")]
    StateMismatch,
    #[error("the authorization response came from another issuer")]
    IssuerMismatch,
    #[error("the identity provider refused the login: {0}")]
    ProviderRefused(String),
    #[error("the identity provider rejected the authorization code: {0}")]
    CodeRejected(String),
    #[error("the ID token is not valid: {0}")]
    InvalidIdToken(String),
    #[error("the login has assurance level {got}, but {required} is required")]
    InsufficientLevel {
        required: AssuranceLevel,
        got: String,
    },
    #[error("the identity number in the ID token is not valid: {0}")]
    InvalidPid(PidError),
    #[error("the ID token has no identity number (pid)")]
    MissingPid,
    /// The employee authenticated but may not use MinSide here (no mapped role, another
    /// organisation, an authentication context that is not accepted).
    #[error("access denied: {0}")]
    AccessDenied(&'static str),
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
