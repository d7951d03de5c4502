//! The resident register mirror, kept current from a population source.
#![forbid(unsafe_code)]
