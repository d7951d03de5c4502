//! The client against the local Maskinporten over real HTTP: the grant, caching, expiry,
//! concurrency, refusals and outages.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use minside_maskinporten::testing::{ManualClock, MaskinportenStandIn, generate_key};
use minside_maskinporten::{
    Clock, MaskinportenClient, MaskinportenConfig, MaskinportenError, Scopes, SystemClock,
    TokenSource,
};
use secrecy::ExposeSecret;
use serde_json::Value;

const KRR: &str = "krr:global/kontaktinformasjon.read";
const FREG: &str = "folkeregister:deling/offentligmedhjemmel";

fn scopes(s: &str) -> Scopes {
    Scopes::parse(s).expect("valid scopes")
}

async fn setup(clock: Arc<dyn Clock>) -> (MaskinportenStandIn, MaskinportenClient) {
    let mp = MaskinportenStandIn::start(clock.clone()).await;
    let cfg = mp.client_config("minside-test", &[KRR, FREG]);
    let client = MaskinportenClient::new(&cfg)
        .expect("client")
        .with_clock(clock);
    (mp, client)
}

#[tokio::test]
async fn the_grant_has_maskinportens_shape_and_the_token_verifies() {
    let (mp, client) = setup(Arc::new(SystemClock)).await;
    let token = client.access_token(&scopes(KRR)).await.expect("token");

    let (header, claims) = mp.last_grant().expect("a grant was sent");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], "minside-test-key");
    assert_eq!(claims["aud"], mp.issuer());
    assert_eq!(claims["iss"], "minside-test");
    assert_eq!(claims["scope"], KRR);
    let (iat, exp) = (
        claims["iat"].as_i64().expect("iat"),
        claims["exp"].as_i64().expect("exp"),
    );
    assert!(exp > iat && exp - iat <= 120, "lifetime {}", exp - iat);
    let jti = claims["jti"].as_str().expect("jti");
    assert!(uuid::Uuid::parse_str(jti).is_ok(), "jti is a uuid");

    assert_eq!(token.scope, KRR);
    let mut headers = axum::http::HeaderMap::new();
    let bearer = format!("Bearer {}", token.secret());
    headers.insert("authorization", bearer.parse().expect("header"));
    assert!(mp.verifier().check(&headers, KRR).is_ok());
    assert!(
        mp.verifier().check(&headers, FREG).is_err(),
        "scope is checked"
    );
}

#[tokio::test]
async fn a_token_is_cached_until_expiry_less_the_margin() {
    let clock = ManualClock::starting_now();
    let (mp, client) = setup(clock.clone()).await;
    let krr = scopes(KRR);

    let first = client.access_token(&krr).await.expect("token");
    for _ in 0..25 {
        let again = client.access_token(&krr).await.expect("cached token");
        assert_eq!(again.secret(), first.secret());
    }
    assert_eq!(mp.token_requests(), 1);

    // Tokens live 120 s and the margin is 60 s: at 59 s the cached one is still used ...
    clock.advance(SignedDuration::from_secs(59));
    client.access_token(&krr).await.expect("cached token");
    assert_eq!(mp.token_requests(), 1);
    // ... and from 60 s on a new one is fetched, then cached again.
    clock.advance(SignedDuration::from_secs(1));
    let renewed = client.access_token(&krr).await.expect("renewed token");
    client.access_token(&krr).await.expect("cached token");
    assert_eq!(mp.token_requests(), 2);
    assert_ne!(renewed.secret(), first.secret());
}

#[tokio::test]
async fn short_lived_tokens_are_renewed_half_way() {
    let clock = ManualClock::starting_now();
    let (mp, client) = setup(clock.clone()).await;
    mp.set_expires_in(10);
    let freg = scopes(FREG);

    client.access_token(&freg).await.expect("token");
    clock.advance(SignedDuration::from_secs(4));
    client.access_token(&freg).await.expect("cached token");
    assert_eq!(
        mp.token_requests(),
        1,
        "a 60 s margin must not make a 10 s token useless"
    );
    clock.advance(SignedDuration::from_secs(1));
    client.access_token(&freg).await.expect("renewed token");
    assert_eq!(mp.token_requests(), 2);
}

