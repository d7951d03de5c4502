//! The OpenID Connect relying party: discovery, authorization request, code exchange and
//! ID-token verification against any ID-porten-compatible provider.
//!
//! Provider metadata (and with it the signing keys) is fetched lazily on first use and
//! refreshed after `metadata_ttl`, so the server starts even when the provider is down, and a
//! key rotation at the provider is picked up.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClientAuthMethod,
    CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthenticationContextClass, AuthenticationFlow,
    AuthorizationCode, ClaimsVerificationError, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl, RequestTokenError,
    Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;
use url::Url;

use crate::AuthError;

/// Claims beyond the OIDC standard that MinSide reads: ID-porten's `pid` and `sid`, and the
/// `roles` an employee identity provider (Entra ID style) sends for caseworkers.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    /// The national identity number (fødselsnummer or D-nummer), as ID-porten sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<String>,
    /// The provider's session id, used by front-channel logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Application roles of an employee.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// An employee's object id (Entra ID): stable across the directory's applications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    /// The directory (Entra tenant) an employee signed in from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
}
impl AdditionalClaims for ExtraClaims {}

/// Provider metadata beyond OIDC Discovery core: RP-initiated logout and RFC 9207.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraProviderMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<Url>,
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
}
impl AdditionalProviderMetadata for ExtraProviderMetadata {}

type Metadata = ProviderMetadata<
    ExtraProviderMetadata,
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
type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResp = StandardTokenResponse<IdFields, CoreTokenType>;
type RpClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResp,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How MinSide is registered with one OpenID provider.
#[derive(Clone)]
pub struct RelyingPartyConfig {
    /// The issuer identifier exactly as the provider publishes it (compared as a string).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub scopes: Vec<String>,
    pub metadata_ttl: Duration,
    pub http_timeout: Duration,
}

/// What the provider told us, with a client built from it.
struct Discovered {
    client: RpClient,
    extra: ExtraProviderMetadata,
    fetched: Instant,
}

/// A prepared authorization request: the URL to send the browser to, and the secrets the
/// callback needs (kept server-side, never in the browser).
pub struct AuthorizationRequest {
    pub url: Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// A verified ID token.
#[derive(Clone)]
pub struct VerifiedIdentity {
    /// Raw `pid` claim; parsed and validated by the caller.
    pub pid: Option<String>,
    pub acr: Option<String>,
    pub sid: Option<String>,
    pub name: Option<String>,
    pub roles: Vec<String>,
    pub subject: String,
    /// An employee's object id (`oid`), when the provider sends one.
    pub oid: Option<String>,
    /// An employee's directory id (`tid`), when the provider sends one.
    pub tid: Option<String>,
    pub email: Option<String>,
    pub preferred_username: Option<String>,
    /// The raw ID token, kept for `id_token_hint` at logout.
    pub id_token: String,
}

impl VerifiedIdentity {
    /// A top-level string claim of the verified ID token, by name (e.g. a configured tenant
    /// claim). `None` when absent or not a string.
    pub fn claim(&self, name: &str) -> Option<String> {
        use base64::Engine;
        let payload = self.id_token.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .ok()?;
        let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        claims.get(name)?.as_str().map(str::to_owned)
    }
}

/// The relying party for one provider.
pub struct RelyingParty {
    config: RelyingPartyConfig,
    http: openidconnect::reqwest::Client,
    discovered: RwLock<Option<Arc<Discovered>>>,
}

impl RelyingParty {
    pub fn new(config: RelyingPartyConfig) -> Result<Self, AuthError> {
        let http = openidconnect::reqwest::Client::builder()
            // Following redirects from the provider's back channel would be an SSRF vector.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(config.http_timeout)
            .build()
            .map_err(|e| AuthError::Unavailable(format!("http client: {e}")))?;
        Ok(Self {
            config,
            http,
            discovered: RwLock::new(None),
        })
    }

