//! One module per feature, each exposing `router()`.

pub mod auth;
pub mod health;
pub mod home;
pub mod me;
