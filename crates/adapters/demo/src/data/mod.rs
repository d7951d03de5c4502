//! Static data for the generator: names and places.

pub(crate) mod names;
pub(crate) mod places;
