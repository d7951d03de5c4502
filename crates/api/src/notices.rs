//! Proactive notices in the running server: the evaluation engine (daily date rules, the
//! register's life events, campaigns) and the delivery worker, each as a background task, plus
//! the contact directory delivery asks before e-mail and SMS.
//!
//! Any number of instances may run both against one database: the engine takes a job lease per
//! tenant and day (and per event stream), the store creates a notice once per idempotency key,
//! and the outbox gives each item to one worker at a time.

use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use minside_core::Kommunenummer;
use minside_core::lifephase::{oslo, today_in_oslo};
use minside_delivery::{ContactDirectory, DeliveryWorker, KrrDirectory, StaticDirectory};
use minside_notices::{Engine, EngineConfig, EvalReport, Trigger};
use minside_store::{RuleStatus, Store, StoredRule};
use serde::Serialize;

use crate::config::{ConfigError, NoticeSettings, Settings};
use crate::sources::Sources;
use crate::state::Clock;

/// The engine as the server holds it.
pub type NoticeEngine = Engine<dyn Store>;

/// The engine and the delivery worker of this process.
pub struct NoticeRuntime {
    pub engine: Arc<NoticeEngine>,
    pub delivery: Arc<DeliveryWorker>,
}

/// What one evaluation of a tenant did: the day's date rules, the life events and the
/// campaigns.
#[derive(Debug, Default, Serialize)]
pub struct TenantEvaluation {
    pub kommunenummer: String,
    pub day: Option<EvalReport>,
    pub events: Option<EvalReport>,
    pub campaigns: Vec<EvalReport>,
    /// Steps that failed (the others still ran).
    pub errors: Vec<String>,
}

impl TenantEvaluation {
    /// Notices created by every step.
    pub fn created(&self) -> u64 {
        let steps = self.day.iter().chain(&self.events).chain(&self.campaigns);
        steps.map(EvalReport::created).sum()
    }
}

/// The engine with the configured tuning; plan-phase rules notify residents within
/// `plans.nearby_meters` of a plan.
pub fn engine(settings: &Settings, store: Arc<dyn Store>) -> NoticeEngine {
    let config = EngineConfig {
        catch_up_days: settings.notices.catch_up_days,
        ..EngineConfig::default()
    };
    Engine::new(store, config).with_plan_distance(settings.plans.nearby_meters)
}

/// Evaluates tenant `k` now: the date rules of `day` (unless it was done already and `force` is
/// false), the register's new life events, and every active campaign (each resident in a
/// campaign's audience gets it once, also one who joins the audience later).
pub async fn evaluate_tenant(
    engine: &NoticeEngine,
    store: &dyn Store,
    k: &Kommunenummer,
    day: Date,
    force: bool,
    now: Timestamp,
) -> TenantEvaluation {
    let mut out = TenantEvaluation {
        kommunenummer: k.to_string(),
        ..TenantEvaluation::default()
    };
    let daily = if force {
        engine.evaluate_day(k, day, now).await
    } else {
        engine.evaluate_day_if_due(k, day, now).await
    };
    match daily {
        Ok(r) => out.day = Some(r),
        Err(e) => out.errors.push(format!("date rules: {e}")),
    }
    match engine.process_events(k, now).await {
        Ok(r) => out.events = Some(r),
        Err(e) => out.errors.push(format!("life events: {e}")),
    }
    match store.list_rules(k, false).await {
        Ok(rules) => {
            for rule in rules.iter().filter(|r| r.status == RuleStatus::Active) {
                if !is_campaign(rule) {
                    continue;
                }
                match engine.run_campaign(k, rule.id, now).await {
                    Ok(r) => out.campaigns.push(r),
                    Err(e) => out.errors.push(format!("campaign {}: {e}", rule.id)),
                }
            }
        }
        Err(e) => out.errors.push(format!("campaigns: {e}")),
    }
    out
}

/// Whether the rule's trigger is a campaign.
pub(crate) fn is_campaign(rule: &StoredRule) -> bool {
    serde_json::from_value::<Trigger>(rule.trigger.clone()).is_ok_and(|t| t == Trigger::Campaign)
}

