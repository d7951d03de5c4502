//! Building records: provenance from the system and category, typed fields, and links into
//! the municipality's web site.

use jiff::civil::Date;
use minside_adapter::{Field, FieldValue, Provenance, Record, Sensitivity, Timestamp};

use super::{CATEGORIES, DemoSystemKind, category};

/// Builds records of one system at one instant.
pub(crate) struct Factory {
    pub kind: DemoSystemKind,
    pub now: Timestamp,
    /// Today in Oslo, for upcoming dates such as waste collection.
    pub today: Date,
}

impl Factory {
    pub(crate) fn record(
        &self,
        category_id: &str,
        id: String,
        title: String,
        fields: Vec<Field>,
        deep_link: Option<String>,
    ) -> Record {
        let legal_basis = CATEGORIES
            .iter()
            .find(|c| c.1 == category_id)
            .map_or("", |c| c.4);
        Record {
            id,
            category: category(category_id),
            title,
            fields,
            provenance: Provenance {
                source: self.kind.id().into(),
                system_name: self.kind.name().into(),
                fetched_at: self.now,
                legal_basis: legal_basis.into(),
                sensitivity: Sensitivity::Normal,
            },
            deep_link,
        }
    }
}

pub(crate) fn text(key: &str, label: &str, value: impl Into<String>) -> Field {
    Field::new(key, label, FieldValue::Text(value.into()))
}

pub(crate) fn date(key: &str, label: &str, value: Date) -> Field {
    Field::new(key, label, FieldValue::Date(value))
}

pub(crate) fn int(key: &str, label: &str, value: impl Into<i64>) -> Field {
    Field::new(key, label, FieldValue::Integer(value.into()))
}

pub(crate) fn amount(key: &str, label: &str, ore: i64) -> Field {
    Field::new(key, label, FieldValue::Amount(ore))
}

pub(crate) fn flag(key: &str, label: &str, value: bool) -> Field {
    Field::new(key, label, FieldValue::Bool(value))
}

pub(crate) fn status(key: &str, label: &str, code: &str, code_label: &str) -> Field {
    Field::new(
        key,
        label,
        FieldValue::Status {
            code: code.into(),
            label: code_label.into(),
        },
    )
}

/// A URL path segment from a name: "Blakstad barnehage" -> "blakstad-barnehage".
pub(crate) fn slug(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'æ' => "ae".to_owned(),
            'ø' => "o".to_owned(),
            'å' => "a".to_owned(),
            c if c.is_ascii_alphanumeric() => c.to_string(),
            _ => "-".to_owned(),
        })
        .collect()
}

/// The base of the municipality's web site.
pub(crate) const SITE: &str = "https://www.asker.kommune.no";
