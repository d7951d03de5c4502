//! Errors of the demo adapters' configuration.

/// Why demo settings cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DemoError {
    #[error("invalid demo settings: {0}")]
    InvalidSettings(String),
}
