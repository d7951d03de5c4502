//! Configuration: the README's TOML example loads and builds; mistakes are refused at load with
//! an error naming the place; secrets stay out of `Debug`.
#![allow(clippy::unwrap_used)]

use figment::Figment;
use figment::providers::{Format, Toml};
use minside_adapter_http::{ConfigError, HttpAdapterConfig, MappingAdapter, MappingConfig, build};
use serde::Deserialize;
use serde_json::{Value, json};

/// How the server will list a tenant's adapters: `[[adapters]] kind = "http" ...`.
#[derive(Deserialize)]
struct Tenant {
    adapters: Vec<AdapterEntry>,
}

#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum AdapterEntry {
    Http(HttpAdapterConfig),
}

fn readme_toml() -> String {
    let readme = include_str!("../README.md");
    let start = readme.find("```toml\n").unwrap() + "```toml\n".len();
    readme[start..][..readme[start..].find("```").unwrap()].to_owned()
}

/// Outside a Tokio runtime, building a protocol adapter sends nothing.
#[test]
fn the_readme_example_loads_through_figment_and_builds() {
    let tenant: Tenant = Figment::from(Toml::string(&readme_toml()))
        .extract()
        .unwrap();
    let ids: Vec<String> = tenant
        .adapters
        .into_iter()
        .map(|AdapterEntry::Http(config)| {
            let id = config.id().to_owned();
            let adapter = build(config).unwrap();
            assert_eq!(adapter.id(), id);
            id
        })
        .collect();
    assert_eq!(ids, ["asker-faktura", "vendor-school"]);
}

#[test]
fn secrets_are_redacted_in_debug() {
    let tenant: Tenant = Figment::from(Toml::string(&readme_toml()))
        .extract()
        .unwrap();
    let text = format!(
        "{:?}",
        tenant
            .adapters
            .iter()
            .map(|AdapterEntry::Http(c)| c)
            .collect::<Vec<_>>()
    );
    assert!(
        !text.contains("from-a-secret-store") && !text.contains("shared-secret"),
        "{text}"
    );
}

fn valid() -> Value {
    json!({
        "id": "asker-faktura",
        "name": "Fakturasystemet",
        "request": { "url": "https://faktura.example.no/api", "headers": { "X-Fnr": "{pid}" } },
        "categories": [{
            "id": "invoices", "title_nb": "Fakturaer", "title_en": "Invoices",
            "legal_basis": "kommuneloven § 14-1", "sensitivity": "normal",
            "records": { "id": "/no", "title": "Faktura {/no}", "fields": [
                { "key": "amount", "label": "Beløp", "pointer": "/amount", "type": "amount_nok" }
            ]}
        }]
    })
}

