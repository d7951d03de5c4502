//! Compact JWS with RS256 (RSASSA-PKCS1-v1_5 with SHA-256), the only algorithm needed here.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1v15::SigningKey;
use rsa::rand_core::OsRng;
use rsa::sha2::Sha256;
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use serde_json::Value;

pub(crate) fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs `header` and `claims` into a compact JWS. The signing is blinded with fresh randomness.
pub(crate) fn sign_rs256(key: &SigningKey<Sha256>, header: &Value, claims: &Value) -> String {
    let signing_input = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let signature = key.sign_with_rng(&mut OsRng, signing_input.as_bytes());
    format!("{signing_input}.{}", b64url(&signature.to_bytes()))
}

/// Splits and verifies a compact RS256 JWS; returns its header and claims.
#[cfg(feature = "testing")]
pub(crate) fn verify_rs256(
    key: &rsa::pkcs1v15::VerifyingKey<Sha256>,
    token: &str,
) -> Result<(Value, Value), &'static str> {
    use rsa::signature::Verifier;

    let (header, claims) = decode_unverified(token)?;
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return Err("alg must be RS256");
    }
    let (signing_input, signature) = token.rsplit_once('.').ok_or("not a compact JWS")?;
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| "signature is not base64url")?;
    let signature =
        rsa::pkcs1v15::Signature::try_from(signature.as_slice()).map_err(|_| "bad signature")?;
    key.verify(signing_input.as_bytes(), &signature)
        .map_err(|_| "signature does not verify")?;
    Ok((header, claims))
}

/// Decodes header and claims without checking the signature (to find the signer first).
#[cfg(feature = "testing")]
pub(crate) fn decode_unverified(token: &str) -> Result<(Value, Value), &'static str> {
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a compact JWS");
    };
    let decode = |p: &str| -> Result<Value, &'static str> {
        let bytes = URL_SAFE_NO_PAD
            .decode(p)
            .map_err(|_| "part is not base64url")?;
        serde_json::from_slice(&bytes).map_err(|_| "part is not JSON")
    };
    Ok((decode(h)?, decode(c)?))
}
