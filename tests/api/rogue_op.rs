//! A provider stand-in that signs whatever ID token a test asks for, to prove the relying party
//! checks each claim itself: nonce, issuer, audience, assurance level and the pid.
//!
//! It speaks the real protocol (discovery, JWKS, token endpoint) over HTTP via wiremock.

use std::sync::OnceLock;

use minside_test_support::{TestApp, location};
use openidconnect::core::{
    CoreGenderClaim, CoreJsonWebKeySet, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRsaPrivateSigningKey,
};
use openidconnect::{
    AdditionalClaims, Audience, AuthenticationContextClass, IdToken, IdTokenClaims, IssuerUrl,
    JsonWebKeyId, Nonce, PrivateSigningKey, StandardClaims, SubjectIdentifier,
};
use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{assert_problem, demo_pid};

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Claims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pid: Option<String>,
    sid: String,
}
impl AdditionalClaims for Claims {}

type Token =
    IdToken<Claims, CoreGenderClaim, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm>;

fn key() -> &'static CoreRsaPrivateSigningKey {
    static KEY: OnceLock<CoreRsaPrivateSigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("rsa key");
        let pem = private.to_pkcs1_pem(LineEnding::LF).expect("pem");
        CoreRsaPrivateSigningKey::from_pem(&pem, Some(JsonWebKeyId::new("rogue".into())))
            .expect("signing key")
    })
}

/// What to put in the ID token.
struct Craft {
    nonce: Option<String>,
    iss: Option<String>,
    aud: Option<String>,
    acr: &'static str,
    pid: Option<String>,
}

struct Rogue {
    server: MockServer,
    app: TestApp,
}

impl Rogue {
    async fn start() -> Self {
        let server = MockServer::start().await;
        let issuer = server.uri();
        let discovery = json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks.json"),
            "end_session_endpoint": format!("{issuer}/logout"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "authorization_response_iss_parameter_supported": true,
        });
        Mock::given(method("GET"))
            .and(path("/.well-known/openid-configuration"))
            .respond_with(ResponseTemplate::new(200).set_body_json(discovery))
            .mount(&server)
            .await;
        let jwks = CoreJsonWebKeySet::new(vec![key().as_verification_key()]);
        Mock::given(method("GET"))
            .and(path("/jwks.json"))
            .respond_with(ResponseTemplate::new(200).set_body_json(jwks))
            .mount(&server)
            .await;
        let app = TestApp::builder()
            .set("dev_idp.enabled", false)
            .set("idporten.issuer", issuer.as_str())
            .set("idporten.client_id", "minside-test")
            .spawn()
            .await;
        Self { server, app }
    }

    /// Starts a login and returns (state, nonce) from the authorization request.
    async fn begin(&self, query: &str) -> (String, String) {
        let start = self.app.get(&format!("/auth/login{query}")).await;
        assert_eq!(start.status(), 303);
        let q: std::collections::HashMap<_, _> =
            location(&start).query_pairs().into_owned().collect();
        (q["state"].clone(), q["nonce"].clone())
    }

    /// Makes the token endpoint answer with this token, then calls our callback.
    async fn complete(&self, state: &str, craft: Craft) -> reqwest::Response {
        let issuer = self.server.uri();
        let now = chrono_now();
        let claims = IdTokenClaims::new(
            IssuerUrl::new(craft.iss.unwrap_or_else(|| issuer.clone())).expect("issuer"),
            vec![Audience::new(
                craft.aud.unwrap_or_else(|| "minside-test".into()),
            )],
            now + chrono::TimeDelta::seconds(120),
            now,
            StandardClaims::new(SubjectIdentifier::new("subject".into())),
            Claims {
                pid: craft.pid,
                sid: "rogue-sid".into(),
            },
        )
        .set_nonce(craft.nonce.map(Nonce::new))
        .set_auth_context_ref(Some(AuthenticationContextClass::new(craft.acr.into())));
        let token = Token::new(
            claims,
            key(),
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            None,
            None,
        )
        .expect("sign");
        self.server.reset().await;
        Mock::given(method("POST"))
            .and(path("/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "at", "token_type": "Bearer", "expires_in": 120,
                "id_token": token.to_string(),
            })))
            .mount(&self.server)
            .await;
        // Discovery and keys were fetched at login start and are cached by the relying party.
        let mut cb = self.app.url("/auth/callback");
        cb.query_pairs_mut()
            .append_pair("code", "c")
            .append_pair("state", state)
            .append_pair("iss", &issuer);
        self.app.client.get(cb).send().await.expect("callback")
    }
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn good(nonce: String) -> Craft {
    Craft {
        nonce: Some(nonce),
        iss: None,
        aud: None,
        acr: "idporten-loa-substantial",
        pid: Some(demo_pid(0).expose().to_owned()),
    }
}

