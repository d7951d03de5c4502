//! Polling: a sync every interval until shut down, backing off while syncs fail.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::RegisterSync;

/// How long to wait after failed syncs: `first` after the first failure, doubling with each
/// further one, at most `max`. A success returns to the poll interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    /// 5 seconds, doubling up to 15 minutes.
    fn default() -> Self {
        Self {
            first: Duration::from_secs(5),
            max: Duration::from_secs(15 * 60),
        }
    }
}

impl Backoff {
    /// The wait after `failures` failures in a row (at least one).
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(30);
        self.first
            .saturating_mul(1u32 << doublings)
            .min(self.max)
            .max(self.first.min(self.max))
    }
}

impl RegisterSync {
    /// Syncs every `interval` (the first time one interval from now: call
    /// [`sync_once`](Self::sync_once) first for an immediate one) until `shutdown` turns true
    /// or its sender is dropped. A sync in progress at shutdown is abandoned, which is safe:
    /// every step is one transaction. Failures are logged (without identity numbers) and
    /// retried after the [`Backoff`].
    pub async fn run(&self, interval: Duration, mut shutdown: watch::Receiver<bool>) {
        let mut wait = interval;
        let mut failures = 0u32;
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
            let outcome = tokio::select! {
                outcome = self.sync_once((self.clock)()) => outcome,
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            match outcome {
                Ok(report) => {
                    failures = 0;
                    wait = interval;
                    if report.changed() {
                        tracing::info!(
                            kommunenummer = %self.kommunenummer,
                            source = %self.source_id,
                            events = report.events,
                            full_load = report.full_load.is_some(),
                            pointer = report.pointer,
                            "register mirror updated"
                        );
                    }
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    wait = self.backoff.delay(failures);
                    tracing::warn!(
                        kommunenummer = %self.kommunenummer,
                        source = %self.source_id,
                        %error,
                        failures,
                        retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "register sync failed; backing off"
                    );
                }
            }
        }
    }

    /// Runs [`run`](Self::run) as a task; stop it with [`SyncTask::stop`] (or by dropping the
    /// [`SyncTask`]). The caller may keep the `Arc` for syncs of its own.
    pub fn spawn(self: Arc<Self>, interval: Duration) -> SyncTask {
        let (tx, rx) = watch::channel(false);
        let handle = tokio::spawn(async move { self.run(interval, rx).await });
        SyncTask {
            shutdown: tx,
            handle,
        }
    }
}

/// A polling [`RegisterSync`] running as a task. Dropping it stops the task at its next wait.
#[derive(Debug)]
pub struct SyncTask {
    shutdown: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

impl SyncTask {
    /// Tells the task to stop (at once if it waits, abandoning a sync in progress).
    pub fn shutdown(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Stops polling and waits for the task to end.
    pub async fn stop(self) {
        self.shutdown();
        let _ = self.handle.await;
    }

    /// Whether the task has ended.
    pub fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_max() {
        let b = Backoff {
            first: Duration::from_secs(5),
            max: Duration::from_secs(30),
        };
        let waits: Vec<_> = (1..=6).map(|n| b.delay(n).as_secs()).collect();
        assert_eq!(waits, [5, 10, 20, 30, 30, 30]);
        assert_eq!(
            b.delay(0),
            Duration::from_secs(5),
            "never below the first wait"
        );
        assert_eq!(b.delay(u32::MAX), Duration::from_secs(30));
    }
}
