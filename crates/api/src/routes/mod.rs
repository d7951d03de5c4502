//! One module per feature, each exposing `router()`.

pub mod admin_auth;
pub mod auth;
pub mod corrections;
pub mod guardian;
pub mod health;
pub mod home;
pub mod me;
pub mod notice_rules;
pub mod notices;
pub mod overview;
pub mod plan_admin;
pub mod plans;
pub mod service_admin;
pub mod services;
pub mod statistics;
pub mod system;
