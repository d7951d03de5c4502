//! Periodic housekeeping: access-log retention, expired sessions and login attempts, and
//! last-known-good copies too old to be shown.

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use minside_store::Store;

use crate::state::Clock;

/// What to delete, and when.
pub(crate) struct Retention {
    pub access_log: SignedDuration,
    pub snapshots: SignedDuration,
    pub every: Duration,
}

/// Runs one round now, then every `retention.every`, for the life of the process.
pub(crate) fn start(store: Arc<dyn Store>, clock: Clock, retention: Retention) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(retention.every);
        loop {
            tick.tick().await;
            run_once(store.as_ref(), &clock, &retention).await;
        }
    });
}

async fn run_once(store: &dyn Store, clock: &Clock, r: &Retention) {
    let now = clock.now();
    let outcome = async {
        let access = store.delete_access_before(now - r.access_log).await?;
        let snapshots = store.delete_snapshots_before(now - r.snapshots).await?;
        let sessions = store.delete_expired_sessions(now).await?;
        let attempts = store.delete_expired_login_attempts(now).await?;
        store.delete_expired_caseworker_sessions(now).await?;
        store.delete_expired_caseworker_login_attempts(now).await?;
        Ok::<_, minside_store::StoreError>((access, snapshots, sessions, attempts))
    }
    .await;
    match outcome {
        Ok((access, snapshots, sessions, attempts)) => {
            tracing::info!(access, snapshots, sessions, attempts, "housekeeping done")
        }
        Err(e) => tracing::warn!(error = %e, "housekeeping failed; retrying next round"),
    }
}
