//! The client assertion: a JWT signed by our key that Maskinporten exchanges for a token.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use jiff::Timestamp;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::sha2::Sha256;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::{MaskinportenConfig, MaskinportenError, Scopes, jwt};

/// Builds and signs grants for one Maskinporten client.
pub(crate) struct GrantSigner {
    key: SigningKey<Sha256>,
    header: Value,
    audience: String,
    client_id: String,
    lifetime_secs: i64,
}

impl GrantSigner {
    pub(crate) fn new(cfg: &MaskinportenConfig) -> Result<Self, MaskinportenError> {
        let key = read_private_key(cfg.private_key_pem.expose_secret())?;
        let header = match (&cfg.key_id, &cfg.certificate_chain_pem) {
            (Some(kid), _) => json!({ "alg": "RS256", "kid": kid }),
            (None, Some(chain)) => json!({ "alg": "RS256", "x5c": certificate_chain(chain)? }),
            (None, None) => {
                return Err(MaskinportenError::Config(
                    "set key_id or certificate_chain_pem".into(),
                ));
            }
        };
        Ok(Self {
            key: SigningKey::new(key),
            header,
            audience: cfg.audience.clone(),
            client_id: cfg.client_id.clone(),
            lifetime_secs: i64::try_from(cfg.assertion_lifetime_secs)
                .map_err(|_| MaskinportenError::Config("assertion lifetime too long".into()))?,
        })
    }

    /// A signed grant for `scopes`, issued at `now`.
    pub(crate) fn assertion(&self, scopes: &Scopes, now: Timestamp) -> String {
        let iat = now.as_second();
        let claims = json!({
            "aud": self.audience,
            "iss": self.client_id,
            "scope": scopes.to_claim(),
            "iat": iat,
            "exp": iat + self.lifetime_secs,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        jwt::sign_rs256(&self.key, &self.header, &claims)
    }
}

fn read_private_key(pem: &str) -> Result<RsaPrivateKey, MaskinportenError> {
    let pem = pem.trim();
    RsaPrivateKey::from_pkcs8_pem(pem)
        .or_else(|_| RsaPrivateKey::from_pkcs1_pem(pem))
        .map_err(|_| MaskinportenError::Key)
}

/// The `x5c` header: each certificate of a PEM chain as standard base64 DER (RFC 7515 4.1.6).
fn certificate_chain(pem: &str) -> Result<Vec<String>, MaskinportenError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let bad = || MaskinportenError::Config("certificate_chain_pem is not a PEM chain".into());
    let mut chain = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        let body_and_rest = &rest[start + BEGIN.len()..];
        let end = body_and_rest.find(END).ok_or_else(bad)?;
        let body: String = body_and_rest[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let der = STANDARD.decode(body).map_err(|_| bad())?;
        chain.push(STANDARD.encode(der));
        rest = &body_and_rest[end + END.len()..];
    }
    if chain.is_empty() {
        return Err(bad());
    }
    Ok(chain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_chains_become_x5c() {
        let pem = "-----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\n\
                   -----BEGIN CERTIFICATE-----\nBQY=\n-----END CERTIFICATE-----\n";
        assert_eq!(
            certificate_chain(pem).expect("chain"),
            vec!["AQIDBA==".to_owned(), "BQY=".to_owned()]
        );
        assert!(certificate_chain("no pem here").is_err());
    }

    #[test]
    fn unreadable_keys_do_not_echo_the_key() {
        let secret = "-----BEGIN PRIVATE KEY-----\nTOP-SECRET\n-----END PRIVATE KEY-----";
        let Err(err) = read_private_key(secret) else {
            panic!("an unreadable key must fail");
        };
        assert_eq!(err, MaskinportenError::Key);
        assert!(!err.to_string().contains("TOP-SECRET"));
    }
}
