//! Caseworkers at the HTTP edge: the [`CaseworkerSession`] extractor (its own cookie, CSRF on
//! changes, the caseworker's tenant must be the request's), role checks, the audited-change
//! helper every caseworker route uses, and the per-tenant logins built at start.
//!
//! A caseworker session never works on resident routes and a resident session never works
//! here: they are different cookies looked up in different tables.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use jiff::{SignedDuration, Timestamp};
use minside_auth::{
    CaseworkerLogin, CaseworkerPolicy, RelyingParty, RelyingPartyConfig, RequiredClaim,
    RoleMapping, find_caseworker_session,
};
use minside_core::Kommunenummer;
use minside_dev_idp::{DevAudience, DevClient};
use minside_store::{AuditEvent, Role, Store};
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use url::Url;

use crate::config::{Settings, TenantConfig, TenantRegistry};
use crate::cookies;
use crate::error::ApiError;
use crate::extract::{CSRF_HEADER, Tenant, check_csrf, is_safe_method};
use crate::state::AppState;

/// Login state binding of a caseworker login (apart from the residents' one).
pub(crate) const ADMIN_LOGIN_COOKIE: &str = "minside_admin_login";
/// State of a caseworker's RP-initiated logout.
pub(crate) const ADMIN_LOGOUT_COOKIE: &str = "minside_admin_logout";

/// The caseworker session cookie: `__Host-` prefixed when secure, like the residents' one.
pub(crate) fn session_cookie_name(public_url: &Url) -> &'static str {
    if cookies::is_secure(public_url) {
        "__Host-minside_admin"
    } else {
        "minside_admin"
    }
}

/// The caseworker session cookie (HttpOnly, SameSite=Lax, Secure except on http loopback); a
/// browser-session cookie: the server enforces the lifetimes.
pub(crate) fn session_cookie(public_url: &Url, token: String) -> Cookie<'static> {
    cookies::base(session_cookie_name(public_url), token, public_url)
}

/// One caseworker login per tenant that has an employee identity provider.
pub type CaseworkerLogins = HashMap<Kommunenummer, CaseworkerLogin>;

/// A logged-in caseworker of the request's tenant. On state-changing methods the CSRF token
/// header is required and a cross-site `Origin` refused, as for residents.
pub struct CaseworkerSession {
    pub tenant: TenantConfig,
    pub session: minside_store::CaseworkerSession,
    /// The request's time: use it for the change and its audit entry.
    pub now: Timestamp,
}

impl CaseworkerSession {
    /// 403 problem+json unless one of the caseworker's roles grants `role` (admin grants all).
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.session.has(role) {
            return Ok(());
        }
        Err(
            ApiError::new(StatusCode::FORBIDDEN, "role-required", "Role required")
                .with_detail(format!("this needs the caseworker role {role}")),
        )
    }
}

/// 401 for a request without a live caseworker session.
pub(crate) fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
        "Login required",
    )
    .with_detail("caseworkers log in at /admin/auth/login")
}

/// A caseworker session of the request's tenant from the cookie, without the CSRF check: use
/// [`CaseworkerSession`] on routes, this only where the handler checks CSRF itself (logout).
pub(crate) struct CaseworkerCookie(pub(crate) CaseworkerSession);

impl FromRequestParts<AppState> for CaseworkerCookie {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Tenant(tenant) = Tenant::from_request_parts(parts, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(session_cookie_name(&tenant.public_url))
            .map(|c| c.value().to_owned())
            .ok_or_else(unauthenticated)?;
        let now = state.now();
        let idle = minutes(state.settings().caseworker_session.idle_timeout_minutes);
        let store = state.store().as_ref();
        let session = find_caseworker_session(store, &tenant.kommunenummer, &token, idle, now)
            .await?
            .ok_or_else(unauthenticated)?;
        if session.kommunenummer != tenant.kommunenummer {
            return Err(ApiError::forbidden(
                "this caseworker session belongs to another municipality",
            ));
        }
        Ok(Self(CaseworkerSession {
            tenant,
            session,
            now,
        }))
    }
}

impl FromRequestParts<AppState> for CaseworkerSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let CaseworkerCookie(cw) = CaseworkerCookie::from_request_parts(parts, state).await?;
        if !is_safe_method(&parts.method) {
            let header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            check_csrf(&parts.headers, &cw.tenant, &cw.session.csrf_token, header)?;
        }
        Ok(cw)
    }
}

