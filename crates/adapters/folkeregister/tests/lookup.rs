//! Person lookups for the resident view, with tokens, and every way they can fail.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Env, asker, assert_no_pid, date, pid};
use minside_adapter::{
    Adapter, AdapterError, Category, FetchContext, FieldValue, Purpose, Record, Subject,
};
use minside_adapter_folkeregister::testing::FregPerson;
use minside_adapter_folkeregister::{DEEP_LINK, FolkeregisterAdapter, LEGAL_BASIS};
use minside_maskinporten::testing::MaskinportenStandIn;
use minside_maskinporten::{MaskinportenClient, SystemClock};
use serde_json::json;

fn ctx() -> FetchContext {
    FetchContext {
        purpose: Purpose::ResidentView,
        request_id: None,
    }
}

fn subject(p: &minside_adapter::Pid) -> Subject {
    Subject {
        pid: p.clone(),
        kommunenummer: asker(),
    }
}

async fn fetch(
    adapter: &FolkeregisterAdapter,
    p: &minside_adapter::Pid,
) -> Result<Vec<Record>, AdapterError> {
    adapter.fetch(&subject(p), &[], &ctx()).await
}

fn field<'a>(r: &'a Record, key: &str) -> Option<&'a FieldValue> {
    r.fields.iter().find(|f| f.key == key).map(|f| &f.value)
}

#[tokio::test]
async fn a_person_is_shown_with_name_birth_date_and_address() {
    let env = Env::start().await;
    let kari = pid("1985-04-12");
    env.freg.put_person(
        &FregPerson::new(&kari, "KARI", "NORDMANN")
            .mellomnavn("SOL")
            .lives_in("0301", date("2015-01-10"))
            .lives_at(
                "3203",
                "Slependveien",
                "52",
                Some("B"),
                "1341",
                "SLEPENDEN",
                date("2021-06-01"),
            )
            .guardians(&[]),
    );
    let adapter = env.adapter();
    let records = fetch(&adapter, &kari).await.expect("records");
    assert_eq!(env.freg.last_parts(), ["navn", "foedsel", "bostedsadresse"]);
    let [r] = records.as_slice() else {
        panic!("one record, got {records:?}")
    };
    assert_eq!(r.category.as_str(), "person");
    assert_eq!(r.id, "folkeregister-person");
    assert_eq!(
        field(r, "name"),
        Some(&FieldValue::Text("KARI SOL NORDMANN".into()))
    );
    assert_eq!(
        field(r, "birth_date"),
        Some(&FieldValue::Date(date("1985-04-12")))
    );
    assert_eq!(
        field(r, "address"),
        Some(&FieldValue::Text("Slependveien 52B, 1341 SLEPENDEN".into()))
    );
    assert_eq!(
        field(r, "kommune"),
        Some(&FieldValue::Text("3203 Asker".into()))
    );
    assert_eq!(
        field(r, "moved_in"),
        Some(&FieldValue::Date(date("2021-06-01")))
    );
    assert_eq!(r.provenance.source, "folkeregister");
    assert_eq!(r.provenance.legal_basis, LEGAL_BASIS);
    assert_eq!(r.deep_link.as_deref(), Some(DEEP_LINK));
    assert_eq!(adapter.categories()[0].id.as_str(), "person");

    let other = Category::parse("invoices").expect("category");
    assert!(
        adapter
            .fetch(&subject(&kari), &[other], &ctx())
            .await
            .expect("ok")
            .is_empty()
    );
}

#[tokio::test]
async fn a_protected_address_is_not_shown() {
    let env = Env::start().await;
    let p = pid("1990-02-03");
    env.freg.put_person(
        &FregPerson::new(&p, "OLA", "SKJULT")
            .lives_in("3203", date("2020-01-01"))
            .protected_address(),
    );
    let records = fetch(&env.adapter(), &p).await.expect("records");
    let r = &records[0];
    assert!(
        matches!(field(r, "address"), Some(FieldValue::Status { code, .. }) if code == "adressebeskyttelse")
    );
    assert!(field(r, "kommune").is_none());
    let text = serde_json::to_string(&records).expect("json");
    assert!(!text.contains("Testveien"), "street leaked: {text}");
}

#[tokio::test]
async fn tokens_are_cached_across_many_lookups() {
    let env = Env::start().await;
    let p = pid("1970-01-01");
    env.freg
        .put_person(&FregPerson::new(&p, "PER", "HANSEN").lives_in("3203", date("2000-01-01")));
    let adapter = env.adapter();
    for _ in 0..20 {
        fetch(&adapter, &p).await.expect("records");
    }
    assert_eq!(env.freg.requests(), 20);
    assert_eq!(env.maskinporten.token_requests(), 1);
}

