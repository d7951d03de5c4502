//! The configuration of an `http` adapter, as a tenant writes it (see the README for TOML).
//!
//! Everything here is plain serde data; [`crate::build`] validates it and refuses a
//! configuration it cannot run with a [`crate::ConfigError`] that names the offending place.

use std::collections::BTreeMap;

use minside_adapter::{Category, Sensitivity};
use secrecy::SecretString;
use serde::Deserialize;

/// One `http` adapter: either a field mapping of an existing JSON API or a service speaking
/// MinSide's out-of-process adapter protocol. Selected with `mode = "mapping" | "protocol"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum HttpAdapterConfig {
    Mapping(MappingConfig),
    Protocol(ProtocolConfig),
}

impl HttpAdapterConfig {
    /// The configured adapter id.
    pub fn id(&self) -> &str {
        match self {
            Self::Mapping(c) => &c.id,
            Self::Protocol(c) => &c.id,
        }
    }
}

/// Default for `timeout_ms`: the whole request, from connecting to the last byte of the body.
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;

fn default_timeout_ms() -> u64 {
    DEFAULT_TIMEOUT_MS
}

/// `mode = "mapping"`: one request per fetch to an existing JSON API, mapped to records by JSON
/// Pointers (RFC 6901) and templates.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingConfig {
    /// Stable machine id: 1 to 64 characters of `a-z`, `0-9` and `-`.
    pub id: String,
    /// The system's name as residents know it.
    pub name: String,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Allow `http://` to hosts other than the loopback interface (the pid then travels
    /// unencrypted; only for a trusted internal network).
    #[serde(default)]
    pub allow_plain_http: bool,
    #[serde(default)]
    pub auth: AuthConfig,
    pub request: RequestConfig,
    #[serde(default)]
    pub response: ResponseConfig,
    pub categories: Vec<CategoryMapping>,
}

/// The request sent for one fetch. Templates may use `{pid}`, `{kommunenummer}`, `{purpose}` and
/// `{request_id}`; `{{` and `}}` are literal braces.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestConfig {
    #[serde(default)]
    pub method: HttpMethod,
    /// URL template. `{pid}` is refused here unless `allow_pid_in_url` is set.
    pub url: String,
    /// Only for legacy systems that take the pid nowhere but in the URL. The URL then counts as
    /// personal data: MinSide never logs it (it never logs request URLs anyway).
    #[serde(default)]
    pub allow_pid_in_url: bool,
    /// Header name -> value template, e.g. `"X-Fnr" = "{pid}"`. Secrets belong in `auth`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// JSON body template (POST only): any JSON; placeholders are replaced inside strings.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    Post,
}

/// Credentials sent with every request. Secrets are never logged or shown in errors.
/// Maskinporten (OAuth2 JWT grant) is not supported by this adapter; see the README.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthConfig {
    #[default]
    None,
    /// `Authorization: Bearer <token>` with a static token.
    Bearer { token: SecretString },
    /// `Authorization: Basic ...`
    Basic {
        username: String,
        password: SecretString,
    },
    /// A static key in a header of the system's choice, e.g. `X-Api-Key`.
    ApiKey { header: String, value: SecretString },
}

/// Where the items are in the response.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseConfig {
    /// JSON Pointer to the array of items; `""` (the default) is a response that is an array.
    #[serde(default)]
    pub items: String,
}

/// A category this source answers (the fields of [`minside_adapter::CategoryInfo`]) and how
/// its records are read from the response.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryMapping {
    pub id: Category,
    pub title_nb: String,
    pub title_en: String,
    pub legal_basis: String,
    pub sensitivity: Sensitivity,
    pub records: RecordMapping,
}

/// How one item of the response becomes a record. Pointers are relative to the item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordMapping {
    /// Pointer (from the response root) to this category's array, if not `response.items`.
    #[serde(default)]
    pub items: Option<String>,
    /// Only items whose value at `pointer` equals `equals` belong to this category.
    #[serde(default)]
    pub when: Option<ItemFilter>,
    /// Pointer to the record's id in the source (a string or an integer).
    pub id: String,
    /// Title template with pointer placeholders, e.g. `"Faktura {/invoiceNo}"`.
    pub title: String,
    /// Link template (http or https) with pointer placeholders; values are percent-encoded.
    #[serde(default)]
    pub deep_link: Option<String>,
    #[serde(default)]
    pub fields: Vec<FieldMapping>,
}

/// Selects the items of one category from an array shared by several.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemFilter {
    pub pointer: String,
    pub equals: serde_json::Value,
}

/// One field of a record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldMapping {
    /// Machine key: 1 to 64 characters of `a-z`, `0-9`, `_` and `-`.
    pub key: String,
    pub label: String,
    /// Pointer relative to the item.
    pub pointer: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    /// A missing or `null` value leaves the field out instead of failing the fetch.
    #[serde(default)]
    pub optional: bool,
    /// For `type = "status"`: code -> label. Required (non-empty) for status, refused otherwise.
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
}

/// How a JSON value is read; see the README for the accepted shapes and the rounding rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Integer,
    /// An integer number of øre.
    AmountOre,
    /// Decimal kroner, converted to øre.
    AmountNok,
    Date,
    Timestamp,
    Bool,
    Status,
}

/// `mode = "protocol"`: a service speaking MinSide's adapter protocol
/// (`protocol/openapi.yaml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolConfig {
    /// Stable machine id; every record is attributed to it, whatever the service claims.
    pub id: String,
    /// Name shown to residents; defaults to the name from `GET /v1/info`.
    #[serde(default)]
    pub name: Option<String>,
    /// Base URL; the adapter calls `{base_url}/v1/info` and `{base_url}/v1/fetch`.
    pub base_url: String,
    /// Shared secret sent as `Authorization: Bearer <token>`.
    pub token: SecretString,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u64,
    /// Allow `http://` to hosts other than the loopback interface.
    #[serde(default)]
    pub allow_plain_http: bool,
}
