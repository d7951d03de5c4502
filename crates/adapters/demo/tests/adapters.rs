//! What the five simulated systems answer: ids and categories, records about the subject only,
//! and the showcase residents' data.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock};

use minside_adapter::{
    Adapter, AdapterError, Category, FetchContext, FieldValue, Pid, Purpose, Record, Subject,
};
use minside_adapter_demo::{DemoMunicipality, DemoSettings, DemoSystems, adapters};

static TOWN: LazyLock<Arc<DemoMunicipality>> =
    LazyLock::new(|| Arc::new(DemoMunicipality::generate(3203, 2400)));

fn systems() -> DemoSystems {
    DemoSystems::new(Arc::clone(&TOWN), &DemoSettings::instant(3203, 2400))
}

fn subject(pid: &Pid) -> Subject {
    Subject {
        pid: pid.clone(),
        kommunenummer: TOWN.kommunenummer(),
    }
}

async fn fetch(adapter: &dyn Adapter, index: usize) -> Vec<Record> {
    let ctx = FetchContext {
        purpose: Purpose::ResidentView,
        request_id: None,
    };
    adapter
        .fetch(&subject(&TOWN.people()[index].pid), &[], &ctx)
        .await
        .unwrap()
}

fn field<'a>(record: &'a Record, key: &str) -> Option<&'a FieldValue> {
    record
        .fields
        .iter()
        .find(|f| f.key == key)
        .map(|f| &f.value)
}

fn status_code(record: &Record, key: &str) -> String {
    match field(record, key) {
        Some(FieldValue::Status { code, .. }) => code.clone(),
        other => panic!("{key} is not a status: {other:?}"),
    }
}

#[test]
fn five_systems_with_their_own_ids_names_and_categories() {
    let adapters = adapters(Arc::clone(&TOWN), &DemoSettings::default());
    let ids: Vec<&str> = adapters.iter().map(|a| a.id()).collect();
    assert_eq!(
        ids,
        [
            "demo-folkeregister",
            "demo-kindergarten",
            "demo-school",
            "demo-property",
            "demo-invoices"
        ]
    );
    let names: HashSet<&str> = adapters.iter().map(|a| a.name()).collect();
    assert_eq!(names.len(), 5);
    let categories: Vec<Vec<String>> = adapters
        .iter()
        .map(|a| a.categories().iter().map(|c| c.id.to_string()).collect())
        .collect();
    assert_eq!(
        categories,
        [
            vec!["person"],
            vec!["kindergarten"],
            vec!["school"],
            vec!["property", "waste", "building-cases"],
            vec!["invoices"],
        ]
    );
    for a in &adapters {
        for c in a.categories() {
            assert!(!c.legal_basis.is_empty() && !c.title_nb.is_empty() && !c.title_en.is_empty());
        }
    }
}

/// Residents' names in `text` (word-bounded n-grams of up to four words), each with everyone
/// who has that name.
fn names_in(text: &str, names: &HashMap<String, Vec<usize>>) -> Vec<Vec<usize>> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let mut found = Vec::new();
    for start in 0..words.len() {
        for len in 2..=4.min(words.len() - start) {
            if let Some(people) = names.get(&words[start..start + len].join(" ")) {
                found.push(people.clone());
            }
        }
    }
    found
}

