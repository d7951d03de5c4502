//! Errors of building the adapter, and the mapping of HTTP outcomes to [`AdapterError`].
//!
//! Texts never hold a fødselsnummer: request URLs carry one by the API's design, so reqwest
//! errors are stripped of their URL, and parse errors name only a position, not the input.

use minside_adapter::AdapterError;

/// The adapter could not be built from its configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FolkeregisterError {
    #[error("invalid Folkeregisteret configuration: {0}")]
    Config(String),
}

/// Maps a transport error: timeouts to `Timeout`, everything else to `Unavailable`.
pub(crate) fn transport(e: reqwest::Error) -> AdapterError {
    let e = e.without_url();
    if e.is_timeout() {
        return AdapterError::Timeout;
    }
    let mut text = format!("Folkeregisteret could not be reached: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    AdapterError::Unavailable(text)
}

/// Maps a non-success HTTP status. The body's `kode` (e.g. `FREG-001`) is kept when it looks
/// like one; its `melding` is not, since it could echo the request.
pub(crate) fn status(status: u16, body: &[u8]) -> AdapterError {
    let kode = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("kode").and_then(|k| k.as_str()).map(str::to_owned))
        .filter(|k| is_error_code(k));
    let what = match kode {
        Some(k) => format!("HTTP {status} ({k}) from Folkeregisteret"),
        None => format!("HTTP {status} from Folkeregisteret"),
    };
    match status {
        404 => AdapterError::NotFound,
        401 | 403 => AdapterError::Unauthorized(what),
        408 | 429 | 500..=599 => AdapterError::Unavailable(what),
        _ => AdapterError::BadData(format!("unexpected {what}")),
    }
}

/// `FREG-001` and the like: 2 to 10 capital letters, a dash, 1 to 4 digits.
fn is_error_code(k: &str) -> bool {
    k.split_once('-').is_some_and(|(letters, digits)| {
        (2..=10).contains(&letters.len())
            && letters.bytes().all(|b| b.is_ascii_uppercase())
            && (1..=4).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Maps a JSON parse error without quoting the input.
pub(crate) fn bad_json(what: &str, e: &serde_json::Error) -> AdapterError {
    AdapterError::BadData(format!(
        "{what} is not what Folkeregisteret documents (line {}, column {})",
        e.line(),
        e.column()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_adapter_errors() {
        assert_eq!(status(404, b""), AdapterError::NotFound);
        assert!(matches!(status(401, b""), AdapterError::Unauthorized(_)));
        assert!(matches!(status(403, b""), AdapterError::Unauthorized(_)));
        assert!(matches!(status(503, b""), AdapterError::Unavailable(_)));
        assert!(matches!(status(429, b""), AdapterError::Unavailable(_)));
        assert!(matches!(status(400, b""), AdapterError::BadData(_)));
        let with_code = status(500, br#"{"kode":"FREG-001","melding":"Feil i tjenesten"}"#);
        assert_eq!(
            with_code,
            AdapterError::Unavailable("HTTP 500 (FREG-001) from Folkeregisteret".into())
        );
        // A "kode" that is a number (a pid, say) is never echoed.
        for kode in ["01019012345", "FREG-01019012345"] {
            let body = format!(r#"{{"kode":"{kode}"}}"#);
            let echoed = status(500, body.as_bytes());
            assert!(!echoed.to_string().contains("01019012345"));
        }
    }
}
