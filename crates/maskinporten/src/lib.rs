#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod assertion;
mod client;
mod clock;
mod config;
mod error;
mod jwt;
mod scopes;
#[cfg(feature = "testing")]
pub mod testing;

pub use client::{AccessToken, MaskinportenClient, TokenSource};
pub use clock::{Clock, SystemClock};
pub use config::MaskinportenConfig;
pub use error::MaskinportenError;
pub use scopes::Scopes;

/// The `grant_type` of the JWT grant (RFC 7523, section 2.1).
pub const JWT_BEARER_GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The longest lifetime (`exp - iat`) Maskinporten accepts for a grant, in seconds.
pub const MAX_ASSERTION_LIFETIME_SECS: u64 = 120;
