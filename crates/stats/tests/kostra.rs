//! KOSTRA comparison: region codes, the 2024 renumbering and series across it.

mod common;

use std::collections::HashSet;

use common::{FIXTURES, dataset};
use minside_core::Kommunenummer;
use minside_stats::{
    Cell, RegionCode, merge_series, normalise_region, parse, renumbered_2024, renumbering_2024,
    series, series_where,
};
use serde_json::json;

#[test]
fn region_codes_are_classified() {
    use RegionCode::*;
    assert_eq!(RegionCode::classify("EAK"), Country);
    assert_eq!(RegionCode::classify("EAKUO"), CountryWithoutOslo);
    assert_eq!(RegionCode::classify("EKG16"), KostraGroup(16));
    assert_eq!(
        RegionCode::classify("EKA30"),
        CountyMunicipalities("30".into())
    );
    assert_eq!(RegionCode::classify("3000"), County("30".into()));
    assert_eq!(RegionCode::classify("3025"), Municipality("3025".into()));
    assert_eq!(RegionCode::classify("0301"), Municipality("0301".into()));
    for other in [
        "",
        "EKG1",
        "EKG123",
        "EKGab",
        "302",
        "30250",
        "0000",
        "ABCD",
        "eak",
        "３０２５",
    ] {
        assert_eq!(
            RegionCode::classify(other),
            Other(other.into()),
            "{other:?}"
        );
    }
    let asker = RegionCode::classify("3025").kommunenummer().expect("Asker");
    assert_eq!(asker.as_str(), "3203");
    assert_eq!(asker.name(), "Asker");
    assert_eq!(
        RegionCode::classify("0301")
            .kommunenummer()
            .map(|k| k.name()),
        Some("Oslo")
    );
    assert_eq!(RegionCode::classify("EAK").kommunenummer(), None);
}

#[test]
fn the_2024_renumbering() {
    assert_eq!(renumbered_2024("3025"), Some("3203"));
    assert_eq!(renumbered_2024("3024"), Some("3201"));
    assert_eq!(renumbered_2024("3001"), Some("3101"));
    assert_eq!(renumbered_2024("3002"), Some("3103"));
    assert_eq!(renumbered_2024("3803"), Some("3905"));
    assert_eq!(renumbered_2024("5401"), Some("5501"));
    assert_eq!(renumbered_2024("5444"), Some("5605"));
    assert_eq!(renumbered_2024("1507"), Some("1508"));
    // Unchanged and unknown numbers.
    assert_eq!(renumbered_2024("0301"), None);
    assert_eq!(renumbered_2024("3203"), None);
    assert_eq!(renumbered_2024(""), None);
    assert_eq!(normalise_region("3025"), "3203");
    assert_eq!(normalise_region("EAK"), "EAK");
}

#[test]
fn every_new_number_is_in_the_2024_list_with_its_name() {
    let table = renumbering_2024();
    // Viken 51, Vestfold og Telemark 23, Troms og Finnmark 39, Ålesund 1.
    assert_eq!(table.len(), 114);
    let mut olds = HashSet::new();
    let mut news = HashSet::new();
    for row in table {
        let new = Kommunenummer::parse(row.new)
            .unwrap_or_else(|e| panic!("{} -> {}: {e}", row.old, row.new));
        assert_eq!(new.name(), row.name, "{}", row.old);
        assert!(
            Kommunenummer::parse(row.old).is_err(),
            "{} is still in use",
            row.old
        );
        assert!(olds.insert(row.old), "{} twice", row.old);
        assert!(news.insert(row.new), "{} twice", row.new);
    }
    // Every 2024 number in the split counties comes from the table.
    for k in Kommunenummer::all() {
        if ["31", "32", "33", "39", "40", "55", "56"].contains(&k.fylkesnummer()) {
            assert!(news.contains(k.as_str()), "{k} has no old number");
        }
    }
}

#[test]
fn every_municipality_in_the_fixtures_maps_to_2024() {
    let mut seen = 0;
    for name in FIXTURES.iter().filter(|n| n.starts_with("ks-")) {
        for (code, region) in dataset(name).region_codes() {
            if let RegionCode::Municipality(_) = region {
                assert!(code.starts_with("30"), "{code}");
                assert!(renumbered_2024(code).is_some(), "{code} in {name}");
                assert!(region.kommunenummer().is_some(), "{code} in {name}");
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 10);
}

/// A table of one metric for one region over the given years, in the given numbering.
fn table(region: &str, years: &[&str], values: &[Option<f64>]) -> minside_stats::Dataset {
    let values: Vec<Option<f64>> = [vec![Some(0.5); years.len()], values.to_vec()].concat();
    let doc = json!({
        "class": "dataset",
        "id": ["ContentsCode", "KOKkommuneregion0000", "Tid"],
        "size": [1, 2, years.len()],
        "dimension": {
            "ContentsCode": {"category": {"index": ["KOSbelop0000"]}},
            "KOKkommuneregion0000": {"category": {"index": ["EAK", region]}},
            "Tid": {"category": {"index": years}}
        },
        "value": values,
        "status": {"1": ".."},
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]}
    });
    parse(&serde_json::to_vec(&doc).expect("json")).expect("valid")
}

#[test]
fn a_series_joins_old_and_new_numbers() {
    let old = table("3025", &["2022", "2023"], &[Some(10.0), Some(11.0)]);
    let new = table("3203", &["2023", "2024"], &[Some(11.5), Some(12.0)]);
    let from_old = series(&old, "KOSbelop0000", "3203");
    assert_eq!(
        from_old.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["2022", "2023"]
    );
    assert_eq!(series(&old, "KOSbelop0000", "3025"), from_old);
    let from_new = series(&new, "KOSbelop0000", "3025");
    let merged = merge_series([from_old, from_new]);
    let figures: Vec<(&str, Option<f64>)> =
        merged.iter().map(|(t, c)| (t.as_str(), c.value)).collect();
    // The newer table's 2023 figure wins.
    assert_eq!(
        figures,
        [
            ("2022", Some(10.0)),
            ("2023", Some(11.5)),
            ("2024", Some(12.0))
        ]
    );
    // The comparison region and its status.
    let country = series(&old, "KOSbelop0000", "EAK");
    assert_eq!(
        country[1].1,
        Cell {
            value: None,
            status: Some("..".into())
        }
    );
    assert!(series(&old, "KOSbelop0000", "0301").is_empty());
    assert!(series(&old, "KOSnope", "3203").is_empty());
}

#[test]
fn series_from_the_ssb_fixtures() {
    let d = dataset("ks-json-stat_resultatTest3.json");
    let moss = series(&d, "KOSergoaarsverk0000", "3103");
    let figures: Vec<(&str, Option<f64>, Option<&str>)> = moss
        .iter()
        .map(|(t, c)| (t.as_str(), c.value, c.status.as_deref()))
        .collect();
    assert_eq!(
        figures,
        [
            ("2018", None, Some(".")),
            ("2019", None, Some(".")),
            ("2020", Some(13.5), None)
        ]
    );

    // 12367 has more dimensions: they must be fixed.
    let d = dataset("ks-json-stat_resultatTest.json");
    assert!(series(&d, "KOSbelop0000", "3101").is_empty());
    let halden = series_where(
        &d,
        "KOSbelop0000",
        "3101",
        &[
            ("KOKregnskapsomfa0000", "A"),
            ("KOKfunksjon0000", "100"),
            ("KOKart0000", "AGD4"),
        ],
    );
    assert_eq!(halden.len(), 5);
    let times: Vec<&str> = halden.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(times, ["2015", "2016", "2017", "2019", "2020"]);
}
