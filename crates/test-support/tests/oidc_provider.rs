//! Self-test of the ID-porten-like OpenID provider (`tests/oidc-provider`) and its Rust launcher,
//! written as a minimal relying party by hand: discovery, authorization code flow with PKCE,
//! token exchange, ID token claims, SSO, step-up, RP-initiated and OP-initiated logout.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use minside_test_support::oidc_provider::{OidcAccount, OidcProvider, OidcProviderConfig};
use rand::distr::{Alphanumeric, SampleString as _};
use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use url::Url;

/// A made-up test number; never a real person's.
const PID: &str = "24014512345";
const CLIENT_ID: &str = "minside-selftest";
const CLIENT_SECRET: &str = "selftest-secret";
const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/callback";
const POST_LOGOUT_URI: &str = "http://127.0.0.1:9/logged-out";
const FRONTCHANNEL_URI: &str = "http://127.0.0.1:9/auth/frontchannel-logout";
const HIGH: &str = "idporten-loa-high";
const SUBSTANTIAL: &str = "idporten-loa-substantial";

fn url(s: &str) -> Url {
    Url::parse(s).expect("valid test URL")
}

async fn start() -> OidcProvider {
    OidcProvider::start(OidcProviderConfig {
        port: 0,
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        redirect_uris: vec![url(REDIRECT_URI)],
        post_logout_redirect_uris: vec![url(POST_LOGOUT_URI)],
        frontchannel_logout_uri: Some(url(FRONTCHANNEL_URI)),
        accounts: vec![
            OidcAccount {
                pid: PID.to_owned(),
                name: "Kari Nordmann".to_owned(),
            },
            OidcAccount {
                pid: "03056700123".to_owned(),
                name: "Ola Nordmann".to_owned(),
            },
        ],
    })
    .await
}

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("reqwest client")
}

fn random(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rng(), len)
}

async fn discovery(op: &OidcProvider) -> Value {
    let resp = browser()
        .get(op.url("/.well-known/openid-configuration"))
        .send()
        .await;
    resp.expect("discovery request")
        .json()
        .await
        .expect("discovery JSON")
}

/// What the relying party remembers between authorize and callback.
struct Attempt {
    url: Url,
    state: String,
    nonce: String,
    verifier: String,
}

fn authorize_url(op: &OidcProvider, acr: &str, with_pkce: bool) -> Attempt {
    let (state, nonce, verifier) = (random(24), random(24), random(64));
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = op.url("/authorize");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", CLIENT_ID)
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid")
        .append_pair("state", &state)
        .append_pair("nonce", &nonce)
        .append_pair("acr_values", acr)
        .append_pair("ui_locales", "nn");
    if with_pkce {
        url.query_pairs_mut()
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
    }
    Attempt {
        url,
        state,
        nonce,
        verifier,
    }
}

