//! Test support for MinSide: `TestApp` (the real server on `127.0.0.1:0` with a fresh SQLite
//! or PostgreSQL database), a browser-like HTTP client, log capture, the development identity
//! provider's login driven over HTTP, and the `oidc-provider` interop harness.
#![forbid(unsafe_code)]

pub mod caseworker;
pub mod logs;
pub mod oidc_provider;
pub mod sms;
pub mod smtp;

use std::sync::Arc;

use figment::providers::Serialized;
use minside_api::{AppState, Clock, Settings};
use minside_store::Store;
use tempfile::TempDir;
use url::Url;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A running MinSide server for one test.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`
    pub address: Url,
    /// A browser-like client: keeps cookies, does not follow redirects.
    pub client: reqwest::Client,
    pub state: AppState,
    _dir: TempDir,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Builds a [`TestApp`]: `TestApp::builder().backend(Backend::Postgres).set("k", v).spawn()`.
pub struct TestAppBuilder {
    backend: Backend,
    overrides: Vec<(String, serde_json::Value)>,
    tenants: Vec<String>,
    listener: Option<tokio::net::TcpListener>,
}

/// Binds a listener on `127.0.0.1:0` before the app exists, for tests that must tell another
/// party (an identity provider) the app's address first. Pass it to [`TestAppBuilder::listener`].
pub async fn reserve_address() -> (tokio::net::TcpListener, Url) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (
        listener,
        Url::parse(&format!("http://127.0.0.1:{port}")).expect("url"),
    )
}

impl TestApp {
    pub fn builder() -> TestAppBuilder {
        TestAppBuilder {
            backend: Backend::Sqlite,
            overrides: Vec::new(),
            tenants: Vec::new(),
            listener: None,
        }
    }

    /// A dev-profile app on SQLite with the demo tenant.
    pub async fn spawn() -> TestApp {
        Self::builder().spawn().await
    }

    pub fn url(&self, path: &str) -> Url {
        self.address.join(path).expect("valid path")
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        self.state.store()
    }

    pub fn clock(&self) -> &Clock {
        self.state.clock()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    /// GET with this app's browser, parsed as JSON (panics on a body that is not JSON).
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        self.get(path).await.json().await.expect("json")
    }
}

/// A client that behaves like a browser for our purposes: a cookie jar, no automatic redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestAppBuilder {
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Overrides one setting by its dotted key, e.g. `("session.idle_timeout_minutes", 5)`.
    pub fn set(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.overrides.push((key.to_owned(), value.into()));
        self
    }

    /// Adds a tenant file (TOML text) to this app's tenant directory. Without any, the demo
    /// tenant 3203 is used with the default-tenant fallback.
    pub fn tenant(mut self, toml: &str) -> Self {
        self.tenants.push(toml.to_owned());
        self
    }

    /// Serves on this listener (from [`reserve_address`]) instead of a new one.
    pub fn listener(mut self, listener: tokio::net::TcpListener) -> Self {
        self.listener = Some(listener);
        self
    }

    pub async fn spawn(self) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (listener, address) = match self.listener {
            Some(l) => {
                let port = l.local_addr().expect("addr").port();
                (
                    l,
                    Url::parse(&format!("http://127.0.0.1:{port}")).expect("url"),
                )
            }
            None => reserve_address().await,
        };
        let port = address.port().expect("port");

        let tenants_dir = dir.path().join("tenants");
        std::fs::create_dir_all(&tenants_dir).expect("tenant dir");
        for (i, t) in self.tenants.iter().enumerate() {
            std::fs::write(tenants_dir.join(format!("t{i}.toml")), t).expect("tenant file");
        }
        let database_url = match self.backend {
            Backend::Sqlite => format!("sqlite://{}/minside.db?mode=rwc", dir.path().display()),
            Backend::Postgres => minside_store_postgres::testing::fresh_database_url().await,
        };
        let mut figment = Settings::defaults()
            .merge(Serialized::default("server.public_url", address.as_str()))
            .merge(Serialized::default(
                "server.bind",
                format!("127.0.0.1:{port}"),
            ))
            .merge(Serialized::default(
                "idporten.issuer",
                format!("{address}dev-idp"),
            ))
            .merge(Serialized::default("database.url", &database_url))
            .merge(Serialized::default(
                "tenants.dir",
                tenants_dir.display().to_string(),
            ));
        // The demo's simulated legacy systems answer at once in tests unless a test says otherwise.
        for system in [
            "folkeregister",
            "kindergarten",
            "school",
            "property",
            "invoices",
        ] {
            let key = format!("demo.municipality.{system}.latency");
            if self.overrides.iter().any(|(k, _)| k.starts_with(&key)) {
                continue;
            }
            figment = figment.merge(Serialized::default(
                &key,
                serde_json::json!({ "kind": "fixed", "ms": 0 }),
            ));
        }
        // The notice engine, delivery and the demo's example rules, plans, services and statistics
        // only when a test asks:
        // tests drive them through `state.notices()` to control what happens when.
        for (key, off) in [
            ("notices.engine", false),
            ("notices.deliver", false),
            ("demo.notice_rules", false),
            ("demo.plans", false),
            ("demo.services", false),
            ("demo.statistics", false),
        ] {
            if !self.overrides.iter().any(|(k, _)| k == key) {
                figment = figment.merge(Serialized::default(key, off));
            }
        }
        for (k, v) in &self.overrides {
            figment = figment.merge(Serialized::default(k, v));
        }
        let settings = Settings::from_figment(figment).expect("test settings");
        // A test may point at a database of its own (to restart on it).
        let database_url = secrecy::ExposeSecret::expose_secret(&settings.database.url).to_owned();
        let store: Arc<dyn Store> = match self.backend {
            Backend::Sqlite => Arc::new(
                minside_store_sqlite::SqliteStore::connect(&database_url)
                    .await
                    .expect("sqlite"),
            ),
            Backend::Postgres => Arc::new(
                minside_store_postgres::PostgresStore::connect(&database_url)
                    .await
                    .expect("postgres"),
            ),
        };
        let app = minside_api::build(settings, store, Clock::default())
            .await
            .expect("build app");
        let router = app.router;
        let server = tokio::spawn(async move {
            axum_serve(listener, router).await;
        });
        TestApp {
            address,
            client: browser(),
            state: app.state,
            _dir: dir,
            server,
        }
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, router: axum::Router) {
    let _ = axum::serve(listener, router).await;
}

/// The `Location` header of a redirect, resolved against `base`.
pub fn location(response: &reqwest::Response) -> Url {
    let loc = response
        .headers()
        .get(reqwest::header::LOCATION)
        .unwrap_or_else(|| panic!("no Location in {} response", response.status()))
        .to_str()
        .expect("ascii Location");
    response.url().join(loc).expect("valid Location")
}

/// The value of a hidden or radio `<input name=... value=...>` in an HTML page.
pub fn form_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + "value=\"".len();
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].replace("&amp;", "&"))
}

/// Drives the development identity provider's login page as a person would: follows
/// `/auth/login` to the provider, picks `pid` at `acr`, and returns the redirect back to the
/// relying party's callback (not yet followed).
pub async fn dev_idp_authorize(
    client: &reqwest::Client,
    login_url: Url,
    pid: &str,
    acr: &str,
) -> Url {
    let start = client.get(login_url).send().await.expect("login");
    assert_eq!(start.status(), 303, "login should redirect to the provider");
    let authorize = location(&start);
    let page = client
        .get(authorize.clone())
        .send()
        .await
        .expect("authorize page");
    assert_eq!(page.status(), 200, "authorize page");
    let html = page.text().await.expect("html");
    let request_id = form_value(&html, "request_id").expect("request_id in the login form");
    let action = authorize.join("authorize/login").expect("action");
    let posted = client
        .post(action)
        .form(&[
            ("request_id", request_id.as_str()),
            ("pid", pid),
            ("acr", acr),
        ])
        .send()
        .await
        .expect("login form");
    assert_eq!(posted.status(), 303, "provider should redirect back");
    location(&posted)
}
