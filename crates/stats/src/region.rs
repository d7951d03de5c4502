//! KOSTRA region codes and the kommunenummer changes of 1 January 2024.
//!
//! SSB's KOSTRA tables mix municipalities with comparison regions in one dimension (KLASS 231):
//! `EAK` (the whole country), `EAKUO` (the country without Oslo), `EKGnn` (KOSTRA group nn),
//! `EKAnn` (the municipalities of county nn) and `nn00` (the county authority). Tables published
//! before 2024 use the 2020–2023 numbers; [`renumbered_2024`] maps those that changed.

use std::sync::LazyLock;

use minside_core::Kommunenummer;

/// The change table, `old,new,name`, with its source in the leading comment lines.
const RENUMBERING_CSV: &str = include_str!("../data/kommunenummer-2024.csv");

/// One kommunenummer that changed on 1 January 2024.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renumbering {
    /// The number used 2020–2023, e.g. `3025`.
    pub old: &'static str,
    /// The number from 2024, e.g. `3203`.
    pub new: &'static str,
    /// The 2024 name, e.g. "Asker".
    pub name: &'static str,
}

static RENUMBERING: LazyLock<Vec<Renumbering>> = LazyLock::new(|| {
    let mut rows: Vec<Renumbering> = RENUMBERING_CSV
        .lines()
        .map(|line| line.trim_end_matches('\r'))
        .filter(|line| !line.is_empty() && !line.starts_with('#') && *line != "old,new,name")
        .filter_map(|line| {
            let mut cols = line.splitn(3, ',');
            Some(Renumbering {
                old: cols.next()?,
                new: cols.next()?,
                name: cols.next()?,
            })
        })
        .collect();
    rows.sort_by_key(|r| r.old);
    rows
});

/// The 2024 kommunenummer of a municipality whose number changed on 1 January 2024
/// (e.g. `3025` Asker -> `3203`); None for numbers that did not change (or are unknown).
pub fn renumbered_2024(old: &str) -> Option<&'static str> {
    RENUMBERING
        .binary_search_by_key(&old, |r| r.old)
        .ok()
        .and_then(|i| RENUMBERING.get(i))
        .map(|r| r.new)
}

/// Every kommunenummer that changed on 1 January 2024, ordered by the old number.
pub fn renumbering_2024() -> &'static [Renumbering] {
    &RENUMBERING
}

/// A region code as written in a statistics table, normalised to the 2024 numbering: a changed
/// kommunenummer becomes its new number, everything else is returned as given.
pub fn normalise_region(code: &str) -> &str {
    renumbered_2024(code).unwrap_or(code)
}

/// What a region code in a KOSTRA table stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RegionCode {
    /// A municipality: four digits, as written (2020–2023 or 2024 numbering).
    Municipality(String),
    /// `EAK`: the whole country (Landet).
    Country,
    /// `EAKUO`: the country without Oslo (Landet uten Oslo).
    CountryWithoutOslo,
    /// `EKGnn`: KOSTRA group nn (municipalities of similar size and economy).
    KostraGroup(u8),
    /// `nn00`: the county authority (fylkeskommune) of county nn.
    County(String),
    /// `EKAnn`: all municipalities of county nn together.
    CountyMunicipalities(String),
    /// Anything else, as written.
    Other(String),
}

impl RegionCode {
    /// Classifies a region code; never fails (unknown shapes are [`RegionCode::Other`]).
    pub fn classify(code: &str) -> Self {
        let two_digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        match code {
            "EAK" => Self::Country,
            "EAKUO" => Self::CountryWithoutOslo,
            _ => {
                if let Some(n) = code.strip_prefix("EKG").filter(|n| two_digits(n)) {
                    return n
                        .parse()
                        .map_or_else(|_| Self::Other(code.to_owned()), Self::KostraGroup);
                }
                if let Some(n) = code.strip_prefix("EKA").filter(|n| two_digits(n)) {
                    return Self::CountyMunicipalities(n.to_owned());
                }
                let four_digits = code.len() == 4 && code.bytes().all(|b| b.is_ascii_digit());
                match (four_digits, code.get(..2), code.get(2..)) {
                    (true, Some("00"), _) => Self::Other(code.to_owned()),
                    (true, Some(county), Some("00")) => Self::County(county.to_owned()),
                    (true, _, _) => Self::Municipality(code.to_owned()),
                    _ => Self::Other(code.to_owned()),
                }
            }
        }
    }

    /// For a municipality, its number in the 2024 structure (renumbered if it changed).
    pub fn kommunenummer(&self) -> Option<Kommunenummer> {
        match self {
            Self::Municipality(code) => Kommunenummer::parse(normalise_region(code)).ok(),
            _ => None,
        }
    }
}