#[tokio::test]
async fn an_unknown_person_is_not_found() {
    let env = Env::start().await;
    let p = pid("2001-09-09");
    let err = fetch(&env.adapter(), &p).await.expect_err("unknown person");
    assert_eq!(err, AdapterError::NotFound);
}

#[tokio::test]
async fn a_token_from_another_issuer_is_unauthorized() {
    let env = Env::start().await;
    let p = pid("1980-05-05");
    env.freg
        .put_person(&FregPerson::new(&p, "A", "B").lives_in("3203", date("2000-01-01")));
    let stranger = MaskinportenStandIn::start(Arc::new(SystemClock)).await;
    let cfg = stranger.client_config(
        "minside-freg",
        &[minside_adapter_folkeregister::DEFAULT_SCOPE],
    );
    let tokens = Arc::new(MaskinportenClient::new(&cfg).expect("client"));
    let adapter = FolkeregisterAdapter::new(&env.config(), tokens).expect("adapter");
    let err = fetch(&adapter, &p).await.expect_err("401");
    assert!(matches!(err, AdapterError::Unauthorized(_)), "{err:?}");
    assert!(!err.trips_breaker());
    assert_no_pid(&err, &p);
    // A 401 drops the cached token, so the next call asks Maskinporten again.
    fetch(&adapter, &p).await.expect_err("401 again");
    assert_eq!(stranger.token_requests(), 2);
}

#[tokio::test]
async fn a_token_without_the_scope_is_unauthorized() {
    let env = Env::start().await;
    let p = pid("1980-05-06");
    env.freg
        .put_person(&FregPerson::new(&p, "A", "B").lives_in("3203", date("2000-01-01")));
    let mut cfg = env.config();
    cfg.scope = "other:scope".into();
    let err = fetch(&env.adapter_with(cfg), &p).await.expect_err("403");
    assert!(
        matches!(&err, AdapterError::Unauthorized(m) if m.contains("403")),
        "{err:?}"
    );
    assert_no_pid(&err, &p);
}

#[tokio::test]
async fn server_errors_timeouts_and_refused_connections_are_retryable() {
    let env = Env::start().await;
    let p = pid("1975-07-07");
    env.freg
        .put_person(&FregPerson::new(&p, "A", "B").lives_in("3203", date("2000-01-01")));
    let adapter = env.adapter();

    env.freg.fail_with(Some(503));
    let err = fetch(&adapter, &p).await.expect_err("503");
    assert_eq!(
        err,
        AdapterError::Unavailable("HTTP 503 (FREG-001) from Folkeregisteret".into())
    );
    assert!(err.is_retryable());
    assert_no_pid(&err, &p);
    env.freg.fail_with(None);

    env.freg.set_delay(Duration::from_millis(2500));
    let mut cfg = env.config();
    cfg.timeout_secs = 1;
    let err = fetch(&env.adapter_with(cfg), &p)
        .await
        .expect_err("timeout");
    assert_eq!(err, AdapterError::Timeout);
    env.freg.set_delay(Duration::ZERO);

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut cfg = env.config();
    cfg.base_url = format!("http://127.0.0.1:{port}/").parse().expect("url");
    let err = fetch(&env.adapter_with(cfg), &p)
        .await
        .expect_err("refused");
    assert!(matches!(err, AdapterError::Unavailable(_)), "{err:?}");
    assert_no_pid(&err, &p);
}

#[tokio::test]
async fn an_unreadable_document_is_bad_data_without_the_pid() {
    let env = Env::start().await;
    let p = pid("1966-06-06");
    env.freg.put_document(
        p.expose(),
        json!({ "identifikasjonsnummer": [{ "foedselsEllerDNummer": p.expose(), "erGjeldende": true }],
                "navn": [{ "erGjeldende": true, "fornavn": p.expose(), "etternavn": 42 }] }),
    );
    let err = fetch(&env.adapter(), &p).await.expect_err("bad data");
    assert!(matches!(err, AdapterError::BadData(_)), "{err:?}");
    assert_no_pid(&err, &p);

    // A document about someone else is refused too, without naming either number.
    let other = pid("1950-01-01");
    for id in ["12345678901", other.expose()] {
        env.freg.put_document(
            p.expose(),
            json!({ "identifikasjonsnummer": [{ "foedselsEllerDNummer": id, "erGjeldende": true }],
                    "navn": [{ "erGjeldende": true, "fornavn": "A", "etternavn": "B" }] }),
        );
        let err = fetch(&env.adapter(), &p)
            .await
            .expect_err("not this person");
        assert!(matches!(err, AdapterError::BadData(_)), "{err:?}");
        assert!(!err.to_string().contains(id));
        assert_no_pid(&err, &p);
    }
}
