//! A local Maskinporten over real HTTP on 127.0.0.1:0: the token endpoint (JWT grant), the
//! authorization server metadata and the JWKS. It checks a grant the way Maskinporten does and
//! answers with Maskinporten's JSON and RS256-signed JWT access tokens.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use rsa::pkcs1v15::{SigningKey, VerifyingKey};
use rsa::sha2::Sha256;
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
use url::Url;

use super::{AccessTokenVerifier, generate_key, key_pem, shared_test_key};
use crate::{
    Clock, JWT_BEARER_GRANT_TYPE, MAX_ASSERTION_LIFETIME_SECS, MaskinportenConfig, Scopes, jwt,
};

/// The key id of the stand-in's own token signing key.
const ISSUER_KID: &str = "minside-standin";
/// How far in the future a grant's `iat` may be (clock skew), in seconds.
const ALLOWED_SKEW_SECS: i64 = 10;

fn issuer_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(generate_key)
}

struct RegisteredClient {
    kid: String,
    key: VerifyingKey<Sha256>,
    scopes: HashSet<String>,
}

struct StandInState {
    issuer: String,
    signing: SigningKey<Sha256>,
    public: RsaPublicKey,
    clock: Arc<dyn Clock>,
    clients: Mutex<HashMap<String, RegisteredClient>>,
    seen_jti: Mutex<HashSet<String>>,
    expires_in: AtomicU64,
    delay_ms: AtomicU64,
    fail_with: Mutex<Option<u16>>,
    token_requests: AtomicUsize,
    issued: AtomicUsize,
    refusals: Mutex<Vec<String>>,
    last_assertion: Mutex<Option<String>>,
}

/// A running local Maskinporten. Stops when dropped.
pub struct MaskinportenStandIn {
    state: Arc<StandInState>,
    base: Url,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for MaskinportenStandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MaskinportenStandIn")
            .field("issuer", &self.state.issuer)
            .finish_non_exhaustive()
    }
}

impl Drop for MaskinportenStandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MaskinportenStandIn {
    /// Starts on 127.0.0.1 on a free port. Tokens live 120 seconds unless changed.
    pub async fn start(clock: Arc<dyn Clock>) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let base: Url = format!("http://{addr}/").parse().expect("base URL");
        let key = issuer_key().clone();
        let state = Arc::new(StandInState {
            issuer: base.to_string(),
            public: key.to_public_key(),
            signing: SigningKey::new(key),
            clock,
            clients: Mutex::new(HashMap::new()),
            seen_jti: Mutex::new(HashSet::new()),
            expires_in: AtomicU64::new(120),
            delay_ms: AtomicU64::new(0),
            fail_with: Mutex::new(None),
            token_requests: AtomicUsize::new(0),
            issued: AtomicUsize::new(0),
            refusals: Mutex::new(Vec::new()),
            last_assertion: Mutex::new(None),
        });
        let app = Router::new()
            .route("/token", post(token))
            .route("/.well-known/oauth-authorization-server", get(metadata))
            .route("/jwk", get(jwks))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { state, base, task }
    }

    /// Maskinporten's issuer, the `aud` a grant must carry (`http://127.0.0.1:PORT/`).
    pub fn issuer(&self) -> &str {
        &self.state.issuer
    }

    pub fn token_endpoint(&self) -> Url {
        self.base.join("token").expect("token URL")
    }

    /// Registers a client whose grants are signed by `public_key`'s private half under `kid`.
    pub fn register_client(
        &self,
        client_id: &str,
        kid: &str,
        public_key: &RsaPublicKey,
        scopes: &[&str],
    ) {
        lock(&self.state.clients).insert(
            client_id.to_owned(),
            RegisteredClient {
                kid: kid.to_owned(),
                key: VerifyingKey::new(public_key.clone()),
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            },
        );
    }

    /// Registers `client_id` with the shared test key (kid `"<client_id>-key"`) and returns a
    /// client configuration pointing here.
    pub fn client_config(&self, client_id: &str, scopes: &[&str]) -> MaskinportenConfig {
        let key = shared_test_key();
        let kid = format!("{client_id}-key");
        self.register_client(client_id, &kid, &key.to_public_key(), scopes);
        MaskinportenConfig::new(
            self.token_endpoint(),
            self.issuer(),
            client_id,
            key_pem(key),
            kid,
        )
    }

    /// A verifier of the access tokens issued here, for register stand-ins.
    pub fn verifier(&self) -> AccessTokenVerifier {
        AccessTokenVerifier {
            key: VerifyingKey::new(self.state.public.clone()),
            issuer: self.state.issuer.clone(),
            clock: self.state.clock.clone(),
        }
    }

    /// Requests to the token endpoint so far, refused ones included.
    pub fn token_requests(&self) -> usize {
        self.state.token_requests.load(Ordering::SeqCst)
    }

    /// Tokens issued so far.
    pub fn tokens_issued(&self) -> usize {
        self.state.issued.load(Ordering::SeqCst)
    }

    /// Why grants were refused, oldest first.
    pub fn refusals(&self) -> Vec<String> {
        lock(&self.state.refusals).clone()
    }

    /// The last grant received, as sent (compact JWS).
    pub fn last_assertion(&self) -> Option<String> {
        lock(&self.state.last_assertion).clone()
    }

    /// Header and claims of the last grant received (not verified).
    pub fn last_grant(&self) -> Option<(Value, Value)> {
        jwt::decode_unverified(&self.last_assertion()?).ok()
    }

    /// The `expires_in` of tokens issued from now on.
    pub fn set_expires_in(&self, secs: u64) {
        self.state.expires_in.store(secs, Ordering::SeqCst);
    }

    /// Holds each token answer back this long (to let concurrent callers pile up).
    pub fn set_response_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.state.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Answers every token request with this HTTP status (e.g. 503) until set to `None`.
    pub fn fail_with(&self, status: Option<u16>) {
        *lock(&self.state.fail_with) = status;
    }
}

