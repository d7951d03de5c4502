//! Authorization request validation and the login form.

use reqwest::header::{CONTENT_TYPE, LOCATION};

use crate::support::{AuthRequest, RP_BASE, location_params, request_id, spawn};

#[tokio::test]
async fn unregistered_redirect_uri_or_client_gets_an_error_page_and_no_redirect() {
    let idp = spawn().await;
    let cases = [
        AuthRequest::new("minside").with("redirect_uri", Some("http://evil.example/callback")),
        AuthRequest::new("minside").with(
            "redirect_uri",
            Some(&format!("{RP_BASE}/minside/callback/")),
        ),
        AuthRequest::new("minside")
            .with("redirect_uri", Some(&format!("{RP_BASE}/other/callback"))),
        AuthRequest::new("minside").with("redirect_uri", None),
        AuthRequest::new("minside").with("client_id", Some("unknown")),
        AuthRequest::new("minside").with("client_id", None),
    ];
    for request in cases {
        let response = idp.authorize(&request).await;
        assert_eq!(response.status(), 400, "{:?}", request.params);
        assert!(response.headers().get(LOCATION).is_none());
        let content_type = response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/html"));
        assert!(response.text().await.unwrap().contains("<h1>"));
    }
}

#[tokio::test]
async fn invalid_requests_go_back_to_the_client_with_state_and_iss() {
    let idp = spawn().await;
    let cases = [
        (
            AuthRequest::new("minside").with("code_challenge", None),
            "invalid_request",
        ),
        (
            AuthRequest::new("minside").with("code_challenge_method", Some("plain")),
            "invalid_request",
        ),
        (
            AuthRequest::new("minside").with("code_challenge_method", None),
            "invalid_request",
        ),
        (
            AuthRequest::new("minside").with("nonce", None),
            "invalid_request",
        ),
        (
            AuthRequest::new("minside").with("scope", Some("profile")),
            "invalid_scope",
        ),
        (
            AuthRequest::new("minside").with("response_type", Some("token")),
            "unsupported_response_type",
        ),
        (
            AuthRequest::new("minside").with("acr_values", Some("Level4")),
            "invalid_request",
        ),
        (
            AuthRequest::new("minside").with("prompt", Some("none")),
            "login_required",
        ),
    ];
    for (request, error) in cases {
        let response = idp.authorize(&request).await;
        assert_eq!(response.status(), 303, "{:?}", request.params);
        let (url, params) = location_params(&response);
        assert_eq!(url.path(), "/minside/callback");
        assert_eq!(params["error"], error, "{:?}", request.params);
        assert_eq!(params["state"], "state-minside");
        assert_eq!(params["iss"], idp.issuer);
        assert!(!params.contains_key("code"));
    }

    let without_state = AuthRequest::new("minside").with("state", None);
    let (_, params) = location_params(&idp.authorize(&without_state).await);
    assert_eq!(params["error"], "invalid_request");
    assert!(!params.contains_key("state"));
}

#[tokio::test]
async fn high_requested_cannot_be_satisfied_with_substantial() {
    let idp = spawn().await;
    let request = AuthRequest::new("minside").with("acr_values", Some("idporten-loa-high"));
    let html = idp.authorize(&request).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"nb\">"), "bokmål by default");
    assert!(!html.contains("idporten-loa-substantial"));
    let id = request_id(&html);

    let refused = idp
        .submit_login(&id, &idp.people[0], "idporten-loa-substantial")
        .await;
    assert_eq!(refused.status(), 400);
    assert!(refused.headers().get(LOCATION).is_none());

    let accepted = idp
        .submit_login(&id, &idp.people[0], "idporten-loa-high")
        .await;
    assert_eq!(accepted.status(), 303);
    let (_, params) = location_params(&accepted);
    assert!(params.contains_key("code"));

    let again = idp
        .submit_login(&id, &idp.people[0], "idporten-loa-high")
        .await;
    assert_eq!(again.status(), 400, "the pending login is used up");
}

#[tokio::test]
async fn substantial_request_offers_both_levels_and_unknown_people_are_refused() {
    let idp = spawn().await;
    let request = AuthRequest::new("minside").with("ui_locales", Some("nn"));
    let html = idp.authorize(&request).await.text().await.unwrap();
    assert!(html.contains("<html lang=\"nn\">"));
    assert!(html.contains("value=\"idporten-loa-substantial\""));
    assert!(html.contains("value=\"idporten-loa-high\""));
    let form = [
        ("request_id", request_id(&html)),
        ("pid", "01010012345".into()),
        ("acr", "idporten-loa-high".into()),
    ];
    let response = idp
        .browser
        .post(idp.url("authorize/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(!response.text().await.unwrap().contains("01010012345"));
}

#[tokio::test]
async fn cancelling_returns_access_denied() {
    let idp = spawn().await;
    let request = AuthRequest::new("minside");
    let html = idp.authorize(&request).await.text().await.unwrap();
    let form = [
        ("request_id", request_id(&html)),
        ("cancel", "1".to_owned()),
    ];
    let response = idp
        .browser
        .post(idp.url("authorize/login"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let (_, params) = location_params(&response);
    assert_eq!(params["error"], "access_denied");
    assert_eq!(params["state"], "state-minside");
    assert_eq!(params["iss"], idp.issuer);
}
