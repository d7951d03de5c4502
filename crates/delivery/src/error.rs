//! The crate's error type.

use minside_store::StoreError;

/// What can go wrong outside a single send (a send's own result is a
/// [`SendOutcome`](crate::SendOutcome)).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The configuration cannot work (bad address, missing secret, zero timeout, ...).
    #[error("delivery configuration: {0}")]
    Config(String),
    /// The contact register did not answer usefully; the batch is tried again later.
    #[error("contact directory unavailable: {0}")]
    Directory(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
