//! Norwegian national identity numbers: fødselsnummer and D-nummer.
//!
//! A number has 11 digits `DDMMYYIIICC`: birth date, a three-digit individual number (which also
//! encodes the century) and two mod-11 control digits. A D-nummer has 4 added to the first digit
//! (day 41–71). Synthetic test numbers, as issued by Skatteetaten's Tenor test data, have 80
//! added to the month; they are accepted only when [`PidPolicy::allow_synthetic`] is set.
//!
//! The raw number is personal data. [`Pid`] has no `Display` and no serde implementation, its
//! `Debug` prints only the masked form, and [`PidError`] never contains the number. Use
//! [`Pid::expose`] only for storage and identity-provider protocol use.

use std::fmt;

use jiff::civil::Date;

/// Weights for the first control digit (over digits 1–9).
const WEIGHTS_1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
/// Weights for the second control digit (over digits 1–10).
const WEIGHTS_2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
/// Added to the first digit of the day in a D-nummer.
const D_NUMMER_DAY_OFFSET: u8 = 40;
/// Added to the month in a synthetic (test) number.
const SYNTHETIC_MONTH_OFFSET: u8 = 80;

/// A validated Norwegian national identity number (fødselsnummer or D-nummer).
///
/// `Debug` prints only the masked form; there is deliberately no `Display`, `Serialize` or
/// `Deserialize`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Pid {
    digits: String,
    birth: Date,
    kind: PidKind,
    synthetic: bool,
}

/// What [`Pid::parse`] accepts beyond ordinary numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PidPolicy {
    /// Accept synthetic test numbers (month + 80). Off in production.
    pub allow_synthetic: bool,
}

/// The kind of national identity number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PidKind {
    /// Fødselsnummer, issued to people registered as resident in Norway.
    Fodselsnummer,
    /// D-nummer, issued to people with a temporary connection to Norway (day + 40).
    DNummer,
}

/// Why a string is not an acceptable national identity number. Never contains the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PidError {
    /// Not exactly 11 characters.
    #[error("a national identity number has exactly 11 digits")]
    Length,
    /// Contains something other than the ASCII digits 0–9.
    #[error("a national identity number contains only the digits 0-9")]
    NotDigits,
    /// A control digit does not match (or the first would have to be 10).
    #[error("the control digits of the national identity number do not match")]
    CheckDigit,
    /// The digits do not encode a real birth date (including the century rules).
    #[error("the national identity number does not contain a valid birth date")]
    InvalidDate,
    /// A synthetic test number was given where only real numbers are accepted.
    #[error("synthetic test identity numbers are not accepted here")]
    SyntheticNotAllowed,
}

impl Pid {
    /// Parses exactly 11 ASCII digits (nothing is trimmed) and validates control digits, birth
    /// date and century.
    pub fn parse(s: &str, policy: PidPolicy) -> Result<Pid, PidError> {
        let bytes = s.as_bytes();
        if s.chars().count() != 11 {
            return Err(PidError::Length);
        }
        if !bytes.iter().all(u8::is_ascii_digit) {
            return Err(PidError::NotDigits);
        }
        let d: Vec<u8> = bytes.iter().map(|b| b - b'0').collect();
        if control_digit(&d[..9], &WEIGHTS_1) != Some(d[9])
            || control_digit(&d[..10], &WEIGHTS_2) != Some(d[10])
        {
            return Err(PidError::CheckDigit);
        }
        let mut day = d[0] * 10 + d[1];
        let mut month = d[2] * 10 + d[3];
        let yy = d[4] * 10 + d[5];
        let individual = u16::from(d[6]) * 100 + u16::from(d[7]) * 10 + u16::from(d[8]);

        let kind = if day > D_NUMMER_DAY_OFFSET {
            day -= D_NUMMER_DAY_OFFSET;
            PidKind::DNummer
        } else {
            PidKind::Fodselsnummer
        };
        let synthetic = month > SYNTHETIC_MONTH_OFFSET;
        if synthetic {
            month -= SYNTHETIC_MONTH_OFFSET;
        }
        let year = century_year(yy, individual).ok_or(PidError::InvalidDate)?;
        let birth = date(year, month, day).ok_or(PidError::InvalidDate)?;
        if synthetic && !policy.allow_synthetic {
            return Err(PidError::SyntheticNotAllowed);
        }
        Ok(Pid {
            digits: s.to_owned(),
            birth,
            kind,
            synthetic,
        })
    }

