//! Proactive life-phase notices: the caseworkers' rules (trigger, CEL audience, content per
//! language), their validation, and the evaluation engine that turns them into notices.
//!
//! - [`validate`] checks a [`RuleDraft`] as the caseworker API receives it and gives a
//!   [`ValidRule`] or every problem as a [`FieldError`] with a JSON pointer.
//! - [`Audience`] is the compiled audience expression over the documented resident
//!   [view](view) (`docs/notices.md`); [`placeholders`] fill in the texts.
//! - [`Engine`] evaluates date triggers per day ([`Engine::evaluate_day`]), follows the
//!   register's change feed ([`Engine::process_events`]), tells neighbours and followers of a
//!   land-use plan when one of its phases opens ([`Engine::notify_plan_phase`], and daily),
//!   runs campaigns and previews rules.
//!   Each notice carries an [occurrence](occurrence) that, with the rule and the recipient,
//!   the store never creates twice.
#![forbid(unsafe_code)]

mod audience;
mod check;
mod engine;
mod error;
pub mod occurrence;
pub mod placeholders;
mod rule;
mod samples;
mod trigger_json;
mod validate;
pub mod view;

pub use audience::{Audience, EvalError, MAX_AUDIENCE_CHARS, context};
pub use check::{ALLOWED_FUNCTIONS, AudienceError};
pub use engine::{
    DEFAULT_PLAN_DISTANCE_M, Engine, EngineConfig, EngineStore, EvalReport, MaskedResident,
    PREVIEW_SAMPLES, Preview, RuleCounts,
};
pub use error::NoticesError;
pub use rule::{
    AgeOf, Content, DateSpec, EventRecipients, Texts, Trigger, ValidRule, status_change_allowed,
};
pub use trigger_json::{MAX_AGE_YEARS, MAX_DAYS_BEFORE};
pub use validate::{
    FieldError, MAX_BODY_CHARS, MAX_CATEGORY_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS, RuleDraft,
    validate,
};
