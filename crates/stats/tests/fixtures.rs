//! Every fixture parses, and cells picked by hand from the raw JSON come out as written there.

mod common;

use common::{FIXTURES, dataset};
use minside_stats::{Cell, Missing, RegionCode};

fn value(v: f64) -> Cell {
    Cell {
        value: Some(v),
        status: None,
    }
}

fn status(s: &str) -> Cell {
    Cell {
        value: None,
        status: Some(s.to_owned()),
    }
}

#[test]
fn every_fixture_parses_with_all_its_cells() {
    let expected = [1250, 75, 135, 120, 432];
    for (name, cells) in FIXTURES.iter().zip(expected) {
        let d = dataset(name);
        assert_eq!(d.len(), cells, "{name}");
        assert_eq!(d.cells().count(), cells, "{name}");
        assert!(d.time_dimension().is_some(), "{name}");
        assert!(d.metric_dimension().is_some(), "{name}");
    }
}

#[test]
fn kommunehelse_12191_cells_match_the_source() {
    let d = dataset("ks-json-stat_resultatTest3.json");
    let at = |c: &str, r: &str, t: &str| {
        d.get(&[("ContentsCode", c), ("KOKkommuneregion0000", r), ("Tid", t)])
    };
    // value[2] = 20, no status.
    assert_eq!(
        at("KOSavtalehjemler0001", "3002", "2020"),
        Some(value(20.0))
    );
    // value[0] = null, status["0"] = ".".
    let cell = at("KOSavtalehjemler0001", "3002", "2018").expect("cell");
    assert_eq!(cell, status("."));
    assert_eq!(cell.missing(), Some(Missing::NotApplicable));
    // value[53] = null, status["53"] = ":" (confidential).
    let cell = at("KOShjemmebesokjo0000", "3039", "2020").expect("cell");
    assert_eq!(cell, status(":"));
    assert_eq!(cell.missing(), Some(Missing::Confidential));
    // value[56] = 13.5.
    assert_eq!(at("KOSergoaarsverk0000", "3002", "2020"), Some(value(13.5)));
    // value[80] = null, status["80"] = "..".
    let cell = at("KOSergoaarsverk0000", "3039", "2020").expect("cell");
    assert_eq!(cell.missing(), Some(Missing::NotAvailable));
    assert_eq!(cell.value, None);
    // value[134] = 1 (the last cell).
    assert_eq!(at("KOShfutilbudtxt0000", "3039", "2020"), Some(value(1.0)));
    // Unknown categories and dimensions give nothing.
    assert_eq!(at("KOShfutilbudtxt0000", "0301", "2020"), None);
    assert_eq!(d.get(&[("ContentsCode", "KOSavtalehjemler0001")]), None);

    assert_eq!(d.source(), Some("Statistisk sentralbyrå"));
    assert_eq!(d.updated(), Some("2021-06-13T22:00:00Z"));
    assert!(d.label().is_some_and(|l| l.starts_with("12191:")));
    let tableid = d.extension().and_then(|e| e.pointer("/px/tableid"));
    assert_eq!(tableid.and_then(|t| t.as_str()), Some("12191"));
    // No role.geo: the region dimension is found by its SSB id.
    assert!(d.roles().geo.is_empty());
    assert_eq!(
        d.region_dimension().map(|r| r.id.as_str()),
        Some("KOKkommuneregion0000")
    );
    assert_eq!(d.time_dimension().map(|r| r.id.as_str()), Some("Tid"));
    let metric = d.metric_dimension().expect("metric");
    let unit = metric
        .category("KOSergoaarsverk0000")
        .and_then(|c| c.unit.as_ref())
        .expect("unit");
    assert_eq!(unit.base.as_deref(), Some("årsverk"));
    assert_eq!(unit.decimals, Some(1));
    let region = d.region_dimension().expect("region");
    assert_eq!(
        region.category("3039").and_then(|c| c.label.as_deref()),
        Some("Flå")
    );
}

#[test]
fn kostra_accounts_12367_cells_match_the_source() {
    let d = dataset("ks-json-stat_resultatTest.json");
    let at = |r: &str, omfang: &str, funksjon: &str, art: &str, t: &str| {
        d.get(&[
            ("KOKkommuneregion0000", r),
            ("KOKregnskapsomfa0000", omfang),
            ("KOKfunksjon0000", funksjon),
            ("KOKart0000", art),
            ("Tid", t),
            // ContentsCode has one category and may be left out.
        ])
    };
    assert_eq!(
        at("EAK", "A", "100", "AGD4", "2015"),
        Some(value(1_943_974.0))
    );
    assert_eq!(at("EAK", "A", "100", "AGD56", "2015"), Some(status(":")));
    assert_eq!(
        at("EAKUO", "A", "120", "AGD4", "2015"),
        Some(value(15_208_029.0))
    );
    assert_eq!(at("3001", "B", "FGK8b", "AGD4", "2015"), Some(status(".")));
    assert_eq!(at("EKG17", "A", "100", "AGD4", "2015"), Some(status(".")));
    assert_eq!(
        at("EKG17", "B", "FGK9", "AGD28", "2020"),
        Some(value(2127.0))
    );
    let codes: Vec<RegionCode> = d.region_codes().into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        codes,
        [
            RegionCode::Country,
            RegionCode::CountryWithoutOslo,
            RegionCode::Municipality("3001".into()),
            RegionCode::KostraGroup(16),
            RegionCode::KostraGroup(17),
        ]
    );
}

