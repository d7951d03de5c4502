//! Mapping mode against a wiremock stand-in: field types, where the pid goes, filters, links.
#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_logs_free_of, capture_logs, cat, ctx, pid, subject};
use minside_adapter::{Adapter, AdapterError, FieldValue, Sensitivity};
use minside_adapter_http::{HttpAdapterConfig, MappingAdapter, MappingConfig, build};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// An invoice system mapping with one field of every type.
fn invoices(server: &MockServer) -> Value {
    json!({
        "id": "asker-faktura",
        "name": "Fakturasystemet",
        "timeout_ms": 2000,
        "auth": { "type": "bearer", "token": "s3cret-token" },
        "request": {
            "url": format!("{}/api/{{kommunenummer}}/invoices", server.uri()),
            "headers": { "X-Fnr": "{pid}", "X-Request-Id": "{request_id}" }
        },
        "response": { "items": "/data/invoices" },
        "categories": [{
            "id": "invoices",
            "title_nb": "Fakturaer",
            "title_en": "Invoices",
            "legal_basis": "kommuneloven § 14-1",
            "sensitivity": "normal",
            "records": {
                "id": "/invoiceNo",
                "title": "Faktura {/invoiceNo}",
                "deep_link": "https://faktura.asker.kommune.no/faktura/{/invoiceNo}",
                "fields": [
                    { "key": "customer", "label": "Kunde", "pointer": "/customer/name", "type": "text" },
                    { "key": "lines", "label": "Linjer", "pointer": "/lineCount", "type": "integer" },
                    { "key": "fee", "label": "Gebyr", "pointer": "/feeOre", "type": "amount_ore" },
                    { "key": "amount", "label": "Beløp", "pointer": "/amount", "type": "amount_nok" },
                    { "key": "due", "label": "Forfall", "pointer": "/dueDate", "type": "date" },
                    { "key": "sent", "label": "Sendt", "pointer": "/sentAt", "type": "timestamp" },
                    { "key": "efaktura", "label": "eFaktura", "pointer": "/eInvoice", "type": "bool" },
                    { "key": "status", "label": "Status", "pointer": "/status", "type": "status",
                      "codes": { "U": "Ikke betalt", "B": "Betalt" } },
                    { "key": "note", "label": "Merknad", "pointer": "/note", "type": "text",
                      "optional": true }
                ]
            }
        }]
    })
}

fn adapter(config: Value) -> MappingAdapter {
    MappingAdapter::new(serde_json::from_value::<MappingConfig>(config).unwrap()).unwrap()
}

fn invoice_body() -> Value {
    json!({ "data": { "invoices": [
        { "invoiceNo": "2026-001/A", "customer": { "name": "Kari Nordmann" }, "lineCount": 3,
          "feeOre": "6500", "amount": 1234.5, "dueDate": "2026-02-01",
          "sentAt": "2026-01-15T08:00:00+01:00", "eInvoice": true, "status": "U" },
        { "invoiceNo": 17, "customer": { "name": "Kari Nordmann" }, "lineCount": "1",
          "feeOre": 0, "amount": "99,999", "dueDate": "2026-03-01", "sentAt": 1767225600,
          "eInvoice": false, "status": "X", "note": "Avtalegiro" }
    ]}})
}

