#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod deadline;
pub mod lang;
pub mod model;
pub mod relevance;
pub mod search;
pub mod theme;
pub mod validate;

pub use catalogue::{CatalogueError, demo_catalogue, parse_catalogue};
pub use deadline::UpcomingDeadline;
pub use lang::{
    FieldFallback, Lang, ResolvedTexts, TextField, parse_accept_language, pick, resolve,
    wanted_languages,
};
pub use model::{
    Contact, Deadline, DeadlineKind, LocalizedText, Service, ServiceId, Texts, Translations,
};
pub use relevance::{AudienceRule, Cause, Extra, Ranked, Reason, Rule, rank};
pub use search::Index;
pub use theme::{ThemeRef, ThemeTree};
pub use validate::{FieldError, ServiceDraft, validate};
