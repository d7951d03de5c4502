//! `mode = "mapping"`: an existing JSON API read through a configured request and a field
//! mapping. One request per fetch; all categories are read from its response.

mod records;
mod values;

use std::time::Instant;

use async_trait::async_trait;
use minside_adapter::{
    Adapter, AdapterError, Category, CategoryInfo, FetchContext, Record, Subject, Timestamp,
};
use reqwest::header::{ACCEPT, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::Value;

use self::records::{CategoryRecords, Fetched};
use crate::ConfigError;
use crate::config::{AuthConfig, HttpMethod, MappingConfig};
use crate::template::{Template, encode_component};
use crate::transport::{self, check_id, check_timeout, check_url};

/// The placeholders a request template may use.
const REQUEST_VARS: [&str; 4] = ["pid", "kommunenummer", "purpose", "request_id"];

/// An adapter for an existing JSON API, built from a [`MappingConfig`].
#[derive(Debug)]
pub struct MappingAdapter {
    id: String,
    name: String,
    client: reqwest::Client,
    auth: AuthConfig,
    method: Method,
    url: Template,
    headers: Vec<(HeaderName, Template)>,
    body: Option<Value>,
    categories: Vec<CategoryRecords>,
}

/// The values of one request's placeholders.
struct Vars<'a> {
    pid: &'a str,
    kommunenummer: &'a str,
    purpose: String,
    request_id: String,
}

impl Vars<'_> {
    fn get(&self, name: &str) -> &str {
        match name {
            "pid" => self.pid,
            "kommunenummer" => self.kommunenummer,
            "purpose" => &self.purpose,
            // Checked at load: nothing else can be asked for.
            _ => &self.request_id,
        }
    }
}

impl MappingAdapter {
    /// Checks `config` and builds the adapter (and its HTTP client).
    pub fn new(config: MappingConfig) -> Result<Self, ConfigError> {
        let id = config.id;
        check_id(&id)?;
        let invalid = |at: &str, message: String| ConfigError::invalid(&id, at, message);
        if config.name.trim().is_empty() {
            return Err(invalid("name", "must not be empty".into()));
        }
        let timeout = check_timeout(&id, config.timeout_ms)?;
        let request = config.request;
        let method = match request.method {
            HttpMethod::Get => Method::GET,
            HttpMethod::Post => Method::POST,
        };

        let url = request_template(&request.url).map_err(|m| invalid("request.url", m))?;
        let pid_in_url = url.placeholders().any(|p| p == "pid");
        if pid_in_url && !request.allow_pid_in_url {
            return Err(invalid(
                "request.url",
                "{pid} in the URL is refused (URLs end up in logs and proxies); send it in a \
                 header or the body, or set request.allow_pid_in_url for a legacy system"
                    .into(),
            ));
        }
        let sample = url
            .render::<()>(|name| Ok(sample_value(name)))
            .unwrap_or_default();
        let parsed = url::Url::parse(&sample)
            .map_err(|e| invalid("request.url", format!("does not make a URL: {e}")))?;
        check_url(&id, "request.url", &parsed, config.allow_plain_http)?;

        let mut pid_sent = pid_in_url;
        let mut headers = Vec::new();
        for (name, value) in &request.headers {
            let at = format!("request.headers.{name}");
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| invalid(&at, "not a valid header name".into()))?;
            let template = request_template(value).map_err(|m| invalid(&at, m))?;
            let sample = template
                .render::<()>(|n| Ok(sample_value(n)))
                .unwrap_or_default();
            HeaderValue::from_str(&sample).map_err(|_| invalid(&at, "not a valid value".into()))?;
            pid_sent |= template.placeholders().any(|p| p == "pid");
            headers.push((header, template));
        }
        if let Some(body) = &request.body {
            if method != Method::POST {
                return Err(invalid(
                    "request.body",
                    "a body needs method = \"POST\"".into(),
                ));
            }
            pid_sent |= check_body(body).map_err(|m| invalid("request.body", m))?;
        }
        if !pid_sent {
            return Err(invalid(
                "request",
                "the request does not send {pid} (in a header or the body)".into(),
            ));
        }
        check_auth(&id, &config.auth)?;

        if config.categories.is_empty() {
            return Err(invalid(
                "categories",
                "at least one category is needed".into(),
            ));
        }
        let mut categories: Vec<CategoryRecords> = Vec::new();
        for (i, mapping) in config.categories.into_iter().enumerate() {
            if categories.iter().any(|c| c.info.id == mapping.id) {
                return Err(invalid(
                    &format!("categories[{i}].id"),
                    "duplicate category".into(),
                ));
            }
            categories.push(CategoryRecords::compile(
                &id,
                i,
                mapping,
                &config.response.items,
            )?);
        }
        let client = transport::client(&id, timeout)?;
        Ok(Self {
            id,
            name: config.name,
            client,
            auth: config.auth,
            method,
            url,
            headers,
            body: request.body,
            categories,
        })
    }

    /// The request for one fetch. Header values holding the pid or a secret are marked
    /// sensitive.
    fn request(&self, vars: &Vars<'_>) -> Result<reqwest::RequestBuilder, AdapterError> {
        let url = self
            .url
            .render::<()>(|name| Ok(encode_component(vars.get(name))))
            .unwrap_or_default();
        let url = url::Url::parse(&url)
            .map_err(|_| AdapterError::BadData("the request URL could not be built".into()))?;
        let mut request = self.client.request(self.method.clone(), url);
        if !self.headers.iter().any(|(name, _)| name == ACCEPT) {
            request = request.header(ACCEPT, "application/json");
        }
        for (name, template) in &self.headers {
            let text = template
                .render::<()>(|n| Ok(header_safe(vars.get(n))))
                .unwrap_or_default();
            let mut value = HeaderValue::from_str(&text).map_err(|_| {
                AdapterError::BadData(format!("the request header {name} could not be built"))
            })?;
            value.set_sensitive(template.placeholders().any(|p| p == "pid"));
            request = request.header(name, value);
        }
        if let Some(body) = &self.body {
            request = request.json(&fill_body(body, vars));
        }
        Ok(match &self.auth {
            AuthConfig::None => request,
            AuthConfig::Bearer { token } => request.bearer_auth(token.expose_secret()),
            AuthConfig::Basic { username, password } => {
                request.basic_auth(username, Some(password.expose_secret()))
            }
            AuthConfig::ApiKey { header, value } => {
                let mut value = HeaderValue::from_str(value.expose_secret()).map_err(|_| {
                    AdapterError::Unauthorized("the API key is not a valid header value".into())
                })?;
                value.set_sensitive(true);
                request.header(header.as_str(), value)
            }
        })
    }
}

