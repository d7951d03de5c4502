//! Integration tests of minside-cache against a scripted fake adapter (and a real Redis).
#![allow(clippy::unwrap_used)]

mod breaker;
mod last_known_good;
mod limits;
mod metrics;
mod redis;
mod single_flight;
mod support;
mod windows;
