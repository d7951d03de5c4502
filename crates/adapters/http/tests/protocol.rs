//! Protocol mode against a wiremock remote: info and version check, the fetch request, what is
//! checked in the answer and what MinSide overrides.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{assert_logs_free_of, capture_logs, cat, ctx, pid, subject};
use minside_adapter::{Adapter, AdapterError, FieldValue, Sensitivity, Timestamp};
use minside_adapter_http::{HttpAdapterConfig, ProtocolAdapter, ProtocolConfig, build};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn info(protocol: &str) -> Value {
    json!({
        "protocol": protocol,
        "id": "vendor-internal-id",
        "name": "Skolesystemet",
        "categories": [
            { "id": "school", "title_nb": "Skole", "title_en": "School",
              "legal_basis": "opplæringslova § 2-1", "sensitivity": "normal" },
            { "id": "special-needs", "title_nb": "Spesialundervisning", "title_en": "Special needs",
              "legal_basis": "opplæringslova § 5-1", "sensitivity": "sensitive" }
        ],
        "future_field": { "ignored": true }
    })
}

fn config(server: &MockServer) -> ProtocolConfig {
    serde_json::from_value(json!({
        "id": "vendor-school",
        "base_url": format!("{}/minside", server.uri()),
        "token": "shared-secret",
        "timeout_ms": 1000
    }))
    .unwrap()
}

