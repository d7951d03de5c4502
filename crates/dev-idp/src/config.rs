//! Configuration of the development identity provider: its issuer, the registered relying
//! parties (clients), the synthetic people residents log in as, and the demo employees
//! caseworkers log in as (Entra ID style, at clients registered for employees).

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
    /// The synthetic people offered on the login page of resident clients.
    pub people: Vec<DevPerson>,
    /// The employees offered on the login page of employee clients.
    pub employees: Vec<DevEmployee>,
}

/// Whom a client's users are, and so which login page and ID token it gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DevAudience {
    /// ID-porten profile: synthetic people with a `pid` and a level of assurance.
    #[default]
    Residents,
    /// Employee directory profile (Entra ID style): employees with `oid`, `tid`, `roles`,
    /// `name` and `preferred_username`, no `pid` and no `acr`.
    Employees,
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
    /// Residents (the default) or employees.
    pub audience: DevAudience,
}

impl fmt::Debug for DevClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uris", &self.redirect_uris)
            .field("post_logout_redirect_uris", &self.post_logout_redirect_uris)
            .field("frontchannel_logout_uri", &self.frontchannel_logout_uri)
            .field("audience", &self.audience)
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

/// A demo employee one can log in as at an employee client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DevEmployee {
    /// The object id (`oid`): stable, unique among the employees.
    pub oid: String,
    /// The directory (organisation) id, sent as `tid`.
    pub tid: String,
    /// The display name, sent as `name`.
    pub name: String,
    /// The sign-in name, sent as `preferred_username` and `email`.
    pub username: String,
    /// Application role values, sent as `roles` (Entra app roles, e.g. `MinSide.Admin`).
    pub roles: Vec<String>,
    /// The organisation shown on the login page.
    pub organisation: String,
}

impl DevEmployee {
    /// The demo staff: four employees of 3203 Asker with different roles, one of Asker without
    /// any role (refused by MinSide), and one of 3201 Bærum (another directory), for isolation
    /// demos. Role values are `MinSide.NoticeEditor`, `MinSide.PlanManager`,
    /// `MinSide.ServiceEditor`, `MinSide.Admin`.
    pub fn demo_staff() -> Vec<DevEmployee> {
        /// kommunenummer, organisation, mail domain.
        type Org = (&'static str, &'static str, &'static str);
        const ASKER: Org = ("3203", "Asker kommune", "asker");
        const BAERUM: Org = ("3201", "Bærum kommune", "baerum");
        /// name, user name, organisation, role values.
        type Staff = (&'static str, &'static str, Org, &'static [&'static str]);
        let staff: [Staff; 6] = [
            (
                "Siri Saksbehandler",
                "siri.saksbehandler",
                ASKER,
                &["MinSide.NoticeEditor", "MinSide.PlanManager"],
            ),
            ("Arne Admin", "arne.admin", ASKER, &["MinSide.Admin"]),
            (
                "Pia Planlegger",
                "pia.planlegger",
                ASKER,
                &["MinSide.PlanManager"],
            ),
            ("Ulf Utenrolle", "ulf.utenrolle", ASKER, &[]),
            ("Berit Bærum", "berit.baerum", BAERUM, &["MinSide.Admin"]),
            (
                "Tone Tjenesteredaktør",
                "tone.tjenesteredaktor",
                ASKER,
                &["MinSide.ServiceEditor"],
            ),
        ];
        staff
            .into_iter()
            .zip(1u32..)
            .map(|((name, user, (k, org, domain), roles), n)| DevEmployee {
                oid: format!("00000000-0000-4000-a000-{n:012}"),
                tid: demo_directory_id(k),
                name: name.to_owned(),
                username: format!("{user}@{domain}.kommune.example"),
                roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                organisation: org.to_owned(),
            })
            .collect()
    }
}

/// The demo directory id (`tid`) of a municipality: a fixed UUID ending in its kommunenummer,
/// e.g. `00000000-0000-4000-8000-000000003203` for Asker.
pub fn demo_directory_id(kommunenummer: &str) -> String {
    format!("00000000-0000-4000-8000-00000000{kommunenummer:0>4}")
}
