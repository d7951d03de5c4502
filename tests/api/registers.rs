//! Folkeregisteret and KRR configured as sources, reached with Maskinporten tokens: the
//! stand-ins speak the registers' real JSON shapes over HTTP.

use std::sync::Arc;

use jiff::civil::date;
use minside_adapter_folkeregister::testing::{FolkeregisterStandIn, FregPerson};
use minside_adapter_krr::testing::{KrrEntry, KrrStandIn};
use minside_maskinporten::testing::MaskinportenStandIn;
use minside_test_support::TestApp;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::helpers::{demo_pid, login_as};

#[tokio::test]
async fn the_overview_includes_folkeregisteret_and_krr_through_maskinporten() {
    let clock: Arc<dyn minside_maskinporten::Clock> = Arc::new(minside_maskinporten::SystemClock);
    let maskinporten = MaskinportenStandIn::start(clock).await;
    let mp = maskinporten.client_config(
        "minside-asker",
        &[
            "folkeregister:deling/offentligmedhjemmel",
            "krr:global/kontaktinformasjon.read",
        ],
    );
    let freg = FolkeregisterStandIn::start(maskinporten.verifier()).await;
    let krr = KrrStandIn::start(maskinporten.verifier()).await;
    let pid = demo_pid(0);
    freg.put_person(&FregPerson::new(&pid, "Kari", "Nordmann").lives_at(
        "3203",
        "Blakstadveien",
        "14",
        None,
        "1392",
        "VETTRE",
        date(2019, 6, 1),
    ));
    let now = jiff::Timestamp::now();
    krr.put(&KrrEntry::active(&pid).email("kari@example.no", now, Some(now)));

    let app = TestApp::builder()
        .set(
            "registers.maskinporten",
            json!({
                "token_endpoint": mp.token_endpoint.as_str(),
                "audience": mp.audience,
                "client_id": mp.client_id,
                "private_key_pem": mp.private_key_pem.expose_secret(),
                "key_id": mp.key_id,
            }),
        )
        .set(
            "registers.folkeregister",
            json!({
            "base_url": freg.base_url().as_str(), "allow_synthetic_pids": true }),
        )
        .set(
            "registers.krr",
            json!({ "base_url": krr.base_url().as_str(), "allow_synthetic_pids": true }),
        )
        .spawn()
        .await;
    login_as(&app, 0).await;
    let view: Value = app.get_json("/api/v1/me/overview").await;
    let by_id = |id: &str| {
        view["sources"]
            .as_array()
            .expect("sources")
            .iter()
            .find(|s| s["source"] == id)
            .cloned()
    };
    let person = by_id("folkeregister").expect("folkeregister source");
    assert_eq!(person["status"]["state"], "fresh", "{person}");
    assert!(person.to_string().contains("Blakstadveien"), "{person}");
    let contact = by_id("krr").expect("krr source");
    assert_eq!(contact["status"]["state"], "fresh", "{contact}");
    assert!(contact.to_string().contains("kari@example.no"), "{contact}");
    assert!(
        !view.to_string().contains(pid.expose()),
        "no pid in the overview"
    );
    assert_eq!(
        view["sources"].as_array().map(Vec::len),
        Some(7),
        "5 demo systems + 2 registers"
    );
}
