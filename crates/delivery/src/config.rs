//! Configuration of the delivery worker and its channels (read from the server's configuration,
//! e.g. `[notices.delivery]`, `[notices.delivery.email]`, `[notices.delivery.sms]`).

use std::time::Duration;

use jiff::civil::Time;
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::schedule::{Backoff, SendWindow};

/// Everything the worker needs: its own settings, the channels that are configured, and the
/// portal's address (the link in e-mails and SMS). A channel left out (`None`) is not
/// delivered by this instance: its items wait, `pending`, for an instance that has it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryConfig {
    /// Where residents read their notices, e.g. `https://minside.asker.kommune.no/`; when
    /// absent, the server's public URL (see [`DeliveryWorker::from_config`]).
    ///
    /// [`DeliveryWorker::from_config`]: crate::DeliveryWorker::from_config
    #[serde(default)]
    pub portal_url: Option<Url>,
    #[serde(default)]
    pub worker: WorkerConfig,
    #[serde(default)]
    pub email: Option<EmailConfig>,
    #[serde(default)]
    pub sms: Option<SmsConfig>,
}

/// How the worker claims and retries.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkerConfig {
    /// Inbox items claimed (and completed) per store call.
    pub inbox_batch: u32,
    /// E-mail or SMS items claimed per round (one contact-register call each).
    pub batch: u32,
    /// How long a claim of e-mail or SMS items holds. Should exceed the time one batch of
    /// sends may take (an item whose claim ran out before its turn is left for a later round).
    pub lease_secs: u64,
    /// How long a claim of inbox items holds (claim and completion are one round trip each;
    /// after a crash the items are claimable again this much later).
    pub inbox_lease_secs: u64,
    /// Attempts before an e-mail or SMS ends `failed` (counting the first).
    pub max_attempts: u32,
    /// The first retry's delay; every further one doubles, with up to 20 % jitter.
    pub backoff_base_secs: u64,
    /// No retry waits longer than this.
    pub backoff_cap_secs: u64,
    /// SMS are sent only in this window (Europe/Oslo); outside it they wait for the next start
    /// without counting an attempt. `None`: any time.
    /// `"always"` in configuration turns the window off.
    #[serde(deserialize_with = "window_or_always")]
    pub sms_window: Option<SendWindow>,
    /// E-mails handed to the SMTP server at the same time.
    pub email_concurrency: usize,
    /// SMS handed to the gateway at the same time.
    pub sms_concurrency: usize,
    /// Sleep of `run` when there was nothing to do.
    pub idle_sleep_ms: u64,
    /// How often `run` turns sends interrupted by a crash into `failed`.
    pub interrupted_check_secs: u64,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            inbox_batch: 500,
            batch: 50,
            lease_secs: 300,
            inbox_lease_secs: 30,
            max_attempts: 8,
            backoff_base_secs: 30,
            backoff_cap_secs: 6 * 3600,
            sms_window: Some(SendWindow::default()),
            email_concurrency: 8,
            sms_concurrency: 8,
            idle_sleep_ms: 1000,
            interrupted_check_secs: 60,
        }
    }
}

impl WorkerConfig {
    /// The retry schedule.
    pub fn backoff(&self) -> Backoff {
        Backoff {
            base: Duration::from_secs(self.backoff_base_secs),
            cap: Duration::from_secs(self.backoff_cap_secs),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.inbox_batch == 0 || self.batch == 0 {
            return Err("batch sizes must be positive".into());
        }
        if self.lease_secs == 0
            || self.inbox_lease_secs == 0
            || self.max_attempts == 0
            || self.backoff_base_secs == 0
        {
            return Err(
                "lease_secs, inbox_lease_secs, max_attempts and backoff_base_secs must be \
                 positive"
                    .into(),
            );
        }
        if self.backoff_cap_secs < self.backoff_base_secs {
            return Err("backoff_cap_secs must not be below backoff_base_secs".into());
        }
        if self.email_concurrency == 0 || self.sms_concurrency == 0 {
            return Err("concurrency must be positive".into());
        }
        if let Some(w) = &self.sms_window {
            w.validate()?;
        }
        Ok(())
    }
}

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain text (a relay on the same host or network only).
    None,
    /// STARTTLS required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

impl SmtpSecurity {
    /// The usual port.
    pub fn default_port(self) -> u16 {
        match self {
            Self::None => 25,
            Self::Starttls => 587,
            Self::Tls => 465,
        }
    }
}

/// SMTP login.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpCredentials {
    pub username: String,
    pub password: SecretString,
}

/// The SMTP server and the sender.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub host: String,
    /// Defaults to the security's usual port (25, 587, 465).
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub credentials: Option<SmtpCredentials>,
    /// The `From` address, e.g. `minside@asker.kommune.no`.
    pub from_address: String,
    /// The `From` display name, e.g. `Asker kommune`.
    pub from_name: String,
    /// The domain of `Message-ID`s; defaults to the from address's domain.
    #[serde(default)]
    pub message_id_domain: Option<String>,
    /// Timeout of one SMTP command.
    #[serde(default = "default_email_timeout")]
    pub timeout_secs: u64,
    /// Pooled SMTP connections.
    #[serde(default = "default_pool_size")]
    pub pool_size: u32,
}

