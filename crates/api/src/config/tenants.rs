//! Tenants (municipalities) served by this deployment, from `config/tenants/*.toml`, and the
//! request-host lookup that picks one.

use std::collections::HashMap;
use std::path::Path;

use minside_core::Kommunenummer;
use serde::Deserialize;
use url::Url;

use super::{CaseworkerIdpConfig, ConfigError, Profile, Settings};

/// The demo tenant compiled in for the dev profile when no tenant files are found.
const DEMO_TENANT: &str = include_str!("../../../../config/tenants/3203.toml");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantFile {
    kommunenummer: String,
    name: String,
    #[serde(default)]
    hosts: Vec<String>,
    public_url: Option<Url>,
    caseworkers: Option<CaseworkerIdpConfig>,
    #[serde(default)]
    former_kommunenummer: Vec<String>,
    kostra_group: Option<String>,
}

/// One municipality as configured.
#[derive(Debug, Clone)]
pub struct TenantConfig {
    pub kommunenummer: Kommunenummer,
    pub name: String,
    pub hosts: Vec<String>,
    /// Base URL residents of this tenant use; defaults to `server.public_url`.
    pub public_url: Url,
    /// The employee identity provider for caseworker login; none: no caseworker login here.
    pub caseworkers: Option<CaseworkerIdpConfig>,
    /// Numbers this municipality had before mergers and renumberings (Asker: 3025, 0220, 0627,
    /// 0628). National plan ids keep the number the plan was made under, so plan imports
    /// accept these as this tenant's own.
    pub former_kommunenummer: Vec<String>,
    /// The municipality's KOSTRA comparison group in SSB's region codes (`EKG` and two digits,
    /// e.g. `EKG17`; SSB KLASS 112), shown beside it in statistics comparisons.
    pub kostra_group: Option<String>,
}

impl TenantConfig {
    /// Whether `number` (from an import) names this municipality, now or before a merger.
    pub fn is_own_number(&self, number: &str) -> bool {
        number == self.kommunenummer.as_str()
            || self.former_kommunenummer.iter().any(|f| f == number)
    }
}

/// All configured tenants, looked up by request host.
#[derive(Debug, Clone)]
pub struct TenantRegistry {
    tenants: Vec<TenantConfig>,
    by_host: HashMap<String, usize>,
    default: Option<usize>,
}

impl TenantRegistry {
    /// Reads every `*.toml` in `tenants.dir`; in the dev profile an empty or missing directory
    /// falls back to the compiled-in demo tenant 3203 Asker.
    pub fn load(settings: &Settings) -> Result<Self, ConfigError> {
        let mut files = read_dir(&settings.tenants.dir)?;
        if files.is_empty() && settings.profile == Profile::Dev {
            files.push(("3203.toml (built in)".into(), DEMO_TENANT.to_owned()));
        }
        let mut parsed = Vec::new();
        for (name, text) in files {
            let file: TenantFile = toml_from_str(&text)
                .map_err(|e| ConfigError::Load(format!("tenant file {name}: {e}")))?;
            parsed.push(file);
        }
        let registry = Self::build(
            parsed,
            settings.tenants.default.as_deref(),
            &settings.server.public_url,
        )?;
        for t in &registry.tenants {
            if let Some(c) = &t.caseworkers {
                c.check(&t.kommunenummer, settings)?;
            }
        }
        Ok(registry)
    }

    fn build(
        files: Vec<TenantFile>,
        default: Option<&str>,
        public_url: &Url,
    ) -> Result<Self, ConfigError> {
        let mut tenants = Vec::new();
        let mut by_host = HashMap::new();
        for file in files {
            let k = Kommunenummer::parse(&file.kommunenummer)
                .map_err(|e| ConfigError::Load(format!("tenant {}: {e}", file.kommunenummer)))?;
            if tenants.iter().any(|t: &TenantConfig| t.kommunenummer == k) {
                return Err(ConfigError::Load(format!("tenant {k} is configured twice")));
            }
            for host in &file.hosts {
                let host = host.to_ascii_lowercase();
                if by_host.insert(host.clone(), tenants.len()).is_some() {
                    return Err(ConfigError::Load(format!(
                        "host {host} belongs to two tenants"
                    )));
                }
            }
            if let Some(bad) = file
                .former_kommunenummer
                .iter()
                .find(|f| f.len() != 4 || !f.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(ConfigError::Load(format!(
                    "tenant {k}: former_kommunenummer {bad:?} is not four digits"
                )));
            }
            if let Some(group) = file.kostra_group.as_deref().filter(|g| !is_kostra_group(g)) {
                return Err(ConfigError::Load(format!(
                    "tenant {k}: kostra_group {group:?} is not EKG and two digits (e.g. EKG17)"
                )));
            }
            tenants.push(TenantConfig {
                kommunenummer: k,
                name: file.name,
                hosts: file.hosts,
                public_url: file.public_url.unwrap_or_else(|| public_url.clone()),
                caseworkers: file.caseworkers,
                former_kommunenummer: file.former_kommunenummer,
                kostra_group: file.kostra_group,
            });
        }
        let default = match default {
            None | Some("") => None,
            Some(d) => Some(
                tenants
                    .iter()
                    .position(|t| t.kommunenummer.as_str() == d)
                    .ok_or_else(|| {
                        ConfigError::Load(format!("default tenant {d} is not configured"))
                    })?,
            ),
        };
        if tenants.is_empty() {
            return Err(ConfigError::Load("no tenants configured".into()));
        }
        Ok(Self {
            tenants,
            by_host,
            default,
        })
    }