#[tokio::test]
async fn every_field_type_is_read_and_the_pid_travels_in_the_header_only() {
    capture_logs();
    let server = MockServer::start().await;
    let pid = pid(0);
    Mock::given(method("GET"))
        .and(path("/api/3203/invoices"))
        .and(header("X-Fnr", pid.expose()))
        .and(header("X-Request-Id", "req-42"))
        .and(header("Authorization", "Bearer s3cret-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(invoice_body()))
        .expect(1)
        .mount(&server)
        .await;
    let adapter = adapter(invoices(&server));
    let before = minside_adapter::Timestamp::now();

    let records = adapter
        .fetch(&subject(&pid), &[cat("invoices")], &ctx())
        .await
        .unwrap();

    assert_eq!(records.len(), 2);
    let first = &records[0];
    assert_eq!(first.id, "2026-001/A");
    assert_eq!(first.title, "Faktura 2026-001/A");
    assert_eq!(first.category, cat("invoices"));
    assert_eq!(
        first.deep_link.as_deref(),
        Some("https://faktura.asker.kommune.no/faktura/2026-001%2FA")
    );
    let values: Vec<(&str, &FieldValue)> = first
        .fields
        .iter()
        .map(|f| (f.key.as_str(), &f.value))
        .collect();
    assert_eq!(
        values,
        [
            ("customer", &FieldValue::Text("Kari Nordmann".into())),
            ("lines", &FieldValue::Integer(3)),
            ("fee", &FieldValue::Amount(6500)),
            ("amount", &FieldValue::Amount(123_450)),
            ("due", &FieldValue::Date("2026-02-01".parse().unwrap())),
            (
                "sent",
                &FieldValue::Timestamp("2026-01-15T07:00:00Z".parse().unwrap())
            ),
            ("efaktura", &FieldValue::Bool(true)),
            (
                "status",
                &FieldValue::Status {
                    code: "U".into(),
                    label: "Ikke betalt".into()
                }
            ),
        ]
    );
    assert_eq!(first.fields[3].label, "Beløp");
    let p = &first.provenance;
    assert_eq!(
        (p.source.as_str(), p.system_name.as_str()),
        ("asker-faktura", "Fakturasystemet")
    );
    assert_eq!(
        (p.legal_basis.as_str(), p.sensitivity),
        ("kommuneloven § 14-1", Sensitivity::Normal)
    );
    assert!(p.fetched_at >= before && p.fetched_at <= minside_adapter::Timestamp::now());

    let second = &records[1];
    assert_eq!(
        (second.id.as_str(), second.title.as_str()),
        ("17", "Faktura 17")
    );
    let value = |key: &str| &second.fields.iter().find(|f| f.key == key).unwrap().value;
    assert_eq!(value("lines"), &FieldValue::Integer(1));
    // 99,999 kroner: 9999.9 øre, rounded half away from zero to 10000.
    assert_eq!(value("amount"), &FieldValue::Amount(10_000));
    assert_eq!(
        value("sent"),
        &FieldValue::Timestamp("2026-01-01T00:00:00Z".parse().unwrap())
    );
    assert_eq!(
        value("status"),
        &FieldValue::Status {
            code: "X".into(),
            label: "X".into()
        }
    );
    assert_eq!(value("note"), &FieldValue::Text("Avtalegiro".into()));

    let received = server.received_requests().await.unwrap();
    assert!(
        !received[0].url.as_str().contains(pid.expose()),
        "pid in the URL"
    );
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn a_post_body_template_carries_the_pid() {
    capture_logs();
    let server = MockServer::start().await;
    let pid = pid(1);
    let mut config = invoices(&server);
    config["request"] = json!({
        "method": "POST",
        "url": format!("{}/sok", server.uri()),
        "body": { "person": { "fnr": "{pid}", "kommune": "{kommunenummer}" },
                  "formal": "{purpose}", "flags": [1, true, "fast {{verdi}}"] }
    });
    config["auth"] = json!({ "type": "api_key", "header": "X-Api-Key", "value": "k-123" });
    Mock::given(method("POST"))
        .and(path("/sok"))
        .and(header("X-Api-Key", "k-123"))
        .and(body_json(json!({
            "person": { "fnr": pid.expose(), "kommune": "3203" },
            "formal": "resident-view",
            "flags": [1, true, "fast {verdi}"]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(invoice_body()))
        .expect(1)
        .mount(&server)
        .await;

    let records = adapter(config)
        .fetch(&subject(&pid), &[cat("invoices")], &ctx())
        .await;

    assert_eq!(records.unwrap().len(), 2);
    let received = server.received_requests().await.unwrap();
    assert!(!received[0].url.as_str().contains(pid.expose()));
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn a_legacy_pid_in_the_url_needs_explicit_permission_and_is_never_logged() {
    capture_logs();
    let server = MockServer::start().await;
    let pid = pid(2);
    let mut config = invoices(&server);
    config["request"]["url"] = json!(format!("{}/personer/{{pid}}/fakturaer", server.uri()));
    config["request"]["headers"] = json!({});
    let refused = MappingAdapter::new(serde_json::from_value(config.clone()).unwrap());
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("allow_pid_in_url")
    );

    config["request"]["allow_pid_in_url"] = json!(true);
    let legacy = adapter(config);
    Mock::given(method("GET"))
        .and(path(format!("/personer/{}/fakturaer", pid.expose())))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "30"))
        .mount(&server)
        .await;

    let error = legacy
        .fetch(&subject(&pid), &[cat("invoices")], &ctx())
        .await
        .unwrap_err();

    assert_eq!(
        error,
        AdapterError::Unavailable("status 503, retry after 30 s".into())
    );
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn items_of_a_shared_array_are_split_by_category_and_only_asked_categories_returned() {
    capture_logs();
    let server = MockServer::start().await;
    let pid = pid(3);
    let config = json!({
        "id": "asker-oppvekst",
        "name": "Oppvekstsystemet",
        "request": { "url": format!("{}/saker", server.uri()), "headers": { "X-Fnr": "{pid}" } },
        "categories": [
            { "id": "kindergarten", "title_nb": "Barnehage", "title_en": "Kindergarten",
              "legal_basis": "barnehageloven § 12", "sensitivity": "normal",
              "records": { "when": { "pointer": "/kind", "equals": "bhg" }, "id": "/id",
                           "title": "Plass i {/unit}" } },
            { "id": "child-welfare", "title_nb": "Barnevern", "title_en": "Child welfare",
              "legal_basis": "barnevernsloven", "sensitivity": "sensitive",
              "records": { "when": { "pointer": "/kind", "equals": "bv" }, "id": "/id",
                           "title": "Sak {/id}" } }
        ]
    });
    let body = json!([
        { "kind": "bhg", "id": 1, "unit": "Hvalstad barnehage" },
        { "kind": "bv", "id": 2 },
        { "kind": "bhg", "id": 3, "unit": "Vollen barnehage" }
    ]);
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let adapter = build(
        serde_json::from_value::<HttpAdapterConfig>(json!({
            "mode": "mapping", "id": config["id"], "name": config["name"],
            "request": config["request"], "categories": config["categories"]
        }))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(adapter.categories().len(), 2);
    assert_eq!(adapter.categories()[1].sensitivity, Sensitivity::Sensitive);

    let kindergarten = adapter
        .fetch(&subject(&pid), &[cat("kindergarten")], &ctx())
        .await
        .unwrap();
    let titles: Vec<&str> = kindergarten.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Plass i Hvalstad barnehage", "Plass i Vollen barnehage"]
    );

    let both = [cat("kindergarten"), cat("child-welfare"), cat("unknown")];
    let all = adapter.fetch(&subject(&pid), &both, &ctx()).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].provenance.sensitivity, Sensitivity::Sensitive);

    // Nothing asked that this source has: no request at all.
    let before = server.received_requests().await.unwrap().len();
    assert!(
        adapter
            .fetch(&subject(&pid), &[cat("unknown")], &ctx())
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), before);
    assert_logs_free_of(&pid);
}

#[tokio::test]
async fn basic_auth_is_sent_and_no_content_means_no_records() {
    capture_logs();
    let server = MockServer::start().await;
    let pid = pid(4);
    let mut config = invoices(&server);
    config["auth"] = json!({ "type": "basic", "username": "minside", "password": "pw" });
    Mock::given(method("GET"))
        // base64("minside:pw")
        .and(header("Authorization", "Basic bWluc2lkZTpwdw=="))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let records = adapter(config)
        .fetch(&subject(&pid), &[cat("invoices")], &ctx())
        .await;

    assert_eq!(records, Ok(vec![]));
}

#[tokio::test]
async fn redirects_are_not_followed() {
    capture_logs();
    let server = MockServer::start().await;
    let pid = pid(5);
    Mock::given(path("/api/3203/invoices"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/elsewhere"))
        .mount(&server)
        .await;
    Mock::given(path("/elsewhere"))
        .respond_with(ResponseTemplate::new(200).set_body_json(invoice_body()))
        .expect(0)
        .mount(&server)
        .await;

    let error = adapter(invoices(&server))
        .fetch(&subject(&pid), &[cat("invoices")], &ctx())
        .await
        .unwrap_err();

    assert!(
        matches!(error, AdapterError::Unavailable(ref m) if m.contains("302")),
        "{error}"
    );
}
