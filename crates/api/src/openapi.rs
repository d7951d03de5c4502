//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MinSide API",
        description = "Resident portal backend for Norwegian municipalities. Errors are \
                       application/problem+json (RFC 9457).",
        license(name = "MIT OR Apache-2.0")
    ),
    tags(
        (name = "auth", description = "Resident login and logout (OpenID Connect, ID-porten)"),
        (name = "admin", description = "Caseworkers: login through the municipality's employee \
                                        identity provider, session, audit trail, notice rules, \
                                        plans, services"),
        (name = "me", description = "The logged-in resident's own data"),
        (name = "notices", description = "The resident's notice inbox and notice preferences"),
        (name = "plans", description = "Land-use plans and consultations: public plans, plans \
                                        near you, comments"),
        (name = "services", description = "The municipality's service catalogue: themes, \
                                           search, services in your language, services for \
                                           your phase of life"),
        (name = "statistics", description = "Public statistics (KOSTRA): datasets and \
                                             comparisons with other municipalities, the KOSTRA \
                                             group and the country"),
        (name = "health", description = "Liveness, readiness and metrics"),
        (name = "web", description = "Plain HTML pages")
    )
)]
pub struct ApiDoc;
