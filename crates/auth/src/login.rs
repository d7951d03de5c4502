//! Resident login through ID-porten: start, callback, session lookup and logout.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use minside_core::{Kommunenummer, Locale, Pid, PidPolicy};
use minside_store::{AuditEvent, LoginAttempt, NewSession, Session, Store};
use url::Url;

use crate::token::{random_token, secrets_equal, token_hash};
use crate::{AssuranceLevel, AuthError, RelyingParty, SafeRedirect};

/// Lifetimes and rules for resident sessions.
#[derive(Debug, Clone)]
pub struct LoginPolicy {
    pub allow_synthetic_pids: bool,
    /// How long a started login may take before its state expires.
    pub attempt_ttl: SignedDuration,
    pub idle_timeout: SignedDuration,
    pub max_lifetime: SignedDuration,
}

/// The start of a login: send the browser to `authorize_url` and bind the attempt to the
/// browser with a short-lived cookie holding `binding`.
pub struct LoginStart {
    pub authorize_url: Url,
    pub binding: String,
}

/// What came back to `/auth/callback`.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A finished login: the new session, the cookie token and where to go.
pub struct LoginDone {
    pub session: Session,
    pub token: String,
    pub redirect_to: String,
}

/// A logout: where to send the browser (the provider's end-session endpoint, or home) and the
/// state to check when it comes back.
pub struct LogoutStart {
    pub redirect_to: Url,
    pub state: String,
}

/// Resident login against one ID-porten-compatible provider.
pub struct ResidentLogin {
    rp: RelyingParty,
    store: Arc<dyn Store>,
    policy: LoginPolicy,
}

const CALLBACK_PATH: &str = "/auth/callback";
const LOGGED_OUT_PATH: &str = "/auth/logged-out";
/// Sessions are touched at most this often, so reads do not all become writes.
pub(crate) const TOUCH_INTERVAL: SignedDuration = SignedDuration::from_secs(60);

impl ResidentLogin {
    pub fn new(rp: RelyingParty, store: Arc<dyn Store>, policy: LoginPolicy) -> Self {
        Self { rp, store, policy }
    }

    pub fn relying_party(&self) -> &RelyingParty {
        &self.rp
    }

    pub fn policy(&self) -> &LoginPolicy {
        &self.policy
    }

    fn redirect_uri(base: &Url) -> Url {
        let mut url = base.clone();
        url.set_path(CALLBACK_PATH);
        url.set_query(None);
        url
    }

    /// The `post_logout_redirect_uri` registered with the provider for this site.
    pub fn post_logout_redirect_uri(base: &Url) -> Url {
        let mut url = base.clone();
        url.set_path(LOGGED_OUT_PATH);
        url.set_query(None);
        url
    }

    #[tracing::instrument(skip_all, fields(tenant = %tenant, level = level.as_str()))]
    pub async fn start(
        &self,
        tenant: &Kommunenummer,
        base: &Url,
        level: AssuranceLevel,
        locale: Locale,
        redirect: SafeRedirect,
        now: Timestamp,
    ) -> Result<LoginStart, AuthError> {
        let request = self
            .rp
            .authorization_request(&Self::redirect_uri(base), level.acr(), locale.as_str())
            .await?;
        self.store
            .create_login_attempt(LoginAttempt {
                state_hash: token_hash(&request.state),
                kommunenummer: *tenant,
                nonce: request.nonce,
                pkce_verifier: request.pkce_verifier,
                redirect_to: redirect.as_str().to_owned(),
                acr_requested: level.acr().to_owned(),
                locale,
                created_at: now,
                expires_at: now + self.policy.attempt_ttl,
            })
            .await?;
        Ok(LoginStart {
            authorize_url: request.url,
            binding: request.state,
        })
    }

