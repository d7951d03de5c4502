//! The HTTP side: Folkeregisteret's "offentlig med hjemmel" endpoints with a Maskinporten
//! bearer token, and the mapping of outcomes to [`AdapterError`].

use std::sync::Arc;
use std::time::Duration;

use minside_adapter::{AdapterError, Pid};
use minside_maskinporten::{MaskinportenError, Scopes, TokenSource};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{self, FolkeregisterError};
use crate::model::{Bulkoppslag, FeedEntry, Folkeregisterperson};

/// The path of the rights package under the environment's root.
const API_ROOT: &str = "folkeregisteret/offentlig-med-hjemmel/api/v1/";

/// Parts for showing a resident their registered name, birth date and address.
pub(crate) const VIEW_PARTS: &[&str] = &["navn", "foedsel", "bostedsadresse"];
/// Parts for the resident mirror.
pub(crate) const MIRROR_PARTS: &[&str] = &[
    "navn",
    "foedsel",
    "bostedsadresse",
    "foreldreansvar",
    "doedsfall",
    "status",
];
/// Parts for resolving feed events: the mirror's and earlier addresses (to tell moves apart).
pub(crate) const FEED_PARTS: &[&str] = &[
    "navn",
    "foedsel",
    "bostedsadresse",
    "foreldreansvar",
    "doedsfall",
    "status",
    "historikk",
];

pub(crate) struct FregHttp {
    http: reqwest::Client,
    api: Url,
    tokens: Arc<dyn TokenSource>,
    scopes: Scopes,
}

impl FregHttp {
    pub(crate) fn new(
        base_url: &Url,
        scope: &str,
        timeout: Duration,
        tokens: Arc<dyn TokenSource>,
    ) -> Result<Self, FolkeregisterError> {
        let mut base = base_url.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        let api = base
            .join(API_ROOT)
            .map_err(|_| FolkeregisterError::Config("base_url cannot be a base".into()))?;
        let scopes =
            Scopes::parse(scope).map_err(|e| FolkeregisterError::Config(format!("scope: {e}")))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|_| FolkeregisterError::Config("could not build the HTTP client".into()))?;
        Ok(Self {
            http,
            api,
            tokens,
            scopes,
        })
    }

    fn url(&self, path: &str) -> Result<Url, AdapterError> {
        self.api
            .join(path)
            .map_err(|_| AdapterError::BadData("could not build a request URL".into()))
    }

    /// `GET personer/{folkeregisteridentifikator}?part=...`
    pub(crate) async fn person(
        &self,
        pid: &Pid,
        parts: &[&str],
    ) -> Result<Folkeregisterperson, AdapterError> {
        let url = self.url(&format!("personer/{}", pid.expose()))?;
        let request = self.http.get(url).query(&part_query(parts));
        self.send(request, "the person document").await
    }

    /// `POST personer/bulkoppslag?part=...` for up to 1000 persons: each asked-for number with
    /// its document (persons Folkeregisteret does not know are left out).
    pub(crate) async fn bulk(
        &self,
        pids: &[Pid],
        parts: &[&str],
    ) -> Result<Vec<(String, Folkeregisterperson)>, AdapterError> {
        let body = serde_json::json!({
            "foedselsEllerDNummer": pids.iter().map(Pid::expose).collect::<Vec<_>>(),
        });
        let request = self
            .http
            .post(self.url("personer/bulkoppslag")?)
            .query(&part_query(parts))
            .json(&body);
        let answer: Bulkoppslag = self.send(request, "the bulkoppslag answer").await?;
        Ok(answer
            .oppslag
            .into_iter()
            .filter_map(|t| Some((t.foedsels_eller_d_nummer, t.folkeregisterperson?)))
            .collect())
    }

    /// `GET hendelser/feed?seq=N`: entries from sequence number `seq` on.
    pub(crate) async fn feed(&self, seq: u64) -> Result<Vec<FeedEntry>, AdapterError> {
        let request = self
            .http
            .get(self.url("hendelser/feed")?)
            .query(&[("seq", seq)]);
        self.send(request, "the hendelsesliste page").await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        what: &str,
    ) -> Result<T, AdapterError> {
        let token = self
            .tokens
            .access_token(&self.scopes)
            .await
            .map_err(token_error)?;
        let response = request
            .bearer_auth(token.secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(error::transport)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(error::transport)?;
        if status == 401 {
            // The token may have been revoked: the next call gets a fresh one.
            self.tokens.invalidate(&self.scopes);
        }
        if !(200..300).contains(&status) {
            tracing::debug!(status, "Folkeregisteret answered with an error");
            return Err(error::status(status, &body));
        }
        serde_json::from_slice(&body).map_err(|e| error::bad_json(what, &e))
    }
}

fn part_query<'a>(parts: &[&'a str]) -> Vec<(&'static str, &'a str)> {
    parts.iter().map(|p| ("part", *p)).collect()
}

/// A failure to get a token is Maskinporten's problem, reported as such.
pub(crate) fn token_error(e: MaskinportenError) -> AdapterError {
    if e.is_retryable() {
        AdapterError::Unavailable(format!("no Maskinporten token: {e}"))
    } else {
        AdapterError::Unauthorized(format!("no Maskinporten token: {e}"))
    }
}
