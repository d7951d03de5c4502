//! Notice delivery: the outbox worker and its channels.
#![forbid(unsafe_code)]
