//! The full code flow driven by the `openidconnect` crate as a relying party, as MinSide's
//! login does against ID-porten: discovery, authorization URL, callback, code exchange and ID
//! token verification with the nonce.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, ProviderMetadataWithLogout,
    RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::support::{RP_BASE, location_params, request_id, spawn};

/// The claims ID-porten adds, as the relying party declares them.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct IdPortenClaims {
    pid: String,
    sid: String,
}
impl AdditionalClaims for IdPortenClaims {}

type IdPortenTokenResponse = StandardTokenResponse<
    IdTokenFields<
        IdPortenClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type IdPortenClient = Client<
    IdPortenClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    IdPortenTokenResponse,
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

#[tokio::test]
async fn openidconnect_relying_party_completes_the_code_flow_and_verifies_the_id_token() {
    let idp = spawn().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let issuer = IssuerUrl::new(idp.issuer.clone()).unwrap();
    let metadata = ProviderMetadataWithLogout::discover_async(issuer, &http)
        .await
        .unwrap();
    let end_session = metadata.additional_metadata().end_session_endpoint.clone();
    assert_eq!(end_session.unwrap().as_str(), idp.url("logout"));

    let client = IdPortenClient::from_provider_metadata(
        metadata,
        ClientId::new("minside".into()),
        Some(ClientSecret::new("minside-secret".into())),
    )
    .set_redirect_uri(RedirectUrl::new(format!("{RP_BASE}/minside/callback")).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .add_extra_param("acr_values", "idporten-loa-high")
        .add_extra_param("ui_locales", "en")
        .url();

    // The browser: the login page, in English, offers only the high level.
    let page = idp.browser.get(auth_url.as_str()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Kari Nordmann"));
    assert!(html.contains("Ola &lt;Normann&gt;"), "names are escaped");
    assert!(html.contains(&idp.people[0].masked()));
    assert!(html.contains("value=\"idporten-loa-high\""));
    assert!(!html.contains("value=\"idporten-loa-substantial\""));
    let pid = &idp.people[0];
    let callback = idp
        .submit_login(&request_id(&html), pid, "idporten-loa-high")
        .await;
    assert_eq!(callback.status(), 303);
    let (callback_url, params) = location_params(&callback);
    assert!(
        callback_url
            .as_str()
            .starts_with(&format!("{RP_BASE}/minside/callback?"))
    );
    assert_eq!(&params["state"], csrf.secret());
    assert_eq!(params["iss"], idp.issuer);

    // The relying party: exchange the code (client_secret_basic) and verify the ID token.
    let tokens = client
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    assert_eq!(tokens.expires_in().map(|d| d.as_secs()), Some(120));
    let scopes: Vec<String> = tokens
        .scopes()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(scopes, ["openid", "profile"]);
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("a valid ID token");

    assert_eq!(claims.issuer().as_str(), idp.issuer);
    assert_eq!(claims.audiences()[0].as_str(), "minside");
    assert_eq!(
        claims.auth_context_ref().unwrap().as_str(),
        "idporten-loa-high"
    );
    let amr: Vec<&str> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|a| a.as_str())
        .collect();
    assert_eq!(amr, ["TestID"]);
    assert_eq!(claims.additional_claims().pid, pid.expose());
    assert!(!claims.additional_claims().sid.is_empty());
    assert_eq!(claims.locale().unwrap().as_str(), "en");
    assert!(claims.auth_time().is_some());
    assert_eq!(
        (claims.expiration() - claims.issue_time()).num_seconds(),
        120
    );
    let pairwise = URL_SAFE_NO_PAD.encode(Sha256::digest(format!("minside{}", pid.expose())));
    assert_eq!(claims.subject().as_str(), pairwise);

    // The header names the key, and at_hash binds the access token.
    let header = id_token
        .to_string()
        .split('.')
        .next()
        .map(str::to_owned)
        .unwrap();
    let header: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert!(header["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
    let alg = id_token.signing_alg().unwrap();
    let key = id_token.signing_key(&verifier).unwrap();
    let expected = AccessTokenHash::from_token(tokens.access_token(), alg, key).unwrap();
    assert_eq!(claims.access_token_hash(), Some(&expected));

    // Userinfo answers for the access token.
    let info: serde_json::Value = idp
        .userinfo(tokens.access_token().secret())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], pairwise);
    assert_eq!(info["pid"], pid.expose());
    assert_eq!(info["locale"], "en");
}
