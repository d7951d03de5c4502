//! The service catalogue at the HTTP edge: each tenant's published catalogue read from the
//! store, validated and indexed once and kept for `services.cache_seconds`; the views residents
//! get in their language; the links from notices and overview records to services; and the
//! demo municipality's catalogue.
//!
//! The store keeps a service as the draft a caseworker sent (`ServiceDraft` JSON); typing,
//! validation, language fallback, search and relevance are `minside-services`'. A stored
//! service that no longer validates (e.g. its theme left the tree) is left out of the public
//! catalogue with a warning, never served half-checked.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use jiff::civil::Date;
use minside_core::Kommunenummer;
use minside_services::deadline::format_day;
use minside_services::{
    FieldError, Index, Lang, Service, ServiceDraft, ThemeTree, resolve, validate, wanted_languages,
};
use minside_store::{
    ServiceFields, ServiceFilter, ServiceStatus, Store, StoreError, StoredService,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::ConfigError;
use crate::error::{ApiError, FieldProblem};

/// A published service with its store version.
pub struct Entry {
    pub service: Service,
    pub version: i64,
}

/// A tenant's published catalogue, validated and indexed.
pub struct Catalogue {
    /// By theme, then bokmål title.
    pub entries: Vec<Entry>,
    pub index: Index,
}

impl Catalogue {
    fn build(stored: Vec<StoredService>) -> Catalogue {
        let mut entries: Vec<Entry> = stored
            .into_iter()
            .filter_map(|s| match service_of(&s.fields.content) {
                Ok(service) => Some(Entry {
                    service,
                    version: s.version,
                }),
                Err(errors) => {
                    tracing::warn!(
                        service_id = %s.fields.service_id,
                        errors = errors.len(),
                        "a stored service no longer validates; left out of the catalogue"
                    );
                    None
                }
            })
            .collect();
        entries.sort_by(|a, b| {
            (a.service.theme.to_string(), &a.service.texts.nb.title)
                .cmp(&(b.service.theme.to_string(), &b.service.texts.nb.title))
        });
        let services: Vec<Service> = entries.iter().map(|e| e.service.clone()).collect();
        Catalogue {
            index: Index::build(&services),
            entries,
        }
    }

    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.service.id.as_str() == id)
    }

    pub fn services(&self) -> Vec<Service> {
        self.entries.iter().map(|e| e.service.clone()).collect()
    }

    /// Services that follow on from records of `category` in the overview.
    pub fn for_record_category(&self, category: &str) -> impl Iterator<Item = &Service> {
        self.entries
            .iter()
            .map(|e| &e.service)
            .filter(move |s| s.record_categories.iter().any(|c| c == category))
    }
}

/// The stored draft of a service, validated into the model.
pub fn service_of(content: &serde_json::Value) -> Result<Service, Vec<FieldError>> {
    let draft: ServiceDraft = serde_json::from_value(content.clone())
        .map_err(|e| vec![FieldError::new("", e.to_string())])?;
    validate(&draft, &ThemeTree::municipal())
}

/// Each tenant's published catalogue, read again after the configured time or when a change
/// through this instance drops it.
#[derive(Default)]
pub struct CatalogueCache {
    tenants: Mutex<HashMap<Kommunenummer, (Instant, Arc<Catalogue>)>>,
}

impl CatalogueCache {
    pub async fn get(
        &self,
        store: &dyn Store,
        k: &Kommunenummer,
        max_age: Duration,
    ) -> Result<Arc<Catalogue>, StoreError> {
        if let Some((at, c)) = self.lock().get(k)
            && at.elapsed() < max_age
        {
            return Ok(c.clone());
        }
        let stored = store
            .list_services(
                k,
                ServiceFilter {
                    theme: None,
                    include_drafts: false,
                },
            )
            .await?;
        let catalogue = Arc::new(Catalogue::build(stored));
        self.lock().insert(*k, (Instant::now(), catalogue.clone()));
        Ok(catalogue)
    }