#[test]
fn construction_cost_08655_cells_match_the_source() {
    let d = dataset("ks-json-stat_resultatTest2.json");
    let at =
        |a: &str, c: &str, t: &str| d.get(&[("Arbeidstype", a), ("ContentsCode", c), ("Tid", t)]);
    assert_eq!(at("20", "Byggindeks", "1978M01"), Some(value(20.4)));
    assert_eq!(at("20", "EndrForrMnd", "1978M01"), Some(status("..")));
    assert_eq!(at("20", "EndrForrAar", "2021M10"), Some(value(7.9)));
    assert_eq!(at("31", "Byggindeks", "1978M01"), Some(value(4.9)));
    assert_eq!(at("31", "EndrForrAar", "2021M10"), Some(value(11.4)));
    // No region dimension: Arbeidstype codes are not region codes.
    assert!(d.region_dimension().is_none());
}

#[test]
fn canada_sample_cells_match_the_source() {
    let d = dataset("canada.json");
    let at = |age: &str, concept: &str, sex: &str| {
        d.get(&[("age", age), ("concept", concept), ("sex", sex)])
    };
    // status ["a"] applies to every cell.
    let a = |v: f64| Cell {
        value: Some(v),
        status: Some("a".into()),
    };
    assert_eq!(at("T", "POP", "T"), Some(a(34880.5)));
    assert_eq!(at("4", "POP", "T"), Some(a(1928.8)));
    assert_eq!(at("49", "PERCENT", "T"), Some(a(7.7)));
    assert_eq!(at("older", "PERCENT", "F"), Some(a(1.0)));
    // The country dimension has only a label (no index): one category "CA".
    let country = d.dimension("country").expect("country");
    assert_eq!(country.categories.len(), 1);
    assert_eq!(country.categories[0].id, "CA");
    assert_eq!(country.categories[0].label.as_deref(), Some("Canada"));
    assert_eq!(
        at("T", "POP", "F"),
        d.get(&[
            ("country", "CA"),
            ("year", "2012"),
            ("age", "T"),
            ("concept", "POP"),
            ("sex", "F")
        ])
    );
    // Index as an array keeps its order.
    let age = d.dimension("age").expect("age");
    assert_eq!(age.categories.first().map(|c| c.id.as_str()), Some("T"));
    assert_eq!(age.categories.last().map(|c| c.id.as_str()), Some("older"));
    let unit = d
        .metric_dimension()
        .and_then(|m| m.category("POP"))
        .and_then(|c| c.unit.clone())
        .expect("unit");
    assert_eq!(unit.label.as_deref(), Some("thousands of persons"));
    assert_eq!(unit.multiplier, Some(3));
    assert_eq!(unit.position.as_deref(), Some("end"));
    assert_eq!(unit.decimals, Some(1));
    assert_eq!(d.region_dimension().map(|r| r.id.as_str()), Some("country"));
    assert!(
        d.dimension("sex")
            .is_some_and(|s| s.extra.contains_key("link"))
    );
}

#[test]
fn oecd_sample_cells_match_the_source() {
    let d = dataset("oecd.json");
    let at = |area: &str, year: &str| d.get(&[("area", area), ("year", year)]);
    assert_eq!(at("AU", "2003"), Some(value(5.943826289)));
    // Sparse status {"10": "e", …}: an estimate keeps its value.
    let cell = at("AU", "2013").expect("cell");
    assert_eq!(cell.value, Some(5.50415003));
    assert_eq!(cell.status.as_deref(), Some("e"));
    assert_eq!(cell.missing(), None);
    assert_eq!(at("IT", "2011"), Some(value(8.438703909)));
    assert_eq!(at("OECD", "2014").and_then(|c| c.status), Some("e".into()));
    // concept has no index, only a label with one category; role.geo is "area".
    assert_eq!(d.dimension("concept").map(|c| c.categories.len()), Some(1));
    assert_eq!(d.region_dimension().map(|r| r.id.as_str()), Some("area"));
    assert!(d.extension().and_then(|e| e.get("contact")).is_some());
}

#[test]
fn cells_iterate_in_row_major_order_with_coordinates() {
    let d = dataset("ks-json-stat_resultatTest3.json");
    let cells: Vec<_> = d.cells().collect();
    assert_eq!(cells[0].0, ["KOSavtalehjemler0001", "3002", "2018"]);
    assert_eq!(cells[2].0, ["KOSavtalehjemler0001", "3002", "2020"]);
    assert_eq!(cells[2].1, value(20.0));
    assert_eq!(cells[134].0, ["KOShfutilbudtxt0000", "3039", "2020"]);
    for (coordinates, cell) in &cells {
        let pairs: Vec<(&str, &str)> = ["ContentsCode", "KOKkommuneregion0000", "Tid"]
            .into_iter()
            .zip(coordinates.iter().copied())
            .collect();
        assert_eq!(d.get(&pairs).as_ref(), Some(cell));
    }
}

#[test]
fn a_missing_status_is_never_a_zero() {
    // Every cell of the SSB fixtures with ".", ".." or ":" has no value.
    for name in [
        "ks-json-stat_resultatTest.json",
        "ks-json-stat_resultatTest2.json",
        "ks-json-stat_resultatTest3.json",
    ] {
        let d = dataset(name);
        let mut missing = 0;
        for (_, cell) in d.cells() {
            if cell.missing().is_some() {
                missing += 1;
                assert_eq!(cell.value, None, "{name}");
            }
        }
        assert!(missing > 0, "{name}");
    }
}
