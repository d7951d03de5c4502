//! Importing: every shipped fixture reads back as in its source file (through the store the API
//! reads and through the API), re-imports change nothing, a changed file replaces, malformed
//! files are refused with the parser's pointer and leave the data as it was, and the demo
//! datasets are imported once however often the server starts.

use std::collections::BTreeMap;

use minside_api::statistics::{ImportError, ImportOptions, import};
use minside_store::ImportOutcome;
use minside_test_support::{Backend, TestApp};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::{FIXTURES, fixture, fixture_json, import_as, on_both_backends, source_cells};

async fn every_fixture_reads_back_as_in_its_source(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for (file, source, table) in FIXTURES {
        let expected = source_cells(&fixture_json(file));
        let done = import_as(&app, &fixture(file), source, table).await;
        assert_eq!(
            done.outcome,
            ImportOutcome::Created {
                cells: expected.len() as u64
            },
            "{file}"
        );
        let detail: Value = app
            .get_json(&format!("/api/v1/statistics/{source}/{table}"))
            .await;
        assert_eq!(detail["cells"], expected.len(), "{file}");
        let dimensions = detail["dimensions"].as_array().expect("dimensions");
        let metrics: Vec<&str> = detail["metrics"]
            .as_array()
            .expect("metrics")
            .iter()
            .map(|m| m["code"].as_str().expect("code"))
            .collect();
        // Every stored cell, back in the source's coordinates, equals the source's cell.
        let mut seen = 0;
        for metric in &metrics {
            let points = app
                .store()
                .series(source, table, metric, &[], None)
                .await
                .expect("series");
            for p in points {
                let other: BTreeMap<&str, &str> = p
                    .other
                    .split(';')
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| kv.split_once('=').expect("dimension=category"))
                    .collect();
                let coordinates: Vec<String> = dimensions
                    .iter()
                    .map(|d| match d["role"].as_str().expect("role") {
                        "metric" => (*metric).to_owned(),
                        "region" => p.region_given.clone(),
                        "time" => p.time.clone(),
                        _ => other[d["id"].as_str().expect("id")].to_owned(),
                    })
                    .collect();
                let want = &expected[&coordinates];
                assert_eq!(p.value, want.value, "{file} {coordinates:?}");
                assert_eq!(p.status, want.status, "{file} {coordinates:?}");
                if let Some(s) = &p.status {
                    *statuses.entry(s.clone()).or_default() += 1;
                }
                seen += 1;
            }
        }
        assert_eq!(seen, expected.len(), "{file}: every cell stored once");
    }
    // The fixtures do have SSB's missing-figure symbols, and the estimates of the samples.
    for symbol in [".", "..", ":", "e", "a"] {
        assert!(statuses.get(symbol).is_some_and(|n| *n > 0), "{symbol}");
    }

    let list: Value = app.get_json("/api/v1/statistics").await;
    let keys: Vec<String> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|d| format!("{}/{}", d["source"], d["table"]).replace('"', ""))
        .collect();
    assert_eq!(
        keys,
        [
            "json-stat.org/canada",
            "json-stat.org/oecd",
            "ssb/08655",
            "ssb/12191",
            "ssb/12367"
        ]
    );
    let kommunehelse = &list[3];
    assert_eq!(kommunehelse["publisher"], "Statistisk sentralbyrå");
    assert_eq!(kommunehelse["comparable"], true);
    let ergo = kommunehelse["metrics"]
        .as_array()
        .expect("metrics")
        .iter()
        .find(|m| m["code"] == "KOSergoaarsverk0000")
        .expect("metric");
    assert_eq!(ergo["unit"], "årsverk");
    assert_eq!(ergo["decimals"], 1);
    // The building cost index has no region: stored under "-", not comparable.
    assert_eq!(list[2]["comparable"], false);
    assert_eq!(list[0]["metrics"][0]["unit"], "thousands of persons");
    assert_eq!(list[0]["metrics"][0]["multiplier"], 3);

    // Sampled through the comparison, by old and new numbers: Moss (3002), Drammen (3005, asked
    // for as 3301), Hurdal (3037, a real 0) and Flå (3039: `:` and `..` in 2020).
    let source = fixture_json("ks-json-stat_resultatTest3.json");
    let expected = source_cells(&source);
    let mut zeros = 0;
    for metric in [
        "KOSavtalehjemler0001",
        "KOShjemmebesokjo0000",
        "KOSergoaarsverk0000",
    ] {
        let body: Value = app
            .get_json(&format!(
                "/api/v1/statistics/ssb/12191/compare?metric={metric}&with=3002,3301,3037,3039"
            ))
            .await;
        for (series, old) in [(1, "3002"), (2, "3005"), (3, "3037"), (4, "3039")] {
            let s = &body["series"][series];
            assert_eq!(s["given_as"], json!([old]), "{s}");
            for point in s["points"].as_array().expect("points") {
                let time = point["time"].as_str().expect("time");
                let key = vec![metric.to_owned(), old.to_owned(), time.to_owned()];
                let want = &expected[&key];
                assert_eq!(point["value"].as_f64(), want.value, "{metric} {old} {time}");
                assert_eq!(point["status"].as_str(), want.status.as_deref());
                if want.value.is_none() {
                    assert!(
                        point["value"].is_null(),
                        "missing is null, never 0: {point}"
                    );
                    assert!(point["status_text"].is_string(), "{point}");
                }
                if want.value == Some(0.0) {
                    zeros += 1;
                }
            }
        }
    }
    assert!(zeros > 0, "a real 0 stays 0");
}
on_both_backends!(every_fixture_reads_back_as_in_its_source);