/// Appends an audited change by `caseworker` to its tenant's trail: actor
/// `caseworker:<subject>`, the given `action` (e.g. `notice_rule.update`), and detail
/// `{subject, before, after}` where `subject` names what changed (e.g. `notice-rule:<id>`),
/// `before` is `null` for a creation and `after` is `null` for a deletion.
pub async fn audit_change(
    store: &dyn Store,
    caseworker: &CaseworkerSession,
    action: &str,
    subject: &str,
    before: Option<Value>,
    after: Option<Value>,
) -> Result<(), ApiError> {
    store
        .append_audit(AuditEvent {
            kommunenummer: caseworker.session.kommunenummer,
            at: caseworker.now,
            actor: caseworker.session.actor(),
            action: action.to_owned(),
            subject: None,
            detail: json!({ "subject": subject, "before": before, "after": after }),
        })
        .await?;
    Ok(())
}

fn minutes(m: u32) -> SignedDuration {
    SignedDuration::from_mins(i64::from(m))
}

/// Builds the caseworker login of every tenant with a `[caseworkers]` section. Provider
/// metadata is fetched on first use, so a provider that is down does not stop the server.
pub(crate) fn logins(
    settings: &Settings,
    tenants: &TenantRegistry,
    store: &Arc<dyn Store>,
) -> Result<CaseworkerLogins, minside_auth::AuthError> {
    let s = &settings.caseworker_session;
    let idp = &settings.idporten;
    let mut logins = CaseworkerLogins::new();
    for t in tenants.all() {
        let Some(c) = &t.caseworkers else { continue };
        if !c.is_available(settings) {
            tracing::warn!(
                tenant = %t.kommunenummer,
                "caseworker login is off: its issuer is dev-idp, but dev_idp.enabled is false"
            );
            continue;
        }
        let rp = RelyingParty::new(RelyingPartyConfig {
            issuer: c.issuer(settings),
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.clone(),
            scopes: c.scopes.clone(),
            metadata_ttl: Duration::from_secs(u64::from(idp.metadata_ttl_minutes) * 60),
            http_timeout: Duration::from_secs(u64::from(idp.http_timeout_seconds)),
        })?;
        let tenant_claim = c.tenant_claim.clone().zip(c.tenant_value.clone());
        let policy = CaseworkerPolicy {
            attempt_ttl: minutes(s.login_attempt_minutes),
            idle_timeout: minutes(s.idle_timeout_minutes),
            max_lifetime: minutes(s.max_lifetime_minutes),
            roles: RoleMapping::new(c.roles.clone()),
            tenant_claim: tenant_claim.map(|(name, value)| RequiredClaim { name, value }),
            acr_values: c.acr_values.clone(),
        };
        let login = CaseworkerLogin::new(rp, store.clone(), t.kommunenummer, policy);
        logins.insert(t.kommunenummer, login);
    }
    Ok(logins)
}

/// The development identity provider's employee clients: one per client id of the tenants
/// whose caseworkers log in there, with every such tenant's callback registered.
pub(crate) fn dev_clients(tenants: &TenantRegistry) -> Vec<DevClient> {
    let mut clients: Vec<DevClient> = Vec::new();
    for t in tenants.all() {
        let Some(c) = t.caseworkers.as_ref().filter(|c| c.uses_dev_idp()) else {
            continue;
        };
        let callback = CaseworkerLogin::redirect_uri(&t.public_url);
        let logged_out = CaseworkerLogin::post_logout_redirect_uri(&t.public_url);
        if let Some(client) = clients.iter_mut().find(|d| d.client_id == c.client_id) {
            client.redirect_uris.push(callback);
            client.post_logout_redirect_uris.push(logged_out);
            continue;
        }
        let mut frontchannel = t.public_url.clone();
        frontchannel.set_path("/admin/auth/frontchannel-logout");
        clients.push(DevClient {
            client_id: c.client_id.clone(),
            client_secret: c.client_secret.expose_secret().to_owned(),
            redirect_uris: vec![callback],
            post_logout_redirect_uris: vec![logged_out],
            frontchannel_logout_uri: Some(frontchannel),
            audience: DevAudience::Employees,
        });
    }
    clients
}
