//! Reading one JSON value as a typed [`FieldValue`], including decimal kroner to øre.
//!
//! Errors say what was expected, never what was found (the value may be personal data).

use std::collections::BTreeMap;

use minside_adapter::{Date, FieldValue, Timestamp};
use serde_json::Value;

use crate::config::FieldKind;

/// Reads `value` as `kind`; the error is a short description of the expected shape.
pub(crate) fn convert(
    kind: FieldKind,
    codes: &BTreeMap<String, String>,
    value: &Value,
) -> Result<FieldValue, &'static str> {
    match kind {
        FieldKind::Text => scalar_text(value)
            .map(FieldValue::Text)
            .ok_or("expected text"),
        FieldKind::Integer => integer(value)
            .map(FieldValue::Integer)
            .ok_or("expected an integer"),
        FieldKind::AmountOre => integer(value)
            .map(FieldValue::Amount)
            .ok_or("expected an integer amount in øre"),
        FieldKind::AmountNok => decimal_text(value)
            .and_then(|t| nok_to_ore(&t))
            .map(FieldValue::Amount)
            .ok_or("expected an amount in kroner such as 1234.50"),
        FieldKind::Date => value
            .as_str()
            .and_then(|s| s.parse::<Date>().ok())
            .map(FieldValue::Date)
            .ok_or("expected a date YYYY-MM-DD"),
        FieldKind::Timestamp => timestamp(value)
            .map(FieldValue::Timestamp)
            .ok_or("expected an RFC 3339 timestamp with offset or Unix seconds"),
        FieldKind::Bool => value
            .as_bool()
            .map(FieldValue::Bool)
            .ok_or("expected true or false"),
        FieldKind::Status => {
            let code = scalar_text(value).ok_or("expected a status code")?;
            // A code the mapping does not know is shown as itself rather than failing the fetch.
            let label = codes.get(&code).cloned().unwrap_or_else(|| code.clone());
            Ok(FieldValue::Status { code, label })
        }
    }
}

/// A string as is, or a number in its JSON form (ids and codes are often numeric).
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON integer, or a string of one (some systems quote all numbers).
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The decimal text of a JSON number or string.
fn decimal_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.trim().to_owned()),
        _ => None,
    }
}

fn timestamp(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(s) => s.parse::<Timestamp>().ok(),
        Value::Number(n) => n.as_i64().and_then(|s| Timestamp::from_second(s).ok()),
        _ => None,
    }
}

/// Decimal kroner to øre, computed on the decimal digits (no binary floating point):
/// an optional sign, digits, an optional `.` or `,` with decimals, an optional exponent.
/// More than two decimals are rounded to the nearest øre, halves away from zero
/// (`0.005` -> 1 øre, `-0.005` -> -1 øre, `0.0049` -> 0 øre). `None` if malformed or too large.
pub(crate) fn nok_to_ore(text: &str) -> Option<i64> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().ok()?),
        None => (rest, 0),
    };
    let (whole, fraction) = match mantissa.find(['.', ',']) {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    if (whole.is_empty() && fraction.is_empty())
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        || !(-40..=40).contains(&exponent)
    {
        return None;
    }
    let digits: Vec<u8> = whole
        .bytes()
        .chain(fraction.bytes())
        .map(|b| b - b'0')
        .collect();
    // Position of the decimal point in `digits`, once multiplied by 100 (øre).
    let point = i64::try_from(whole.len()).ok()? + i64::from(exponent) + 2;
    let mut ore: i64 = 0;
    let mut round_up = false;
    for (i, &digit) in digits.iter().enumerate() {
        let i = i64::try_from(i).ok()?;
        if i < point {
            ore = ore.checked_mul(10)?.checked_add(i64::from(digit))?;
        } else if i == point {
            round_up = digit >= 5;
            break;
        }
    }
    // Digits missing before the point (e.g. "5e3") are zeros.
    let used = i64::try_from(digits.len()).ok()?;
    for _ in used..point {
        ore = ore.checked_mul(10)?;
    }
    if round_up {
        ore = ore.checked_add(1)?;
    }
    Some(if negative { -ore } else { ore })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn kroner_become_ore_exactly() {
        let cases = [
            ("0", 0),
            ("1", 100),
            ("1234.5", 123_450),
            ("1234.50", 123_450),
            ("1234,50", 123_450),
            ("0.1", 10),
            (".5", 50),
            ("7.", 700),
            ("-12.34", -1234),
            ("+3", 300),
            ("1.005", 101),
            ("1.0049", 100),
            ("2.675", 268),
            ("-0.005", -1),
            ("1e3", 100_000),
            ("1.5E-2", 2),
            ("12345678901234567", 1_234_567_890_123_456_700),
        ];
        for (text, ore) in cases {
            assert_eq!(nok_to_ore(text), Some(ore), "{text}");
        }
    }

    #[test]
    fn malformed_kroner_are_refused() {
        for bad in [
            "",
            "-",
            ".",
            "1 234",
            "1.2.3",
            "12a",
            "1e",
            "1e99",
            "NaN",
            "99999999999999999",
        ] {
            assert_eq!(nok_to_ore(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn json_numbers_are_read_by_their_decimal_form() {
        let none = BTreeMap::new();
        let amount = |v: Value| convert(FieldKind::AmountNok, &none, &v);
        // 0.1 + 0.2 style binary noise does not reach the øre: 19.99 is 1999 øre, not 1998.
        assert_eq!(amount(json!(19.99)), Ok(FieldValue::Amount(1999)));
        assert_eq!(amount(json!(250)), Ok(FieldValue::Amount(25_000)));
        assert_eq!(amount(json!("250,75")), Ok(FieldValue::Amount(25_075)));
        assert!(amount(json!(true)).is_err());
    }

    #[test]
    fn status_codes_get_their_labels_or_stay_themselves() {
        let codes = BTreeMap::from([("U".to_owned(), "Ubetalt".to_owned())]);
        let status = |v: Value| convert(FieldKind::Status, &codes, &v).unwrap();
        assert_eq!(
            status(json!("U")),
            FieldValue::Status {
                code: "U".into(),
                label: "Ubetalt".into()
            }
        );
        assert_eq!(
            status(json!(7)),
            FieldValue::Status {
                code: "7".into(),
                label: "7".into()
            }
        );
    }
}
