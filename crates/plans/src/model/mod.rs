//! The plan model as the caseworker API receives and echoes it (JSON, snake_case, unknown
//! fields refused), and its validation into the store's fields.

mod validate;

use jiff::civil::Date;
use minside_store::{CommentDisplay, PhaseKind, Stance};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use validate::{
    ValidComment, draft_from_fields, validate_comment, validate_imported_plan, validate_phase,
    validate_plan,
};

/// A validation failure at a JSON pointer of the input (RFC 6901), e.g.
/// `"/area/coordinates/0/3"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct FieldError {
    /// JSON pointer to the offending member (`""` for the whole document).
    pub pointer: String,
    /// What is wrong, in English.
    pub message: String,
}

impl FieldError {
    /// An error at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// A case number (saksnummer): case year and sequence number, shown as `2024/1234`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseNumber {
    /// Saksår.
    pub year: i32,
    /// Sakssekvensnummer.
    pub sequence: i64,
}

/// A plan document (plandokument).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Code from the dokumenttyper list, e.g. `"PLANKART"`.
    pub doc_type: String,
    /// Tittel.
    pub title: String,
    /// Where the public can read the document (http or https).
    #[serde(default)]
    pub url: Option<String>,
    /// The file's name (filnavn, else referanseDokumentfil).
    #[serde(default)]
    pub file_name: Option<String>,
    /// The archive the document comes from (arkivnavn).
    #[serde(default)]
    pub archive_name: Option<String>,
}

/// A processing event of the plan (planbehandling).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessingEvent {
    /// Code from the behandlingstyper list (old `11.1`/`11.2` are stored as `24`/`25`).
    pub event_type: String,
    /// Dato.
    pub date: Date,
    /// Navn på registreringen.
    #[serde(default)]
    pub name: Option<String>,
    /// Saksnummer.
    #[serde(default)]
    pub case_number: Option<CaseNumber>,
    /// A GeoJSON Point; EPSG:4326 once validated (input may name another CRS).
    #[serde(default)]
    pub position: Option<Value>,
}

/// A plan as a caseworker (or an import) gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDraft {
    /// Planidentifikasjon: `^[A-Za-z0-9_.-]{1,40}$`.
    pub plan_id: String,
    /// Plannavn.
    pub name: String,
    /// Code from the plantyper list.
    #[serde(default)]
    pub plan_type: Option<String>,
    /// Code from the planstatuser list.
    pub status: String,
    /// Code from the lovreferanser list.
    #[serde(default)]
    pub law_reference: Option<String>,
    /// `offentlig` or `privat` (the forslagsstillertyper codes `1`/`2` are accepted too).
    #[serde(default)]
    pub proposer_type: Option<String>,
    /// Saksnummer.
    #[serde(default)]
    pub case_number: Option<CaseNumber>,
    /// Free text shown to residents.
    #[serde(default)]
    pub description: Option<String>,
    /// Plan documents.
    #[serde(default)]
    pub documents: Vec<Document>,
    /// Processing events.
    #[serde(default)]
    pub events: Vec<ProcessingEvent>,
    /// The plan area: a GeoJSON Polygon or MultiPolygon (or a Feature holding one); the `crs`
    /// member is optional (EPSG:4326 without it).
    #[serde(default)]
    pub area: Option<Value>,
}

fn one() -> i32 {
    1
}

/// A consultation phase as a caseworker gives it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseDraft {
    /// What the phase is.
    pub kind: PhaseKind,
    /// 1 for the first hearing, 2 for the second, …; 1 for other kinds.
    #[serde(default = "one")]
    pub hearing_version: i32,
    /// A title of its own, else the phase's label is shown.
    #[serde(default)]
    pub title: Option<String>,
    /// First day comments are taken (Europe/Oslo).
    pub opens_on: Date,
    /// Last day comments are taken, until the end of that day (Europe/Oslo).
    pub closes_on: Date,
}

/// A resident's comment as submitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentDraft {
    /// The comment.
    pub text: String,
    /// For, neutral or against.
    pub stance: Stance,
    /// Whether the name is shown to the public.
    pub display: CommentDisplay,
    /// A GeoJSON Point or Polygon the comment is about.
    #[serde(default)]
    pub geometry: Option<Value>,
    /// The plan document the comment is about: an http(s) URL or an archive reference.
    #[serde(default)]
    pub document_ref: Option<String>,
}

/// Size limits of input (configurable per installation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Positions in a plan area or a comment's polygon, all rings together.
    pub max_vertices: usize,
    /// Characters (not bytes) of a comment's text.
    pub max_comment_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_vertices: 5000,
            max_comment_chars: 4000,
        }
    }
}

#[cfg(test)]
mod tests;