#[tokio::test]
async fn records_are_about_the_subject_and_never_leak_others() {
    let systems = systems();
    let people = TOWN.people();
    let mut names: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in people.iter().enumerate() {
        names
            .entry(format!("{} {}", p.given_name, p.family_name))
            .or_default()
            .push(i);
    }
    let pids: HashSet<&str> = people.iter().map(|p| p.pid.expose()).collect();
    for index in (0..people.len()).step_by(6).chain(0..16) {
        let me = &people[index];
        let household: HashSet<String> = TOWN
            .household_members(&me.pid)
            .iter()
            .map(|p| p.pid.expose().to_owned())
            .collect();
        let children: HashSet<String> = people
            .iter()
            .filter(|c| c.guardians.contains(&me.pid))
            .map(|c| c.pid.expose().to_owned())
            .collect();
        let guardians: HashSet<String> =
            me.guardians.iter().map(|g| g.expose().to_owned()).collect();
        for system in systems.all() {
            let records = fetch(system.as_ref(), index).await;
            let text = serde_json::to_string(&records).unwrap();
            for run in text
                .split(|c: char| !c.is_ascii_digit())
                .filter(|r| r.len() >= 11)
            {
                for window in 0..=run.len() - 11 {
                    let digits = &run[window..window + 11];
                    assert!(
                        !pids.contains(digits),
                        "an identity number in {}",
                        system.id()
                    );
                }
            }
            let category_ids: Vec<Category> =
                system.categories().into_iter().map(|c| c.id).collect();
            for record in &records {
                assert_eq!(record.provenance.source, system.id());
                assert!(category_ids.contains(&record.category));
                assert!(!record.provenance.legal_basis.is_empty());
                let link = record.deep_link.as_deref().unwrap();
                assert!(link.starts_with("https://www.asker.kommune.no/"), "{link}");
                for f in &record.fields {
                    assert!(
                        f.key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                        "{}",
                        f.key
                    );
                }
            }
            let family = system.id() == "demo-folkeregister";
            for bearers in names_in(&text, &names) {
                // A name is fine if someone the subject may see bears it.
                let allowed = bearers.iter().any(|&other| {
                    let pid = people[other].pid.expose();
                    other == index
                        || (family
                            && (household.contains(pid)
                                || children.contains(pid)
                                || guardians.contains(pid)))
                });
                assert!(allowed, "{} names {bearers:?} for {index}", system.id());
            }
        }
    }
}

#[tokio::test]
async fn categories_filter_the_records() {
    let systems = systems();
    let ctx = FetchContext {
        purpose: Purpose::ResidentView,
        request_id: None,
    };
    let waste = Category::parse("waste").unwrap();
    let kari = subject(&TOWN.people()[0].pid);
    let all = systems.property.fetch(&kari, &[], &ctx).await.unwrap();
    let only = systems
        .property
        .fetch(&kari, std::slice::from_ref(&waste), &ctx)
        .await
        .unwrap();
    assert!(all.len() > only.len());
    assert_eq!(only.len(), 3);
    assert!(only.iter().all(|r| r.category == waste));
    let born = jiff::civil::date(1901, 2, 3);
    let stranger = subject(&(0..1000).find_map(|i| Pid::synthetic(born, i)).unwrap());
    for system in systems.all() {
        assert_eq!(
            system.fetch(&stranger, &[], &ctx).await,
            Err(AdapterError::NotFound)
        );
    }
}

