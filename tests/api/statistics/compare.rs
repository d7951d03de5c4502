//! The comparison API on the demo datasets: Asker across the 2024 renumbering beside Bærum,
//! its KOSTRA group and the country; missing figures with status and explanation; the other
//! dimensions of an SSB accounts table; query validation as problem+json; caching; and a tenant
//! without a KOSTRA group.

use minside_test_support::{Backend, TestApp};
use serde_json::{Value, json};

use super::{demo_asker, on_both_backends, source_cells};
use crate::helpers::assert_problem;

const ASKER: &str = "/api/v1/statistics/minside/eksempel-asker";

fn series<'a>(body: &'a Value, region: &str) -> &'a Value {
    body["series"]
        .as_array()
        .expect("series")
        .iter()
        .find(|s| s["region"] == region)
        .unwrap_or_else(|| panic!("no series {region} in {body}"))
}

/// The demo file's figure for `(region as given, metric, year)`.
fn demo_value(region: &str, metric: &str, year: &str) -> Option<f64> {
    let cells = source_cells(&demo_asker());
    cells[&vec![region.to_owned(), metric.to_owned(), year.to_owned()]].value
}

async fn asker_beside_baerum_its_group_and_the_country(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .set("demo.statistics", true)
        .spawn()
        .await;
    let metric = "KOSandelbarnbhg0000";
    let body: Value = app
        .get_json(&format!("{ASKER}/compare?metric={metric}&with=3201"))
        .await;
    assert_eq!(body["metric"]["unit"], "prosent");
    assert_eq!(body["metric"]["decimals"], 1);
    assert_eq!(
        body["times"],
        json!(["2020", "2021", "2022", "2023", "2024", "2025"])
    );
    let kinds: Vec<(&str, &str)> = body["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|s| {
            (
                s["region"].as_str().expect("r"),
                s["kind"].as_str().expect("k"),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("3203", "tenant"),
            ("3201", "municipality"),
            ("EKG17", "kostra_group"),
            ("EAK", "country"),
            ("EAKUO", "country_without_oslo"),
        ]
    );

    // Asker: 2020–2023 under 3025, 2024– under 3203, one series.
    let asker = series(&body, "3203");
    assert_eq!(asker["label"], "Asker");
    assert_eq!(asker["given_as"], json!(["3025", "3203"]));
    let points = asker["points"].as_array().expect("points");
    assert_eq!(points.len(), 6);
    for (point, year) in points.iter().zip(2020..) {
        let year = year.to_string();
        let given = if year.as_str() < "2024" {
            "3025"
        } else {
            "3203"
        };
        assert_eq!(point["time"], year.as_str());
        assert_eq!(point["given_as"], given, "{point}");
        assert_eq!(point["value"].as_f64(), demo_value(given, metric, &year));
        assert!(point["value"].is_number(), "{point}");
        assert!(point["status"].is_null() && point["status_text"].is_null());
    }
    let baerum = series(&body, "3201");
    assert_eq!(baerum["label"], "Bærum");
    assert_eq!(baerum["given_as"], json!(["3024", "3201"]));
    assert_eq!(series(&body, "EKG17")["label"], "KOSTRA-gruppe 17");
    assert_eq!(series(&body, "EAK")["label"], "Landet");
    assert_eq!(
        series(&body, "EAK")["points"][5]["value"].as_f64(),
        demo_value("EAK", metric, "2025")
    );

    // An old number in `with` is the same municipality; 2025 spending is not available yet.
    let spending = "KOSnettobhgpers0000";
    let body: Value = app
        .get_json(&format!("{ASKER}/compare?metric={spending}&with=3024"))
        .await;
    assert_eq!(body["metric"]["unit"], "kr");
    assert_eq!(body["metric"]["decimals"], 0);
    for region in ["3203", "3201", "EKG17", "EAK", "EAKUO"] {
        let last = &series(&body, region)["points"][5];
        assert_eq!(last["time"], "2025");
        assert!(last["value"].is_null(), "never 0: {last}");
        assert_eq!(last["status"], "..");
        let text = last["status_text"].as_str().expect("explained");
        assert!(text.starts_with("Tallgrunnlag mangler"), "{text}");
    }
    assert_eq!(
        series(&body, "3201")["points"][0]["value"].as_f64(),
        demo_value("3024", spending, "2020")
    );
}
on_both_backends!(asker_beside_baerum_its_group_and_the_country);

