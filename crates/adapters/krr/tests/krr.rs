//! KRR lookups over real HTTP with Maskinporten tokens, the 18-month rule, and the adapter.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use minside_adapter::{
    Adapter, AdapterError, Date, FetchContext, FieldValue, Kommunenummer, Pid, Purpose, Subject,
};
use minside_adapter_krr::testing::{KrrEntry, KrrStandIn};
use minside_adapter_krr::{
    CONTACT_SCOPE, ContactInfo, DEFAULT_PROFILE_URL, DIGITAL_POST_SCOPE, KrrAdapter, KrrClient,
    KrrConfig, KrrStatus, contact_data_cutoff,
};
use minside_core::Locale;
use minside_maskinporten::testing::MaskinportenStandIn;
use minside_maskinporten::{MaskinportenClient, SystemClock};
use serde_json::json;

struct Env {
    maskinporten: MaskinportenStandIn,
    krr: KrrStandIn,
    tokens: Arc<MaskinportenClient>,
}

impl Env {
    async fn start() -> Self {
        let maskinporten = MaskinportenStandIn::start(Arc::new(SystemClock)).await;
        let krr = KrrStandIn::start(maskinporten.verifier()).await;
        let cfg = maskinporten.client_config("minside-krr", &[CONTACT_SCOPE, DIGITAL_POST_SCOPE]);
        let tokens = Arc::new(MaskinportenClient::new(&cfg).expect("client"));
        Self {
            maskinporten,
            krr,
            tokens,
        }
    }

    fn config(&self) -> KrrConfig {
        let mut cfg = KrrConfig::new(self.krr.base_url());
        cfg.allow_synthetic_pids = true;
        cfg
    }

    fn client(&self, cfg: &KrrConfig) -> KrrClient {
        KrrClient::new(cfg, self.tokens.clone()).expect("KRR client")
    }
}

fn pid(birth: &str) -> Pid {
    let d: Date = birth.parse().expect("date");
    (100..1000)
        .find_map(|i| Pid::synthetic(d, i))
        .expect("synthetic pid")
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn assert_no_pid(err: &AdapterError, pid: &Pid) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(pid.expose()), "pid in error text: {text}");
    assert!(!text.contains("127.0.0.1"), "URL in error text: {text}");
}

#[tokio::test]
async fn entries_are_parsed_into_contact_info() {
    let env = Env::start().await;
    let kari = pid("1985-04-12");
    let ukjent = pid("1990-01-01");
    env.krr.put(
        &KrrEntry::active(&kari)
            .email(
                "kari@example.no",
                ts("2024-06-01T08:00:00Z"),
                Some(ts("2025-05-01T08:00:00Z")),
            )
            .mobile("+4799999999", ts("2023-01-01T08:00:00Z"), None)
            .language("nn")
            .digital_post("digipost"),
    );
    let mut cfg = env.config();
    cfg.digital_post = true;
    let found = env
        .client(&cfg)
        .lookup(&[kari.clone(), ukjent.clone()])
        .await
        .expect("lookup");
    assert_eq!(found.len(), 2);

    let k = found.iter().find(|c| c.pid == kari).expect("kari");
    assert!(!k.reserved);
    assert_eq!(k.status, KrrStatus::Aktiv);
    assert_eq!(k.notifiable, Some(true));
    let email = k.email.as_ref().expect("email");
    assert_eq!(email.value, "kari@example.no");
    assert_eq!(email.updated, Some(ts("2024-06-01T08:00:00Z")));
    assert_eq!(email.last_verified, Some(ts("2025-05-01T08:00:00Z")));
    assert_eq!(email.last_confirmed(), Some(ts("2025-05-01T08:00:00Z")));
    assert_eq!(
        k.mobile.as_ref().map(|m| m.value.as_str()),
        Some("+4799999999")
    );
    assert_eq!(k.language, Some(Locale::Nn));
    let mailbox = k
        .digital_mailbox
        .as_ref()
        .expect("digital post with its scope");
    assert_eq!(mailbox.provider.as_deref(), Some("digipost"));
    assert!(k.has_certificate);
    assert!(
        !format!("{k:?}").contains(kari.expose()),
        "Debug masks the pid"
    );

    let u = found
        .iter()
        .find(|c| c.pid == ukjent)
        .expect("unregistered is an answer");
    assert_eq!(u.status, KrrStatus::IkkeRegistrert);
    assert!(!u.digital_channels_allowed(Timestamp::now()));

    // Without the digital post scope, KRR leaves the mailbox out.
    let plain = env
        .client(&env.config())
        .lookup_one(&kari)
        .await
        .expect("lookup")
        .expect("kari");
    assert_eq!(plain.digital_mailbox, None);
    assert!(!plain.has_certificate);
    // Without inkluderIkkeRegistrerte, unknown persons are left out.
    let mut cfg = env.config();
    cfg.include_unregistered = false;
    assert_eq!(
        env.client(&cfg).lookup_one(&ukjent).await.expect("lookup"),
        None
    );
}