#[tokio::test]
async fn a_token_is_renewed_after_it_expires_in_real_time() {
    let (mp, client) = setup(Arc::new(SystemClock)).await;
    mp.set_expires_in(1);
    let krr = scopes(KRR);
    client.access_token(&krr).await.expect("token");
    client.access_token(&krr).await.expect("cached token");
    assert_eq!(mp.token_requests(), 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.access_token(&krr).await.expect("renewed token");
    assert_eq!(mp.token_requests(), 2);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_request() {
    let (mp, client) = setup(Arc::new(SystemClock)).await;
    mp.set_response_delay(Duration::from_millis(300));
    let client = Arc::new(client);
    let calls = (0..40).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.access_token(&scopes(KRR)).await })
    });
    let tokens = futures_util::future::join_all(calls).await;
    let secrets: Vec<String> = tokens
        .into_iter()
        .map(|t| t.expect("task").expect("token").secret().to_owned())
        .collect();
    assert_eq!(mp.token_requests(), 1);
    assert!(secrets.windows(2).all(|w| w[0] == w[1]));
}

#[tokio::test]
async fn each_scope_set_has_its_own_token() {
    let (mp, client) = setup(Arc::new(SystemClock)).await;
    let both = client
        .access_token(&scopes(&format!("{KRR} {FREG}")))
        .await
        .expect("token");
    client
        .access_token(&scopes(&format!("{FREG} {KRR} {FREG}")))
        .await
        .expect("same set");
    assert_eq!(mp.token_requests(), 1);
    let krr = client.access_token(&scopes(KRR)).await.expect("token");
    assert_eq!(mp.token_requests(), 2);
    assert_ne!(both.secret(), krr.secret());
}

#[tokio::test]
async fn invalidating_forces_a_new_token() {
    let (mp, client) = setup(Arc::new(SystemClock)).await;
    let krr = scopes(KRR);
    client.access_token(&krr).await.expect("token");
    client.invalidate(&krr);
    client.access_token(&krr).await.expect("token");
    assert_eq!(mp.token_requests(), 2);
}

#[tokio::test]
async fn refused_grants_are_not_retryable_and_name_the_reason() {
    let (mp, client) = setup(Arc::new(SystemClock)).await;
    let err = client
        .access_token(&scopes("nav:not/ours"))
        .await
        .expect_err("scope not granted to the client");
    assert!(
        matches!(&err, MaskinportenError::Rejected { status: 400, error, .. } if error == "invalid_scope"),
        "{err:?}"
    );
    assert!(!err.is_retryable());

    let mut cfg = mp.client_config("minside-test", &[KRR]);
    cfg.audience = "https://maskinporten.no/".into();
    let wrong_aud = MaskinportenClient::new(&cfg).expect("client");
    let err = wrong_aud
        .access_token(&scopes(KRR))
        .await
        .expect_err("wrong aud");
    assert!(matches!(&err, MaskinportenError::Rejected { error, .. } if error == "invalid_grant"));
    assert_eq!(
        mp.refusals().last().map(String::as_str),
        Some("aud is not this issuer")
    );
}

#[tokio::test]
async fn a_grant_signed_by_another_key_is_refused() {
    let (mp, _) = setup(Arc::new(SystemClock)).await;
    let cfg = mp.client_config("other-client", &[KRR]);
    // Maskinporten knows a different public key for this client.
    mp.register_client(
        "other-client",
        "other-client-key",
        &generate_key().to_public_key(),
        &[KRR],
    );
    let client = MaskinportenClient::new(&cfg).expect("client");
    let err = client
        .access_token(&scopes(KRR))
        .await
        .expect_err("bad signature");
    assert!(matches!(err, MaskinportenError::Rejected { .. }));
    assert_eq!(
        mp.refusals().last().map(String::as_str),
        Some("signature does not verify")
    );
}

