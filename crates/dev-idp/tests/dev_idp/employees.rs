//! Employee clients: the login page lists the demo staff, and the ID token follows the employee
//! directory profile (`oid`, `tid`, `roles`, `name`, `preferred_username`; no `pid`, no `acr`).

use minside_dev_idp::{DevEmployee, DevIdp, DevIdpConfig, DevIdpError, demo_directory_id};
use serde_json::Value;
use url::Url;

use crate::support::{
    AuthRequest, RP_BASE, TestIdp, employee_client, location_params, request_id, spawn,
};

fn claims_of(id_token: &str) -> Value {
    use base64::Engine;
    let payload = id_token.split('.').nth(1).unwrap();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&payload).unwrap()
}

fn staff(name: &str) -> DevEmployee {
    DevEmployee::demo_staff()
        .into_iter()
        .find(|e| e.name == name)
        .unwrap()
}

/// Logs `employee` in at the employee client `admin` and returns the token response.
async fn employee_tokens(idp: &TestIdp, employee: &DevEmployee) -> Value {
    let request = AuthRequest::new("admin").with("acr_values", Some("whatever-entra-uses"));
    let page = idp.authorize(&request).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let posted = idp
        .browser
        .post(idp.url("authorize/login"))
        .form(&[
            ("request_id", request_id(&html).as_str()),
            ("employee", employee.oid.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 303);
    let (url, params) = location_params(&posted);
    assert_eq!(
        url.as_str().split('?').next(),
        Some(request.redirect_uri().as_str())
    );
    let response = idp
        .redeem(&request, &params["code"], &request.verifier)
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_employee_login_page_lists_the_staff_with_their_roles() {
    let idp = spawn().await;
    let page = idp.authorize(&AuthRequest::new("admin")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Logg inn som ansatt"), "{html}");
    assert!(
        html.contains(
            "Siri Saksbehandler, Asker kommune (MinSide.NoticeEditor, MinSide.PlanManager)"
        )
    );
    assert!(html.contains("Berit Bærum, Bærum kommune (MinSide.Admin)"));
    assert!(html.contains("Ulf Utenrolle, Asker kommune (ingen roller)"));
    assert!(
        !html.contains("Kari Nordmann"),
        "no residents at an employee client"
    );
    assert!(
        !html.contains("name=\"acr\""),
        "no level of assurance for employees"
    );

    let residents = idp
        .authorize(&AuthRequest::new("minside"))
        .await
        .text()
        .await
        .unwrap();
    assert!(residents.contains("Kari Nordmann"));
    assert!(
        !residents.contains("Siri Saksbehandler"),
        "no employees at a resident client"
    );
}

#[tokio::test]
async fn an_employee_id_token_carries_the_directory_claims() {
    let idp = spawn().await;
    let siri = staff("Siri Saksbehandler");
    let tokens = employee_tokens(&idp, &siri).await;
    let claims = claims_of(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["iss"], idp.issuer);
    assert_eq!(claims["aud"], serde_json::json!(["admin"]));
    assert_eq!(claims["oid"], siri.oid);
    assert_eq!(claims["tid"], demo_directory_id("3203"));
    assert_eq!(
        claims["roles"],
        serde_json::json!(["MinSide.NoticeEditor", "MinSide.PlanManager"])
    );
    assert_eq!(claims["name"], "Siri Saksbehandler");
    assert_eq!(
        claims["preferred_username"],
        "siri.saksbehandler@asker.kommune.example"
    );
    assert_eq!(claims["nonce"], "nonce-admin");
    assert!(
        claims["sub"].as_str().is_some_and(|s| s != siri.oid),
        "sub is pairwise"
    );
    assert!(
        claims.get("pid").is_none() && claims.get("acr").is_none(),
        "{claims}"
    );
    assert!(claims["sid"].as_str().is_some());

    let info: Value = idp
        .userinfo(tokens["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(info["oid"], siri.oid);
    assert_eq!(info["sub"], claims["sub"]);
    assert_eq!(info["roles"], claims["roles"]);

    // Logout accepts an employee's ID token as the hint and continues to the client.
    let post_logout = format!("{RP_BASE}/admin/logged-out");
    let params = [
        ("id_token_hint", tokens["id_token"].as_str().unwrap()),
        ("post_logout_redirect_uri", post_logout.as_str()),
    ];
    let logout = idp
        .browser
        .get(idp.url("logout"))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 200);
    assert!(logout.text().await.unwrap().contains(&post_logout));
}

#[tokio::test]
async fn an_employee_client_refuses_a_resident_and_unknown_employees() {
    let idp = spawn().await;
    let html = idp
        .authorize(&AuthRequest::new("admin"))
        .await
        .text()
        .await
        .unwrap();
    let id = request_id(&html);
    let pid = idp.people[0].clone();
    let as_resident = idp
        .submit_login(&id, &pid, "idporten-loa-substantial")
        .await;
    assert_eq!(
        as_resident.status(),
        400,
        "a resident cannot log in at an employee client"
    );
    let stranger = idp
        .browser
        .post(idp.url("authorize/login"))
        .form(&[("request_id", id.as_str()), ("employee", "no-such-oid")])
        .send()
        .await
        .unwrap();
    assert_eq!(stranger.status(), 400);
    assert!(
        stranger
            .text()
            .await
            .unwrap()
            .contains("Choose one of the listed employees.")
    );
}

#[test]
fn employee_oids_must_be_unique() {
    let mut twice = DevEmployee::demo_staff();
    twice.push(twice[0].clone());
    let err = DevIdp::new(DevIdpConfig {
        issuer: Url::parse("http://localhost/dev-idp").unwrap(),
        clients: vec![employee_client("admin")],
        people: Vec::new(),
        employees: twice,
    })
    .unwrap_err();
    assert!(matches!(err, DevIdpError::Config(_)), "{err}");
}
