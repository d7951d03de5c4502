#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod config;
mod error;
mod mapping;
mod protocol;
mod template;
mod transport;

use std::sync::Arc;

use minside_adapter::{Adapter, Purpose};

pub use self::config::{
    AuthConfig, CategoryMapping, DEFAULT_TIMEOUT_MS, FieldKind, FieldMapping, HttpAdapterConfig,
    HttpMethod, ItemFilter, MappingConfig, ProtocolConfig, RecordMapping, RequestConfig,
    ResponseConfig,
};
pub use self::error::ConfigError;
pub use self::mapping::MappingAdapter;
pub use self::protocol::{PROTOCOL_VERSION, ProtocolAdapter};
pub use self::transport::MAX_RESPONSE_BYTES;

/// Checks `config` and builds its adapter.
///
/// A protocol adapter built inside a Tokio runtime starts reading `GET /v1/info` in the
/// background at once; otherwise (or if that fails) it is read at the first fetch. Its
/// [`Adapter::categories`] is empty until then; call [`ProtocolAdapter::load_info`] to wait.
pub fn build(config: HttpAdapterConfig) -> Result<Arc<dyn Adapter>, ConfigError> {
    Ok(match config {
        HttpAdapterConfig::Mapping(config) => Arc::new(MappingAdapter::new(config)?),
        HttpAdapterConfig::Protocol(config) => {
            let adapter = ProtocolAdapter::new(config)?;
            adapter.spawn_load_info();
            Arc::new(adapter)
        }
    })
}

/// The purpose as the protocol writes it (`"resident-view"`, ...).
pub(crate) fn purpose_str(purpose: Purpose) -> String {
    match serde_json::to_value(purpose) {
        Ok(serde_json::Value::String(text)) => text,
        _ => "unknown".to_owned(),
    }
}
