//! Single-flight fetches: at most one fetch per (source, resident) at a time, run on its own
//! Tokio task so that callers who give up (a client disconnects) neither cancel nor repeat it.
//!
//! A flight started on a memory miss first looks for a copy in the lower tiers (Redis, then
//! the snapshot store) and publishes it, so waiters can answer at once when the copy is fresh
//! or within stale-while-revalidate; it then asks the source unless the copy was fresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use minside_adapter::{FetchContext, Purpose, Subject};
use tokio::sync::watch;

use crate::entry::{Entry, Origin, Window};
use crate::source::Source;
use crate::{CacheError, SubjectKey};

#[derive(Debug, Clone)]
pub(crate) enum FlightState {
    Pending,
    /// A lower-tier copy was found; the source is being asked.
    Copy(Entry),
    /// Finished. `copy` is the copy the flight had before asking the source, if any.
    Done {
        result: Result<Entry, CacheError>,
        copy: Option<Entry>,
    },
}

pub(crate) struct Flight {
    state: watch::Receiver<FlightState>,
    /// Set by an invalidation: the result is handed to waiters but not stored anywhere.
    pub invalidated: AtomicBool,
    /// Held while the result is written to the tiers, so an invalidation can wait for it.
    pub persist: tokio::sync::Mutex<()>,
}

impl Flight {
    /// Waits until the flight is done, or has a copy that `ready` accepts.
    pub async fn settled(&self, ready: impl Fn(&Entry) -> bool) -> FlightState {
        let mut state = self.state.clone();
        let settled = state
            .wait_for(|s| match s {
                FlightState::Pending => false,
                FlightState::Copy(entry) => ready(entry),
                FlightState::Done { .. } => true,
            })
            .await;
        match settled {
            Ok(s) => s.clone(),
            Err(_) => FlightState::Done {
                result: Err(CacheError::Unavailable(
                    "the fetch ended unexpectedly".into(),
                )),
                copy: None,
            },
        }
    }
}

/// Joins the running flight for `key`, or starts one with this caller's subject and context.
/// `copy` is the in-memory copy the caller has (None: look in the lower tiers first).
pub(crate) fn join_or_start(
    source: &Arc<Source>,
    key: SubjectKey,
    subject: &Subject,
    ctx: &FetchContext,
    copy: Option<Entry>,
) -> Arc<Flight> {
    let mut flights = source.lock_flights();
    if let Some(flight) = flights.get(&key) {
        return Arc::clone(flight);
    }
    let (tx, rx) = watch::channel(FlightState::Pending);
    let flight = Arc::new(Flight {
        state: rx,
        invalidated: AtomicBool::new(false),
        persist: tokio::sync::Mutex::new(()),
    });
    flights.insert(key, Arc::clone(&flight));
    drop(flights);
    let task = run(
        Arc::clone(source),
        key,
        Arc::clone(&flight),
        tx,
        subject.clone(),
        ctx.clone(),
        copy,
    );
    tokio::spawn(task);
    flight
}

async fn run(
    source: Arc<Source>,
    key: SubjectKey,
    flight: Arc<Flight>,
    tx: watch::Sender<FlightState>,
    subject: Subject,
    mut ctx: FetchContext,
    mut copy: Option<Entry>,
) {
    let _leave = Leave {
        source: &source,
        key,
        flight: &flight,
    };
    if copy.is_none()
        && let Some(found) = source.load_copy(key).await
    {
        {
            let _writing = flight.persist.lock().await;
            if !flight.invalidated.load(Ordering::SeqCst) {
                source.remember(key, found.clone()).await;
            }
        }
        if found.window(source.now()) == Window::Fresh {
            tx.send_replace(FlightState::Done {
                result: Ok(found),
                copy: None,
            });
            return;
        }
        if found.window(source.now()) == Window::Revalidate {
            // Waiters answer with the copy at once; the call is a background refresh.
            ctx.purpose = Purpose::Refresh;
        }
        tx.send_replace(FlightState::Copy(found.clone()));
        copy = Some(found);
    }
    match source.call(&subject, &ctx).await {
        Ok(records) => {
            let entry = Entry::new(
                Arc::new(records),
                source.now(),
                &source.policy,
                Origin::Fetched,
            );
            let _writing = flight.persist.lock().await;
            let keep = !flight.invalidated.load(Ordering::SeqCst);
            if keep {
                source.remember(key, entry.clone()).await;
            }
            tx.send_replace(FlightState::Done {
                result: Ok(entry.clone()),
                copy,
            });
            if keep {
                source.persist(key, &entry).await;
            }
        }
        Err(error) => {
            tx.send_replace(FlightState::Done {
                result: Err(error),
                copy,
            });
        }
    }
}

/// Removes the flight from the source's map when the task ends, also by panic; leaves a newer
/// flight (started after an invalidation) alone.
struct Leave<'a> {
    source: &'a Source,
    key: SubjectKey,
    flight: &'a Arc<Flight>,
}

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let mut flights = self.source.lock_flights();
        if flights
            .get(&self.key)
            .is_some_and(|f| Arc::ptr_eq(f, self.flight))
        {
            flights.remove(&self.key);
        }
    }
}
