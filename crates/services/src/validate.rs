//! Service drafts (what a caseworker or the catalogue file sends) and their validation into a
//! [`Service`]. Every problem is reported, each as a [`FieldError`] at a JSON pointer into the
//! draft.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::lang::Lang;
use crate::model::{
    Contact, Deadline, DeadlineKind, LocalizedText, Service, ServiceId, Texts, Translations,
};
use crate::relevance::AudienceRule;
use crate::theme::{ThemeRef, ThemeTree};

/// A validation failure at a JSON pointer of the draft (RFC 6901), e.g. `"/texts/en/title"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{pointer}: {message}")]
pub struct FieldError {
    /// JSON pointer to the offending member.
    pub pointer: String,
    /// What is wrong, in English.
    pub message: String,
}

impl FieldError {
    /// An error at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// A service as submitted: loose types, so that every problem can be reported with its place.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDraft {
    /// The slug.
    pub id: String,
    /// `top/sub` in the theme tree.
    pub theme: String,
    /// Texts keyed by language code (`nb` required; `nn`, `en`, `se`).
    pub texts: BTreeMap<String, Texts>,
    /// Where to apply.
    #[serde(default)]
    pub apply_url: Option<String>,
    /// Deadlines.
    #[serde(default)]
    pub deadlines: Vec<DeadlineDraft>,
    /// Where to get help.
    pub contact: ContactDraft,
    /// Audience rules.
    #[serde(default)]
    pub audience: Vec<AudienceRule>,
    /// Related notice categories (slugs).
    #[serde(default)]
    pub notice_categories: Vec<String>,
    /// Categories of the overview's records this service follows on (`kindergarten`, `property`).
    #[serde(default)]
    pub record_categories: Vec<String>,
}

/// A deadline as submitted: `kind` is `fixed` (with `date`, `YYYY-MM-DD`), `annual` (with
/// `month` and `day`) or `monthly` (with `day`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineDraft {
    /// What the deadline is for.
    pub label: LocalizedText,
    /// `fixed`, `annual` or `monthly`.
    pub kind: String,
    /// For `fixed`.
    #[serde(default)]
    pub date: Option<String>,
    /// For `annual`.
    #[serde(default)]
    pub month: Option<i8>,
    /// For `annual` and `monthly`.
    #[serde(default)]
    pub day: Option<i8>,
}

/// A contact point as submitted.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    /// The unit.
    pub unit: String,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Web page.
    #[serde(default)]
    pub url: Option<String>,
}

/// Longest title, in characters.
pub const MAX_TITLE: usize = 120;
/// Longest summary.
pub const MAX_SUMMARY: usize = 400;
/// Longest body.
pub const MAX_BODY: usize = 20_000;
/// Longest eligibility or how-to-apply text.
pub const MAX_DETAIL: usize = 4_000;
/// Longest short text (labels, unit names, keywords, reason templates).
pub const MAX_SHORT: usize = 200;

/// Validates a draft against the theme tree.
pub fn validate(draft: &ServiceDraft, themes: &ThemeTree) -> Result<Service, Vec<FieldError>> {
    let mut errors = Vec::new();
    let id = ServiceId::parse(&draft.id);
    if id.is_none() {
        errors.push(FieldError::new(
            "/id",
            "must be a slug of 3-80 characters: lowercase a-z and 0-9 in groups separated by single hyphens",
        ));
    }
    let theme = match ThemeRef::parse(&draft.theme) {
        Some(t) if themes.get(&t).is_some() => Some(t),
        Some(_) => {
            errors.push(FieldError::new("/theme", "unknown theme"));
            None
        }
        None => {
            errors.push(FieldError::new("/theme", "must be written top/sub"));
            None
        }
    };
    let texts = translations(&draft.texts, &mut errors);
    let apply_url = draft
        .apply_url
        .as_deref()
        .and_then(|u| web_url(u, "/apply_url", &mut errors));
    let deadlines: Vec<Deadline> = draft
        .deadlines
        .iter()
        .enumerate()
        .filter_map(|(i, d)| deadline(d, &format!("/deadlines/{i}"), &mut errors))
        .collect();
    let contact = contact(&draft.contact, &mut errors);
    for (i, rule) in draft.audience.iter().enumerate() {
        rule.check(&format!("/audience/{i}"), &mut errors);
    }
    for (i, c) in draft.notice_categories.iter().enumerate() {
        if ServiceId::parse(c).is_none() {
            errors.push(FieldError::new(
                format!("/notice_categories/{i}"),
                "must be a slug",
            ));
        }
    }
    for (i, c) in draft.record_categories.iter().enumerate() {
        if minside_adapter::Category::parse(c).is_err() {
            errors.push(FieldError::new(
                format!("/record_categories/{i}"),
                "must be a category id: 1-48 characters of a-z, 0-9 and '-'",
            ));
        }
    }
    match (id, theme, texts) {
        (Some(id), Some(theme), Some(texts)) if errors.is_empty() => Ok(Service {
            id,
            theme,
            texts,
            apply_url,
            deadlines,
            contact,
            audience: draft.audience.clone(),
            notice_categories: draft.notice_categories.clone(),
            record_categories: draft.record_categories.clone(),
        }),
        _ => Err(errors),
    }
}

