#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod loadgen;
pub mod machine;
pub mod minside;
pub mod nginx;
pub mod procstat;
pub mod report;
pub mod schedule;
pub mod standin;
pub mod zipf;
