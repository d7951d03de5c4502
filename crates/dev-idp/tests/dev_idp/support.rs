//! Serves a provider on 127.0.0.1:0 and drives it like a browser and a relying party.

use std::collections::HashMap;

use axum::Router;
use minside_core::{Pid, PidPolicy};
use minside_dev_idp::{DevAudience, DevClient, DevEmployee, DevIdp, DevIdpConfig, DevPerson};
use openidconnect::PkceCodeChallenge;
use reqwest::header::LOCATION;
use url::Url;

pub(crate) const RP_BASE: &str = "http://rp.example";

pub(crate) struct TestIdp {
    pub(crate) issuer: String,
    /// A browser: keeps cookies, does not follow redirects.
    pub(crate) browser: reqwest::Client,
    pub(crate) people: Vec<Pid>,
}

/// A registered client `id` with secret `{id}-secret` and URIs under `http://rp.example/{id}/`.
pub(crate) fn client(id: &str) -> DevClient {
    let url = |path: &str| Url::parse(&format!("{RP_BASE}/{id}/{path}")).unwrap();
    DevClient {
        client_id: id.to_owned(),
        client_secret: format!("{id}-secret"),
        redirect_uris: vec![url("callback")],
        post_logout_redirect_uris: vec![url("logged-out")],
        frontchannel_logout_uri: Some(url("frontchannel?tenant=3203")),
        audience: DevAudience::Residents,
    }
}

/// Like [`client`], registered for employees.
pub(crate) fn employee_client(id: &str) -> DevClient {
    DevClient {
        audience: DevAudience::Employees,
        ..client(id)
    }
}

pub(crate) fn synthetic_people() -> Vec<Pid> {
    let birth = jiff::civil::date(1990, 1, 1);
    let people: Vec<Pid> = (100..200)
        .filter_map(|n| Pid::synthetic(birth, n))
        .take(2)
        .collect();
    assert_eq!(people.len(), 2);
    let policy = PidPolicy {
        allow_synthetic: true,
    };
    assert!(
        people
            .iter()
            .all(|p| Pid::parse(p.expose(), policy).is_ok())
    );
    people
}

pub(crate) async fn spawn() -> TestIdp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}/dev-idp", listener.local_addr().unwrap());
    let people = synthetic_people();
    let idp = DevIdp::new(DevIdpConfig {
        issuer: Url::parse(&issuer).unwrap(),
        clients: vec![client("minside"), client("other"), employee_client("admin")],
        people: vec![
            DevPerson {
                pid: people[0].clone(),
                name: "Kari Nordmann".into(),
            },
            DevPerson {
                pid: people[1].clone(),
                name: "Ola <Normann>".into(),
            },
        ],
        employees: DevEmployee::demo_staff(),
    })
    .unwrap();
    assert_eq!(idp.issuer(), issuer);
    let app = Router::new().nest("/dev-idp", idp.router());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap();
    TestIdp {
        issuer,
        browser,
        people,
    }
}

/// An authorization request as a relying party builds it.
pub(crate) struct AuthRequest {
    pub(crate) params: Vec<(&'static str, String)>,
    pub(crate) verifier: String,
}

impl AuthRequest {
    pub(crate) fn new(client_id: &str) -> Self {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let params = vec![
            ("client_id", client_id.to_owned()),
            ("redirect_uri", format!("{RP_BASE}/{client_id}/callback")),
            ("response_type", "code".to_owned()),
            ("scope", "openid profile".to_owned()),
            ("state", format!("state-{client_id}")),
            ("nonce", format!("nonce-{client_id}")),
            ("code_challenge", challenge.as_str().to_owned()),
            ("code_challenge_method", "S256".to_owned()),
        ];
        Self {
            params,
            verifier: verifier.secret().clone(),
        }
    }

    /// Replaces (or with `None` removes) a parameter.
    pub(crate) fn with(mut self, name: &'static str, value: Option<&str>) -> Self {
        self.params.retain(|(n, _)| *n != name);
        if let Some(value) = value {
            self.params.push((name, value.to_owned()));
        }
        self
    }

    pub(crate) fn client_id(&self) -> &str {
        &self
            .params
            .iter()
            .find(|(n, _)| *n == "client_id")
            .unwrap()
            .1
    }

    pub(crate) fn redirect_uri(&self) -> String {
        format!("{RP_BASE}/{}/callback", self.client_id())
    }
}

/// The query parameters of a redirect's `Location`.
pub(crate) fn location_params(response: &reqwest::Response) -> (Url, HashMap<String, String>) {
    let location = response.headers().get(LOCATION).expect("a Location header");
    let url = Url::parse(location.to_str().unwrap()).unwrap();
    let params = url.query_pairs().into_owned().collect();
    (url, params)
}

/// The value of the login form's hidden `request_id`.
pub(crate) fn request_id(html: &str) -> String {
    let marker = "name=\"request_id\" value=\"";
    let start = html.find(marker).expect("a request_id field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

impl TestIdp {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.issuer)
    }

    pub(crate) async fn authorize(&self, request: &AuthRequest) -> reqwest::Response {
        self.browser
            .get(self.url("authorize"))
            .query(&request.params)
            .send()
            .await
            .unwrap()
    }

    pub(crate) async fn submit_login(
        &self,
        request_id: &str,
        pid: &Pid,
        acr: &str,
    ) -> reqwest::Response {
        let form = [
            ("request_id", request_id),
            ("pid", pid.expose()),
            ("acr", acr),
        ];
        self.browser
            .post(self.url("authorize/login"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Runs the browser part of the flow and returns the authorization code.
    pub(crate) async fn code(&self, request: &AuthRequest, pid: &Pid, acr: &str) -> String {
        let page = self.authorize(request).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let response = self.submit_login(&request_id(&html), pid, acr).await;
        assert_eq!(response.status(), 303);
        let (_, params) = location_params(&response);
        params["code"].clone()
    }

    /// Redeems a code with `client_secret_post`.
    pub(crate) async fn redeem(
        &self,
        request: &AuthRequest,
        code: &str,
        verifier: &str,
    ) -> reqwest::Response {
        let client_id = request.client_id();
        let form = [
            ("grant_type", "authorization_code".to_owned()),
            ("code", code.to_owned()),
            ("redirect_uri", request.redirect_uri()),
            ("code_verifier", verifier.to_owned()),
            ("client_id", client_id.to_owned()),
            ("client_secret", format!("{client_id}-secret")),
        ];
        reqwest::Client::new()
            .post(self.url("token"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// Logs in and returns the token response.
    pub(crate) async fn tokens(&self, request: &AuthRequest, pid: &Pid) -> serde_json::Value {
        let code = self.code(request, pid, "idporten-loa-substantial").await;
        let response = self.redeem(request, &code, &request.verifier).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    pub(crate) async fn userinfo(&self, access_token: &str) -> reqwest::Response {
        let http = reqwest::Client::new();
        http.get(self.url("userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }
}
