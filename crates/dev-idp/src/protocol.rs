//! Small protocol building blocks shared by the endpoints: parameter parsing (RFC 6749 §3.1),
//! random tokens, PKCE S256 (RFC 7636), pairwise subjects, levels of assurance and cookies.

use std::collections::HashMap;

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use url::Url;

/// Name of the provider's browser session cookie (holds the `sid`).
pub(crate) const SESSION_COOKIE: &str = "minside_dev_idp_sid";

/// Request parameters from a query string or a form body.
#[derive(Debug, Default)]
pub(crate) struct Params(HashMap<String, String>);

impl Params {
    /// Parses `application/x-www-form-urlencoded` text. A repeated parameter is an error (its
    /// name is returned); a parameter without a value counts as absent.
    pub(crate) fn parse(raw: &[u8]) -> Result<Self, String> {
        let mut map = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(raw) {
            if value.is_empty() {
                continue;
            }
            if map.insert(name.to_string(), value.into_owned()).is_some() {
                return Err(name.into_owned());
            }
        }
        Ok(Self(map))
    }

    /// The value of a parameter, if present and not empty.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// 256 random bits, base64url without padding: codes, tokens, session and request ids.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// base64url(SHA-256(input)) without padding.
pub(crate) fn sha256_b64(input: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(input))
}

/// Compares two secrets through their digests, so the comparison time does not depend on
/// where they differ.
pub(crate) fn secrets_match(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

/// The ID-porten style pairwise subject: base64url(sha256(client_id + pid)).
pub(crate) fn pairwise_subject(client_id: &str, pid: &str) -> String {
    sha256_b64(format!("{client_id}{pid}").as_bytes())
}

fn is_pkce_text(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Whether `s` has the form of an S256 code challenge or a code verifier (RFC 7636 §4.1–4.2).
pub(crate) fn is_valid_pkce_value(s: &str) -> bool {
    is_pkce_text(s)
}

/// Whether the verifier hashes to the challenge with the S256 method.
pub(crate) fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    is_pkce_text(verifier) && secrets_match(&sha256_b64(verifier.as_bytes()), challenge)
}

/// Decodes `%XX` escapes and `+` (RFC 6749 §2.3.1 form-encodes client credentials before
/// they are put into HTTP Basic authentication).
pub(crate) fn form_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Appends parameters to a URL's query, keeping any query it already has.
pub(crate) fn with_query(url: &Url, pairs: &[(&str, &str)]) -> Url {
    let mut url = url.clone();
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
    }
    url
}

/// The value of a request cookie.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// The ID-porten levels of assurance, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Acr {
    Substantial,
    High,
}

impl Acr {
    pub(crate) const ALL: [Acr; 2] = [Acr::Substantial, Acr::High];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Acr::Substantial => "idporten-loa-substantial",
            Acr::High => "idporten-loa-high",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Acr> {
        Acr::ALL.into_iter().find(|acr| acr.as_str() == s)
    }

    /// The lowest level an `acr_values` request accepts (space-separated, unknown values are
    /// an error). Absent means substantial, like ID-porten.
    pub(crate) fn minimum_requested(acr_values: Option<&str>) -> Result<Acr, String> {
        let Some(values) = acr_values else {
            return Ok(Acr::Substantial);
        };
        let mut lowest = None;
        for value in values.split(' ').filter(|v| !v.is_empty()) {
            let acr =
                Acr::parse(value).ok_or_else(|| format!("unsupported acr_values: {value}"))?;
            lowest = Some(lowest.map_or(acr, |l: Acr| l.min(acr)));
        }
        lowest.ok_or_else(|| "empty acr_values".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_s256_matches(verifier, challenge));
        assert!(!pkce_s256_matches("x".repeat(43).as_str(), challenge));
        assert!(is_valid_pkce_value(challenge));
        assert!(!is_valid_pkce_value("too-short"));
    }

    #[test]
    fn repeated_parameters_are_refused_and_empty_ones_ignored() {
        assert_eq!(Params::parse(b"a=1&a=2").err().as_deref(), Some("a"));
        let params = Params::parse(b"a=&b=x%20y").expect("valid parameters");
        assert_eq!(params.get("a"), None);
        assert_eq!(params.get("b"), Some("x y"));
    }

    #[test]
    fn form_decoding_handles_escapes() {
        assert_eq!(form_decode("a%3Ab+c").as_deref(), Some("a:b c"));
        assert_eq!(form_decode("bad%4"), None);
    }

    #[test]
    fn acr_values_resolve_to_the_lowest_acceptable_level() {
        assert_eq!(Acr::minimum_requested(None), Ok(Acr::Substantial));
        assert_eq!(
            Acr::minimum_requested(Some("idporten-loa-high")),
            Ok(Acr::High)
        );
        let both = Some("idporten-loa-high idporten-loa-substantial");
        assert_eq!(Acr::minimum_requested(both), Ok(Acr::Substantial));
        assert!(Acr::minimum_requested(Some("Level4")).is_err());
    }

    #[test]
    fn with_query_keeps_existing_parameters() {
        let url = Url::parse("https://rp.example/cb?x=1").expect("valid url");
        let url = with_query(&url, &[("code", "a b"), ("state", "s")]);
        assert_eq!(url.as_str(), "https://rp.example/cb?x=1&code=a+b&state=s");
    }
}
