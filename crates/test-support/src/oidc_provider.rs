//! A real, ID-porten-like OpenID provider for integration tests.
//!
//! [`OidcProvider::start`] runs `tests/oidc-provider/server.mjs` (panva's `oidc-provider` from npm,
//! configured like ID-porten: `/authorize`, `/token`, `/jwks.json`, `/userinfo`, `/logout`, PKCE
//! S256, `idporten-loa-substantial`/`idporten-loa-high`, `pid` in the ID token) as a child
//! process on a free loopback port. [`OidcProvider::login`] and [`OidcProvider::logout`] play the
//! resident's browser on the provider's pages; the relying party's own redirects are left to the
//! test. The `reqwest::Client` passed to them must keep cookies (`cookie_store(true)`) and must
//! not follow redirects (`redirect(reqwest::redirect::Policy::none())`).
//! The exact HTTP steps are documented in `tests/oidc-provider/README.md`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use reqwest::{Client, RequestBuilder, Response, StatusCode};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use url::Url;

/// How long the provider may take to print its issuer line.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// Upper bound on HTTP round trips in one login or logout.
const MAX_STEPS: usize = 20;

/// One test person the provider can log in.
#[derive(Clone, Debug)]
pub struct OidcAccount {
    /// The national identity number, returned as the `pid` claim.
    pub pid: String,
    /// The display name, returned as `name` with the `profile` scope.
    pub name: String,
}

/// The relying party the provider knows, and its test people.
#[derive(Clone, Debug)]
pub struct OidcProviderConfig {
    /// Port to listen on at 127.0.0.1; 0 picks a free one.
    pub port: u16,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<Url>,
    pub post_logout_redirect_uris: Vec<Url>,
    /// Emulated front-channel logout target, see [`LogoutOutcome::frontchannel_logout_urls`].
    pub frontchannel_logout_uri: Option<Url>,
    pub accounts: Vec<OidcAccount>,
}

/// Where the provider sent the browser at the end of a logout.
#[derive(Clone, Debug)]
pub struct LogoutOutcome {
    /// The `post_logout_redirect_uri` (with `state`), or the provider's own `/logout/success`.
    pub redirect: Url,
    /// Front-channel logout URLs (`frontchannel_logout_uri?iss=..&sid=..`) the provider's page
    /// embedded as iframes; a browser would load them. Empty unless the OP session ended for a
    /// client other than the one that asked for the logout.
    pub frontchannel_logout_urls: Vec<Url>,
}

/// A running provider; the child process is killed when this is dropped.
#[derive(Debug)]
pub struct OidcProvider {
    /// `http://127.0.0.1:PORT`. As a `Url` it prints with a trailing `/`; the exact `iss` value
    /// of tokens and discovery is [`OidcProvider::issuer_str`].
    pub issuer: Url,
    child: Child,
}

