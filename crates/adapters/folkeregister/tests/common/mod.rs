//! Shared setup: a local Maskinporten and Folkeregisteret, and an adapter pointed at them.

#![allow(dead_code)]

use std::sync::Arc;

use minside_adapter::{AdapterError, Date, Kommunenummer, Pid};
use minside_adapter_folkeregister::testing::FolkeregisterStandIn;
use minside_adapter_folkeregister::{DEFAULT_SCOPE, FolkeregisterAdapter, FolkeregisterConfig};
use minside_maskinporten::testing::MaskinportenStandIn;
use minside_maskinporten::{MaskinportenClient, SystemClock};

pub struct Env {
    pub maskinporten: MaskinportenStandIn,
    pub freg: FolkeregisterStandIn,
    pub tokens: Arc<MaskinportenClient>,
}

impl Env {
    pub async fn start() -> Self {
        let maskinporten = MaskinportenStandIn::start(Arc::new(SystemClock)).await;
        let freg = FolkeregisterStandIn::start(maskinporten.verifier()).await;
        let cfg = maskinporten.client_config("minside-freg", &[DEFAULT_SCOPE, "other:scope"]);
        let tokens = Arc::new(MaskinportenClient::new(&cfg).expect("Maskinporten client"));
        Self {
            maskinporten,
            freg,
            tokens,
        }
    }

    pub fn config(&self) -> FolkeregisterConfig {
        let mut cfg = FolkeregisterConfig::new(self.freg.base_url());
        cfg.allow_synthetic_pids = true;
        cfg
    }

    pub fn adapter(&self) -> FolkeregisterAdapter {
        self.adapter_with(self.config())
    }

    pub fn adapter_with(&self, cfg: FolkeregisterConfig) -> FolkeregisterAdapter {
        FolkeregisterAdapter::new(&cfg, self.tokens.clone()).expect("adapter")
    }
}

pub fn date(s: &str) -> Date {
    s.parse().expect("date")
}

/// A synthetic fødselsnummer born on `birth` (the first individual number with valid checks).
pub fn pid(birth: &str) -> Pid {
    (100..1000)
        .find_map(|i| Pid::synthetic(date(birth), i))
        .expect("a synthetic pid")
}

pub fn kommune(k: &str) -> Kommunenummer {
    Kommunenummer::parse(k).expect("kommunenummer")
}

pub fn asker() -> Kommunenummer {
    kommune("3203")
}

/// No error text may carry a fødselsnummer or the URL it travels in.
pub fn assert_no_pid(err: &AdapterError, pid: &Pid) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(pid.expose()), "pid in error text: {text}");
    assert!(!text.contains("personer/"), "URL in error text: {text}");
    assert!(!text.contains("127.0.0.1"), "host in error text: {text}");
}
