//! Person documents in Folkeregisteret's JSON shape, built step by step for tests.

use minside_core::{Date, Pid};
use serde_json::{Value, json};

/// A person as Folkeregisteret would document them, with address history.
#[derive(Debug, Clone)]
pub struct FregPerson {
    pid: Pid,
    fornavn: String,
    mellomnavn: Option<String>,
    etternavn: String,
    /// Oldest first; the last one is current unless `emigrated`.
    addresses: Vec<Value>,
    guardians: Vec<Pid>,
    died: Option<Date>,
    emigrated: bool,
}

impl FregPerson {
    pub fn new(pid: &Pid, fornavn: &str, etternavn: &str) -> Self {
        Self {
            pid: pid.clone(),
            fornavn: fornavn.into(),
            mellomnavn: None,
            etternavn: etternavn.into(),
            addresses: Vec::new(),
            guardians: Vec::new(),
            died: None,
            emigrated: false,
        }
    }

    pub fn pid(&self) -> &Pid {
        &self.pid
    }

    pub fn mellomnavn(mut self, m: &str) -> Self {
        self.mellomnavn = Some(m.into());
        self
    }

    /// Moves the person to a vegadresse (the earlier address becomes history).
    #[expect(
        clippy::too_many_arguments,
        reason = "mirrors the fields of a vegadresse"
    )]
    pub fn lives_at(
        mut self,
        kommunenummer: &str,
        adressenavn: &str,
        husnummer: &str,
        husbokstav: Option<&str>,
        postnummer: &str,
        poststedsnavn: &str,
        flyttedato: Date,
    ) -> Self {
        let mut adressenummer = json!({ "husnummer": husnummer });
        if let Some(b) = husbokstav {
            adressenummer["husbokstav"] = json!(b);
        }
        self.addresses.push(json!({
            "ajourholdstidspunkt": format!("{flyttedato}T12:00:00+01:00"),
            "gyldighetstidspunkt": format!("{flyttedato}T00:00:00+01:00"),
            "kilde": "Dolly",
            "vegadresse": {
                "kommunenummer": kommunenummer,
                "adressenavn": adressenavn,
                "adressenummer": adressenummer,
                "adressekode": "10200",
                "bruksenhetsnummer": "H0101",
                "poststed": { "poststedsnavn": poststedsnavn, "postnummer": postnummer },
            },
            "adressegradering": "ugradert",
            "angittFlyttedato": flyttedato.to_string(),
        }));
        self
    }

    /// A short form of [`FregPerson::lives_at`] for tests that only care about the municipality.
    pub fn lives_in(self, kommunenummer: &str, flyttedato: Date) -> Self {
        self.lives_at(
            kommunenummer,
            "Testveien",
            "1",
            None,
            "1384",
            "ASKER",
            flyttedato,
        )
    }

    /// Marks the current address strengt fortrolig.
    pub fn protected_address(mut self) -> Self {
        if let Some(a) = self.addresses.last_mut() {
            a["adressegradering"] = json!("strengtFortrolig");
        }
        self
    }

    pub fn guardians(mut self, guardians: &[Pid]) -> Self {
        self.guardians = guardians.to_vec();
        self
    }

    pub fn died(mut self, on: Date) -> Self {
        self.died = Some(on);
        self
    }

    /// Moved abroad: no current bostedsadresse, status `utflyttet`.
    pub fn emigrated(mut self) -> Self {
        self.emigrated = true;
        self
    }

    /// The full document with history (the stand-in filters it by `part`).
    pub fn to_json(&self) -> Value {
        let meta = json!({ "ajourholdstidspunkt": "2024-01-01T12:00:00+01:00", "erGjeldende": true, "kilde": "Dolly" });
        let with = |mut v: Value| {
            if let (Some(o), Some(m)) = (v.as_object_mut(), meta.as_object()) {
                for (k, x) in m {
                    o.entry(k.clone()).or_insert(x.clone());
                }
            }
            v
        };
        let n = self.addresses.len();
        let addresses: Vec<Value> = self
            .addresses
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let mut a = a.clone();
                a["erGjeldende"] = json!(i + 1 == n && !self.emigrated);
                a
            })
            .collect();
        let status = match (self.died, self.emigrated) {
            (Some(_), _) => "doed",
            (None, true) => "utflyttet",
            _ => "bosatt",
        };
        let mut navn = json!({ "fornavn": self.fornavn, "etternavn": self.etternavn });
        if let Some(m) = &self.mellomnavn {
            navn["mellomnavn"] = json!(m);
        }
        let mut doc = json!({
            "identifikasjonsnummer": [with(json!({
                "status": "iBruk",
                "foedselsEllerDNummer": self.pid.expose(),
                "identifikatortype": "foedselsnummer",
            }))],
            "status": [with(json!({ "status": status }))],
            "kjoenn": [with(json!({ "kjoenn": "kvinne" }))],
            "foedsel": [with(json!({
                "foedselsdato": self.pid.birth_date().to_string(),
                "foedselsaar": self.pid.birth_date().year().to_string(),
                "foedeland": "NOR",
            }))],
            "navn": [with(navn)],
            "bostedsadresse": addresses,
            "foreldreansvar": self.guardians.iter().map(|g| with(json!({
                "ansvar": "felles",
                "ansvarlig": g.expose(),
                "ansvarssubjekt": self.pid.expose(),
            }))).collect::<Vec<_>>(),
        });
        if let Some(d) = self.died {
            doc["doedsfall"] = json!([with(json!({ "doedsdato": d.to_string() }))]);
        }
        doc
    }
}
