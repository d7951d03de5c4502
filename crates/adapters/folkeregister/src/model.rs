//! Folkeregisteret's JSON shapes (persondokument, bulkoppslag, hendelsesliste), as far as the
//! adapter reads them. Unknown fields are ignored; every opplysning is a list of versions, each
//! with `erGjeldende` (is it the current one).

use jiff::Timestamp;
use minside_core::{Date, Kommunenummer};
use serde::{Deserialize, Deserializer};

/// One person document (`GET .../personer/{folkeregisteridentifikator}`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Folkeregisterperson {
    pub identifikasjonsnummer: Vec<Identifikasjonsnummer>,
    pub navn: Vec<Navn>,
    pub foedsel: Vec<Foedsel>,
    pub bostedsadresse: Vec<Bostedsadresse>,
    pub foreldreansvar: Vec<Foreldreansvar>,
    pub doedsfall: Vec<Doedsfall>,
    pub status: Vec<Personstatus>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Identifikasjonsnummer {
    #[serde(default)]
    pub er_gjeldende: Option<bool>,
    pub foedsels_eller_d_nummer: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Navn {
    #[serde(default)]
    pub er_gjeldende: Option<bool>,
    pub fornavn: String,
    #[serde(default)]
    pub mellomnavn: Option<String>,
    pub etternavn: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Foedsel {
    #[serde(default)]
    pub er_gjeldende: Option<bool>,
    #[serde(default)]
    pub foedselsdato: Option<Date>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Bostedsadresse {
    pub er_gjeldende: Option<bool>,
    pub gyldighetstidspunkt: Option<String>,
    pub vegadresse: Option<Vegadresse>,
    pub matrikkeladresse: Option<Matrikkeladresse>,
    pub ukjent_bosted: Option<UkjentBosted>,
    /// `ugradert`, `klientadresse`, `fortrolig` or `strengtFortrolig`.
    pub adressegradering: Option<String>,
    /// The moving date the person gave (`flyttedato` in older documents).
    #[serde(alias = "flyttedato")]
    pub angitt_flyttedato: Option<Date>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Vegadresse {
    pub kommunenummer: Option<String>,
    pub adressenavn: Option<String>,
    pub adressenummer: Option<Adressenummer>,
    /// Some documents carry the postcode here rather than in `poststed`.
    pub postnummer: Option<String>,
    pub poststed: Option<Poststed>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Adressenummer {
    #[serde(deserialize_with = "string_or_number")]
    pub husnummer: Option<String>,
    pub husbokstav: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Poststed {
    pub poststedsnavn: Option<String>,
    pub postnummer: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Matrikkeladresse {
    pub matrikkelnummer: Option<Matrikkelnummer>,
    pub adressetilleggsnavn: Option<String>,
    pub postnummer: Option<String>,
    pub poststed: Option<Poststed>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Matrikkelnummer {
    pub kommunenummer: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct UkjentBosted {
    pub bostedskommune: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Foreldreansvar {
    pub er_gjeldende: Option<bool>,
    /// `felles`, `mor`, `far`, `medmor`, `andre`, ...
    pub ansvar: Option<String>,
    /// The fødselsnummer of the one who has the responsibility.
    pub ansvarlig: Option<String>,
    /// The fødselsnummer of the child it is for.
    pub ansvarssubjekt: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Doedsfall {
    pub er_gjeldende: Option<bool>,
    pub doedsdato: Option<Date>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Personstatus {
    #[serde(default)]
    pub er_gjeldende: Option<bool>,
    /// `bosatt`, `utflyttet`, `doed`, `forsvunnet`, `opphoert`, `ikkeBosatt`, `inaktiv`, ...
    pub status: String,
}

/// The answer of `POST .../personer/bulkoppslag`.
#[derive(Debug, Deserialize)]
pub(crate) struct Bulkoppslag {
    #[serde(default)]
    pub oppslag: Vec<BulkTreff>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BulkTreff {
    pub foedsels_eller_d_nummer: String,
    #[serde(default)]
    pub folkeregisterperson: Option<Folkeregisterperson>,
}

/// One entry of the hendelsesliste (`GET .../hendelser/feed?seq=N`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct FeedEntry {
    pub sekvensnummer: u64,
    pub hendelse: Hendelse,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Hendelse {
    pub folkeregisteridentifikator: String,
    pub hendelsestype: String,
    #[serde(default)]
    pub ajourholdstidspunkt: Option<String>,
}

/// A version of an opplysning that says whether it is the current one.
pub(crate) trait Versioned {
    fn er_gjeldende(&self) -> Option<bool>;
}

macro_rules! versioned {
    ($($t:ty),*) => {$(
        impl Versioned for $t {
            fn er_gjeldende(&self) -> Option<bool> {
                self.er_gjeldende
            }
        }
    )*};
}
versioned!(
    Identifikasjonsnummer,
    Navn,
    Foedsel,
    Bostedsadresse,
    Foreldreansvar,
    Doedsfall,
    Personstatus
);

/// The current version: the one marked `erGjeldende`, else one without the mark (documents
/// asked for without `historikk` may leave it out).
pub(crate) fn current<T: Versioned>(versions: &[T]) -> Option<&T> {
    versions
        .iter()
        .find(|v| v.er_gjeldende() == Some(true))
        .or_else(|| versions.iter().find(|v| v.er_gjeldende().is_none()))
}

/// Every current version (foreldreansvar has one per responsible person).
pub(crate) fn all_current<T: Versioned>(versions: &[T]) -> impl Iterator<Item = &T> {
    versions.iter().filter(|v| v.er_gjeldende() != Some(false))
}

impl Bostedsadresse {
    /// The municipality of this address, whatever its kind.
    pub(crate) fn kommunenummer(&self) -> Option<Kommunenummer> {
        let raw = self
            .vegadresse
            .as_ref()
            .and_then(|v| v.kommunenummer.as_deref())
            .or_else(|| {
                self.matrikkeladresse
                    .as_ref()
                    .and_then(|m| m.matrikkelnummer.as_ref())
                    .and_then(|m| m.kommunenummer.as_deref())
            })
            .or_else(|| {
                self.ukjent_bosted
                    .as_ref()
                    .and_then(|u| u.bostedskommune.as_deref())
            })?;
        Kommunenummer::parse(raw).ok()
    }

    /// Fortrolig and strengt fortrolig addresses are never shown or stored by MinSide.
    pub(crate) fn is_protected(&self) -> bool {
        matches!(
            self.adressegradering
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref(),
            Some("fortrolig" | "strengtfortrolig")
        )
    }

    fn valid_from(&self) -> Option<Timestamp> {
        self.gyldighetstidspunkt
            .as_deref()
            .and_then(|t| t.parse().ok())
    }
}

impl Folkeregisterperson {
    pub(crate) fn current_address(&self) -> Option<&Bostedsadresse> {
        current(&self.bostedsadresse)
    }

    /// The latest address that is no longer current (needs `part=historikk`).
    pub(crate) fn previous_address(&self) -> Option<&Bostedsadresse> {
        self.bostedsadresse
            .iter()
            .filter(|a| a.er_gjeldende == Some(false))
            .max_by_key(|a| a.valid_from())
    }
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}
