//! Extractors that validate at the edge and fail as problem+json: query strings, the tenant from the request host, and the resident session from the cookie.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum_extra::extract::CookieJar;
use minside_auth::secrets_equal;
use minside_core::lifephase;
use minside_store::{Resident, Session};
use serde::de::DeserializeOwned;

use crate::config::TenantConfig;
use crate::cookies;
use crate::error::ApiError;
use crate::state::AppState;

/// The header that carries the CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// `axum::Json` whose rejections are problem+json.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Self(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Expected application/json",
            )),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-body",
                "The request body does not match the schema",
            )
            .with_detail(e.body_text())),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::new(
                e.status(),
                "payload-too-large",
                "Request body too large",
            )),
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// `axum::extract::Query` whose rejections are problem+json.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| ApiError::bad_request(e.body_text()))
    }
}

/// The municipality this request is for, picked by the `Host` header.
#[derive(Clone)]
pub struct Tenant(pub TenantConfig);

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        let host = host.or_else(|| parts.uri.host());
        state
            .tenants()
            .for_host(host)
            .cloned()
            .map(Tenant)
            .ok_or_else(ApiError::unknown_tenant)
    }
}

/// A logged-in resident's session in this tenant, from the session cookie. No CSRF check:
/// use [`ResidentSession`] on routes, this only where the handler checks CSRF itself.
pub struct SessionCookie {
    pub tenant: TenantConfig,
    pub session: Session,
}

impl FromRequestParts<AppState> for SessionCookie {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Tenant(tenant) = Tenant::from_request_parts(parts, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        let name = cookies::session_cookie_name(&tenant.public_url);
        let token = jar
            .get(name)
            .map(|c| c.value().to_owned())
            .ok_or_else(ApiError::unauthenticated)?;
        let session = state
            .login()
            .session(&tenant.kommunenummer, &token, state.now())
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        Ok(Self { tenant, session })
    }
}

/// `Option<SessionCookie>`: `None` when nobody is logged in, for pages anyone may see.
impl axum::extract::OptionalFromRequestParts<AppState> for SessionCookie {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, ApiError> {
        match <Self as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(session) => Ok(Some(session)),
            Err(e) if e.status() == StatusCode::UNAUTHORIZED => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// A logged-in resident's session; on state-changing methods also checks the CSRF token
/// header and, when the browser sends one, that `Origin` is this site.
pub struct ResidentSession {
    pub tenant: TenantConfig,
    pub session: Session,
}

impl FromRequestParts<AppState> for ResidentSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let SessionCookie { tenant, session } =
            SessionCookie::from_request_parts(parts, state).await?;
        if !is_safe_method(&parts.method) {
            let header = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            check_csrf(&parts.headers, &tenant, &session.csrf_token, header)?;
        }
        Ok(Self { tenant, session })
    }
}

pub(crate) fn is_safe_method(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// CSRF defence for cookie-authenticated changes: the session's token must be presented, and a
/// cross-site `Origin` is refused outright.
pub(crate) fn check_csrf(
    headers: &HeaderMap,
    tenant: &TenantConfig,
    expected: &str,
    presented: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        let own = tenant.public_url.origin().ascii_serialization();
        if origin != own {
            return Err(ApiError::forbidden("cross-site request refused"));
        }
    }
    match presented {
        Some(t) if secrets_equal(t, expected) => Ok(()),
        _ => Err(ApiError::csrf()),
    }
}

/// Whose data a request reads: the logged-in resident, or the child they act for. The right to
/// act for a child is checked again on every request: it ends when parental responsibility
/// ends or the child turns 18.
pub struct Acting {
    /// The logged-in resident.
    pub me: Resident,
    /// The resident whose data is read (`me` unless acting for a child).
    pub subject: Resident,
}

impl Acting {
    pub fn as_guardian(&self) -> bool {
        self.me.id != self.subject.id
    }
}

impl FromRequestParts<AppState> for Acting {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ResidentSession { session, .. } =
            ResidentSession::from_request_parts(parts, state).await?;
        let store = state.store();
        let me = store.get_resident(session.resident_id).await?;
        let Some(child_id) = session.acting_for else {
            return Ok(Self {
                subject: me.clone(),
                me,
            });
        };
        let child = store.get_resident(child_id).await?;
        if may_act_for(state, &me, &child).await? {
            return Ok(Self { me, subject: child });
        }
        store.set_acting_for(session.id, None).await?;
        Err(ApiError::forbidden(
            "you can no longer act for this child; you now act for yourself again",
        ))
    }
}

/// A guardian may act for a child under 18 they have parental responsibility for.
pub(crate) async fn may_act_for(
    state: &AppState,
    guardian: &Resident,
    child: &Resident,
) -> Result<bool, ApiError> {
    let today = lifephase::today_in_oslo(state.now());
    let minor = lifephase::age_on(child.pid.birth_date(), today) < 18;
    Ok(minor
        && guardian.kommunenummer == child.kommunenummer
        && state.store().is_guardian(guardian.id, child.id).await?)
}
