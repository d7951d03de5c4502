//! RP-initiated logout with front-channel logout to every client in the provider session.

use crate::support::{AuthRequest, RP_BASE, spawn};

fn sid_of(id_token: &str) -> String {
    use base64::Engine;
    let payload = id_token.split('.').nth(1).unwrap();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    claims["sid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn logout_loads_frontchannel_iframes_and_continues_with_state() {
    let idp = spawn().await;
    let pid = idp.people[0].clone();
    // The same person logs in at two clients in one browser: one provider session.
    let minside = idp.tokens(&AuthRequest::new("minside"), &pid).await;
    let other = idp.tokens(&AuthRequest::new("other"), &pid).await;
    let id_token = minside["id_token"].as_str().unwrap();
    let sid = sid_of(id_token);
    assert_eq!(sid_of(other["id_token"].as_str().unwrap()), sid);

    let post_logout = format!("{RP_BASE}/minside/logged-out");
    let params = [
        ("id_token_hint", id_token),
        ("post_logout_redirect_uri", &post_logout),
        ("state", "bye 1"),
    ];
    let response = idp
        .browser
        .get(idp.url("logout"))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        set_cookie.contains("Max-Age=0"),
        "the browser session cookie is cleared"
    );
    let html = response.text().await.unwrap();

    let iss = url::form_urlencoded::byte_serialize(idp.issuer.as_bytes()).collect::<String>();
    for client in ["minside", "other"] {
        let frame = format!(
            "<iframe src=\"{RP_BASE}/{client}/frontchannel?tenant=3203&amp;iss={iss}&amp;sid={sid}\""
        );
        assert!(html.contains(&frame), "{frame} in {html}");
    }
    let target = format!("{post_logout}?state=bye+1");
    assert!(html.contains(&format!(
        "<meta http-equiv=\"refresh\" content=\"1;url={target}\">"
    )));
    assert!(html.contains(&format!("<a href=\"{target}\">")));

    // The session's access tokens are revoked, also at the other client.
    for tokens in [&minside, &other] {
        let access_token = tokens["access_token"].as_str().unwrap();
        assert_eq!(idp.userinfo(access_token).await.status(), 401);
    }

    // The hint may be replayed after the session ended (it may even have expired).
    let again = idp
        .browser
        .get(idp.url("logout"))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn unregistered_post_logout_redirect_uri_only_shows_the_logged_out_page() {
    let idp = spawn().await;
    let tokens = idp
        .tokens(&AuthRequest::new("minside"), &idp.people[1])
        .await;
    let id_token = tokens["id_token"].as_str().unwrap();
    // Registered for another client than the one the hint names.
    let params = [
        ("id_token_hint", id_token),
        (
            "post_logout_redirect_uri",
            "http://rp.example/other/logged-out",
        ),
        ("state", "s"),
        ("ui_locales", "en"),
    ];
    let html = idp
        .browser
        .get(idp.url("logout"))
        .query(&params)
        .send()
        .await
        .unwrap();
    let html = html.text().await.unwrap();
    assert!(html.contains("You are logged out"));
    assert!(!html.contains("http-equiv=\"refresh\""));
    assert!(!html.contains("other/logged-out"));
}

#[tokio::test]
async fn forged_id_token_hint_is_refused() {
    let idp = spawn().await;
    let tokens = idp
        .tokens(&AuthRequest::new("minside"), &idp.people[0])
        .await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let mut parts: Vec<String> = id_token.split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let forged = parts.join(".");
    let params = [("id_token_hint", forged.as_str())];
    let response = idp
        .browser
        .get(idp.url("logout"))
        .query(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    // The session is still there.
    let access_token = tokens["access_token"].as_str().unwrap();
    assert_eq!(idp.userinfo(access_token).await.status(), 200);
}
