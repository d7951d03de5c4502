//! Writing notices: per-rule batches, written by up to `writers` tasks at a time while the
//! scan goes on, leaving out recipients who opted out of the rule's category (when the rule
//! allows opting out), and counting what the store created.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use minside_store::{NewNotice, NoticeStore, ResidentId, RuleId};
use tokio::task::JoinSet;

use super::{CompiledRule, EngineStore, EvalReport};
use crate::NoticesError;

/// What one write did: the rule, recipients left out for opting out, notices created.
type Written = (RuleId, u64, u64);

/// Buffers notices per rule and writes a rule's buffer when it holds a batch.
pub(crate) struct Inserter<S: ?Sized> {
    store: Arc<S>,
    batch: usize,
    max_writes: usize,
    rules: HashMap<RuleId, Arc<CompiledRule>>,
    buffers: HashMap<RuleId, Vec<NewNotice>>,
    writes: JoinSet<Result<Written, NoticesError>>,
}

impl<S: EngineStore + ?Sized> Inserter<S> {
    pub(crate) fn new(
        store: &Arc<S>,
        batch: usize,
        writers: usize,
        rules: &[Arc<CompiledRule>],
    ) -> Self {
        Self {
            store: Arc::clone(store),
            batch: batch.max(1),
            max_writes: writers.max(1),
            rules: rules.iter().map(|r| (r.id, Arc::clone(r))).collect(),
            buffers: HashMap::new(),
            writes: JoinSet::new(),
        }
    }

    /// Adds notices, starting a write of every rule's buffer that became full.
    pub(crate) async fn extend(
        &mut self,
        notices: Vec<NewNotice>,
        report: &mut EvalReport,
    ) -> Result<(), NoticesError> {
        let mut full = Vec::new();
        for n in notices {
            let rule = n.rule_id;
            let buffer = self.buffers.entry(rule).or_default();
            buffer.push(n);
            if buffer.len() == self.batch {
                full.push(rule);
            }
        }
        for rule in full {
            if let Some(notices) = self.buffers.remove(&rule) {
                self.start(rule, notices, report).await?;
            }
        }
        Ok(())
    }

    /// Writes everything still buffered and waits for every write.
    pub(crate) async fn flush(&mut self, report: &mut EvalReport) -> Result<(), NoticesError> {
        let buffers = std::mem::take(&mut self.buffers);
        for (rule, notices) in buffers {
            self.start(rule, notices, report).await?;
        }
        while !self.writes.is_empty() {
            self.join_one(report).await?;
        }
        Ok(())
    }

    async fn start(
        &mut self,
        rule: RuleId,
        notices: Vec<NewNotice>,
        report: &mut EvalReport,
    ) -> Result<(), NoticesError> {
        while self.writes.len() >= self.max_writes {
            self.join_one(report).await?;
        }
        let store = Arc::clone(&self.store);
        let compiled = self.rules.get(&rule).cloned();
        self.writes
            .spawn(async move { write(&*store, rule, compiled.as_deref(), notices).await });
        Ok(())
    }

    async fn join_one(&mut self, report: &mut EvalReport) -> Result<(), NoticesError> {
        if let Some(done) = self.writes.join_next().await {
            let (rule, opted_out, created) =
                done.map_err(|e| NoticesError::Task(e.to_string()))??;
            let counts = report.counts(rule);
            counts.opted_out += opted_out;
            counts.created += created;
        }
        Ok(())
    }
}

async fn write<S: NoticeStore + ?Sized>(
    store: &S,
    rule: RuleId,
    compiled: Option<&CompiledRule>,
    notices: Vec<NewNotice>,
) -> Result<Written, NoticesError> {
    let started = std::time::Instant::now();
    let before = notices.len();
    let notices = match compiled {
        Some(r) => without_opted_out(store, r, notices).await?,
        None => notices,
    };
    let opted_out = (before - notices.len()) as u64;
    let created = if notices.is_empty() {
        0
    } else {
        store.create_notices(&notices).await?.len() as u64
    };
    tracing::trace!(
        notices = before,
        created,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "notices written"
    );
    Ok((rule, opted_out, created))
}

/// Residents per `opted_out_among` call.
const OPT_OUT_CHUNK: usize = 5_000;

/// `notices` (all of `rule`) without those whose recipient opted out of the rule's category,
/// when the rule allows opting out.
pub(crate) async fn without_opted_out<S: NoticeStore + ?Sized>(
    store: &S,
    rule: &CompiledRule,
    notices: Vec<NewNotice>,
) -> Result<Vec<NewNotice>, NoticesError> {
    let ids: Vec<ResidentId> = notices.iter().map(|n| n.recipient_id).collect();
    let opted = opted_out(store, rule, ids).await?;
    if opted.is_empty() {
        return Ok(notices);
    }
    Ok(notices
        .into_iter()
        .filter(|n| !opted.contains(&n.recipient_id))
        .collect())
}

/// Those among `ids` who opted out of the rule's category, when the rule allows opting out.
pub(crate) async fn opted_out<S: NoticeStore + ?Sized>(
    store: &S,
    rule: &CompiledRule,
    mut ids: Vec<ResidentId>,
) -> Result<HashSet<ResidentId>, NoticesError> {
    let mut opted = HashSet::new();
    if !rule.opt_out_allowed || ids.is_empty() {
        return Ok(opted);
    }
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(OPT_OUT_CHUNK) {
        opted.extend(store.opted_out_among(&rule.category, chunk).await?);
    }
    Ok(opted)
}
