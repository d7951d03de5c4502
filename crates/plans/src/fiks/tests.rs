use jiff::civil::date;
use serde_json::json;

use super::*;

fn event(event_type: &str, d: Date) -> ProcessingEvent {
    ProcessingEvent {
        event_type: event_type.into(),
        date: d,
        name: None,
        case_number: Some(CaseNumber {
            year: 2024,
            sequence: 7,
        }),
        position: None,
    }
}

fn plan_ref() -> PlanRef {
    PlanRef {
        kommunenummer: "3203".into(),
        plan_id: "P-1".into(),
    }
}

fn doc(title: &str, file: &str) -> Document {
    Document {
        doc_type: "KUNNGJ".into(),
        title: title.into(),
        url: None,
        file_name: Some(file.into()),
        archive_name: None,
    }
}

#[test]
fn an_unknown_plan_gets_a_name_and_the_status_its_latest_event_implies() {
    let events = [
        event("9", date(2024, 1, 10)),
        event("11.1", date(2024, 5, 2)),
    ];
    let d = apply(None, &plan_ref(), &PlanPatch::default(), &events);
    assert_eq!(d.plan_id, "P-1");
    assert_eq!(d.name, "Arealplan P-1");
    assert_eq!(d.status, "2");
    assert_eq!(d.events.len(), 2);
    assert_eq!(d.events[1].event_type, "24");
    for (code, status) in [
        ("1", "0"),
        ("8", "1"),
        ("9", "1"),
        ("10", "2"),
        ("11", "2"),
        ("11.2", "2"),
        ("13", "3"),
        ("16", "3"),
        ("18", "4"),
        ("21", "10"),
        ("22", "9"),
        ("23", "9"),
        ("17", "0"),
        ("19", "0"),
    ] {
        let d = apply(
            None,
            &plan_ref(),
            &PlanPatch::default(),
            &[event(code, date(2024, 1, 1))],
        );
        assert_eq!(d.status, status, "event {code}");
    }
    // The patch's status and name win.
    let patch = PlanPatch {
        name: Some("Holmen".into()),
        status: Some("3".into()),
        ..PlanPatch::default()
    };
    let d = apply(None, &plan_ref(), &patch, &events);
    assert_eq!((d.name.as_str(), d.status.as_str()), ("Holmen", "3"));
}

#[test]
fn a_known_plan_keeps_what_the_patch_does_not_give_and_repeats_change_nothing() {
    let first = apply(
        None,
        &plan_ref(),
        &PlanPatch {
            name: Some("Holmen".into()),
            plan_type: Some("35".into()),
            law_reference: Some("6".into()),
            documents: vec![doc("Kunngjøring", "k.pdf")],
            ..PlanPatch::default()
        },
        &[event("9", date(2024, 1, 10))],
    );
    let patch = PlanPatch {
        status: Some("4".into()),
        documents: vec![doc("Kunngjøring", "k.pdf"), doc("Kunngjøring", "k2.pdf")],
        ..PlanPatch::default()
    };
    let mut renamed = event("9", date(2024, 1, 10));
    renamed.name = Some("Varsel".into());
    let events = [renamed.clone(), event("24", date(2024, 5, 2))];
    let second = apply(Some(first.clone()), &plan_ref(), &patch, &events);
    assert_eq!(second.name, "Holmen");
    assert_eq!(second.plan_type.as_deref(), Some("35"));
    assert_eq!(second.law_reference.as_deref(), Some("6"));
    assert_eq!(second.status, "4");
    assert_eq!(
        second.documents.len(),
        2,
        "same type, title and file name is the same"
    );
    assert_eq!(second.events.len(), 2);
    assert_eq!(
        second.events[0], renamed,
        "the resent event's details are kept"
    );
    let third = apply(Some(second.clone()), &plan_ref(), &patch, &events);
    assert_eq!(third, second);
    // Another case number is another event.
    let mut other = event("9", date(2024, 1, 10));
    other.case_number = None;
    let fourth = apply(Some(third), &plan_ref(), &PlanPatch::default(), &[other]);
    assert_eq!(fourth.events.len(), 3);
    // 11.1 and 24 are the same event.
    let fifth = apply(
        Some(fourth),
        &plan_ref(),
        &PlanPatch::default(),
        &[event("11.1", date(2024, 5, 2))],
    );
    assert_eq!(fifth.events.len(), 3);
}

#[test]
fn processing_events_open_and_close_phases() {
    let d = date(2024, 3, 1);
    assert_eq!(
        phase_effect(&event("9", d)),
        Some(PhaseEffect::Open {
            kind: PhaseKind::Oppstart,
            opens_on: d,
            closes_on: date(2024, 3, 31)
        })
    );
    let hearing = Some(PhaseEffect::Open {
        kind: PhaseKind::Horing,
        opens_on: d,
        closes_on: date(2024, 4, 12),
    });
    assert_eq!(phase_effect(&event("24", d)), hearing);
    assert_eq!(phase_effect(&event("11.1", d)), hearing);
    assert_eq!(
        phase_effect(&event("25", d)),
        Some(PhaseEffect::CloseHearing { on: d })
    );
    assert_eq!(
        phase_effect(&event("11.2", d)),
        Some(PhaseEffect::CloseHearing { on: d })
    );
    assert_eq!(
        phase_effect(&event("16", d)),
        Some(PhaseEffect::Open {
            kind: PhaseKind::Klage,
            opens_on: d,
            closes_on: date(2024, 3, 22)
        })
    );
    for other in ["1", "11", "14", "17", "19", "27"] {
        assert_eq!(phase_effect(&event(other, d)), None, "{other}");
    }
}

