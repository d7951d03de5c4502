//! OpenID Connect Discovery (`/.well-known/openid-configuration`) with the ID-porten profile,
//! and the public key set (`/jwks.json`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType,
    CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, AuthUrl, AuthenticationContextClass, IssuerUrl, JsonWebKeySetUrl,
    LanguageTag, ProviderMetadata, ResponseTypes, Scope, TokenUrl, UserInfoUrl,
};
use serde::{Deserialize, Serialize};

use crate::DevIdpError;
use crate::protocol::Acr;
use crate::provider::Provider;

/// Discovery fields outside OpenID Connect Discovery 1.0 that ID-porten publishes.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct IdPortenMetadata {
    end_session_endpoint: String,
    code_challenge_methods_supported: Vec<String>,
    authorization_response_iss_parameter_supported: bool,
    frontchannel_logout_supported: bool,
    frontchannel_logout_session_supported: bool,
}

impl AdditionalProviderMetadata for IdPortenMetadata {}

type IdPortenProviderMetadata = ProviderMetadata<
    IdPortenMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

const CLAIMS: [&str; 21] = [
    "iss",
    "aud",
    "sub",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "acr",
    "amr",
    "at_hash",
    "pid",
    "sid",
    "locale",
    "client_id",
    "scope",
    "oid",
    "tid",
    "roles",
    "name",
    "preferred_username",
    "email",
];

/// Builds the discovery document for an issuer.
pub(crate) fn document(issuer: &IssuerUrl) -> Result<serde_json::Value, DevIdpError> {
    let base = issuer.as_str().trim_end_matches('/');
    let url = |path: &str| format!("{base}/{path}");
    let config = |e: &dyn std::fmt::Display| DevIdpError::Config(e.to_string());

    let metadata = IdPortenProviderMetadata::new(
        issuer.clone(),
        AuthUrl::new(url("authorize")).map_err(|e| config(&e))?,
        JsonWebKeySetUrl::new(url("jwks.json")).map_err(|e| config(&e))?,
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Pairwise],
        vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
        IdPortenMetadata {
            end_session_endpoint: url("logout"),
            code_challenge_methods_supported: vec!["S256".into()],
            authorization_response_iss_parameter_supported: true,
            frontchannel_logout_supported: true,
            frontchannel_logout_session_supported: true,
        },
    )
    .set_token_endpoint(Some(TokenUrl::new(url("token")).map_err(|e| config(&e))?))
    .set_userinfo_endpoint(Some(
        UserInfoUrl::new(url("userinfo")).map_err(|e| config(&e))?,
    ))
    .set_scopes_supported(Some(vec![
        Scope::new("openid".into()),
        Scope::new("profile".into()),
        Scope::new("email".into()),
    ]))
    .set_response_modes_supported(Some(vec![CoreResponseMode::Query]))
    .set_grant_types_supported(Some(vec![CoreGrantType::AuthorizationCode]))
    .set_acr_values_supported(Some(
        Acr::ALL
            .iter()
            .map(|a| AuthenticationContextClass::new(a.as_str().into()))
            .collect(),
    ))
    .set_token_endpoint_auth_methods_supported(Some(vec![
        CoreClientAuthMethod::ClientSecretBasic,
        CoreClientAuthMethod::ClientSecretPost,
    ]))
    .set_claim_types_supported(Some(vec![CoreClaimType::Normal]))
    .set_claims_supported(Some(
        CLAIMS
            .iter()
            .map(|c| CoreClaimName::new((*c).into()))
            .collect(),
    ))
    .set_ui_locales_supported(Some(
        ["nb", "nn", "en", "se"]
            .iter()
            .map(|l| LanguageTag::new((*l).into()))
            .collect(),
    ))
    .set_claims_parameter_supported(Some(false))
    .set_request_parameter_supported(Some(false))
    .set_request_uri_parameter_supported(Some(false));

    serde_json::to_value(&metadata).map_err(|e| config(&e))
}

/// `GET /.well-known/openid-configuration`
pub(crate) async fn configuration(
    State(provider): State<Arc<Provider>>,
) -> Json<serde_json::Value> {
    Json(provider.discovery.clone())
}

/// `GET /jwks.json`
pub(crate) async fn jwks(State(provider): State<Arc<Provider>>) -> Json<CoreJsonWebKeySet> {
    Json(provider.key.jwks().clone())
}
