//! The local Folkeregisteret: persons, bulkoppslag and the hendelsesliste, behind a check of the
//! Maskinporten bearer token.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use minside_core::Pid;
use minside_maskinporten::testing::AccessTokenVerifier;
use serde_json::{Value, json};
use url::Url;

use super::FregPerson;
use crate::DEFAULT_SCOPE;

const API: &str = "/folkeregisteret/offentlig-med-hjemmel/api/v1";

/// The opplysninger of `part=person-basis`, the default.
const PERSON_BASIS: &[&str] = &[
    "identifikasjonsnummer",
    "identitetsgrunnlag",
    "status",
    "doedsfall",
    "sivilstand",
    "foedsel",
    "statsborgerskap",
    "kjoenn",
    "navn",
    "preferertKontaktadresse",
    "bostedsadresse",
    "oppholdsadresse",
    "deltBosted",
    "postadresse",
    "postadresseIUtlandet",
    "adressebeskyttelse",
    "kontaktinformasjonForDoedsbo",
];
const RELASJON_UTVIDET: &[&str] = &[
    "familierelasjon",
    "foreldreansvar",
    "vergemaalEllerFremtidsfullmakt",
];

#[derive(Default)]
struct Feed {
    entries: Vec<Value>,
    last_sequence: u64,
}

struct FregState {
    verifier: AccessTokenVerifier,
    scope: String,
    persons: Mutex<HashMap<String, Value>>,
    feed: Mutex<Feed>,
    page_size: AtomicUsize,
    fail_with: Mutex<Option<u16>>,
    delay: Mutex<Duration>,
    requests: AtomicUsize,
    last_parts: Mutex<Vec<String>>,
    feed_reads: Mutex<Vec<u64>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running local Folkeregisteret. Stops when dropped.
pub struct FolkeregisterStandIn {
    state: Arc<FregState>,
    base: Url,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for FolkeregisterStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FolkeregisterStandIn")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Drop for FolkeregisterStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FolkeregisterStandIn {
    /// Starts on a free port, accepting tokens `verifier` accepts with the default scope.
    pub async fn start(verifier: AccessTokenVerifier) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let base: Url = format!("http://{}/", listener.local_addr().expect("address"))
            .parse()
            .expect("URL");
        let state = Arc::new(FregState {
            verifier,
            scope: DEFAULT_SCOPE.to_owned(),
            persons: Mutex::new(HashMap::new()),
            feed: Mutex::new(Feed::default()),
            page_size: AtomicUsize::new(1000),
            fail_with: Mutex::new(None),
            delay: Mutex::new(Duration::ZERO),
            requests: AtomicUsize::new(0),
            last_parts: Mutex::new(Vec::new()),
            feed_reads: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route(&format!("{API}/personer/bulkoppslag"), post(bulk))
            .route(&format!("{API}/personer/bulkoppslag/"), post(bulk))
            .route(&format!("{API}/personer/{{id}}"), get(person))
            .route(&format!("{API}/hendelser/feed"), get(feed))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { state, base, task }
    }

    /// The environment root to configure the adapter with.
    pub fn base_url(&self) -> Url {
        self.base.clone()
    }

    /// Adds or replaces a person.
    pub fn put_person(&self, person: &FregPerson) {
        lock(&self.state.persons).insert(person.pid().expose().to_owned(), person.to_json());
    }

    /// Adds or replaces a raw document (e.g. a malformed one).
    pub fn put_document(&self, pid: &str, doc: Value) {
        lock(&self.state.persons).insert(pid.to_owned(), doc);
    }

    /// Appends a feed entry for `pid` and returns its sequence number.
    pub fn push_event(&self, pid: &Pid, hendelsestype: &str) -> u64 {
        let mut feed = lock(&self.state.feed);
        feed.last_sequence += 1;
        let sekvensnummer = feed.last_sequence;
        feed.entries.push(json!({
            "sekvensnummer": sekvensnummer,
            "hendelse": {
                "folkeregisteridentifikator": pid.expose(),
                "hendelsestype": hendelsestype,
                "hendelsesdokument": format!("{sekvensnummer:032x}"),
                "persondokument": format!("{:032x}", sekvensnummer + 1_000_000),
                "ajourholdstidspunkt": "2025-03-14T10:15:00.000+01:00",
            },
        }));
        sekvensnummer
    }

    /// Moves the sequence ahead by `n` (entries the rights package does not see leave gaps).
    pub fn skip_sequence(&self, n: u64) {
        lock(&self.state.feed).last_sequence += n;
    }

    /// Entries per feed page (Folkeregisteret's is 1000).
    pub fn set_page_size(&self, n: usize) {
        self.state.page_size.store(n, Ordering::SeqCst);
    }

    /// Answers every request with this status (e.g. 503) until `None`.
    pub fn fail_with(&self, status: Option<u16>) {
        *lock(&self.state.fail_with) = status;
    }

    /// Holds every answer back this long (for timeouts).
    pub fn set_delay(&self, delay: Duration) {
        *lock(&self.state.delay) = delay;
    }

    /// Requests served so far (token refusals included).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// The `seq` of every feed page asked for, in order.
    pub fn feed_reads(&self) -> Vec<u64> {
        lock(&self.state.feed_reads).clone()
    }

    /// The `part` values of the last person or bulk request.
    pub fn last_parts(&self) -> Vec<String> {
        lock(&self.state.last_parts).clone()
    }
}

fn freg_error(status: StatusCode, kode: &str, melding: &str) -> Response {
    (status, Json(json!({ "kode": kode, "melding": melding }))).into_response()
}

impl FregState {
    /// The common gate: counting, injected failures and delays, and the bearer token.
    async fn gate(&self, headers: &HeaderMap) -> Result<(), Response> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let delay = *lock(&self.delay);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let failure = *lock(&self.fail_with);
        if let Some(code) = failure {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return Err(freg_error(
                status,
                "FREG-001",
                "Feil i tjenesten. Vennligst prøv igjen seinere.",
            ));
        }
        self.verifier
            .check(headers, &self.scope)
            .map(|_| ())
            .map_err(|r| {
                freg_error(
                    r.status(),
                    "FREG-401",
                    "Autentiseringsinformasjon mangler eller er ugyldig",
                )
            })
    }

