//! Kommunenummer: the four-digit number of a Norwegian municipality.
//!
//! Only numbers in the municipal structure valid from 2024-01-01 are accepted (357 kommuner,
//! 15 fylker). The list is embedded from `data/kommuner-2024.csv`
//! (© Kartverket, CC BY 4.0; derived via github.com/robhop/fylker-og-kommuner).

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const KOMMUNER_CSV: &str = include_str!("../data/kommuner-2024.csv");

/// One row of the embedded list.
struct Kommune {
    nummer: &'static str,
    navn: &'static str,
    fylkesnummer: &'static str,
    fylkesnavn: &'static str,
}

/// The embedded list, sorted by kommunenummer.
static KOMMUNER: LazyLock<Vec<Kommune>> = LazyLock::new(|| {
    let mut rows: Vec<Kommune> = KOMMUNER_CSV
        .lines()
        .skip(1)
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut cols = line.split(',');
            let mut col = || cols.next().expect("kommuner-2024.csv has four columns");
            Kommune {
                nummer: col(),
                navn: col(),
                fylkesnummer: col(),
                fylkesnavn: col(),
            }
        })
        .collect();
    rows.sort_by_key(|k| k.nummer);
    rows
});

/// A kommunenummer that exists in the 2024 municipal structure, e.g. `3203` (Asker).
///
/// Displays and serializes as the four-digit string; deserializing validates.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kommunenummer(
    /// Index into [`KOMMUNER`]; the list is sorted, so ordering follows the number.
    u16,
);

/// Why a string is not a known kommunenummer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KommunenummerError {
    /// Not exactly four ASCII digits.
    #[error("a kommunenummer has exactly four digits")]
    Format,
    /// Four digits, but not a municipality in the 2024 structure.
    #[error("kommunenummer {0:04} is not in the 2024 municipal structure")]
    Unknown(u16),
}

impl Kommunenummer {
    /// Parses exactly four ASCII digits (nothing is trimmed) that name a 2024 municipality.
    pub fn parse(s: &str) -> Result<Self, KommunenummerError> {
        if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(KommunenummerError::Format);
        }
        match KOMMUNER.binary_search_by_key(&s, |k| k.nummer) {
            Ok(index) => Ok(Self(
                u16::try_from(index).expect("the list has fewer than 65536 rows"),
            )),
            Err(_) => Err(KommunenummerError::Unknown(s.parse().unwrap_or_default())),
        }
    }

    /// Every municipality in the 2024 structure, in number order.
    pub fn all() -> impl Iterator<Item = Kommunenummer> {
        (0..KOMMUNER.len()).map(|i| Self(u16::try_from(i).expect("fewer than 65536 rows")))
    }

    fn row(self) -> &'static Kommune {
        &KOMMUNER[usize::from(self.0)]
    }

    /// The four digits, e.g. `"0301"`.
    pub fn as_str(&self) -> &'static str {
        self.row().nummer
    }

    /// The official name as in the list, including Sami/Kven forms, e.g. `"Trondheim - Tråante"`.
    pub fn name(&self) -> &'static str {
        self.row().navn
    }

    /// The two-digit county number, e.g. `"32"`.
    pub fn fylkesnummer(&self) -> &'static str {
        self.row().fylkesnummer
    }

    /// The county name, e.g. `"Akershus"`.
    pub fn fylkesnavn(&self) -> &'static str {
        self.row().fylkesnavn
    }
}

impl fmt::Display for Kommunenummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Kommunenummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Kommunenummer")
            .field(&self.as_str())
            .finish()
    }
}

impl std::str::FromStr for Kommunenummer {
    type Err = KommunenummerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Kommunenummer {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kommunenummer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_is_well_formed() {
        assert_eq!(KOMMUNER.len(), 357);
        for k in KOMMUNER.iter() {
            assert_eq!(k.nummer.len(), 4, "{}", k.nummer);
            assert!(k.nummer.bytes().all(|b| b.is_ascii_digit()));
            assert_eq!(
                &k.nummer[..2],
                k.fylkesnummer,
                "{} lies in its fylke",
                k.nummer
            );
            assert!(!k.navn.is_empty() && !k.fylkesnavn.is_empty());
        }
        assert!(
            KOMMUNER.windows(2).all(|w| w[0].nummer < w[1].nummer),
            "sorted and unique"
        );
        let mut fylker: Vec<_> = KOMMUNER.iter().map(|k| k.fylkesnummer).collect();
        fylker.dedup();
        assert_eq!(fylker.len(), 15);
    }
}
