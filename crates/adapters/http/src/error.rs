//! Why an adapter configuration was refused at load. Fetch failures are the SDK's
//! [`minside_adapter::AdapterError`].

/// A configuration the adapter cannot run with. The texts name the adapter and the place in its
/// configuration; they quote configuration values (never secrets) but no personal data.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value is missing, malformed or contradicts another one.
    #[error("adapter {adapter:?}: {at}: {message}")]
    Invalid {
        /// The configured adapter id (as written, even if it is itself invalid).
        adapter: String,
        /// Where in the adapter's configuration, e.g. `categories[0].records.fields[2].pointer`.
        at: String,
        message: String,
    },
    /// The HTTP client could not be built (e.g. no TLS backend).
    #[error("adapter {adapter:?}: the HTTP client could not be built: {message}")]
    Client { adapter: String, message: String },
}

impl ConfigError {
    pub(crate) fn invalid(
        adapter: &str,
        at: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            adapter: adapter.to_owned(),
            at: at.into(),
            message: message.into(),
        }
    }
}