impl OidcProvider {
    /// Starts the provider and waits until it listens. Panics with the reason (and the
    /// provider's stderr) when Node.js is missing or the provider does not come up in 30 s.
    pub async fn start(cfg: OidcProviderConfig) -> OidcProvider {
        let dir = project_dir();
        check_node().await;
        let install_dir = dir.clone();
        tokio::task::spawn_blocking(move || ensure_node_modules(&install_dir))
            .await
            .expect("npm install task panicked");

        let join = |urls: &[Url]| urls.iter().map(Url::as_str).collect::<Vec<_>>().join(",");
        let accounts: Vec<_> = (cfg.accounts.iter())
            .map(|a| serde_json::json!({ "pid": a.pid, "name": a.name }))
            .collect();
        let accounts = serde_json::Value::Array(accounts).to_string();
        let logout_uris = join(&cfg.post_logout_redirect_uris);
        let frontchannel = cfg.frontchannel_logout_uri.map(String::from);
        let env = [
            ("OP_PORT", cfg.port.to_string()),
            ("OP_CLIENT_ID", cfg.client_id),
            ("OP_CLIENT_SECRET", cfg.client_secret),
            ("OP_REDIRECT_URIS", join(&cfg.redirect_uris)),
            ("OP_POST_LOGOUT_REDIRECT_URIS", logout_uris),
            (
                "OP_FRONTCHANNEL_LOGOUT_URI",
                frontchannel.unwrap_or_default(),
            ),
            ("OP_ACCOUNTS", accounts),
            ("OP_EXIT_ON_STDIN_EOF", "1".to_owned()),
        ];
        let mut command = Command::new("node");
        command
            .arg("server.mjs")
            .current_dir(&dir)
            .envs(env)
            .kill_on_drop(true);
        // stdin stays open in `child`: its EOF stops the server should this process die.
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let spawned = command.spawn();
        let mut child = spawned.unwrap_or_else(|e| panic!("cannot spawn node in {dir:?}: {e}"));

        let stdout = child.stdout.take().expect("child stdout is piped");
        let stderr = child.stderr.take().expect("child stderr is piped");
        let issuer = match tokio::time::timeout(STARTUP_TIMEOUT, read_issuer(stdout)).await {
            Ok(Some(issuer)) => issuer,
            outcome => {
                let _ = child.start_kill();
                let status = child.wait().await.ok();
                let why = ["exited", "did not print its issuer within 30 s"]
                    [usize::from(outcome.is_err())];
                let stderr = collect(stderr).await;
                panic!(
                    "oidc-provider test server {why} (status {status:?}); stderr:\n{}",
                    redact(&stderr)
                );
            }
        };
        // Keep draining stderr so the child never blocks on a full pipe; show it on failures.
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[oidc-provider] {}", redact(&line));
            }
        });
        OidcProvider { issuer, child }
    }

    /// The issuer exactly as in `iss` claims and discovery: `http://127.0.0.1:PORT` (no slash).
    pub fn issuer_str(&self) -> &str {
        self.issuer.as_str().trim_end_matches('/')
    }

    /// The provider's URL for `path` (e.g. `/.well-known/openid-configuration`).
    pub fn url(&self, path: &str) -> Url {
        self.issuer.join(path).expect("path joins onto the issuer")
    }

    /// Drives the provider from `authorize_url` to the relying party: follows the provider's
    /// redirects, posts its login form with `pid` and `acr` when it asks for a login (an existing
    /// SSO session at a sufficient level skips that) and returns the redirect that leaves the
    /// provider, normally `redirect_uri?code=..&state=..&iss=..` (or `?error=..`), unfollowed.
    pub async fn login(&self, http: &Client, authorize_url: &Url, pid: &str, acr: &str) -> Url {
        let mut resp = get(http, authorize_url).await;
        let mut posted_login = false;
        for _ in 0..MAX_STEPS {
            if resp.status().is_redirection() {
                let next = location(&resp);
                if !self.is_own(&next) {
                    return next;
                }
                resp = get(http, &next).await;
            } else if resp.status() == StatusCode::OK
                && resp.url().path().starts_with("/interaction/")
            {
                if posted_login {
                    panic!(
                        "the provider asked for a login again: {}",
                        describe(resp).await
                    );
                }
                posted_login = true;
                let mut action = resp.url().clone();
                action.set_query(None);
                action.set_path(&format!(
                    "{}/login",
                    resp.url().path().trim_end_matches('/')
                ));
                resp = post(http, &action, &[("pid", pid), ("acr", acr)]).await;
            } else {
                panic!(
                    "unexpected provider response during login: {}",
                    describe(resp).await
                );
            }
        }
        panic!("login did not leave the provider after {MAX_STEPS} steps");
    }

    /// Drives an end-session request (`/logout?id_token_hint=..&post_logout_redirect_uri=..&state=..`,
    /// or a bare `/logout` for a logout started at the provider): confirms the provider's logout
    /// form with `logout=yes`, which ends the whole OP session as ID-porten does.
    pub async fn logout(&self, http: &Client, end_session_url: &Url) -> LogoutOutcome {
        let (page_url, page) = body(get(http, end_session_url).await, "end session").await;
        let form = Form::parse(&page, &page_url);
        let form = form.unwrap_or_else(|| panic!("no logout form on:\n{}", redact(&page)));
        let mut fields: Vec<_> = form
            .hidden
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if !fields.iter().any(|(k, _)| *k == "logout") {
            fields.push(("logout", "yes"));
        }
        let resp = post(http, &form.action, &fields).await;
        if resp.status().is_redirection() {
            let redirect = location(&resp);
            return LogoutOutcome {
                redirect,
                frontchannel_logout_urls: Vec::new(),
            };
        }
        // The emulated front-channel logout page: iframes, then a link to where it redirects.
        let (url, page) = body(resp, "logout confirmation").await;
        let urls = |tag: &str, attr: &str| -> Vec<Url> {
            let values = tags(&page, tag).filter_map(|t| attribute(t, attr));
            values.filter_map(|v| url.join(&v).ok()).collect()
        };
        let frontchannel_logout_urls = urls("iframe", "src");
        let redirect = urls("a", "href").into_iter().next();
        let redirect = redirect.unwrap_or_else(|| panic!("no redirect on:\n{}", redact(&page)));
        LogoutOutcome {
            redirect,
            frontchannel_logout_urls,
        }
    }

    fn is_own(&self, url: &Url) -> bool {
        url.origin() == self.issuer.origin()
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        // kill_on_drop would do it too; this makes the intent explicit.
        let _ = self.child.start_kill();
    }
}