async fn other_dimensions_validation_and_caching(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .set("demo.statistics", true)
        .spawn()
        .await;
    // 12367 (accounts): one region is Halden (3001, 3101 from 2024); `:` cells are null.
    let base = "/api/v1/statistics/ssb/12367/compare";
    let other = "KOKregnskapsomfa0000=B;KOKfunksjon0000=FGK8b;KOKart0000=AGD2";
    let body: Value = app
        .get_json(&format!(
            "{base}?with=3101&other={}",
            other.replace(';', "%3B")
        ))
        .await;
    assert_eq!(
        body["metric"]["code"], "KOSbelop0000",
        "the only metric is the default"
    );
    assert_eq!(body["metric"]["unit"], "1000 kr");
    assert_eq!(body["other"], other);
    assert_eq!(body["selection"][1]["label"], "Grunnskole");
    let source = source_cells(&super::fixture_json("ks-json-stat_resultatTest.json"));
    let mut statuses = Vec::new();
    for (region, given) in [
        ("3101", "3001"),
        ("EKG17", "EKG17"),
        ("EAK", "EAK"),
        ("EAKUO", "EAKUO"),
    ] {
        let s = series(&body, region);
        assert_eq!(s["given_as"], json!([given]));
        assert_eq!(s["points"].as_array().expect("points").len(), 5);
        for p in s["points"].as_array().expect("points") {
            let key: Vec<String> = [given, "B", "FGK8b", "AGD2", "KOSbelop0000"]
                .iter()
                .map(|c| (*c).to_owned())
                .chain([p["time"].as_str().expect("time").to_owned()])
                .collect();
            assert_eq!(p["value"].as_f64(), source[&key].value, "{region} {p}");
            assert_eq!(p["status"].as_str(), source[&key].status.as_deref());
            statuses.extend(p["status"].as_str().map(str::to_owned));
        }
    }
    // Without `other`, each dimension's first category.
    let first: Value = app.get_json(&format!("{base}?with=3101")).await;
    assert_eq!(
        first["other"],
        "KOKregnskapsomfa0000=A;KOKfunksjon0000=100;KOKart0000=AGD4"
    );
    assert!(statuses.iter().any(|s| s == "."), "{statuses:?}");
    // `:` (confidential) in the country's transfers from own enterprises: null, explained.
    let confidential: Value = app
        .get_json(&format!(
            "{base}?other=KOKregnskapsomfa0000=A%3BKOKfunksjon0000=100%3BKOKart0000=AGD56"
        ))
        .await;
    let eak = &series(&confidential, "EAK")["points"][0];
    assert!(eak["value"].is_null(), "{eak}");
    assert_eq!(eak["status"], ":");
    let text = eak["status_text"].as_str().expect("explained");
    assert!(text.starts_with("Vises ikke"), "{text}");

    // Validation, as problem+json naming the parameter.
    let compare = "/api/v1/statistics/minside/eksempel-asker/compare";
    for (query, pointer) in [
        ("metric=KOSnope", "/metric"),
        ("with=3201", "/metric"),
        ("metric=KOSandelbarnbhg0000&with=3201,99x9", "/with/1"),
        ("metric=KOSandelbarnbhg0000&with=3201,9999", "/with/1"),
        (
            "metric=KOSandelbarnbhg0000&with=3201,3301,3101,3103,3105,3107,3301,0301,4601,5001,1103",
            "/with",
        ),
        ("metric=KOSandelbarnbhg0000&other=Kjonn=0", "/other"),
    ] {
        let r = app.get(&format!("{compare}?{query}")).await;
        let problem = assert_problem(r, 422, "invalid-query").await;
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "{query}: {problem}"
        );
    }
    let other_bad = app.get(&format!("{base}?other=KOKart0000=NOPE")).await;
    let problem = assert_problem(other_bad, 422, "invalid-query").await;
    assert_eq!(problem["errors"][0]["pointer"], "/other");
    assert_problem(
        app.get("/api/v1/statistics/ssb/99999/compare").await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/statistics/ssb/99999").await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/statistics/ssb/08655/compare?metric=Byggindeks")
            .await,
        422,
        "not-comparable",
    )
    .await;
    assert_problem(
        app.get(&format!("{compare}?colour=red")).await,
        400,
        "bad-request",
    )
    .await;

    // Public answers are cacheable and revalidate with their ETag.
    for path in [
        "/api/v1/statistics".to_owned(),
        "/api/v1/statistics/ssb/12191".to_owned(),
        format!("{compare}?metric=KOSandelbarnbhg0000&with=3201"),
    ] {
        let r = app.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        let cache = r.headers()["cache-control"].to_str().expect("ascii");
        assert_eq!(cache, "public, max-age=300, must-revalidate");
        let etag = r.headers()["etag"].clone();
        let again = app
            .client
            .get(app.url(&path))
            .header("if-none-match", etag)
            .send()
            .await
            .expect("request");
        assert_eq!(again.status(), 304, "{path}");
    }
}
on_both_backends!(other_dimensions_validation_and_caching);

async fn a_tenant_without_a_kostra_group(backend: Backend) {
    let app = TestApp::builder()
        .backend(backend)
        .tenant("kommunenummer = \"3203\"\nname = \"Asker kommune\"\nhosts = [\"localhost\"]\n")
        .tenant("kommunenummer = \"3201\"\nname = \"Bærum kommune\"\nhosts = [\"127.0.0.1\"]\n")
        .set("demo.statistics", true)
        .spawn()
        .await;
    let body: Value = app
        .get_json(&format!(
            "{ASKER}/compare?metric=KOSbarnperaarsv0000&with=3203"
        ))
        .await;
    let regions: Vec<&str> = body["series"]
        .as_array()
        .expect("series")
        .iter()
        .map(|s| s["region"].as_str().expect("region"))
        .collect();
    assert_eq!(regions, ["3201", "3203", "EAK", "EAKUO"]);
    assert_eq!(series(&body, "3201")["kind"], "tenant");
    assert_eq!(series(&body, "3203")["given_as"], json!(["3025", "3203"]));
}
on_both_backends!(a_tenant_without_a_kostra_group);
