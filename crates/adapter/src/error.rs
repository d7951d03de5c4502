//! How a fetch can fail. The caching layer treats the kinds differently: only unavailability
//! counts against a source's circuit breaker, and not-found is an answer, not a fault.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterError {
    /// The source does not know this subject (or record).
    NotFound,
    /// The source refused our credentials; a configuration problem, not retryable.
    Unauthorized(String),
    /// The source is down, overloaded or answered with a server error; retryable.
    Unavailable(String),
    /// The source did not answer in time; retryable.
    Timeout,
    /// The source answered with something we cannot read.
    BadData(String),
}

impl AdapterError {
    /// Worth retrying later (and a reason to serve a stale copy).
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Timeout)
    }

    /// Counts as a failure of the source for its circuit breaker.
    pub fn trips_breaker(&self) -> bool {
        self.is_retryable()
    }
}

impl fmt::Display for AdapterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => f.write_str("not found in the source"),
            Self::Unauthorized(m) => write!(f, "the source refused our credentials: {m}"),
            Self::Unavailable(m) => write!(f, "the source is unavailable: {m}"),
            Self::Timeout => f.write_str("the source did not answer in time"),
            Self::BadData(m) => write!(f, "the source answered with data we cannot read: {m}"),
        }
    }
}

impl std::error::Error for AdapterError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_unavailability_trips_the_breaker() {
        assert!(AdapterError::Timeout.trips_breaker());
        assert!(AdapterError::Unavailable("503".into()).trips_breaker());
        assert!(!AdapterError::NotFound.trips_breaker());
        assert!(!AdapterError::Unauthorized("401".into()).trips_breaker());
        assert!(!AdapterError::BadData("x".into()).trips_breaker());
    }
}