/// `tests/oidc-provider` in the workspace.
fn project_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/oidc-provider")
}

async fn check_node() {
    let why = match Command::new("node").arg("--version").output().await {
        Ok(out) if out.status.success() => return,
        Ok(out) => format!("`node --version` failed: {}", out.status),
        Err(e) => format!("`node` could not be run: {e}"),
    };
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let ci = if ci {
        " CI=true: the CI script must install Node.js."
    } else {
        ""
    };
    panic!(
        "Node.js is needed for the OpenID provider of the integration tests ({why}).{ci} \
         Install Node.js 20 or newer with npm (e.g. `apt-get install nodejs npm`), \
         then run `npm ci` in tests/oidc-provider."
    );
}

/// Runs `npm ci` when `node_modules` is missing or incomplete, under a file lock so that
/// parallel test binaries do not install over each other.
fn ensure_node_modules(dir: &Path) {
    let installed = || {
        dir.join("node_modules/.package-lock.json").is_file()
            && dir
                .join("node_modules/oidc-provider/package.json")
                .is_file()
    };
    let lock = std::fs::File::create(dir.join(".npm-ci.lock"));
    let lock = lock.unwrap_or_else(|e| panic!("cannot create {dir:?}/.npm-ci.lock: {e}"));
    lock.lock()
        .unwrap_or_else(|e| panic!("cannot lock {dir:?}/.npm-ci.lock: {e}"));
    if !installed() {
        let out = (std::process::Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))
            .current_dir(dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run `npm ci` (is npm installed?): {e}"));
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success(),
            "`npm ci` in {dir:?} failed:\n{stdout}\n{stderr}"
        );
    }
}

/// Reads stdout until the `{"issuer": ..}` line; `None` when the process closes stdout first.
async fn read_issuer(stdout: impl AsyncRead + Unpin) -> Option<Url> {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let issuer = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v.get("issuer")?.as_str().map(str::to_owned))
            .and_then(|s| Url::parse(&s).ok());
        if issuer.is_some() {
            return issuer;
        }
    }
    None
}

async fn collect(mut stderr: impl AsyncRead + Unpin) -> String {
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stderr.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).into_owned()
}

async fn get(http: &Client, url: &Url) -> Response {
    send(http.get(url.clone()), url).await
}

async fn post(http: &Client, url: &Url, form: &[(&str, &str)]) -> Response {
    send(http.post(url.clone()).form(form), url).await
}

