//! The MinSide server binary: configuration -> telemetry -> store -> app -> serve.
//!
//! `minside` (or `minside serve`) runs the server; `minside migrate` applies database
//! migrations and exits; `minside check-config` loads and checks the configuration;
//! `minside evaluate` runs the notice engine once (date rules, life events, campaigns);
//! `minside import stats` imports JSON-stat statistics from files, a URL or the configured URLs.

use std::path::PathBuf;
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
    /// Import data into the configured database.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import JSON-stat 2.0 statistics (e.g. SSB PxWebApi `json-stat2` output) from files, from
    /// a URL, or (with neither) from every `[[statistics.sources]]` URL in the configuration.
    /// Prints per dataset whether it was created, replaced or unchanged; each dataset is stored
    /// in its own transaction, and one that fails leaves the data stored before as it was.
    Stats {
        /// JSON-stat files to import.
        #[arg(conflicts_with = "url")]
        files: Vec<PathBuf>,
        /// Download the dataset from this URL instead.
        #[arg(long)]
        url: Option<url::Url>,
        /// Store under this publisher key (default: `ssb`, or from the dataset).
        #[arg(long)]
        source: Option<String>,
        /// Store under this table id (default: from the dataset's label or extension).
        #[arg(long)]
        table: Option<String>,
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
        Command::Import(ImportCommand::Stats {
            files,
            url,
            source,
            table,
        }) => import_stats(settings, files, url, source, table).await,
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

/// Where one import comes from, for messages.
enum StatsInput {
    File(PathBuf),
    Url(url::Url),
}

impl std::fmt::Display for StatsInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "{}", path.display()),
            // Without the query: it may carry a key.
            Self::Url(url) => write!(f, "{}{}", url.origin().ascii_serialization(), url.path()),
        }
    }
}

async fn import_stats(
    settings: Settings,
    files: Vec<PathBuf>,
    url: Option<url::Url>,
    source: Option<String>,
    table: Option<String>,
) -> anyhow::Result<()> {
    use std::io::Write;

    use minside_api::statistics::{ImportOptions, import, import_url};

    let given = |source: &Option<String>, table: &Option<String>| ImportOptions {
        source: source.clone(),
        table: table.clone(),
        ..ImportOptions::with_settings(&settings.statistics)
    };
    let jobs: Vec<(StatsInput, ImportOptions)> = match url {
        Some(url) => vec![(StatsInput::Url(url), given(&source, &table))],
        None if !files.is_empty() => {
            if table.is_some() && files.len() > 1 {
                bail!("--table names one dataset: give one file with it");
            }
            files
                .into_iter()
                .map(|f| (StatsInput::File(f), given(&source, &table)))
                .collect()
        }
        None => {
            if source.is_some() || table.is_some() {
                bail!("--source and --table go with a file or --url");
            }
            let configured = &settings.statistics.sources;
            if configured.is_empty() {
                bail!(
                    "nothing to import: give JSON-stat files, --url, or [[statistics.sources]] \
                     in the configuration"
                );
            }
            configured
                .iter()
                .map(|c| (StatsInput::Url(c.url.clone()), given(&c.source, &c.table)))
                .collect()
        }
    };
    let store = open_store(&settings).await?;
    let now = minside_core::Timestamp::now();
    let mut failed = 0;
    for (input, options) in &jobs {
        let result = match input {
            StatsInput::File(path) => match read_limited(path, settings.statistics.max_bytes) {
                Ok(bytes) => import(store.as_ref(), &bytes, options, now).await,
                Err(e) => {
                    failed += 1;
                    eprintln!("minside: {input}: {e:#}; nothing was changed");
                    continue;
                }
            },
            StatsInput::Url(url) => {
                import_url(store.as_ref(), url, options, &settings.statistics, now).await
            }
        };
        match result {
            Ok(done) => {
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "{input}: {} {}/{} ({} cells): {}",
                    done.outcome_name(),
                    done.source,
                    done.table,
                    done.cells,
                    done.label
                )?;
            }
            Err(e) => {
                failed += 1;
                eprintln!("minside: {input}: {e}; nothing was changed");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} datasets were not imported", jobs.len());
    }
    Ok(())
}

/// A file's bytes, refused before reading when it is larger than `max_bytes`.
fn read_limited(path: &std::path::Path, max_bytes: usize) -> anyhow::Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .context("cannot read the file")?
        .len();
    if len > u64::try_from(max_bytes).unwrap_or(u64::MAX) {
        bail!(
            "the file is {len} bytes; at most {max_bytes} bytes are accepted (statistics.max_bytes)"
        );
    }
    std::fs::read(path).context("cannot read the file")
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
