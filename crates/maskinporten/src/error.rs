//! How getting a token can fail. No text here ever holds the private key, a grant or a token.

/// A failure to get a Maskinporten token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MaskinportenError {
    /// The configuration is unusable (e.g. neither a key id nor a certificate is given).
    #[error("invalid Maskinporten configuration: {0}")]
    Config(String),
    /// The private key could not be read. The key itself is never part of the text.
    #[error(
        "the Maskinporten private key could not be read: expected an RSA key in PKCS#8 or PKCS#1 PEM"
    )]
    Key,
    /// A scope set is empty or a scope is not a valid OAuth scope token.
    #[error("invalid scope: {0}")]
    Scope(String),
    /// Signing the grant failed.
    #[error("signing the Maskinporten grant failed")]
    Signing,
    /// Maskinporten refused the grant (HTTP 400/401/403 with an OAuth error); not retryable.
    #[error("Maskinporten refused the grant (HTTP {status}): {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Rejected {
        status: u16,
        error: String,
        description: Option<String>,
    },
    /// Maskinporten could not be reached, timed out or answered with a server error; retryable.
    #[error("Maskinporten is unavailable: {0}")]
    Unavailable(String),
    /// Maskinporten answered with something that is not a token response.
    #[error("Maskinporten answered with a response we cannot read: {0}")]
    BadResponse(String),
}

impl MaskinportenError {
    /// Worth trying again later.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::BadResponse(_))
    }
}

/// Describes a transport error without its URL (reqwest puts the URL into its text).
pub(crate) fn transport_text(e: reqwest::Error) -> String {
    let e = e.without_url();
    let mut text = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    if e.is_timeout() {
        text.push_str(" (timed out)");
    }
    text
}
