//! The one HTTP error type: every failure a client sees is `application/problem+json`
//! (RFC 9457). Internal causes are logged and never shown.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minside_auth::AuthError;
use minside_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Problem details as sent to clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:minside:problem:<slug>`; stable, for programs.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, stable summary of the problem type.
    pub title: String,
    pub status: u16,
    /// What went wrong in this case; safe to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields in error, each named by a JSON pointer (RFC 6901) into the request body.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

/// One invalid field of a request body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldProblem {
    /// JSON pointer to the field, e.g. `/content/nb/title`.
    pub pointer: String,
    /// What is wrong with it; safe to show.
    pub detail: String,
}

/// The field errors of the feature crates, as problem details.
macro_rules! field_problem_from {
    ($($t:ty),*) => {$(
        impl From<$t> for FieldProblem {
            fn from(e: $t) -> Self {
                FieldProblem {
                    pointer: e.pointer,
                    detail: e.message,
                }
            }
        }
    )*};
}

field_problem_from!(
    minside_plans::FieldError,
    minside_notices::FieldError,
    minside_services::FieldError
);

/// An error on its way to becoming a problem+json response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: Option<String>,
    errors: Vec<FieldProblem>,
    /// Logged, never sent.
    internal: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, slug: &'static str, title: &'static str) -> Self {
        Self {
            status,
            slug,
            title,
            detail: None,
            errors: Vec::new(),
            internal: None,
        }
    }

    /// Names the invalid fields (JSON pointers into the request body).
    pub fn with_errors(mut self, errors: Vec<FieldProblem>) -> Self {
        self.errors = errors;
        self
    }

    /// A `422` problem (`invalid-rule`, `invalid-plan`, ...) with each error at its JSON pointer.
    pub fn unprocessable<E: Into<FieldProblem>>(
        slug: &'static str,
        title: &'static str,
        errors: impl IntoIterator<Item = E>,
    ) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, slug, title)
            .with_detail("see errors: each names the field by a JSON pointer")
            .with_errors(errors.into_iter().map(Into::into).collect())
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request").with_detail(detail)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found")
    }

    pub fn unknown_tenant() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown-tenant",
            "Unknown municipality",
        )
        .with_detail("no municipality is served at this address")
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Login required",
        )
        .with_detail("log in at /auth/login")
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden").with_detail(detail)
    }

    pub fn csrf() -> Self {
        Self::new(StatusCode::FORBIDDEN, "csrf", "Missing or wrong CSRF token").with_detail(
            "state-changing requests need the X-CSRF-Token header from GET /api/v1/me/session",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
        )
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            "Request body too large",
        )
        .with_detail(format!("the request body may be at most {limit} bytes"))
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Temporarily unavailable",
        )
        .with_detail(detail)
    }

    /// A server fault: the cause is logged, the client gets a generic text.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        );
        e.internal = Some(cause.to_string());
        e
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.internal {
            tracing::error!(status = self.status.as_u16(), %cause, "request failed");
        } else if self.status.is_server_error() {
            tracing::warn!(
                status = self.status.as_u16(),
                problem = self.slug,
                "request failed"
            );
        } else {
            tracing::debug!(
                status = self.status.as_u16(),
                problem = self.slug,
                "request refused"
            );
        }
        let body = Problem {
            kind: format!("urn:minside:problem:{}", self.slug),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail,
            errors: self.errors,
        };
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::not_found(),
            other => Self::internal(other),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        use AuthError as A;
        let login = |status, slug, title| Self::new(status, slug, title).with_detail(e.to_string());
        match &e {
            A::InvalidRequest(_) => login(
                StatusCode::BAD_REQUEST,
                "login-invalid",
                "Invalid login request",
            ),
            A::UnknownState | A::StateMismatch => login(
                StatusCode::BAD_REQUEST,
                "login-state",
                "Invalid login state",
            ),
            A::IssuerMismatch => login(StatusCode::BAD_REQUEST, "login-issuer", "Wrong issuer"),
            A::ProviderRefused(_) => login(
                StatusCode::UNAUTHORIZED,
                "login-refused",
                "Login was not completed",
            ),
            A::CodeRejected(_) => login(
                StatusCode::BAD_REQUEST,
                "login-code",
                "Authorization code rejected",
            ),
            A::InvalidIdToken(_) => {
                login(StatusCode::UNAUTHORIZED, "login-token", "ID token rejected")
            }
            A::InsufficientLevel { .. } => login(
                StatusCode::UNAUTHORIZED,
                "login-level",
                "Assurance level too low",
            ),
            A::InvalidPid(_) | A::MissingPid => login(
                StatusCode::UNAUTHORIZED,
                "login-pid",
                "Identity number rejected",
            ),
            A::AccessDenied(_) => {
                login(StatusCode::FORBIDDEN, "login-denied", "Login not permitted")
            }
            A::Unavailable(cause) => {
                tracing::warn!(%cause, "identity provider unavailable");
                Self::unavailable("the identity provider cannot be reached; try again shortly")
            }
            A::Store(_) => Self::internal(e),
        }
    }
}
