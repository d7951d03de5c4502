//! The access log writer: every read of a resident's data is recorded, batched on a background
//! task so reads do not wait for the database. Entries are hash-chained per resident by the
//! store (tamper evidence).

use std::sync::Arc;
use std::time::Duration;

use minside_store::{AccessLogEntry, Store};
use tokio::sync::{mpsc, oneshot};

/// What the writer task is asked to do.
enum Command {
    Log(AccessLogEntry),
    Flush(oneshot::Sender<()>),
}

/// Cheap to clone; sends entries to one writer task.
#[derive(Clone)]
pub struct AccessLogger {
    tx: mpsc::Sender<Command>,
}

const BATCH: usize = 256;
const QUEUE: usize = 65_536;

impl AccessLogger {
    /// Starts the writer: it writes a batch when `BATCH` entries wait or every `interval`.
    pub fn start(store: Arc<dyn Store>, interval: Duration) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(store, rx, interval));
        Self { tx }
    }

    /// Queues an entry. If the queue is full the caller waits: an unlogged read must not happen.
    pub async fn log(&self, entry: AccessLogEntry) {
        if self.tx.send(Command::Log(entry)).await.is_err() {
            tracing::error!("access log writer has stopped; entry lost");
        }
    }

    /// Waits until everything queued before this call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Command::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

async fn writer(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Command>, interval: Duration) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut waiting = Vec::new();
    let mut tick = tokio::time::interval(interval);
    loop {
        tokio::select! {
            command = rx.recv() => match command {
                Some(Command::Log(e)) => {
                    batch.push(e);
                    if batch.len() < BATCH { continue; }
                }
                Some(Command::Flush(done)) => waiting.push(done),
                None => {
                    write(&store, &mut batch).await;
                    return;
                }
            },
            _ = tick.tick() => {}
        }
        write(&store, &mut batch).await;
        for done in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}

async fn write(store: &Arc<dyn Store>, batch: &mut Vec<AccessLogEntry>) {
    if batch.is_empty() {
        return;
    }
    let entries = std::mem::take(batch);
    let n = entries.len();
    // Retry a failing database a few times: the log must not silently lose entries.
    for attempt in 0..5u32 {
        match store.append_access_batch(entries.clone()).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, attempt, entries = n, "writing the access log failed");
                tokio::time::sleep(Duration::from_millis(50 * 2u64.pow(attempt))).await;
            }
        }
    }
    tracing::error!(entries = n, "access log entries could not be written");
}
