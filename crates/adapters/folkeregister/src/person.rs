//! From a Folkeregisteret person document to MinSide's [`PersonRecord`] and to the record the
//! resident sees.

use minside_adapter::{
    AdapterError, Address, Category, Field, FieldValue, PersonRecord, Pid, Provenance, Record,
    Sensitivity, Timestamp,
};
use minside_core::PidPolicy;

use crate::model::{Bostedsadresse, Folkeregisterperson, all_current, current};

/// The category the adapter answers.
pub const CATEGORY: &str = "person";
/// The legal basis shown with the records.
pub const LEGAL_BASIS: &str = "folkeregisterloven § 10-2 / forvaltningsloven";
/// Where residents see and correct what Folkeregisteret has registered.
pub const DEEP_LINK: &str = "https://www.skatteetaten.no/person/folkeregister/";

/// Reads a person document into a [`PersonRecord`]. Protected addresses are left out.
pub(crate) fn person_record(
    doc: &Folkeregisterperson,
    policy: PidPolicy,
) -> Result<PersonRecord, AdapterError> {
    let id = current(&doc.identifikasjonsnummer)
        .ok_or_else(|| AdapterError::BadData("a person without identifikasjonsnummer".into()))?;
    let pid = Pid::parse(&id.foedsels_eller_d_nummer, policy).map_err(|_| {
        AdapterError::BadData("identifikasjonsnummer is not a valid fødselsnummer".into())
    })?;
    let navn = current(&doc.navn)
        .ok_or_else(|| AdapterError::BadData("a person without a current navn".into()))?;
    let given_name = match navn.mellomnavn.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => format!("{} {m}", navn.fornavn),
        None => navn.fornavn.clone(),
    };
    let birth_date = current(&doc.foedsel)
        .and_then(|f| f.foedselsdato)
        .unwrap_or_else(|| pid.birth_date());
    let bosted = doc.current_address();
    let guardians = all_current(&doc.foreldreansvar)
        .filter(|f| f.ansvarssubjekt.is_none() || f.ansvarssubjekt.as_deref() == Some(pid.expose()))
        .filter_map(|f| f.ansvarlig.as_deref())
        .filter_map(|a| Pid::parse(a, policy).ok())
        .collect();
    let dead = current(&doc.doedsfall).is_some_and(|d| d.doedsdato.is_some())
        || current(&doc.status).is_some_and(|s| s.status == "doed");
    Ok(PersonRecord {
        given_name,
        family_name: navn.etternavn.clone(),
        birth_date,
        address: bosted.and_then(address),
        guardians,
        dead,
        moved_in: bosted.and_then(|b| b.angitt_flyttedato),
        pid,
    })
}

/// The postal address of a bostedsadresse; `None` for protected or unusable ones.
pub(crate) fn address(b: &Bostedsadresse) -> Option<Address> {
    if b.is_protected() {
        return None;
    }
    let kommunenummer = b.kommunenummer()?;
    let (street, postcode, city) = if let Some(v) = &b.vegadresse {
        let number = v.adressenummer.as_ref().map(|n| {
            format!(
                "{}{}",
                n.husnummer.as_deref().unwrap_or_default(),
                n.husbokstav.as_deref().unwrap_or_default()
            )
        });
        let street = [v.adressenavn.clone(), number]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let postcode = v.poststed.as_ref().and_then(|p| p.postnummer.clone());
        (
            street,
            postcode.or_else(|| v.postnummer.clone()),
            v.poststed.as_ref().and_then(|p| p.poststedsnavn.clone()),
        )
    } else if let Some(m) = &b.matrikkeladresse {
        let postcode = m.poststed.as_ref().and_then(|p| p.postnummer.clone());
        (
            m.adressetilleggsnavn.clone().unwrap_or_default(),
            postcode.or_else(|| m.postnummer.clone()),
            m.poststed.as_ref().and_then(|p| p.poststedsnavn.clone()),
        )
    } else {
        return None;
    };
    Some(Address {
        street,
        postcode: postcode.unwrap_or_default(),
        city: city.unwrap_or_default(),
        kommunenummer,
        point: None,
    })
}

/// The record a resident sees: name, birth date and address as registered.
pub(crate) fn person_view(
    doc: &Folkeregisterperson,
    policy: PidPolicy,
    source: &str,
    system_name: &str,
    fetched_at: Timestamp,
) -> Result<Record, AdapterError> {
    let person = person_record(doc, policy)?;
    let name = format!("{} {}", person.given_name, person.family_name);
    let mut fields = vec![
        Field::new("name", "Navn", FieldValue::Text(name)),
        Field::new(
            "birth_date",
            "Fødselsdato",
            FieldValue::Date(person.birth_date),
        ),
    ];
    let bosted = doc.current_address();
    match (&person.address, bosted) {
        (Some(a), _) => {
            let line = format!("{}, {} {}", a.street, a.postcode, a.city);
            fields.push(Field::new(
                "address",
                "Bostedsadresse",
                FieldValue::Text(line),
            ));
            let kommune = format!("{} {}", a.kommunenummer, a.kommunenummer.name());
            fields.push(Field::new(
                "kommune",
                "Bostedskommune",
                FieldValue::Text(kommune),
            ));
        }
        (None, Some(b)) if b.is_protected() => fields.push(Field::new(
            "address",
            "Bostedsadresse",
            FieldValue::Status {
                code: "adressebeskyttelse".into(),
                label: "Adressen er skjermet og vises ikke her".into(),
            },
        )),
        _ => {}
    }
    if let Some(d) = person.moved_in {
        fields.push(Field::new("moved_in", "Flyttedato", FieldValue::Date(d)));
    }
    Ok(Record {
        id: "folkeregister-person".into(),
        category: category(),
        title: "Navn og adresse i Folkeregisteret".into(),
        fields,
        provenance: Provenance {
            source: source.into(),
            system_name: system_name.into(),
            fetched_at,
            legal_basis: LEGAL_BASIS.into(),
            sensitivity: Sensitivity::Normal,
        },
        deep_link: Some(DEEP_LINK.into()),
    })
}

pub(crate) fn category() -> Category {
    Category::parse(CATEGORY).expect("valid category id")
}
