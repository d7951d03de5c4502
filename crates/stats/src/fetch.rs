//! Downloading a JSON-stat document over HTTP(S), e.g. from SSB's PxWebApi, within a time and
//! size limit (the `fetch` feature, on by default).
//!
//! Only the bytes are fetched here; parse them with [`crate::parse_with`]. A non-2xx answer is
//! an error, never a document, and a response is cut off as soon as it exceeds the limit, so a
//! misconfigured URL cannot fill memory.

use std::time::Duration;

use crate::error::StatsError;

/// How long and how much [`fetch`] may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    /// The whole request, from connecting to the last byte. Default 60 seconds.
    pub timeout: Duration,
    /// The largest response body accepted. Default 64 MiB (the parser's default limit).
    pub max_bytes: usize,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            max_bytes: crate::ParseLimits::default().max_bytes,
        }
    }
}

/// GETs `url` and returns the response body. Refuses a non-2xx status
/// ([`StatsError::HttpStatus`]), a body over `limits.max_bytes`
/// ([`StatsError::ResponseTooLarge`], checked against `Content-Length` first and again while
/// reading) and anything that fails or takes longer than `limits.timeout`
/// ([`StatsError::Unreachable`]). Errors never contain the URL (it may carry a key).
pub async fn fetch(url: &str, limits: &FetchLimits) -> Result<Vec<u8>, StatsError> {
    let unreachable = |e: reqwest::Error| StatsError::Unreachable {
        reason: describe(&e),
    };
    let client = reqwest::Client::builder()
        .timeout(limits.timeout)
        .connect_timeout(limits.timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("minside-stats/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(unreachable)?;
    let mut response = client
        .get(url)
        .header(
            reqwest::header::ACCEPT,
            "application/json, application/json-stat+json;q=0.9, */*;q=0.1",
        )
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    if !status.is_success() {
        return Err(StatsError::HttpStatus {
            status: status.as_u16(),
        });
    }
    let too_large = StatsError::ResponseTooLarge {
        limit: limits.max_bytes,
    };
    let declared = response.content_length().unwrap_or(0);
    if declared > u64::try_from(limits.max_bytes).unwrap_or(u64::MAX) {
        return Err(too_large);
    }
    // At most `max_bytes`, whatever the header says.
    let mut body = Vec::with_capacity(usize::try_from(declared).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len().saturating_add(chunk.len()) > limits.max_bytes {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The error without its URL: the kind of failure and its innermost cause.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_builder() {
        "invalid URL or client settings"
    } else if e.is_redirect() {
        "too many redirects"
    } else {
        "request failed"
    };
    let mut cause: &dyn std::error::Error = e;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    let cause = cause.to_string();
    if cause == e.to_string() || cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind} ({cause})")
    }
}
