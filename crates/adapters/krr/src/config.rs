//! Configuration of the KRR client and adapter.

use serde::Deserialize;
use url::Url;

/// The scope for e-mail, mobile number, notification status and language.
pub const CONTACT_SCOPE: &str = "krr:global/kontaktinformasjon.read";
/// The scope for the digital mailbox address and the encryption certificate.
pub const DIGITAL_POST_SCOPE: &str = "krr:global/digitalpost.read";
/// Where residents see and update their contact information.
pub const DEFAULT_PROFILE_URL: &str = "https://eid.difi.no/nb/oppdater-kontaktinformasjonen-din";

/// Where KRR is and what to ask it for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KrrConfig {
    /// The environment's root, e.g. `https://krr.digdir.no/` (production) or
    /// `https://krr-ver2.digdir.no/` (test); the endpoint is `rest/v1/personer` under it.
    pub base_url: Url,
    /// Also ask for the digital mailbox (scope `krr:global/digitalpost.read`).
    #[serde(default)]
    pub digital_post: bool,
    /// Ask KRR to list persons it has no entry for (`inkluderIkkeRegistrerte=true`), so that
    /// "not registered" is an answer rather than a missing entry.
    #[serde(default = "default_true")]
    pub include_unregistered: bool,
    /// Timeout of one request.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Accept synthetic (test) fødselsnumre; only for test environments.
    #[serde(default)]
    pub allow_synthetic_pids: bool,
    /// The deep link shown with the record.
    #[serde(default = "default_profile_url")]
    pub profile_url: String,
}

fn default_true() -> bool {
    true
}

fn default_timeout_secs() -> u64 {
    10
}

fn default_profile_url() -> String {
    DEFAULT_PROFILE_URL.to_owned()
}

impl KrrConfig {
    /// A configuration with the defaults for everything but the base URL.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            digital_post: false,
            include_unregistered: true,
            timeout_secs: default_timeout_secs(),
            allow_synthetic_pids: false,
            profile_url: default_profile_url(),
        }
    }
}