#[tokio::test]
async fn hour_only_offsets_are_read() {
    let env = Env::start().await;
    let p = pid("1970-01-01");
    env.krr.put_raw(p.expose(), json!({
        "personidentifikator": p.expose(), "reservasjon": "NEI", "status": "AKTIV",
        "kontaktinformasjon": {
            "epostadresse": "ola@example.no", "epostadresse_oppdatert": "2018-06-29T10:14:52+02",
        },
    }));
    let info = env
        .client(&env.config())
        .lookup_one(&p)
        .await
        .expect("lookup")
        .expect("entry");
    assert_eq!(
        info.email.and_then(|e| e.updated),
        Some(ts("2018-06-29T08:14:52Z"))
    );
    assert_eq!(info.notifiable, None);
}

#[tokio::test]
async fn large_lookups_go_in_batches_of_1000_with_one_token() {
    let env = Env::start().await;
    let start: Date = "1950-01-01".parse().expect("date");
    let mut pids: Vec<Pid> = (0..1500)
        .map(|i| {
            pid(&start
                .checked_add(jiff::Span::new().days(i))
                .expect("date")
                .to_string())
        })
        .collect();
    pids.extend(pids[..10].to_vec());
    let found = env
        .client(&env.config())
        .lookup(&pids)
        .await
        .expect("lookup");
    assert_eq!(found.len(), 1500);
    assert_eq!(env.krr.batch_sizes(), [1000, 500]);
    assert_eq!(env.maskinporten.token_requests(), 1);
}

/// `now` in the rule tests: 15 September 2025, 10:00 in Oslo; the limit is 15 March 2024, 10:00.
fn now() -> Timestamp {
    ts("2025-09-15T10:00:00+02:00")
}

async fn info(env: &Env, entry: KrrEntry) -> ContactInfo {
    env.krr.put(&entry);
    env.client(&env.config())
        .lookup_one(entry.pid())
        .await
        .expect("lookup")
        .expect("entry")
}

#[tokio::test]
async fn the_18_month_rule_and_its_edges() {
    let env = Env::start().await;
    let limit = contact_data_cutoff(now());
    assert_eq!(limit, ts("2024-03-15T10:00:00+01:00"));
    let second = SignedDuration::from_secs(1);
    let just_too_old = limit.checked_sub(second).expect("ts");

    let exactly = info(
        &env,
        KrrEntry::active(&pid("1980-01-01")).email("a@x.no", limit, None),
    )
    .await;
    assert!(
        exactly.digital_channels_allowed(now()),
        "exactly 18 months ago still counts"
    );
    assert_eq!(exactly.usable_email(now()), Some("a@x.no"));

    let old = info(
        &env,
        KrrEntry::active(&pid("1980-01-02")).email("b@x.no", just_too_old, None),
    )
    .await;
    assert!(
        !old.digital_channels_allowed(now()),
        "18 months and a second is too old"
    );
    assert_eq!(old.usable_email(now()), None);

    let verified = KrrEntry::active(&pid("1980-01-03")).email(
        "c@x.no",
        ts("2015-01-01T00:00:00Z"),
        Some(limit),
    );
    assert!(
        info(&env, verified).await.digital_channels_allowed(now()),
        "verification counts"
    );

    let mixed = KrrEntry::active(&pid("1980-01-04"))
        .email("d@x.no", just_too_old, None)
        .mobile("+4791234567", limit.checked_add(second).expect("ts"), None);
    let mixed = info(&env, mixed).await;
    assert!(mixed.digital_channels_allowed(now()));
    assert_eq!(
        (mixed.usable_email(now()), mixed.usable_mobile(now())),
        (None, Some("+4791234567"))
    );

    let fresh =
        || KrrEntry::active(&pid("1980-01-05")).email("e@x.no", ts("2025-09-01T00:00:00Z"), None);
    assert!(info(&env, fresh()).await.digital_channels_allowed(now()));
    let refused = [
        fresh().reserved(),
        fresh().cannot_be_notified(),
        fresh().status("SLETTET"),
        fresh().status("IKKE_REGISTRERT"),
        KrrEntry::active(&pid("1980-01-05")),
    ];
    for entry in refused {
        let json = entry.to_json();
        let i = info(&env, entry).await;
        assert!(!i.digital_channels_allowed(now()), "{json}");
        assert_eq!(i.usable_email(now()), None, "{json}");
    }
}

