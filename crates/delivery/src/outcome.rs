//! What one send over the network came to.

use std::time::Duration;

/// The result of handing one message to the SMTP server or the SMS gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Accepted by the server or gateway.
    Sent,
    /// Not accepted now, may work later (4xx SMTP reply, connection refused, timeout, HTTP 429
    /// or 5xx). `after` is the server's own wish (`Retry-After`), when it gave one.
    Retry {
        error: String,
        after: Option<Duration>,
    },
    /// Never going to work (5xx SMTP reply, HTTP 4xx, an invalid address). `reason` names no
    /// address or number.
    Failed { reason: String },
}
