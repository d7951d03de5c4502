//! Configuration of the Folkeregisteret adapter.

use serde::Deserialize;
use url::Url;

/// The Maskinporten scope of the "offentlig med hjemmel" rights package.
pub const DEFAULT_SCOPE: &str = "folkeregister:deling/offentligmedhjemmel";

/// Where Folkeregisteret is and how the adapter reads it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FolkeregisterConfig {
    /// The environment's root, e.g. `https://folkeregisteret.api.skatteetaten.no/` (production)
    /// or `https://folkeregisteret-api-konsument.sits.no/` (consumer test).
    pub base_url: Url,
    /// The Maskinporten scope asked for.
    #[serde(default = "default_scope")]
    pub scope: String,
    /// Timeout of one request.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Accept synthetic (Tenor test) fødselsnumre; only for test environments.
    #[serde(default)]
    pub allow_synthetic_pids: bool,
    /// Entries per feed page (fixed at 1000 by Folkeregisteret); a shorter page is the end.
    #[serde(default = "default_feed_page_size")]
    pub feed_page_size: usize,
    /// At most this many feed pages are read by one `changes` call.
    #[serde(default = "default_feed_max_pages")]
    pub feed_max_pages_per_call: u32,
    /// The first sequence number to read when nothing has been read yet.
    #[serde(default = "default_feed_start")]
    pub feed_start: u64,
}

fn default_scope() -> String {
    DEFAULT_SCOPE.to_owned()
}

fn default_timeout_secs() -> u64 {
    10
}

fn default_feed_page_size() -> usize {
    1000
}

fn default_feed_max_pages() -> u32 {
    10
}

fn default_feed_start() -> u64 {
    1
}

impl FolkeregisterConfig {
    /// A configuration with the defaults for everything but the base URL.
    pub fn new(base_url: Url) -> Self {
        Self {
            base_url,
            scope: default_scope(),
            timeout_secs: default_timeout_secs(),
            allow_synthetic_pids: false,
            feed_page_size: default_feed_page_size(),
            feed_max_pages_per_call: default_feed_max_pages(),
            feed_start: default_feed_start(),
        }
    }
}