fn default_email_timeout() -> u64 {
    30
}

fn default_pool_size() -> u32 {
    4
}

impl EmailConfig {
    /// A plain-text relay at `host:port` (tests, a local relay) with defaults for the rest.
    pub fn plain(host: &str, port: u16, from_address: &str, from_name: &str) -> Self {
        Self {
            host: host.to_owned(),
            port: Some(port),
            security: SmtpSecurity::None,
            credentials: None,
            from_address: from_address.to_owned(),
            from_name: from_name.to_owned(),
            message_id_domain: None,
            timeout_secs: default_email_timeout(),
            pool_size: default_pool_size(),
        }
    }
}

/// The SMS gateway: `POST {url}` with `{"to", "text", "reference"}`, a bearer token and an
/// `Idempotency-Key` header (the outbox item's id).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsConfig {
    pub url: Url,
    pub token: SecretString,
    /// Timeout of one request.
    #[serde(default = "default_sms_timeout")]
    pub timeout_secs: u64,
}

fn default_sms_timeout() -> u64 {
    10
}

impl SmsConfig {
    pub fn new(url: Url, token: &str) -> Self {
        Self {
            url,
            token: SecretString::from(token.to_owned()),
            timeout_secs: default_sms_timeout(),
        }
    }
}

/// `sms_window`: a `{ start, end }` table, or `"always"` for no window.
fn window_or_always<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<SendWindow>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Setting {
        Window(SendWindow),
        Word(String),
    }
    match Option::<Setting>::deserialize(d)? {
        Some(Setting::Window(w)) => Ok(Some(w)),
        None => Ok(None),
        Some(Setting::Word(w)) if w == "always" => Ok(None),
        Some(Setting::Word(_)) => Err(serde::de::Error::custom(
            "sms_window must be { start = \"HH:MM\", end = \"HH:MM\" } or \"always\"",
        )),
    }
}

/// 09:00, for serde defaults.
pub(crate) fn nine() -> Time {
    Time::constant(9, 0, 0, 0)
}

/// 17:00, for serde defaults.
pub(crate) fn seventeen() -> Time {
    Time::constant(17, 0, 0, 0)
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;
    use serde_json::json;

    use super::*;

    #[test]
    fn sms_window_can_be_always() {
        let c: WorkerConfig =
            serde_json::from_value(serde_json::json!({"sms_window": "always"})).expect("always");
        assert_eq!(c.sms_window, None);
        let c: WorkerConfig = serde_json::from_value(serde_json::json!({})).expect("default");
        assert_eq!(c.sms_window, Some(SendWindow::default()));
        let bad =
            serde_json::from_value::<WorkerConfig>(serde_json::json!({"sms_window": "never"}));
        assert!(bad.is_err());
    }

    #[test]
    fn a_full_configuration_reads() {
        let config: DeliveryConfig = serde_json::from_value(json!({
            "portal_url": "https://minside.asker.kommune.no/",
            "worker": {
                "max_attempts": 5,
                "sms_window": {"start": "08:30", "end": "18:00"},
            },
            "email": {
                "host": "smtp.example.no",
                "security": "tls",
                "credentials": {"username": "minside", "password": "hemmelig"},
                "from_address": "minside@asker.kommune.no",
                "from_name": "Asker kommune",
            },
            "sms": {"url": "https://sms.example.no/send", "token": "abc"},
        }))
        .expect("config");
        assert_eq!(config.worker.max_attempts, 5);
        assert_eq!(config.worker.batch, WorkerConfig::default().batch);
        let window = config.worker.sms_window.expect("window");
        assert_eq!(window.start, Time::constant(8, 30, 0, 0));
        let email = config.email.expect("email");
        assert_eq!(email.security.default_port(), 465);
        let password = email.credentials.expect("credentials").password;
        assert_eq!(password.expose_secret(), "hemmelig");
        assert!(
            !format!("{:?}", config.sms).contains("abc"),
            "the token is secret"
        );
        assert!(WorkerConfig::default().validate().is_ok());
    }

    #[test]
    fn defaults_and_nonsense() {
        let config: DeliveryConfig = serde_json::from_value(json!({})).expect("empty");
        assert_eq!(config.worker, WorkerConfig::default());
        assert_eq!(config.worker.sms_window, Some(SendWindow::default()));
        assert!(config.email.is_none() && config.sms.is_none());
        let no_window: WorkerConfig =
            serde_json::from_value(json!({"sms_window": null})).expect("no window");
        assert_eq!(no_window.sms_window, None);
        let bad = WorkerConfig {
            backoff_cap_secs: 1,
            ..WorkerConfig::default()
        };
        assert!(bad.validate().is_err());
        assert!(serde_json::from_value::<WorkerConfig>(json!({"batchsize": 1})).is_err());
    }
}