    /// Completes a login. The attempt is consumed first, so a replayed callback fails.
    #[tracing::instrument(skip_all, fields(tenant = %tenant))]
    pub async fn finish(
        &self,
        tenant: &Kommunenummer,
        base: &Url,
        params: CallbackParams,
        binding: Option<&str>,
        now: Timestamp,
    ) -> Result<LoginDone, AuthError> {
        let state = params
            .state
            .as_deref()
            .ok_or(AuthError::InvalidRequest("missing state"))?;
        let attempt = self
            .store
            .take_login_attempt(&token_hash(state), now)
            .await?
            .filter(|a| a.kommunenummer == *tenant)
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

        let required = AssuranceLevel::from_acr(&attempt.acr_requested).unwrap_or_default();
        let got = identity.acr.clone().unwrap_or_default();
        match AssuranceLevel::from_acr(&got) {
            Some(level) if level >= required => {}
            _ => return Err(AuthError::InsufficientLevel { required, got }),
        }
        let pid = identity.pid.as_deref().ok_or(AuthError::MissingPid)?;
        let pid = Pid::parse(
            pid,
            PidPolicy {
                allow_synthetic: self.policy.allow_synthetic_pids,
            },
        )
        .map_err(AuthError::InvalidPid)?;

        let resident = match self.store.find_resident_by_pid(tenant, &pid).await? {
            Some(r) => r,
            None => {
                let name = identity.name.clone().unwrap_or_default();
                self.store.upsert_resident(tenant, &pid, &name, now).await?
            }
        };
        let token = random_token();
        let session = self
            .store
            .create_session(NewSession {
                token_hash: token_hash(&token),
                kommunenummer: *tenant,
                resident_id: resident.id,
                acr: got.clone(),
                idp_issuer: self.rp.issuer().to_string(),
                idp_sid: identity.sid.clone(),
                id_token: identity.id_token.clone(),
                csrf_token: random_token(),
                locale: attempt.locale,
                created_at: now,
                idle_expires_at: now + self.policy.idle_timeout,
                absolute_expires_at: now + self.policy.max_lifetime,
            })
            .await?;
        self.store
            .append_audit(AuditEvent {
                kommunenummer: *tenant,
                at: now,
                actor: format!("resident:{}", resident.id.0),
                action: "login".into(),
                subject: Some(resident.id),
                detail: serde_json::json!({ "acr": got, "session": session.id.0 }),
            })
            .await?;
        tracing::info!(session = %session.id.0, acr = %session.acr, "resident logged in");
        Ok(LoginDone {
            session,
            token,
            redirect_to: attempt.redirect_to,
        })
    }

    /// The live session for a cookie token in this tenant, touched to extend its idle expiry.
    pub async fn session(
        &self,
        tenant: &Kommunenummer,
        token: &str,
        now: Timestamp,
    ) -> Result<Option<Session>, AuthError> {
        let Some(mut session) = self.store.find_session(&token_hash(token), now).await? else {
            return Ok(None);
        };
        if session.kommunenummer != *tenant {
            return Ok(None);
        }
        if now.duration_since(session.last_seen_at) >= TOUCH_INTERVAL {
            let idle = (now + self.policy.idle_timeout).min(session.absolute_expires_at);
            self.store.touch_session(session.id, now, idle).await?;
            session.last_seen_at = now;
            session.idle_expires_at = idle;
        }
        Ok(Some(session))
    }

    /// Ends the session here and returns where to send the browser: the provider's
    /// end-session endpoint with `id_token_hint`, `post_logout_redirect_uri` and `state`.
    #[tracing::instrument(skip_all, fields(session = %session.id.0))]
    pub async fn logout(
        &self,
        session: &Session,
        base: &Url,
        now: Timestamp,
    ) -> Result<LogoutStart, AuthError> {
        self.store.delete_session(session.id).await?;
        self.store
            .append_audit(AuditEvent {
                kommunenummer: session.kommunenummer,
                at: now,
                actor: format!("resident:{}", session.resident_id.0),
                action: "logout".into(),
                subject: Some(session.resident_id),
                detail: serde_json::json!({ "session": session.id.0 }),
            })
            .await?;
        let state = random_token();
        let back = Self::post_logout_redirect_uri(base);
        let redirect_to = match self
            .rp
            .end_session_url(&session.id_token, &back, &state)
            .await
        {
            Ok(Some(url)) => url,
            // Without a reachable end-session endpoint the local session is still gone.
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
            .delete_sessions_by_sid(self.rp.issuer(), sid)
            .await?;
        tracing::info!(ended, "front-channel logout");
        Ok(ended)
    }
}

/// Keeps only an OAuth error code's safe characters, so a provider cannot inject text.
pub(crate) fn short_error_code(error: &str) -> String {
    error
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect()
}
