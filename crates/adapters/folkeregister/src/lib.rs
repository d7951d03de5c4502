#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod adapter;
mod config;
mod error;
pub mod feed;
mod http;
mod model;
mod person;
mod population;
#[cfg(feature = "testing")]
pub mod testing;

pub use adapter::{ADAPTER_ID, FolkeregisterAdapter, Roster, StaticRoster};
pub use config::{DEFAULT_SCOPE, FolkeregisterConfig};
pub use error::FolkeregisterError;
pub use feed::{FeedEventClass, InMemoryReadPointer, ReadPointer};
pub use person::{CATEGORY, DEEP_LINK, LEGAL_BASIS};
