//! The municipal service catalogue: services keyed by `(kommunenummer, service_id)`.
//!
//! The store keeps a service's body as JSON (`content`, the `minside-services` model
//! serialised) beside the few columns it queries: the theme (`top/sub`, e.g.
//! `barn-og-familie/barnehage`) and the publication status. Typing, validation, language
//! fallback and search live in `minside-services`; the store does not depend on it.

use std::collections::BTreeSet;

use async_trait::async_trait;
use jiff::Timestamp;
use minside_core::Kommunenummer;

use crate::{Result, StoreError};

text_enum!(
    /// Whether residents see a service: `published` ones are public, `draft`s are being
    /// written, `archived` ones are kept but no longer offered.
    ServiceStatus { Published = "published", Draft = "draft", Archived = "archived" }
);

/// The fields of a service a caseworker or an import sets.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceFields {
    /// The service's slug (`barnehageplass`), unique within the municipality.
    pub service_id: String,
    /// The second-level theme, `top/sub`.
    pub theme: String,
    pub status: ServiceStatus,
    /// The service as a JSON object (`minside-services`' model).
    pub content: serde_json::Value,
}

/// A stored service. `version` starts at 1 and grows with every change, for optimistic
/// concurrency (and as an ETag).
#[derive(Clone, Debug, PartialEq)]
pub struct StoredService {
    pub kommunenummer: Kommunenummer,
    pub fields: ServiceFields,
    pub version: i64,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_by: String,
    pub updated_at: Timestamp,
}

/// Which services [`ServiceStore::list_services`] returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServiceFilter<'a> {
    /// A theme or a top-level theme: `barn-og-familie` matches `barn-og-familie/barnehage`
    /// (whole path segments only: `barn` does not), `barn-og-familie/barnehage` itself only.
    pub theme: Option<&'a str>,
    /// `false`: published services only (the public catalogue); `true`: every status, drafts
    /// and archived services included (the caseworkers' list).
    pub include_drafts: bool,
}

/// What [`ServiceStore::replace_catalogue`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CatalogueReplaced {
    /// New services (version 1).
    pub created: u64,
    /// Services whose theme, status or content changed (version + 1).
    pub updated: u64,
    /// Services given exactly as stored (not rewritten; version and times kept).
    pub unchanged: u64,
    /// Services of the tenant that were not given, deleted.
    pub deleted: u64,
}

/// The municipality's service catalogue.
#[async_trait]
pub trait ServiceStore {
    /// Stores a new service, version 1; [`Conflict`](StoreError::Conflict) (`services_pkey`)
    /// when `(k, service_id)` exists, [`Invalid`](StoreError::Invalid) (a `services_*_check`)
    /// for an empty id or theme or content that is not a JSON object.
    async fn create_service(
        &self,
        k: &Kommunenummer,
        fields: &ServiceFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredService>;
    /// Replaces theme, status and content (the id stays) when the stored version is
    /// `expected_version`, else [`Conflict`](StoreError::Conflict) (`services_version`) and
    /// nothing changes; [`NotFound`](StoreError::NotFound) when absent or another tenant's.
    async fn update_service(
        &self,
        k: &Kommunenummer,
        service_id: &str,
        expected_version: i64,
        fields: &ServiceFields,
        by: &str,
        now: Timestamp,
    ) -> Result<StoredService>;
    /// The service of tenant `k`, whatever its status; [`NotFound`](StoreError::NotFound) also
    /// for another tenant's.
    async fn get_service(&self, k: &Kommunenummer, service_id: &str) -> Result<StoredService>;
    /// Services of `k` matching `filter`, ordered by theme, then id.
    async fn list_services(
        &self,
        k: &Kommunenummer,
        filter: ServiceFilter<'_>,
    ) -> Result<Vec<StoredService>>;
    /// Makes `items` the tenant's whole catalogue in one transaction (all or nothing), for
    /// seeding and import: new ids are created, changed ones updated (version + 1), unchanged
    /// ones left as they are, and services not given are deleted. Running it twice with the
    /// same items changes nothing the second time. [`Invalid`](StoreError::Invalid)
    /// (`services_service_id_unique`) when an id is given twice.
    async fn replace_catalogue(
        &self,
        k: &Kommunenummer,
        items: &[ServiceFields],
        by: &str,
        now: Timestamp,
    ) -> Result<CatalogueReplaced>;
}

/// For the backends: refuses a catalogue naming a service twice.
pub fn check_distinct_ids(items: &[ServiceFields]) -> Result<()> {
    let mut seen = BTreeSet::new();
    if items.iter().all(|s| seen.insert(s.service_id.as_str())) {
        Ok(())
    } else {
        Err(StoreError::Invalid("services_service_id_unique".into()))
    }
}

/// For the backends: whether a theme matches [`ServiceFilter::theme`] as a path prefix; the
/// SQL of both backends does the same (`theme = ? OR theme LIKE ? || '/%'` without wildcards).
pub fn theme_matches(theme: &str, wanted: &str) -> bool {
    theme == wanted
        || theme
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theme_prefix_matches_whole_segments() {
        assert!(theme_matches(
            "barn-og-familie/barnehage",
            "barn-og-familie"
        ));
        assert!(theme_matches(
            "barn-og-familie/barnehage",
            "barn-og-familie/barnehage"
        ));
        assert!(!theme_matches("barn-og-familie/barnehage", "barn"));
        assert!(!theme_matches(
            "barn-og-familie",
            "barn-og-familie/barnehage"
        ));
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let item = |id: &str| ServiceFields {
            service_id: id.into(),
            theme: "a/b".into(),
            status: ServiceStatus::Draft,
            content: serde_json::json!({}),
        };
        assert!(check_distinct_ids(&[item("sfo"), item("tt-kort")]).is_ok());
        assert!(matches!(
            check_distinct_ids(&[item("sfo"), item("sfo")]),
            Err(StoreError::Invalid(_))
        ));
    }
}
