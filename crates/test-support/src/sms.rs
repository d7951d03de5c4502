//! A stand-in SMS gateway for delivery tests: real HTTP on a free loopback port.
//!
//! `POST /sms` with a bearer token and JSON `{"to", "text", "reference"}`, answering
//! `202 {"id": ..}`. A repeated `Idempotency-Key` is answered like the first request and not
//! recorded again. It can fail the next N requests with a chosen status (and `Retry-After`),
//! or refuse some numbers for good (`400`).

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use url::Url;

/// The token the gateway accepts.
pub const SMS_TOKEN: &str = "test-sms-token";

/// One message the gateway accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsMessage {
    pub to: String,
    pub text: String,
    pub reference: String,
    pub idempotency_key: Option<String>,
    pub at: jiff::Timestamp,
}

#[derive(Debug, Deserialize)]
struct SmsRequest {
    to: String,
    text: String,
    reference: String,
}

#[derive(Default)]
struct Failures {
    /// Requests still to fail, with the status and `Retry-After` seconds.
    remaining: usize,
    status: u16,
    retry_after: Option<u64>,
    refused: HashSet<String>,
}

#[derive(Default)]
struct GatewayState {
    messages: Mutex<Vec<SmsMessage>>,
    keys: Mutex<HashMap<String, usize>>,
    failures: Mutex<Failures>,
    requests: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A running gateway; stops when dropped.
pub struct SmsGateway {
    url: Url,
    state: Arc<GatewayState>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for SmsGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsGateway")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl Drop for SmsGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmsGateway {
    pub async fn start() -> SmsGateway {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let url: Url = format!("http://{}/sms", listener.local_addr().expect("address"))
            .parse()
            .expect("URL");
        let state = Arc::new(GatewayState::default());
        let app = Router::new()
            .route("/sms", post(receive))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        SmsGateway { url, state, task }
    }

    /// Where to post messages.
    pub fn url(&self) -> Url {
        self.url.clone()
    }

    /// The bearer token to use ([`SMS_TOKEN`]).
    pub fn token(&self) -> &'static str {
        SMS_TOKEN
    }

    /// Answers the next `n` requests with `status` (e.g. 503 or 429), with `Retry-After`
    /// seconds when given.
    pub fn fail_next(&self, n: usize, status: u16, retry_after: Option<u64>) {
        let mut f = lock(&self.state.failures);
        f.remaining = n;
        f.status = status;
        f.retry_after = retry_after;
    }

    /// Refuses every message to `to` with `400` from now on.
    pub fn refuse(&self, to: &str) {
        lock(&self.state.failures).refused.insert(to.to_owned());
    }

    /// The accepted messages, in order (each idempotency key once).
    pub fn messages(&self) -> Vec<SmsMessage> {
        lock(&self.state.messages).clone()
    }

    /// Every request received, also refused and repeated ones.
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }
}

async fn receive(
    State(st): State<Arc<GatewayState>>,
    headers: HeaderMap,
    body: Result<Json<SmsRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    st.requests.fetch_add(1, Ordering::SeqCst);
    let expected = format!("Bearer {SMS_TOKEN}");
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(&expected)
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "bad token"})),
        )
            .into_response();
    }
    let Ok(Json(req)) = body else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "bad body"}))).into_response();
    };
    {
        let mut f = lock(&st.failures);
        if f.remaining > 0 {
            f.remaining -= 1;
            let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut response = (status, Json(json!({"error": "try later"}))).into_response();
            if let Some(secs) = f.retry_after
                && let Ok(v) = HeaderValue::from_str(&secs.to_string())
            {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return response;
        }
        if f.refused.contains(&req.to) {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid number"})),
            )
                .into_response();
        }
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut messages = lock(&st.messages);
    if let Some(k) = &key
        && let Some(&index) = lock(&st.keys).get(k)
    {
        return (
            StatusCode::ACCEPTED,
            Json(json!({"id": index, "repeated": true})),
        )
            .into_response();
    }
    let index = messages.len();
    if let Some(k) = &key {
        lock(&st.keys).insert(k.clone(), index);
    }
    messages.push(SmsMessage {
        to: req.to,
        text: req.text,
        reference: req.reference,
        idempotency_key: key,
        at: jiff::Timestamp::now(),
    });
    (StatusCode::ACCEPTED, Json(json!({"id": index}))).into_response()
}
