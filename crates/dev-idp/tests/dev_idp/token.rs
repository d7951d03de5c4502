//! The token endpoint: PKCE, single use, redirect URI and client authentication.

use openidconnect::PkceCodeChallenge;
use reqwest::header::WWW_AUTHENTICATE;
use serde_json::Value;

use crate::support::{AuthRequest, spawn};

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (status, body["error"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn wrong_code_verifier_is_refused_and_burns_the_code() {
    let idp = spawn().await;
    let request = AuthRequest::new("minside");
    let code = idp
        .code(&request, &idp.people[0], "idporten-loa-substantial")
        .await;
    let (_, other_verifier) = PkceCodeChallenge::new_random_sha256();
    let refused = idp.redeem(&request, &code, other_verifier.secret()).await;
    assert_eq!(error_of(refused).await, (400, "invalid_grant".into()));

    let retried = idp.redeem(&request, &code, &request.verifier).await;
    assert_eq!(error_of(retried).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn replayed_code_is_refused_and_revokes_the_access_token() {
    let idp = spawn().await;
    let request = AuthRequest::new("minside");
    let code = idp
        .code(&request, &idp.people[0], "idporten-loa-substantial")
        .await;
    let first = idp.redeem(&request, &code, &request.verifier).await;
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "no-store");
    let tokens: Value = first.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    let access_token = tokens["access_token"].as_str().unwrap();
    assert_eq!(idp.userinfo(access_token).await.status(), 200);

    let replay = idp.redeem(&request, &code, &request.verifier).await;
    assert_eq!(error_of(replay).await, (400, "invalid_grant".into()));
    let revoked = idp.userinfo(access_token).await;
    assert_eq!(revoked.status(), 401);
    assert!(
        revoked.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn redirect_uri_must_match_the_authorization_request() {
    let idp = spawn().await;
    let request = AuthRequest::new("minside");
    let code = idp
        .code(&request, &idp.people[0], "idporten-loa-substantial")
        .await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", "http://rp.example/minside/other"),
        ("code_verifier", &request.verifier),
    ];
    let http = reqwest::Client::new();
    let response = http
        .post(idp.url("token"))
        .basic_auth("minside", Some("minside-secret"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await, (400, "invalid_grant".into()));
}

#[tokio::test]
async fn clients_must_authenticate_and_may_only_redeem_their_own_codes() {
    let idp = spawn().await;
    let request = AuthRequest::new("minside");
    let code = idp
        .code(&request, &idp.people[0], "idporten-loa-substantial")
        .await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", "http://rp.example/minside/callback"),
        ("code_verifier", &request.verifier),
    ];
    let http = reqwest::Client::new();
    let token = || http.post(idp.url("token")).form(&form);

    let wrong_secret = token()
        .basic_auth("minside", Some("nope"))
        .send()
        .await
        .unwrap();
    assert!(
        wrong_secret.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_eq!(error_of(wrong_secret).await, (401, "invalid_client".into()));
    let anonymous = token().send().await.unwrap();
    assert_eq!(error_of(anonymous).await, (401, "invalid_client".into()));
    let other_client = token()
        .basic_auth("other", Some("other-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(other_client).await, (400, "invalid_grant".into()));

    let owner = token()
        .basic_auth("minside", Some("minside-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        owner.status(),
        200,
        "failed attempts by others do not burn the code"
    );

    let refresh = [("grant_type", "refresh_token"), ("refresh_token", "x")];
    let response = http
        .post(idp.url("token"))
        .basic_auth("minside", Some("minside-secret"))
        .form(&refresh)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response).await,
        (400, "unsupported_grant_type".into())
    );
}

#[tokio::test]
async fn userinfo_requires_a_bearer_token() {
    let idp = spawn().await;
    let response = reqwest::get(idp.url("userinfo")).await.unwrap();
    assert_eq!(response.status(), 401);
    assert!(
        response.headers()[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(idp.userinfo("not-a-token").await.status(), 401);
}
