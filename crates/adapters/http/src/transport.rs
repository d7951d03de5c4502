//! What both modes share on the wire: the HTTP client (no redirects), URL and id rules, the
//! mapping of HTTP outcomes to [`AdapterError`]s and a size-capped JSON body reader.
//!
//! Error texts built here carry status codes and kinds of failure only: never a URL (it may hold
//! a pid for legacy systems), a header or a response body.

use std::time::Duration;

use minside_adapter::AdapterError;
use reqwest::header::RETRY_AFTER;
use reqwest::{Response, StatusCode};
use url::{Host, Url};

use crate::ConfigError;

/// Responses larger than this are refused as bad data, to protect memory.
pub const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// The id rule of both modes: 1 to 64 characters of `a-z`, `0-9` and `-`, not starting with `-`.
pub(crate) fn check_id(id: &str) -> Result<(), ConfigError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(ConfigError::invalid(
            id,
            "id",
            "must be 1 to 64 characters of a-z, 0-9 and '-'",
        ))
    }
}

pub(crate) fn check_timeout(adapter: &str, timeout_ms: u64) -> Result<Duration, ConfigError> {
    if (100..=120_000).contains(&timeout_ms) {
        Ok(Duration::from_millis(timeout_ms))
    } else {
        Err(ConfigError::invalid(
            adapter,
            "timeout_ms",
            "must be between 100 and 120000",
        ))
    }
}

/// An `https` URL, or `http` to a loopback host (or anywhere with `allow_plain_http`), without
/// credentials or fragment.
pub(crate) fn check_url(
    adapter: &str,
    at: &str,
    url: &Url,
    allow_plain_http: bool,
) -> Result<(), ConfigError> {
    let loopback = match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback || allow_plain_http => {}
        "http" => {
            return Err(ConfigError::invalid(
                adapter,
                at,
                "plain http is only allowed to a loopback host; use https \
                 (or set allow_plain_http for a trusted internal network)",
            ));
        }
        other => {
            return Err(ConfigError::invalid(
                adapter,
                at,
                format!("unsupported scheme {other:?}"),
            ));
        }
    }
    if url.host().is_none() {
        return Err(ConfigError::invalid(adapter, at, "the URL has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::invalid(
            adapter,
            at,
            "credentials in the URL; use `auth`",
        ));
    }
    if url.fragment().is_some() {
        return Err(ConfigError::invalid(adapter, at, "the URL has a fragment"));
    }
    Ok(())
}

/// The client of one adapter: rustls, the adapter's timeout for connecting and for the whole
/// exchange, and no redirects (a redirect could carry the request, and its pid, elsewhere).
pub(crate) fn client(adapter: &str, timeout: Duration) -> Result<reqwest::Client, ConfigError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("minside-adapter-http/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ConfigError::Client {
            adapter: adapter.to_owned(),
            message: e.without_url().to_string(),
        })
}

/// A request that got no HTTP answer: timeout, connection failure or broken body.
pub(crate) fn send_error(error: reqwest::Error) -> AdapterError {
    if error.is_timeout() {
        AdapterError::Timeout
    } else if error.is_connect() {
        AdapterError::Unavailable("could not connect".into())
    } else {
        // Without the URL, the text is the kind of failure and the I/O cause.
        AdapterError::Unavailable(format!("request failed: {}", error.without_url()))
    }
}

/// The error for a non-success status, `None` for 2xx.
///
/// 404 and 410 are not-found; 401 and 403 unauthorized; 5xx, 429 and 3xx (redirects are not
/// followed) unavailable, with `Retry-After` if given; any other 4xx means the source rejected
/// our request, which is reported as bad data (a configuration or protocol fault).
pub(crate) fn status_error(response: &Response) -> Option<AdapterError> {
    let status = response.status();
    let code = status.as_u16();
    if status.is_success() {
        return None;
    }
    Some(match status {
        StatusCode::NOT_FOUND | StatusCode::GONE => AdapterError::NotFound,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            AdapterError::Unauthorized(format!("status {code}"))
        }
        s if s.is_server_error() || s == StatusCode::TOO_MANY_REQUESTS => {
            AdapterError::Unavailable(format!("status {code}{}", retry_after(response)))
        }
        s if s.is_redirection() => {
            AdapterError::Unavailable(format!("status {code}: redirects are not followed"))
        }
        _ => AdapterError::BadData(format!(
            "the source rejected the request with status {code}"
        )),
    })
}

/// `", retry after 30 s"` from a `Retry-After` header in seconds (an HTTP date is reported as
/// such without copying it).
fn retry_after(response: &Response) -> String {
    let Some(value) = response.headers().get(RETRY_AFTER) else {
        return String::new();
    };
    match value
        .to_str()
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
    {
        Some(seconds) => format!(", retry after {seconds} s"),
        None => ", retry after a given date".to_owned(),
    }
}

/// Reads a JSON body of at most [`MAX_RESPONSE_BYTES`]. Parse errors name only the position.
pub(crate) async fn read_json(mut response: Response) -> Result<serde_json::Value, AdapterError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(send_error)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&body).map_err(|e| {
        AdapterError::BadData(format!(
            "the response is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })
}

fn too_large() -> AdapterError {
    AdapterError::BadData(format!(
        "the response is larger than {MAX_RESPONSE_BYTES} bytes"
    ))
}

/// Whether a link MinSide will show is a plain http(s) URL that does not carry the pid.
pub(crate) fn check_deep_link(link: &str, pid: &str) -> Result<(), &'static str> {
    let url = Url::parse(link).map_err(|_| "the deep link is not a URL")?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("the deep link is not an http(s) URL");
    }
    if link.contains(pid) {
        return Err("the deep link contains the national identity number");
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_unless_loopback_or_allowed() {
        let check = |u: &str, allow| check_url("a", "url", &Url::parse(u).unwrap(), allow);
        assert!(check("https://x.kommune.no/api", false).is_ok());
        assert!(check("http://127.0.0.1:8080/api", false).is_ok());
        assert!(check("http://localhost/api", false).is_ok());
        assert!(check("http://[::1]/api", false).is_ok());
        assert!(check("http://x.kommune.no/api", false).is_err());
        assert!(check("http://x.kommune.no/api", true).is_ok());
        assert!(check("ftp://x.kommune.no/", true).is_err());
        assert!(check("https://u:p@x.kommune.no/", false).is_err());
        assert!(check("https://x.kommune.no/#f", false).is_err());
    }

    #[test]
    fn deep_links_are_http_and_free_of_the_pid() {
        assert!(check_deep_link("https://x.no/f/1", "01019012345").is_ok());
        assert!(check_deep_link("javascript:alert(1)", "01019012345").is_err());
        assert!(check_deep_link("https://x.no/?p=01019012345", "01019012345").is_err());
        assert!(check_deep_link("/relative", "01019012345").is_err());
    }

    #[test]
    fn ids_are_machine_ids() {
        assert!(check_id("asker-faktura").is_ok());
        for bad in ["", "Asker", "-a", "a b", &"a".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
    }
}
