#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod answer;
mod breaker;
mod cache;
mod cipher;
mod clock;
mod entry;
mod error;
mod flight;
mod metrics;
mod policy;
mod redis_tier;
mod snapshot;
mod source;

pub use answer::{Answer, Freshness, StaleReason, SubjectKey};
pub use breaker::BreakerState;
pub use cache::{Cache, CacheBuilder};
pub use cipher::PayloadCipher;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::CacheError;
pub use policy::{BreakerPolicy, SourcePolicy};
pub use redis_tier::RedisTier;
pub use snapshot::{MemorySnapshotStore, Snapshot, SnapshotStore};