    /// The issuer this party trusts.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    async fn discovered(&self, force: bool) -> Result<Arc<Discovered>, AuthError> {
        if !force
            && let Some(d) = self.discovered.read().await.as_ref()
            && d.fetched.elapsed() < self.config.metadata_ttl
        {
            return Ok(d.clone());
        }
        let mut slot = self.discovered.write().await;
        // Another task may have refreshed it while we waited for the lock.
        if !force
            && let Some(d) = slot.as_ref()
            && d.fetched.elapsed() < self.config.metadata_ttl
        {
            return Ok(d.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| AuthError::Unavailable(format!("issuer is not a URL: {e}")))?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| AuthError::Unavailable(format!("discovery failed: {e}")))?;
        let extra = metadata.additional_metadata().clone();
        let client = RpClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose_secret().to_owned(),
            )),
        );
        let d = Arc::new(Discovered {
            client,
            extra,
            fetched: Instant::now(),
        });
        *slot = Some(d.clone());
        tracing::info!(issuer = %self.config.issuer, "provider metadata fetched");
        Ok(d)
    }

    /// Whether the provider is reachable and its metadata valid (for readiness).
    pub async fn check(&self) -> Result<(), AuthError> {
        self.discovered(false).await.map(|_| ())
    }

    /// Builds the authorization request: code flow, PKCE S256, state, nonce, acr and locales.
    pub async fn authorization_request(
        &self,
        redirect_uri: &Url,
        acr: &str,
        ui_locales: &str,
    ) -> Result<AuthorizationRequest, AuthError> {
        self.authorization_request_with(redirect_uri, Some(acr), Some(ui_locales))
            .await
    }

    /// [`authorization_request`](Self::authorization_request) with `acr_values` and
    /// `ui_locales` only when given (an employee provider may need neither).
    pub async fn authorization_request_with(
        &self,
        redirect_uri: &Url,
        acr: Option<&str>,
        ui_locales: Option<&str>,
    ) -> Result<AuthorizationRequest, AuthError> {
        let d = self.discovered(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = d
            .client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_redirect_uri(std::borrow::Cow::Owned(RedirectUrl::from_url(
                redirect_uri.clone(),
            )))
            .set_pkce_challenge(challenge);
        if let Some(acr) = acr {
            req = req.add_auth_context_value(AuthenticationContextClass::new(acr.to_owned()));
        }
        if let Some(ui_locales) = ui_locales {
            req = req.add_extra_param("ui_locales", ui_locales.to_owned());
        }
        for scope in self.config.scopes.iter().filter(|s| s.as_str() != "openid") {
            req = req.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = req.url();
        Ok(AuthorizationRequest {
            url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// RFC 9207: the `iss` in the authorization response must be our issuer; when the
    /// provider says it always sends one, a missing `iss` is refused too.
    pub async fn check_response_issuer(&self, iss: Option<&str>) -> Result<(), AuthError> {
        let d = self.discovered(false).await?;
        match iss {
            Some(iss) if same_issuer(iss, &self.config.issuer) => Ok(()),
            Some(_) => Err(AuthError::IssuerMismatch),
            None if d.extra.authorization_response_iss_parameter_supported => {
                Err(AuthError::IssuerMismatch)
            }
            None => Ok(()),
        }
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token: signature,
    /// issuer, audience, expiry and nonce.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &Url,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<VerifiedIdentity, AuthError> {
        let d = self.discovered(false).await?;
        let response = d
            .client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|_| AuthError::Unavailable("provider has no token endpoint".into()))?
            .set_redirect_uri(std::borrow::Cow::Owned(RedirectUrl::from_url(
                redirect_uri.clone(),
            )))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    AuthError::CodeRejected(r.error().as_ref().to_owned())
                }
                other => AuthError::Unavailable(format!("token request failed: {other}")),
            })?;
        let id_token = response
            .id_token()
            .ok_or_else(|| AuthError::InvalidIdToken("no id_token in token response".into()))?;
        let nonce = Nonce::new(nonce.to_owned());
        let claims = match id_token.claims(&d.client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(ClaimsVerificationError::SignatureVerification(first)) => {
                // The provider may have rotated its keys since we fetched them: refresh once.
                // If the refresh fails, the token is still unverified and is refused.
                let fresh = self
                    .discovered(true)
                    .await
                    .map_err(|_| AuthError::InvalidIdToken(first.to_string()))?;
                id_token
                    .claims(&fresh.client.id_token_verifier(), &nonce)
                    .map_err(|_| AuthError::InvalidIdToken(first.to_string()))?
                    .clone()
            }
            Err(other) => return Err(AuthError::InvalidIdToken(other.to_string())),
        };
        let extra = claims.additional_claims();
        Ok(VerifiedIdentity {
            pid: extra.pid.clone(),
            acr: claims.auth_context_ref().map(|a| a.as_str().to_owned()),
            sid: extra.sid.clone(),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_owned()),
            roles: extra.roles.clone(),
            subject: claims.subject().as_str().to_owned(),
            oid: extra.oid.clone(),
            tid: extra.tid.clone(),
            email: claims.email().map(|e| e.as_str().to_owned()),
            preferred_username: claims.preferred_username().map(|u| u.as_str().to_owned()),
            id_token: id_token.to_string(),
        })
    }

    /// The provider's end-session URL for RP-initiated logout, if it has one.
    pub async fn end_session_url(
        &self,
        id_token_hint: &str,
        post_logout_redirect_uri: &Url,
        state: &str,
    ) -> Result<Option<Url>, AuthError> {
        let d = self.discovered(false).await?;
        Ok(d.extra.end_session_endpoint.clone().map(|mut url| {
            url.query_pairs_mut()
                .append_pair("id_token_hint", id_token_hint)
                .append_pair(
                    "post_logout_redirect_uri",
                    post_logout_redirect_uri.as_str(),
                )
                .append_pair("state", state);
            url
        }))
    }
}

/// Issuers compare as exact strings (OIDC Discovery 4.3, RFC 9207 section 2.4).
pub fn same_issuer(candidate: &str, issuer: &str) -> bool {
    candidate == issuer
}
