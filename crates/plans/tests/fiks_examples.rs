//! The KS Fiks Plan v2 sample payloads (`tests/data/`, byte for byte from
//! ks-no/fiks-plan-specification, each starting with a UTF-8 BOM) parse, and every field
//! survives `apply` into a plan draft.

use jiff::civil::{Date, date};
use minside_plans::fiks::{self, FiksMessage, PlanPatch, PlanRef};
use minside_plans::{CaseNumber, Document, Limits, PlanDraft, ProcessingEvent};

fn load(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect("the sample is there");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{name} keeps its BOM");
    bytes
}

fn parse(name: &str) -> FiksMessage {
    fiks::parse_message(&load(name)).unwrap_or_else(|e| panic!("{name}: {e:?}"))
}

fn plan_ref(kommunenummer: &str, plan_id: &str) -> PlanRef {
    PlanRef {
        kommunenummer: kommunenummer.into(),
        plan_id: plan_id.into(),
    }
}

fn doc(doc_type: &str, title: &str, file_name: &str, archive_name: &str) -> Document {
    Document {
        doc_type: doc_type.into(),
        title: title.into(),
        url: None,
        file_name: Some(file_name.into()),
        archive_name: Some(archive_name.into()),
    }
}

const CASE_2020: CaseNumber = CaseNumber {
    year: 2020,
    sequence: 12345,
};

/// A processing sample: plan 0821/01_27_1988, dated 2020-01-01, case 2020/12345.
fn processing(name: &str, event_type: &str, documents: &[Document]) -> PlanDraft {
    let FiksMessage::Processing {
        plan,
        event,
        documents: got,
    } = parse(name)
    else {
        panic!("{name} is a processing message");
    };
    assert_eq!(plan, plan_ref("0821", "01_27_1988"), "{name}");
    assert_eq!(
        event,
        ProcessingEvent {
            event_type: event_type.into(),
            date: date(2020, 1, 1),
            name: Some("navn på registrering".into()),
            case_number: Some(CASE_2020),
            position: None,
        },
        "{name}"
    );
    assert_eq!(got, documents, "{name}");
    let patch = PlanPatch {
        documents: got,
        ..PlanPatch::default()
    };
    let draft = fiks::apply(None, &plan, &patch, std::slice::from_ref(&event));
    assert_eq!(draft.plan_id, "01_27_1988");
    assert_eq!(draft.name, "Arealplan 01_27_1988");
    assert_eq!(draft.events, [event]);
    assert_eq!(draft.documents, documents);
    draft
}

fn valid(draft: &PlanDraft) -> minside_store::PlanFields {
    minside_plans::validate_plan(draft, &Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e:?}", draft.plan_id))
}

#[test]
fn kunngjoering_og_varsling_av_planoppstart() {
    let draft = processing(
        "request_KunngjoeringOgVarslingAvPlanoppstart.json",
        "9",
        &[
            doc(
                "KORR",
                "Kunngjøring om oppstart av planarbeid for ...",
                "reguleringsplan_brev_melding_endelig_vedtak_med_informasjon_klagerett_bokm_mal.doc",
                "kunngjøring av reguleringsplan",
            ),
            doc(
                "KORR",
                "Varsel om oppstart av reguleringsplanarbeid",
                "Varsel.pdf",
                "Varsel om oppstart av reguleringsplan",
            ),
        ],
    );
    assert_eq!(draft.status, "1", "planlegging igangsatt");
    let fields = valid(&draft);
    assert_eq!(fields.documents[1]["file_name"], "Varsel.pdf");
    assert_eq!(
        fiks::phase_effect(&draft.events[0]),
        Some(fiks::PhaseEffect::Open {
            kind: minside_store::PhaseKind::Oppstart,
            opens_on: date(2020, 1, 1),
            closes_on: date(2020, 1, 31),
        })
    );
}

#[test]
fn kunngjoering_av_offentlig_ettersyn_with_the_old_code_11_1() {
    let draft = processing(
        "request_KunngjoeringAvOffentligEttersyn.json",
        "24",
        &[
            doc(
                "VEDTAK",
                "Vedtak",
                "reguleringsplan_brev_hoering_offentlig_ettersyn_bokm_mal.doc",
                "vedtak reguleringsplan",
            ),
            doc(
                "KUNNGJ",
                "Kunngjøring",
                "Kunngjøring.pdf",
                "kunngjøring reguleringsplan",
            ),
            doc(
                "PLANBESKR",
                "Planbeskrivelse",
                "Planbeskrivelse.pdf",
                "Planbeskrivelse reguleringsplan",
            ),
            doc(
                "PLANKART",
                "PlanKart",
                "PlanKart.pdf",
                "Plankart reguleringsplan",
            ),
            doc(
                "PLANBEST",
                "Planbestemmelse",
                "Planbestemmelse.pdf",
                "Planbestemmelse reguleringsplan",
            ),
        ],
    );
    assert_eq!(draft.status, "2", "planforslag");
    let fields = valid(&draft);
    assert_eq!(fields.events[0]["event_type"], "24");
    assert_eq!(fields.documents.as_array().map(Vec::len), Some(5));
    assert!(matches!(
        fiks::phase_effect(&draft.events[0]),
        Some(fiks::PhaseEffect::Open { closes_on, .. }) if closes_on == date(2020, 2, 12)
    ));
}

