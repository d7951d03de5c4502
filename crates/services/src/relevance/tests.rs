use jiff::civil::date;
use minside_core::Kommunenummer;
use minside_store::{ChildFacts, ResidentFacts, ResidentId, ResidentStatus};
use uuid::Uuid;

use super::evaluate::{age_on, evaluate};
use super::*;
use crate::catalogue::demo_catalogue;

fn facts(birth: Date, children: &[(&str, Date)]) -> ResidentFacts {
    ResidentFacts {
        id: ResidentId(Uuid::nil()),
        kommunenummer: Kommunenummer::parse("3203").expect("kommunenummer"),
        given_name: "Kari".into(),
        name: "Kari Nordmann".into(),
        birth_date: Some(birth),
        address: None,
        moved_in: Some(date(2015, 5, 1)),
        status: ResidentStatus::Active,
        children: children
            .iter()
            .map(|(name, born)| ChildFacts {
                id: ResidentId(Uuid::nil()),
                given_name: (*name).into(),
                birth_date: *born,
            })
            .collect(),
    }
}

fn ids(ranked: &[Ranked]) -> Vec<&str> {
    ranked.iter().map(|r| r.id.as_str()).collect()
}

fn catalogue() -> Vec<Service> {
    demo_catalogue().expect("valid catalogue")
}

#[test]
fn a_child_turning_one_in_march_puts_kindergarten_first() {
    let today = date(2025, 1, 15);
    let resident = facts(date(1990, 6, 1), &[("Emma", date(2024, 3, 10))]);
    let ranked = rank(&catalogue(), &resident, &Extra::default(), today);
    assert_eq!(ids(&ranked)[0], "barnehageplass", "{ranked:#?}");
    let kindergarten = &ranked[0];
    assert_eq!(
        kindergarten.reasons[0].text.get(Lang::Nb),
        "fordi barnet ditt Emma fyller 1 år i mars"
    );
    assert_eq!(
        kindergarten.reasons[0].text.get(Lang::En),
        "because your child Emma turns 1 in March"
    );
    let deadline = kindergarten.reasons.last().expect("a deadline reason");
    assert_eq!(
        deadline.cause,
        Cause::Deadline {
            date: date(2025, 3, 1),
            days_left: 45
        }
    );
    assert_eq!(
        deadline.text.get(Lang::Nb),
        "Søknadsfrist for hovedopptaket: 1. mars (45 dager igjen)"
    );
    assert_eq!(
        deadline.text.get(Lang::Nn),
        "Søknadsfrist for hovudopptaket: 1. mars (45 dagar igjen)"
    );
    assert_eq!(
        deadline.text.get(Lang::En),
        "Application deadline for the main intake: 1 March (45 days left)"
    );
    assert!(ids(&ranked).contains(&"helsestasjon"));
    assert!(!ids(&ranked).contains(&"sykehjemsplass"));
    assert!(!ids(&ranked).contains(&"eiendomsskatt"), "no property flag");
}

#[test]
fn a_67_year_old_gets_senior_services() {
    let today = date(2025, 9, 1);
    let resident = facts(date(1958, 8, 20), &[]);
    let ranked = rank(&catalogue(), &resident, &Extra::default(), today);
    let found = ids(&ranked);
    for senior in [
        "hjemmetjenester",
        "trygghetsalarm",
        "sykehjemsplass",
        "seniorsentre",
        "tt-kort",
    ] {
        assert!(found.contains(&senior), "{senior} in {found:?}");
    }
    assert!(!found.contains(&"barnehageplass"));
    let alarm = ranked
        .iter()
        .find(|r| r.id.as_str() == "trygghetsalarm")
        .expect("alarm");
    assert_eq!(
        alarm.reasons[0].text.get(Lang::Nb),
        "fordi du er 67 år eller eldre"
    );
    assert_eq!(
        alarm.reasons[0].text.get(Lang::Se),
        "fordi du er 67 år eller eldre",
        "se -> nb"
    );
    // One day short of 67: nothing for seniors.
    let younger = facts(date(1958, 9, 2), &[]);
    assert!(rank(&catalogue(), &younger, &Extra::default(), today).is_empty());
}

