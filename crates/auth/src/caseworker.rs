//! Caseworker login through a tenant's employee identity provider (Entra ID style OpenID
//! Connect): start, callback, session lookup and logout.
//!
//! Each tenant has its own provider registration, so there is one [`CaseworkerLogin`] per
//! tenant. The provider's `roles` claim (application roles) is mapped to MinSide [`Role`]s by
//! the tenant's [`RoleMapping`] at login; an employee without a mapped role is refused, and so
//! is one from another organisation when a [`RequiredClaim`] (Entra: `tid`) is configured. The
//! roles are fixed for the session's lifetime: a change at the provider counts from the next
//! login. Employees are identified by `oid` when the provider sends it (stable across the
//! directory's applications), else by `sub`.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use minside_core::Kommunenummer;
use minside_store::{
    AuditEvent, CaseworkerLoginAttempt, CaseworkerSession, NewCaseworkerSession, Role, Store,
};
use url::Url;

use crate::login::{TOUCH_INTERVAL, short_error_code};
use crate::token::{random_token, secrets_equal, token_hash};
use crate::{
    AuthError, CallbackParams, LoginStart, LogoutStart, RelyingParty, RequiredClaim, RoleMapping,
    SafeRedirect, VerifiedIdentity,
};

const CALLBACK_PATH: &str = "/admin/auth/callback";
const LOGGED_OUT_PATH: &str = "/admin/auth/logged-out";

/// Lifetimes and rules for one tenant's caseworker logins.
#[derive(Debug, Clone)]
pub struct CaseworkerPolicy {
    /// How long a started login may take before its state expires.
    pub attempt_ttl: SignedDuration,
    pub idle_timeout: SignedDuration,
    pub max_lifetime: SignedDuration,
    pub roles: RoleMapping,
    pub tenant_claim: Option<RequiredClaim>,
    /// Space-separated `acr_values` to request; when set, the ID token's `acr` must be one of
    /// them. Employees have no acr requirement otherwise.
    pub acr_values: Option<String>,
}

/// A finished caseworker login: the new session, the cookie token and where to go.
pub struct CaseworkerLoginDone {
    pub session: CaseworkerSession,
    pub token: String,
    pub redirect_to: String,
}

/// Caseworker login for one tenant against its employee identity provider.
pub struct CaseworkerLogin {
    rp: RelyingParty,
    store: Arc<dyn Store>,
    tenant: Kommunenummer,
    policy: CaseworkerPolicy,
}

impl CaseworkerLogin {
    pub fn new(
        rp: RelyingParty,
        store: Arc<dyn Store>,
        tenant: Kommunenummer,
        policy: CaseworkerPolicy,
    ) -> Self {
        Self {
            rp,
            store,
            tenant,
            policy,
        }
    }

    pub fn relying_party(&self) -> &RelyingParty {
        &self.rp
    }

    pub fn policy(&self) -> &CaseworkerPolicy {
        &self.policy
    }

    /// The `redirect_uri` to register with the employee provider for this site.
    pub fn redirect_uri(base: &Url) -> Url {
        with_path(base, CALLBACK_PATH)
    }

    /// The `post_logout_redirect_uri` to register with the employee provider for this site.
    pub fn post_logout_redirect_uri(base: &Url) -> Url {
        with_path(base, LOGGED_OUT_PATH)
    }

    /// Starts a login: the authorization URL (code flow, PKCE, state, nonce) and the binding
    /// for the browser's short-lived cookie.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant))]
    pub async fn start(
        &self,
        base: &Url,
        redirect: SafeRedirect,
        now: Timestamp,
    ) -> Result<LoginStart, AuthError> {
        let request = self
            .rp
            .authorization_request_with(
                &Self::redirect_uri(base),
                self.policy.acr_values.as_deref(),
                None,
            )
            .await?;
        self.store
            .create_caseworker_login_attempt(CaseworkerLoginAttempt {
                state_hash: token_hash(&request.state),
                kommunenummer: self.tenant,
                nonce: request.nonce,
                pkce_verifier: request.pkce_verifier,
                redirect_to: redirect.as_str().to_owned(),
                created_at: now,
                expires_at: now + self.policy.attempt_ttl,
            })
            .await?;
        Ok(LoginStart {
            authorize_url: request.url,
            binding: request.state,
        })
    }

