//! The discovery document and the key set, also through the router without a socket.

use axum::body::Body;
use axum::http::Request;
use minside_dev_idp::{DevIdp, DevIdpConfig, DevIdpError, DevPerson};
use serde_json::{Value, json};
use tower::ServiceExt;
use url::Url;

use crate::support::{client, employee_client, spawn, synthetic_people};

#[tokio::test]
async fn discovery_document_has_the_id_porten_shape() {
    let idp = spawn().await;
    let url = idp.url(".well-known/openid-configuration");
    let doc: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    assert_eq!(doc["issuer"], idp.issuer);
    for (field, path) in [
        ("authorization_endpoint", "authorize"),
        ("token_endpoint", "token"),
        ("jwks_uri", "jwks.json"),
        ("userinfo_endpoint", "userinfo"),
        ("end_session_endpoint", "logout"),
    ] {
        assert_eq!(doc[field], idp.url(path), "{field}");
    }
    assert_eq!(doc["response_types_supported"], json!(["code"]));
    assert_eq!(doc["grant_types_supported"], json!(["authorization_code"]));
    assert_eq!(doc["subject_types_supported"], json!(["pairwise"]));
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(
        doc["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    assert_eq!(doc["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(
        doc["acr_values_supported"],
        json!(["idporten-loa-substantial", "idporten-loa-high"])
    );
    assert_eq!(doc["ui_locales_supported"], json!(["nb", "nn", "en", "se"]));
    assert_eq!(doc["authorization_response_iss_parameter_supported"], true);
    assert_eq!(doc["frontchannel_logout_supported"], true);
    assert_eq!(doc["frontchannel_logout_session_supported"], true);
    let claims = doc["claims_supported"].as_array().unwrap();
    for claim in ["pid", "acr", "amr", "sid", "locale", "sub", "nonce"] {
        assert!(claims.contains(&json!(claim)), "{claim}");
    }

    let jwks: Value = reqwest::get(idp.url("jwks.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kty"], "RSA");
    assert_eq!(keys[0]["use"], "sig");
    assert!(keys[0]["kid"].as_str().is_some_and(|kid| kid.len() == 43));
    assert!(keys[0].get("d").is_none(), "no private parts");
}

#[tokio::test]
async fn router_answers_without_a_socket() {
    let people = synthetic_people();
    let idp = DevIdp::new(DevIdpConfig {
        issuer: Url::parse("https://minside.example/dev-idp").unwrap(),
        clients: vec![client("minside")],
        people: vec![DevPerson {
            pid: people[0].clone(),
            name: "Kari".into(),
        }],
        employees: Vec::new(),
    })
    .unwrap();
    let request = Request::get("/.well-known/openid-configuration")
        .body(Body::empty())
        .unwrap();
    let response = idp.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc["issuer"], "https://minside.example/dev-idp");
    assert_eq!(
        doc["token_endpoint"],
        "https://minside.example/dev-idp/token"
    );
}

#[test]
fn configuration_errors_are_reported() {
    let people = synthetic_people();
    let person = DevPerson {
        pid: people[0].clone(),
        name: "Kari".into(),
    };
    let config = |issuer: &str, clients, people| DevIdpConfig {
        issuer: Url::parse(issuer).unwrap(),
        clients,
        people,
        employees: Vec::new(),
    };
    let twice = vec![client("minside"), client("minside")];
    let cases = [
        config("http://localhost/dev-idp", twice, vec![person.clone()]),
        config("http://localhost/dev-idp", vec![client("minside")], vec![]),
        config(
            "http://localhost/dev-idp",
            vec![employee_client("admin")],
            vec![person.clone()],
        ),
        config(
            "http://localhost/dev-idp?x=1",
            vec![client("minside")],
            vec![person],
        ),
    ];
    for cfg in cases {
        let err = DevIdp::new(cfg).unwrap_err();
        assert!(matches!(err, DevIdpError::Config(_)), "{err}");
    }
}
