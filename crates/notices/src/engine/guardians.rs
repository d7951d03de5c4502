//! The guardians of many children at once: their `guardians_of` lookups run concurrently, and
//! the guardians' facts come from one read.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use minside_core::Kommunenummer;
use minside_store::{ResidentFacts, ResidentId, ResidentStatus};
use tokio::task::JoinSet;

use super::{Engine, EngineStore};
use crate::NoticesError;

/// `guardians_of` lookups in flight at once.
const CONCURRENT_LOOKUPS: usize = 8;

impl<S: EngineStore + ?Sized> Engine<S> {
    /// The active guardians in `k` of each of `children` (children without any are left out).
    pub(crate) async fn guardians_of_children(
        &self,
        k: &Kommunenummer,
        children: &[ResidentId],
    ) -> Result<HashMap<ResidentId, Vec<ResidentFacts>>, NoticesError> {
        let mut links: Vec<(ResidentId, Vec<ResidentId>)> = Vec::with_capacity(children.len());
        let mut lookups = JoinSet::new();
        let mut pending = children.iter().copied().collect::<HashSet<_>>().into_iter();
        loop {
            while lookups.len() < CONCURRENT_LOOKUPS
                && let Some(child) = pending.next()
            {
                let store = Arc::clone(&self.store);
                lookups.spawn(async move {
                    let guardians = store.guardians_of(child).await?;
                    Ok::<_, NoticesError>((child, guardians.into_iter().map(|g| g.id).collect()))
                });
            }
            let Some(done) = lookups.join_next().await else {
                break;
            };
            links.push(done.map_err(|e| NoticesError::Task(e.to_string()))??);
        }
        let mut ids: Vec<ResidentId> = links.iter().flat_map(|(_, g)| g.iter().copied()).collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        ids.sort_unstable();
        ids.dedup();
        let facts: HashMap<ResidentId, ResidentFacts> = self
            .store
            .resident_facts(&ids)
            .await?
            .into_iter()
            .filter(|g| g.status == ResidentStatus::Active && g.kommunenummer == *k)
            .map(|g| (g.id, g))
            .collect();
        Ok(links
            .into_iter()
            .map(|(child, guardians)| {
                let found = guardians
                    .iter()
                    .filter_map(|g| facts.get(g).cloned())
                    .collect();
                (child, found)
            })
            .collect())
    }
}
