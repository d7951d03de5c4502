//! Configuration of the development identity provider: its issuer, the registered relying
//! parties (clients) and the synthetic people one can log in as.

use std::fmt;

use minside_core::Pid;
use url::Url;

/// Everything the development provider needs to know at start.
#[derive(Clone, Debug)]
pub struct DevIdpConfig {
    /// The issuer identifier and base URL of every endpoint, e.g.
    /// `http://localhost:8080/dev-idp`. It must be the public URL of the router's nest point.
    pub issuer: Url,
    /// The registered relying parties.
    pub clients: Vec<DevClient>,
    /// The synthetic people offered on the login page.
    pub people: Vec<DevPerson>,
}

/// A registered relying party (an OpenID Connect client with a client secret).
#[derive(Clone)]
pub struct DevClient {
    /// The `client_id`.
    pub client_id: String,
    /// The client secret, accepted with `client_secret_basic` and `client_secret_post`.
    pub client_secret: String,
    /// Redirect URIs; an authorization request must name one of them exactly.
    pub redirect_uris: Vec<Url>,
    /// URIs the provider may send the browser to after RP-initiated logout.
    pub post_logout_redirect_uris: Vec<Url>,
    /// The front-channel logout URI, loaded in an iframe with `iss` and `sid` when the provider
    /// session ends.
    pub frontchannel_logout_uri: Option<Url>,
}

impl fmt::Debug for DevClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uris", &self.redirect_uris)
            .field("post_logout_redirect_uris", &self.post_logout_redirect_uris)
            .field("frontchannel_logout_uri", &self.frontchannel_logout_uri)
            .finish()
    }
}

/// A synthetic person one can log in as (the TestID users of ID-porten).
#[derive(Clone, Debug)]
pub struct DevPerson {
    /// The person's (synthetic) national identity number, sent as the `pid` claim.
    pub pid: Pid,
    /// The name shown on the login page.
    pub name: String,
}