    fn filtered(&self, pid: &str, parts: &[String]) -> Option<Value> {
        let doc = lock(&self.persons).get(pid).cloned()?;
        Some(filter_parts(doc, parts))
    }
}

fn parts_of(query: Option<&str>) -> Vec<String> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(k, _)| k == "part")
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// Keeps the opplysninger `parts` ask for; without `historikk` only current versions.
fn filter_parts(doc: Value, parts: &[String]) -> Value {
    let history = parts.iter().any(|p| p == "historikk");
    let mut wanted: Vec<&str> = vec!["identifikasjonsnummer"];
    let named: Vec<&String> = parts.iter().filter(|p| p.as_str() != "historikk").collect();
    if named.is_empty() {
        wanted.extend(PERSON_BASIS);
    }
    for p in named {
        match p.as_str() {
            "person-basis" => wanted.extend(PERSON_BASIS),
            "relasjon-utvidet" => wanted.extend(RELASJON_UTVIDET),
            other => wanted.push(other),
        }
    }
    let Value::Object(fields) = doc else {
        return doc;
    };
    let kept = fields
        .into_iter()
        .filter(|(k, _)| wanted.contains(&k.as_str()))
        .map(|(k, v)| match v {
            Value::Array(versions) if !history => {
                let current = versions
                    .into_iter()
                    .filter(|x| x["erGjeldende"] != json!(false));
                (k, Value::Array(current.collect()))
            }
            other => (k, other),
        })
        .collect();
    Value::Object(kept)
}

async fn person(
    State(st): State<Arc<FregState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = st.gate(&headers).await {
        return r;
    }
    let parts = parts_of(query.as_deref());
    *lock(&st.last_parts) = parts.clone();
    match st.filtered(&id, &parts) {
        Some(doc) => Json(doc).into_response(),
        None => freg_error(StatusCode::NOT_FOUND, "FREG-404", "Fant ikke person"),
    }
}

async fn bulk(
    State(st): State<Arc<FregState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> Response {
    if let Err(r) = st.gate(&headers).await {
        return r;
    }
    let parts = parts_of(query.as_deref());
    *lock(&st.last_parts) = parts.clone();
    let Some(ids) = body["foedselsEllerDNummer"].as_array() else {
        return freg_error(
            StatusCode::BAD_REQUEST,
            "FREG-400",
            "foedselsEllerDNummer mangler",
        );
    };
    if ids.len() > 1000 {
        return freg_error(
            StatusCode::BAD_REQUEST,
            "FREG-400",
            "For mange identifikatorer",
        );
    }
    let oppslag: Vec<Value> = ids
        .iter()
        .filter_map(Value::as_str)
        .map(|id| match st.filtered(id, &parts) {
            Some(doc) => json!({ "foedselsEllerDNummer": id, "folkeregisterperson": doc }),
            None => json!({ "foedselsEllerDNummer": id }),
        })
        .collect();
    Json(json!({ "oppslag": oppslag })).into_response()
}

async fn feed(
    State(st): State<Arc<FregState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    if let Err(r) = st.gate(&headers).await {
        return r;
    }
    let seq = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "seq")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(0);
    lock(&st.feed_reads).push(seq);
    let page_size = st.page_size.load(Ordering::SeqCst);
    let page: Vec<Value> = lock(&st.feed)
        .entries
        .iter()
        .filter(|e| e["sekvensnummer"].as_u64().is_some_and(|s| s >= seq))
        .take(page_size)
        .cloned()
        .collect();
    Json(page).into_response()
}