/// Who delivery asks about e-mail addresses and mobile numbers: the demo municipality's
/// synthetic contact register in the dev profile, else the Contact and Reservation Register
/// (KRR) when configured, else nobody (every notice then stays in the inbox, and those that
/// asked for e-mail or SMS are listed for a paper letter).
fn contact_directory(
    settings: &Settings,
    sources: &Sources,
) -> Result<Arc<dyn ContactDirectory>, ConfigError> {
    if let Some(demo) = &sources.demo {
        let municipality = demo.folkeregister.municipality();
        let entries = minside_adapter_demo::contacts::krr_entries(municipality)
            .into_iter()
            .map(demo_contact);
        return Ok(Arc::new(StaticDirectory::new(entries)));
    }
    let r = &settings.registers;
    if let (Some(mp), Some(krr)) = (&r.maskinporten, &r.krr) {
        let load =
            |what: &str, e: &dyn std::fmt::Display| ConfigError::Load(format!("{what}: {e}"));
        let tokens: Arc<dyn minside_maskinporten::TokenSource> = Arc::new(
            minside_maskinporten::MaskinportenClient::new(mp)
                .map_err(|e| load("registers.maskinporten", &e))?,
        );
        let client = minside_adapter_krr::KrrClient::new(krr, tokens)
            .map_err(|e| load("registers.krr", &e))?;
        return Ok(Arc::new(KrrDirectory::new(Arc::new(client))));
    }
    tracing::warn!("no contact register (registers.krr): notices go to the inbox only");
    Ok(Arc::new(StaticDirectory::new(Vec::new())))
}

fn demo_contact(
    c: minside_adapter_demo::contacts::DemoContact,
) -> minside_adapter_krr::ContactInfo {
    use minside_adapter_krr::{ContactInfo, ContactPoint, KrrStatus};
    let point = |p: minside_adapter_demo::contacts::DemoContactPoint| ContactPoint {
        value: p.value,
        updated: Some(p.updated),
        last_verified: p.last_verified,
    };
    ContactInfo {
        pid: c.pid,
        reserved: c.reserved,
        status: KrrStatus::Aktiv,
        notifiable: Some(!c.cannot_be_notified),
        email: c.email.map(point),
        mobile: c.mobile.map(point),
        language: Some(c.language),
        language_updated: None,
        digital_mailbox: None,
        has_certificate: false,
    }
}

/// Builds the engine and the delivery worker.
pub(crate) fn build(
    settings: &Settings,
    store: &Arc<dyn Store>,
    sources: &Sources,
) -> Result<NoticeRuntime, ConfigError> {
    let directory = contact_directory(settings, sources)?;
    let delivery = DeliveryWorker::from_config(
        store.clone(),
        directory,
        &settings.notices.delivery,
        &settings.server.public_url,
    )
    .map_err(|e| ConfigError::Load(format!("notices.delivery: {e}")))?;
    Ok(NoticeRuntime {
        engine: Arc::new(engine(settings, store.clone())),
        delivery: Arc::new(delivery),
    })
}

/// The demo municipality's notice rules (`src/demo/notice-rules.json`), stored and activated
/// the first time the demo tenant starts without any rules, so the dev server shows notices
/// after login. Returns how many were added.
pub(crate) async fn seed_demo_rules(
    store: &dyn Store,
    k: &Kommunenummer,
    now: Timestamp,
) -> Result<usize, ConfigError> {
    const RULES: &str = include_str!("demo/notice-rules.json");
    let fail = |e: &dyn std::fmt::Display| ConfigError::Load(format!("demo notice rules: {e}"));
    if !store
        .list_rules(k, true)
        .await
        .map_err(|e| fail(&e))?
        .is_empty()
    {
        return Ok(0);
    }
    let drafts: Vec<minside_notices::RuleDraft> =
        serde_json::from_str(RULES).map_err(|e| fail(&e))?;
    for draft in &drafts {
        let valid = minside_notices::validate(draft).map_err(|errors| {
            let first = errors
                .first()
                .map(|e| format!("{}: {}", e.pointer, e.message));
            fail(&format!(
                "{} is not valid: {}",
                draft.name,
                first.unwrap_or_default()
            ))
        })?;
        let by = "system:demo";
        let rule = store
            .create_rule(k, valid.to_fields(), by, now)
            .await
            .map_err(|e| fail(&e))?;
        store
            .set_rule_status(k, rule.id, rule.version, RuleStatus::Active, by, now)
            .await
            .map_err(|e| fail(&e))?;
    }
    tracing::info!(kommunenummer = %k, rules = drafts.len(), "demo notice rules added");
    Ok(drafts.len())
}

