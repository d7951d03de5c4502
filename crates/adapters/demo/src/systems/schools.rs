//! `demo-kindergarten` (places and applications) and `demo-school` (school and SFO places).
//! Both answer about the subject only: a guardian sees a child's place by fetching with the
//! child as subject (purpose `GuardianView`).

use minside_adapter::Record;

use super::{Factory, SITE, date, flag, int, slug, status, text};
use crate::DemoMunicipality;
use crate::municipality::model::{ApplicationStatus, PlaceStatus, SfoKind};

pub(crate) fn kindergarten(m: &DemoMunicipality, index: usize, f: &Factory) -> Vec<Record> {
    let Some(s) = m.services.of(index) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(place) = &s.kindergarten {
        let (code, label) = match place.status {
            PlaceStatus::Active => ("aktiv", "Aktiv plass"),
            PlaceStatus::Accepted => ("takket_ja", "Tilbud akseptert"),
        };
        out.push(f.record(
            "kindergarten",
            format!("barnehageplass-{index}"),
            format!("Plass i {}", place.kindergarten),
            vec![
                text("kindergarten", "Barnehage", place.kindergarten),
                text("department", "Avdeling", place.department),
                date("start_date", "Startdato", place.start),
                int(
                    "hours_per_week",
                    "Oppholdstid (timer per uke)",
                    place.hours_per_week,
                ),
                status("status", "Status", code, label),
            ],
            Some(format!("{SITE}/barnehage/{}/", slug(place.kindergarten))),
        ));
    }
    if let Some(application) = &s.application {
        let (code, label) = match application.status {
            ApplicationStatus::Received => ("mottatt", "Mottatt"),
            ApplicationStatus::InProgress => ("under_behandling", "Under behandling"),
        };
        out.push(f.record(
            "kindergarten",
            format!("barnehagesoknad-{index}"),
            format!("Søknad om barnehageplass fra {}", application.desired_start),
            vec![
                date("application_date", "Søknadsdato", application.submitted),
                date(
                    "desired_start",
                    "Ønsket oppstart",
                    application.desired_start,
                ),
                text("first_choice", "Førsteprioritet", application.first_choice),
                text("second_choice", "Andreprioritet", application.second_choice),
                flag(
                    "right_to_place",
                    "Lovfestet rett til plass",
                    application.right_to_place,
                ),
                status("status", "Status", code, label),
            ],
            Some(format!("{SITE}/barnehage/soke-barnehageplass/")),
        ));
    }
    out
}

pub(crate) fn school(m: &DemoMunicipality, index: usize, f: &Factory) -> Vec<Record> {
    let Some(s) = m.services.of(index) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(place) = &s.school {
        out.push(f.record(
            "school",
            format!("elev-{index}"),
            format!("Elev ved {}", place.school),
            vec![
                text("school", "Skole", place.school),
                int("grade", "Trinn", place.grade),
                text("school_year", "Skoleår", &place.school_year),
            ],
            Some(format!("{SITE}/skole/{}/", slug(place.school))),
        ));
    }
    if let Some(sfo) = &s.sfo {
        let (code, label) = match sfo.kind {
            SfoKind::Full => ("heltid", "Heltidsplass (5 dager)"),
            SfoKind::Part => ("deltid", "Deltidsplass (3 dager)"),
        };
        out.push(f.record(
            "school",
            format!("sfo-{index}"),
            format!("SFO-plass ved {}", sfo.school),
            vec![
                text("school", "Skole", sfo.school),
                status("place_type", "Plasstype", code, label),
                date("start_date", "Startdato", sfo.start),
            ],
            Some(format!("{SITE}/skole/sfo/")),
        ));
    }
    out
}