#[tokio::test]
async fn a_well_formed_token_logs_in() {
    let rogue = Rogue::start().await;
    let (state, nonce) = rogue.begin("").await;
    assert_eq!(rogue.complete(&state, good(nonce)).await.status(), 303);
    assert_eq!(rogue.app.get("/api/v1/me/session").await.status(), 200);
}

#[tokio::test]
async fn wrong_nonce_is_refused() {
    let rogue = Rogue::start().await;
    let (state, _) = rogue.begin("").await;
    let craft = Craft {
        nonce: Some("another-nonce".into()),
        ..good(String::new())
    };
    assert_problem(rogue.complete(&state, craft).await, 401, "login-token").await;
    let (state, _) = rogue.begin("").await;
    let craft = Craft {
        nonce: None,
        ..good(String::new())
    };
    assert_problem(rogue.complete(&state, craft).await, 401, "login-token").await;
}

#[tokio::test]
async fn a_token_from_a_foreign_issuer_or_for_another_client_is_refused() {
    let rogue = Rogue::start().await;
    let (state, nonce) = rogue.begin("").await;
    let craft = Craft {
        iss: Some("https://evil.example".into()),
        ..good(nonce)
    };
    assert_problem(rogue.complete(&state, craft).await, 401, "login-token").await;
    let (state, nonce) = rogue.begin("").await;
    let craft = Craft {
        aud: Some("someone-else".into()),
        ..good(nonce)
    };
    assert_problem(rogue.complete(&state, craft).await, 401, "login-token").await;
}

#[tokio::test]
async fn too_low_or_unknown_acr_is_refused() {
    let rogue = Rogue::start().await;
    let (state, nonce) = rogue.begin("?level=high").await;
    let body = assert_problem(
        rogue.complete(&state, good(nonce)).await,
        401,
        "login-level",
    )
    .await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("idporten-loa-high"))
    );
    let (state, nonce) = rogue.begin("").await;
    let craft = Craft {
        acr: "Level3",
        ..good(nonce)
    };
    assert_problem(rogue.complete(&state, craft).await, 401, "login-level").await;
    assert_eq!(rogue.app.get("/api/v1/me/session").await.status(), 401);
}

#[tokio::test]
async fn invalid_or_missing_pid_is_refused_without_echoing_it() {
    let rogue = Rogue::start().await;
    let valid = demo_pid(0).expose().to_owned();
    let last = (valid.as_bytes()[10] - b'0' + 1) % 10;
    let bad = format!("{}{last}", &valid[..10]);
    let (state, nonce) = rogue.begin("").await;
    let craft = Craft {
        pid: Some(bad.clone()),
        ..good(nonce)
    };
    let body = assert_problem(rogue.complete(&state, craft).await, 401, "login-pid").await;
    assert!(!body.to_string().contains(&bad));
    let (state, nonce) = rogue.begin("").await;
    let craft = Craft {
        pid: None,
        ..good(nonce)
    };
    assert_problem(rogue.complete(&state, craft).await, 401, "login-pid").await;
}
