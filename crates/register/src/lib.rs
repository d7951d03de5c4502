//! The resident register mirror, kept current from a population source.
//!
//! A [`RegisterSync`] keeps one tenant's mirror (in the [`Store`](minside_store::Store)) in step
//! with one [`PopulationSource`](minside_adapter::PopulationSource), such as the Folkeregisteret
//! adapter or the demo municipality's population register:
//!
//! - with no stored read pointer it does a full load: the source's snapshot, applied in one
//!   transaction together with the snapshot's sequence number as the pointer;
//! - then it pages through the change feed after the pointer, applying each page in one
//!   transaction together with the new pointer, so a crash never loses or repeats an event;
//! - [`RegisterSync::run`] does that every poll interval until shut down, backing off while the
//!   source or the store fails ([`RegisterSync::spawn`] runs it as a task).
//!
//! The register's person records become the mirror's [`RegisterPerson`](minside_store::RegisterPerson)s:
//! a dead person is `dead`; a person without an address in the tenant's municipality has
//! `moved_out`; everyone else is `active` at their address. Logs and errors never carry an
//! identity number.
#![forbid(unsafe_code)]

mod error;
mod mapping;
mod run;
mod sync;

pub use error::RegisterError;
pub use mapping::{register_change, register_person};
pub use run::{Backoff, SyncTask};
pub use sync::{AdapterPopulation, RegisterSync, SyncReport};