#[tokio::test]
async fn an_expired_grant_and_a_replayed_grant_are_refused() {
    let mp = MaskinportenStandIn::start(Arc::new(SystemClock)).await;
    let cfg = mp.client_config("late-client", &[KRR]);
    let slow_clock = ManualClock::starting_now();
    slow_clock.advance(SignedDuration::from_secs(-600));
    let late = MaskinportenClient::new(&cfg)
        .expect("client")
        .with_clock(slow_clock.clone());
    late.access_token(&scopes(KRR))
        .await
        .expect_err("expired grant");
    assert_eq!(
        mp.refusals().last().map(String::as_str),
        Some("the grant has expired")
    );

    slow_clock.advance(SignedDuration::from_secs(600));
    late.access_token(&scopes(KRR)).await.expect("fresh grant");
    let assertion = mp.last_assertion().expect("assertion");
    let replay = reqwest::Client::new()
        .post(mp.token_endpoint())
        .form(&[
            ("grant_type", minside_maskinporten::JWT_BEARER_GRANT_TYPE),
            ("assertion", &assertion),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(replay.status(), 400);
    let body: Value = replay.json().await.expect("json");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(
        mp.refusals().last().map(String::as_str),
        Some("jti has been used before")
    );
}

#[tokio::test]
async fn outages_are_retryable() {
    let (mp, client) = setup(Arc::new(SystemClock)).await;
    mp.fail_with(Some(503));
    let err = client.access_token(&scopes(KRR)).await.expect_err("503");
    assert_eq!(err, MaskinportenError::Unavailable("HTTP 503".into()));
    assert!(err.is_retryable());
    mp.fail_with(None);
    client.access_token(&scopes(KRR)).await.expect("back again");

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut cfg = mp.client_config("minside-test", &[KRR]);
    cfg.token_endpoint = format!("http://127.0.0.1:{port}/token")
        .parse()
        .expect("url");
    let unreachable = MaskinportenClient::new(&cfg).expect("client");
    let err = unreachable
        .access_token(&scopes(KRR))
        .await
        .expect_err("connection refused");
    assert!(matches!(&err, MaskinportenError::Unavailable(_)), "{err:?}");
    assert!(
        !err.to_string().contains("127.0.0.1"),
        "no URL in the text: {err}"
    );
}

#[tokio::test]
async fn secrets_never_show_in_debug_output() {
    let (mp, client) = setup(Arc::new(SystemClock)).await;
    let cfg: MaskinportenConfig = mp.client_config("minside-test", &[KRR]);
    let key = cfg.private_key_pem.expose_secret().to_owned();
    let key_body = key.lines().nth(1).expect("a PEM body line");
    let token = client.access_token(&scopes(KRR)).await.expect("token");
    for text in [
        format!("{cfg:?}"),
        format!("{client:?}"),
        format!("{token:?}"),
    ] {
        assert!(!text.contains(key_body), "key leaked: {text}");
        assert!(!text.contains(token.secret()), "token leaked: {text}");
    }
}

#[test]
fn configuration_is_checked() {
    let base = MaskinportenConfig::new(
        "https://test.maskinporten.no/token".parse().expect("url"),
        "https://test.maskinporten.no/",
        "client",
        "not a key".to_owned().into(),
        "kid",
    );
    assert_eq!(
        MaskinportenClient::new(&base).err(),
        Some(MaskinportenError::Key)
    );
    let mut no_key_ref = base.clone();
    no_key_ref.key_id = None;
    assert!(matches!(
        MaskinportenClient::new(&no_key_ref),
        Err(MaskinportenError::Config(_))
    ));
    let mut too_long = base;
    too_long.assertion_lifetime_secs = 121;
    assert!(matches!(
        MaskinportenClient::new(&too_long),
        Err(MaskinportenError::Config(_))
    ));
}
