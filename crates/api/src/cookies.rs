//! The cookies MinSide sets, with the flags a public body's portal needs.

use axum_extra::extract::cookie::{Cookie, SameSite};
use jiff::SignedDuration;
use url::Url;

/// Login state binding (the browser that started a login must finish it).
pub const LOGIN_COOKIE: &str = "minside_login";
/// State of an RP-initiated logout, checked when the provider sends the browser back.
pub const LOGOUT_COOKIE: &str = "minside_logout";

/// Cookies are `Secure` everywhere except plain-HTTP loopback development.
pub fn is_secure(public_url: &Url) -> bool {
    let loopback = matches!(
        public_url.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]")
    );
    !(public_url.scheme() == "http" && loopback)
}

/// `__Host-` prefixed when secure, so no subdomain can set or shadow it.
pub fn session_cookie_name(public_url: &Url) -> &'static str {
    if is_secure(public_url) {
        "__Host-minside_session"
    } else {
        "minside_session"
    }
}

pub(crate) fn base(name: &'static str, value: String, public_url: &Url) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(is_secure(public_url))
        .same_site(SameSite::Lax)
        .build()
}

/// The session cookie; a browser-session cookie (no Max-Age): the server enforces lifetimes.
pub fn session(public_url: &Url, token: String) -> Cookie<'static> {
    base(session_cookie_name(public_url), token, public_url)
}

/// A short-lived helper cookie (login binding, logout state).
pub fn short_lived(
    name: &'static str,
    value: String,
    public_url: &Url,
    ttl: SignedDuration,
) -> Cookie<'static> {
    let mut c = base(name, value, public_url);
    c.set_max_age(time_duration(ttl));
    c
}

/// A cookie that deletes `name`.
pub fn removal(name: &'static str, public_url: &Url) -> Cookie<'static> {
    let mut c = base(name, String::new(), public_url);
    c.make_removal();
    c
}

fn time_duration(d: SignedDuration) -> time::Duration {
    time::Duration::seconds(d.as_secs())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn only_http_loopback_is_insecure() {
        assert!(!is_secure(&Url::parse("http://localhost:8080").unwrap()));
        assert!(!is_secure(&Url::parse("http://127.0.0.1:1234").unwrap()));
        assert!(is_secure(&Url::parse("http://asker.example").unwrap()));
        assert!(is_secure(&Url::parse("https://localhost").unwrap()));
    }

    #[test]
    fn session_cookie_has_the_required_flags() {
        let url = Url::parse("https://minside.asker.kommune.no").unwrap();
        let c = session(&url, "t".into()).to_string();
        for flag in [
            "__Host-minside_session=t",
            "HttpOnly",
            "Secure",
            "SameSite=Lax",
            "Path=/",
        ] {
            assert!(c.contains(flag), "{c} lacks {flag}");
        }
    }
}