#[async_trait]
impl Adapter for MappingAdapter {
    fn id(&self) -> &str {
        &self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn categories(&self) -> Vec<CategoryInfo> {
        self.categories.iter().map(|c| c.info.clone()).collect()
    }

    #[tracing::instrument(name = "http_adapter_fetch", skip_all, fields(adapter = %self.id, mode = "mapping"))]
    async fn fetch(
        &self,
        subject: &Subject,
        categories: &[Category],
        ctx: &FetchContext,
    ) -> Result<Vec<Record>, AdapterError> {
        let wanted: Vec<&CategoryRecords> = self
            .categories
            .iter()
            .filter(|c| categories.contains(&c.info.id))
            .collect();
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let vars = Vars {
            pid: subject.pid.expose(),
            kommunenummer: subject.kommunenummer.as_str(),
            purpose: crate::purpose_str(ctx.purpose),
            request_id: ctx.request_id.clone().unwrap_or_default(),
        };
        let started = Instant::now();
        let response = self
            .request(&vars)?
            .send()
            .await
            .map_err(transport::send_error)?;
        let status = response.status();
        tracing::debug!(
            status = status.as_u16(),
            elapsed_ms = elapsed_ms(started),
            "answered"
        );
        if let Some(error) = transport::status_error(&response) {
            tracing::warn!(status = status.as_u16(), error = %error, "fetch failed");
            return Err(error);
        }
        if status == StatusCode::NO_CONTENT {
            return Ok(Vec::new());
        }
        let root = transport::read_json(response).await?;
        let fetched = Fetched {
            source: &self.id,
            system_name: &self.name,
            at: Timestamp::now(),
            pid: vars.pid,
        };
        let mut out = Vec::new();
        for category in wanted {
            out.extend(category.records(&root, &fetched).inspect_err(|error| {
                tracing::warn!(error = %error, "the response does not match the mapping");
            })?);
        }
        tracing::debug!(records = out.len(), "mapped");
        Ok(out)
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// A template whose placeholders are request variables.
fn request_template(text: &str) -> Result<Template, String> {
    let template = Template::parse(text)?;
    if let Some(unknown) = template.placeholders().find(|p| !REQUEST_VARS.contains(p)) {
        return Err(format!(
            "unknown placeholder {{{unknown}}}; known: {{pid}}, {{kommunenummer}}, {{purpose}}, \
             {{request_id}}"
        ));
    }
    Ok(template)
}

fn sample_value(name: &str) -> String {
    match name {
        "pid" => "01019012345".into(),
        "kommunenummer" => "0301".into(),
        "purpose" => "resident-view".into(),
        _ => "request-1".into(),
    }
}

/// Checks every string of a body template; whether one of them sends the pid.
fn check_body(body: &Value) -> Result<bool, String> {
    let children: Vec<&Value> = match body {
        Value::String(text) => {
            return Ok(request_template(text)?.placeholders().any(|p| p == "pid"));
        }
        Value::Array(items) => items.iter().collect(),
        Value::Object(map) => map.values().collect(),
        _ => Vec::new(),
    };
    let mut pid_sent = false;
    for child in children {
        pid_sent |= check_body(child)?;
    }
    Ok(pid_sent)
}

/// The body template with placeholders replaced inside strings (checked at load).
fn fill_body(body: &Value, vars: &Vars<'_>) -> Value {
    match body {
        Value::String(text) => Value::String(
            Template::parse(text)
                .and_then(|t| t.render(|name| Ok(vars.get(name).to_owned())))
                .unwrap_or_default(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_body(v, vars)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_body(v, vars)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Keeps a value within visible ASCII so it cannot break a header.
fn header_safe(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .collect()
}

fn check_auth(id: &str, auth: &AuthConfig) -> Result<(), ConfigError> {
    let invalid = |at: &str, message: &str| ConfigError::invalid(id, at, message);
    match auth {
        AuthConfig::None => {}
        AuthConfig::Bearer { token } => {
            if token.expose_secret().is_empty()
                || HeaderValue::from_str(token.expose_secret()).is_err()
            {
                return Err(invalid(
                    "auth.token",
                    "must be a non-empty header-safe text",
                ));
            }
        }
        AuthConfig::Basic { username, .. } => {
            if username.is_empty() || username.contains(':') {
                return Err(invalid(
                    "auth.username",
                    "must be non-empty and without ':'",
                ));
            }
        }
        AuthConfig::ApiKey { header, value } => {
            HeaderName::from_bytes(header.as_bytes())
                .map_err(|_| invalid("auth.header", "not a valid header name"))?;
            if value.expose_secret().is_empty()
                || HeaderValue::from_str(value.expose_secret()).is_err()
            {
                return Err(invalid(
                    "auth.value",
                    "must be a non-empty header-safe text",
                ));
            }
        }
    }
    Ok(())
}
