//! HTTP caching of public answers: a weak ETag from the body's hash, `If-None-Match` answered
//! with 304, and `Cache-Control: public, max-age=…, must-revalidate`.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// `body` as JSON with an ETag and `Cache-Control`, or 304 when the client's copy is current.
/// The answer varies by `Host` (the tenant) and by the headers in `vary` (e.g.
/// `Accept-Language` for translated answers).
pub fn cacheable<T: Serialize>(
    headers: &HeaderMap,
    body: &T,
    max_age_seconds: u32,
    vary: &[&str],
) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(b) => b,
        Err(e) => return ApiError::internal(e).into_response(),
    };
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let etag = format!("W/\"{hex}\"");
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/"));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            bytes,
        )
            .into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    let cache_control = format!("public, max-age={max_age_seconds}, must-revalidate");
    if let Ok(v) = HeaderValue::from_str(&cache_control) {
        h.insert(header::CACHE_CONTROL, v);
    }
    let vary = std::iter::once("Host")
        .chain(vary.iter().copied())
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(v) = HeaderValue::from_str(&vary) {
        h.insert(header::VARY, v);
    }
    response
}
