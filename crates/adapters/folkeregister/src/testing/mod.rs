//! Test support (feature `testing`): a local Folkeregisteret over real HTTP on 127.0.0.1:0 and
//! person documents in its JSON shape.
//!
//! The stand-in serves `personer/{id}` (with `part` filtering: person-basis by default,
//! `relasjon-utvidet`, single opplysninger, and `historikk` for non-current versions),
//! `personer/bulkoppslag` and `hendelser/feed?seq=N` (pages of a settable size over a feed whose
//! sequence can be moved ahead), each requiring a Maskinporten token with the right scope.

mod fixtures;
mod standin;

pub use fixtures::FregPerson;
pub use standin::FolkeregisterStandIn;
