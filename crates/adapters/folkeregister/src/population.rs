//! The population source: a snapshot by bulk lookups of the roster, and changes from the
//! national hendelsesliste, filtered to one municipality.
//!
//! Reading the feed: start after `max(after, read pointer)`, read pages (Folkeregisteret's are
//! 1000 entries; a shorter page is the end), look up the persons of the events that may matter
//! in one bulk lookup per page (with `historikk`, to tell moves apart), keep the events that
//! concern the municipality, stop at `limit` events or after `feed_max_pages_per_call` pages.
//! Then the read pointer is saved: past everything read when nothing was handed out, otherwise
//! just before the first event handed out (so nothing is lost if the caller fails to apply
//! them; the caller acknowledges by asking for events after them).
//!
//! An event carries the person's current state (state after it, and after any later change).
//! A person document that cannot be read is skipped with a warning naming only the sequence
//! number, so one bad document does not stop the feed.

use std::collections::HashMap;

use async_trait::async_trait;
use minside_adapter::{
    AdapterError, Kommunenummer, Pid, PopulationEvent, PopulationSnapshot, PopulationSource,
    Timestamp,
};
use minside_core::lifephase::today_in_oslo;

use crate::FolkeregisterAdapter;
use crate::feed::{classify, kind_for};
use crate::http::{FEED_PARTS, MIRROR_PARTS};
use crate::model::{FeedEntry, Folkeregisterperson};
use crate::person::person_record;

/// Folkeregisteret's largest bulkoppslag.
const BULK_MAX: usize = 1000;

#[async_trait]
impl PopulationSource for FolkeregisterAdapter {
    #[tracing::instrument(skip_all, fields(tenant = %tenant))]
    async fn snapshot(&self, tenant: &Kommunenummer) -> Result<PopulationSnapshot, AdapterError> {
        // Read before the lookups: changes after it are replayed on top, which is harmless.
        let sequence = self.start_after(0, tenant).await?;
        let pids = self.roster.pids(tenant).await?;
        let mut people = Vec::with_capacity(pids.len());
        for chunk in pids.chunks(BULK_MAX) {
            for (_, doc) in self.http.bulk(chunk, MIRROR_PARTS).await? {
                let here = doc.current_address().and_then(|a| a.kommunenummer());
                if here.as_ref() != Some(tenant) {
                    continue;
                }
                match person_record(&doc, self.policy) {
                    Ok(p) => people.push(p),
                    Err(e) => tracing::warn!(error = %e, "skipped an unreadable person document"),
                }
            }
        }
        tracing::info!(people = people.len(), sequence, "population snapshot");
        Ok(PopulationSnapshot { people, sequence })
    }

    #[tracing::instrument(skip_all, fields(tenant = %tenant, after = after, limit = limit))]
    async fn changes(
        &self,
        tenant: &Kommunenummer,
        after: u64,
        limit: u32,
    ) -> Result<Vec<PopulationEvent>, AdapterError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        if limit == 0 {
            return Ok(Vec::new());
        }
        let stored = self.pointer.load(tenant).await?.unwrap_or(0);
        let mut next = after
            .max(stored)
            .max(self.feed_start.saturating_sub(1))
            .saturating_add(1);
        let mut events = Vec::new();
        let mut scanned = None;
        'pages: for _ in 0..self.feed_max_pages {
            let mut page = self.http.feed(next).await?;
            page.retain(|e| e.sekvensnummer >= next);
            page.sort_by_key(|e| e.sekvensnummer);
            let Some(last) = page.last().map(|e| e.sekvensnummer) else {
                break;
            };
            let full = page.len() >= self.feed_page_size;
            let mut resolved = self.resolve_page(tenant, &page).await?;
            for entry in &page {
                if let Some(event) = resolved.remove(&entry.sekvensnummer) {
                    if events.len() == limit {
                        break 'pages;
                    }
                    events.push(event);
                }
                scanned = Some(entry.sekvensnummer);
            }
            next = last.saturating_add(1);
            if !full || events.len() >= limit {
                break;
            }
        }
        let pointer = match events.first() {
            Some(first) => first.sequence.saturating_sub(1),
            None => scanned.unwrap_or(0),
        };
        if pointer > stored {
            self.pointer.save(tenant, pointer).await?;
        }
        Ok(events)
    }
}

impl FolkeregisterAdapter {
    /// Where reading resumes: after the caller's `after`, the saved pointer, or the configured
    /// start, whichever is furthest.
    async fn start_after(&self, after: u64, tenant: &Kommunenummer) -> Result<u64, AdapterError> {
        let stored = self.pointer.load(tenant).await?.unwrap_or(0);
        Ok(after.max(stored).max(self.feed_start.saturating_sub(1)))
    }

    /// The events of one page that concern `tenant`, by sequence number.
    async fn resolve_page(
        &self,
        tenant: &Kommunenummer,
        page: &[FeedEntry],
    ) -> Result<HashMap<u64, PopulationEvent>, AdapterError> {
        let candidates: Vec<(&FeedEntry, _, Pid)> = page
            .iter()
            .filter_map(|e| {
                let class = classify(&e.hendelse.hendelsestype)?;
                match Pid::parse(&e.hendelse.folkeregisteridentifikator, self.policy) {
                    Ok(pid) => Some((e, class, pid)),
                    Err(_) => {
                        tracing::warn!(
                            sequence = e.sekvensnummer,
                            "feed entry without a valid identifier"
                        );
                        None
                    }
                }
            })
            .collect();
        let mut pids: Vec<Pid> = candidates.iter().map(|(_, _, p)| p.clone()).collect();
        pids.sort_by(|a, b| a.expose().cmp(b.expose()));
        pids.dedup();
        let mut docs: HashMap<String, Folkeregisterperson> = HashMap::new();
        for chunk in pids.chunks(BULK_MAX) {
            docs.extend(self.http.bulk(chunk, FEED_PARTS).await?);
        }
        let mut events = HashMap::new();
        for (entry, class, pid) in candidates {
            let Some(doc) = docs.get(pid.expose()) else {
                continue;
            };
            let Some(kind) = kind_for(class, doc, tenant) else {
                continue;
            };
            let person = match person_record(doc, self.policy) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(sequence = entry.sekvensnummer, error = %e, "skipped a feed event");
                    continue;
                }
            };
            let at = entry
                .hendelse
                .ajourholdstidspunkt
                .as_deref()
                .and_then(|t| t.parse::<Timestamp>().ok())
                .unwrap_or_else(Timestamp::now);
            events.insert(
                entry.sekvensnummer,
                PopulationEvent {
                    sequence: entry.sekvensnummer,
                    kind,
                    occurred: today_in_oslo(at),
                    person,
                },
            );
        }
        Ok(events)
    }
}