    /// Forgets the tenant's copy (after a change through this instance).
    pub fn invalidate(&self, k: &Kommunenummer) {
        self.lock().remove(k);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Kommunenummer, (Instant, Arc<Catalogue>)>> {
        self.tenants
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A 400 `invalid-query` problem naming the query parameter (`/lang`, `/theme`).
pub fn invalid_query(pointer: &str, detail: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "invalid-query",
        "Invalid query",
    )
    .with_detail(format!("{pointer}: {detail}"))
    .with_errors(vec![FieldProblem {
        pointer: pointer.to_owned(),
        detail: detail.to_owned(),
    }])
}

/// The reader's languages: a `?lang=` (which must be `nb`, `nn`, `en` or `se`) before the
/// `Accept-Language` header's.
pub fn languages(
    query: Option<&str>,
    accept_language: Option<&str>,
) -> Result<Vec<Lang>, ApiError> {
    if let Some(l) = query
        && Lang::parse(l).is_err()
    {
        return Err(invalid_query("/lang", "must be nb, nn, en or se"));
    }
    Ok(wanted_languages(query, accept_language))
}

/// A place in the theme tree with its labels in the reader's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThemeView {
    /// `top/sub`, e.g. `barn-og-familie/barnehage`.
    pub id: String,
    pub top: String,
    pub top_label: String,
    pub sub: String,
    pub sub_label: String,
}

impl ThemeView {
    fn new(service: &Service, lang: Lang) -> Self {
        let (top_label, sub_label) = ThemeTree::municipal()
            .get(&service.theme)
            .map(|(t, s)| (t.label.get(lang), s.label.get(lang)))
            .unwrap_or_default();
        Self {
            id: service.theme.to_string(),
            top: service.theme.top().to_owned(),
            top_label: top_label.to_owned(),
            sub: service.theme.sub().to_owned(),
            sub_label: sub_label.to_owned(),
        }
    }
}

/// A deadline's next day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineView {
    pub label: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The day as residents read it ("1. mars", "1 March").
    pub day_text: String,
    /// Days from today (0: today is the last day).
    pub days_left: i32,
}

fn deadlines(service: &Service, lang: Lang, today: Date) -> Vec<DeadlineView> {
    let mut out: Vec<DeadlineView> = service
        .deadlines
        .iter()
        .filter_map(|d| d.upcoming(today))
        .map(|u| DeadlineView {
            label: u.deadline.label.get(lang).to_owned(),
            date: u.date.to_string(),
            day_text: format_day(u.date, today.year(), lang),
            days_left: u.days_left,
        })
        .collect();
    out.sort_by_key(|d| d.days_left);
    out
}

/// A service in lists and search results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceSummary {
    pub id: String,
    pub theme: ThemeView,
    /// The language of title and summary.
    pub lang: String,
    pub title: String,
    pub summary: String,
    /// The next deadline, if any.
    pub next_deadline: Option<DeadlineView>,
    /// This service's detail in the API.
    pub href: String,
}

impl ServiceSummary {
    pub fn new(service: &Service, wanted: &[Lang], today: Date) -> Self {
        let texts = resolve(wanted, &service.texts);
        Self {
            id: service.id.to_string(),
            theme: ThemeView::new(service, texts.lang),
            lang: texts.lang.as_str().to_owned(),
            title: texts.title.to_owned(),
            summary: texts.summary.to_owned(),
            next_deadline: deadlines(service, texts.lang, today).into_iter().next(),
            href: href(service),
        }
    }
}

fn href(service: &Service) -> String {
    format!("/api/v1/services/{}", service.id)
}

/// Where to get help.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactView {
    pub unit: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub url: Option<String>,
}

/// A service in full, in the reader's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceDetail {
    #[serde(flatten)]
    pub summary: ServiceSummary,
    /// Markdown.
    pub body: String,
    pub eligibility: Option<String>,
    pub how_to_apply: Option<String>,
    /// Fields shown in bokmål because the translation lacks them (`body`, `eligibility`,
    /// `how_to_apply`): mark them `lang="nb"`.
    pub fallback_fields: Vec<String>,
    /// The languages the service is written in.
    pub languages: Vec<String>,
    pub apply_url: Option<String>,
    pub deadlines: Vec<DeadlineView>,
    pub contact: ContactView,
    /// Overview record categories this service follows on from.
    pub record_categories: Vec<String>,
    /// Notice categories that concern it.
    pub notice_categories: Vec<String>,
}

