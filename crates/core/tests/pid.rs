//! Tests for `Pid`: hand-computed examples, and property tests against an independent reference
//! implementation of the fødselsnummer rules written here from the specification.
#![allow(clippy::unwrap_used)]

use jiff::civil::{Date, date};
use minside_core::{Pid, PidError, PidKind, PidPolicy};
use proptest::prelude::*;

const STRICT: PidPolicy = PidPolicy {
    allow_synthetic: false,
};
const TEST: PidPolicy = PidPolicy {
    allow_synthetic: true,
};

/// Reference: 11 - (weighted sum mod 11), 11 -> 0, 10 -> invalid.
fn reference_control(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        k => Some(k),
    }
}

/// Reference: appends both control digits to nine digits, `None` if either would be 10.
fn reference_complete(first9: &str) -> Option<String> {
    let mut d: Vec<u32> = first9.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let k1 = reference_control(&d, &[3, 7, 6, 1, 8, 9, 4, 5, 2])?;
    d.push(k1);
    let k2 = reference_control(&d, &[5, 4, 3, 2, 7, 6, 5, 4, 3, 2])?;
    Some(format!("{first9}{k1}{k2}"))
}

/// Reference: (birth date, D-nummer?, synthetic?) of an 11-digit string, or `None` if invalid.
fn reference_decode(s: &str) -> Option<(Date, bool, bool)> {
    if reference_complete(&s[..9]).as_deref() != Some(s) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<i16>().unwrap();
    let (mut day, mut month, yy, ind) = (num(0..2), num(2..4), num(4..6), num(6..9));
    let d_nummer = day > 40;
    if d_nummer {
        day -= 40;
    }
    let synthetic = month > 80;
    if synthetic {
        month -= 80;
    }
    let year = if ind <= 499 {
        1900 + yy
    } else if ind <= 749 && yy >= 54 {
        1800 + yy
    } else if yy <= 39 {
        2000 + yy
    } else if ind >= 900 {
        1900 + yy
    } else {
        return None;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&month) || day < 1 || day > days[month as usize - 1] {
        return None;
    }
    Some((date(year, month as i8, day as i8), d_nummer, synthetic))
}

#[test]
fn hand_computed_valid_numbers() {
    // 15076500565 is the example used in Norwegian validator documentation; control digits
    // worked through in the unit tests of src/pid.rs.
    let cases = [
        ("15076500565", date(1965, 7, 15), PidKind::Fodselsnummer),
        ("01019012480", date(1990, 1, 1), PidKind::Fodselsnummer),
        ("01017045640", date(1970, 1, 1), PidKind::Fodselsnummer),
        ("29020050088", date(2000, 2, 29), PidKind::Fodselsnummer), // 500 + yy 00 -> 2000s
        ("29029691205", date(1996, 2, 29), PidKind::Fodselsnummer), // 912 + yy 96 -> 1900s
        ("31129995044", date(1999, 12, 31), PidKind::Fodselsnummer),
        ("01014095094", date(1940, 1, 1), PidKind::Fodselsnummer), // 950 + yy 40 -> 1940
        ("24087249936", date(1972, 8, 24), PidKind::Fodselsnummer), // 499 -> 1900s
        ("24087250071", date(1872, 8, 24), PidKind::Fodselsnummer), // 500 + yy 72 -> 1800s
        ("01085460060", date(1854, 8, 1), PidKind::Fodselsnummer),
        ("01105470041", date(1854, 10, 1), PidKind::Fodselsnummer),
        ("55076500559", date(1965, 7, 15), PidKind::DNummer),
        ("71019010052", date(1990, 1, 31), PidKind::DNummer),
    ];
    for (s, birth, kind) in cases {
        let pid = Pid::parse(s, STRICT).unwrap();
        assert_eq!(pid.birth_date(), birth, "{s}");
        assert_eq!(pid.kind(), kind, "{s}");
        assert!(!pid.is_synthetic());
        assert_eq!(pid.expose(), s);
        assert_eq!(Pid::parse(s, TEST).unwrap(), pid);
    }
}