fn translations(
    drafts: &BTreeMap<String, Texts>,
    errors: &mut Vec<FieldError>,
) -> Option<Translations> {
    let mut nb = None;
    let (mut nn, mut en, mut se) = (None, None, None);
    for (code, texts) in drafts {
        let pointer = format!("/texts/{code}");
        let lang = match code.as_str() {
            "nb" => Lang::Nb,
            "nn" => Lang::Nn,
            "en" => Lang::En,
            "se" => Lang::Se,
            _ => {
                errors.push(FieldError::new(
                    pointer,
                    "language must be nb, nn, en or se",
                ));
                continue;
            }
        };
        check_texts(texts, lang, &pointer, errors);
        let slot = match lang {
            Lang::Nb => &mut nb,
            Lang::Nn => &mut nn,
            Lang::En => &mut en,
            Lang::Se => &mut se,
        };
        *slot = Some(texts.clone());
    }
    if nb.is_none() {
        errors.push(FieldError::new("/texts/nb", "bokmål texts are required"));
    }
    Some(Translations {
        nb: nb?,
        nn,
        en,
        se,
    })
}

fn check_texts(t: &Texts, lang: Lang, pointer: &str, errors: &mut Vec<FieldError>) {
    text(&t.title, MAX_TITLE, &format!("{pointer}/title"), errors);
    text(
        &t.summary,
        MAX_SUMMARY,
        &format!("{pointer}/summary"),
        errors,
    );
    match &t.body {
        Some(b) => text(b, MAX_BODY, &format!("{pointer}/body"), errors),
        None if lang == Lang::Nb => errors.push(FieldError::new(
            format!("{pointer}/body"),
            "the bokmål body is required",
        )),
        None => {}
    }
    if let Some(e) = &t.eligibility {
        text(e, MAX_DETAIL, &format!("{pointer}/eligibility"), errors);
    }
    if let Some(h) = &t.how_to_apply {
        text(h, MAX_DETAIL, &format!("{pointer}/how_to_apply"), errors);
    }
    for (i, k) in t.keywords.iter().enumerate() {
        text(k, MAX_SHORT, &format!("{pointer}/keywords/{i}"), errors);
    }
}

/// Checks that `s` is not blank and at most `max` characters.
pub(crate) fn text(s: &str, max: usize, pointer: &str, errors: &mut Vec<FieldError>) {
    if s.trim().is_empty() {
        errors.push(FieldError::new(pointer, "must not be empty"));
    } else if s.chars().count() > max {
        errors.push(FieldError::new(
            pointer,
            format!("must be at most {max} characters"),
        ));
    }
}

/// Checks every text of a localized short text.
pub(crate) fn localized(t: &LocalizedText, pointer: &str, errors: &mut Vec<FieldError>) {
    for (lang, s) in t.iter() {
        text(s, MAX_SHORT, &format!("{pointer}/{lang}"), errors);
    }
}

