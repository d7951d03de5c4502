//! Validation of a rule as a caseworker sends it: every problem found, each with a JSON pointer
//! into the draft (`/audience`, `/content/nb/title`, `/trigger/date/fixed`, ...) and an English
//! message, for the API's problem+json `errors` array.

use jiff::civil::Date;
use minside_store::{Channel, StoredRule};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::audience::Audience;
use crate::placeholders::Template;
use crate::rule::{Content, Texts, ValidRule};
use crate::trigger_json::parse_trigger;

/// Longest rule name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest category, in characters.
pub const MAX_CATEGORY_CHARS: usize = 64;
/// Longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest body, in characters.
pub const MAX_BODY_CHARS: usize = 5_000;

/// A rule as the caseworker API receives it, before validation. `trigger` and `content` are
/// kept as JSON so that every problem in them can be pointed at.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleDraft {
    pub name: String,
    pub category: String,
    pub opt_out_allowed: bool,
    pub trigger: Value,
    pub audience: String,
    pub content: Value,
    pub channels: Vec<String>,
    /// 1 (low) ..= 3 (high); 2 when left out.
    pub priority: Option<i64>,
    pub valid_from: Option<String>,
    pub valid_to: Option<String>,
}

impl From<&StoredRule> for RuleDraft {
    fn from(r: &StoredRule) -> Self {
        RuleDraft {
            name: r.name.clone(),
            category: r.category.clone(),
            opt_out_allowed: r.opt_out_allowed,
            trigger: r.trigger.clone(),
            audience: r.audience.clone(),
            content: r.content.clone(),
            channels: r.channels.iter().map(|c| c.as_str().to_owned()).collect(),
            priority: Some(i64::from(r.priority)),
            valid_from: r.valid_from.map(|d| d.to_string()),
            valid_to: r.valid_to.map(|d| d.to_string()),
        }
    }
}

/// One problem in a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// JSON pointer (RFC 6901) to the offending member, e.g. `/content/nb/title`.
    pub pointer: String,
    /// What is wrong, in English.
    pub message: String,
}

/// Collects problems.
#[derive(Default)]
pub(crate) struct Problems(pub(crate) Vec<FieldError>);

impl Problems {
    pub(crate) fn add(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            message: message.into(),
        });
    }
}

/// Checks every field of `draft`; all problems are returned, not only the first.
pub fn validate(draft: &RuleDraft) -> Result<ValidRule, Vec<FieldError>> {
    let mut p = Problems::default();
    let name = draft.name.trim();
    if name.is_empty() {
        p.add("/name", "a name is required");
    } else if name.chars().count() > MAX_NAME_CHARS {
        p.add(
            "/name",
            format!("the name is longer than {MAX_NAME_CHARS} characters"),
        );
    }
    let category = draft.category.trim();
    if category.is_empty() {
        p.add(
            "/category",
            "a category is required (what residents may opt out of)",
        );
    } else if category.len() > MAX_CATEGORY_CHARS
        || !category
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    {
        p.add(
            "/category",
            format!(
                "a category is at most {MAX_CATEGORY_CHARS} of a-z, 0-9, - and _, e.g. barnehage"
            ),
        );
    }
    let trigger = parse_trigger(&draft.trigger, &mut p);
    // With a broken trigger, `child` is allowed so that only real audience problems show.
    let about_child = trigger.as_ref().is_none_or(|t| t.is_about_child());
    let audience = match Audience::compile(&draft.audience, about_child) {
        Ok(a) => Some(a.source().to_owned()),
        Err(errors) => {
            for e in errors {
                p.add("/audience", e.message);
            }
            None
        }
    };
    let content = trigger
        .as_ref()
        .and_then(|t| parse_content(&draft.content, t, &mut p));
    let channels = parse_channels(&draft.channels, &mut p);
    let priority = match draft.priority.unwrap_or(2) {
        n @ 1..=3 => n as i16,
        _ => {
            p.add("/priority", "priority is 1 (low), 2 (normal) or 3 (high)");
            2
        }
    };
    let valid_from = parse_date(draft.valid_from.as_deref(), "/valid_from", &mut p);
    let valid_to = parse_date(draft.valid_to.as_deref(), "/valid_to", &mut p);
    if let (Some(from), Some(to)) = (valid_from, valid_to)
        && to < from
    {
        p.add("/valid_to", "valid_to is before valid_from");
    }
    match (trigger, audience, content) {
        (Some(trigger), Some(audience), Some(content)) if p.0.is_empty() => Ok(ValidRule {
            name: name.to_owned(),
            category: category.to_owned(),
            opt_out_allowed: draft.opt_out_allowed,
            trigger,
            audience,
            content,
            channels,
            priority,
            valid_from,
            valid_to,
        }),
        _ => Err(p.0),
    }
}