impl ServiceDetail {
    pub fn new(service: &Service, wanted: &[Lang], today: Date) -> Self {
        let texts = resolve(wanted, &service.texts);
        let fallback_fields = texts
            .fallbacks
            .iter()
            .filter_map(|f| serde_json::to_value(f.field).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let languages = [Lang::Nb, Lang::Nn, Lang::En, Lang::Se]
            .into_iter()
            .filter(|l| service.texts.get(*l).is_some())
            .map(|l| l.as_str().to_owned())
            .collect();
        let c = &service.contact;
        Self {
            summary: ServiceSummary::new(service, wanted, today),
            body: texts.body.to_owned(),
            eligibility: texts.eligibility.map(str::to_owned),
            how_to_apply: texts.how_to_apply.map(str::to_owned),
            fallback_fields,
            languages,
            apply_url: service.apply_url.as_ref().map(ToString::to_string),
            deadlines: deadlines(service, texts.lang, today),
            contact: ContactView {
                unit: c.unit.clone(),
                phone: c.phone.clone(),
                email: c.email.clone(),
                url: c.url.as_ref().map(ToString::to_string),
            },
            record_categories: service.record_categories.clone(),
            notice_categories: service.notice_categories.clone(),
        }
    }
}

/// A link to a service, from a notice or an overview category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceLink {
    pub id: String,
    pub title: String,
    pub lang: String,
    pub href: String,
}

impl ServiceLink {
    pub fn new(service: &Service, wanted: &[Lang]) -> Self {
        let texts = resolve(wanted, &service.texts);
        Self {
            id: service.id.to_string(),
            title: texts.title.to_owned(),
            lang: texts.lang.as_str().to_owned(),
            href: href(service),
        }
    }
}

/// The stored fields of a validated service.
pub fn fields_of(
    service: &Service,
    draft: serde_json::Value,
    status: ServiceStatus,
) -> ServiceFields {
    ServiceFields {
        service_id: service.id.to_string(),
        theme: service.theme.to_string(),
        status,
        content: draft,
    }
}

/// The demo municipality's catalogue (`minside-services`' illustrative Asker services), stored
/// as published when the tenant has no services yet. Returns how many were added.
pub(crate) async fn seed_demo_services(
    store: &dyn Store,
    k: &Kommunenummer,
    now: Timestamp,
) -> Result<usize, ConfigError> {
    let any = store
        .list_services(
            k,
            ServiceFilter {
                theme: None,
                include_drafts: true,
            },
        )
        .await
        .map_err(|e| ConfigError::Load(format!("demo services: {e}")))?;
    if !any.is_empty() {
        return Ok(0);
    }
    let items = demo_fields().map_err(|e| ConfigError::Load(format!("demo services: {e}")))?;
    let done = store
        .replace_catalogue(k, &items, "system:demo", now)
        .await
        .map_err(|e| ConfigError::Load(format!("demo services: {e}")))?;
    tracing::info!(kommunenummer = %k, services = done.created, "demo service catalogue added");
    Ok(usize::try_from(done.created).unwrap_or(usize::MAX))
}

/// The demo catalogue as store fields (each service's draft as written in the file).
pub fn demo_fields() -> Result<Vec<ServiceFields>, String> {
    let file: serde_json::Value =
        serde_json::from_str(minside_services::catalogue::DEMO_JSON).map_err(|e| e.to_string())?;
    let drafts = file
        .get("services")
        .and_then(|s| s.as_array())
        .ok_or("no services array")?;
    drafts
        .iter()
        .map(|d| {
            let service = service_of(d).map_err(|e| format!("{e:?}"))?;
            Ok(fields_of(&service, d.clone(), ServiceStatus::Published))
        })
        .collect()
}

/// The overview as JSON with, on each category, the published services that follow on from
/// its records (`services`: "what you have" -> "what you can apply for"); empty where none.
pub fn link_overview(
    overview: &minside_overview::Overview,
    catalogue: &Catalogue,
    wanted: &[Lang],
) -> serde_json::Value {
    let mut value = serde_json::to_value(overview).unwrap_or(serde_json::Value::Null);
    let categories = value
        .get_mut("sources")
        .and_then(|s| s.as_array_mut())
        .into_iter()
        .flatten()
        .filter_map(|s| s.get_mut("categories").and_then(|c| c.as_array_mut()))
        .flatten();
    for category in categories {
        let id = category
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        let links: Vec<ServiceLink> = catalogue
            .for_record_category(&id)
            .map(|s| ServiceLink::new(s, wanted))
            .collect();
        if let Some(obj) = category.as_object_mut() {
            obj.insert(
                "services".into(),
                serde_json::to_value(links).unwrap_or_default(),
            );
        }
    }
    value
}
