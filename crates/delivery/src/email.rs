//! E-mail over SMTP (lettre, pooled connections).

use std::time::Duration;

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::{Error as SmtpError, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use minside_store::NoticeId;
use secrecy::ExposeSecret;
use url::Url;

use crate::config::{EmailConfig, SmtpSecurity};
use crate::content::NoticeText;
use crate::error::DeliveryError;
use crate::mask::mask_emails_in;
use crate::outcome::SendOutcome;

/// The header naming the notice an e-mail carries.
pub const NOTICE_HEADER: &str = "X-MinSide-Notice";

/// Sends notices as plain-text e-mails: `From` the configured sender, `Subject` the title,
/// the body and a last line with the portal's address, `Message-ID: <{notice_id}@{domain}>`
/// and `X-MinSide-Notice: {notice_id}`.
#[derive(Clone)]
pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
    portal_url: Url,
}

impl std::fmt::Debug for EmailChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailChannel")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl EmailChannel {
    /// Builds the channel (no connection is made until the first send).
    pub fn new(config: &EmailConfig, portal_url: Url) -> Result<Self, DeliveryError> {
        let bad = |what: &str| DeliveryError::Config(format!("e-mail: {what}"));
        if config.timeout_secs == 0 || config.pool_size == 0 {
            return Err(bad("timeout_secs and pool_size must be positive"));
        }
        let address = config
            .from_address
            .parse()
            .map_err(|_| bad("from_address is not an e-mail address"))?;
        let from = Mailbox::new(Some(config.from_name.clone()), address);
        let domain = match &config.message_id_domain {
            Some(d) => d.clone(),
            None => from.email.domain().to_owned(),
        };
        if domain.is_empty()
            || !domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
        {
            return Err(bad("message_id_domain must be a domain name"));
        }
        let tls = |host: &str| TlsParameters::new(host.to_owned()).map_err(|_| bad("TLS setup"));
        let tls = match config.security {
            SmtpSecurity::None => Tls::None,
            SmtpSecurity::Starttls => Tls::Required(tls(&config.host)?),
            SmtpSecurity::Tls => Tls::Wrapper(tls(&config.host)?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port.unwrap_or(config.security.default_port()))
            .tls(tls)
            .timeout(Some(Duration::from_secs(config.timeout_secs)))
            .pool_config(PoolConfig::new().max_size(config.pool_size));
        if let Some(c) = &config.credentials {
            builder = builder.credentials(Credentials::new(
                c.username.clone(),
                c.password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
            domain,
            portal_url,
        })
    }

    /// The message for `notice` to `to` (an address), or why it cannot be built.
    pub fn message(
        &self,
        notice: NoticeId,
        to: &str,
        text: &NoticeText,
    ) -> Result<Message, SendOutcome> {
        let to: Mailbox = to.parse().map_err(|_| SendOutcome::Failed {
            reason: "the e-mail address in the contact register is not valid".into(),
        })?;
        let mut body = text.body.clone();
        if !body.is_empty() {
            body.push_str("\n\n");
        }
        body.push_str(&text.email_footer(self.portal_url.as_str()));
        body.push('\n');
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(text.title.replace(['\r', '\n'], " "))
            .message_id(Some(format!("<{notice}@{}>", self.domain)))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str(NOTICE_HEADER),
                notice.to_string(),
            ))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| SendOutcome::Failed {
                reason: format!(
                    "the e-mail could not be built: {}",
                    mask_emails_in(&e.to_string())
                ),
            })
    }

    /// Sends the notice to `to`. The outcome's texts name no address.
    #[tracing::instrument(skip_all, fields(notice = %notice))]
    pub async fn send(&self, notice: NoticeId, to: &str, text: &NoticeText) -> SendOutcome {
        let message = match self.message(notice, to, text) {
            Ok(m) => m,
            Err(outcome) => return outcome,
        };
        match self.transport.send(message).await {
            Ok(_) => SendOutcome::Sent,
            Err(e) => classify(&e),
        }
    }
}

/// 4xx replies, timeouts and connection trouble are worth retrying; 5xx replies and client
/// errors are not.
fn classify(e: &SmtpError) -> SendOutcome {
    let detail = std::error::Error::source(e)
        .map(|s| mask_emails_in(&s.to_string()))
        .unwrap_or_default();
    let code = e.status().map(|c| c.to_string()).unwrap_or_default();
    if e.is_permanent() {
        return SendOutcome::Failed {
            reason: format!("the SMTP server refused the e-mail: {code} {detail}")
                .trim()
                .to_owned(),
        };
    }
    if e.is_client() {
        return SendOutcome::Failed {
            reason: format!("the e-mail could not be sent: {detail}"),
        };
    }
    let error = if e.is_transient() {
        format!("the SMTP server deferred the e-mail: {code} {detail}")
    } else if e.is_timeout() {
        "the SMTP server timed out".to_owned()
    } else {
        format!("SMTP connection failed: {}", mask_emails_in(&e.to_string()))
    };
    SendOutcome::Retry {
        error: error.trim().to_owned(),
        after: None,
    }
}
