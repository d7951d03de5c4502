//! The binary itself: the production profile refuses development settings with a clear message.

use std::process::Command;

fn run_production(env: &[(&str, &str)]) -> (bool, String) {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_minside"));
    cmd.arg("check-config")
        .current_dir(root)
        .env("MINSIDE_CONFIG", format!("{root}/config/production.toml"))
        .env(
            "MINSIDE__IDPORTEN__CLIENT_SECRET",
            "a-real-secret-of-enough-length",
        )
        .env("MINSIDE__TENANTS__DIR", format!("{root}/config/tenants"))
        .env(
            "MINSIDE__CACHE__ENCRYPTION_KEY",
            "cHJvZHVjdGlvbi1rZXktb2YtMzItYnl0ZXMtbG9uZyE=",
        )
        // The demo tenant's employee identity provider is the development one: production
        // names the municipality's own, with its secret, in the environment.
        .env(
            "MINSIDE_TENANT_3203__CASEWORKERS__ISSUER",
            "https://login.microsoftonline.com/00000000-0000-4000-8000-000000003203/v2.0",
        )
        .env(
            "MINSIDE_TENANT_3203__CASEWORKERS__CLIENT_SECRET",
            "a-real-caseworker-secret",
        );
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run minside");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn production_accepts_real_settings() {
    let (ok, stderr) = run_production(&[]);
    assert!(ok, "{stderr}");
}

#[test]
fn production_refuses_the_dev_identity_provider() {
    let (ok, stderr) = run_production(&[("MINSIDE__DEV_IDP__ENABLED", "true")]);
    assert!(!ok);
    assert!(stderr.starts_with("minside: refusing to start"), "{stderr}");
    assert!(stderr.contains("development identity provider"), "{stderr}");
    assert_eq!(
        stderr.lines().count(),
        1,
        "one clear line, no backtrace: {stderr}"
    );
}

#[test]
fn production_refuses_default_secrets_and_sqlite() {
    let (ok, stderr) = run_production(&[(
        "MINSIDE__IDPORTEN__CLIENT_SECRET",
        "dev-only-secret-change-me",
    )]);
    assert!(!ok);
    assert!(stderr.contains("client_secret"), "{stderr}");
    let (ok, stderr) = run_production(&[("MINSIDE__DATABASE__URL", "sqlite://data/x.db")]);
    assert!(!ok);
    assert!(stderr.contains("SQLite"), "{stderr}");
}

#[test]
fn production_refuses_the_development_employee_provider_and_secret() {
    let (ok, stderr) = run_production(&[("MINSIDE_TENANT_3203__CASEWORKERS__ISSUER", "dev-idp")]);
    assert!(!ok);
    assert!(
        stderr.contains("tenant 3203: caseworkers.issuer"),
        "{stderr}"
    );
    let dev_secret = "dev-only-caseworker-secret-change-me";
    let (ok, stderr) = run_production(&[(
        "MINSIDE_TENANT_3203__CASEWORKERS__CLIENT_SECRET",
        dev_secret,
    )]);
    assert!(!ok);
    assert!(stderr.contains("caseworkers.client_secret"), "{stderr}");
    assert!(
        !stderr.contains(dev_secret),
        "the secret is never printed: {stderr}"
    );
}
