//! The crate's error type: what can go wrong when the provider is created.

/// Why a [`DevIdp`](crate::DevIdp) could not be created.
#[derive(Debug, thiserror::Error)]
pub enum DevIdpError {
    /// The configuration is unusable (a bad issuer URL, duplicate clients, nobody to log in as).
    #[error("invalid development IdP configuration: {0}")]
    Config(String),
    /// The RSA signing key could not be generated or loaded.
    #[error("could not create the development IdP signing key: {0}")]
    Key(String),
}
