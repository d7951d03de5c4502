//! The one error type of the caching layer.
//!
//! Texts never contain personal data: messages that come from adapters are scrubbed of the
//! subject's national identity number and of anything else that looks like one before they are
//! put into an error or a log line.

use minside_adapter::AdapterError;

/// Why [`crate::Cache::get`] or [`crate::Cache::invalidate`] gave no answer.
///
/// A source that does not know the resident is not an error: it is cached and answered as an
/// empty record list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// No source with that id is configured.
    #[error("no source with that id is configured")]
    UnknownSource,
    /// The source is down or overloaded, or our own outbound queue for it is full; retryable.
    #[error("the source is unavailable: {0}")]
    Unavailable(String),
    /// The source did not answer within its timeout; retryable.
    #[error("the source did not answer in time")]
    Timeout,
    /// The source failed repeatedly and is not called for a while (circuit breaker open).
    #[error("the source is failing and is not called for a while")]
    BreakerOpen,
    /// The source refused our credentials: a configuration problem, not retryable.
    #[error("the source refused our credentials")]
    Unauthorized,
    /// The source answered with something we cannot read.
    #[error("the source answered with data we cannot read: {0}")]
    BadData(String),
    /// The cache was configured wrongly (duplicate source id, bad key, no runtime).
    #[error("cache configuration: {0}")]
    Config(String),
}

impl CacheError {
    /// Worth retrying later; the overview shows such a source as "unavailable".
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Unavailable(_) | Self::Timeout | Self::BreakerOpen
        )
    }

    /// A stale copy (within `stale_if_error`) may be served instead of this error.
    pub(crate) fn serves_stale(&self) -> bool {
        self.is_retryable()
    }

    /// The `kind` label of `minside_source_errors_total`.
    pub(crate) fn metric_kind(&self) -> &'static str {
        match self {
            Self::UnknownSource => "unknown_source",
            Self::Unavailable(_) => "unavailable",
            Self::Timeout => "timeout",
            Self::BreakerOpen => "breaker_open",
            Self::Unauthorized => "unauthorized",
            Self::BadData(_) => "bad_data",
            Self::Config(_) => "config",
        }
    }

    /// Maps an adapter's error, scrubbing its message of `pid` and of anything like a pid.
    /// [`AdapterError::NotFound`] is not an error for the cache and is handled before this.
    pub(crate) fn from_adapter(error: &AdapterError, pid: &str) -> Self {
        match error {
            AdapterError::NotFound => Self::Unavailable("unexpected not-found".into()),
            AdapterError::Unauthorized(_) => Self::Unauthorized,
            AdapterError::Unavailable(m) => Self::Unavailable(scrub(m, pid)),
            AdapterError::Timeout => Self::Timeout,
            AdapterError::BadData(m) => Self::BadData(scrub(m, pid)),
        }
    }
}

/// Replaces `pid` and every run of 11 or more digits in `text` with stars, so that a source's
/// error message (which may quote a URL with the fødselsnummer in it) can be logged.
pub(crate) fn scrub(text: &str, pid: &str) -> String {
    let text = if pid.is_empty() {
        text.to_owned()
    } else {
        text.replace(pid, "***********")
    };
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 11 {
            out.extend(std::iter::repeat_n('*', digits.len()));
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_hides_pids_and_long_digit_runs() {
        let pid = "01019012345";
        assert_eq!(
            scrub("GET /persons/01019012345 failed: 503", pid),
            "GET /persons/*********** failed: 503"
        );
        assert_eq!(scrub("id=12345678901234 x", ""), "id=************** x");
        assert_eq!(scrub("port 8080, 2026-01-01", pid), "port 8080, 2026-01-01");
    }

    #[test]
    fn adapter_messages_are_scrubbed() {
        let e = CacheError::from_adapter(
            &AdapterError::Unavailable("connect to /p/01019012345".into()),
            "01019012345",
        );
        assert!(!e.to_string().contains("01019012345"), "{e}");
        assert!(CacheError::from_adapter(&AdapterError::Timeout, "").is_retryable());
        assert!(!CacheError::from_adapter(&AdapterError::BadData("x".into()), "").is_retryable());
    }
}