#[test]
fn hoeringsfrist_utgaatt_with_the_old_code_11_2() {
    let draft = processing("request_HoeringsfristUtgaatt.json", "25", &[]);
    valid(&draft);
    assert_eq!(
        fiks::phase_effect(&draft.events[0]),
        Some(fiks::PhaseEffect::CloseHearing {
            on: date(2020, 1, 1)
        })
    );
}

#[test]
fn kunngjoering_av_planvedtak() {
    let draft = processing(
        "request_KunngjoeringAvPlanvedtak.json",
        "16",
        &[doc(
            "KUNNGJ",
            "Kunngjøring",
            "reguleringsplan_brev_melding_endelig_vedtak_med_informasjon_klagerett_bokm_mal.doc",
            "kunngjøring av reguleringsplan",
        )],
    );
    assert_eq!(draft.status, "3", "endelig vedtatt");
    valid(&draft);
}

#[test]
fn mottatt_klage() {
    let draft = processing(
        "request_MottattKlage.json",
        "17",
        &[doc("KLAGE", "Klage", "Klage.pdf", "Klage")],
    );
    valid(&draft);
    assert_eq!(fiks::phase_effect(&draft.events[0]), None);
}

#[test]
fn all_processing_samples_merge_into_one_plan() {
    let mut draft = None;
    for name in [
        "request_KunngjoeringOgVarslingAvPlanoppstart.json",
        "request_KunngjoeringAvOffentligEttersyn.json",
        "request_HoeringsfristUtgaatt.json",
        "request_KunngjoeringAvPlanvedtak.json",
        "request_MottattKlage.json",
    ] {
        let FiksMessage::Processing {
            plan,
            event,
            documents,
        } = parse(name)
        else {
            panic!("{name}");
        };
        let patch = PlanPatch {
            documents,
            ..PlanPatch::default()
        };
        draft = Some(fiks::apply(draft, &plan, &patch, &[event]));
    }
    let draft = draft.expect("a plan");
    let types: Vec<&str> = draft.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["9", "24", "25", "16", "17"]);
    // The decision's announcement has the type and title of the hearing's but another file:
    // 2 + 5 + 0 + 1 + 1 documents.
    assert_eq!(draft.documents.len(), 9);
    assert_eq!(
        draft.status, "1",
        "a plan keeps the status it was created with"
    );
    valid(&draft);
}

#[test]
fn oppdater_arealplan() {
    let FiksMessage::UpdatePlan { plan, patch } = parse("request_OppdaterArealplan.json") else {
        panic!("an update");
    };
    assert_eq!(plan, plan_ref("4203", "09062018-2"));
    assert_eq!(
        patch,
        PlanPatch {
            status: Some("4".into()),
            law_reference: Some("6".into()),
            ..PlanPatch::default()
        }
    );
    let existing = PlanDraft {
        plan_id: "09062018-2".into(),
        name: "Områdeplan for His allé".into(),
        plan_type: Some("34".into()),
        status: "3".into(),
        law_reference: None,
        proposer_type: Some("offentlig".into()),
        case_number: None,
        description: Some("Beskrivelse".into()),
        documents: Vec::new(),
        events: Vec::new(),
        area: None,
    };
    let draft = fiks::apply(Some(existing.clone()), &plan, &patch, &[]);
    assert_eq!(
        draft,
        PlanDraft {
            status: "4".into(),
            law_reference: Some("6".into()),
            ..existing
        }
    );
    valid(&draft);
}