#[tokio::test]
async fn failures_map_to_adapter_errors_without_the_pid() {
    let env = Env::start().await;
    let p = pid("1975-05-05");
    let client = env.client(&env.config());

    env.krr.fail_with(Some(503));
    let err = client.lookup_one(&p).await.expect_err("503");
    assert_eq!(err, AdapterError::Unavailable("HTTP 503 from KRR".into()));
    assert_no_pid(&err, &p);
    env.krr.fail_with(None);

    env.krr.put_raw(
        p.expose(),
        json!({ "personidentifikator": p.expose(), "kontaktinformasjon": p.expose() }),
    );
    let err = client.lookup_one(&p).await.expect_err("bad data");
    assert!(matches!(err, AdapterError::BadData(_)), "{err:?}");
    assert_no_pid(&err, &p);

    let stranger = MaskinportenStandIn::start(Arc::new(SystemClock)).await;
    let foreign = Arc::new(
        MaskinportenClient::new(&stranger.client_config("minside-krr", &[CONTACT_SCOPE]))
            .expect("client"),
    );
    let err = KrrClient::new(&env.config(), foreign)
        .expect("client")
        .lookup_one(&p)
        .await
        .expect_err("401");
    assert!(matches!(err, AdapterError::Unauthorized(_)), "{err:?}");
    assert_no_pid(&err, &p);

    let digital_only = Arc::new(
        MaskinportenClient::new(
            &env.maskinporten
                .client_config("post-only", &[DIGITAL_POST_SCOPE]),
        )
        .expect("client"),
    );
    let err = KrrClient::new(&env.config(), digital_only)
        .expect("client")
        .lookup_one(&p)
        .await
        .expect_err("no scope");
    assert!(
        matches!(&err, AdapterError::Unauthorized(m) if m.contains("invalid_scope")),
        "{err:?}"
    );

    let mut cfg = env.config();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    cfg.base_url = format!("http://127.0.0.1:{port}/").parse().expect("url");
    let err = env.client(&cfg).lookup_one(&p).await.expect_err("refused");
    assert!(matches!(err, AdapterError::Unavailable(_)), "{err:?}");
    assert_no_pid(&err, &p);
}

#[tokio::test]
async fn the_adapter_shows_what_krr_says_with_a_link_to_update_it() {
    let env = Env::start().await;
    let p = pid("1988-08-08");
    env.krr.put(
        &KrrEntry::active(&p)
            .email("kari@example.no", Timestamp::now(), None)
            .reserved(),
    );
    let adapter = KrrAdapter::new(&env.config(), env.tokens.clone()).expect("adapter");
    assert_eq!(adapter.categories()[0].id.as_str(), "contact-info");
    let subject = Subject {
        pid: p.clone(),
        kommunenummer: Kommunenummer::parse("3203").expect("k"),
    };
    let ctx = FetchContext {
        purpose: Purpose::ResidentView,
        request_id: None,
    };
    let records = adapter.fetch(&subject, &[], &ctx).await.expect("records");
    let [r] = records.as_slice() else {
        panic!("one record")
    };
    assert_eq!(r.deep_link.as_deref(), Some(DEFAULT_PROFILE_URL));
    assert_eq!(r.provenance.source, "krr");
    let value = |k: &str| {
        r.fields
            .iter()
            .find(|f| f.key == k)
            .map(|f| f.value.clone())
    };
    assert_eq!(
        value("email"),
        Some(FieldValue::Text("kari@example.no".into()))
    );
    assert!(matches!(value("reservation"), Some(FieldValue::Status { code, .. }) if code == "JA"));
    assert_eq!(
        value("digital_contact_allowed"),
        Some(FieldValue::Bool(false))
    );
    assert!(matches!(value("language"), Some(FieldValue::Status { code, .. }) if code == "nb"));

    let mut cfg = env.config();
    cfg.include_unregistered = false;
    let strict = KrrAdapter::new(&cfg, env.tokens.clone()).expect("adapter");
    let unknown = Subject {
        pid: pid("1999-09-09"),
        ..subject
    };
    assert_eq!(
        strict
            .fetch(&unknown, &[], &ctx)
            .await
            .expect_err("unknown"),
        AdapterError::NotFound
    );
}
