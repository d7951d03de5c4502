//! A rule ready to evaluate: typed trigger, compiled audience, parsed texts; and the notice it
//! makes for one recipient.

use jiff::Timestamp;
use jiff::civil::Date;
use minside_core::lifephase::age_on;
use minside_core::{Kommunenummer, Locale};
use minside_store::{Channel, ChildFacts, NewNotice, ResidentFacts, RuleId, StoredRule};
use serde_json::{Map, Value};

use crate::audience::{Audience, EvalError};
use crate::placeholders::{Template, Values};
use crate::rule::{Content, Trigger, ValidRule, valid_on};
use crate::{NoticesError, occurrence, validate};

/// A rule's texts, parsed once.
#[derive(Debug)]
pub(crate) struct CompiledContent {
    langs: Vec<(Locale, Template, Template)>,
    service: Option<String>,
}

impl CompiledContent {
    fn new(content: &Content, trigger: &Trigger) -> Result<Self, String> {
        let mut langs = Vec::new();
        for (locale, texts) in content.languages() {
            let title = Template::parse(&texts.title, trigger).map_err(|e| e.join("; "))?;
            let body = Template::parse(&texts.body, trigger).map_err(|e| e.join("; "))?;
            langs.push((locale, title, body));
        }
        Ok(Self {
            langs,
            service: content.service.clone(),
        })
    }

    /// `{"nb": {"title": .., "body": ..}, ...}` for these values.
    pub(crate) fn render(&self, values: &Values<'_>) -> Value {
        let mut out = Map::new();
        for (locale, title, body) in &self.langs {
            let mut texts = Map::new();
            texts.insert("title".into(), Value::String(title.render(values, *locale)));
            texts.insert("body".into(), Value::String(body.render(values, *locale)));
            out.insert(locale.as_str().to_owned(), Value::Object(texts));
        }
        if let Some(s) = &self.service {
            out.insert("service".into(), Value::String(s.clone()));
        }
        Value::Object(out)
    }
}

/// A rule the engine evaluates.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub id: RuleId,
    pub kommunenummer: Kommunenummer,
    pub category: String,
    pub opt_out_allowed: bool,
    pub priority: i16,
    pub channels: Vec<Channel>,
    pub trigger: Trigger,
    pub audience: Audience,
    pub content: CompiledContent,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
}

/// The plan and phase a plan-phase notice is about, as its texts name them.
#[derive(Debug)]
pub(crate) struct PlanPhaseFacts {
    pub plan_id: String,
    pub plan_name: String,
    /// E.g. "Offentlig ettersyn (høring 2)".
    pub label: String,
}

/// Who a notice is for and what about.
pub(crate) struct Recipient<'a> {
    pub resident: &'a ResidentFacts,
    /// The child the notice is about, for rules about a child.
    pub child: Option<&'a ChildFacts>,
    pub occurrence: String,
    pub deadline: Option<Date>,
    /// The plan phase the notice is about, for plan-phase rules.
    pub plan: Option<&'a PlanPhaseFacts>,
}

impl CompiledRule {
    /// Compiles a stored rule; a rule that no longer validates is an error naming it.
    pub fn from_stored(rule: &StoredRule) -> Result<Self, NoticesError> {
        let invalid = |reason: String| NoticesError::InvalidRule {
            rule: rule.id,
            reason,
        };
        let valid = validate(&rule.into()).map_err(|errors| {
            invalid(
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.pointer, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        Self::from_valid(rule.id, rule.kommunenummer, &valid).map_err(invalid)
    }

    /// Compiles a validated rule (for a preview, `id` may be any id).
    pub fn from_valid(id: RuleId, k: Kommunenummer, rule: &ValidRule) -> Result<Self, String> {
        let audience =
            Audience::compile(&rule.audience, rule.trigger.is_about_child()).map_err(|e| {
                e.into_iter()
                    .map(|e| e.message)
                    .collect::<Vec<_>>()
                    .join("; ")
            })?;
        Ok(Self {
            id,
            kommunenummer: k,
            category: rule.category.clone(),
            opt_out_allowed: rule.opt_out_allowed,
            priority: rule.priority,
            channels: rule.channels.clone(),
            content: CompiledContent::new(&rule.content, &rule.trigger)?,
            trigger: rule.trigger.clone(),
            audience,
            valid_from: rule.valid_from,
            valid_to: rule.valid_to,
        })
    }

    pub fn valid_on(&self, day: Date) -> bool {
        valid_on(self.valid_from, self.valid_to, day)
    }

    /// Whether the recipient (with the child, for rules about a child) is in the audience on
    /// `day`.
    pub fn admits(&self, r: &Recipient<'_>, day: Date) -> Result<bool, EvalError> {
        if self.audience.is_everyone() {
            return Ok(true);
        }
        let ctx = crate::audience::context(
            crate::view::resident_value(r.resident, day),
            r.child.map(|c| crate::view::child_value(c.birth_date, day)),
        );
        self.audience.matches(&ctx)
    }

    /// The notice for `r`, rendered for `day`.
    pub fn notice(&self, r: &Recipient<'_>, day: Date, now: Timestamp) -> NewNotice {
        let values = Values {
            resident_given_name: &r.resident.given_name,
            resident_age: r.resident.birth_date.map(|b| age_on(b, day)),
            child_given_name: r.child.map(|c| c.given_name.as_str()),
            child_age: r.child.map(|c| age_on(c.birth_date, day)),
            deadline: r.deadline,
            days_left: r.deadline.map(|d| occurrence::days_left(day, d)),
            municipality: self.kommunenummer.name(),
            plan_name: r.plan.map(|p| p.plan_name.as_str()),
            plan_id: r.plan.map(|p| p.plan_id.as_str()),
            phase_label: r.plan.map(|p| p.label.as_str()),
        };
        NewNotice {
            kommunenummer: self.kommunenummer,
            rule_id: self.id,
            recipient_id: r.resident.id,
            subject_id: r.child.map_or(r.resident.id, |c| c.id),
            occurrence: r.occurrence.clone(),
            category: self.category.clone(),
            priority: self.priority,
            content: self.content.render(&values),
            channels: self.channels.clone(),
            created_at: now,
        }
    }
}
