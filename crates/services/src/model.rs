//! The validated service model: what a municipal service is, in which languages it is described,
//! its deadlines, contact point and the audience rules that make it relevant to a resident.
//!
//! Values of these types come out of [`crate::validate()`] (or the demo catalogue, which goes
//! through it), so they carry its guarantees: a well-formed slug, bokmål texts, known theme, real
//! dates and http(s) URLs. They serialize for the API; they do not deserialize (drafts do).

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use url::Url;

use crate::lang::Lang;
use crate::relevance::AudienceRule;
use crate::theme::ThemeRef;

/// A service's id: a slug of lowercase ASCII letters and digits in hyphen-separated groups,
/// 3–80 characters (`barnehageplass`, `tt-kort`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ServiceId(String);

impl ServiceId {
    /// Parses a slug; `None` when it is not one.
    pub fn parse(s: &str) -> Option<ServiceId> {
        let well_formed = (3..=80).contains(&s.len())
            && s.split('-').all(|group| {
                !group.is_empty()
                    && group
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        well_formed.then(|| ServiceId(s.to_owned()))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ServiceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The texts describing a service in one language. Title and summary are always there; the
/// others may be left out of a translation and are then taken from bokmål (see
/// [`crate::lang::resolve`]). Bokmål has a body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// Short name, e.g. "Søke barnehageplass".
    pub title: String,
    /// One or two plain sentences for lists and search results.
    pub summary: String,
    /// Markdown description.
    #[serde(default)]
    pub body: Option<String>,
    /// Who can get the service.
    #[serde(default)]
    pub eligibility: Option<String>,
    /// How to apply, in words (the link is [`Service::apply_url`]).
    #[serde(default)]
    pub how_to_apply: Option<String>,
    /// Extra search words (synonyms, abbreviations) that need not appear in the text.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// A service's texts per language; bokmål is required.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Translations {
    /// Bokmål.
    pub nb: Texts,
    /// Nynorsk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nn: Option<Texts>,
    /// English.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub en: Option<Texts>,
    /// Northern Sami.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub se: Option<Texts>,
}

impl Translations {
    /// The texts in exactly `lang`, if translated.
    pub fn get(&self, lang: Lang) -> Option<&Texts> {
        match lang {
            Lang::Nb => Some(&self.nb),
            Lang::Nn => self.nn.as_ref(),
            Lang::En => self.en.as_ref(),
            Lang::Se => self.se.as_ref(),
        }
    }
}

/// A short text in bokmål and optionally the other languages (deadline labels, reason
/// templates).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalizedText {
    /// Bokmål (required).
    pub nb: String,
    /// Nynorsk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nn: Option<String>,
    /// English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en: Option<String>,
    /// Northern Sami.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se: Option<String>,
}

impl LocalizedText {
    /// The text in `lang`, or bokmål when not translated.
    pub fn get(&self, lang: Lang) -> &str {
        let own = match lang {
            Lang::Nb => None,
            Lang::Nn => self.nn.as_deref(),
            Lang::En => self.en.as_deref(),
            Lang::Se => self.se.as_deref(),
        };
        own.unwrap_or(&self.nb)
    }

    /// Every text present, with its language.
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        [
            (Lang::Nb, Some(self.nb.as_str())),
            (Lang::Nn, self.nn.as_deref()),
            (Lang::En, self.en.as_deref()),
            (Lang::Se, self.se.as_deref()),
        ]
        .into_iter()
        .filter_map(|(l, t)| t.map(|t| (l, t)))
    }

    /// Applies `f` to every text present.
    pub fn map(&self, f: impl Fn(Lang, &str) -> String) -> LocalizedText {
        LocalizedText {
            nb: f(Lang::Nb, &self.nb),
            nn: self.nn.as_deref().map(|t| f(Lang::Nn, t)),
            en: self.en.as_deref().map(|t| f(Lang::En, t)),
            se: self.se.as_deref().map(|t| f(Lang::Se, t)),
        }
    }
}

/// When a deadline falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeadlineKind {
    /// Once, on this day.
    Fixed {
        /// The day.
        date: Date,
    },
    /// Every year on this day (29 February is refused: say 28 February or 1 March).
    Annual {
        /// 1–12.
        month: i8,
        /// 1–31, valid for the month.
        day: i8,
    },
    /// Every month on this day; 29–31 mean the month's last day in shorter months.
    Monthly {
        /// 1–31.
        day: i8,
    },
}

/// A deadline of a service ("Søknadsfrist hovedopptak", 1 March every year).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Deadline {
    /// What the deadline is for.
    pub label: LocalizedText,
    /// When it falls.
    #[serde(flatten)]
    pub kind: DeadlineKind,
}

/// Where residents get help with the service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Contact {
    /// The municipal unit, e.g. "Barnehagekontoret".
    pub unit: String,
    /// Phone number as shown (digits, spaces, leading `+`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The unit's web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Url>,
}

/// A municipal service in the catalogue.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Service {
    /// The slug.
    pub id: ServiceId,
    /// Where the service sits in the theme tree.
    pub theme: ThemeRef,
    /// The texts per language.
    pub texts: Translations,
    /// Where to apply (a form or the service's page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub apply_url: Option<Url>,
    /// Application deadlines and due dates.
    pub deadlines: Vec<Deadline>,
    /// Where to get help.
    pub contact: Contact,
    /// Who the service is likely relevant for (see [`crate::relevance`]).
    pub audience: Vec<AudienceRule>,
    /// Notice categories (of the notice engine) that relate to this service.
    pub notice_categories: Vec<String>,
    /// Categories of records in the resident's overview that this service follows on from
    /// ("what you have" -> "what you can apply for"), e.g. `kindergarten`, `property`.
    pub record_categories: Vec<String>,
}
