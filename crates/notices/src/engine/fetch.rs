//! Reading the whole population with several keyset readers at once.
//!
//! The store pages residents in id order (`id > after`), so one reader must wait for each page
//! before asking for the next, and reading is then the slowest step of a scan. Several readers
//! share the id space instead: each owns a range `(after, end]` of the 128-bit id space and
//! pages through it; a reader done with its range takes the upper half of the largest
//! remaining one. Ids are UUIDv7 (time ordered) and residents cluster where they were loaded,
//! so the first halvings may land in empty id space: a new range is probed with a one-row read
//! first. Each reader remembers how much id space its last full page covered, so that a range
//! is only split while a few pages are left, and the last page of a range asks for about as
//! many residents as are left rather than a whole page past its end.
//!
//! Each resident is read exactly once: a range only shrinks under the lock, and a reader drops
//! what it fetched beyond its (possibly shrunk) end.

use std::sync::{Arc, Mutex, MutexGuard};

use minside_core::Kommunenummer;
use minside_store::{ResidentFacts, ResidentId};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::EngineStore;
use super::scan::PageOutput;
use crate::NoticesError;

/// One reader's range: ids in `(after, end]` are still to be read; `span` is the id width its
/// last full page covered (0 before the first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Range {
    after: u128,
    end: u128,
    span: u128,
}

impl Range {
    fn left(&self) -> u128 {
        self.end.saturating_sub(self.after)
    }
}

/// Splits are made only while this many pages are left in a range.
const SPLIT_PAGES: u128 = 4;

struct Ranges(Mutex<Vec<Range>>);

impl Ranges {
    fn lock(&self) -> MutexGuard<'_, Vec<Range>> {
        // A reader that panicked mid-update leaves consistent data (plain integers).
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Gives reader `me` the upper half of the largest remaining range worth splitting; false
    /// when there is none.
    fn steal(&self, me: usize) -> bool {
        let mut ranges = self.lock();
        let victim = ranges
            .iter()
            .enumerate()
            .filter(|(i, r)| *i != me && r.left() >= 2 && r.left() / SPLIT_PAGES >= r.span)
            .max_by_key(|(_, r)| r.left())
            .map(|(i, _)| i);
        let Some(victim) = victim else {
            return false;
        };
        let Range { after, end, span } = ranges[victim];
        let mid = after + (end - after) / 2;
        ranges[victim].end = mid;
        ranges[me] = Range {
            after: mid,
            end,
            span,
        };
        true
    }
}

/// Starts `readers` tasks reading the active residents of `k` in pages of `page_size`; the
/// pages arrive on `pages` in no particular order. A store error is sent to `errors`.
pub(crate) fn spawn_readers<S: EngineStore + ?Sized>(
    store: &Arc<S>,
    k: Kommunenummer,
    readers: usize,
    page_size: u32,
    pages: mpsc::Sender<Vec<ResidentFacts>>,
    errors: mpsc::Sender<Result<PageOutput, NoticesError>>,
) {
    let readers = readers.max(1);
    let mut initial = vec![Range::default(); readers];
    initial[0].end = u128::MAX;
    let ranges = Arc::new(Ranges(Mutex::new(initial)));
    for me in 0..readers {
        let store = Arc::clone(store);
        let ranges = Arc::clone(&ranges);
        let pages = pages.clone();
        let errors = errors.clone();
        tokio::spawn(async move {
            if let Err(e) = read(&*store, &k, &ranges, me, page_size, &pages).await {
                let _ = errors.send(Err(e)).await;
            }
        });
    }
}

/// How many residents to ask for: a page, or about what is left of the range (with a margin)
/// when less than a page's span is left.
fn limit(r: &Range, page_size: u32) -> u32 {
    if r.span == 0 || r.left() >= r.span {
        return page_size;
    }
    let expected = r.left() as f64 / r.span as f64 * f64::from(page_size);
    (expected * 1.25 + 16.0).min(f64::from(page_size)) as u32
}

async fn read<S: EngineStore + ?Sized>(
    store: &S,
    k: &Kommunenummer,
    ranges: &Ranges,
    me: usize,
    page_size: u32,
    pages: &mpsc::Sender<Vec<ResidentFacts>>,
) -> Result<(), NoticesError> {
    // A range just taken may lie in empty id space: probe it with a one-row read first.
    let mut fresh = me != 0;
    loop {
        let range = ranges.lock()[me];
        if range.after >= range.end {
            if ranges.steal(me) {
                fresh = true;
                continue;
            }
            return Ok(());
        }
        let start = (range.after > 0).then(|| ResidentId(Uuid::from_u128(range.after)));
        if std::mem::take(&mut fresh) {
            let first = store.resident_facts_page(k, start, 1).await?;
            if first.first().is_none_or(|r| r.id.0.as_u128() > range.end) {
                let mut ranges = ranges.lock();
                ranges[me].after = ranges[me].end;
                continue;
            }
        }
        let want = limit(&range, page_size);
        let mut page = store.resident_facts_page(k, start, want).await?;
        let full = page.len() == want as usize;
        {
            let mut ranges = ranges.lock();
            let r = &mut ranges[me];
            if full
                && want == page_size
                && let Some(last) = page.last()
            {
                r.span = last.id.0.as_u128().saturating_sub(r.after);
            }
            let end = r.end;
            let fetched = page.len();
            page.retain(|p| p.id.0.as_u128() <= end);
            // A short page: nothing is left after it. A page cut at the end: the range is read.
            r.after = match page.last() {
                Some(last) if full && page.len() == fetched => last.id.0.as_u128(),
                _ => end,
            };
        }
        if !page.is_empty() && pages.send(page).await.is_err() {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(after: u128, end: u128, span: u128) -> Range {
        Range { after, end, span }
    }

    #[test]
    fn stealing_halves_the_largest_range() {
        let ranges = Ranges(Mutex::new(vec![
            range(0, 1000, 0),
            range(0, 0, 0),
            range(500, 600, 0),
        ]));
        assert!(ranges.steal(1));
        assert_eq!(
            *ranges.lock(),
            [range(0, 500, 0), range(500, 1000, 0), range(500, 600, 0)]
        );
        ranges.lock()[2] = range(600, 600, 0);
        assert!(ranges.steal(2));
        assert_eq!(
            ranges.lock()[1..],
            [range(500, 750, 0), range(750, 1000, 0)]
        );
    }

    #[test]
    fn ranges_with_few_pages_left_are_not_split() {
        let ranges = Ranges(Mutex::new(vec![range(0, 399, 100), range(0, 0, 0)]));
        assert!(!ranges.steal(1), "under four pages left");
        ranges.lock()[0].end = 400;
        assert!(ranges.steal(1));
        assert_eq!(
            ranges.lock()[1],
            range(200, 400, 100),
            "the span is inherited"
        );
        let tiny = Ranges(Mutex::new(vec![range(10, 11, 0), range(0, 0, 0)]));
        assert!(!tiny.steal(1));
    }

    #[test]
    fn the_last_page_of_a_range_asks_for_what_is_left() {
        assert_eq!(limit(&range(0, 1_000_000, 0), 2000), 2000, "span unknown");
        assert_eq!(
            limit(&range(0, 1_000, 500), 2000),
            2000,
            "more than a page left"
        );
        assert_eq!(
            limit(&range(0, 250, 1_000), 2000),
            641,
            "a quarter page, plus margin"
        );
        assert_eq!(limit(&range(0, 990, 1_000), 2000), 2000, "capped at a page");
    }
}