    /// Builds a synthetic (+80 month) fødselsnummer for test and demo data.
    ///
    /// `individual` (0..=999) must fit the century rules for the birth year (for example
    /// 000–499 for someone born in the 1900s, 500–999 for the 2000s). Returns `None` if it does
    /// not, or if a control digit comes out as 10 (try another individual number).
    pub fn synthetic(birth: Date, individual: u16) -> Option<Pid> {
        if individual > 999 {
            return None;
        }
        let yy = u8::try_from(birth.year().rem_euclid(100)).ok()?;
        if century_year(yy, individual)? != birth.year() {
            return None;
        }
        let day = u8::try_from(birth.day()).ok()?;
        let month = u8::try_from(birth.month()).ok()? + SYNTHETIC_MONTH_OFFSET;
        // Individual numbers are below 1000, so the narrowing casts below cannot truncate.
        let ind = [
            (individual / 100) as u8,
            (individual / 10 % 10) as u8,
            (individual % 10) as u8,
        ];
        let mut d = vec![day / 10, day % 10, month / 10, month % 10, yy / 10, yy % 10];
        d.extend_from_slice(&ind);
        let k1 = control_digit(&d, &WEIGHTS_1)?;
        d.push(k1);
        let k2 = control_digit(&d, &WEIGHTS_2)?;
        d.push(k2);
        let digits: String = d.iter().map(|n| char::from(b'0' + n)).collect();
        Some(Pid {
            digits,
            birth,
            kind: PidKind::Fodselsnummer,
            synthetic: true,
        })
    }

    /// The raw 11 digits. Only for storage and identity-provider protocol use; never log it.
    pub fn expose(&self) -> &str {
        &self.digits
    }

    /// The first six digits followed by five stars, e.g. `010190*****`.
    pub fn masked(&self) -> String {
        format!("{}*****", &self.digits[..6])
    }

    /// Fødselsnummer or D-nummer.
    pub fn kind(&self) -> PidKind {
        self.kind
    }

    /// Whether this is a synthetic test number (month + 80).
    pub fn is_synthetic(&self) -> bool {
        self.synthetic
    }

    /// The birth date encoded in the number (D-nummer and synthetic offsets removed).
    pub fn birth_date(&self) -> Date {
        self.birth
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pid")
            .field(&format_args!("{}", self.masked()))
            .finish()
    }
}

/// The mod-11 control digit for `digits` with `weights`; `None` when it would be 10.
fn control_digit(digits: &[u8], weights: &[u32]) -> Option<u8> {
    let sum: u32 = digits
        .iter()
        .zip(weights)
        .map(|(&d, &w)| u32::from(d) * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        // 1..=9, fits in u8.
        k => u8::try_from(k).ok(),
    }
}

/// The full birth year from the two-digit year and the individual number, or `None` for
/// combinations that are not issued.
fn century_year(yy: u8, individual: u16) -> Option<i16> {
    let yy = i16::from(yy);
    match individual {
        0..=499 => Some(1900 + yy),
        500..=749 if yy >= 54 => Some(1800 + yy),
        500..=999 if yy <= 39 => Some(2000 + yy),
        900..=999 if yy >= 40 => Some(1900 + yy),
        _ => None,
    }
}

fn date(year: i16, month: u8, day: u8) -> Option<Date> {
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn control_digit_hand_computed() {
        // 150765 005: 1*3+5*7+0*6+7*1+6*8+5*9+0*4+0*5+5*2 = 148; 148 % 11 = 5; k1 = 6.
        assert_eq!(
            control_digit(&[1, 5, 0, 7, 6, 5, 0, 0, 5], &WEIGHTS_1),
            Some(6)
        );
        // ... then 5+20+0+14+42+30+0+0+15+12 = 138; 138 % 11 = 6; k2 = 5.
        assert_eq!(
            control_digit(&[1, 5, 0, 7, 6, 5, 0, 0, 5, 6], &WEIGHTS_2),
            Some(5)
        );
        // Sum divisible by 11 gives 0, remainder 1 gives the invalid 10.
        assert_eq!(control_digit(&[1, 1], &[11, 0]), Some(0));
        assert_eq!(control_digit(&[1], &[1]), None);
    }

    #[test]
    fn century_rules() {
        assert_eq!(century_year(65, 5), Some(1965));
        assert_eq!(century_year(99, 499), Some(1999));
        assert_eq!(century_year(54, 500), Some(1854));
        assert_eq!(century_year(99, 749), Some(1899));
        assert_eq!(century_year(53, 500), None);
        assert_eq!(century_year(0, 500), Some(2000));
        assert_eq!(century_year(39, 999), Some(2039));
        assert_eq!(century_year(40, 500), None);
        assert_eq!(century_year(40, 750), None);
        assert_eq!(century_year(40, 900), Some(1940));
        assert_eq!(century_year(99, 999), Some(1999));
        assert_eq!(century_year(60, 800), None);
    }
}