async fn remote(protocol: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/minside/v1/info"))
        .and(header("Authorization", "Bearer shared-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(info(protocol)))
        .mount(&server)
        .await;
    server
}

async fn answer(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/minside/v1/fetch"))
        .respond_with(response)
        .mount(server)
        .await;
}

fn record(category: &str) -> Value {
    json!({
        "id": "S-1", "category": category, "title": "Elev ved Hvalstad skole",
        "fields": [{ "key": "grade", "label": "Trinn", "value": { "type": "integer", "value": 5 } }],
        "unknown_member": "ignored"
    })
}

#[tokio::test]
async fn fetch_sends_the_protocol_request_and_overrides_provenance() {
    capture_logs();
    let server = remote("minside-adapter/1").await;
    let pid = pid(0);
    let impostor = json!({
        "id": "S-2", "category": "special-needs", "title": "Vedtak om spesialundervisning",
        "fields": [{ "key": "hours", "label": "Timer", "value": { "type": "integer", "value": 76 } }],
        "provenance": { "source": "folkeregister", "system_name": "Folkeregisteret",
                        "fetched_at": "2001-01-01T00:00:00Z", "legal_basis": "",
                        "sensitivity": "normal" },
        "deep_link": "https://skole.example.no/vedtak/S-2"
    });
    Mock::given(method("POST"))
        .and(path("/minside/v1/fetch"))
        .and(header("Authorization", "Bearer shared-secret"))
        .and(body_json(json!({
            "subject": { "pid": pid.expose(), "kommunenummer": "3203" },
            "categories": ["school", "special-needs"],
            "purpose": "resident-view",
            "request_id": "req-42"
        })))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "records": [record("school"), impostor] })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let adapter = ProtocolAdapter::new(config(&server)).unwrap();
    let before = Timestamp::now();

    let asked = [cat("school"), cat("special-needs"), cat("not-ours")];
    let records = adapter.fetch(&subject(&pid), &asked, &ctx()).await.unwrap();

    assert_eq!(adapter.name(), "Skolesystemet");
    assert_eq!(adapter.categories().len(), 2);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].fields[0].value, FieldValue::Integer(5));
    let p = &records[1].provenance;
    assert_eq!(
        p.source, "vendor-school",
        "a remote cannot speak for another source"
    );
    assert_eq!(p.system_name, "Skolesystemet");
    assert!(p.fetched_at >= before, "our clock, not the remote's");
    assert_eq!(
        p.legal_basis, "opplæringslova § 5-1",
        "the category's when left empty"
    );
    assert_eq!(
        p.sensitivity,
        Sensitivity::Sensitive,
        "never below the category's"
    );
    assert_eq!(
        records[1].deep_link.as_deref(),
        Some("https://skole.example.no/vedtak/S-2")
    );
    let received = server.received_requests().await.unwrap();
    assert!(
        received
            .iter()
            .all(|r| !r.url.as_str().contains(pid.expose()))
    );
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn another_protocol_version_is_refused_before_any_fetch() {
    capture_logs();
    let pid = pid(1);
    for (protocol, message) in [
        (
            "minside-adapter/2",
            "the adapter speaks minside-adapter/2, MinSide speaks minside-adapter/1",
        ),
        (
            "acme-adapter/1",
            "/protocol: the adapter does not speak minside-adapter/1",
        ),
    ] {
        let server = remote(protocol).await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200))
            .expect(0)
            .mount(&server)
            .await;
        let adapter = ProtocolAdapter::new(config(&server)).unwrap();

        let error = adapter
            .fetch(&subject(&pid), &[cat("school")], &ctx())
            .await
            .unwrap_err();

        assert_eq!(error, AdapterError::BadData(message.into()));
        assert!(!adapter.is_ready());
        assert!(adapter.categories().is_empty());
        assert_eq!(adapter.name(), "vendor-school");
    }
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn records_of_undeclared_categories_or_malformed_records_are_refused() {
    capture_logs();
    let pid = pid(2);
    let bad_value = json!({ "key": "born", "label": "Født", "value": { "type": "date", "value": pid.expose() } });
    let cases = [
        (
            json!([record("school"), record("tax")]),
            "/records/1/category: not a category this adapter declared",
        ),
        (
            json!([record("Skole")]),
            "/records/0/category: not a category id",
        ),
        (
            json!([{ "id": "", "category": "school", "title": "x" }]),
            "/records/0/id: expected a non-empty text",
        ),
        (
            json!([{ "id": "1", "category": "school" }]),
            "/records/0/title: expected a non-empty text",
        ),
        (
            json!([{ "id": "1", "category": "school", "title": "x", "fields": [bad_value] }]),
            "/records/0/fields/0: not a valid field (key, label, typed value)",
        ),
        (
            json!([{ "id": "1", "category": "school", "title": "x",
                  "fields": [{ "key": "Grade", "label": "Trinn", "value": { "type": "bool", "value": true } }] }]),
            "/records/0/fields/0/key: expected 1 to 64 of a-z, 0-9, '_', '-'",
        ),
        (
            json!([{ "id": "1", "category": "school", "title": "x", "deep_link": "javascript:alert(1)" }]),
            "/records/0/deep_link: the deep link is not an http(s) URL",
        ),
        (
            json!([{ "id": "1", "category": "school", "title": "x",
                  "deep_link": format!("https://skole.example.no/?fnr={}", pid.expose()) }]),
            "/records/0/deep_link: the deep link contains the national identity number",
        ),
        (json!({ "id": "1" }), "/records: expected an array"),
    ];
    for (records, message) in cases {
        let server = remote("minside-adapter/1").await;
        answer(
            &server,
            ResponseTemplate::new(200).set_body_json(json!({ "records": records })),
        )
        .await;
        let adapter = ProtocolAdapter::new(config(&server)).unwrap();

        let error = adapter
            .fetch(&subject(&pid), &[cat("school")], &ctx())
            .await
            .unwrap_err();

        assert_eq!(error, AdapterError::BadData(message.into()));
    }
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn declared_categories_that_were_not_asked_for_are_dropped() {
    capture_logs();
    let server = remote("minside-adapter/1").await;
    let pid = pid(3);
    let body = json!({ "records": [record("school"), record("special-needs")] });
    answer(&server, ResponseTemplate::new(200).set_body_json(body)).await;
    let adapter = ProtocolAdapter::new(config(&server)).unwrap();

    let records = adapter
        .fetch(&subject(&pid), &[cat("school")], &ctx())
        .await
        .unwrap();

    assert_eq!(records.len(), 1);
    assert_eq!(records[0].category, cat("school"));
}

#[tokio::test]
async fn remote_statuses_map_to_adapter_errors() {
    capture_logs();
    let pid = pid(4);
    let problem = |status: u16| {
        ResponseTemplate::new(status).set_body_raw(
            format!(
                r#"{{"title":"Unknown person {}","status":{status}}}"#,
                pid.expose()
            ),
            "application/problem+json",
        )
    };
    let cases = [
        (problem(404), AdapterError::NotFound),
        (
            problem(401),
            AdapterError::Unauthorized("status 401".into()),
        ),
        (
            problem(403),
            AdapterError::Unauthorized("status 403".into()),
        ),
        (
            problem(503).insert_header("Retry-After", "5"),
            AdapterError::Unavailable("status 503, retry after 5 s".into()),
        ),
        (
            ResponseTemplate::new(200)
                .set_body_json(json!({ "records": [] }))
                .set_delay(Duration::from_secs(3)),
            AdapterError::Timeout,
        ),
    ];
    for (response, expected) in cases {
        let server = remote("minside-adapter/1").await;
        answer(&server, response).await;
        let adapter = ProtocolAdapter::new(config(&server)).unwrap();

        let error = adapter
            .fetch(&subject(&pid), &[cat("school")], &ctx())
            .await
            .unwrap_err();

        assert_eq!(error, expected);
        assert!(!error.to_string().contains(pid.expose()));
    }
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn a_failed_info_is_retried_at_the_next_fetch() {
    capture_logs();
    let server = MockServer::start().await;
    Mock::given(path("/minside/v1/info"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/minside/v1/info"))
        .respond_with(ResponseTemplate::new(200).set_body_json(info("minside-adapter/1")))
        .mount(&server)
        .await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({ "records": [] })),
    )
    .await;
    let adapter = ProtocolAdapter::new(config(&server)).unwrap();
    let pid = pid(5);

    let first = adapter
        .fetch(&subject(&pid), &[cat("school")], &ctx())
        .await;
    let second = adapter
        .fetch(&subject(&pid), &[cat("school")], &ctx())
        .await;

    assert_eq!(first, Err(AdapterError::Unavailable("status 503".into())));
    assert_eq!(second, Ok(vec![]));
    assert!(adapter.is_ready());
}

#[tokio::test]
async fn build_reads_info_at_start_and_a_configured_name_wins() {
    capture_logs();
    let server = remote("minside-adapter/1").await;
    let config = json!({
        "mode": "protocol", "id": "vendor-school", "name": "Skole (Visma)",
        "base_url": format!("{}/minside/", server.uri()), "token": "shared-secret"
    });
    let adapter = build(serde_json::from_value::<HttpAdapterConfig>(config).unwrap()).unwrap();

    // No fetch: the info read started by build() fills in the categories.
    for _ in 0..200 {
        if !adapter.categories().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    assert_eq!(adapter.categories().len(), 2);
    assert_eq!(adapter.name(), "Skole (Visma)");
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].url.path(), "/minside/v1/info");
}
