//! Reading a catalogue file (a JSON object with a `services` array of drafts) and the demo
//! catalogue of illustrative Asker services embedded in the crate.

use serde::Deserialize;

use crate::model::Service;
use crate::theme::ThemeTree;
use crate::validate::{FieldError, ServiceDraft, validate};

/// The demo catalogue file (JSON: a `services` array of drafts).
pub const DEMO_JSON: &str = include_str!("../data/asker-services.json");

/// A catalogue file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    /// Not a catalogue document.
    #[error("catalogue is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    /// A service failed validation (pointers are relative to the service).
    #[error("service #{index} ({id}) is invalid: {}", .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// Position in the file.
        index: usize,
        /// The id as written.
        id: String,
        /// What is wrong.
        errors: Vec<FieldError>,
    },
    /// Two services share an id.
    #[error("service id {0} appears more than once")]
    Duplicate(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    /// Free text about the file's origin (not used).
    #[serde(default, rename = "_note")]
    _note: Option<String>,
    services: Vec<ServiceDraft>,
}

/// Parses and validates a catalogue document against the municipal theme tree.
pub fn parse_catalogue(json: &str) -> Result<Vec<Service>, CatalogueError> {
    let file: CatalogueFile = serde_json::from_str(json.trim_start_matches('\u{feff}'))?;
    let themes = ThemeTree::municipal();
    let mut services: Vec<Service> = Vec::with_capacity(file.services.len());
    for (index, draft) in file.services.iter().enumerate() {
        let service = validate(draft, &themes).map_err(|errors| CatalogueError::Invalid {
            index,
            id: draft.id.clone(),
            errors,
        })?;
        if services.iter().any(|s| s.id == service.id) {
            return Err(CatalogueError::Duplicate(draft.id.clone()));
        }
        services.push(service);
    }
    Ok(services)
}

/// The demo catalogue: illustrative services of Asker kommune (texts and URLs are examples, not
/// the municipality's published content).
pub fn demo_catalogue() -> Result<Vec<Service>, CatalogueError> {
    parse_catalogue(DEMO_JSON)
}