#[test]
fn synthetic_numbers_need_the_policy() {
    for (s, kind) in [
        ("25817200012", PidKind::Fodselsnummer),
        ("65817200006", PidKind::DNummer),
    ] {
        assert_eq!(Pid::parse(s, STRICT), Err(PidError::SyntheticNotAllowed));
        assert_eq!(
            Pid::parse(s, PidPolicy::default()),
            Err(PidError::SyntheticNotAllowed)
        );
        let pid = Pid::parse(s, TEST).unwrap();
        assert!(pid.is_synthetic());
        assert_eq!(pid.kind(), kind);
        assert_eq!(pid.birth_date(), date(1972, 1, 25));
    }
}

#[test]
fn rejections() {
    for (s, err) in [
        ("", PidError::Length),
        ("1507650056", PidError::Length),
        ("150765005650", PidError::Length),
        (" 15076500565", PidError::Length),
        ("15076500565 ", PidError::Length),
        ("150765-0056", PidError::NotDigits),
        ("1507650056a", PidError::NotDigits),
        ("１5076500565", PidError::NotDigits), // full-width digit one: 11 chars, not ASCII
        ("15076500566", PidError::CheckDigit),
        ("15076500575", PidError::CheckDigit),
        ("51076500565", PidError::CheckDigit), // adjacent transposition
        ("01019001200", PidError::CheckDigit), // first control digit would be 10
        ("29022310036", PidError::InvalidDate), // 1923-02-29
        ("01139010074", PidError::InvalidDate), // month 13
        ("32019010189", PidError::InvalidDate), // day 32
        ("00019010007", PidError::InvalidDate), // day 0
        ("01419010029", PidError::InvalidDate), // month + 40 (H-nummer/NAV style): not accepted
        ("01529010067", PidError::InvalidDate),
        ("31809010034", PidError::InvalidDate), // synthetic month 0
        ("01014560013", PidError::InvalidDate), // 600 with yy 45: not issued
        ("01016080000", PidError::InvalidDate), // 800 with yy 60: not issued
    ] {
        assert_eq!(Pid::parse(s, TEST), Err(err), "{s:?}");
    }
}

#[test]
fn the_number_never_leaks_through_debug_or_errors() {
    let pid = Pid::parse("15076500565", STRICT).unwrap();
    assert_eq!(pid.masked(), "150765*****");
    let debug = format!("{pid:?}");
    assert_eq!(debug, "Pid(150765*****)");
    assert!(!debug.contains("00565"));
    assert!(!format!("{pid:#?}").contains("00565"));
    for s in ["15076500566", "29022310036", "25817200012", "1507650056x"] {
        let err = Pid::parse(s, STRICT).unwrap_err();
        assert!(!err.to_string().contains(&s[..6]), "{err}");
        assert!(!format!("{err:?}").contains(&s[..6]), "{err:?}");
    }
}

#[test]
fn synthetic_builder() {
    let pid = Pid::synthetic(date(1972, 1, 25), 0).unwrap();
    assert_eq!(pid.expose(), "25817200012");
    // 018190 008: control digit 1 is 10; 018190 001 2: control digit 2 is 10.
    assert_eq!(
        Pid::synthetic(date(1990, 1, 1), 8),
        None,
        "first control digit is 10"
    );
    assert_eq!(
        Pid::synthetic(date(1990, 1, 1), 1),
        None,
        "second control digit is 10"
    );
    assert_eq!(
        Pid::synthetic(date(1990, 1, 1), 600),
        None,
        "600 is never 1990"
    );
    assert_eq!(
        Pid::synthetic(date(2010, 1, 1), 100),
        None,
        "000-499 is the 1900s"
    );
    assert_eq!(Pid::synthetic(date(1853, 1, 1), 600), None);
    assert_eq!(Pid::synthetic(date(2040, 1, 1), 999), None);
    assert_eq!(Pid::synthetic(date(2010, 1, 1), 1000), None);
    assert!(Pid::synthetic(date(2024, 2, 29), 512).is_some());
}

