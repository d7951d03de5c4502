//! A set of OAuth scopes: the key of the token cache and the grant's `scope` claim.

use std::fmt;

use crate::MaskinportenError;

/// A non-empty set of scopes, kept sorted and without duplicates so that the same set always
/// gives the same cache entry (`"b a"` and `"a b a"` are one set).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Builds a set from scope names. Each must be a valid OAuth scope token (RFC 6749 3.3:
    /// printable ASCII without space, `"` or `\`).
    pub fn new<I, S>(scopes: I) -> Result<Self, MaskinportenError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut v: Vec<String> = scopes.into_iter().map(Into::into).collect();
        for s in &v {
            let valid = !s.is_empty()
                && s.bytes()
                    .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
            if !valid {
                return Err(MaskinportenError::Scope(format!(
                    "{s:?} is not a scope token"
                )));
            }
        }
        if v.is_empty() {
            return Err(MaskinportenError::Scope("no scope given".into()));
        }
        v.sort();
        v.dedup();
        Ok(Self(v))
    }

    /// Parses a space separated list, as in the grant's `scope` claim.
    pub fn parse(s: &str) -> Result<Self, MaskinportenError> {
        Self::new(s.split_ascii_whitespace())
    }

    /// The scopes, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn contains(&self, scope: &str) -> bool {
        self.0.iter().any(|s| s == scope)
    }

    /// The space separated form.
    pub fn to_claim(&self) -> String {
        self.0.join(" ")
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_claim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_sorted_and_deduplicated() {
        let a = Scopes::parse("krr:global/digitalpost.read krr:global/kontaktinformasjon.read")
            .expect("valid");
        let b = Scopes::new([
            "krr:global/kontaktinformasjon.read",
            "krr:global/digitalpost.read",
            "krr:global/kontaktinformasjon.read",
        ])
        .expect("valid");
        assert_eq!(a, b);
        assert_eq!(
            a.to_claim(),
            "krr:global/digitalpost.read krr:global/kontaktinformasjon.read"
        );
    }

    #[test]
    fn invalid_scopes_are_refused() {
        assert!(Scopes::parse("").is_err());
        assert!(Scopes::new(["a b"]).is_err());
        assert!(Scopes::new(["quote\"d"]).is_err());
        assert!(Scopes::new(Vec::<String>::new()).is_err());
    }
}
