//! Notice delivery against real stores (SQLite, PostgreSQL), a real SMTP server process
//! (aiosmtpd), the SMS gateway stand-in and a local KRR.

mod email;
mod rules;
mod sms;
mod support;
mod throughput;