fn birth_dates() -> impl Strategy<Value = Date> {
    (1850i16..=2045, 1i16..=366).prop_filter_map("day of year exists", |(y, n)| {
        date(y, 1, 1).with().day_of_year(n).build().ok()
    })
}

/// A valid non-synthetic fødselsnummer or D-nummer built with the reference implementation.
fn real_numbers() -> impl Strategy<Value = String> {
    (1900i16..=1999, 1i16..=365, 0u16..=499, any::<bool>()).prop_filter_map(
        "control digit 10",
        |(y, n, ind, d_nummer)| {
            let b = date(y, 1, 1).with().day_of_year(n).build().ok()?;
            let day = b.day() + if d_nummer { 40 } else { 0 };
            let first9 = format!("{day:02}{:02}{:02}{ind:03}", b.month(), y % 100);
            reference_complete(&first9)
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn synthetic_agrees_with_reference(birth in birth_dates(), ind in 0u16..=999) {
        match Pid::synthetic(birth, ind) {
            Some(pid) => {
                let parsed = Pid::parse(pid.expose(), TEST).unwrap();
                prop_assert_eq!(parsed.birth_date(), birth);
                prop_assert!(parsed.is_synthetic());
                prop_assert_eq!(parsed.kind(), PidKind::Fodselsnummer);
                prop_assert_eq!(&parsed, &pid);
                prop_assert_eq!(Pid::parse(pid.expose(), STRICT), Err(PidError::SyntheticNotAllowed));
                prop_assert_eq!(reference_decode(pid.expose()), Some((birth, false, true)));
            }
            None => {
                let first9 = format!(
                    "{:02}{:02}{:02}{ind:03}", birth.day(), birth.month() + 80, birth.year() % 100
                );
                let fits = reference_complete(&first9)
                    .and_then(|s| reference_decode(&s))
                    .is_some_and(|(b, _, _)| b == birth);
                prop_assert!(!fits, "synthetic({birth}, {ind}) returned None for {first9}");
            }
        }
    }

    #[test]
    fn any_single_digit_change_is_rejected(s in real_numbers(), pos in 0usize..11, delta in 1u8..=9) {
        prop_assert!(Pid::parse(&s, STRICT).is_ok());
        let mut bytes = s.clone().into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert_eq!(Pid::parse(&changed, TEST), Err(PidError::CheckDigit));
    }

    #[test]
    fn eleven_digits_agree_with_reference(s in "[0-9]{11}") {
        let expected = reference_decode(&s);
        match Pid::parse(&s, TEST) {
            Ok(pid) => {
                let (birth, d_nummer, synthetic) = expected.expect("reference accepts");
                prop_assert_eq!(pid.birth_date(), birth);
                prop_assert_eq!(pid.kind() == PidKind::DNummer, d_nummer);
                prop_assert_eq!(pid.is_synthetic(), synthetic);
                let debug = format!("{pid:?}");
                prop_assert!(!debug.contains(&s));
            }
            Err(_) => prop_assert_eq!(expected, None),
        }
    }

    #[test]
    fn near_valid_numbers_agree_with_reference(s in real_numbers(), pos in 0usize..9, digit in 0u8..=9) {
        // Changing one of the first nine digits and recomputing the control digits explores
        // dates and century rules close to valid numbers.
        let mut first9 = s[..9].to_owned().into_bytes();
        first9[pos] = b'0' + digit;
        let first9 = String::from_utf8(first9).unwrap();
        if let Some(candidate) = reference_complete(&first9) {
            prop_assert_eq!(Pid::parse(&candidate, TEST).is_ok(), reference_decode(&candidate).is_some());
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(s in "\\PC{0,20}") {
        let _ = Pid::parse(&s, STRICT);
        let _ = Pid::parse(&s, TEST);
    }
}
