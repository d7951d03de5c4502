//! How the items of a response become records: a category's mapping, checked at load and
//! applied per fetch. Failures name the JSON Pointer of the offending value, never the value.

use std::collections::HashSet;

use minside_adapter::{AdapterError, CategoryInfo, Field, Provenance, Record, Timestamp};
use serde_json::Value;

use super::values::{convert, scalar_text};
use crate::ConfigError;
use crate::config::{CategoryMapping, FieldKind, FieldMapping, ItemFilter};
use crate::template::{Template, check_pointer, encode_component, is_machine_key};
use crate::transport::check_deep_link;

/// A category with its checked record mapping.
#[derive(Debug)]
pub(crate) struct CategoryRecords {
    pub(crate) info: CategoryInfo,
    items: String,
    when: Option<ItemFilter>,
    id: String,
    title: Template,
    deep_link: Option<Template>,
    fields: Vec<FieldMapping>,
}

/// Who fetched, when, and for whom (the pid only to keep it out of deep links).
pub(crate) struct Fetched<'a> {
    pub(crate) source: &'a str,
    pub(crate) system_name: &'a str,
    pub(crate) at: Timestamp,
    pub(crate) pid: &'a str,
}

impl CategoryRecords {
    /// Checks `mapping` (the `index`th category) and prepares it.
    pub(crate) fn compile(
        adapter: &str,
        index: usize,
        mapping: CategoryMapping,
        default_items: &str,
    ) -> Result<Self, ConfigError> {
        let at = |what: &str| format!("categories[{index}].{what}");
        let invalid =
            |what: &str, message: String| ConfigError::invalid(adapter, at(what), message);
        for (what, text) in [
            ("title_nb", &mapping.title_nb),
            ("title_en", &mapping.title_en),
            ("legal_basis", &mapping.legal_basis),
        ] {
            if text.trim().is_empty() {
                return Err(invalid(what, "must not be empty".into()));
            }
        }
        let records = mapping.records;
        let items = records.items.unwrap_or_else(|| default_items.to_owned());
        check_pointer(&items).map_err(|m| invalid("records.items", m))?;
        if let Some(when) = &records.when {
            check_pointer(&when.pointer).map_err(|m| invalid("records.when.pointer", m))?;
        }
        check_pointer(&records.id).map_err(|m| invalid("records.id", m))?;
        let title = pointer_template(&records.title).map_err(|m| invalid("records.title", m))?;
        let deep_link = match &records.deep_link {
            Some(text) => Some(link_template(text).map_err(|m| invalid("records.deep_link", m))?),
            None => None,
        };
        let mut keys = HashSet::new();
        for (i, field) in records.fields.iter().enumerate() {
            let invalid = |message: String| invalid(&format!("records.fields[{i}]"), message);
            if !is_machine_key(&field.key) {
                return Err(invalid(
                    "key must be 1 to 64 characters of a-z, 0-9, '_', '-'".into(),
                ));
            }
            if !keys.insert(field.key.as_str()) {
                return Err(invalid(format!("duplicate key {:?}", field.key)));
            }
            if field.label.trim().is_empty() {
                return Err(invalid("label must not be empty".into()));
            }
            check_pointer(&field.pointer).map_err(&invalid)?;
            match (field.kind, field.codes.is_empty()) {
                (FieldKind::Status, true) => {
                    return Err(invalid(
                        "a status field needs `codes` (code -> label)".into(),
                    ));
                }
                (FieldKind::Status, false) | (_, true) => {}
                (_, false) => return Err(invalid("`codes` is only for status fields".into())),
            }
        }
        let info = CategoryInfo {
            id: mapping.id,
            title_nb: mapping.title_nb,
            title_en: mapping.title_en,
            legal_basis: mapping.legal_basis,
            sensitivity: mapping.sensitivity,
        };
        let when = records.when;
        Ok(Self {
            info,
            items,
            when,
            id: records.id,
            title,
            deep_link,
            fields: records.fields,
        })
    }

    /// The records of this category in the response `root`.
    pub(crate) fn records(
        &self,
        root: &Value,
        fetched: &Fetched<'_>,
    ) -> Result<Vec<Record>, AdapterError> {
        let Some(items) = root.pointer(&self.items).and_then(Value::as_array) else {
            return Err(self.bad("", &self.items, "expected an array"));
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(when) = &self.when
                && item.pointer(&when.pointer) != Some(&when.equals)
            {
                continue;
            }
            out.push(self.record(item, &format!("{}/{i}", self.items), fetched)?);
        }
        Ok(out)
    }

    fn record(
        &self,
        item: &Value,
        base: &str,
        fetched: &Fetched<'_>,
    ) -> Result<Record, AdapterError> {
        let id = item
            .pointer(&self.id)
            .and_then(scalar_text)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| self.bad(base, &self.id, "expected a record id (text or integer)"))?;
        let title = self.title.render(|pointer| {
            item.pointer(pointer)
                .and_then(title_text)
                .ok_or_else(|| self.bad(base, pointer, "expected text, a number or a boolean"))
        })?;
        let deep_link = match &self.deep_link {
            None => None,
            Some(template) => {
                let link = template.render(|pointer| {
                    item.pointer(pointer)
                        .and_then(title_text)
                        .map(|text| encode_component(&text))
                        .ok_or_else(|| self.bad(base, pointer, "expected a value for the link"))
                })?;
                check_deep_link(&link, fetched.pid).map_err(|m| self.bad(base, "", m))?;
                Some(link)
            }
        };
        let mut fields = Vec::with_capacity(self.fields.len());
        for field in &self.fields {
            match item.pointer(&field.pointer) {
                None | Some(Value::Null) if field.optional => {}
                None | Some(Value::Null) => {
                    return Err(self.bad(base, &field.pointer, "missing value"));
                }
                Some(value) => {
                    let value = convert(field.kind, &field.codes, value)
                        .map_err(|expected| self.bad(base, &field.pointer, expected))?;
                    fields.push(Field::new(&field.key, &field.label, value));
                }
            }
        }
        Ok(Record {
            id,
            category: self.info.id.clone(),
            title,
            fields,
            provenance: Provenance {
                source: fetched.source.to_owned(),
                system_name: fetched.system_name.to_owned(),
                fetched_at: fetched.at,
                legal_basis: self.info.legal_basis.clone(),
                sensitivity: self.info.sensitivity,
            },
            deep_link,
        })
    }

    /// "category invoices: missing value at /invoices/3/amount".
    fn bad(&self, base: &str, pointer: &str, what: &str) -> AdapterError {
        AdapterError::BadData(format!(
            "category {}: {what} at {base}{pointer}",
            self.info.id
        ))
    }
}

/// A template whose placeholders are JSON Pointers into the item.
fn pointer_template(text: &str) -> Result<Template, String> {
    let template = Template::parse(text)?;
    for name in template.placeholders() {
        if !name.starts_with('/') {
            return Err(format!(
                "placeholder {{{name}}} must be a JSON Pointer such as {{/id}}"
            ));
        }
        check_pointer(name)?;
    }
    Ok(template)
}

fn link_template(text: &str) -> Result<Template, String> {
    let template = pointer_template(text)?;
    if !(text.starts_with("https://") || text.starts_with("http://")) {
        return Err("must start with https:// or http://".into());
    }
    let sample = template
        .render::<()>(|_| Ok("x".into()))
        .unwrap_or_default();
    url::Url::parse(&sample).map_err(|e| format!("does not make a URL: {e}"))?;
    Ok(template)
}

/// A scalar as it appears in a title or link.
fn title_text(value: &Value) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
        other => scalar_text(other),
    }
}