/// Starts the background tasks the settings ask for; they live as long as the process.
pub(crate) fn start(
    runtime: &NoticeRuntime,
    settings: &NoticeSettings,
    store: Arc<dyn Store>,
    tenants: Vec<Kommunenummer>,
    clock: Clock,
) {
    if settings.deliver {
        let worker = runtime.delivery.clone();
        tokio::spawn(async move { worker.run(std::future::pending()).await });
    }
    if !settings.engine {
        return;
    }
    let engine = runtime.engine.clone();
    let (at, retention_days) = (settings.evaluate_at, settings.retention_days);
    let (daily_store, daily_tenants, daily_clock) = (store.clone(), tenants.clone(), clock.clone());
    tokio::spawn(async move {
        loop {
            let now = daily_clock.now();
            let today = today_in_oslo(now);
            let due = today
                .to_datetime(at)
                .to_zoned_datetime(oslo())
                .map(|z| z.timestamp());
            if due.is_ok_and(|due| now >= due) {
                for k in &daily_tenants {
                    let r =
                        evaluate_tenant(&engine, daily_store.as_ref(), k, today, false, now).await;
                    log_evaluation(&r);
                }
                let cutoff = now - jiff::SignedDuration::from_hours(24 * i64::from(retention_days));
                match daily_store.delete_notices_before(cutoff).await {
                    Ok(n) => tracing::info!(deleted = n, "notice retention done"),
                    Err(e) => tracing::warn!(error = %e, "notice retention failed"),
                }
            }
            tokio::time::sleep(until_next(now, at)).await;
        }
    });
    let engine = runtime.engine.clone();
    let every = Duration::from_secs(settings.events_poll_seconds);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            for k in &tenants {
                match engine.process_events(k, clock.now()).await {
                    Ok(r) if r.created() > 0 => {
                        tracing::info!(kommunenummer = %k, created = r.created(), "life events")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(kommunenummer = %k, error = %e, "life events failed"),
                }
            }
        }
    });
}

fn log_evaluation(r: &TenantEvaluation) {
    tracing::info!(kommunenummer = %r.kommunenummer, created = r.created(), "daily evaluation");
    for e in &r.errors {
        tracing::warn!(kommunenummer = %r.kommunenummer, error = %e, "daily evaluation step failed");
    }
}

/// How long from `now` until the next `at` o'clock in Europe/Oslo (at least a second).
fn until_next(now: Timestamp, at: jiff::civil::Time) -> Duration {
    let zoned = now.to_zoned_datetime(oslo());
    let next = (0..=2)
        .filter_map(|d| {
            let day = zoned.date().checked_add(jiff::Span::new().days(d)).ok()?;
            day.to_datetime(at).to_zoned_datetime(oslo()).ok()
        })
        .map(|z| z.timestamp())
        .find(|t| *t > now)
        .unwrap_or(now + jiff::SignedDuration::from_hours(24));
    Duration::try_from(next.duration_since(now))
        .unwrap_or(Duration::from_secs(3600))
        .max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_run_is_later_today_or_tomorrow_in_oslo() {
        let at = jiff::civil::time(6, 0, 0, 0);
        // 04:00 UTC on a winter day is 05:00 in Oslo: one hour to go.
        let now: Timestamp = "2026-11-23T04:00:00Z".parse().expect("timestamp");
        assert_eq!(until_next(now, at), Duration::from_secs(3600));
        // 06:00 UTC is 07:00 in Oslo: 23 hours to tomorrow's run.
        let now: Timestamp = "2026-11-23T06:00:00Z".parse().expect("timestamp");
        assert_eq!(until_next(now, at), Duration::from_secs(23 * 3600));
        // The night summer time starts, the day is 23 hours long.
        let now: Timestamp = "2026-03-28T06:00:00Z".parse().expect("timestamp");
        assert_eq!(until_next(now, at), Duration::from_secs(22 * 3600));
    }
}
