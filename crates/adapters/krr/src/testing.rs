//! Test support (feature `testing`): a local KRR over real HTTP on 127.0.0.1:0, and entries in
//! KRR's JSON shape.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use jiff::Timestamp;
use minside_core::Pid;
use minside_core::lifephase::oslo;
use minside_maskinporten::testing::AccessTokenVerifier;
use serde_json::{Value, json};
use url::Url;

use crate::{CONTACT_SCOPE, DIGITAL_POST_SCOPE};

/// A KRR entry, built step by step.
#[derive(Debug, Clone)]
pub struct KrrEntry {
    pid: Pid,
    json: Value,
}

/// KRR's time format (offset with minutes, Oslo time).
fn krr_time(t: Timestamp) -> String {
    t.to_zoned_datetime(oslo())
        .strftime("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

impl KrrEntry {
    /// An active, unreserved, notifiable entry with language `nb` and no contact points.
    pub fn active(pid: &Pid) -> Self {
        Self {
            pid: pid.clone(),
            json: json!({
                "personidentifikator": pid.expose(),
                "reservasjon": "NEI",
                "status": "AKTIV",
                "varslingsstatus": "KAN_VARSLES",
                "kontaktinformasjon": {},
                "spraak": "nb",
                "spraak_oppdatert": "2019-03-01T10:00:00+01:00",
            }),
        }
    }

    pub fn pid(&self) -> &Pid {
        &self.pid
    }

    pub fn email(mut self, address: &str, updated: Timestamp, verified: Option<Timestamp>) -> Self {
        let k = &mut self.json["kontaktinformasjon"];
        k["epostadresse"] = json!(address);
        k["epostadresse_oppdatert"] = json!(krr_time(updated));
        if let Some(v) = verified {
            k["epostadresse_sist_verifisert"] = json!(krr_time(v));
        }
        self
    }

    pub fn mobile(mut self, number: &str, updated: Timestamp, verified: Option<Timestamp>) -> Self {
        let k = &mut self.json["kontaktinformasjon"];
        k["mobiltelefonnummer"] = json!(number);
        k["mobiltelefonnummer_oppdatert"] = json!(krr_time(updated));
        if let Some(v) = verified {
            k["mobiltelefonnummer_sist_verifisert"] = json!(krr_time(v));
        }
        self
    }

    pub fn reserved(mut self) -> Self {
        self.json["reservasjon"] = json!("JA");
        self
    }

    pub fn cannot_be_notified(mut self) -> Self {
        self.json["varslingsstatus"] = json!("KAN_IKKE_VARSLES");
        self
    }

    pub fn status(mut self, status: &str) -> Self {
        self.json["status"] = json!(status);
        self
    }

    pub fn language(mut self, spraak: &str) -> Self {
        self.json["spraak"] = json!(spraak);
        self
    }

    /// A digital mailbox at `provider` (e.g. `digipost`), with a certificate.
    pub fn digital_post(mut self, provider: &str) -> Self {
        self.json["digital_post"] = json!({
            "postkasseadresse": format!("kari.nordmann#{}", provider.len()),
            "postkasseleverandoeradresse": provider,
        });
        self.json["sertifikat"] = json!("MIIFakeCertificateBase64==");
        self
    }

    pub fn to_json(&self) -> Value {
        self.json.clone()
    }
}

struct KrrState {
    verifier: AccessTokenVerifier,
    entries: Mutex<HashMap<String, Value>>,
    fail_with: Mutex<Option<u16>>,
    requests: AtomicUsize,
    batch_sizes: Mutex<Vec<usize>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running local KRR. Stops when dropped.
pub struct KrrStandIn {
    state: Arc<KrrState>,
    base: Url,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for KrrStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KrrStandIn")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Drop for KrrStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl KrrStandIn {
    /// Starts on a free port, accepting tokens `verifier` accepts with the contact scope.
    pub async fn start(verifier: AccessTokenVerifier) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let base: Url = format!("http://{}/", listener.local_addr().expect("address"))
            .parse()
            .expect("URL");
        let state = Arc::new(KrrState {
            verifier,
            entries: Mutex::new(HashMap::new()),
            fail_with: Mutex::new(None),
            requests: AtomicUsize::new(0),
            batch_sizes: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/rest/v1/personer", post(personer))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { state, base, task }
    }

    /// The environment root to configure the client with.
    pub fn base_url(&self) -> Url {
        self.base.clone()
    }

    pub fn put(&self, entry: &KrrEntry) {
        self.put_raw(entry.pid().expose(), entry.to_json());
    }

    /// Adds or replaces an entry as raw JSON (e.g. odd time formats).
    pub fn put_raw(&self, pid: &str, entry: Value) {
        lock(&self.state.entries).insert(pid.to_owned(), entry);
    }

    /// Answers every request with this status (e.g. 503) until `None`.
    pub fn fail_with(&self, status: Option<u16>) {
        *lock(&self.state.fail_with) = status;
    }

    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// The number of personidentifikatorer in each request, in order.
    pub fn batch_sizes(&self) -> Vec<usize> {
        lock(&self.state.batch_sizes).clone()
    }
}

async fn personer(
    State(st): State<Arc<KrrState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    Json(body): Json<Value>,
) -> Response {
    st.requests.fetch_add(1, Ordering::SeqCst);
    let failure = *lock(&st.fail_with);
    if let Some(code) = failure {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (
            status,
            Json(json!({ "message": "Tjenesten er utilgjengelig" })),
        )
            .into_response();
    }
    let scopes = match st.verifier.check(&headers, CONTACT_SCOPE) {
        Ok(s) => s,
        Err(r) => return (r.status(), Json(json!({ "message": "Ugyldig token" }))).into_response(),
    };
    let Some(ids) = body["personidentifikatorer"].as_array() else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "message": "personidentifikatorer mangler" })),
        )
            .into_response();
    };
    lock(&st.batch_sizes).push(ids.len());
    if ids.is_empty() || ids.len() > 1000 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "message": "1 til 1000 personidentifikatorer" })),
        )
            .into_response();
    }
    let include_unregistered = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .any(|(k, v)| k == "inkluderIkkeRegistrerte" && v == "true");
    let digital_post = scopes.contains(DIGITAL_POST_SCOPE);
    let entries = lock(&st.entries);
    let personer: Vec<Value> = ids
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|id| match entries.get(id) {
            Some(e) => {
                let mut e = e.clone();
                if !digital_post && let Some(o) = e.as_object_mut() {
                    o.remove("digital_post");
                    o.remove("sertifikat");
                }
                Some(e)
            }
            None if include_unregistered => {
                Some(json!({ "personidentifikator": id, "status": "IKKE_REGISTRERT" }))
            }
            None => None,
        })
        .collect();
    Json(json!({ "personer": personer })).into_response()
}