    /// Completes a login. The attempt is consumed first, so a replayed callback fails. An
    /// employee who authenticated but may not use MinSide here is refused with
    /// [`AuthError::AccessDenied`], and the refusal is audited.
    #[tracing::instrument(skip_all, fields(tenant = %self.tenant))]
    pub async fn finish(
        &self,
        base: &Url,
        params: CallbackParams,
        binding: Option<&str>,
        now: Timestamp,
    ) -> Result<CaseworkerLoginDone, AuthError> {
        let state = params
            .state
            .as_deref()
            .ok_or(AuthError::InvalidRequest("missing state"))?;
        let attempt = self
            .store
            .take_caseworker_login_attempt(&token_hash(state), now)
            .await?
            .filter(|a| a.kommunenummer == self.tenant)
            .ok_or(AuthError::UnknownState)?;
        if !binding.is_some_and(|b| secrets_equal(b, state)) {
            return Err(AuthError::StateMismatch);
        }
        self.rp.check_response_issuer(params.iss.as_deref()).await?;
        if let Some(error) = params.error {
            return Err(AuthError::ProviderRefused(short_error_code(&error)));
        }
        let code = params
            .code
            .as_deref()
            .ok_or(AuthError::InvalidRequest("missing code"))?;
        let identity = self
            .rp
            .exchange_code(
                code,
                &Self::redirect_uri(base),
                &attempt.pkce_verifier,
                &attempt.nonce,
            )
            .await?;
        let subject = identity
            .oid
            .clone()
            .unwrap_or_else(|| identity.subject.clone());
        let roles = match self.admit(&identity) {
            Ok(roles) => roles,
            Err(reason) => {
                let detail =
                    serde_json::json!({ "reason": reason, "claimed_roles": identity.roles });
                self.audit(&subject, "caseworker.login_refused", now, detail)
                    .await?;
                tracing::info!(reason, "caseworker login refused");
                return Err(AuthError::AccessDenied(reason));
            }
        };

        let name = identity
            .name
            .clone()
            .or_else(|| identity.preferred_username.clone())
            .unwrap_or_else(|| subject.clone());
        let email = identity.email.clone().or_else(|| {
            identity
                .preferred_username
                .clone()
                .filter(|u| u.contains('@'))
        });
        let token = random_token();
        let session = self
            .store
            .create_caseworker_session(NewCaseworkerSession {
                token_hash: token_hash(&token),
                kommunenummer: self.tenant,
                subject: subject.clone(),
                name,
                email,
                roles,
                idp_issuer: self.rp.issuer().to_owned(),
                idp_sid: identity.sid.clone(),
                id_token: identity.id_token.clone(),
                csrf_token: random_token(),
                created_at: now,
                idle_expires_at: now + self.policy.idle_timeout,
                absolute_expires_at: now + self.policy.max_lifetime,
            })
            .await?;
        let detail = serde_json::json!({
            "session": session.id.0,
            "name": session.name,
            "roles": session.roles,
        });
        self.audit(&subject, "caseworker.login", now, detail)
            .await?;
        tracing::info!(session = %session.id, roles = ?session.roles, "caseworker logged in");
        Ok(CaseworkerLoginDone {
            session,
            token,
            redirect_to: attempt.redirect_to,
        })
    }

