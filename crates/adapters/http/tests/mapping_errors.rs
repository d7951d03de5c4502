//! Mapping mode failures: HTTP outcomes to adapter errors, and answers that do not fit the
//! mapping. No error text and no log line may hold the pid or a response value.
#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_logs_free_of, capture_logs, cat, ctx, pid, subject};
use minside_adapter::{Adapter, AdapterError, Pid};
use minside_adapter_http::{MappingAdapter, MappingConfig};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config(url: &str, timeout_ms: u64) -> Value {
    json!({
        "id": "asker-faktura",
        "name": "Fakturasystemet",
        "timeout_ms": timeout_ms,
        "request": { "url": url, "headers": { "X-Fnr": "{pid}" } },
        "response": { "items": "/invoices" },
        "categories": [{
            "id": "invoices", "title_nb": "Fakturaer", "title_en": "Invoices",
            "legal_basis": "kommuneloven § 14-1", "sensitivity": "normal",
            "records": {
                "id": "/no",
                "title": "Faktura {/no}",
                "deep_link": "https://faktura.example.no/f/{/link}",
                "fields": [
                    { "key": "amount", "label": "Beløp", "pointer": "/amount", "type": "amount_nok" },
                    { "key": "due", "label": "Forfall", "pointer": "/due", "type": "date" }
                ]
            }
        }]
    })
}

async fn fetch_with(pid: &Pid, response: ResponseTemplate) -> AdapterError {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(response)
        .mount(&server)
        .await;
    fetch_from(pid, &config(&server.uri(), 1000)).await
}

async fn fetch_from(pid: &Pid, config: &Value) -> AdapterError {
    let config: MappingConfig = serde_json::from_value(config.clone()).unwrap();
    let adapter = MappingAdapter::new(config).unwrap();
    let error = adapter
        .fetch(&subject(pid), &[cat("invoices")], &ctx())
        .await
        .unwrap_err();
    assert!(
        !error.to_string().contains(pid.expose()),
        "pid in the error: {error}"
    );
    error
}

fn item(amount: Value, due: Value) -> Value {
    json!({ "no": "F-1", "link": "F-1", "amount": amount, "due": due })
}

#[tokio::test]
async fn http_statuses_map_to_adapter_errors() {
    capture_logs();
    let pid = pid(0);
    let cases = [
        (ResponseTemplate::new(404), AdapterError::NotFound),
        (ResponseTemplate::new(410), AdapterError::NotFound),
        (
            ResponseTemplate::new(401),
            AdapterError::Unauthorized("status 401".into()),
        ),
        (
            ResponseTemplate::new(403),
            AdapterError::Unauthorized("status 403".into()),
        ),
        (
            ResponseTemplate::new(500),
            AdapterError::Unavailable("status 500".into()),
        ),
        (
            ResponseTemplate::new(503).insert_header("Retry-After", "120"),
            AdapterError::Unavailable("status 503, retry after 120 s".into()),
        ),
        (
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "Wed, 21 Oct 2026 07:28:00 GMT"),
            AdapterError::Unavailable("status 429, retry after a given date".into()),
        ),
        (
            ResponseTemplate::new(400).set_body_string(format!("bad fnr {}", pid.expose())),
            AdapterError::BadData("the source rejected the request with status 400".into()),
        ),
    ];
    for (response, expected) in cases {
        assert_eq!(fetch_with(&pid, response).await, expected);
    }
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn a_slow_source_times_out() {
    capture_logs();
    let pid = pid(1);
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "invoices": [] }))
                .set_delay(std::time::Duration::from_secs(3)),
        )
        .mount(&server)
        .await;

    let error = fetch_from(&pid, &config(&server.uri(), 200)).await;

    assert_eq!(error, AdapterError::Timeout);
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    capture_logs();
    let pid = pid(2);
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };

    let error = fetch_from(&pid, &config(&format!("http://127.0.0.1:{port}/x"), 1000)).await;

    assert_eq!(error, AdapterError::Unavailable("could not connect".into()));
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn answers_that_do_not_fit_the_mapping_are_bad_data_naming_the_pointer() {
    capture_logs();
    let pid = pid(3);
    // Values are never echoed, whatever they hold.
    let secret_looking = format!("{} kr", pid.expose());
    let ok = item(json!(10), json!("2026-01-01"));
    let cases = [
        (
            json!({ "invoices": [ok.clone(), { "no": "F-2", "link": "x", "due": "2026-01-01" }] }),
            "category invoices: missing value at /invoices/1/amount",
        ),
        (
            json!({ "invoices": [item(json!(secret_looking), json!("2026-01-01"))] }),
            "category invoices: expected an amount in kroner such as 1234.50 at /invoices/0/amount",
        ),
        (
            json!({ "invoices": [item(json!(10), json!(pid.expose()))] }),
            "category invoices: expected a date YYYY-MM-DD at /invoices/0/due",
        ),
        (
            json!({ "invoices": [item(json!(10), json!(null))] }),
            "category invoices: missing value at /invoices/0/due",
        ),
        (
            json!({ "invoices": [{ "link": "x", "amount": 1, "due": "2026-01-01" }] }),
            "category invoices: expected a record id (text or integer) at /invoices/0/no",
        ),
        (
            json!({ "invoices": [{ "no": { "a": 1 }, "link": "x" }] }),
            "category invoices: expected a record id (text or integer) at /invoices/0/no",
        ),
        (
            json!({ "invoices": { "no": "F-1" } }),
            "category invoices: expected an array at /invoices",
        ),
        (
            json!({ "fakturaer": [] }),
            "category invoices: expected an array at /invoices",
        ),
        (
            json!({ "invoices": [{ "no": "F-1", "amount": 1, "due": "2026-01-01" }] }),
            "category invoices: expected a value for the link at /invoices/0/link",
        ),
    ];
    for (body, message) in cases {
        let error = fetch_with(&pid, ResponseTemplate::new(200).set_body_json(body)).await;
        assert_eq!(error, AdapterError::BadData(message.into()));
    }
    let not_json = fetch_with(&pid, ResponseTemplate::new(200).set_body_string("<html>")).await;
    assert!(matches!(not_json, AdapterError::BadData(ref m) if m.contains("not JSON")));
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn a_deep_link_must_not_carry_the_pid() {
    capture_logs();
    let pid = pid(4);
    let body = json!({ "invoices": [
        { "no": "F-1", "link": pid.expose(), "amount": 1, "due": "2026-01-01" }
    ]});

    let error = fetch_with(&pid, ResponseTemplate::new(200).set_body_json(body)).await;

    assert_eq!(
        error,
        AdapterError::BadData(
            "category invoices: the deep link contains the national identity number at /invoices/0"
                .into()
        )
    );
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn an_oversized_answer_is_refused() {
    capture_logs();
    let pid = pid(5);
    let big = "x".repeat(minside_adapter_http::MAX_RESPONSE_BYTES + 1);

    let error = fetch_with(&pid, ResponseTemplate::new(200).set_body_string(big)).await;

    assert!(
        matches!(error, AdapterError::BadData(ref m) if m.contains("larger than")),
        "{error}"
    );
}