#[tokio::test]
async fn kari_sees_her_family_house_waste_calendar_and_invoices() {
    let s = systems();
    let person = fetch(s.folkeregister.as_ref(), 0).await;
    assert_eq!(person[0].title, "Kari Nordmann");
    assert_eq!(
        person
            .iter()
            .filter(|r| r.id.starts_with("husstandsmedlem-"))
            .count(),
        4
    );
    assert_eq!(
        person
            .iter()
            .filter(|r| r.id.starts_with("foreldreansvar-"))
            .count(),
        3
    );
    let ola = person
        .iter()
        .find(|r| r.title == "Husstandsmedlem: Ola Nordmann")
        .unwrap();
    assert_eq!(status_code(ola, "relation"), "partner");

    // Nora's place, Jakob's school and SFO, and no application for the baby (index 10).
    let nora = fetch(s.kindergarten.as_ref(), 9).await;
    assert_eq!(nora[0].title, "Plass i Blakstad barnehage");
    assert_eq!(
        field(&nora[0], "hours_per_week"),
        Some(&FieldValue::Integer(41))
    );
    assert!(fetch(s.kindergarten.as_ref(), 10).await.is_empty());
    let jakob = fetch(s.school.as_ref(), 8).await;
    assert_eq!(field(&jakob[0], "grade"), Some(&FieldValue::Integer(3)));
    assert_eq!(status_code(&jakob[1], "place_type"), "heltid");
    assert!(
        fetch(s.kindergarten.as_ref(), 0).await.is_empty(),
        "a parent has no place"
    );

    let property = fetch(s.property.as_ref(), 0).await;
    assert_eq!(
        property
            .iter()
            .filter(|r| r.category.as_str() == "property")
            .count(),
        1
    );
    let waste: Vec<&Record> = property
        .iter()
        .filter(|r| r.category.as_str() == "waste")
        .collect();
    assert_eq!(waste.len(), 3);
    for r in waste {
        let (Some(FieldValue::Date(next)), Some(FieldValue::Date(after))) = (
            field(r, "next_collection"),
            field(r, "following_collection"),
        ) else {
            panic!("dates");
        };
        assert!(*next >= minside_core::lifephase::today_in_oslo(jiff::Timestamp::now()));
        assert_eq!(next.weekday(), after.weekday());
        assert!(next.weekday().to_monday_zero_offset() < 5, "a weekday");
    }

    let invoices = fetch(s.invoices.as_ref(), 0).await;
    let types: HashSet<String> = invoices
        .iter()
        .map(|r| status_code(r, "invoice_type"))
        .collect();
    assert!(types.contains("barnehage") && types.contains("sfo"));
    assert!(types.contains("kommunale_avgifter"));
    assert!(
        invoices
            .iter()
            .any(|r| status_code(r, "status") == "ubetalt")
    );
    assert!(
        fetch(s.invoices.as_ref(), 1).await.is_empty(),
        "invoices go to Kari"
    );
}

#[tokio::test]
async fn ingrid_per_and_lars_show_building_cases_and_payment_statuses() {
    let s = systems();
    let ingrid = fetch(s.property.as_ref(), 2).await;
    let case = ingrid
        .iter()
        .find(|r| r.category.as_str() == "building-cases")
        .unwrap();
    assert_eq!(status_code(case, "status"), "innvilget");
    assert!(field(case, "decision").is_some() && field(case, "completion_certificate").is_none());
    let statuses: Vec<String> = fetch(s.invoices.as_ref(), 2)
        .await
        .iter()
        .map(|r| status_code(r, "status"))
        .collect();
    assert!(statuses.contains(&"ubetalt".into()) && statuses.contains(&"forfalt".into()));

    let per = fetch(s.property.as_ref(), 5).await;
    let case = per
        .iter()
        .find(|r| r.category.as_str() == "building-cases")
        .unwrap();
    assert_eq!(status_code(case, "status"), "ferdigattest");
    let per_invoices = fetch(s.invoices.as_ref(), 5).await;
    assert!(!per_invoices.is_empty());
    assert!(
        per_invoices
            .iter()
            .all(|r| status_code(r, "status") == "betalt")
    );

    let lars: Vec<String> = fetch(s.invoices.as_ref(), 7)
        .await
        .iter()
        .map(|r| status_code(r, "status"))
        .collect();
    assert!(lars.contains(&"purret".into()) && lars.contains(&"forfalt".into()));
}

fn luhn_ok(kid: &str) -> bool {
    let sum: u32 = kid
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d * 2 > 9 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[tokio::test]
async fn invoices_have_valid_kids_amounts_and_known_statuses() {
    let s = systems();
    let known = [
        "ubetalt",
        "betalt",
        "forfalt",
        "purret",
        "inkasso",
        "kreditert",
    ];
    let mut seen = HashSet::new();
    for index in 0..TOWN.people().len() {
        for r in fetch(s.invoices.as_ref(), index).await {
            let Some(FieldValue::Text(kid)) = field(&r, "kid") else {
                panic!("kid")
            };
            assert!(kid.len() == 14 && luhn_ok(kid), "{kid}");
            assert!(matches!(field(&r, "amount"), Some(FieldValue::Amount(a)) if *a > 0));
            let status = status_code(&r, "status");
            assert!(known.contains(&status.as_str()));
            seen.insert(status);
        }
    }
    assert_eq!(seen.len(), known.len(), "{seen:?}");
}