fn epsg3857_sample_position(e: &ProcessingEvent) {
    let p = e.position.as_ref().expect("a position");
    assert!(p.get("crs").is_none(), "converted to EPSG:4326: {p}");
    // lon = x / R and lat = 2 atan(exp(y / R)) - pi/2 on the sphere R = 6378137 m.
    let r = 6_378_137.0_f64;
    let lon = (1.02345 / r).to_degrees();
    let lat = (2.0 * (2.33333 / r).exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees();
    let got = (
        p["coordinates"][0].as_f64().expect("lon"),
        p["coordinates"][1].as_f64().expect("lat"),
    );
    assert!(
        (got.0 - lon).abs() < 1e-8 && (got.1 - lat).abs() < 1e-8,
        "{got:?}"
    );
}

fn sample_event(e: &ProcessingEvent, d: Date) {
    assert_eq!(e.event_type, "1");
    assert_eq!(e.date, d);
    assert_eq!(e.name.as_deref(), Some("planbehandlingsnavn"));
    assert_eq!(
        e.case_number,
        Some(CaseNumber {
            year: 2019,
            sequence: 1_234_465
        })
    );
    epsg3857_sample_position(e);
}

#[test]
fn resultat_arealplan() {
    let FiksMessage::Plans { plans } = parse("response_sampleResultatArealplan.json") else {
        panic!("plans");
    };
    let [(plan, patch, events)] = plans.as_slice() else {
        panic!("one plan: {plans:?}");
    };
    assert_eq!(plan, &plan_ref("0821", "09062018-2"));
    assert_eq!(
        patch,
        &PlanPatch {
            name: Some("plannavn".into()),
            plan_type: Some("1".into()),
            status: Some("1".into()),
            proposer_type: Some("offentlig".into()),
            ..PlanPatch::default()
        }
    );
    let [event] = events.as_slice() else {
        panic!("one event: {events:?}");
    };
    sample_event(event, date(2020, 6, 13));
    let draft = fiks::apply(None, plan, patch, events);
    assert_eq!(draft.name, "plannavn");
    assert_eq!(draft.plan_type.as_deref(), Some("1"));
    assert_eq!(draft.status, "1");
    assert_eq!(draft.proposer_type.as_deref(), Some("offentlig"));
    assert_eq!(draft.events, *events);
    // "1" is no plantype: the sample's placeholder is refused by validation, and only it.
    let errors = minside_plans::validate_plan(&draft, &Limits::default()).expect_err("plantype 1");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].pointer, "/plan_type");
}

#[test]
fn resultat_planer_for_adresse_with_sosi_plan_type_35() {
    let FiksMessage::Plans { plans } = parse("response_sampleResultatPlanerForAdresse.json") else {
        panic!("plans");
    };
    let [(plan, patch, events)] = plans.as_slice() else {
        panic!("one plan: {plans:?}");
    };
    assert_eq!(plan, &plan_ref("4203", "09062018-2"));
    assert_eq!(patch.name.as_deref(), Some("OMRÅDEPLAN FOR HIS ALLÉ"));
    assert_eq!(patch.plan_type.as_deref(), Some("35"));
    assert_eq!(patch.status.as_deref(), Some("1"));
    assert!(events.is_empty());
    let draft = fiks::apply(None, plan, patch, events);
    let fields = valid(&draft);
    assert_eq!(fields.name, "OMRÅDEPLAN FOR HIS ALLÉ");
    assert_eq!(fields.plan_type.as_deref(), Some("35"));
}

#[test]
fn resultat_planbehandling_without_arealplan() {
    let bytes = load("response_sampleResultatPlanbehandling.json");
    // Without the arealplan the message names no plan: not a message to apply on its own …
    let errors = fiks::parse_message(&bytes).expect_err("no plan");
    assert_eq!(errors[0].pointer, "/arealplan");
    // … but its events read for the plan the caller asked about.
    let events = fiks::parse_events(&bytes).expect("events");
    let [event] = events.as_slice() else {
        panic!("one event: {events:?}");
    };
    sample_event(event, date(2020, 6, 13));
    let draft = fiks::apply(
        None,
        &plan_ref("0821", "09062018-2"),
        &PlanPatch::default(),
        &events,
    );
    assert_eq!(
        draft.status, "0",
        "event 1 (mottatt planinitiativ) implies planinitiativ"
    );
    valid(&draft);
}

#[test]
fn every_sample_is_covered() {
    let mut names: Vec<String> =
        std::fs::read_dir(format!("{}/tests/data", env!("CARGO_MANIFEST_DIR")))
            .expect("the folder")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "request_HoeringsfristUtgaatt.json",
            "request_KunngjoeringAvOffentligEttersyn.json",
            "request_KunngjoeringAvPlanvedtak.json",
            "request_KunngjoeringOgVarslingAvPlanoppstart.json",
            "request_MottattKlage.json",
            "request_OppdaterArealplan.json",
            "response_sampleResultatArealplan.json",
            "response_sampleResultatPlanbehandling.json",
            "response_sampleResultatPlanerForAdresse.json",
        ]
    );
}
