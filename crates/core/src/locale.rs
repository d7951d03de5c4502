//! The portal's languages: bokmål (default), nynorsk, English and Northern Sami.
//!
//! Parsed case-insensitively from language tags (`nb`, `nb-NO`, `no`, `nn_NO`, `en-GB`, `se`)
//! and from `Accept-Language` headers; serialized as the two-letter code.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A supported user interface language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    /// Norwegian bokmål (`nb`); also chosen for the macrolanguage `no`.
    #[default]
    Nb,
    /// Norwegian nynorsk (`nn`).
    Nn,
    /// English (`en`, any region).
    En,
    /// Northern Sami, davvisámegiella (`se`).
    Se,
}

/// The string is not a supported language tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LocaleError {
    /// Not one of nb, nn, en or se (optionally with region or other subtags).
    #[error("unsupported language; expected one of nb, nn, en, se")]
    Unsupported,
}

impl Locale {
    /// Every supported locale, default first.
    pub const ALL: [Locale; 4] = [Locale::Nb, Locale::Nn, Locale::En, Locale::Se];

    /// Parses a language tag case-insensitively. The primary subtag decides (`nb`/`nob`/`no`/
    /// `nor`, `nn`/`nno`, `en`/`eng`, `se`/`sme`); further subtags (`-NO`, `_GB`) must be 1–8
    /// ASCII letters or digits and are otherwise ignored.
    pub fn parse(s: &str) -> Result<Locale, LocaleError> {
        let mut subtags = s.split(['-', '_']);
        let primary = subtags.next().unwrap_or_default().to_ascii_lowercase();
        let locale = match primary.as_str() {
            "nb" | "nob" | "no" | "nor" => Locale::Nb,
            "nn" | "nno" => Locale::Nn,
            "en" | "eng" => Locale::En,
            "se" | "sme" => Locale::Se,
            _ => return Err(LocaleError::Unsupported),
        };
        let well_formed =
            |t: &str| (1..=8).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_alphanumeric());
        if subtags.all(well_formed) {
            Ok(locale)
        } else {
            Err(LocaleError::Unsupported)
        }
    }

    /// The two-letter code: `"nb"`, `"nn"`, `"en"` or `"se"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Locale::Nb => "nb",
            Locale::Nn => "nn",
            Locale::En => "en",
            Locale::Se => "se",
        }
    }

    /// Picks the supported language with the highest quality from an `Accept-Language` header,
    /// e.g. `"nn-NO,nn;q=0.9,en;q=0.5"` gives [`Locale::Nn`]. Entries with `q=0`, malformed
    /// quality values, unsupported languages and `*` are skipped; on equal quality the earlier
    /// entry wins. `None` when nothing supported remains.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(Locale, u16)> = None;
        for entry in header.split(',') {
            let mut parts = entry.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let Ok(locale) = Locale::parse(tag) else {
                continue;
            };
            let mut quality = Some(1000);
            for param in parts {
                if let Some((name, value)) = param.split_once('=')
                    && name.trim().eq_ignore_ascii_case("q")
                {
                    quality = parse_quality(value.trim());
                }
            }
            match quality {
                Some(q) if q > 0 && best.is_none_or(|(_, b)| q > b) => best = Some((locale, q)),
                _ => {}
            }
        }
        best.map(|(locale, _)| locale)
    }
}

/// Parses an RFC 9110 quality value (`0`, `0.5`, `1.000`) into thousandths.
fn parse_quality(value: &str) -> Option<u16> {
    let (int, frac) = value.split_once('.').unwrap_or((value, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{frac:0<3}").parse().ok()?;
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Locale {
    type Err = LocaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Locale {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags() {
        for (tag, want) in [
            ("nb", Locale::Nb),
            ("nb-NO", Locale::Nb),
            ("NB_no", Locale::Nb),
            ("no", Locale::Nb),
            ("nn", Locale::Nn),
            ("nn-NO", Locale::Nn),
            ("en", Locale::En),
            ("en-GB", Locale::En),
            ("en-US", Locale::En),
            ("EN", Locale::En),
            ("se", Locale::Se),
            ("se-NO", Locale::Se),
            ("sme", Locale::Se),
        ] {
            assert_eq!(Locale::parse(tag), Ok(want), "{tag}");
        }
        for bad in [
            "",
            "sv",
            "de-DE",
            "nb-",
            "-NO",
            "n",
            "nb NO",
            " nb",
            "en-toolongsubtag",
            "*",
        ] {
            assert_eq!(Locale::parse(bad), Err(LocaleError::Unsupported), "{bad:?}");
        }
    }

    #[test]
    fn round_trips_as_str() {
        for l in Locale::ALL {
            assert_eq!(Locale::parse(l.as_str()), Ok(l));
            assert_eq!(l.to_string(), l.as_str());
        }
        assert_eq!(Locale::default(), Locale::Nb);
    }

    #[test]
    fn accept_language() {
        let al = Locale::from_accept_language;
        assert_eq!(al("nn-NO,nn;q=0.9,en;q=0.5"), Some(Locale::Nn));
        assert_eq!(al("de-DE,de;q=0.9,en;q=0.8,nb;q=0.7"), Some(Locale::En));
        assert_eq!(al("en;q=0.5, se;q=0.8"), Some(Locale::Se));
        assert_eq!(al("nb;q=0,en;q=0.1"), Some(Locale::En));
        assert_eq!(al("nb;q=0.000"), None);
        assert_eq!(al("en, nb"), Some(Locale::En), "equal quality: first wins");
        assert_eq!(al("nb;q=1.0,en;Q=1"), Some(Locale::Nb));
        assert_eq!(
            al("en;q=2,nn;q=abc,se;q=0.3"),
            Some(Locale::Se),
            "malformed q skipped"
        );
        assert_eq!(al("*"), None);
        assert_eq!(al(""), None);
        assert_eq!(al("sv-SE,da;q=0.9"), None);
    }

    #[test]
    fn quality_values() {
        assert_eq!(parse_quality("1"), Some(1000));
        assert_eq!(parse_quality("1.000"), Some(1000));
        assert_eq!(parse_quality("0.5"), Some(500));
        assert_eq!(parse_quality("0.123"), Some(123));
        assert_eq!(parse_quality("0."), Some(0));
        assert_eq!(parse_quality("0.1234"), None);
        assert_eq!(parse_quality("1.5"), None);
        assert_eq!(parse_quality("-0.5"), None);
        assert_eq!(parse_quality(""), None);
    }

    #[test]
    fn serde_as_code() {
        assert_eq!(serde_json::to_string(&Locale::Se).unwrap(), "\"se\"");
        assert_eq!(
            serde_json::from_str::<Locale>("\"nn-NO\"").unwrap(),
            Locale::Nn
        );
        assert!(serde_json::from_str::<Locale>("\"xx\"").is_err());
    }
}
