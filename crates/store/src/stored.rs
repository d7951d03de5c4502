//! Reading stored values back into domain types, shared by the backends.
//!
//! A value that no longer parses is [`StoreError::Invalid`] naming the column's meaning, never
//! the value itself.

use minside_core::{Kommunenummer, Locale, Pid, PidPolicy};

use crate::{Principal, Result, StoreError};

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

/// A stored 32-byte hash (session token or login state).
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
