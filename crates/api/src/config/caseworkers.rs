//! A tenant's employee identity provider for caseworker login: the `[caseworkers]` section of
//! its tenant file.
//!
//! ```toml
//! [caseworkers]
//! issuer = "https://login.microsoftonline.com/<directory id>/v2.0"   # or "dev-idp" in dev
//! client_id = "..."
//! client_secret = "..."      # or MINSIDE_TENANT_<kommunenummer>__CASEWORKERS__CLIENT_SECRET
//! scopes = ["openid", "profile", "email"]
//! tenant_claim = "tid"       # optional: only employees whose `tid` is tenant_value
//! tenant_value = "<directory id>"
//! # acr_values = "..."       # optional: requested, and the ID token's acr must be one of them
//! [caseworkers.roles]        # the provider's `roles` values -> MinSide roles
//! "MinSide.NoticeEditor" = "notice-editor"
//! "MinSide.PlanManager" = "plan-manager"
//! "MinSide.ServiceEditor" = "service-editor"
//! "MinSide.Admin" = "admin"  # admin holds every role
//! ```
//!
//! The production profile refuses the development provider, the shipped development secret,
//! placeholders and plain-HTTP issuers, like it does for ID-porten.

use std::collections::BTreeMap;

use minside_core::Kommunenummer;
use minside_store::Role;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::{ConfigError, Profile, Settings};

/// `issuer` naming the development identity provider this server runs (dev profile only).
pub const DEV_IDP_ISSUER: &str = "dev-idp";
/// The caseworker client secret shipped in the demo tenant file; refused in production.
const DEV_CASEWORKER_SECRET: &str = "dev-only-caseworker-secret-change-me";

fn default_scopes() -> Vec<String> {
    ["openid", "profile", "email"].map(String::from).to_vec()
}

/// How MinSide is registered with a tenant's employee identity provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseworkerIdpConfig {
    /// The issuer exactly as the provider publishes it, or `dev-idp` for the development
    /// identity provider of this server (dev profile only).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The provider's role values (the `roles` claim) and the MinSide role each gives.
    pub roles: BTreeMap<String, Role>,
    /// A claim every employee's ID token must carry with `tenant_value` (Entra: `tid`).
    pub tenant_claim: Option<String>,
    pub tenant_value: Option<String>,
    /// Space-separated `acr_values` to request and accept; none by default.
    pub acr_values: Option<String>,
}

impl CaseworkerIdpConfig {
    /// Whether this tenant's employees log in at the development identity provider.
    pub fn uses_dev_idp(&self) -> bool {
        self.issuer == DEV_IDP_ISSUER
    }

    /// Whether caseworkers can log in with this section: `dev-idp` needs the development
    /// identity provider running (`dev_idp.enabled`); without it the dev profile starts with
    /// caseworker login off for the tenant.
    pub fn is_available(&self, settings: &Settings) -> bool {
        !self.uses_dev_idp() || settings.dev_idp.enabled
    }

    /// The issuer to trust: `dev-idp` resolves to the development identity provider's issuer.
    pub fn issuer(&self, settings: &Settings) -> String {
        if self.uses_dev_idp() {
            settings.idporten.issuer.clone()
        } else {
            self.issuer.clone()
        }
    }

