//! How a sync can fail.

use minside_adapter::AdapterError;
use minside_store::StoreError;

/// Why a sync of the mirror did not complete. Neither kind carries an identity number: the
/// source and the store keep them out of their error texts.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The population source failed (unavailable, refused, or answered with bad data).
    #[error("population source: {0}")]
    Source(#[from] AdapterError),
    /// The store refused or failed to apply the data.
    #[error("store: {0}")]
    Store(#[from] StoreError),
}
