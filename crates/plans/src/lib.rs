#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod codes;
pub mod export;
pub mod fiks;
pub mod geometry;
pub mod model;
pub mod phase;

pub use model::{
    CaseNumber, CommentDraft, Document, FieldError, Limits, PhaseDraft, PlanDraft, ProcessingEvent,
    ValidComment, draft_from_fields, validate_comment, validate_imported_plan, validate_phase,
    validate_plan,
};