    /// The tenant for a `Host` header value (port ignored), else the default tenant.
    pub fn for_host(&self, host: Option<&str>) -> Option<&TenantConfig> {
        let name = host.map(|h| strip_port(h).to_ascii_lowercase());
        name.and_then(|h| self.by_host.get(&h).copied())
            .or(self.default)
            .map(|i| &self.tenants[i])
    }

    pub fn get(&self, k: &Kommunenummer) -> Option<&TenantConfig> {
        self.tenants.iter().find(|t| t.kommunenummer == *k)
    }

    pub fn all(&self) -> &[TenantConfig] {
        &self.tenants
    }
}

/// `EKG` and two digits, as SSB writes a KOSTRA group in its region dimension.
fn is_kostra_group(code: &str) -> bool {
    code.strip_prefix("EKG")
        .is_some_and(|n| n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // IPv6 literal: "[::1]:8080"
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

fn read_dir(dir: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ConfigError::Load(format!("{}: {e}", path.display())))?;
            out.push((path.display().to_string(), text));
        }
    }
    out.sort();
    Ok(out)
}

/// A tenant file, with `MINSIDE_TENANT_<kommunenummer>__SECTION__KEY` environment variables on
/// top (for secrets, e.g. `MINSIDE_TENANT_3203__CASEWORKERS__CLIENT_SECRET`).
fn toml_from_str(text: &str) -> Result<TenantFile, String> {
    use figment::providers::{Env, Format, Toml};
    let file = figment::Figment::from(Toml::string(text));
    let k: String = file
        .extract_inner("kommunenummer")
        .map_err(|e| e.to_string())?;
    file.merge(Env::prefixed(&format!("MINSIDE_TENANT_{k}__")).split("__"))
        .extract()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn file(k: &str, hosts: &[&str]) -> TenantFile {
        TenantFile {
            kommunenummer: k.into(),
            name: format!("Kommune {k}"),
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            public_url: None,
            caseworkers: None,
            former_kommunenummer: Vec::new(),
            kostra_group: None,
        }
    }

    fn base() -> Url {
        Url::parse("https://minside.example").unwrap()
    }

    #[test]
    fn host_picks_tenant_and_default_covers_the_rest() {
        let r = TenantRegistry::build(
            vec![
                file("3203", &["asker.example"]),
                file("3201", &["baerum.example"]),
            ],
            Some("3203"),
            &base(),
        )
        .unwrap();
        assert_eq!(
            r.for_host(Some("BAERUM.example:443"))
                .unwrap()
                .kommunenummer
                .as_str(),
            "3201"
        );
        assert_eq!(
            r.for_host(Some("other.example"))
                .unwrap()
                .kommunenummer
                .as_str(),
            "3203"
        );
        assert_eq!(r.for_host(None).unwrap().kommunenummer.as_str(), "3203");
    }

    #[test]
    fn without_default_an_unknown_host_has_no_tenant() {
        let r =
            TenantRegistry::build(vec![file("3203", &["asker.example"])], None, &base()).unwrap();
        assert!(r.for_host(Some("evil.example")).is_none());
        assert!(r.for_host(Some("[::1]:8080")).is_none());
    }

    #[test]
    fn invalid_or_duplicate_tenants_are_refused() {
        assert!(TenantRegistry::build(vec![file("9999", &[])], None, &base()).is_err());
        assert!(
            TenantRegistry::build(
                vec![file("3203", &["a"]), file("3201", &["a"])],
                None,
                &base()
            )
            .is_err()
        );
        assert!(TenantRegistry::build(vec![file("3203", &[])], Some("3201"), &base()).is_err());
    }

    #[test]
    fn the_shipped_demo_tenant_parses() {
        let f = toml_from_str(DEMO_TENANT).unwrap();
        assert_eq!(f.kommunenummer, "3203");
        assert_eq!(f.kostra_group.as_deref(), Some("EKG17"));
    }

    #[test]
    fn a_kostra_group_must_be_ekg_and_two_digits() {
        let with = |g: &str| TenantFile {
            kostra_group: Some(g.to_owned()),
            ..file("3203", &[])
        };
        let r = TenantRegistry::build(vec![with("EKG07")], None, &base()).unwrap();
        assert_eq!(r.all()[0].kostra_group.as_deref(), Some("EKG07"));
        for bad in ["EKG7", "EKG123", "ekg17", "EKGab", "EAK", "17", ""] {
            let e = TenantRegistry::build(vec![with(bad)], None, &base()).unwrap_err();
            assert!(e.to_string().contains("kostra_group"), "{bad:?}: {e}");
        }
    }
}
