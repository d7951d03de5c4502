//! Reading stored values back into domain types, and preparing values for storage, shared by
//! the backends.
//!
//! A value that no longer parses is [`StoreError::Invalid`] naming the column's meaning, never
//! the value itself.

use std::collections::BTreeMap;

use minside_core::{Kommunenummer, Locale, Pid, PidPolicy};

use crate::{CorrectionStatus, Principal, Resident, Result, StoreError};

fn invalid(what: &str) -> StoreError {
    StoreError::Invalid(format!("stored {what} does not parse"))
}

/// A stored kommunenummer.
pub fn kommunenummer(s: &str) -> Result<Kommunenummer> {
    Kommunenummer::parse(s).map_err(|_| invalid("kommunenummer"))
}

/// A stored identity number. Synthetic numbers are accepted: the store keeps what the
/// application chose to store (test and demo data included).
pub fn pid(s: &str) -> Result<Pid> {
    Pid::parse(
        s,
        PidPolicy {
            allow_synthetic: true,
        },
    )
    .map_err(|_| invalid("identity number"))
}

/// A stored locale (`nb`, `nn`, `en`, `se`).
pub fn locale(s: &str) -> Result<Locale> {
    Locale::parse(s).map_err(|_| invalid("locale"))
}

/// A stored session principal.
pub fn principal(s: &str) -> Result<Principal> {
    Principal::parse(s)
}

/// A stored correction status.
pub fn correction_status(s: &str) -> Result<CorrectionStatus> {
    CorrectionStatus::parse(s)
}

/// A stored 32-byte hash (session token, login state or access-chain link).
pub fn hash(bytes: &[u8]) -> Result<[u8; 32]> {
    bytes.try_into().map_err(|_| invalid("hash"))
}

/// A stored timestamp in unix microseconds.
pub fn timestamp_from_micros(micros: i64) -> Result<jiff::Timestamp> {
    jiff::Timestamp::from_microsecond(micros).map_err(|_| invalid("timestamp"))
}

/// `ts` truncated to the microsecond precision both backends store.
pub fn truncate_to_micros(ts: jiff::Timestamp) -> jiff::Timestamp {
    // In range by construction: a valid timestamp truncated towards the epoch stays valid.
    jiff::Timestamp::from_microsecond(ts.as_microsecond()).unwrap_or(ts)
}

/// A population to upsert, once per identity number (the last name given wins), ordered by
/// identity number so concurrent bulk upserts take their row locks in the same order.
pub fn distinct_people(people: &[(Pid, String)]) -> Vec<(&Pid, &str)> {
    let mut distinct: BTreeMap<&str, (&Pid, &str)> = BTreeMap::new();
    for (pid, name) in people {
        distinct.insert(pid.expose(), (pid, name.as_str()));
    }
    distinct.into_values().collect()
}

/// The upserted residents (any order) arranged in the order of `people`.
pub fn in_input_order(people: &[(Pid, String)], upserted: Vec<Resident>) -> Result<Vec<Resident>> {
    let by_pid: BTreeMap<String, Resident> = upserted
        .into_iter()
        .map(|r| (r.pid.expose().to_owned(), r))
        .collect();
    people
        .iter()
        .map(|(pid, _)| {
            by_pid
                .get(pid.expose())
                .cloned()
                .ok_or_else(|| StoreError::Backend("a bulk upsert returned too few rows".into()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_value_is_invalid_without_echoing_it() {
        let err = pid("12345678901").expect_err("bad control digits");
        assert!(!err.to_string().contains("12345678901"), "{err}");
        assert!(matches!(kommunenummer("9999"), Err(StoreError::Invalid(_))));
        assert!(matches!(hash(&[0u8; 31]), Err(StoreError::Invalid(_))));
    }

    #[test]
    fn truncation_drops_sub_microseconds() {
        let ts = jiff::Timestamp::new(10, 1_234_567).expect("valid");
        assert_eq!(
            truncate_to_micros(ts),
            jiff::Timestamp::new(10, 1_234_000).expect("valid")
        );
    }
}
