#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod kommunenummer;
pub mod lifephase;
mod locale;
mod pid;

pub use kommunenummer::{Kommunenummer, KommunenummerError};
pub use locale::{Locale, LocaleError};
pub use pid::{Pid, PidError, PidKind, PidPolicy};

/// The date and time types used across MinSide (from `jiff`), re-exported so that crates such
/// as the adapter SDK need no time library of their own.
pub use jiff::civil::Date;
pub use jiff::{SignedDuration, Timestamp};
