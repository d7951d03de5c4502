//! SMS over an HTTP gateway.

use std::time::Duration;

use jiff::Timestamp;
use minside_store::{NoticeId, OutboxId};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::config::SmsConfig;
use crate::content::{NoticeText, sms_text};
use crate::error::DeliveryError;
use crate::outcome::SendOutcome;

/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Sends notices as SMS: `POST {url}` with `{"to", "text", "reference"}` (the text is the
/// title and the portal link, see [`sms_text`]; the reference the notice id), a bearer token,
/// and `Idempotency-Key: {outbox id}` so a gateway can drop a repeated request.
/// 2xx is sent; 429, 5xx, timeouts and connection errors are retried (honouring
/// `Retry-After`); any other status is a permanent failure.
#[derive(Clone)]
pub struct SmsChannel {
    http: reqwest::Client,
    url: Url,
    token: SecretString,
    portal_url: Url,
}

impl std::fmt::Debug for SmsChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsChannel")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl SmsChannel {
    pub fn new(config: &SmsConfig, portal_url: Url) -> Result<Self, DeliveryError> {
        if config.timeout_secs == 0 {
            return Err(DeliveryError::Config(
                "sms: timeout_secs must be positive".into(),
            ));
        }
        if config.token.expose_secret().trim().is_empty() {
            return Err(DeliveryError::Config("sms: the token is empty".into()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| DeliveryError::Config("sms: could not build the HTTP client".into()))?;
        Ok(Self {
            http,
            url: config.url.clone(),
            token: config.token.clone(),
            portal_url,
        })
    }

    /// The text this channel sends for `text`.
    pub fn text(&self, text: &NoticeText) -> String {
        sms_text(text, self.portal_url.as_str())
    }

    /// Sends the notice to the mobile number `to`. The outcome's texts name no number.
    #[tracing::instrument(skip_all, fields(outbox = %outbox, notice = %notice))]
    pub async fn send(
        &self,
        outbox: OutboxId,
        notice: NoticeId,
        to: &str,
        text: &NoticeText,
    ) -> SendOutcome {
        let body = serde_json::json!({
            "to": to,
            "text": self.text(text),
            "reference": notice.to_string(),
        });
        let response = self
            .http
            .post(self.url.clone())
            .bearer_auth(self.token.expose_secret())
            .header("Idempotency-Key", outbox.to_string())
            .json(&body)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => {
                let what = if e.is_timeout() {
                    "the SMS gateway timed out"
                } else if e.is_connect() {
                    "could not connect to the SMS gateway"
                } else {
                    "the request to the SMS gateway failed"
                };
                return SendOutcome::Retry {
                    error: what.to_owned(),
                    after: None,
                };
            }
        };
        let status = response.status();
        if status.is_success() {
            return SendOutcome::Sent;
        }
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            return SendOutcome::Retry {
                error: format!("the SMS gateway answered HTTP {}", status.as_u16()),
                after: retry_after(response.headers(), Timestamp::now()),
            };
        }
        SendOutcome::Failed {
            reason: format!(
                "the SMS gateway refused the message (HTTP {})",
                status.as_u16()
            ),
        }
    }
}

/// `Retry-After` as seconds or an HTTP date, at most a day.
fn retry_after(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let wait = if let Ok(secs) = value.parse::<u64>() {
        Duration::from_secs(secs)
    } else {
        let at = jiff::fmt::rfc2822::DateTimeParser::new()
            .parse_timestamp(value)
            .ok()?;
        Duration::try_from(at.duration_since(now)).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let now: Timestamp = "2026-01-10T12:00:00Z".parse().expect("ts");
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, HeaderValue::from_static("120"));
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(120)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Sat, 10 Jan 2026 12:05:00 GMT"),
        );
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(300)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("9999999"));
        assert_eq!(retry_after(&h, now), Some(MAX_RETRY_AFTER));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h, now), None);
    }
}
