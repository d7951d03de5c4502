//! KRR's JSON shapes (`POST rest/v1/personer`), as far as MinSide reads them.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct PersonerResponse {
    #[serde(default)]
    pub personer: Vec<KrrPerson>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct KrrPerson {
    pub personidentifikator: String,
    /// `JA` or `NEI`.
    pub reservasjon: Option<String>,
    /// `AKTIV`, `SLETTET` or `IKKE_REGISTRERT`.
    pub status: Option<String>,
    /// `KAN_VARSLES` or `KAN_IKKE_VARSLES`.
    pub varslingsstatus: Option<String>,
    pub kontaktinformasjon: Option<Kontaktinformasjon>,
    pub spraak: Option<String>,
    pub spraak_oppdatert: Option<String>,
    pub digital_post: Option<DigitalPost>,
    /// The encryption certificate for digital post (base64 DER); only its presence is kept.
    pub sertifikat: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Kontaktinformasjon {
    pub epostadresse: Option<String>,
    pub epostadresse_oppdatert: Option<String>,
    pub epostadresse_sist_verifisert: Option<String>,
    pub mobiltelefonnummer: Option<String>,
    pub mobiltelefonnummer_oppdatert: Option<String>,
    pub mobiltelefonnummer_sist_verifisert: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct DigitalPost {
    pub postkasseadresse: Option<String>,
    pub postkasseleverandoeradresse: Option<String>,
}
