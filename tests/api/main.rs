//! Integration tests of the `minside` server over real HTTP: one binary, a file per feature.

mod admin_access;
mod admin_auth;
mod auth_errors;
mod corrections;
mod frontchannel;
mod guardian;
mod health;
mod helpers;
mod interop;
mod login;
mod logs;
mod notice_processes;
mod notices;
mod overview;
mod plans;
mod problems;
mod registers;
mod rogue_op;
mod services;
mod startup;
mod statistics;