fn web_url(s: &str, pointer: &str, errors: &mut Vec<FieldError>) -> Option<Url> {
    match Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Some(u),
        _ => {
            errors.push(FieldError::new(pointer, "must be an http(s) URL"));
            None
        }
    }
}

fn deadline(d: &DeadlineDraft, pointer: &str, errors: &mut Vec<FieldError>) -> Option<Deadline> {
    localized(&d.label, &format!("{pointer}/label"), errors);
    let missing = |field: &str, errors: &mut Vec<FieldError>| {
        errors.push(FieldError::new(
            format!("{pointer}/{field}"),
            format!("is required for a {} deadline", d.kind),
        ));
    };
    let kind = match d.kind.as_str() {
        "fixed" => match d.date.as_deref() {
            None => {
                missing("date", errors);
                None
            }
            Some(s) => match s.parse::<Date>() {
                Ok(date) if s.len() == 10 => Some(DeadlineKind::Fixed { date }),
                _ => {
                    errors.push(FieldError::new(
                        format!("{pointer}/date"),
                        "must be a real date written YYYY-MM-DD",
                    ));
                    None
                }
            },
        },
        "annual" => match (d.month, d.day) {
            (Some(month), Some(day)) => {
                // A leap year, so that only 29 February needs its own refusal.
                if month == 2 && day == 29 {
                    errors.push(FieldError::new(
                        format!("{pointer}/day"),
                        "29 February is not a yearly date; use 28 February or 1 March",
                    ));
                    None
                } else if Date::new(2024, month, day).is_err() {
                    errors.push(FieldError::new(
                        format!("{pointer}/day"),
                        "month and day must be a real date",
                    ));
                    None
                } else {
                    Some(DeadlineKind::Annual { month, day })
                }
            }
            (month, day) => {
                if month.is_none() {
                    missing("month", errors);
                }
                if day.is_none() {
                    missing("day", errors);
                }
                None
            }
        },
        "monthly" => match d.day {
            Some(day) if (1..=31).contains(&day) => Some(DeadlineKind::Monthly { day }),
            Some(_) => {
                errors.push(FieldError::new(format!("{pointer}/day"), "must be 1-31"));
                None
            }
            None => {
                missing("day", errors);
                None
            }
        },
        _ => {
            errors.push(FieldError::new(
                format!("{pointer}/kind"),
                "must be fixed, annual or monthly",
            ));
            None
        }
    };
    let unused = match d.kind.as_str() {
        "fixed" => [("month", d.month.is_some()), ("day", d.day.is_some())],
        "annual" => [("date", d.date.is_some()), ("date", false)],
        "monthly" => [("date", d.date.is_some()), ("month", d.month.is_some())],
        _ => [("date", false), ("date", false)],
    };
    for (field, present) in unused {
        if present {
            errors.push(FieldError::new(
                format!("{pointer}/{field}"),
                format!("does not belong to a {} deadline", d.kind),
            ));
        }
    }
    Some(Deadline {
        label: d.label.clone(),
        kind: kind?,
    })
}

fn contact(c: &ContactDraft, errors: &mut Vec<FieldError>) -> Contact {
    text(&c.unit, MAX_SHORT, "/contact/unit", errors);
    if let Some(phone) = &c.phone {
        let digits = phone.bytes().filter(u8::is_ascii_digit).count();
        let allowed = phone
            .char_indices()
            .all(|(i, ch)| ch.is_ascii_digit() || ch == ' ' || (ch == '+' && i == 0));
        if !allowed || !(3..=15).contains(&digits) {
            errors.push(FieldError::new(
                "/contact/phone",
                "must be 3-15 digits, spaces allowed, optionally starting with +",
            ));
        }
    }
    if let Some(email) = &c.email {
        let ok = email.len() <= 254
            && !email.contains(char::is_whitespace)
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            });
        if !ok {
            errors.push(FieldError::new(
                "/contact/email",
                "must be an e-mail address",
            ));
        }
    }
    let url = c
        .url
        .as_deref()
        .and_then(|u| web_url(u, "/contact/url", errors));
    Contact {
        unit: c.unit.clone(),
        phone: c.phone.clone(),
        email: c.email.clone(),
        url,
    }
}

#[cfg(test)]
mod tests;