const KOMMUNEHELSE: &str = "ks-json-stat_resultatTest3.json";

/// The stored state of 12191 that must survive a refused import.
async fn snapshot(app: &TestApp) -> (String, String, u64, Value) {
    let stored = app
        .store()
        .get_dataset("ssb", "12191")
        .await
        .expect("dataset");
    let figures: Value = app
        .get_json("/api/v1/statistics/ssb/12191/compare?metric=KOSavtalehjemler0001&with=3002")
        .await;
    (
        stored.fingerprint,
        stored.imported_at.to_string(),
        stored.cells,
        figures["series"][1].clone(),
    )
}

async fn reimports_are_idempotent_and_failures_change_nothing(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let source = fixture_json(KOMMUNEHELSE);
    let first = import_as(&app, &fixture(KOMMUNEHELSE), "ssb", "12191").await;
    assert_eq!(first.outcome, ImportOutcome::Created { cells: 135 });
    let created = snapshot(&app).await;

    // The same content written differently (pretty-printed, sparse values) is unchanged.
    app.clock().advance(jiff::SignedDuration::from_secs(60));
    let mut sparse = source.clone();
    let dense = sparse["value"].as_array().expect("values").clone();
    sparse["value"] = dense
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.is_null())
        .map(|(i, v)| (i.to_string(), v.clone()))
        .collect::<serde_json::Map<_, _>>()
        .into();
    for bytes in [
        fixture(KOMMUNEHELSE),
        serde_json::to_vec_pretty(&sparse).expect("json"),
    ] {
        let options = ImportOptions::default();
        let again = import(app.store().as_ref(), &bytes, &options, app.clock().now())
            .await
            .expect("re-import");
        assert_eq!(
            (again.source.as_str(), again.table.as_str()),
            ("ssb", "12191")
        );
        assert_eq!(again.outcome, ImportOutcome::Unchanged);
        assert_eq!(snapshot(&app).await, created, "nothing was written");
    }

    // A changed figure replaces the dataset.
    let mut changed = source.clone();
    let moss_2020 = 2; // KOSavtalehjemler0001, 3002 Moss, 2020
    assert_eq!(changed["value"][moss_2020], 20);
    changed["value"][moss_2020] = json!(41.5);
    let replaced = import_as(
        &app,
        &serde_json::to_vec(&changed).expect("json"),
        "ssb",
        "12191",
    )
    .await;
    assert_eq!(replaced.outcome, ImportOutcome::Replaced { cells: 135 });
    let after = snapshot(&app).await;
    assert_ne!(after.0, created.0, "new fingerprint");
    assert_eq!(after.3["points"][2]["value"], 41.5, "{}", after.3);

    // Malformed files are refused with the parser's pointer; nothing changes.
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut v = changed.clone();
        f(&mut v);
        serde_json::to_vec(&v).expect("json")
    };
    let cases: Vec<(&str, Vec<u8>, Option<&str>, &str)> = vec![
        (
            "value length",
            edit(&|v| {
                v["value"].as_array_mut().expect("values").pop();
            }),
            Some("/value"),
            "/value has 134 entries but the sizes give 135 cells",
        ),
        (
            "unknown dimension in id",
            edit(&|v| v["id"][1] = json!("Kommune")),
            Some("/id/1"),
            "dimension \"Kommune\" has no entry in /dimension",
        ),
        (
            "negative size",
            edit(&|v| v["size"][0] = json!(-5)),
            Some("/size/0"),
            "a size must be a non-negative integer",
        ),
        (
            "huge declared size",
            edit(&|v| v["size"] = json!([5, 9, 1_000_000_000_000_u64])),
            None,
            "declares 45000000000000 cells",
        ),
        (
            "not JSON",
            b"{\"class\": \"dataset\", ".to_vec(),
            None,
            "not valid JSON",
        ),
    ];
    for (case, bytes, pointer, message) in cases {
        let options = ImportOptions::default();
        let e = import(app.store().as_ref(), &bytes, &options, app.clock().now())
            .await
            .expect_err(case);
        assert!(matches!(e, ImportError::Invalid(_)), "{case}: {e:?}");
        assert_eq!(e.pointer(), pointer, "{case}");
        assert!(e.to_string().contains(message), "{case}: {e}");
        assert_eq!(snapshot(&app).await, after, "{case}: previous data stays");
    }
}
on_both_backends!(reimports_are_idempotent_and_failures_change_nothing);

