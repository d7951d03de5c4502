//! `minside import stats` through the real binary, on the test app's database: a file is
//! created, then unchanged; a malformed file exits non-zero with the parser's pointer and
//! changes nothing; a changed file replaces; `--url` downloads (non-2xx and oversized answers
//! refused); with no file the configured `[[statistics.sources]]` are imported.

use std::process::Output;

use minside_test_support::{Backend, TestApp};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{fixture, fixture_json, fixture_path, on_both_backends};

/// Runs the binary with `args` against `app`'s database, in an empty working directory.
async fn minside(app: &TestApp, args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().expect("dir");
    let db = app.state.settings().database.url.expose_secret().to_owned();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_minside"));
    cmd.args(args)
        .current_dir(dir.path())
        .env_remove("MINSIDE_CONFIG")
        .env("MINSIDE__DATABASE__URL", db)
        .env("MINSIDE__LOG__FILTER", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("run minside")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// What must not change when an import is refused: the dataset and a sample of its figures.
async fn state_of_12191(app: &TestApp) -> (Value, Value) {
    let detail: Value = app.get_json("/api/v1/statistics/ssb/12191").await;
    let figures: Value = app
        .get_json("/api/v1/statistics/ssb/12191/compare?metric=KOSergoaarsverk0000&with=3002,3039")
        .await;
    (detail, figures["series"].clone())
}

async fn the_cli_imports_files_urls_and_configured_sources(backend: Backend) {
    let app = TestApp::builder().backend(backend).spawn().await;
    let file = fixture_path("ks-json-stat_resultatTest3.json");

    let first = minside(&app, &["import", "stats", &file], &[]).await;
    assert!(first.status.success(), "{}", text(&first.stderr));
    let out = text(&first.stdout);
    assert!(
        out.contains(": created ssb/12191 (135 cells): 12191: Kommunehelse"),
        "{out}"
    );

    let again = minside(&app, &["import", "stats", &file], &[]).await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(text(&again.stdout).contains(": unchanged ssb/12191 (135 cells)"));
    let before = state_of_12191(&app).await;
    assert_eq!(before.1[1]["points"][2]["value"], 13.5, "Moss 2020");

    // A malformed version of the same table: refused, with the pointer; nothing changes.
    let dir = tempfile::tempdir().expect("dir");
    let mut broken = fixture_json("ks-json-stat_resultatTest3.json");
    broken["value"].as_array_mut().expect("values").pop();
    let broken_file = dir.path().join("12191-broken.json");
    std::fs::write(&broken_file, serde_json::to_vec(&broken).expect("json")).expect("write");
    let broken_file = broken_file.display().to_string();
    let refused = minside(&app, &["import", "stats", &broken_file], &[]).await;
    assert!(!refused.status.success());
    let err = text(&refused.stderr);
    assert!(
        err.contains("/value has 134 entries but the sizes give 135 cells"),
        "{err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    assert!(text(&refused.stdout).is_empty());
    assert_eq!(
        state_of_12191(&app).await,
        before,
        "previous data untouched"
    );

    // A changed figure: replaced.
    let mut changed = fixture_json("ks-json-stat_resultatTest3.json");
    changed["value"][2 * 27 + 2] = json!(14.0); // KOSergoaarsverk0000, Moss, 2020
    let changed_file = dir.path().join("12191.json");
    std::fs::write(&changed_file, serde_json::to_vec(&changed).expect("json")).expect("write");
    let changed_file = changed_file.display().to_string();
    let replaced = minside(&app, &["import", "stats", &changed_file], &[]).await;
    assert!(replaced.status.success(), "{}", text(&replaced.stderr));
    assert!(text(&replaced.stdout).contains(": replaced ssb/12191 (135 cells)"));
    assert_eq!(state_of_12191(&app).await.1[1]["points"][2]["value"], 14.0);

    // --table names one dataset.
    let two = minside(
        &app,
        &["import", "stats", "--table", "x", &file, &changed_file],
        &[],
    )
    .await;
    assert!(!two.status.success());
    assert!(text(&two.stderr).contains("--table"));
    // A file over statistics.max_bytes is refused before it is read.
    let large = minside(
        &app,
        &["import", "stats", &file],
        &[("MINSIDE__STATISTICS__MAX_BYTES", "1000")],
    )
    .await;
    assert!(!large.status.success());
    let err = text(&large.stderr);
    assert!(
        err.contains("the file is 6559 bytes; at most 1000"),
        "{err}"
    );

    // From a URL: the original is a replacement again; non-2xx and oversized are refused.
    let server = MockServer::start().await;
    let served = fixture("ks-json-stat_resultatTest3.json");
    Mock::given(method("GET"))
        .and(path("/12191.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(served.clone(), "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/12367.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("ks-json-stat_resultatTest.json"),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/gone.json"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let url = format!("{}/12191.json?key=secret", server.uri());
    let fetched = minside(&app, &["import", "stats", "--url", &url], &[]).await;
    assert!(fetched.status.success(), "{}", text(&fetched.stderr));
    let out = text(&fetched.stdout);
    assert!(out.contains(": replaced ssb/12191 (135 cells)"), "{out}");
    assert!(!out.contains("secret"), "the query is not printed: {out}");
    let after_url = state_of_12191(&app).await;
    assert_eq!(after_url.1[1]["points"][2]["value"], 13.5);

    let gone = format!("{}/gone.json", server.uri());
    let r = minside(&app, &["import", "stats", "--url", &gone], &[]).await;
    assert!(!r.status.success());
    assert!(text(&r.stderr).contains("HTTP 404"), "{}", text(&r.stderr));
    let r = minside(
        &app,
        &["import", "stats", "--url", &url],
        &[("MINSIDE__STATISTICS__MAX_BYTES", "1000")],
    )
    .await;
    assert!(!r.status.success());
    assert!(
        text(&r.stderr).contains("larger than 1000 bytes"),
        "{}",
        text(&r.stderr)
    );
    assert_eq!(
        state_of_12191(&app).await,
        after_url,
        "refused downloads change nothing"
    );

    // Without files or --url: the configured sources.
    let config = dir.path().join("minside.toml");
    std::fs::write(
        &config,
        format!(
            "[[statistics.sources]]\nurl = \"{0}/12367.json\"\n\n\
             [[statistics.sources]]\nurl = \"{0}/12191.json\"\nsource = \"ssb\"\ntable = \"12191\"\n",
            server.uri()
        ),
    )
    .expect("config");
    let config = config.display().to_string();
    let configured = minside(&app, &["import", "stats"], &[("MINSIDE_CONFIG", &config)]).await;
    assert!(configured.status.success(), "{}", text(&configured.stderr));
    let out = text(&configured.stdout);
    assert!(out.contains(": created ssb/12367 (1250 cells)"), "{out}");
    assert!(out.contains(": unchanged ssb/12191 (135 cells)"), "{out}");
    let listed: Value = app.get_json("/api/v1/statistics").await;
    assert_eq!(listed.as_array().map(Vec::len), Some(2));
}
on_both_backends!(the_cli_imports_files_urls_and_configured_sources);
