//! Notice delivery: the outbox worker and its channels.
//!
//! Every notice the engine creates has outbox items, one per channel (see
//! `minside_store::notices`). The [`DeliveryWorker`] claims due items with a lease and delivers
//! them:
//! - **inbox** items in large batches, completed as delivered in one store call;
//! - **e-mail** over SMTP ([`EmailChannel`], lettre) and **SMS** over an HTTP gateway
//!   ([`SmsChannel`]) to the address the contact register gives ([`ContactDirectory`]:
//!   [`KrrDirectory`] in production, [`StaticDirectory`] for the demo and tests).
//!
//! The rules it keeps:
//! - KRR: reserved, `KAN_IKKE_VARSLES`, or contact data not updated or verified in 18 months
//!   means no digital channel; the item is `skipped` with the reason (which puts the notice on
//!   the caseworkers' paper-letter list). A resident's own preference turning a channel off is
//!   `skipped` as `preference`.
//! - An item is marked `sending` immediately before it is handed to the network and completed
//!   right after, so a crash never sends a message twice (an interrupted send ends `failed`).
//! - Temporary failures are retried with exponential backoff ([`Backoff`]) up to
//!   `max_attempts`; permanent ones end `failed` with a reason that names no address.
//! - SMS wait for the sending window ([`SendWindow`], 09:00–17:00 Europe/Oslo by default)
//!   without counting an attempt.
#![forbid(unsafe_code)]

mod config;
mod contacts;
mod content;
mod digital;
mod email;
mod error;
mod krr;
mod mask;
mod outcome;
mod schedule;
mod sms;
mod worker;

pub use config::{
    DeliveryConfig, EmailConfig, SmsConfig, SmtpCredentials, SmtpSecurity, WorkerConfig,
};
pub use contacts::{Contact, ContactDirectory, StaticDirectory};
pub use content::{MAX_SMS_SEGMENTS, NoticeText, sms_segments, sms_text};
pub use email::{EmailChannel, NOTICE_HEADER};
pub use error::DeliveryError;
pub use krr::{KrrDirectory, contact_from_krr};
pub use mask::{mask_email, mask_emails_in};
pub use outcome::SendOutcome;
pub use schedule::{Backoff, SendWindow};
pub use sms::SmsChannel;
pub use worker::{ChannelReport, DeliveryReport, DeliveryWorker, DynNoticeStore};
