//! One module per feature, each exposing `router()`.

pub mod auth;
pub mod corrections;
pub mod guardian;
pub mod health;
pub mod home;
pub mod me;
pub mod overview;
pub mod system;
