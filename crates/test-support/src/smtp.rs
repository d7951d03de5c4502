//! A real SMTP server for delivery tests: `tests/smtp/smtp_server.py` (aiosmtpd) as a child
//! process on a free loopback port, writing one JSON line per accepted message.
//!
//! The Python interpreter is `MINSIDE_TEST_PYTHON`, else `target/test-venv/bin/python` (which
//! `scripts/test` creates with aiosmtpd installed).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long the server may take to say it listens.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
/// The environment variable naming the Python interpreter.
pub const PYTHON_ENV: &str = "MINSIDE_TEST_PYTHON";

/// How the server misbehaves.
#[derive(Debug, Clone, Default)]
pub struct SmtpServerOptions {
    /// Answer `451` to the first N RCPT attempts for this address.
    pub tempfail: Vec<(String, u32)>,
    /// Answer `550` to every recipient with this local part.
    pub reject_local_parts: Vec<String>,
    /// Wait this long before accepting each message.
    pub delay_ms: u64,
}

impl SmtpServerOptions {
    pub fn tempfail(mut self, address: &str, times: u32) -> Self {
        self.tempfail.push((address.to_owned(), times));
        self
    }

    pub fn reject_local_part(mut self, local: &str) -> Self {
        self.reject_local_parts.push(local.to_owned());
        self
    }

    pub fn delay_ms(mut self, ms: u64) -> Self {
        self.delay_ms = ms;
        self
    }
}

/// One accepted message, as the server logged it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReceivedMail {
    /// The `Message-ID` header, e.g. `<0190...@asker.kommune.no>`.
    pub message_id: String,
    /// The `X-MinSide-Notice` header.
    pub notice: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    pub subject: String,
    /// The plain-text body (line ends as sent, `\r\n`).
    pub body: String,
    /// When the server accepted it (RFC 3339).
    pub at: String,
}

/// A running SMTP server; the process is killed when this is dropped.
#[derive(Debug)]
pub struct SmtpServer {
    port: u16,
    log: PathBuf,
    child: Child,
    _dir: TempDir,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The interpreter to run the server with.
pub fn python() -> PathBuf {
    match std::env::var(PYTHON_ENV) {
        Ok(p) if !p.trim().is_empty() => PathBuf::from(p.trim()),
        _ => workspace_root().join("target/test-venv/bin/python"),
    }
}

impl SmtpServer {
    /// Starts the server and waits until it listens. Panics with the reason (and the server's
    /// stderr) when Python or aiosmtpd is missing or the server does not come up in 30 s.
    pub async fn start(options: SmtpServerOptions) -> SmtpServer {
        let python = python();
        assert!(
            python.exists(),
            "no Python for the SMTP test server at {}: run scripts/test once (it creates \
             target/test-venv with aiosmtpd), or set {PYTHON_ENV} to a python with aiosmtpd",
            python.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("smtp.jsonl");
        std::fs::write(&log, "").expect("empty log");
        let script = workspace_root().join("tests/smtp/smtp_server.py");
        let mut command = Command::new(&python);
        command
            .arg(&script)
            .arg("--log")
            .arg(&log)
            .arg("--exit-on-stdin-eof")
            .arg("--delay-ms")
            .arg(options.delay_ms.to_string());
        for (address, times) in &options.tempfail {
            command.arg("--tempfail").arg(format!("{address}={times}"));
        }
        for local in &options.reject_local_parts {
            command.arg("--reject-local").arg(local);
        }
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(STARTUP_TIMEOUT, lines.next_line()).await;
        let port = match ready {
            Ok(Ok(Some(line))) => line
                .rsplit(':')
                .next()
                .and_then(|p| p.trim().parse::<u16>().ok()),
            _ => None,
        };
        let Some(port) = port else {
            let _ = child.start_kill();
            let mut err = String::new();
            let _ =
                tokio::time::timeout(Duration::from_secs(5), stderr.read_to_string(&mut err)).await;
            panic!("the SMTP test server did not start; stderr:\n{err}");
        };
        // Keep draining both pipes so the server never blocks on a full one.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                eprintln!("[smtp] {line}");
            }
        });
        SmtpServer {
            port,
            log,
            child,
            _dir: dir,
        }
    }

    /// `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The JSON-lines log of accepted messages.
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// Every message accepted so far, in order.
    pub fn received(&self) -> Vec<ReceivedMail> {
        read_log(&self.log)
    }

    /// Stops the server now (it is also stopped on drop).
    pub async fn stop(&mut self) {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
    }
}

/// Reads a log the server wrote (also one left by a server that has stopped).
pub fn read_log(path: &Path) -> Vec<ReceivedMail> {
    let text = std::fs::read_to_string(path).expect("SMTP log readable");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad SMTP log line {l:?}: {e}")))
        .collect()
}
