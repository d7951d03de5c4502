//! Errors of building the client, and the mapping of HTTP outcomes to [`AdapterError`].
//! Texts never hold a fødselsnummer, a URL or a quote of the answer.

use minside_adapter::AdapterError;

/// The client could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KrrError {
    #[error("invalid KRR configuration: {0}")]
    Config(String),
}

/// Maps a transport error: timeouts to `Timeout`, everything else to `Unavailable`.
pub(crate) fn transport(e: reqwest::Error) -> AdapterError {
    let e = e.without_url();
    if e.is_timeout() {
        return AdapterError::Timeout;
    }
    let mut text = format!("KRR could not be reached: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    AdapterError::Unavailable(text)
}

/// Maps a non-success HTTP status (the body is not quoted: it may echo the request).
pub(crate) fn status(status: u16) -> AdapterError {
    let what = format!("HTTP {status} from KRR");
    match status {
        404 => AdapterError::NotFound,
        401 | 403 => AdapterError::Unauthorized(what),
        408 | 429 | 500..=599 => AdapterError::Unavailable(what),
        _ => AdapterError::BadData(format!("unexpected {what}")),
    }
}

/// Maps a JSON parse error without quoting the input.
pub(crate) fn bad_json(e: &serde_json::Error) -> AdapterError {
    AdapterError::BadData(format!(
        "the KRR answer is not what KRR documents (line {}, column {})",
        e.line(),
        e.column()
    ))
}
