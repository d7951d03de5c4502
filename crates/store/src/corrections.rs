//! Corrections: a resident reports an error in a record shown to them, and the report is routed
//! to the owner of the record's source.
//!
//! Messages are free text written by the resident; they are stored but never logged.

use std::fmt;

use jiff::Timestamp;
use minside_core::Kommunenummer;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ResidentId, StoreError};

/// The longest message a correction may carry, in characters (Unicode scalar values).
pub const MAX_CORRECTION_MESSAGE_CHARS: usize = 4000;

/// Id of a correction (UUIDv7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CorrectionId(pub Uuid);

impl CorrectionId {
    /// A new time-ordered id.
    pub fn new_v7() -> Self {
        CorrectionId(Uuid::now_v7())
    }
}

impl fmt::Display for CorrectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a correction stands. Stored as text ([`CorrectionStatus::as_str`]); any status may
/// follow any other (the workflow is the caller's).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionStatus {
    /// Reported by the resident, not yet passed on.
    Received,
    /// Sent to the owner of the source.
    Forwarded,
    /// The owner corrected the record.
    Resolved,
    /// The owner found the record correct (the note says why).
    Rejected,
}

impl CorrectionStatus {
    /// Every status, in workflow order.
    pub const ALL: [CorrectionStatus; 4] = [
        CorrectionStatus::Received,
        CorrectionStatus::Forwarded,
        CorrectionStatus::Resolved,
        CorrectionStatus::Rejected,
    ];

    /// The stored form: `"received"`, `"forwarded"`, `"resolved"` or `"rejected"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CorrectionStatus::Received => "received",
            CorrectionStatus::Forwarded => "forwarded",
            CorrectionStatus::Resolved => "resolved",
            CorrectionStatus::Rejected => "rejected",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| StoreError::Invalid("unknown correction status".into()))
    }
}

impl fmt::Display for CorrectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A correction to create. The backend assigns the id, the status
/// [`CorrectionStatus::Received`] and `updated_at = created_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCorrection {
    pub kommunenummer: Kommunenummer,
    /// Whose record it is; a resident of `kommunenummer`.
    pub resident_id: ResidentId,
    /// The adapter id of the record's source.
    pub source: String,
    /// The record's category.
    pub category: String,
    /// The source's id of the record.
    pub record_id: String,
    /// The machine key of the field in error, when the report is about one field.
    pub field_key: Option<String>,
    /// The resident's description, 1 to [`MAX_CORRECTION_MESSAGE_CHARS`] characters.
    pub message: String,
    /// Who reported it: `"resident:<uuid>"`, `"guardian:<uuid>"`, ...; never an identity number.
    pub reported_by: String,
    pub created_at: Timestamp,
}

/// A stored correction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    pub id: CorrectionId,
    pub kommunenummer: Kommunenummer,
    pub resident_id: ResidentId,
    pub source: String,
    pub category: String,
    pub record_id: String,
    pub field_key: Option<String>,
    pub message: String,
    pub reported_by: String,
    pub status: CorrectionStatus,
    /// The note given with the latest status change (e.g. why it was rejected).
    pub status_note: Option<String>,
    pub created_at: Timestamp,
    /// When the status last changed (`created_at` until then).
    pub updated_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_through_its_stored_form() {
        for status in CorrectionStatus::ALL {
            assert_eq!(CorrectionStatus::parse(status.as_str()).ok(), Some(status));
            let json = serde_json::to_string(&status).expect("serialize");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert!(CorrectionStatus::parse("Received").is_err());
        assert!(CorrectionStatus::parse("").is_err());
    }
}