/// A `YYYY-MM-DD` date, or a problem at `pointer`.
pub(crate) fn parse_date_text(s: &str, pointer: &str, p: &mut Problems) -> Option<Date> {
    let well_formed = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    match s.parse::<Date>() {
        Ok(d) if well_formed => Some(d),
        _ if well_formed => {
            p.add(pointer, format!("{s} is not a date in the calendar"));
            None
        }
        _ => {
            p.add(pointer, "expected a date as YYYY-MM-DD");
            None
        }
    }
}

fn parse_date(s: Option<&str>, pointer: &str, p: &mut Problems) -> Option<Date> {
    parse_date_text(s?, pointer, p)
}

fn parse_channels(channels: &[String], p: &mut Problems) -> Vec<Channel> {
    let mut out = Vec::new();
    for (i, c) in channels.iter().enumerate() {
        match Channel::parse(c) {
            Ok(ch) if !out.contains(&ch) => out.push(ch),
            Ok(_) => {}
            Err(_) => p.add(
                format!("/channels/{i}"),
                format!("unknown channel `{c}`; expected inbox, email or sms"),
            ),
        }
    }
    out
}

fn parse_content(v: &Value, trigger: &crate::rule::Trigger, p: &mut Problems) -> Option<Content> {
    let Some(obj) = v.as_object() else {
        p.add(
            "/content",
            "content must be an object with nb (required), nn and en",
        );
        return None;
    };
    let before = p.0.len();
    for key in obj.keys() {
        if !matches!(key.as_str(), "nb" | "nn" | "en" | "service") {
            p.add(
                format!("/content/{}", escape(key)),
                "unsupported language; use nb (required), nn or en",
            );
        }
    }
    let service = match obj.get("service") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if is_slug(s) => Some(s.clone()),
        Some(_) => {
            p.add(
                "/content/service",
                "the linked service must be a service id (a slug such as barnehageplass)",
            );
            None
        }
    };
    let mut texts = |lang: &str, required: bool| -> Option<Texts> {
        let ptr = format!("/content/{lang}");
        match obj.get(lang) {
            None | Some(Value::Null) if required => {
                p.add(ptr, "the Norwegian Bokmål (nb) text is required");
                None
            }
            None | Some(Value::Null) => None,
            Some(Value::Object(t)) => {
                let title = text(
                    t.get("title"),
                    &format!("{ptr}/title"),
                    MAX_TITLE_CHARS,
                    trigger,
                    p,
                );
                let body = text(
                    t.get("body"),
                    &format!("{ptr}/body"),
                    MAX_BODY_CHARS,
                    trigger,
                    p,
                );
                for key in t.keys().filter(|k| !matches!(k.as_str(), "title" | "body")) {
                    p.add(
                        format!("{ptr}/{}", escape(key)),
                        "unexpected field; use title and body",
                    );
                }
                Some(Texts {
                    title: title?,
                    body: body?,
                })
            }
            Some(_) => {
                p.add(ptr, "expected an object with title and body");
                None
            }
        }
    };
    let nb = texts("nb", true);
    let nn = texts("nn", false);
    let en = texts("en", false);
    if p.0.len() > before {
        return None;
    }
    Some(Content {
        nb: nb?,
        nn,
        en,
        service,
    })
}

/// A service id of the catalogue: 3-80 characters, lowercase a-z and 0-9 in groups separated
/// by single hyphens.
fn is_slug(s: &str) -> bool {
    (3..=80).contains(&s.len())
        && s.split('-').all(|g| {
            !g.is_empty()
                && g.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn text(
    v: Option<&Value>,
    ptr: &str,
    max: usize,
    trigger: &crate::rule::Trigger,
    p: &mut Problems,
) -> Option<String> {
    let field = ptr.rsplit('/').next().unwrap_or_default();
    let s = match v {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim(),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            p.add(
                ptr,
                format!("the {field} is required and must not be empty"),
            );
            return None;
        }
        Some(_) => {
            p.add(ptr, format!("the {field} must be a text"));
            return None;
        }
    };
    if s.chars().count() > max {
        p.add(ptr, format!("the {field} is longer than {max} characters"));
        return None;
    }
    match Template::parse(s, trigger) {
        Ok(_) => Some(s.to_owned()),
        Err(errors) => {
            for e in errors {
                p.add(ptr, e);
            }
            None
        }
    }
}

/// Escapes a member name for a JSON pointer (RFC 6901).
pub(crate) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests;
