//! The optional Redis tier: sealed copies shared by several app instances, and pub/sub
//! invalidation so that `invalidate` on one instance drops the copy from every instance's
//! memory.
//!
//! Keys: `<namespace>:cache:<source>:<resident uuid>`, value the sealed copy, expiring with the
//! copy's stale-if-error window. Channel: `<namespace>:cache-invalidate`, message
//! `<instance uuid>\n<source>\n<resident uuid>`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use redis::aio::{ConnectionManager, PubSub};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::source::Source;
use crate::{CacheError, SubjectKey};

/// A connection to Redis for the shared tier. Off unless the server configures a URL.
pub struct RedisTier {
    client: redis::Client,
    conn: ConnectionManager,
    namespace: String,
    instance: Uuid,
    subscription: Option<PubSub>,
    timeout: Duration,
}

impl fmt::Debug for RedisTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTier")
            .field("namespace", &self.namespace)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl RedisTier {
    /// Connects and subscribes to the invalidation channel before returning, so that a cache
    /// built with it hears every invalidation published after this. `namespace` separates
    /// deployments sharing one Redis (e.g. `"minside"`). Errors never repeat the URL, which may
    /// hold a password.
    pub async fn connect(url: &str, namespace: &str) -> Result<Self, CacheError> {
        let client = redis::Client::open(url)
            .map_err(|_| CacheError::Config("the Redis URL is not valid".into()))?;
        let unreachable = |e: redis::RedisError| {
            CacheError::Unavailable(format!("could not connect to Redis: {}", e.kind_text()))
        };
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_connection_timeout(Some(Duration::from_secs(2)))
            .set_response_timeout(Some(Duration::from_secs(1)));
        let conn = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(unreachable)?;
        let channel = channel(namespace);
        let subscription = subscribe(&client, &channel).await.map_err(unreachable)?;
        Ok(Self {
            client,
            conn,
            namespace: namespace.to_owned(),
            instance: Uuid::now_v7(),
            subscription: Some(subscription),
            timeout: Duration::from_millis(500),
        })
    }

    /// How long one Redis command may take before the cache goes on without it (default
    /// 500 ms).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub(crate) fn take_subscription(&mut self) -> Option<PubSub> {
        self.subscription.take()
    }

    fn key(&self, source: &str, key: SubjectKey) -> String {
        format!("{}:cache:{source}:{}", self.namespace, key.0)
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, String> {
        let mut conn = self.conn.clone();
        match tokio::time::timeout(self.timeout, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(e.kind_text()),
            Err(_) => Err("redis did not answer in time".into()),
        }
    }

    pub(crate) async fn get(
        &self,
        source: &str,
        key: SubjectKey,
    ) -> Result<Option<Vec<u8>>, String> {
        self.run(redis::cmd("GET").arg(self.key(source, key))).await
    }

    pub(crate) async fn put(
        &self,
        source: &str,
        key: SubjectKey,
        sealed: &[u8],
        ttl: Duration,
    ) -> Result<(), String> {
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let cmd = redis::cmd("PSETEX")
            .arg(self.key(source, key))
            .arg(millis)
            .arg(sealed)
            .clone();
        self.run(&cmd).await
    }

    /// Deletes the shared copy and tells the other instances to drop theirs.
    pub(crate) async fn invalidate(&self, source: &str, key: SubjectKey) -> Result<(), String> {
        self.run::<()>(redis::cmd("DEL").arg(self.key(source, key)))
            .await?;
        let message = format!("{}\n{source}\n{}", self.instance, key.0);
        let publish = redis::cmd("PUBLISH")
            .arg(channel(&self.namespace))
            .arg(message)
            .clone();
        self.run::<i64>(&publish).await.map(|_| ())
    }

    /// Drops the memory copies named by other instances' invalidations until `stop` fires
    /// (the cache is dropped). When the subscription is lost it reconnects and, having maybe
    /// missed invalidations, empties this instance's memory tier.
    pub(crate) fn listen(
        &self,
        subscription: PubSub,
        sources: Arc<BTreeMap<String, Arc<Source>>>,
        mut stop: oneshot::Receiver<()>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let client = self.client.clone();
        let channel = channel(&self.namespace);
        let instance = self.instance.to_string();
        async move {
            let mut subscription = Some(subscription);
            let mut backoff = Duration::from_millis(100);
            loop {
                let pubsub = match subscription.take() {
                    Some(pubsub) => pubsub,
                    None => match subscribe(&client, &channel).await {
                        Ok(pubsub) => {
                            tracing::info!("redis subscription restored; emptying memory tier");
                            sources.values().for_each(|s| s.memory.invalidate_all());
                            backoff = Duration::from_millis(100);
                            pubsub
                        }
                        Err(e) => {
                            tracing::warn!(error = %e.kind_text(), "redis subscribe failed");
                            tokio::select! {
                                _ = &mut stop => return,
                                () = tokio::time::sleep(backoff) => {}
                            }
                            backoff = (backoff * 2).min(Duration::from_secs(10));
                            continue;
                        }
                    },
                };
                let mut messages = pubsub.into_on_message();
                loop {
                    tokio::select! {
                        _ = &mut stop => return,
                        message = messages.next() => match message {
                            Some(m) => apply(m.get_payload_bytes(), &instance, &sources).await,
                            None => break,
                        },
                    }
                }
                tracing::warn!("redis subscription lost; reconnecting");
            }
        }
    }
}

async fn apply(payload: &[u8], instance: &str, sources: &BTreeMap<String, Arc<Source>>) {
    let text = String::from_utf8_lossy(payload);
    let mut parts = text.split('\n');
    let (Some(from), Some(source), Some(key), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        tracing::warn!("ignoring a malformed invalidation message");
        return;
    };
    if from == instance {
        return;
    }
    let (Some(source), Ok(key)) = (sources.get(source), Uuid::parse_str(key)) else {
        return;
    };
    source.forget(SubjectKey(key)).await;
}

fn channel(namespace: &str) -> String {
    format!("{namespace}:cache-invalidate")
}

async fn subscribe(client: &redis::Client, channel: &str) -> redis::RedisResult<PubSub> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    Ok(pubsub)
}

/// A short description of a Redis error without the server's address or credentials.
trait KindText {
    fn kind_text(&self) -> String;
}

impl KindText for redis::RedisError {
    fn kind_text(&self) -> String {
        format!("{:?}", self.kind())
    }
}
