//! End-to-end tests of the development identity provider, served on a real socket.
#![allow(clippy::unwrap_used)]

mod authorize;
mod code_flow;
mod discovery;
mod employees;
mod logout;
mod support;
mod token;
