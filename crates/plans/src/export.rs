//! The list of comments of a phase ("merknadsliste") for the municipality's case handling:
//! CSV for spreadsheets and JSON for systems. Names the commenter asked to hide are left out
//! ("Navn skjult"), so the list can be shared as it is.

use jiff::Timestamp;
use minside_core::lifephase::oslo;
use minside_store::{CommentDisplay, Stance, StoredComment, StoredPhase};
use serde_json::{Value, json};

use crate::geometry::geojson_to_wkt;
use crate::phase::label;

/// The CSV header.
pub const CSV_HEADER: [&str; 10] = [
    "nr",
    "innsendt",
    "navn",
    "standpunkt",
    "tekst",
    "geometri_wkt",
    "dokument",
    "status",
    "skjult_grunn",
    "svar",
];

/// What the public sees instead of a hidden name.
pub const NAME_HIDDEN: &str = "Navn skjult";

/// One comment as the export shows it (borrowing the stored comment).
#[derive(Clone, Copy, Debug)]
pub struct ExportRow<'a> {
    /// The stored comment.
    pub comment: &'a StoredComment,
}

impl ExportRow<'_> {
    fn name_hidden(&self) -> bool {
        self.comment.comment.display == CommentDisplay::Hidden
    }

    fn name(&self) -> Option<&str> {
        (!self.name_hidden()).then_some(self.comment.comment.author_name.as_str())
    }

    fn status(&self) -> &'static str {
        if self.comment.withdrawn_at.is_some() {
            "trukket"
        } else if self.comment.hidden.is_some() {
            "skjult"
        } else {
            ""
        }
    }

    fn geometry_wkt(&self) -> Option<String> {
        self.comment
            .comment
            .geometry
            .as_ref()
            .and_then(geojson_to_wkt)
    }
}

/// The Norwegian word for a stance.
pub fn stance_label(stance: Stance) -> &'static str {
    match stance {
        Stance::For => "For",
        Stance::Neutral => "Nøytral",
        Stance::Against => "Mot",
    }
}

/// `2026-03-01 14:05` in Europe/Oslo.
fn oslo_minutes(t: Timestamp) -> String {
    t.to_zoned_datetime(oslo())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

/// Keeps a spreadsheet from running a cell as a formula (a text starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return gets a leading `'`, as OWASP advises against CSV
/// injection).
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

fn write_csv(comments: &[StoredComment]) -> Result<String, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(CSV_HEADER)?;
    for (i, comment) in comments.iter().enumerate() {
        let row = ExportRow { comment };
        let c = &comment.comment;
        out.write_record([
            (i + 1).to_string(),
            oslo_minutes(c.created_at),
            row.name().map_or_else(|| NAME_HIDDEN.to_owned(), cell),
            stance_label(c.stance).to_owned(),
            cell(&c.text),
            row.geometry_wkt().unwrap_or_default(),
            c.document_ref.as_deref().map(cell).unwrap_or_default(),
            row.status().to_owned(),
            comment
                .hidden
                .as_ref()
                .map(|h| cell(&h.text))
                .unwrap_or_default(),
            comment
                .answer
                .as_ref()
                .map(|a| cell(&a.text))
                .unwrap_or_default(),
        ])?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The comments as CSV: `;`-separated, CRLF line ends, UTF-8 with a BOM (so Norwegian Excel
/// opens it right), header `nr;innsendt;navn;standpunkt;tekst;geometri_wkt;dokument;status;
/// skjult_grunn;svar`. `innsendt` is Europe/Oslo time (`2026-03-01 14:05`); `navn` is the
/// author's name or "Navn skjult"; `standpunkt` For/Nøytral/Mot; `status` "trukket",
/// "skjult" or empty. Texts are quoted as needed, and guarded against formula injection.
pub fn to_csv(comments: &[StoredComment]) -> String {
    // Writing to memory fails only on an internal csv error; an empty list is the fallback.
    write_csv(comments).unwrap_or_else(|_| format!("\u{feff}{}\r\n", CSV_HEADER.join(";")))
}

/// The comments as JSON: `{"plan_id", "phase": {...}, "generated_at", "comments": [{nr, id,
/// submitted_at, name (null when hidden), name_hidden, stance, text, geometry, geometry_wkt,
/// document_ref, withdrawn_at, hidden_reason, answer}]}`.
pub fn to_json(
    plan_id: &str,
    phase: &StoredPhase,
    comments: &[StoredComment],
    now: Timestamp,
) -> Value {
    let f = &phase.fields;
    let rows: Vec<Value> = comments
        .iter()
        .enumerate()
        .map(|(i, comment)| {
            let row = ExportRow { comment };
            let c = &comment.comment;
            json!({
                "nr": i + 1,
                "id": comment.id,
                "submitted_at": c.created_at,
                "name": row.name(),
                "name_hidden": row.name_hidden(),
                "stance": c.stance,
                "text": c.text,
                "geometry": c.geometry,
                "geometry_wkt": row.geometry_wkt(),
                "document_ref": c.document_ref,
                "withdrawn_at": comment.withdrawn_at,
                "hidden_reason": comment.hidden.as_ref().map(|h| &h.text),
                "answer": comment.answer.as_ref().map(|a| &a.text),
            })
        })
        .collect();
    json!({
        "plan_id": plan_id,
        "phase": {
            "id": phase.id,
            "kind": f.kind,
            "label": label(f.kind, f.hearing_version),
            "hearing_version": f.hearing_version,
            "title": f.title,
            "opens_on": f.opens_on,
            "closes_on": f.closes_on,
        },
        "generated_at": now,
        "comments": rows,
    })
}

#[cfg(test)]
mod tests;
