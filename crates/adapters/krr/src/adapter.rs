//! The adapter: shows a resident what KRR holds about them (and whether the municipality may
//! contact them digitally), with a link to where they update it.

use std::sync::Arc;

use async_trait::async_trait;
use minside_adapter::{
    Adapter, AdapterError, Category, CategoryInfo, FetchContext, Field, FieldValue, Provenance,
    Record, Sensitivity, Subject, Timestamp,
};
use minside_core::Locale;
use minside_maskinporten::TokenSource;

use crate::contact::{ContactInfo, ContactPoint, KrrStatus};
use crate::{KrrClient, KrrConfig, KrrError};

/// The adapter id, used in configuration, metrics and cache keys.
pub const ADAPTER_ID: &str = "krr";
/// The category the adapter answers.
pub const CATEGORY: &str = "contact-info";
/// The legal basis shown with the records.
pub const LEGAL_BASIS: &str =
    "eForvaltningsforskriften kapittel 9 (kontakt- og reservasjonsregisteret)";

/// Kontakt- og reservasjonsregisteret as a source of resident data.
#[derive(Debug)]
pub struct KrrAdapter {
    client: KrrClient,
    profile_url: String,
}

impl KrrAdapter {
    pub fn new(config: &KrrConfig, tokens: Arc<dyn TokenSource>) -> Result<Self, KrrError> {
        Ok(Self {
            client: KrrClient::new(config, tokens)?,
            profile_url: config.profile_url.clone(),
        })
    }

    /// The lookup client, for other uses of KRR (e.g. choosing notice channels).
    pub fn client(&self) -> &KrrClient {
        &self.client
    }
}

fn category() -> Category {
    Category::parse(CATEGORY).expect("valid category id")
}

#[async_trait]
impl Adapter for KrrAdapter {
    fn id(&self) -> &str {
        ADAPTER_ID
    }

    fn name(&self) -> &str {
        "Kontakt- og reservasjonsregisteret"
    }

    fn categories(&self) -> Vec<CategoryInfo> {
        vec![CategoryInfo {
            id: category(),
            title_nb: "Kontaktinformasjon og reservasjon".into(),
            title_en: "Contact information and reservation".into(),
            legal_basis: LEGAL_BASIS.into(),
            sensitivity: Sensitivity::Normal,
        }]
    }

    #[tracing::instrument(skip_all, fields(adapter = ADAPTER_ID, purpose = ?ctx.purpose))]
    async fn fetch(
        &self,
        subject: &Subject,
        categories: &[Category],
        ctx: &FetchContext,
    ) -> Result<Vec<Record>, AdapterError> {
        if !categories.is_empty() && !categories.contains(&category()) {
            return Ok(Vec::new());
        }
        let info = self
            .client
            .lookup_one(&subject.pid)
            .await?
            .ok_or(AdapterError::NotFound)?;
        let now = Timestamp::now();
        Ok(vec![Record {
            id: "krr-contact-info".into(),
            category: category(),
            title: "Kontaktinformasjon i Kontakt- og reservasjonsregisteret".into(),
            fields: fields(&info, now),
            provenance: Provenance {
                source: ADAPTER_ID.into(),
                system_name: self.name().into(),
                fetched_at: now,
                legal_basis: LEGAL_BASIS.into(),
                sensitivity: Sensitivity::Normal,
            },
            deep_link: Some(self.profile_url.clone()),
        }])
    }
}

fn status(code: &str, label: &str) -> FieldValue {
    FieldValue::Status {
        code: code.into(),
        label: label.into(),
    }
}

fn point_fields(fields: &mut Vec<Field>, key: &str, label: &str, p: &ContactPoint) {
    fields.push(Field::new(key, label, FieldValue::Text(p.value.clone())));
    if let Some(t) = p.updated {
        fields.push(Field::new(
            &format!("{key}_updated"),
            "Sist endret",
            FieldValue::Timestamp(t),
        ));
    }
    if let Some(t) = p.last_verified {
        fields.push(Field::new(
            &format!("{key}_verified"),
            "Sist bekreftet",
            FieldValue::Timestamp(t),
        ));
    }
}

/// The fields shown to the resident, in the order shown.
pub(crate) fn fields(info: &ContactInfo, now: Timestamp) -> Vec<Field> {
    let mut fields = Vec::new();
    let (code, label) = match &info.status {
        KrrStatus::Aktiv => ("AKTIV", "Registrert"),
        KrrStatus::Slettet => ("SLETTET", "Slettet"),
        KrrStatus::IkkeRegistrert => ("IKKE_REGISTRERT", "Ikke registrert"),
        KrrStatus::Other(c) => (c.as_str(), "Ukjent status"),
    };
    fields.push(Field::new(
        "status",
        "Status i registeret",
        status(code, label),
    ));
    let reservation = if info.reserved {
        status("JA", "Reservert mot digital kommunikasjon")
    } else {
        status("NEI", "Ikke reservert")
    };
    fields.push(Field::new("reservation", "Reservasjon", reservation));
    if let Some(p) = &info.email {
        point_fields(&mut fields, "email", "E-postadresse", p);
    }
    if let Some(p) = &info.mobile {
        point_fields(&mut fields, "mobile", "Mobilnummer", p);
    }
    if let Some(l) = info.language {
        let name = match l {
            Locale::Nb => "Bokmål",
            Locale::Nn => "Nynorsk",
            Locale::En => "Engelsk",
            Locale::Se => "Nordsamisk",
        };
        fields.push(Field::new(
            "language",
            "Foretrukket språk",
            status(l.as_str(), name),
        ));
    }
    if let Some(notifiable) = info.notifiable {
        fields.push(Field::new(
            "notifiable",
            "Kan varsles (KRR)",
            FieldValue::Bool(notifiable),
        ));
    }
    if let Some(provider) = info
        .digital_mailbox
        .as_ref()
        .and_then(|m| m.provider.as_deref())
    {
        fields.push(Field::new(
            "digital_mailbox",
            "Digital postkasse",
            FieldValue::Text(provider.into()),
        ));
    }
    fields.push(Field::new(
        "digital_contact_allowed",
        "Kommunen kan kontakte deg digitalt",
        FieldValue::Bool(info.digital_channels_allowed(now)),
    ));
    fields
}
