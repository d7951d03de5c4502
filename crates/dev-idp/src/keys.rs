//! The RS256 signing key: generated at start, published as a JWK set, used to sign ID tokens
//! and to recognise this provider's own ID tokens when they come back as `id_token_hint`.

use std::fmt;

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreGenderClaim, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AccessToken, AdditionalClaims, ClientId, IdToken, IdTokenClaims, IssuerUrl, JsonWebKeyId,
    Nonce, PrivateSigningKey,
};
use rsa::RsaPrivateKey;
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde::{Deserialize, Serialize};

use crate::DevIdpError;
use crate::protocol::sha256_b64;

/// The ID-porten claims that OpenID Connect Core does not define (`locale` is a standard one).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct IdPortenClaims {
    /// The national identity number (fødselsnummer or D-nummer).
    pub(crate) pid: String,
    /// The provider session id, used by front-channel logout.
    pub(crate) sid: String,
}

impl AdditionalClaims for IdPortenClaims {}

impl fmt::Debug for IdPortenClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdPortenClaims")
            .field("pid", &"[redacted]")
            .field("sid", &self.sid)
            .finish()
    }
}

/// ID token claims with the ID-porten additions.
pub(crate) type IdPortenIdTokenClaims = IdTokenClaims<IdPortenClaims, CoreGenderClaim>;

/// What logout reads from an `id_token_hint` of either profile: the provider session id.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct HintClaims {
    pub(crate) sid: String,
}

impl AdditionalClaims for HintClaims {}

type DevIdToken<AC> =
    IdToken<AC, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

/// The provider's one signing key and its public JWK set.
pub(crate) struct SigningKey {
    key: CoreRsaPrivateSigningKey,
    jwks: CoreJsonWebKeySet,
}

impl SigningKey {
    /// Generates a 2048-bit RSA key. The key id is its RFC 7638 JWK thumbprint.
    pub(crate) fn generate() -> Result<Self, DevIdpError> {
        let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)
            .map_err(|e| DevIdpError::Key(e.to_string()))?;
        let kid = jwk_thumbprint(&private);
        let pem = private
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(|e| DevIdpError::Key(e.to_string()))?;
        let key = CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new(kid)))
            .map_err(DevIdpError::Key)?;
        let jwks = CoreJsonWebKeySet::new(vec![key.as_verification_key()]);
        Ok(Self { key, jwks })
    }

    /// The public keys, as served at `jwks.json`.
    pub(crate) fn jwks(&self) -> &CoreJsonWebKeySet {
        &self.jwks
    }

    /// Signs ID token claims with RS256 (`kid` in the header, `at_hash` for the access token).
    pub(crate) fn sign_id_token<AC: AdditionalClaims>(
        &self,
        claims: IdTokenClaims<AC, CoreGenderClaim>,
        access_token: &AccessToken,
    ) -> Result<String, openidconnect::JsonWebTokenError> {
        let alg = CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256;
        DevIdToken::new(claims, &self.key, alg, Some(access_token), None)
            .map(|token| token.to_string())
    }

    /// Returns the claims of an ID token this provider issued: the signature and issuer must be
    /// right, but the token may have expired (RP-initiated logout accepts expired hints).
    pub(crate) fn verify_own_id_token(
        &self,
        issuer: &IssuerUrl,
        token: &str,
    ) -> Option<IdTokenClaims<HintClaims, CoreGenderClaim>> {
        let token: DevIdToken<HintClaims> = token.parse().ok()?;
        let verifier = CoreIdTokenVerifier::new_public_client(
            ClientId::new(String::new()),
            issuer.clone(),
            self.jwks.clone(),
        )
        .require_audience_match(false)
        .set_time_fn(|| DateTime::<Utc>::MIN_UTC);
        token
            .into_claims(&verifier, |_: Option<&Nonce>| Ok(()))
            .ok()
    }
}

/// base64url(SHA-256) of the canonical public JWK `{"e","kty","n"}` (RFC 7638).
fn jwk_thumbprint(key: &RsaPrivateKey) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
    let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
    sha256_b64(format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#).as_bytes())
}
