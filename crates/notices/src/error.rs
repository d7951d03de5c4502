//! The crate's one error type.

use minside_store::{RuleId, StoreError};

/// What went wrong while evaluating rules.
#[derive(Debug, thiserror::Error)]
pub enum NoticesError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored rule no longer parses or validates (e.g. written by an older version).
    #[error("rule {rule} cannot be used: {reason}")]
    InvalidRule { rule: RuleId, reason: String },
    /// The rule cannot be run this way (e.g. a campaign run of a rule that is no campaign).
    #[error("{0}")]
    NotApplicable(String),
    /// Another instance took over the named job lease during a long run (this one stops;
    /// the other carries on, and no notice is created twice).
    #[error("job lease {0} was lost to another instance")]
    LeaseLost(String),
    /// An evaluation task failed (panicked or was cancelled).
    #[error("evaluation task failed: {0}")]
    Task(String),
}