    /// Refuses an unusable section, and in production anything meant for development.
    pub fn check(&self, k: &Kommunenummer, settings: &Settings) -> Result<(), ConfigError> {
        let refuse = |m: &str| Err(ConfigError::Refused(format!("tenant {k}: caseworkers.{m}")));
        if self.client_id.trim().is_empty() {
            return refuse("client_id is empty");
        }
        if self.roles.is_empty() {
            return refuse("roles maps no provider role to a MinSide role; nobody could log in");
        }
        if self.tenant_claim.is_some() != self.tenant_value.is_some() {
            return refuse("tenant_claim and tenant_value go together");
        }
        if self.uses_dev_idp() {
            if settings.profile != Profile::Dev {
                return refuse(
                    "issuer is the development identity provider (dev-idp), which only the dev \
                     profile has; give the municipality's employee identity provider",
                );
            }
            return Ok(());
        }
        let url = match Url::parse(&self.issuer) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => return refuse("issuer must be an http(s) URL or dev-idp"),
        };
        if settings.profile == Profile::Dev {
            return Ok(());
        }
        if url.scheme() != "https" || url.path().starts_with("/dev-idp") {
            return refuse("issuer must be the employee identity provider's https issuer");
        }
        let secret = self.client_secret.expose_secret();
        if secret == DEV_CASEWORKER_SECRET || secret.starts_with("set-me") || secret.len() < 16 {
            return refuse(&format!(
                "client_secret is a default or placeholder value (or shorter than 16 \
                 characters); give the real secret in \
                 MINSIDE_TENANT_{k}__CASEWORKERS__CLIENT_SECRET"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use figment::Figment;
    use figment::providers::{Format, Serialized, Toml};

    use super::*;

    const DEMO: &str = include_str!("../../../../config/tenants/3203.toml");

    fn demo() -> CaseworkerIdpConfig {
        Figment::from(Toml::string(DEMO))
            .extract_inner("caseworkers")
            .unwrap()
    }

    fn asker() -> Kommunenummer {
        Kommunenummer::parse("3203").unwrap()
    }

    fn production() -> Settings {
        Settings::defaults()
            .merge(Serialized::default("profile", "production"))
            .merge(Serialized::default("dev_idp.enabled", false))
            .extract()
            .unwrap()
    }

    fn entra() -> CaseworkerIdpConfig {
        CaseworkerIdpConfig {
            issuer: "https://login.microsoftonline.com/0000/v2.0".into(),
            client_secret: SecretString::from("a-real-secret-of-some-length"),
            ..demo()
        }
    }

    #[test]
    fn the_demo_tenant_maps_the_three_roles_and_checks_the_directory() {
        let c = demo();
        assert!(c.uses_dev_idp());
        assert_eq!(c.roles.get("MinSide.Admin"), Some(&Role::Admin));
        assert_eq!(
            c.roles.get("MinSide.NoticeEditor"),
            Some(&Role::NoticeEditor)
        );
        assert_eq!(c.roles.get("MinSide.PlanManager"), Some(&Role::PlanManager));
        assert_eq!(c.tenant_claim.as_deref(), Some("tid"));
        let dev = Settings::from_figment(Settings::defaults()).unwrap();
        c.check(&asker(), &dev).unwrap();
        assert_eq!(c.issuer(&dev), dev.idporten.issuer);
        assert!(c.is_available(&dev));
        let without_dev_idp = Settings {
            dev_idp: super::super::DevIdpSettings { enabled: false },
            ..dev
        };
        c.check(&asker(), &without_dev_idp).unwrap();
        assert!(
            !c.is_available(&without_dev_idp),
            "caseworker login is off, not refused"
        );
    }

    #[test]
    fn production_refuses_the_dev_provider_and_secret_without_printing_it() {
        let settings = production();
        let err = demo().check(&asker(), &settings).unwrap_err().to_string();
        assert!(err.contains("dev-idp"), "{err}");
        let dev_secret = CaseworkerIdpConfig {
            client_secret: SecretString::from(DEV_CASEWORKER_SECRET),
            ..entra()
        };
        let err = dev_secret
            .check(&asker(), &settings)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("MINSIDE_TENANT_3203__CASEWORKERS__CLIENT_SECRET"),
            "{err}"
        );
        assert!(
            !err.contains(DEV_CASEWORKER_SECRET),
            "the secret is never printed: {err}"
        );
        let http = CaseworkerIdpConfig {
            issuer: "http://login.example/v2.0".into(),
            ..entra()
        };
        assert!(http.check(&asker(), &settings).is_err());
        entra().check(&asker(), &settings).unwrap();
        assert!(
            !format!("{:?}", entra()).contains("a-real-secret"),
            "Debug hides it"
        );
    }

    #[test]
    fn a_section_nobody_could_use_is_refused() {
        let dev = Settings::from_figment(Settings::defaults()).unwrap();
        let no_roles = CaseworkerIdpConfig {
            roles: BTreeMap::new(),
            ..demo()
        };
        assert!(no_roles.check(&asker(), &dev).is_err());
        let half_claim = CaseworkerIdpConfig {
            tenant_value: None,
            ..demo()
        };
        assert!(half_claim.check(&asker(), &dev).is_err());
        let bad_role: Result<CaseworkerIdpConfig, _> = Figment::from(Toml::string(
            "issuer = \"dev-idp\"\nclient_id = \"x\"\nclient_secret = \"y\"\n\
             [roles]\n\"A\" = \"superuser\"\n",
        ))
        .extract();
        assert!(bad_role.is_err(), "unknown MinSide roles are refused");
    }
}
