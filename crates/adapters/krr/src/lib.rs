#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod adapter;
mod client;
mod config;
mod contact;
mod error;
mod model;
#[cfg(feature = "testing")]
pub mod testing;

pub use adapter::{ADAPTER_ID, CATEGORY, KrrAdapter, LEGAL_BASIS};
pub use client::{KrrClient, MAX_BATCH};
pub use config::{CONTACT_SCOPE, DEFAULT_PROFILE_URL, DIGITAL_POST_SCOPE, KrrConfig};
pub use contact::{
    CONTACT_DATA_MAX_AGE_MONTHS, ContactInfo, ContactPoint, DigitalMailbox, KrrStatus,
    contact_data_cutoff,
};
pub use error::KrrError;