    /// The roles the verified employee gets here, or why they get none.
    fn admit(&self, identity: &VerifiedIdentity) -> Result<Vec<Role>, &'static str> {
        if let Some(required) = &self.policy.tenant_claim
            && identity.claim(&required.name).as_deref() != Some(required.value.as_str())
        {
            return Err("the employee belongs to another organisation than this municipality");
        }
        if let Some(accepted) = &self.policy.acr_values {
            let got = identity.acr.as_deref().unwrap_or_default();
            if !accepted.split(' ').any(|a| !a.is_empty() && a == got) {
                return Err("the login's authentication context is not accepted");
            }
        }
        let roles = self.policy.roles.roles_for(&identity.roles);
        if roles.is_empty() {
            return Err("no MinSide role is assigned to this employee");
        }
        Ok(roles)
    }

    async fn audit(
        &self,
        subject: &str,
        action: &str,
        now: Timestamp,
        detail: serde_json::Value,
    ) -> Result<(), AuthError> {
        self.store
            .append_audit(AuditEvent {
                kommunenummer: self.tenant,
                at: now,
                actor: format!("caseworker:{subject}"),
                action: action.to_owned(),
                subject: None,
                detail,
            })
            .await?;
        Ok(())
    }

    /// Ends the session here and returns where to send the browser: the provider's
    /// end-session endpoint (with `id_token_hint`, `post_logout_redirect_uri` and `state`), or
    /// straight back when it has none or cannot be reached.
    #[tracing::instrument(skip_all, fields(session = %session.id))]
    pub async fn logout(
        &self,
        session: &CaseworkerSession,
        base: &Url,
        now: Timestamp,
    ) -> Result<LogoutStart, AuthError> {
        self.store.delete_caseworker_session(session.id).await?;
        let detail = serde_json::json!({ "session": session.id.0 });
        self.audit(&session.subject, "caseworker.logout", now, detail)
            .await?;
        let state = random_token();
        let back = Self::post_logout_redirect_uri(base);
        let redirect_to = match self
            .rp
            .end_session_url(&session.id_token, &back, &state)
            .await
        {
            Ok(Some(url)) => url,
            Ok(None) | Err(_) => back,
        };
        Ok(LogoutStart { redirect_to, state })
    }

    /// Front-channel logout: the provider ended session `sid`; end ours too.
    pub async fn frontchannel_logout(&self, iss: &str, sid: &str) -> Result<u64, AuthError> {
        if !crate::same_issuer(iss, self.rp.issuer()) {
            return Err(AuthError::IssuerMismatch);
        }
        let ended = self
            .store
            .delete_caseworker_sessions_by_sid(self.rp.issuer(), sid)
            .await?;
        tracing::info!(ended, "caseworker front-channel logout");
        Ok(ended)
    }
}

/// The live caseworker session for a cookie token, of any tenant (the caller compares it with
/// the request's tenant). A session of `tenant` is touched to extend its idle expiry (at most
/// once a minute, and never past its absolute expiry); another tenant's is returned untouched.
pub async fn find_caseworker_session(
    store: &dyn Store,
    tenant: &Kommunenummer,
    token: &str,
    idle_timeout: SignedDuration,
    now: Timestamp,
) -> Result<Option<CaseworkerSession>, AuthError> {
    let Some(mut session) = store
        .find_caseworker_session(&token_hash(token), now)
        .await?
    else {
        return Ok(None);
    };
    if session.kommunenummer == *tenant
        && now.duration_since(session.last_seen_at) >= TOUCH_INTERVAL
    {
        let idle = (now + idle_timeout).min(session.absolute_expires_at);
        store
            .touch_caseworker_session(session.id, now, idle)
            .await?;
        session.last_seen_at = now;
        session.idle_expires_at = idle;
    }
    Ok(Some(session))
}

fn with_path(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    url.set_path(path);
    url.set_query(None);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_on_the_site_root() {
        let base = Url::parse("https://minside.asker.kommune.no/x?y=1").expect("url");
        assert_eq!(
            CaseworkerLogin::redirect_uri(&base).as_str(),
            "https://minside.asker.kommune.no/admin/auth/callback"
        );
        assert_eq!(
            CaseworkerLogin::post_logout_redirect_uri(&base).as_str(),
            "https://minside.asker.kommune.no/admin/auth/logged-out"
        );
    }
}
