//! Where a resident may be sent after login: relative paths on this site only.
//!
//! Anything that a browser could resolve to another origin is refused, so open redirects
//! cannot be built from `/auth/login?redirect=...`.

/// A redirect target that is a path on this site (`/oversikt?tab=2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeRedirect(String);

/// The redirect target is not a relative path on this site.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("redirect must be a relative path on this site, starting with a single '/'")]
pub struct UnsafeRedirect;

const MAX_LEN: usize = 512;

impl SafeRedirect {
    /// Accepts `/path?query#fragment`; refuses scheme-relative (`//host`), backslash tricks,
    /// absolute URLs, control characters and over-long targets.
    pub fn parse(s: &str) -> Result<Self, UnsafeRedirect> {
        let ok = s.len() <= MAX_LEN
            && s.starts_with('/')
            && !s.starts_with("//")
            && !s.contains('\\')
            && !s.chars().any(|c| c.is_control() || c.is_whitespace())
            // Percent-encoded slashes or backslashes at the start could be decoded by a proxy.
            && !s.to_ascii_lowercase().starts_with("/%2f")
            && !s.to_ascii_lowercase().starts_with("/%5c");
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(UnsafeRedirect)
        }
    }

    /// The site root.
    pub fn root() -> Self {
        Self("/".to_owned())
    }

    /// The path as stored and sent in `Location`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_are_accepted() {
        for ok in ["/", "/api/v1/me/session", "/plan?id=2#kart", "/s%C3%B8k"] {
            assert_eq!(
                SafeRedirect::parse(ok).map(|r| r.0),
                Ok(ok.to_owned()),
                "{ok}"
            );
        }
    }

    #[test]
    fn anything_that_can_leave_the_site_is_refused() {
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "evil.example",
            "",
            "/%2F%2Fevil.example",
            "/%5cevil.example",
            "/ok\r\nSet-Cookie: x=1",
            "/\tevil",
        ] {
            assert_eq!(SafeRedirect::parse(bad), Err(UnsafeRedirect), "{bad:?}");
        }
        assert!(SafeRedirect::parse(&format!("/{}", "a".repeat(600))).is_err());
    }
}
