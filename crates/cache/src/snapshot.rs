//! Persistent last-known-good copies: the trait the server implements over its SQL store, and an
//! in-memory implementation for tests and single-process development.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use minside_core::Timestamp;

use crate::SubjectKey;

/// One sealed copy of a source's answer for a resident.
#[derive(Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The encrypted payload (see [`crate::PayloadCipher`]); it also holds `fetched_at`, which
    /// is the value the cache trusts.
    pub sealed: Vec<u8>,
    /// When the records were fetched; in clear for housekeeping (deleting old copies).
    pub fetched_at: Timestamp,
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("sealed_len", &self.sealed.len())
            .field("fetched_at", &self.fetched_at)
            .finish()
    }
}

/// Where last-known-good copies live across restarts, keyed by (source id, resident key).
///
/// Errors are plain texts for the log; they must not contain personal data.
#[async_trait]
pub trait SnapshotStore: Send + Sync + 'static {
    async fn load(&self, source: &str, subject: SubjectKey) -> Result<Option<Snapshot>, String>;
    /// Inserts or replaces the copy.
    async fn save(
        &self,
        source: &str,
        subject: SubjectKey,
        snapshot: Snapshot,
    ) -> Result<(), String>;
    /// Deleting a copy that does not exist is not an error.
    async fn delete(&self, source: &str, subject: SubjectKey) -> Result<(), String>;
}

/// Snapshots in a map: they survive dropping a [`crate::Cache`] but not the process.
#[derive(Debug, Default)]
pub struct MemorySnapshotStore {
    copies: Mutex<HashMap<(String, SubjectKey), Snapshot>>,
}

impl MemorySnapshotStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many copies are held.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, SubjectKey), Snapshot>> {
        self.copies.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl SnapshotStore for MemorySnapshotStore {
    async fn load(&self, source: &str, subject: SubjectKey) -> Result<Option<Snapshot>, String> {
        Ok(self.lock().get(&(source.to_owned(), subject)).cloned())
    }

    async fn save(
        &self,
        source: &str,
        subject: SubjectKey,
        snapshot: Snapshot,
    ) -> Result<(), String> {
        self.lock().insert((source.to_owned(), subject), snapshot);
        Ok(())
    }

    async fn delete(&self, source: &str, subject: SubjectKey) -> Result<(), String> {
        self.lock().remove(&(source.to_owned(), subject));
        Ok(())
    }
}
