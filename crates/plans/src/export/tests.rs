use jiff::civil::date;
use minside_core::Kommunenummer;
use minside_store::{
    CaseworkerNote, CommentId, NewComment, PhaseFields, PhaseId, PhaseKind, ResidentId,
};
use serde_json::json;
use uuid::Uuid;

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("a timestamp")
}

fn comment(n: u128, text: &str, stance: Stance, display: CommentDisplay) -> StoredComment {
    StoredComment {
        id: CommentId(Uuid::from_u128(n)),
        comment: NewComment {
            kommunenummer: Kommunenummer::parse("3203").expect("Asker"),
            plan_id: "P-1".into(),
            phase_id: PhaseId(Uuid::from_u128(99)),
            resident_id: ResidentId(Uuid::from_u128(1000 + n)),
            author_name: format!("Kari Nordmann {n}"),
            text: text.into(),
            geometry: None,
            document_ref: None,
            stance,
            display,
            // 13:05 UTC is 14:05 in Oslo in winter.
            created_at: ts("2026-03-01T13:05:00Z"),
        },
        withdrawn_at: None,
        hidden: None,
        answer: None,
    }
}

fn note(text: &str) -> CaseworkerNote {
    CaseworkerNote {
        text: text.into(),
        by: "saksbehandler".into(),
        at: ts("2026-03-05T08:00:00Z"),
    }
}

fn sample() -> Vec<StoredComment> {
    let tricky = "Hei; \"dette\" er\nflere linjer;\r\nmed æøå";
    let mut first = comment(1, tricky, Stance::Against, CommentDisplay::Named);
    first.comment.geometry = Some(json!({"type": "Point", "coordinates": [10.43, 59.83]}));
    first.comment.document_ref = Some("Planbeskrivelse kap. 4".into());
    first.answer = Some(note("Takk; vi ser på det."));
    let mut second = comment(2, "Bra plan", Stance::For, CommentDisplay::Hidden);
    second.withdrawn_at = Some(ts("2026-03-02T10:00:00Z"));
    let mut third = comment(3, "Upassende", Stance::Neutral, CommentDisplay::Named);
    third.hidden = Some(note("Personangrep"));
    vec![first, second, third]
}

#[test]
fn csv_round_trips_through_a_reader() {
    let comments = sample();
    let text = to_csv(&comments);
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, CSV_HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    assert_eq!(rows.len(), 3);
    let first: Vec<&str> = rows[0].iter().collect();
    assert_eq!(
        first,
        [
            "1",
            "2026-03-01 14:05",
            "Kari Nordmann 1",
            "Mot",
            comments[0].comment.text.as_str(),
            "POINT (10.43 59.83)",
            "Planbeskrivelse kap. 4",
            "",
            "",
            "Takk; vi ser på det.",
        ]
    );
    let second: Vec<&str> = rows[1].iter().collect();
    assert_eq!(
        &second[..4],
        ["2", "2026-03-01 14:05", "Navn skjult", "For"]
    );
    assert_eq!(second[7], "trukket");
    assert!(
        !text.contains("Kari Nordmann 2"),
        "a hidden name is not exported"
    );
    let third: Vec<&str> = rows[2].iter().collect();
    assert_eq!(
        (third[3], third[7], third[8]),
        ("Nøytral", "skjult", "Personangrep")
    );
}

#[test]
fn csv_cells_cannot_run_as_formulas() {
    let comments = vec![comment(
        1,
        "=HYPERLINK(\"http://x\")",
        Stance::For,
        CommentDisplay::Named,
    )];
    let text = to_csv(&comments);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let row = reader.records().next().expect("a row").expect("parses");
    assert_eq!(&row[4], "'=HYPERLINK(\"http://x\")");
}

#[test]
fn an_empty_list_has_the_header_only() {
    assert_eq!(
        to_csv(&[]),
        "\u{feff}nr;innsendt;navn;standpunkt;tekst;geometri_wkt;dokument;status;skjult_grunn;svar\r\n"
    );
}

#[test]
fn json_export() {
    let comments = sample();
    let phase = StoredPhase {
        id: PhaseId(Uuid::from_u128(99)),
        kommunenummer: Kommunenummer::parse("3203").expect("Asker"),
        plan_id: "P-1".into(),
        fields: PhaseFields {
            kind: PhaseKind::Horing,
            hearing_version: 2,
            title: None,
            opens_on: date(2026, 3, 1),
            closes_on: date(2026, 4, 12),
        },
        created_at: ts("2026-02-20T10:00:00Z"),
        updated_at: ts("2026-02-20T10:00:00Z"),
    };
    let v = to_json("P-1", &phase, &comments, ts("2026-04-13T06:00:00Z"));
    assert_eq!(v["plan_id"], "P-1");
    assert_eq!(v["generated_at"], "2026-04-13T06:00:00Z");
    assert_eq!(
        v["phase"],
        json!({"id": "00000000-0000-0000-0000-000000000063", "kind": "horing",
            "label": "Offentlig ettersyn (høring 2)", "hearing_version": 2, "title": null,
            "opens_on": "2026-03-01", "closes_on": "2026-04-12"})
    );
    assert_eq!(
        v["comments"][0],
        json!({
            "nr": 1,
            "id": "00000000-0000-0000-0000-000000000001",
            "submitted_at": "2026-03-01T13:05:00Z",
            "name": "Kari Nordmann 1",
            "name_hidden": false,
            "stance": "against",
            "text": comments[0].comment.text,
            "geometry": {"type": "Point", "coordinates": [10.43, 59.83]},
            "geometry_wkt": "POINT (10.43 59.83)",
            "document_ref": "Planbeskrivelse kap. 4",
            "withdrawn_at": null,
            "hidden_reason": null,
            "answer": "Takk; vi ser på det.",
        })
    );
    assert_eq!(v["comments"][1]["name"], json!(null));
    assert_eq!(v["comments"][1]["name_hidden"], json!(true));
    assert_eq!(v["comments"][1]["withdrawn_at"], "2026-03-02T10:00:00Z");
    assert_eq!(v["comments"][2]["hidden_reason"], "Personangrep");
    assert!(!v.to_string().contains("Kari Nordmann 2"));
}
