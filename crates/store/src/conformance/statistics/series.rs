//! Stories: reading series (filters and order) and cells without a value.

use super::{cell, everything, meta};
use crate::conformance::t0;
use crate::{SeriesPoint, StatCell, Store};

fn point(region: &str, given: &str, time: &str, other: &str, value: Option<f64>) -> SeriesPoint {
    SeriesPoint {
        region: region.into(),
        region_given: given.into(),
        time: time.into(),
        other: other.into(),
        value,
        status: None,
    }
}

/// A series holds the asked regions (2024 numbering: Asker's 2023 cells under 3025 come with
/// its 2024 cells under 3203), ordered by region, time and other key whatever the import
/// order; the other key filters; no regions means all; unknown metrics and datasets give
/// nothing.
pub async fn statistics_series_order_and_filters(store: &dyn Store) {
    let m = meta("Kommunehelse");
    let asker_2023 = StatCell {
        region: "3025".into(),
        region_normalised: "3203".into(),
        ..cell("KOSH", "3025", "2023", Some(11.5))
    };
    let with_other = |c: StatCell, other: &str| StatCell {
        other: other.into(),
        ..c
    };
    let cells = vec![
        cell("KOSH", "EAK", "2024", Some(9.0)),
        cell("KOSH", "3203", "2024", Some(12.0)),
        cell("KOSH", "EKG13", "2023", Some(10.0)),
        cell("KOSH", "0301", "2024", Some(14.0)),
        asker_2023,
        cell("KOSH", "EAK", "2023", Some(8.5)),
        cell("KOSH", "EKG13", "2024", Some(10.5)),
        cell("KOSX", "3203", "2024", Some(1.0)),
        with_other(cell("KOSK", "3203", "2024", Some(3.0)), "Kjonn=2"),
        with_other(cell("KOSK", "3203", "2024", Some(2.0)), "Kjonn=1"),
        with_other(cell("KOSK", "3203", "2023", Some(1.0)), "Kjonn=2"),
    ];
    store
        .import_dataset(&m, "sha256:series", &cells, t0())
        .await
        .expect("import");
    let series = |metric: &'static str, regions: &'static [&'static str], other| {
        let m = &m;
        async move {
            store
                .series(&m.source, &m.table_id, metric, regions, other)
                .await
                .expect("series")
        }
    };

    assert_eq!(
        series("KOSH", &["EAK", "3203"], None).await,
        vec![
            point("3203", "3025", "2023", "", Some(11.5)),
            point("3203", "3203", "2024", "", Some(12.0)),
            point("EAK", "EAK", "2023", "", Some(8.5)),
            point("EAK", "EAK", "2024", "", Some(9.0)),
        ],
        "the tenant beside the country, across the renumbering"
    );
    assert!(
        series("KOSH", &["3025"], None).await.is_empty(),
        "regions are asked for in the 2024 numbering"
    );
    let all = series("KOSH", &[], None).await;
    let regions: Vec<&str> = all.iter().map(|p| p.region.as_str()).collect();
    assert_eq!(
        regions,
        vec!["0301", "3203", "3203", "EAK", "EAK", "EKG13", "EKG13"],
        "every region, in order"
    );
    assert_eq!(all, everything(store, &m, "KOSH").await);
    assert_eq!(
        series("KOSK", &["3203"], None).await,
        vec![
            point("3203", "3203", "2023", "Kjonn=2", Some(1.0)),
            point("3203", "3203", "2024", "Kjonn=1", Some(2.0)),
            point("3203", "3203", "2024", "Kjonn=2", Some(3.0)),
        ],
        "every other key, in order"
    );
    assert_eq!(
        series("KOSK", &["3203"], Some("Kjonn=2")).await,
        vec![
            point("3203", "3203", "2023", "Kjonn=2", Some(1.0)),
            point("3203", "3203", "2024", "Kjonn=2", Some(3.0)),
        ],
        "one other key"
    );
    assert!(series("KOSK", &["3203"], Some("")).await.is_empty());
    assert_eq!(series("KOSX", &["3203", "0301"], Some("")).await.len(), 1);
    assert!(series("KOSZ", &[], None).await.is_empty(), "unknown metric");
    assert!(
        store
            .series("ssb", "finnes-ikke", "KOSH", &[], None)
            .await
            .expect("series")
            .is_empty(),
        "unknown dataset"
    );
    assert_eq!(
        store
            .metrics_of(&m.source, &m.table_id)
            .await
            .expect("metrics"),
        vec!["KOSH".to_owned(), "KOSK".to_owned(), "KOSX".to_owned()]
    );
}

/// Missing, not-applicable and confidential cells come back without a value (never 0), with
/// their status; zero, negative, tiny and huge values and estimated values come back exactly.
pub async fn statistics_missing_values_round_trip(store: &dyn Store) {
    let m = meta("Statuskoder");
    let with_status = |time: &str, value: Option<f64>, status: Option<&str>| StatCell {
        status: status.map(str::to_owned),
        ..cell("KOSQ", "4204", time, value)
    };
    let cells = vec![
        with_status("2015", None, None),
        with_status("2016", None, Some("..")),
        with_status("2017", None, Some(".")),
        with_status("2018", None, Some(":")),
        with_status("2019", Some(0.0), None),
        with_status("2020", Some(12.5), Some("e")),
        with_status("2021", Some(-3.25), None),
        with_status("2022", Some(1.0e300), None),
        with_status("2023", Some(0.1), None),
        with_status("2024", Some(-0.000_001), Some("p")),
    ];
    store
        .import_dataset(&m, "sha256:status", &cells, t0())
        .await
        .expect("import");
    let read = everything(store, &m, "KOSQ").await;
    let back: Vec<(String, Option<f64>, Option<String>)> = read
        .into_iter()
        .map(|p| (p.time, p.value, p.status))
        .collect();
    let sent: Vec<(String, Option<f64>, Option<String>)> = cells
        .into_iter()
        .map(|c| (c.time, c.value, c.status))
        .collect();
    assert_eq!(
        back, sent,
        "values and statuses as imported, missing never 0"
    );
}
