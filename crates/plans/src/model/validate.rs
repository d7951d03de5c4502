//! Validation of plan, phase and comment drafts: every problem is collected with its JSON
//! pointer, and a valid draft becomes the store's fields.

use minside_store::{PhaseFields, PhaseKind, PlanFields};
use serde::Serialize;
use serde_json::Value;

use super::{
    CaseNumber, CommentDraft, Document, FieldError, Limits, PhaseDraft, PlanDraft, ProcessingEvent,
};
use crate::codes::{self, CodeList};
use crate::geometry::{self, Crs, GeometryError};

const MAX_NAME: usize = 200;
const MAX_DESCRIPTION: usize = 20_000;
const MAX_ITEMS: usize = 100;
const MAX_TITLE: usize = 300;
const MAX_FILE_NAME: usize = 255;
const MAX_URL: usize = 2000;
const MAX_PHASE_TITLE: usize = 200;
const MAX_DOCUMENT_REF: usize = 500;
const MAX_HEARINGS: i32 = 20;

/// Collected errors; `imported` relaxes code checks (see [`validate_imported_plan`]).
#[derive(Default)]
struct Problems(Vec<FieldError>, bool);

impl Problems {
    fn add(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(pointer, message));
    }

    fn geometry(&mut self, prefix: &str, e: GeometryError) {
        self.add(format!("{prefix}{}", e.pointer), e.message);
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Trims; `None` when nothing is left.
fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Checks an optional trimmed text's length; returns it trimmed.
fn optional_text(p: &mut Problems, at: &str, s: Option<&str>, max: usize) -> Option<String> {
    let s = non_empty(s)?;
    if chars(&s) > max {
        p.add(at, format!("at most {max} characters"));
    }
    if s.chars().any(char::is_control) {
        p.add(at, "control characters are not allowed");
    }
    Some(s)
}

fn required_text(p: &mut Problems, at: &str, s: &str, max: usize) -> String {
    match optional_text(p, at, Some(s), max) {
        Some(s) => s,
        None => {
            p.add(at, "must not be empty");
            String::new()
        }
    }
}

/// Longest code an imported message may carry outside the lists.
const MAX_FOREIGN_CODE: usize = 20;

fn code(p: &mut Problems, at: &str, list: CodeList, code: &str) {
    if p.1 {
        if code.is_empty() || code.chars().count() > MAX_FOREIGN_CODE {
            p.add(at, format!("a code has 1 to {MAX_FOREIGN_CODE} characters"));
        }
        return;
    }
    if !codes::contains(list, code) {
        p.add(
            at,
            format!("{code:?} is not a code of the {} list", list.name()),
        );
    }
}

/// Whether `s` is an absolute http(s) URL with a host.
fn is_http_url(s: &str) -> bool {
    url::Url::parse(s)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

fn plan_id_ok(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn case_number(p: &mut Problems, at: &str, c: Option<CaseNumber>) -> Option<CaseNumber> {
    let c = c?;
    if !(1800..=2200).contains(&c.year) {
        p.add(
            format!("{at}/year"),
            "the case year must be between 1800 and 2200",
        );
    }
    if c.sequence < 1 {
        p.add(
            format!("{at}/sequence"),
            "the sequence number must be positive",
        );
    }
    Some(c)
}

fn document(p: &mut Problems, at: &str, d: &Document) -> Document {
    let doc_type = d.doc_type.trim().to_owned();
    code(
        p,
        &format!("{at}/doc_type"),
        CodeList::DocumentType,
        &doc_type,
    );
    let url = optional_text(p, &format!("{at}/url"), d.url.as_deref(), MAX_URL);
    if let Some(u) = &url
        && !is_http_url(u)
    {
        p.add(format!("{at}/url"), "must be an http or https URL");
    }
    Document {
        doc_type,
        title: required_text(p, &format!("{at}/title"), &d.title, MAX_TITLE),
        url,
        file_name: optional_text(
            p,
            &format!("{at}/file_name"),
            d.file_name.as_deref(),
            MAX_FILE_NAME,
        ),
        archive_name: optional_text(
            p,
            &format!("{at}/archive_name"),
            d.archive_name.as_deref(),
            MAX_NAME,
        ),
    }
}

fn event(p: &mut Problems, at: &str, e: &ProcessingEvent) -> ProcessingEvent {
    let event_type = codes::normalise_processing_type(e.event_type.trim()).to_owned();
    code(
        p,
        &format!("{at}/event_type"),
        CodeList::ProcessingType,
        &event_type,
    );
    let position = match &e.position {
        None | Some(Value::Null) => None,
        Some(v) => match geometry::point_to_wgs84(v) {
            Ok(point) => Some(point),
            Err(err) => {
                p.geometry(&format!("{at}/position"), err);
                None
            }
        },
    };
    ProcessingEvent {
        event_type,
        date: e.date,
        name: optional_text(p, &format!("{at}/name"), e.name.as_deref(), MAX_TITLE),
        case_number: case_number(p, &format!("{at}/case_number"), e.case_number),
        position,
    }
}

/// `offentlig`/`privat`, also given as the forslagsstillertyper codes 1/2.
fn proposer_type(p: &mut Problems, s: Option<&str>) -> Option<String> {
    let s = non_empty(s)?;
    let word = match s.to_lowercase().as_str() {
        "1" | "offentlig" => "offentlig",
        "2" | "privat" => "privat",
        _ => {
            p.add("/proposer_type", "must be \"offentlig\" or \"privat\"");
            return Some(s);
        }
    };
    Some(word.to_owned())
}

fn json_array<T: Serialize>(items: &[T]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|i| serde_json::to_value(i).unwrap_or(Value::Null))
            .collect(),
    )
}

/// Validates every field of a plan, collecting all errors: codes must be in their lists
/// (plan type, status, law reference, document types, event types after
/// [`normalise_processing_type`](codes::normalise_processing_type)); `plan_id` matches
/// `^[A-Za-z0-9_.-]{1,40}$`; the name has 1..=200 characters, the description at most
/// 20 000; document URLs are http(s); at most 100 documents and 100 events. The area goes
/// through [`geometry::parse_area`] (EPSG:4326 unless its `crs` member says otherwise) and
/// event positions through [`geometry::point_to_wgs84`]. Texts are trimmed.
pub fn validate_plan(d: &PlanDraft, limits: &Limits) -> Result<PlanFields, Vec<FieldError>> {
    validate(d, limits, Problems::default())
}

/// [`validate_plan`] for a plan that comes from a KS Fiks Plan message: the plan register is the
/// authority on its codes, so a code outside today's lists (an older or a SOSI code, such as the
/// plantype `1` of the register's example answer) is kept as given, described as unknown. Every
/// other rule holds.
pub fn validate_imported_plan(
    d: &PlanDraft,
    limits: &Limits,
) -> Result<PlanFields, Vec<FieldError>> {
    validate(d, limits, Problems(Vec::new(), true))
}

fn validate(
    d: &PlanDraft,
    limits: &Limits,
    mut p: Problems,
) -> Result<PlanFields, Vec<FieldError>> {
    if !plan_id_ok(&d.plan_id) {
        p.add(
            "/plan_id",
            "1 to 40 characters of A-Z, a-z, 0-9, '_', '.' and '-'",
        );
    }
    let name = required_text(&mut p, "/name", &d.name, MAX_NAME);
    let plan_type = non_empty(d.plan_type.as_deref());
    if let Some(t) = &plan_type {
        code(&mut p, "/plan_type", CodeList::PlanType, t);
    }
    let status = d.status.trim().to_owned();
    code(&mut p, "/status", CodeList::PlanStatus, &status);
    let law_reference = non_empty(d.law_reference.as_deref());
    if let Some(l) = &law_reference {
        code(&mut p, "/law_reference", CodeList::LawReference, l);
    }
    let proposer_type = proposer_type(&mut p, d.proposer_type.as_deref());
    let case_number = case_number(&mut p, "/case_number", d.case_number);
    let description = d
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if description.is_some_and(|s| chars(s) > MAX_DESCRIPTION) {
        p.add(
            "/description",
            format!("at most {MAX_DESCRIPTION} characters"),
        );
    }
    if d.documents.len() > MAX_ITEMS {
        p.add("/documents", format!("at most {MAX_ITEMS} documents"));
    }
    if d.events.len() > MAX_ITEMS {
        p.add("/events", format!("at most {MAX_ITEMS} events"));
    }
    let documents: Vec<Document> = d
        .documents
        .iter()
        .take(MAX_ITEMS)
        .enumerate()
        .map(|(i, doc)| document(&mut p, &format!("/documents/{i}"), doc))
        .collect();
    let events: Vec<ProcessingEvent> = d
        .events
        .iter()
        .take(MAX_ITEMS)
        .enumerate()
        .map(|(i, e)| event(&mut p, &format!("/events/{i}"), e))
        .collect();
    let area = match &d.area {
        None | Some(Value::Null) => None,
        Some(v) => match geometry::parse_area(v, Crs::Wgs84, limits.max_vertices) {
            Ok(area) => Some(area),
            Err(e) => {
                p.geometry("/area", e);
                None
            }
        },
    };
    p.finish(PlanFields {
        plan_id: d.plan_id.clone(),
        name,
        plan_type,
        status,
        law_reference,
        proposer_type,
        case_number: case_number.map(|c| (c.year, c.sequence)),
        description: description.map(str::to_owned),
        documents: json_array(&documents),
        events: json_array(&events),
        bbox: area.as_ref().map(geometry::Area::bbox),
        area: area.as_ref().map(geometry::Area::to_geojson),
    })
}

/// The draft back from stored fields (for merging an import into an existing plan). Stored
/// items that no longer parse are left out.
pub fn draft_from_fields(f: &PlanFields) -> PlanDraft {
    fn items<T: serde::de::DeserializeOwned>(v: &Value) -> Vec<T> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| serde_json::from_value(i.clone()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
    PlanDraft {
        plan_id: f.plan_id.clone(),
        name: f.name.clone(),
        plan_type: f.plan_type.clone(),
        status: f.status.clone(),
        law_reference: f.law_reference.clone(),
        proposer_type: f.proposer_type.clone(),
        case_number: f
            .case_number
            .map(|(year, sequence)| CaseNumber { year, sequence }),
        description: f.description.clone(),
        documents: items(&f.documents),
        events: items(&f.events),
        area: f.area.clone(),
    }
}

/// Validates a phase: `closes_on >= opens_on`, `hearing_version` 1..=20 (and 1 for kinds
/// other than hearings), title at most 200 characters (trimmed, empty means none).
pub fn validate_phase(d: &PhaseDraft) -> Result<PhaseFields, Vec<FieldError>> {
    let mut p = Problems::default();
    if d.closes_on < d.opens_on {
        p.add("/closes_on", "the phase cannot close before it opens");
    }
    if !(1..=MAX_HEARINGS).contains(&d.hearing_version) {
        p.add(
            "/hearing_version",
            format!("must be between 1 and {MAX_HEARINGS}"),
        );
    } else if d.kind != PhaseKind::Horing && d.hearing_version != 1 {
        p.add(
            "/hearing_version",
            "only hearings (horing) have a version other than 1",
        );
    }
    let title = optional_text(&mut p, "/title", d.title.as_deref(), MAX_PHASE_TITLE);
    p.finish(PhaseFields {
        kind: d.kind,
        hearing_version: d.hearing_version,
        title,
        opens_on: d.opens_on,
        closes_on: d.closes_on,
    })
}

/// A comment that passed [`validate_comment`].
#[derive(Clone, Debug, PartialEq)]
pub struct ValidComment {
    /// Trimmed, with `\r\n` as `\n`.
    pub text: String,
    /// GeoJSON Point or Polygon in EPSG:4326.
    pub geometry: Option<Value>,
    /// Trimmed.
    pub document_ref: Option<String>,
}

/// Validates a comment: the text trimmed has 1..=`max_comment_chars` characters (not bytes)
/// and no control characters but line feeds and tabs (`\r\n` becomes `\n`); the geometry is
/// a Point or Polygon ([`geometry::parse_comment_geometry`]); `document_ref` has at most 500
/// characters and is an http(s) URL or a plain archive reference (no other URL scheme).
pub fn validate_comment(
    d: &CommentDraft,
    limits: &Limits,
) -> Result<ValidComment, Vec<FieldError>> {
    let mut p = Problems::default();
    let text = d.text.replace("\r\n", "\n").trim().to_owned();
    let count = chars(&text);
    if count == 0 {
        p.add("/text", "must not be empty");
    } else if count > limits.max_comment_chars {
        p.add(
            "/text",
            format!(
                "at most {} characters (got {count})",
                limits.max_comment_chars
            ),
        );
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        p.add(
            "/text",
            "control characters other than line breaks and tabs are not allowed",
        );
    }
    let geometry = match &d.geometry {
        None | Some(Value::Null) => None,
        Some(v) => match geometry::parse_comment_geometry(v, limits.max_vertices) {
            Ok(g) => Some(g),
            Err(e) => {
                p.geometry("/geometry", e);
                None
            }
        },
    };
    let document_ref = optional_text(
        &mut p,
        "/document_ref",
        d.document_ref.as_deref(),
        MAX_DOCUMENT_REF,
    );
    if let Some(r) = &document_ref
        && looks_like_url(r)
        && !is_http_url(r)
    {
        p.add("/document_ref", "a link must be an http or https URL");
    }
    p.finish(ValidComment {
        text,
        geometry,
        document_ref,
    })
}

/// Whether `s` is meant as a link: it has `://`, or starts with a scheme that runs or embeds
/// content (`javascript:`, `data:`, `vbscript:`, `file:`). `"Sak 2024/123: brev"` is not.
fn looks_like_url(s: &str) -> bool {
    if s.contains("://") {
        return true;
    }
    s.split_once(':').is_some_and(|(scheme, _)| {
        let scheme = scheme.trim().to_ascii_lowercase();
        matches!(scheme.as_str(), "javascript" | "data" | "vbscript" | "file")
    })
}