fn parse(v: serde_json::Value) -> Result<FiksMessage, Vec<crate::FieldError>> {
    parse_message(v.to_string().as_bytes())
}

fn pointers(errors: &[crate::FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.pointer.as_str()).collect()
}

#[test]
fn broken_messages_are_reported_with_pointers() {
    let errors = parse_message(b"\xEF\xBB\xBF{\"nasjonalArealplanId\": ").expect_err("cut off");
    assert_eq!(pointers(&errors), [""]);
    assert!(errors[0].message.starts_with("not valid JSON"));
    assert_eq!(pointers(&parse(json!([1])).expect_err("array")), [""]);
    assert_eq!(
        pointers(&parse(json!({"hello": 1})).expect_err("unknown")),
        [""]
    );
    let errors = parse(json!({
        "nasjonalArealplanId": {"administrativEnhet": {}, "planidentifikasjon": ""},
        "planbehandling": {"dato": "1. mars", "planbehandlingtype": {"kodebeskrivelse": "x"},
            "saksnummer": {"saksaar": "tjue", "sakssekvensnummer": 1}},
        "plandokument": [{"tittel": "Kart"}]
    }))
    .expect_err("invalid");
    assert_eq!(
        pointers(&errors),
        [
            "/nasjonalArealplanId/administrativEnhet/kommunenummer",
            "/nasjonalArealplanId/planidentifikasjon",
            "/planbehandling/planbehandlingtype/kodeverdi",
            "/planbehandling/dato",
            "/planbehandling/saksnummer/saksaar",
            "/plandokument/0/dokumenttype",
        ]
    );
    let errors = parse(json!({"planbehandlinger": []})).expect_err("no plan");
    assert_eq!(pointers(&errors), ["/arealplan"]);
}

#[test]
fn the_schemas_position_form_and_other_spellings_are_read() {
    let m = parse(json!({
        "nasjonalArealplanId": {
            "administrativEnhet": {"type": "kommunenummer", "nummer": "3203"},
            "planidentifikasjon": "P-1"
        },
        "planbehandling": {
            "dato": "2024-03-01T10:00:00",
            "planbehandlingtype": {"kodeverdi": 24},
            "saksnummer": {"saksaar": "2024", "sakssekvensnummer": "17"},
            "navn": "Høring",
            "posisjon": {"type": "Point", "koordinater": [250000.0, 6640000.0],
                "koordinatsystem": {"kodeverdi": "23", "kodebeskrivelse": "EUREF89 UTM sone 33"}},
            "plandokumenter": [{"tittel": "Plankart", "dokumenttype": {"kodeverdi": "PLANKART"},
                "referanseDokumentfil": "kart_1.pdf", "filnavn": "Plankart, Holmen.pdf"}]
        }
    }))
    .expect("valid");
    let FiksMessage::Processing {
        plan,
        event,
        documents,
    } = m
    else {
        panic!("a processing message: {m:?}");
    };
    assert_eq!(plan, plan_ref_with("3203", "P-1"));
    assert_eq!(event.event_type, "24");
    assert_eq!(event.date, date(2024, 3, 1));
    assert_eq!(
        event.case_number,
        Some(CaseNumber {
            year: 2024,
            sequence: 17
        })
    );
    let p = event.position.expect("a position");
    let lon = p["coordinates"][0].as_f64().expect("lon");
    assert!((lon - 10.54).abs() < 0.01, "{p}");
    assert_eq!(
        documents[0].file_name.as_deref(),
        Some("Plankart, Holmen.pdf")
    );
    let errors = parse(json!({
        "arealplanId": {"administrativEnhet": {"kommunenummer": "3203"}, "planidentifikasjon": "P"},
        "planbehandling": {"dato": "2024-03-01", "planbehandlingtype": {"kodeverdi": "9"},
            "posisjon": {"type": "Point", "koordinater": [1, 2], "koordinatsystem": {"kodeverdi": "27700"}}}
    }))
    .expect_err("unknown system");
    assert_eq!(
        pointers(&errors),
        ["/planbehandling/posisjon/koordinatsystem"]
    );
}

fn plan_ref_with(k: &str, id: &str) -> PlanRef {
    PlanRef {
        kommunenummer: k.into(),
        plan_id: id.into(),
    }
}

#[test]
fn a_numeric_kommunenummer_keeps_its_leading_zero() {
    let m = parse(json!({
        "arealplanId": {"administrativEnhet": {"kommunenummer": 821}, "planidentifikasjon": "P"},
        "plannavn": "Sentrum"
    }))
    .expect("valid");
    let FiksMessage::UpdatePlan { plan, patch } = m else {
        panic!("an update: {m:?}");
    };
    assert_eq!(plan, plan_ref_with("0821", "P"));
    assert_eq!(patch.name.as_deref(), Some("Sentrum"));
}