#[test]
fn property_owners_and_newcomers() {
    let today = date(2025, 3, 1);
    let mut resident = facts(date(1980, 1, 1), &[]);
    resident.moved_in = Some(date(2025, 1, 10));
    let ranked = rank(
        &catalogue(),
        &resident,
        &Extra {
            property_owner: true,
        },
        today,
    );
    // The tax's instalment due in 19 days lifts it above the newcomer page.
    assert_eq!(ids(&ranked)[..2], ["eiendomsskatt", "ny-i-asker"]);
    assert_eq!(
        ranked[1].reasons[0].text.get(Lang::Nn),
        "fordi du nyleg flytta til kommunen"
    );
    let tax = ranked
        .iter()
        .find(|r| r.id.as_str() == "eiendomsskatt")
        .expect("tax");
    assert_eq!(
        tax.reasons[0].text.get(Lang::En),
        "because you own property in the municipality"
    );
    assert_eq!(
        tax.reasons[1].text.get(Lang::Nb),
        "Forfall 1. termin: 20. mars (19 dager igjen)"
    );
    let no_flag = rank(&catalogue(), &resident, &Extra::default(), today);
    assert!(!ids(&no_flag).contains(&"eiendomsskatt"));
}

#[test]
fn a_birthday_already_passed_or_too_far_does_not_count() {
    let rule = Rule::ChildTurns {
        age: 1,
        within_months: 6,
    };
    let today = date(2025, 1, 15);
    let turns = |born| {
        evaluate(
            &rule,
            &facts(date(1990, 1, 1), &[("Ola", born)]),
            &Extra::default(),
            today,
        )
    };
    assert!(turns(date(2024, 1, 14)).is_none(), "turned 1 yesterday");
    assert!(turns(date(2024, 1, 15)).is_some(), "turns 1 today");
    assert!(turns(date(2024, 7, 15)).is_some(), "in six months");
    assert!(turns(date(2024, 7, 16)).is_none(), "beyond six months");
    let near = turns(date(2024, 2, 1)).expect("match").strength;
    let far = turns(date(2024, 6, 1)).expect("match").strength;
    assert!(near > far, "a nearer birthday counts more");
}

#[test]
fn own_reason_templates_are_filled() {
    let rule = AudienceRule {
        rule: Rule::ChildAgeBetween { min: 0, max: 5 },
        weight: 1.0,
        reason: Some(LocalizedText {
            nb: "{child} er {age} år, og tilbudet gjelder {min}–{max} år".into(),
            nn: None,
            en: None,
            se: None,
        }),
    };
    let mut errors = Vec::new();
    rule.check("/audience/0", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    let service = catalogue()
        .into_iter()
        .find(|s| s.id.as_str() == "helsestasjon")
        .map(|mut s| {
            s.audience = vec![rule];
            s
        })
        .expect("helsestasjon");
    let resident = facts(date(1990, 1, 1), &[("Nora", date(2022, 5, 5))]);
    let ranked = rank(&[service], &resident, &Extra::default(), date(2025, 1, 15));
    assert_eq!(
        ranked[0].reasons[0].text.get(Lang::En),
        "Nora er 2 år, og tilbudet gjelder 0–5 år",
        "no English template: bokmål"
    );
}

#[test]
fn ages_count_whole_years() {
    assert_eq!(age_on(date(2000, 3, 1), date(2025, 2, 28)), 24);
    assert_eq!(age_on(date(2000, 3, 1), date(2025, 3, 1)), 25);
    assert_eq!(age_on(date(2024, 2, 29), date(2025, 2, 28)), 0);
    assert_eq!(age_on(date(2024, 2, 29), date(2025, 3, 1)), 1);
}
