//! The employee directory profile (Entra ID style): the claims of an employee's ID token and
//! userinfo answer.
//!
//! An employee's ID token carries `iss`, `aud`, `sub` (pairwise per client, as Entra's),
//! `iat`, `exp`, `auth_time`, `nonce`, `at_hash`, `oid` (stable across clients), `tid` (the
//! directory), `roles` (application role values), `name`, `preferred_username`, `email` and
//! `sid`. There is no `pid` and no `acr`.

use chrono::{DateTime, TimeDelta, Utc};
use openidconnect::core::CoreGenderClaim;
use openidconnect::{
    AdditionalClaims, Audience, EndUserEmail, EndUserName, EndUserUsername, IdTokenClaims,
    LocalizedClaim, Nonce, StandardClaims, SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::DevEmployee;
use crate::protocol::pairwise_subject;
use crate::provider::Provider;
use crate::state::{CodeGrant, ID_TOKEN_SECONDS};

/// The directory claims OpenID Connect Core does not define.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct EmployeeClaims {
    pub(crate) oid: String,
    pub(crate) tid: String,
    pub(crate) roles: Vec<String>,
    pub(crate) sid: String,
}

impl AdditionalClaims for EmployeeClaims {}

/// The ID token claims for an employee who logged in at `client_id`.
pub(crate) fn id_token_claims(
    provider: &Provider,
    client_id: &str,
    grant: &CodeGrant,
    employee: &DevEmployee,
    issued_at: DateTime<Utc>,
) -> IdTokenClaims<EmployeeClaims, CoreGenderClaim> {
    let subject = pairwise_subject(client_id, &employee.oid);
    let mut name = LocalizedClaim::new();
    name.insert(None, EndUserName::new(employee.name.clone()));
    let standard = StandardClaims::<CoreGenderClaim>::new(SubjectIdentifier::new(subject))
        .set_name(Some(name))
        .set_preferred_username(Some(EndUserUsername::new(employee.username.clone())))
        .set_email(Some(EndUserEmail::new(employee.username.clone())));
    IdTokenClaims::new(
        provider.issuer_url.clone(),
        vec![Audience::new(client_id.to_owned())],
        issued_at + TimeDelta::seconds(ID_TOKEN_SECONDS),
        issued_at,
        standard,
        EmployeeClaims {
            oid: employee.oid.clone(),
            tid: employee.tid.clone(),
            roles: employee.roles.clone(),
            sid: grant.sid.clone(),
        },
    )
    .set_auth_time(Some(grant.auth_time))
    .set_nonce(Some(Nonce::new(grant.nonce.clone())))
}

/// The userinfo answer for an employee's access token.
pub(crate) fn userinfo(client_id: &str, employee: &DevEmployee) -> serde_json::Value {
    json!({
        "sub": pairwise_subject(client_id, &employee.oid),
        "oid": employee.oid,
        "tid": employee.tid,
        "roles": employee.roles,
        "name": employee.name,
        "preferred_username": employee.username,
        "email": employee.username,
    })
}
