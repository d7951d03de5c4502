//! Whole-population scans as a bounded pipeline: `readers` tasks read pages of residents (see
//! [`fetch`](super::fetch)), `workers` tasks evaluate pages on the blocking pool (one CEL context per resident, shared by
//! every rule), and the caller receives the evaluated pages as they finish.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use minside_core::Kommunenummer;
use minside_store::{NewNotice, ResidentFacts, ResidentId};
use tokio::sync::{Mutex, mpsc};

use super::compiled::{CompiledRule, PlanPhaseFacts, Recipient};
use super::{Engine, EngineStore};
use crate::NoticesError;
use crate::audience::context;
use crate::view::resident_value;

/// A rule evaluated over a page of residents, with what it notifies about today.
pub(crate) struct ScanRule {
    pub rule: Arc<CompiledRule>,
    pub occurrence: String,
    pub deadline: Option<Date>,
    /// The plan phase, for plan-phase rules.
    pub plan: Option<Arc<PlanPhaseFacts>>,
}

/// One evaluated page.
#[derive(Default)]
pub(crate) struct PageOutput {
    pub residents: u64,
    /// The notices, when rendering.
    pub notices: Vec<NewNotice>,
    /// The recipients, when not rendering (previews).
    pub recipients: Vec<ResidentId>,
    /// Per scan rule (same order): recipients matched and audience errors.
    pub matched: Vec<u64>,
    pub errors: Vec<u64>,
}

/// Evaluates every rule for every resident of `page`, rendering the notices (`render`) or
/// only listing the recipients.
pub(crate) fn evaluate_page(
    rules: &[ScanRule],
    page: &[ResidentFacts],
    day: Date,
    now: Timestamp,
    render: bool,
) -> PageOutput {
    let mut out = PageOutput {
        residents: page.len() as u64,
        matched: vec![0; rules.len()],
        errors: vec![0; rules.len()],
        ..PageOutput::default()
    };
    let needs_context = rules.iter().any(|r| !r.rule.audience.is_everyone());
    for resident in page {
        let ctx = needs_context.then(|| context(resident_value(resident, day), None));
        for (i, sr) in rules.iter().enumerate() {
            let admitted = match &ctx {
                Some(ctx) if !sr.rule.audience.is_everyone() => sr.rule.audience.matches(ctx),
                _ => Ok(true),
            };
            match admitted {
                Ok(true) => {}
                Ok(false) => continue,
                Err(_) => {
                    out.errors[i] += 1;
                    continue;
                }
            }
            out.matched[i] += 1;
            if !render {
                out.recipients.push(resident.id);
                continue;
            }
            let recipient = Recipient {
                resident,
                child: None,
                occurrence: sr.occurrence.clone(),
                deadline: sr.deadline,
                plan: sr.plan.as_deref(),
            };
            out.notices.push(sr.rule.notice(&recipient, day, now));
        }
    }
    out
}

impl<S: EngineStore + ?Sized> Engine<S> {
    /// Starts scanning the active residents of `k` with `rules` (rendering notices, or only
    /// listing recipients); the evaluated pages arrive on the returned channel in completion
    /// order, an error ends it. Dropping the receiver stops
    /// the scan.
    pub(crate) fn scan(
        &self,
        k: Kommunenummer,
        rules: Arc<Vec<ScanRule>>,
        day: Date,
        now: Timestamp,
        render: bool,
    ) -> mpsc::Receiver<Result<PageOutput, NoticesError>> {
        let workers = self.config.workers.max(1);
        let page_size = self.config.page_size.max(1);
        let (page_tx, page_rx) = mpsc::channel::<Vec<ResidentFacts>>(workers + 1);
        let (out_tx, out_rx) = mpsc::channel(workers * 2 + 2);

        super::fetch::spawn_readers(
            &self.store,
            k,
            self.config.readers,
            page_size,
            page_tx,
            out_tx.clone(),
        );

        let page_rx = Arc::new(Mutex::new(page_rx));
        for _ in 0..workers {
            let page_rx = Arc::clone(&page_rx);
            let out_tx = out_tx.clone();
            let rules = Arc::clone(&rules);
            tokio::spawn(async move {
                loop {
                    let page = page_rx.lock().await.recv().await;
                    let Some(page) = page else { break };
                    let rules = Arc::clone(&rules);
                    let result = tokio::task::spawn_blocking(move || {
                        evaluate_page(&rules, &page, day, now, render)
                    })
                    .await
                    .map_err(|e| NoticesError::Task(e.to_string()));
                    if out_tx.send(result).await.is_err() {
                        break;
                    }
                }
            });
        }
        out_rx
    }
}