async fn demo_datasets_are_imported_once_whatever_the_restarts(backend: Backend) {
    // A SQLite database of its own (the app's own goes with it); PostgreSQL's outlives the app.
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = format!("sqlite://{}/restart.db?mode=rwc", dir.path().display());
    let mut first = TestApp::builder()
        .backend(backend)
        .set("demo.statistics", true);
    if backend == Backend::Sqlite {
        first = first.set("database.url", sqlite.as_str());
    }
    let first = first.spawn().await;
    let listed: Value = first.get_json("/api/v1/statistics").await;
    let keys: Vec<String> = listed
        .as_array()
        .expect("list")
        .iter()
        .map(|d| format!("{}/{}", d["source"], d["table"]).replace('"', ""))
        .collect();
    assert_eq!(
        keys,
        [
            "minside/eksempel-asker",
            "ssb/08655",
            "ssb/12191",
            "ssb/12367"
        ]
    );
    let label = listed[0]["label"].as_str().expect("label");
    assert!(label.starts_with("Eksempeltall (ikke fra SSB)"), "{label}");
    let db = first
        .state
        .settings()
        .database
        .url
        .expose_secret()
        .to_owned();
    drop(first);

    let second = TestApp::builder()
        .backend(backend)
        .set("database.url", db.as_str())
        .set("demo.statistics", true)
        .spawn()
        .await;
    let again: Value = second.get_json("/api/v1/statistics").await;
    assert_eq!(again, listed, "a restart imports nothing again");
}
on_both_backends!(demo_datasets_are_imported_once_whatever_the_restarts);