async fn send(request: RequestBuilder, url: &Url) -> Response {
    let resp = request.send().await;
    let resp = resp.unwrap_or_else(|e| panic!("request to {url} failed: {e}"));
    let msg = "the reqwest client must not follow redirects (Policy::none())";
    assert_eq!(resp.url(), url, "{msg}");
    resp
}

fn location(resp: &Response) -> Url {
    let value = resp.headers().get(reqwest::header::LOCATION);
    let value = value.and_then(|v| v.to_str().ok());
    let value = value.unwrap_or_else(|| panic!("redirect from {} without Location", resp.url()));
    resp.url()
        .join(value)
        .unwrap_or_else(|e| panic!("bad Location {value:?}: {e}"))
}

async fn describe(resp: Response) -> String {
    let head = format!("{} {}", resp.status(), resp.url());
    let body = resp.text().await.unwrap_or_default();
    redact(&format!("{head}\n{body}"))
}

/// The body of a 200 response, with the URL it came from.
async fn body(resp: Response, what: &str) -> (Url, String) {
    if resp.status() != StatusCode::OK {
        panic!(
            "unexpected provider response to {what}: {}",
            describe(resp).await
        );
    }
    (resp.url().clone(), resp.text().await.unwrap_or_default())
}

/// Masks runs of 11 digits (national identity numbers) as `DDMMYY*****`.
fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Each piece is a run of digits followed by at most one other character.
    for piece in text.split_inclusive(|c: char| !c.is_ascii_digit()) {
        let digits = piece.trim_end_matches(|c: char| !c.is_ascii_digit()).len();
        if digits == 11 {
            out.extend([&piece[..6], "*****", &piece[11..]]);
        } else {
            out.push_str(piece);
        }
    }
    out
}

/// The first `<form>` of a page: its absolute action and hidden inputs.
struct Form {
    action: Url,
    hidden: Vec<(String, String)>,
}

impl Form {
    fn parse(html: &str, base: &Url) -> Option<Form> {
        let start = html.find("<form")?;
        let rest = &html[start..];
        let rest = &rest[..rest.find("</form>").unwrap_or(rest.len())];
        let action = base
            .join(&attribute(tags(rest, "form").next()?, "action")?)
            .ok()?;
        let hidden = tags(rest, "input")
            .filter(|t| attribute(t, "type").as_deref() == Some("hidden"))
            .filter_map(|t| {
                Some((
                    attribute(t, "name")?,
                    attribute(t, "value").unwrap_or_default(),
                ))
            })
            .collect();
        Some(Form { action, hidden })
    }
}

/// The start tags `<name ...>` in `html` (attributes included, without the angle brackets).
fn tags<'a>(html: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let open = format!("<{name}");
    html.match_indices(&open)
        .map(|(i, _)| &html[i + 1..])
        .filter(move |t| t[name.len()..].starts_with(|c: char| c.is_whitespace() || c == '>'))
        .filter_map(|t| t.find('>').map(|end| &t[..end]))
        .collect::<Vec<_>>()
        .into_iter()
}

/// A double-quoted attribute of a start tag, HTML entities decoded.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(decode_entities(&tag[start..end]))
}

/// Decodes the entities `oidc-provider` and `server.mjs` write into attributes.
fn decode_entities(s: &str) -> String {
    (s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">"))
    .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_logout_form() {
        let base = Url::parse("http://127.0.0.1:1/logout?x=1").expect("url");
        let html = r#"<h1>x</h1><form id="op.logoutForm" method="post" action="http://127.0.0.1:1/logout/confirm"><input type="hidden" name="xsrf" value="a&amp;b&#39;c"/><button name="logout" value="yes">Ja</button></form>"#;
        let form = Form::parse(html, &base).expect("form");
        assert_eq!(form.action.as_str(), "http://127.0.0.1:1/logout/confirm");
        assert_eq!(form.hidden, vec![("xsrf".to_owned(), "a&b'c".to_owned())]);
    }

    #[test]
    fn redacts_national_identity_numbers() {
        assert_eq!(
            redact("pid 01017012345, port 123456789012"),
            "pid 010170*****, port 123456789012"
        );
    }
}
