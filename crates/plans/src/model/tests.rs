use jiff::civil::date;
use minside_store::{CommentDisplay, PhaseKind, Stance};
use serde_json::{Value, json};

use super::*;

fn draft() -> PlanDraft {
    serde_json::from_value(json!({
        "plan_id": "2024_07-B.1",
        "name": "  Detaljregulering for Holmen brygge ",
        "plan_type": "35",
        "status": "2",
        "law_reference": "6",
        "proposer_type": "2",
        "case_number": {"year": 2024, "sequence": 1234},
        "description": "Ny bebyggelse langs sjøen.",
        "documents": [{"doc_type": "PLANKART", "title": "Plankart",
            "url": "https://example.kommune.no/plan.pdf", "file_name": "plankart.pdf"}],
        "events": [{"event_type": "11.1", "date": "2024-03-01", "name": "Offentlig ettersyn",
            "case_number": {"year": 2024, "sequence": 1234},
            "position": {"type": "Point", "coordinates": [1190000.0, 8380000.0],
                "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}}],
        "area": {"type": "Polygon", "coordinates":
            [[[10.0, 59.0], [10.1, 59.0], [10.1, 59.1], [10.0, 59.1], [10.0, 59.0]]]}
    }))
    .expect("a draft")
}

fn pointers(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.pointer.as_str()).collect()
}

#[test]
fn a_valid_plan_becomes_store_fields() {
    let f = validate_plan(&draft(), &Limits::default()).expect("valid");
    assert_eq!(f.plan_id, "2024_07-B.1");
    assert_eq!(f.name, "Detaljregulering for Holmen brygge");
    assert_eq!(f.plan_type.as_deref(), Some("35"));
    assert_eq!(f.proposer_type.as_deref(), Some("privat"));
    assert_eq!(f.case_number, Some((2024, 1234)));
    assert_eq!(f.documents[0]["doc_type"], "PLANKART");
    assert_eq!(f.events[0]["event_type"], "24", "11.1 is stored as 24");
    assert_eq!(f.events[0]["date"], "2024-03-01");
    let position = &f.events[0]["position"];
    assert!(position.get("crs").is_none());
    let lon = position["coordinates"][0].as_f64().expect("lon");
    assert!((lon - 10.69).abs() < 0.01, "{position}");
    let b = f.bbox.expect("a bbox");
    assert_eq!((b.min_lon, b.max_lat), (10.0, 59.1));
    assert_eq!(
        f.area.as_ref().map(|a| a["type"].clone()),
        Some(json!("Polygon"))
    );
}

#[test]
fn every_problem_is_reported_with_its_pointer() {
    let mut d = draft();
    d.plan_id = "has space".into();
    d.name = "   ".into();
    d.plan_type = Some("1".into());
    d.status = "7".into();
    d.law_reference = Some("9".into());
    d.proposer_type = Some("kommunen".into());
    d.case_number = Some(CaseNumber {
        year: 24,
        sequence: 0,
    });
    d.description = Some("x".repeat(20_001));
    d.documents[0].doc_type = "BILDE".into();
    d.documents[0].url = Some("javascript:alert(1)".into());
    d.events[0].event_type = "99".into();
    d.area = Some(json!({"type": "Point", "coordinates": [10, 59]}));
    let errors = validate_plan(&d, &Limits::default()).expect_err("invalid");
    assert_eq!(
        pointers(&errors),
        [
            "/plan_id",
            "/name",
            "/plan_type",
            "/status",
            "/law_reference",
            "/proposer_type",
            "/case_number/year",
            "/case_number/sequence",
            "/description",
            "/documents/0/doc_type",
            "/documents/0/url",
            "/events/0/event_type",
            "/area/type",
        ]
    );
}

#[test]
fn plan_limits_and_edges() {
    let limits = Limits::default();
    let mut d = draft();
    d.plan_id = "a".repeat(40);
    d.name = "n".repeat(200);
    d.description = Some("æ".repeat(20_000));
    d.documents = vec![d.documents[0].clone(); 100];
    d.events = vec![d.events[0].clone(); 100];
    assert!(validate_plan(&d, &limits).is_ok());
    d.plan_id = "a".repeat(41);
    d.name = "n".repeat(201);
    d.documents.push(d.documents[0].clone());
    d.events.push(d.events[0].clone());
    let errors = validate_plan(&d, &limits).expect_err("too much");
    assert_eq!(
        pointers(&errors),
        ["/plan_id", "/name", "/documents", "/events"]
    );
    let mut d = draft();
    d.area = Some(json!({"type": "Polygon", "coordinates":
        [[[250000.0, 6640000.0], [250100.0, 6640000.0], [250100.0, 6640100.0], [250000.0, 6640000.0]]]}));
    let errors = validate_plan(&d, &limits).expect_err("UTM as degrees");
    assert_eq!(pointers(&errors), ["/area/coordinates/0/0"]);
    let tight = Limits {
        max_vertices: 4,
        ..limits
    };
    let errors = validate_plan(&draft(), &tight).expect_err("five positions");
    assert_eq!(pointers(&errors), ["/area/coordinates"]);
    // Optional texts that are blank are left out.
    let mut d = draft();
    d.description = Some("  ".into());
    d.plan_type = Some(String::new());
    let f = validate_plan(&d, &limits).expect("valid");
    assert_eq!((f.description, f.plan_type), (None, None));
}

#[test]
fn drafts_refuse_unknown_fields_and_come_back_from_fields() {
    let mut v = serde_json::to_value(draft()).expect("serializes");
    v["colour"] = json!("red");
    assert!(serde_json::from_value::<PlanDraft>(v).is_err());
    let f = validate_plan(&draft(), &Limits::default()).expect("valid");
    let back = draft_from_fields(&f);
    assert_eq!(back.name, "Detaljregulering for Holmen brygge");
    assert_eq!(back.events[0].event_type, "24");
    assert_eq!(back.documents, draft().documents);
    assert_eq!(
        back.case_number,
        Some(CaseNumber {
            year: 2024,
            sequence: 1234
        })
    );
    // Validating again gives the same fields.
    assert_eq!(validate_plan(&back, &Limits::default()).expect("valid"), f);
}

fn phase(kind: PhaseKind, version: i32) -> PhaseDraft {
    PhaseDraft {
        kind,
        hearing_version: version,
        title: None,
        opens_on: date(2026, 3, 2),
        closes_on: date(2026, 4, 13),
    }
}

#[test]
fn phases() {
    let d: PhaseDraft = serde_json::from_value(json!({
        "kind": "horing", "opens_on": "2026-03-02", "closes_on": "2026-03-02", "title": " Ny runde "
    }))
    .expect("a draft");
    assert_eq!(d.hearing_version, 1, "defaults to 1");
    let f = validate_phase(&d).expect("a one-day phase is fine");
    assert_eq!(f.title.as_deref(), Some("Ny runde"));
    let mut d = phase(PhaseKind::Horing, 21);
    d.closes_on = date(2026, 3, 1);
    d.title = Some("t".repeat(201));
    let errors = validate_phase(&d).expect_err("invalid");
    assert_eq!(
        pointers(&errors),
        ["/closes_on", "/hearing_version", "/title"]
    );
    assert!(validate_phase(&phase(PhaseKind::Horing, 20)).is_ok());
    assert!(validate_phase(&phase(PhaseKind::Horing, 0)).is_err());
    let errors = validate_phase(&phase(PhaseKind::Oppstart, 2)).expect_err("not a hearing");
    assert_eq!(pointers(&errors), ["/hearing_version"]);
}

fn comment(text: &str) -> CommentDraft {
    CommentDraft {
        text: text.into(),
        stance: Stance::Against,
        display: CommentDisplay::Named,
        geometry: None,
        document_ref: None,
    }
}

#[test]
fn comment_text_counts_characters_not_bytes() {
    let limits = Limits {
        max_comment_chars: 10,
        ..Limits::default()
    };
    let ok = validate_comment(&comment("  ærøåæøåæø \n"), &limits).expect("10 characters");
    assert_eq!(ok.text, "ærøåæøåæø");
    assert_eq!(ok.text.chars().count(), 9);
    assert!(validate_comment(&comment("æøåæøåæøåæ"), &limits).is_ok());
    let errors = validate_comment(&comment("æøåæøåæøåæø"), &limits).expect_err("11");
    assert_eq!(pointers(&errors), ["/text"]);
    assert!(validate_comment(&comment(" \n "), &limits).is_err());
}

#[test]
fn comment_text_keeps_line_breaks_and_tabs_only() {
    let limits = Limits::default();
    let ok = validate_comment(&comment("Første avsnitt.\r\n\r\n\tAndre avsnitt."), &limits)
        .expect("valid");
    assert_eq!(ok.text, "Første avsnitt.\n\n\tAndre avsnitt.");
    for bad in ["bell\u{7}", "nul\u{0}byte", "esc\u{1b}[31m", "lone\rreturn"] {
        let errors = validate_comment(&comment(bad), &limits).expect_err(bad);
        assert_eq!(pointers(&errors), ["/text"], "{bad:?}");
    }
}

#[test]
fn comment_geometry_and_document_reference() {
    let limits = Limits::default();
    let mut c = comment("Se punktet");
    c.geometry = Some(json!({"type": "Point", "coordinates": [10.75, 59.91]}));
    c.document_ref = Some(" https://kommune.no/plan/planbeskrivelse.pdf#side=4 ".into());
    let ok = validate_comment(&c, &limits).expect("valid");
    assert_eq!(
        ok.geometry,
        Some(json!({"type": "Point", "coordinates": [10.75, 59.91]}))
    );
    assert_eq!(
        ok.document_ref.as_deref(),
        Some("https://kommune.no/plan/planbeskrivelse.pdf#side=4")
    );
    for plain in ["2024/1234-5", "Planbeskrivelse kap. 4", "Sak 2024/12: brev"] {
        c.document_ref = Some(plain.into());
        assert!(validate_comment(&c, &limits).is_ok(), "{plain}");
    }
    for bad in [
        "javascript:alert(1)",
        "ftp://kommune.no/x",
        "data:text/html,x",
        "https://",
    ] {
        c.document_ref = Some(bad.into());
        let errors = validate_comment(&c, &limits).expect_err(bad);
        assert_eq!(pointers(&errors), ["/document_ref"], "{bad}");
    }
    c.document_ref = Some("r".repeat(501));
    assert!(validate_comment(&c, &limits).is_err());
    c.document_ref = None;
    c.geometry = Some(json!({"type": "LineString", "coordinates": [[10, 59], [11, 60]]}));
    let errors = validate_comment(&c, &limits).expect_err("a line");
    assert_eq!(pointers(&errors), ["/geometry/type"]);
    c.geometry = Some(Value::Null);
    assert_eq!(
        validate_comment(&c, &limits).expect("no geometry").geometry,
        None
    );
}

#[test]
fn field_errors_serialize_with_pointer_and_message() {
    let e = FieldError::new("/name", "must not be empty");
    assert_eq!(
        serde_json::to_value(&e).expect("serializes"),
        json!({"pointer": "/name", "message": "must not be empty"})
    );
    assert_eq!(e.to_string(), "/name: must not be empty");
}
