//! The reference adapter in Python (`protocol/example_adapter.py`, standard library only),
//! started with `python3` on a free port and reached through the protocol mode: the protocol
//! works from another language.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use common::{assert_logs_free_of, capture_logs, cat, ctx, subject};
use minside_adapter::{Adapter, AdapterError, FieldValue, Pid};
use minside_adapter_http::{HttpAdapterConfig, build};
use serde_json::json;

/// The Python process; killed (by its own handle) when the test ends.
struct ExampleAdapter {
    child: Child,
    base_url: String,
}

impl ExampleAdapter {
    fn start(token: &str) -> Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/protocol/example_adapter.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", "0", "--token", token])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 on PATH");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base_url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the example adapter did not start: {line:?}"))
            .to_owned();
        Self { child, base_url }
    }

    /// Stops the process and returns its request log.
    fn stop(mut self) -> String {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        let mut log = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        log
    }
}

impl Drop for ExampleAdapter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn protocol_adapter(base_url: &str, token: &str) -> std::sync::Arc<dyn Adapter> {
    build(
        serde_json::from_value::<HttpAdapterConfig>(json!({
            "mode": "protocol",
            "id": "asker-bibliotek",
            "base_url": base_url,
            "token": token,
        }))
        .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn the_python_reference_adapter_serves_records_through_the_protocol() {
    capture_logs();
    let remote = ExampleAdapter::start("example-token");
    let adapter = protocol_adapter(&remote.base_url, "example-token");
    let kari = Pid::synthetic(jiff::civil::date(1985, 3, 14), 100).unwrap();
    let ola = Pid::synthetic(jiff::civil::date(2016, 9, 2), 500).unwrap();
    let stranger = Pid::synthetic(jiff::civil::date(1990, 1, 1), 100).unwrap();
    let both = [cat("library-loans"), cat("library-fees")];

    let records = adapter.fetch(&subject(&kari), &both, &ctx()).await.unwrap();

    assert_eq!(adapter.name(), "Biblioteksystemet");
    let ids: Vec<String> = adapter
        .categories()
        .into_iter()
        .map(|c| c.id.into())
        .collect();
    assert_eq!(ids, ["library-loans", "library-fees"]);
    let titles: Vec<&str> = records.iter().map(|r| r.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Sofies verden", "Naiv. Super.", "Purregebyr januar"]
    );
    assert!(
        records
            .iter()
            .all(|r| r.provenance.source == "asker-bibliotek")
    );
    let fee = &records[2];
    assert_eq!(fee.fields[0].value, FieldValue::Amount(5000));
    assert_eq!(
        fee.fields[1].value,
        FieldValue::Status {
            code: "ubetalt".into(),
            label: "Ikke betalt".into()
        }
    );
    assert_eq!(fee.provenance.legal_basis, "kommuneloven § 14-1");
    assert_eq!(
        records[0].deep_link.as_deref(),
        Some("https://bibliotek.example.kommune.no/mine-lan/L-1001")
    );

    let loans = adapter
        .fetch(&subject(&ola), &[cat("library-loans")], &ctx())
        .await
        .unwrap();
    assert_eq!(loans.len(), 1);
    assert_eq!(loans[0].fields[2].value, FieldValue::Bool(true));

    let unknown = adapter.fetch(&subject(&stranger), &both, &ctx()).await;
    assert_eq!(unknown, Err(AdapterError::NotFound));

    let intruder = protocol_adapter(&remote.base_url, "wrong-token");
    let refused = intruder.fetch(&subject(&kari), &both, &ctx()).await;
    assert_eq!(
        refused,
        Err(AdapterError::Unauthorized("status 401".into()))
    );

    let remote_log = remote.stop();
    assert!(remote_log.contains("POST /v1/fetch"), "{remote_log}");
    for pid in [&kari, &ola, &stranger] {
        assert!(
            !remote_log.contains(pid.expose()),
            "the example adapter logged a pid"
        );
        assert_logs_free_of(pid);
    }
}
