//! `[services]`: how long the public service catalogue may be cached.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceSettings {
    /// Seconds public catalogue answers may be cached by clients (`Cache-Control: max-age`),
    /// and how long an instance keeps its copy of a tenant's catalogue before reading it again
    /// (a change made through this instance is seen at once).
    pub cache_seconds: u32,
}

impl ServiceSettings {
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.cache_seconds > 3600 {
            return Err("services.cache_seconds must be 0 to 3600".into());
        }
        Ok(())
    }
}