async fn token(
    State(st): State<Arc<StandInState>>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    st.token_requests.fetch_add(1, Ordering::SeqCst);
    let delay = st.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let failure = *lock(&st.fail_with);
    if let Some(code) = failure {
        let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, Json(json!({ "error": "server_error" }))).into_response();
    }
    match st.grant(&form) {
        Ok(body) => {
            st.issued.fetch_add(1, Ordering::SeqCst);
            Json(body).into_response()
        }
        Err((error, description)) => {
            lock(&st.refusals).push(description.clone());
            let body = json!({ "error": error, "error_description": description });
            (StatusCode::BAD_REQUEST, Json(body)).into_response()
        }
    }
}

type Refusal = (&'static str, String);

fn refuse(error: &'static str, description: &str) -> Refusal {
    (error, description.to_owned())
}

impl StandInState {
    /// Checks a JWT grant as Maskinporten does and issues a token.
    fn grant(&self, form: &HashMap<String, String>) -> Result<Value, Refusal> {
        if form.get("grant_type").map(String::as_str) != Some(JWT_BEARER_GRANT_TYPE) {
            return Err(refuse(
                "unsupported_grant_type",
                "grant_type must be jwt-bearer",
            ));
        }
        let assertion = form
            .get("assertion")
            .ok_or_else(|| refuse("invalid_request", "assertion missing"))?;
        *lock(&self.last_assertion) = Some(assertion.clone());
        let (header, claims) =
            jwt::decode_unverified(assertion).map_err(|e| refuse("invalid_grant", e))?;
        let str_claim = |k: &str| claims.get(k).and_then(Value::as_str);
        let int_claim = |k: &str| claims.get(k).and_then(Value::as_i64);
        let client_id = str_claim("iss").ok_or_else(|| refuse("invalid_grant", "iss missing"))?;
        let allowed = {
            let clients = lock(&self.clients);
            let client = clients
                .get(client_id)
                .ok_or_else(|| refuse("invalid_client", "unknown client (iss)"))?;
            if header.get("kid").and_then(Value::as_str) != Some(client.kid.as_str()) {
                return Err(refuse("invalid_grant", "unknown kid"));
            }
            jwt::verify_rs256(&client.key, assertion).map_err(|e| refuse("invalid_grant", e))?;
            client.scopes.clone()
        };
        if str_claim("aud") != Some(self.issuer.as_str()) {
            return Err(refuse("invalid_grant", "aud is not this issuer"));
        }
        let now = self.clock.now().as_second();
        let (Some(iat), Some(exp)) = (int_claim("iat"), int_claim("exp")) else {
            return Err(refuse("invalid_grant", "iat and exp are required"));
        };
        if exp <= now {
            return Err(refuse("invalid_grant", "the grant has expired"));
        }
        if iat > now + ALLOWED_SKEW_SECS {
            return Err(refuse("invalid_grant", "iat is in the future"));
        }
        if exp - iat > i64::try_from(MAX_ASSERTION_LIFETIME_SECS).unwrap_or(120) {
            return Err(refuse("invalid_grant", "exp - iat is over 120 seconds"));
        }
        let jti = str_claim("jti").filter(|j| !j.is_empty());
        let jti = jti.ok_or_else(|| refuse("invalid_grant", "jti missing"))?;
        if !lock(&self.seen_jti).insert(jti.to_owned()) {
            return Err(refuse("invalid_grant", "jti has been used before"));
        }
        let scopes = str_claim("scope")
            .and_then(|s| Scopes::parse(s).ok())
            .ok_or_else(|| refuse("invalid_scope", "scope missing"))?;
        if let Some(s) = scopes.iter().find(|s| !allowed.contains(*s)) {
            return Err(refuse(
                "invalid_scope",
                &format!("scope {s} is not allowed"),
            ));
        }
        let expires_in = self.expires_in.load(Ordering::SeqCst);
        let token_claims = json!({
            "iss": self.issuer,
            "client_amr": "private_key_jwt",
            "token_type": "Bearer",
            "aud": "unspecified",
            "scope": scopes.to_claim(),
            "client_id": client_id,
            "consumer": { "authority": "iso6523-actorid-upis", "ID": "0192:991825827" },
            "iat": now,
            "exp": now + i64::try_from(expires_in).unwrap_or(i64::MAX / 2),
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        let header = json!({ "alg": "RS256", "kid": ISSUER_KID });
        Ok(json!({
            "access_token": jwt::sign_rs256(&self.signing, &header, &token_claims),
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": scopes.to_claim(),
        }))
    }
}

async fn metadata(State(st): State<Arc<StandInState>>) -> Json<Value> {
    Json(json!({
        "issuer": st.issuer,
        "token_endpoint": format!("{}token", st.issuer),
        "jwks_uri": format!("{}jwk", st.issuer),
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "grant_types_supported": [JWT_BEARER_GRANT_TYPE],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512"],
    }))
}

async fn jwks(State(st): State<Arc<StandInState>>) -> Json<Value> {
    Json(json!({ "keys": [{
        "kty": "RSA",
        "kid": ISSUER_KID,
        "alg": "RS256",
        "use": "sig",
        "n": jwt::b64url(&st.public.n().to_bytes_be()),
        "e": jwt::b64url(&st.public.e().to_bytes_be()),
    }]}))
}
