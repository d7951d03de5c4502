//! The MinSide server binary: configuration -> telemetry -> store -> app -> serve.
//!
//! `minside` (or `minside serve`) runs the server; `minside migrate` applies database
//! migrations and exits; `minside check-config` loads and checks the configuration;
//! `minside evaluate` runs the notice engine once (date rules, life events, campaigns).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use minside_api::{Clock, Settings, telemetry};
use minside_core::Kommunenummer;
use minside_store::Store;
use secrecy::ExposeSecret;

#[derive(Parser)]
#[command(name = "minside", version, about = "MinSide resident portal backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Load and check the configuration, then exit.
    CheckConfig,
    /// Evaluate the notice rules now: the date rules of a day, new life events from the
    /// register, and active campaigns; prints what was created as JSON. Safe to run beside
    /// running servers: nothing is ever created twice.
    Evaluate {
        /// Only this municipality (kommunenummer); default every configured tenant.
        #[arg(long)]
        tenant: Option<String>,
        /// The day to evaluate (YYYY-MM-DD, Europe/Oslo); default today.
        #[arg(long)]
        date: Option<String>,
        /// Evaluate the day even if it was evaluated already.
        #[arg(long)]
        force: bool,
    },
}

#[tokio::main]
async fn main() {
    // One clear line for the operator, whatever RUST_BACKTRACE says.
    if let Err(e) = run(Cli::parse()).await {
        eprintln!("minside: {e:#}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    telemetry::init_tracing(&settings.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let store = open_store(&settings).await?;
            tracing::info!(backend = store.backend(), "migrations applied");
            Ok(())
        }
        Command::Evaluate {
            tenant,
            date,
            force,
        } => evaluate(settings, tenant, date, force).await,
        Command::CheckConfig => {
            minside_api::TenantRegistry::load(&settings)?;
            tracing::info!(profile = ?settings.profile, "configuration is valid");
            Ok(())
        }
    }
}

async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let url = settings.database.url.expose_secret();
    if url.starts_with("sqlite:") {
        let store = minside_store_sqlite::SqliteStore::connect(url)
            .await
            .context("opening the SQLite database")?;
        Ok(Arc::new(store))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let store = minside_store_postgres::PostgresStore::connect(url)
            .await
            .context("connecting to PostgreSQL")?;
        Ok(Arc::new(store))
    } else {
        bail!("database.url must start with sqlite: or postgres:")
    }
}

async fn evaluate(
    settings: Settings,
    tenant: Option<String>,
    date: Option<String>,
    force: bool,
) -> anyhow::Result<()> {
    use std::io::Write;

    let registry = minside_api::TenantRegistry::load(&settings)?;
    let tenants: Vec<Kommunenummer> = match tenant {
        Some(t) => {
            let k = Kommunenummer::parse(&t).context("--tenant")?;
            if !registry.all().iter().any(|c| c.kommunenummer == k) {
                bail!("--tenant {k} is not a configured tenant");
            }
            vec![k]
        }
        None => registry.all().iter().map(|t| t.kommunenummer).collect(),
    };
    let now = minside_core::Timestamp::now();
    let day = match date {
        Some(d) => d.parse().context("--date must be YYYY-MM-DD")?,
        None => minside_core::lifephase::today_in_oslo(now),
    };
    let store = open_store(&settings).await?;
    let engine = minside_api::notices::engine(&settings, store.clone());
    let mut reports = Vec::new();
    for k in &tenants {
        let r = minside_api::notices::evaluate_tenant(&engine, store.as_ref(), k, day, force, now)
            .await;
        tracing::info!(kommunenummer = %k, created = r.created(), errors = r.errors.len(), "evaluated");
        reports.push(r);
    }
    let failed = reports.iter().any(|r| !r.errors.is_empty());
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &reports)?;
    writeln!(out)?;
    if failed {
        bail!("some evaluation steps failed (see errors above)");
    }
    Ok(())
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let store = open_store(&settings).await?;
    let bind = settings.server.bind;
    let grace = Duration::from_secs(settings.server.shutdown_grace_seconds);
    let public_url = settings.server.public_url.clone();
    let profile = settings.profile;
    let app = minside_api::build(settings, store, Clock::default()).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("binding {bind}"))?;
    tracing::info!(%bind, ?profile, "MinSide listening");
    banner(&public_url);
    minside_api::serve(listener, app.router, grace)
        .await
        .context("serving")?;
    Ok(())
}

#[allow(clippy::print_stdout)]
fn banner(public_url: &url::Url) {
    let base = public_url.as_str().trim_end_matches('/');
    println!("\n  MinSide kjører: {base}/\n  Logg inn:       {base}/auth/login\n");
}
