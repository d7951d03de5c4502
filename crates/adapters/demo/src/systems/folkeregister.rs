//! `demo-folkeregister`: what the population register says about the subject — name, birth
//! date, address, the others in the household, the children the subject has parental
//! responsibility for, and (for a minor) who has it for them. Identity numbers never appear in
//! records; people are named and dated.

use minside_adapter::Record;
use minside_core::lifephase::age_on;

use super::{Factory, SITE, date, flag, status, text};
use crate::DemoMunicipality;
use crate::municipality::Population;

const CATEGORY: &str = "person";

pub(crate) fn records(m: &DemoMunicipality, index: usize, f: &Factory) -> Vec<Record> {
    let register = m.register();
    let pop = &register.pop;
    let Some(person) = pop.people.get(index) else {
        return Vec::new();
    };
    let link = Some(format!("{SITE}/innbyggerservice/folkeregistrering/"));
    let (code, label) = if person.dead {
        ("doed", "Død")
    } else if pop.is_resident(index) {
        ("bosatt", "Bosatt i kommunen")
    } else {
        ("utflyttet", "Utflyttet")
    };
    let mut out = vec![f.record(
        CATEGORY,
        "person".into(),
        pop.full_name(index),
        vec![
            text("given_name", "Fornavn", &person.given_name),
            text("family_name", "Etternavn", &person.family_name),
            date("birth_date", "Fødselsdato", person.birth_date),
            status("status", "Status", code, label),
        ],
        link.clone(),
    )];

    if let Some(address) = &person.address {
        let mut fields = vec![
            text("street", "Adresse", &address.street),
            text("postcode", "Postnummer", &address.postcode),
            text("city", "Poststed", &address.city),
            text(
                "municipality",
                "Kommune",
                format!("{} {}", address.kommunenummer, address.kommunenummer.name()),
            ),
        ];
        if let Some(moved) = person.moved_in {
            fields.push(date("moved_in", "Flyttedato", moved));
        }
        let title = format!("{}, {} {}", address.street, address.postcode, address.city);
        out.push(f.record(
            CATEGORY,
            "bostedsadresse".into(),
            title,
            fields,
            link.clone(),
        ));
    }

    let household = pop.meta[index].household;
    if let Some(h) = household {
        for &member in pop.households[h].members.iter().filter(|&&m| m != index) {
            let (code, label) = relation(pop, index, member, f);
            out.push(f.record(
                CATEGORY,
                format!("husstandsmedlem-{member}"),
                format!("Husstandsmedlem: {}", pop.full_name(member)),
                vec![
                    text("name", "Navn", pop.full_name(member)),
                    date("birth_date", "Fødselsdato", pop.people[member].birth_date),
                    status("relation", "Relasjon", code, label),
                ],
                link.clone(),
            ));
        }
    }

    for (child, record) in pop.people.iter().enumerate() {
        if child == index || record.dead || !record.guardians.contains(&person.pid) {
            continue;
        }
        out.push(f.record(
            CATEGORY,
            format!("foreldreansvar-{child}"),
            format!("Foreldreansvar for {}", pop.full_name(child)),
            vec![
                text("child_name", "Barnets navn", pop.full_name(child)),
                date("birth_date", "Fødselsdato", record.birth_date),
                flag("shared", "Delt foreldreansvar", record.guardians.len() > 1),
                flag(
                    "lives_with_child",
                    "Bor sammen med barnet",
                    household.is_some() && pop.meta[child].household == household,
                ),
            ],
            link.clone(),
        ));
    }

    for guardian in person
        .guardians
        .iter()
        .filter_map(|pid| pop.by_pid.get(pid).copied())
    {
        out.push(f.record(
            CATEGORY,
            format!("foresatt-{guardian}"),
            format!("Foreldreansvar: {}", pop.full_name(guardian)),
            vec![
                text("guardian_name", "Navn", pop.full_name(guardian)),
                flag(
                    "lives_together",
                    "Bor sammen med deg",
                    household.is_some() && pop.meta[guardian].household == household,
                ),
            ],
            link.clone(),
        ));
    }
    out
}

/// How `member` is related to the subject, as a code and a label.
fn relation(
    pop: &Population,
    subject: usize,
    member: usize,
    f: &Factory,
) -> (&'static str, &'static str) {
    let (s, m) = (&pop.meta[subject], &pop.meta[member]);
    if m.parents.contains(&subject) {
        ("barn", "Barn")
    } else if s.parents.contains(&member) {
        ("forelder", "Forelder")
    } else if s.parents.iter().any(|p| m.parents.contains(p)) {
        ("sosken", "Søsken")
    } else if age_on(pop.people[subject].birth_date, f.today) >= 18
        && age_on(pop.people[member].birth_date, f.today) >= 18
    {
        ("partner", "Ektefelle eller samboer")
    } else {
        ("annen", "Annen i husstanden")
    }
}
