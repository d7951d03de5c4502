//! Tests for `Kommunenummer` against the embedded 2024 list.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use minside_core::{Kommunenummer, KommunenummerError};
use proptest::prelude::*;

/// The kommunenumre in the data file, read independently of the crate's parser.
fn listed() -> BTreeSet<String> {
    include_str!("../data/kommuner-2024.csv")
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.trim().to_owned())
        .collect()
}

#[test]
fn known_municipalities() {
    let k = Kommunenummer::parse("3203").unwrap();
    assert_eq!(k.as_str(), "3203");
    assert_eq!(k.name(), "Asker");
    assert_eq!(k.fylkesnummer(), "32");
    assert_eq!(k.fylkesnavn(), "Akershus");
    assert_eq!(k.to_string(), "3203");
    assert_eq!(format!("{k:?}"), "Kommunenummer(\"3203\")");

    for (nr, name, fylke) in [
        ("0301", "Oslo", "Oslo"),
        ("1580", "Haram", "Møre og Romsdal"),
        ("3201", "Bærum", "Akershus"),
        ("3101", "Halden", "Østfold"),
        ("4601", "Bergen", "Vestland"),
        ("5001", "Trondheim - Tråante", "Trøndelag - Trööndelage"),
        ("5501", "Tromsø", "Troms - Romsa - Tromssa"),
        (
            "5612",
            "Guovdageaidnu - Kautokeino",
            "Finnmark - Finnmárku - Finmarkku",
        ),
    ] {
        let k: Kommunenummer = nr.parse().unwrap();
        assert_eq!((k.as_str(), k.name(), k.fylkesnavn()), (nr, name, fylke));
        assert_eq!(k.fylkesnummer(), &nr[..2]);
    }
}

#[test]
fn rejects_old_and_malformed_numbers() {
    // 2020-2023 numbers (Viken 30xx, Troms og Finnmark 54xx) and pre-2020 Bærum.
    for old in ["3025", "3001", "5401", "0219", "0000", "9999"] {
        let code = old.parse::<u16>().unwrap();
        assert_eq!(
            Kommunenummer::parse(old),
            Err(KommunenummerError::Unknown(code)),
            "{old}"
        );
    }
    assert_eq!(
        KommunenummerError::Unknown(301).to_string(),
        "kommunenummer 0301 is not in the 2024 municipal structure"
    );
    for bad in [
        "",
        "301",
        "03010",
        " 0301",
        "0301 ",
        "03a1",
        "+301",
        "３２０３",
    ] {
        assert_eq!(
            Kommunenummer::parse(bad),
            Err(KommunenummerError::Format),
            "{bad:?}"
        );
    }
}

#[test]
fn all_lists_every_municipality_in_order() {
    let all: Vec<_> = Kommunenummer::all().collect();
    assert_eq!(all.len(), 357);
    assert!(
        all.windows(2)
            .all(|w| w[0] < w[1] && w[0].as_str() < w[1].as_str())
    );
    let strs: BTreeSet<String> = all.iter().map(|k| k.to_string()).collect();
    assert_eq!(strs, listed());
    for k in all {
        assert_eq!(Kommunenummer::parse(k.as_str()), Ok(k));
    }
    let fylker: BTreeSet<_> = Kommunenummer::all().map(|k| k.fylkesnummer()).collect();
    assert_eq!(fylker.len(), 15);
}

#[test]
fn serde_as_string() {
    let k = Kommunenummer::parse("0301").unwrap();
    assert_eq!(serde_json::to_string(&k).unwrap(), "\"0301\"");
    assert_eq!(
        serde_json::from_str::<Kommunenummer>("\"0301\"").unwrap(),
        k
    );
    assert!(serde_json::from_str::<Kommunenummer>("\"3025\"").is_err());
    assert!(
        serde_json::from_str::<Kommunenummer>("301").is_err(),
        "numbers are not accepted"
    );
    let err = serde_json::from_str::<Kommunenummer>("\"12\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("four digits"), "{err}");
}

proptest! {
    #[test]
    fn four_digits_parse_exactly_when_listed(s in "[0-9]{4}") {
        let listed = listed().contains(&s);
        match Kommunenummer::parse(&s) {
            Ok(k) => {
                prop_assert!(listed);
                prop_assert_eq!(k.as_str(), s.as_str());
            }
            Err(e) => {
                prop_assert!(!listed);
                prop_assert_eq!(e, KommunenummerError::Unknown(s.parse().unwrap()));
            }
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,8}") {
        if let Ok(k) = Kommunenummer::parse(&s) {
            prop_assert!(listed().contains(&s));
            prop_assert_eq!(k.to_string(), s);
        }
    }
}