fn refused(change: impl FnOnce(&mut Value)) -> String {
    let mut config = valid();
    change(&mut config);
    let config: MappingConfig = serde_json::from_value(config).unwrap();
    match MappingAdapter::new(config) {
        Err(error @ ConfigError::Invalid { .. }) => error.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn the_valid_example_builds() {
    let config: MappingConfig = serde_json::from_value(valid()).unwrap();
    assert!(MappingAdapter::new(config).is_ok());
}

/// An edit of the valid configuration.
type Change = Box<dyn FnOnce(&mut Value)>;

#[test]
fn mistakes_are_refused_with_the_place_named() {
    let field = "/categories/0/records/fields/0";
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|c| c["id"] = json!("Asker Faktura")),
            "\"Asker Faktura\": id: must be 1 to 64",
        ),
        (
            Box::new(|c| c["name"] = json!(" ")),
            "name: must not be empty",
        ),
        (
            Box::new(|c| c["timeout_ms"] = json!(0)),
            "timeout_ms: must be between",
        ),
        (
            Box::new(|c| c["request"]["url"] = json!("https://x.no/{fnr}")),
            "request.url: unknown placeholder {fnr}",
        ),
        (
            Box::new(|c| c["request"]["url"] = json!("https://x.no/{pid}")),
            "request.url: {pid} in the URL is refused",
        ),
        (
            Box::new(|c| c["request"]["url"] = json!("http://faktura.example.no/api")),
            "request.url: plain http is only allowed",
        ),
        (
            Box::new(|c| c["request"]["url"] = json!("https://user:pw@x.no/api")),
            "request.url: credentials in the URL",
        ),
        (
            Box::new(|c| c["request"]["url"] = json!("not a url {kommunenummer}")),
            "request.url: does not make a URL",
        ),
        (
            Box::new(|c| c["request"]["url"] = json!("https://x.no/{kommunenummer")),
            "request.url: unclosed '{'",
        ),
        (
            Box::new(|c| c["request"]["headers"] = json!({ "X-Kommune": "{kommunenummer}" })),
            "request: the request does not send {pid}",
        ),
        (
            Box::new(|c| c["request"]["headers"] = json!({ "Bad Header": "{pid}" })),
            "request.headers.Bad Header: not a valid header name",
        ),
        (
            Box::new(|c| c["request"]["body"] = json!({ "fnr": "{pid}" })),
            "request.body: a body needs method = \"POST\"",
        ),
        (
            Box::new(|c| {
                c["request"]["method"] = json!("POST");
                c["request"]["body"] = json!({ "x": "{personnummer}" });
            }),
            "request.body: unknown placeholder {personnummer}",
        ),
        (
            Box::new(|c| c["auth"] = json!({ "type": "bearer", "token": "" })),
            "auth.token: must be a non-empty",
        ),
        (
            Box::new(|c| c["auth"] = json!({ "type": "api_key", "header": "X Key", "value": "k" })),
            "auth.header: not a valid header name",
        ),
        (
            Box::new(|c| c["categories"] = json!([])),
            "categories: at least one category",
        ),
        (
            Box::new(|c| {
                let cat = c["categories"][0].clone();
                c["categories"] = json!([cat.clone(), cat]);
            }),
            "categories[1].id: duplicate category",
        ),
        (
            Box::new(|c| {
                c.pointer_mut("/categories/0/legal_basis")
                    .map(|v| *v = json!(""))
                    .unwrap()
            }),
            "categories[0].legal_basis: must not be empty",
        ),
        (
            Box::new(|c| {
                c.pointer_mut("/categories/0/records/id")
                    .map(|v| *v = json!("no"))
                    .unwrap()
            }),
            "categories[0].records.id: JSON Pointer \"no\" must be empty or start with '/'",
        ),
        (
            Box::new(|c| {
                c.pointer_mut("/categories/0/records/title")
                    .map(|v| *v = json!("Faktura {no}"))
                    .unwrap()
            }),
            "categories[0].records.title: placeholder {no} must be a JSON Pointer",
        ),
        (
            Box::new(|c| {
                c.pointer_mut("/categories/0/records/title")
                    .map(|v| *v = json!("Faktura {/a~2}"))
                    .unwrap()
            }),
            "categories[0].records.title: JSON Pointer \"/a~2\": '~' must be followed by 0 or 1",
        ),
        (
            Box::new(|c| c["categories"][0]["records"]["deep_link"] = json!("javascript:{/no}")),
            "categories[0].records.deep_link: must start with https:// or http://",
        ),
        (
            Box::new(|c| c["categories"][0]["records"]["items"] = json!("items")),
            "categories[0].records.items: JSON Pointer",
        ),
        (
            Box::new(move |c| {
                c.pointer_mut(&format!("{field}/key"))
                    .map(|v| *v = json!("Beløp"))
                    .unwrap()
            }),
            "categories[0].records.fields[0]: key must be",
        ),
        (
            Box::new(move |c| {
                c.pointer_mut(&format!("{field}/pointer"))
                    .map(|v| *v = json!("amount"))
                    .unwrap()
            }),
            "categories[0].records.fields[0]: JSON Pointer \"amount\"",
        ),
        (
            Box::new(move |c| {
                c.pointer_mut(&format!("{field}/type"))
                    .map(|v| *v = json!("status"))
                    .unwrap()
            }),
            "categories[0].records.fields[0]: a status field needs `codes`",
        ),
        (
            Box::new(move |c| c.pointer_mut(field).unwrap()["codes"] = json!({ "A": "a" })),
            "categories[0].records.fields[0]: `codes` is only for status fields",
        ),
        (
            Box::new(|c| {
                let f = c.pointer(field).unwrap().clone();
                c["categories"][0]["records"]["fields"] = json!([f.clone(), f]);
            }),
            "categories[0].records.fields[1]: duplicate key \"amount\"",
        ),
    ];
    for (change, expected) in cases {
        let message = refused(change);
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
}

#[test]
fn unknown_settings_and_types_are_refused_by_serde() {
    let mut typo = valid();
    typo["request"]["hedaers"] = json!({});
    assert!(
        serde_json::from_value::<MappingConfig>(typo)
            .unwrap_err()
            .to_string()
            .contains("hedaers")
    );
    let mut kind = valid();
    kind["categories"][0]["records"]["fields"][0]["type"] = json!("money");
    assert!(serde_json::from_value::<MappingConfig>(kind).is_err());
    let mut category = valid();
    category["categories"][0]["id"] = json!("Fakturaer");
    assert!(serde_json::from_value::<MappingConfig>(category).is_err());
    let mode = json!({ "mode": "magic", "id": "x" });
    assert!(serde_json::from_value::<HttpAdapterConfig>(mode).is_err());
}

#[test]
fn protocol_settings_are_checked() {
    let protocol = |base: &str, token: &str| {
        serde_json::from_value::<HttpAdapterConfig>(json!({
            "mode": "protocol", "id": "vendor-school", "base_url": base, "token": token
        }))
        .unwrap()
    };
    let message = |c| build(c).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message(protocol("http://vendor.example/minside", "t")).contains("base_url: plain http")
    );
    assert!(
        message(protocol("https://vendor.example/?a=1", "t"))
            .contains("base_url: must not have a query")
    );
    assert!(
        message(protocol("https://vendor.example/", "")).contains("token: must be a non-empty")
    );
    assert!(message(protocol("vendor.example", "t")).contains("base_url: not a URL"));
    assert!(build(protocol("https://vendor.example/minside", "t")).is_ok());
}
