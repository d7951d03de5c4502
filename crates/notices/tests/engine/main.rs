//! The evaluation engine against real stores: every story runs on SQLite and on PostgreSQL.

mod campaigns;
mod daily;
mod events;
mod plans;
mod support;
