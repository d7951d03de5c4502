//! Shared test helpers: synthetic subjects, a process-wide log capture, adapter configs.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use minside_adapter::{Category, FetchContext, Kommunenummer, Pid, Purpose, Subject};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

static LOGS: OnceLock<Buffer> = OnceLock::new();

/// Installs (once per test binary) a subscriber recording everything at TRACE level, with span
/// fields, including `log` records (reqwest logs through `log`), except the wiremock stand-in's
/// own logs (it is the remote system, not us).
pub fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Buffer::default();
        tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .with_env_filter(EnvFilter::new("trace,wiremock=off"))
            .with_writer(buffer.clone())
            .try_init()
            .expect("no other global subscriber");
        buffer
    });
}

/// Everything logged so far in this test binary.
pub fn logs() -> String {
    let bytes = LOGS
        .get()
        .expect("capture_logs() first")
        .0
        .lock()
        .unwrap()
        .clone();
    String::from_utf8(bytes).unwrap()
}

/// Asserts that nothing logged so far contains `pid`, and that something was logged at all.
pub fn assert_logs_free_of(pid: &Pid) {
    let logs = logs();
    assert!(!logs.is_empty(), "the capture works");
    assert!(
        !logs.contains(pid.expose()),
        "a log line holds the pid:\n{logs}"
    );
}

/// A synthetic fødselsnummer; `n` picks one of a few distinct people.
pub fn pid(n: u16) -> Pid {
    let birth = jiff::civil::date(1985, 3, 14);
    (100 + 10 * n..200)
        .find_map(|i| Pid::synthetic(birth, i))
        .expect("a synthetic pid")
}

pub fn subject(pid: &Pid) -> Subject {
    Subject {
        pid: pid.clone(),
        kommunenummer: Kommunenummer::parse("3203").unwrap(),
    }
}

pub fn ctx() -> FetchContext {
    FetchContext {
        purpose: Purpose::ResidentView,
        request_id: Some("req-42".into()),
    }
}

pub fn cat(id: &str) -> Category {
    Category::parse(id).unwrap()
}
