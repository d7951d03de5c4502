//! The shared provider behind every endpoint: validated configuration, signing key and state.

use std::collections::HashSet;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use openidconnect::IssuerUrl;
use url::Url;

use crate::keys::SigningKey;
use crate::state::State;
use crate::{DevAudience, DevClient, DevEmployee, DevIdpConfig, DevIdpError, DevPerson};

/// Shared by all handlers through axum state.
pub(crate) struct Provider {
    /// The issuer exactly as published in discovery and in `iss` claims.
    pub(crate) issuer: String,
    pub(crate) issuer_url: IssuerUrl,
    /// Path of the session cookie (the issuer's path).
    pub(crate) cookie_path: String,
    /// Whether the session cookie gets the `Secure` attribute (https issuers).
    pub(crate) secure_cookie: bool,
    pub(crate) clients: Vec<DevClient>,
    pub(crate) people: Vec<DevPerson>,
    pub(crate) employees: Vec<DevEmployee>,
    pub(crate) key: SigningKey,
    /// The discovery document, built once.
    pub(crate) discovery: serde_json::Value,
    state: Mutex<State>,
}

impl Provider {
    pub(crate) fn new(cfg: DevIdpConfig) -> Result<Self, DevIdpError> {
        validate(&cfg)?;
        let issuer = cfg.issuer.as_str().to_owned();
        let issuer_url =
            IssuerUrl::new(issuer.clone()).map_err(|e| DevIdpError::Config(e.to_string()))?;
        let cookie_path = match cfg.issuer.path().trim_end_matches('/') {
            "" => "/".to_owned(),
            path => path.to_owned(),
        };
        Ok(Self {
            discovery: crate::discovery::document(&issuer_url)?,
            issuer,
            issuer_url,
            cookie_path,
            secure_cookie: cfg.issuer.scheme() == "https",
            clients: cfg.clients,
            people: cfg.people,
            employees: cfg.employees,
            key: SigningKey::generate()?,
            state: Mutex::new(State::default()),
        })
    }

    /// The absolute URL of an endpoint, e.g. `endpoint("token")`.
    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}/{path}", self.issuer.trim_end_matches('/'))
    }

    pub(crate) fn client(&self, client_id: &str) -> Option<&DevClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    /// The configured person with this national identity number.
    pub(crate) fn person(&self, pid: &str) -> Option<&DevPerson> {
        self.people.iter().find(|p| p.pid.expose() == pid)
    }

    /// The configured employee with this object id.
    pub(crate) fn employee(&self, oid: &str) -> Option<&DevEmployee> {
        self.employees.iter().find(|e| e.oid == oid)
    }

    /// Locks the state after dropping expired entries.
    pub(crate) fn state(&self, now: Instant) -> MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.purge(now);
        state
    }
}

fn validate(cfg: &DevIdpConfig) -> Result<(), DevIdpError> {
    let err = |msg: String| Err(DevIdpError::Config(msg));
    let issuer = &cfg.issuer;
    if !matches!(issuer.scheme(), "http" | "https") || issuer.cannot_be_a_base() {
        return err("the issuer must be an http or https URL".into());
    }
    if issuer.query().is_some() || issuer.fragment().is_some() {
        return err("the issuer must not have a query or fragment".into());
    }
    if cfg.clients.is_empty() {
        return err("at least one client must be registered".into());
    }
    let serves = |audience| cfg.clients.iter().any(|c| c.audience == audience);
    if serves(DevAudience::Residents) && cfg.people.is_empty() {
        return err("at least one person must be configured".into());
    }
    if serves(DevAudience::Employees) && cfg.employees.is_empty() {
        return err("an employee client needs at least one employee".into());
    }
    let mut oids = HashSet::new();
    if let Some(twice) = cfg.employees.iter().find(|e| !oids.insert(e.oid.as_str())) {
        return err(format!("employee oid `{}` is configured twice", twice.oid));
    }
    let mut ids = HashSet::new();
    for client in &cfg.clients {
        if client.client_id.is_empty() || client.client_secret.is_empty() {
            return err("a client needs a client_id and a client_secret".into());
        }
        if !ids.insert(client.client_id.as_str()) {
            return err(format!("client `{}` is registered twice", client.client_id));
        }
        let uris = client
            .redirect_uris
            .iter()
            .chain(&client.post_logout_redirect_uris);
        if uris
            .chain(&client.frontchannel_logout_uri)
            .any(|u: &Url| u.fragment().is_some())
        {
            return err(format!(
                "client `{}` has a URI with a fragment",
                client.client_id
            ));
        }
    }
    Ok(())
}
