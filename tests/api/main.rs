//! Integration tests of the `minside` server over real HTTP: one binary, a file per feature.

mod auth_errors;
mod frontchannel;
mod health;
mod helpers;
mod interop;
mod login;
mod logs;
mod problems;
mod rogue_op;
mod startup;