fn query(url: &Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Checks the callback URL and exchanges its code; returns the token response.
async fn callback_and_token(
    op: &OidcProvider,
    attempt: &Attempt,
    callback: &Url,
    post: bool,
) -> Value {
    assert!(
        callback.as_str().starts_with(REDIRECT_URI),
        "callback {callback}"
    );
    assert_eq!(query(callback, "error"), None, "callback {callback}");
    assert_eq!(
        query(callback, "state").as_deref(),
        Some(attempt.state.as_str())
    );
    assert_eq!(
        query(callback, "iss").as_deref(),
        Some(op.issuer.as_str().trim_end_matches('/'))
    );
    let code = query(callback, "code").expect("code in callback");
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", attempt.verifier.as_str()),
    ];
    let request = Client::new().post(op.url("/token"));
    let request = if post {
        form.extend([("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)]);
        request
    } else {
        request.basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
    };
    let resp = request.form(&form).send().await.expect("token request");
    assert_eq!(resp.status(), StatusCode::OK, "token endpoint");
    resp.json().await.expect("token JSON")
}

fn id_token_claims(tokens: &Value) -> Value {
    let jwt = tokens["id_token"]
        .as_str()
        .expect("id_token in token response");
    let payload = jwt.split('.').nth(1).expect("JWT payload");
    let payload = URL_SAFE_NO_PAD.decode(payload).expect("base64url payload");
    serde_json::from_slice(&payload).expect("JSON payload")
}

#[tokio::test]
async fn resident_login_and_rp_initiated_logout() {
    let op = start().await;
    let issuer = op.issuer.as_str().trim_end_matches('/').to_owned();

    let meta = discovery(&op).await;
    assert_eq!(meta["issuer"], issuer.as_str());
    for (key, path) in [
        ("authorization_endpoint", "/authorize"),
        ("token_endpoint", "/token"),
        ("jwks_uri", "/jwks.json"),
        ("userinfo_endpoint", "/userinfo"),
        ("end_session_endpoint", "/logout"),
    ] {
        assert_eq!(meta[key], format!("{issuer}{path}"), "{key}");
    }
    assert_eq!(meta["authorization_response_iss_parameter_supported"], true);
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        meta["acr_values_supported"],
        serde_json::json!([SUBSTANTIAL, HIGH])
    );
    let jwks: Value = browser()
        .get(op.url("/jwks.json"))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("jwks JSON");
    assert_eq!(jwks["keys"][0]["alg"], "RS256");

    let http = browser();
    let attempt = authorize_url(&op, HIGH, true);
    let callback = op.login(&http, &attempt.url, PID, HIGH).await;
    let tokens = callback_and_token(&op, &attempt, &callback, false).await;
    let claims = id_token_claims(&tokens);
    assert_eq!(claims["pid"], PID);
    assert_eq!(claims["acr"], HIGH);
    assert_eq!(claims["amr"], serde_json::json!(["TestID"]));
    assert_eq!(claims["nonce"], attempt.nonce.as_str());
    assert_eq!(claims["locale"], "nn");
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert!(
        claims["sid"].as_str().is_some_and(|s| !s.is_empty()),
        "sid in ID token"
    );
    let sub = claims["sub"].as_str().expect("sub");
    assert_ne!(sub, PID, "sub is opaque, not the pid");

    let access_token = tokens["access_token"].as_str().expect("access_token");
    let userinfo = Client::new()
        .get(op.url("/userinfo"))
        .bearer_auth(access_token)
        .send()
        .await;
    let userinfo: Value = userinfo
        .expect("userinfo")
        .json()
        .await
        .expect("userinfo JSON");
    assert_eq!(userinfo["sub"], sub);
    assert_eq!(userinfo["pid"], PID);

    // SSO: a second login at the same or a lower level needs no form (the pid is ignored).
    let again = authorize_url(&op, SUBSTANTIAL, true);
    let callback = op.login(&http, &again.url, "unused", SUBSTANTIAL).await;
    let claims2 = id_token_claims(&callback_and_token(&op, &again, &callback, true).await);
    assert_eq!(claims2["acr"], HIGH);
    assert_eq!(claims2["sid"], claims["sid"]);

    // RP-initiated logout.
    let state = random(16);
    let mut end_session = op.url("/logout");
    end_session
        .query_pairs_mut()
        .append_pair(
            "id_token_hint",
            tokens["id_token"].as_str().expect("id_token"),
        )
        .append_pair("post_logout_redirect_uri", POST_LOGOUT_URI)
        .append_pair("state", &state);
    let outcome = op.logout(&http, &end_session).await;
    assert!(
        outcome.redirect.as_str().starts_with(POST_LOGOUT_URI),
        "{}",
        outcome.redirect
    );
    assert_eq!(query(&outcome.redirect, "state"), Some(state));
    assert!(
        outcome.frontchannel_logout_urls.is_empty(),
        "no front-channel call to the initiator"
    );

    // The OP session is gone: a new authorization request shows the login page again.
    let resp = http
        .get(authorize_url(&op, SUBSTANTIAL, true).url)
        .send()
        .await
        .expect("authorize");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let location = resp.headers()["location"].to_str().expect("location");
    assert!(location.contains("/interaction/"), "{location}");
}

#[tokio::test]
async fn step_up_and_op_initiated_logout_with_frontchannel() {
    let op = start().await;
    let http = browser();

    let first = authorize_url(&op, SUBSTANTIAL, true);
    let callback = op.login(&http, &first.url, PID, SUBSTANTIAL).await;
    let claims = id_token_claims(&callback_and_token(&op, &first, &callback, true).await);
    assert_eq!(claims["acr"], SUBSTANTIAL);

    // A session at "substantial" must log in again for "high".
    let step_up = authorize_url(&op, HIGH, true);
    let callback = op.login(&http, &step_up.url, PID, HIGH).await;
    let claims = id_token_claims(&callback_and_token(&op, &step_up, &callback, false).await);
    assert_eq!(claims["acr"], HIGH);
    let sid = claims["sid"].as_str().expect("sid").to_owned();

    // Logout started at the provider (e.g. by another service): the RP is told front-channel.
    let outcome = op.logout(&http, &op.url("/logout")).await;
    assert_eq!(outcome.redirect, op.url("/logout/success"));
    let [frontchannel] = outcome.frontchannel_logout_urls.as_slice() else {
        panic!(
            "one front-channel logout URL expected: {:?}",
            outcome.frontchannel_logout_urls
        );
    };
    assert!(
        frontchannel.as_str().starts_with(FRONTCHANNEL_URI),
        "{frontchannel}"
    );
    assert_eq!(query(frontchannel, "sid"), Some(sid));
    assert_eq!(
        query(frontchannel, "iss").as_deref(),
        Some(op.issuer.as_str().trim_end_matches('/'))
    );
}

#[tokio::test]
async fn pkce_is_required_and_errors_reach_the_rp() {
    let op = start().await;
    let attempt = authorize_url(&op, HIGH, false);
    let callback = op.login(&browser(), &attempt.url, PID, HIGH).await;
    assert!(callback.as_str().starts_with(REDIRECT_URI), "{callback}");
    assert_eq!(
        query(&callback, "error").as_deref(),
        Some("invalid_request"),
        "{callback}"
    );
    assert_eq!(query(&callback, "state"), Some(attempt.state));
}
