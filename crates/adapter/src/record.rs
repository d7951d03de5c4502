//! A record: one thing a source knows about a resident, with where it came from.

use minside_core::{Date, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{Category, Sensitivity};

/// One thing the municipality knows, e.g. a kindergarten place or an invoice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Stable id of the record in its source (for corrections and deep links).
    pub id: String,
    pub category: Category,
    /// Short title for lists, e.g. "Plass i Hvalstad barnehage".
    pub title: String,
    pub fields: Vec<Field>,
    pub provenance: Provenance,
    /// Where the resident can see or act on it in the source's own service, if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deep_link: Option<String>,
}

/// A labelled value with a machine key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Machine key, stable across languages, e.g. `"start_date"`.
    pub key: String,
    /// Label for people, e.g. "Startdato".
    pub label: String,
    pub value: FieldValue,
}

impl Field {
    pub fn new(key: &str, label: &str, value: FieldValue) -> Self {
        Self {
            key: key.to_owned(),
            label: label.to_owned(),
            value,
        }
    }
}

/// A typed value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Text(String),
    Integer(i64),
    /// Money in øre (1/100 NOK), to stay exact.
    Amount(i64),
    Date(Date),
    Timestamp(Timestamp),
    Bool(bool),
    /// A status from a code list, e.g. Fiks Innsyn invoice status `"ubetalt"`.
    Status {
        code: String,
        label: String,
    },
}

/// Where a record came from and on what basis it is processed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The adapter id.
    pub source: String,
    /// The source system as residents know it.
    pub system_name: String,
    pub fetched_at: Timestamp,
    pub legal_basis: String,
    pub sensitivity: Sensitivity,
}
