//! The Redis tier against a real redis-server started on a free port in a temporary directory.

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use minside_cache::{
    Answer, Cache, CacheError, Freshness, ManualClock, MemorySnapshotStore, RedisTier,
};

use crate::support::*;

/// A throwaway redis-server; killed when dropped.
struct RedisServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl RedisServer {
    /// None (with a message) when redis-server is not installed, except under CI=true, where
    /// a missing server fails the test.
    fn start() -> Option<Self> {
        let installed = Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !installed {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "redis-server is not installed (apt-get install -y redis-server)"
            );
            eprintln!("SKIPPED: redis-server is not installed; the Redis tier was not tested");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self {
            child,
            port,
            _dir: dir,
        };
        for _ in 0..500 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(server);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("redis-server did not start on port {port}");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Instance {
    cache: Cache,
    source: Arc<FakeSource>,
    store: Arc<MemorySnapshotStore>,
}

async fn instance(
    server: &RedisServer,
    clock: &Arc<ManualClock>,
    answer: &'static str,
) -> Instance {
    let source = FakeSource::new("shared", Step::Answer(answer));
    let store = Arc::new(MemorySnapshotStore::new());
    let tier = RedisTier::connect(&server.url(), "test").await.unwrap();
    let cache = Cache::builder(store.clone(), cipher())
        .source(source.clone(), policy())
        .redis(tier)
        .clock(clock.clone())
        .build()
        .unwrap();
    Instance {
        cache,
        source,
        store,
    }
}

async fn get(i: &Instance, n: u128) -> Answer {
    let (key, subject) = resident(n);
    i.cache.get("shared", key, &subject, &ctx()).await.unwrap()
}

#[tokio::test]
async fn two_instances_share_copies_and_invalidations() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let clock = Arc::new(ManualClock::new(start()));
    let a = instance(&server, &clock, "from-a").await;
    let b = instance(&server, &clock, "from-b").await;

    // A fetches; its write-behind puts the sealed copy into Redis (before its own store).
    assert_eq!(titles(&get(&a, 1).await), ["from-a"]);
    eventually(|| async { a.store.len() == 1 }).await;

    // B answers from the shared copy without calling its source.
    let answer = get(&b, 1).await;
    assert_eq!(titles(&answer), ["from-a"]);
    assert_eq!(answer.freshness, Freshness::Fresh);
    assert_eq!(b.source.calls(), 0);
    assert!(b.store.is_empty(), "a shared copy is not re-saved");

    // Invalidating on A drops B's memory copy too: B's next get asks its own source.
    let (key, _) = resident(1);
    a.cache.invalidate("shared", key).await.unwrap();
    assert!(a.store.is_empty());
    eventually(|| async { titles(&get(&b, 1).await) == ["from-b"] }).await;
    assert_eq!(b.source.calls(), 1);
    assert_eq!(a.source.calls(), 1);

    // Without Redis the cache goes on with memory, the store and the source.
    drop(server);
    assert_eq!(titles(&get(&a, 2).await), ["from-a"]);
    assert_eq!(titles(&get(&a, 2).await), ["from-a"]);
    assert_eq!(a.source.calls(), 2);
    let (key, _) = resident(2);
    let err = a.cache.invalidate("shared", key).await.unwrap_err();
    assert!(matches!(err, CacheError::Unavailable(_)), "{err:?}");
    assert_eq!(titles(&get(&a, 2).await), ["from-a"]);
    assert_eq!(
        a.source.calls(),
        3,
        "the local copy was dropped all the same"
    );
}

#[tokio::test]
async fn a_redis_url_with_a_password_never_shows_up_in_errors() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:hunter2secret@127.0.0.1:{port}/");
    let err = RedisTier::connect(&url, "test").await.unwrap_err();
    assert!(matches!(err, CacheError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains("hunter2secret"), "{err}");
    let err = RedisTier::connect("nonsense://:pw@", "test")
        .await
        .unwrap_err();
    assert!(!format!("{err:?}").contains("pw"), "{err:?}");
}
