//! `[notices]`: when the evaluation engine runs, how long notices are kept, and delivery.

use jiff::civil::Time;
use minside_delivery::DeliveryConfig;
use serde::Deserialize;

/// Notices must stay in the inbox at least this long (two years).
pub const MIN_RETENTION_DAYS: u32 = 730;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSettings {
    /// Run the engine in this process: the daily evaluation of date rules and the register's
    /// life events. Any number of instances may; leases and idempotency keys keep them apart.
    pub engine: bool,
    /// Local time (Europe/Oslo) of the daily evaluation, e.g. `"06:00"`.
    pub evaluate_at: Time,
    /// Age rules also fire for ages reached this many days before the evaluated day, so a day
    /// the engine did not run is caught up.
    pub catch_up_days: u16,
    /// How often the engine looks for new register events.
    pub events_poll_seconds: u64,
    /// Notices are deleted this many days after they were created; at least two years.
    pub retention_days: u32,
    /// Run the delivery worker (outbox) in this process.
    pub deliver: bool,
    /// The worker and its channels. A channel left out is not delivered by this instance.
    #[serde(default)]
    pub delivery: DeliveryConfig,
}

impl NoticeSettings {
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.retention_days < MIN_RETENTION_DAYS {
            return Err(format!(
                "notices.retention_days must be at least {MIN_RETENTION_DAYS} (two years)"
            ));
        }
        if self.events_poll_seconds == 0 {
            return Err("notices.events_poll_seconds must be positive".into());
        }
        if self.catch_up_days > 366 {
            return Err("notices.catch_up_days must be at most 366".into());
        }
        Ok(())
    }
}
