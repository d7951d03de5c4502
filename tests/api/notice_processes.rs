//! Notice delivery as real processes: `minside serve` is killed with SIGKILL in the middle of
//! delivering and restarted, and every notice still reaches the inbox once and no e-mail goes out
//! twice (the SMTP server's log is the witness); two servers and two `minside evaluate` runs work
//! on one PostgreSQL database at the same time without a single duplicate.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use minside_core::Timestamp;
use minside_store::{Channel, OutboxStatus};
use minside_test_support::Backend;
use minside_test_support::sms::SmsGateway;
use minside_test_support::smtp::{SmtpServer, SmtpServerOptions};
use serde_json::json;

use support::{
    Config, KRR_SKIPS, Server, database_url, delivered, evaluate_report, item, mails_per_notice,
    open_store, pending, replace_rules, residents, rule, spawn_evaluate, stats,
};

mod support;

/// The start of the reason an interrupted send ends `failed` with.
const INTERRUPTED: &str = "interrupted while sending";
/// E-mail sends in flight at once in the crash test: at most this many can be interrupted.
const EMAIL_CONCURRENCY: usize = 4;

async fn crash_safety(backend: Backend) {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let smtp = SmtpServer::start(SmtpServerOptions::default().delay_ms(40)).await;
    let url = database_url(backend, dir.path()).await;
    let base = Config::new(&url).set("notices.engine", false);
    // A first start migrates, registers the tenant and loads the demo register mirror.
    let setup = base.clone().set("notices.deliver", false);
    Server::spawn(&setup, dir.path(), "setup")
        .live()
        .await
        .kill();

    let store = open_store(&url).await;
    let audience = "resident.postcode.startsWith('347')";
    let campaign = rule(
        "Kampanje",
        json!({"kind": "campaign"}),
        audience,
        &[Channel::Inbox, Channel::Email],
    );
    let rule_id = replace_rules(store.as_ref(), vec![campaign]).await[0];
    let people = residents(store.as_ref()).await;
    let expected = people
        .iter()
        .filter(|r| {
            r.address
                .as_ref()
                .is_some_and(|a| a.postcode.starts_with("347"))
        })
        .count() as u64;
    assert!(
        (200..=1000).contains(&expected),
        "a few hundred recipients, not {expected}"
    );
    let created = evaluate_report(spawn_evaluate(&base, dir.path())).await;
    assert_eq!(
        created.get(&rule_id.to_string()),
        Some(&expected),
        "{created:?}"
    );
    let before = stats(store.as_ref(), rule_id).await;
    assert_eq!(
        (before.created, before.inbox.pending, before.email.pending),
        (expected, expected, expected)
    );

    // Small batches, so the inbox is also delivered bit by bit; short leases, so the restarted
    // server takes over the killed one's claims within seconds.
    let delivering = base
        .set("notices.deliver", true)
        .email_to(&smtp)
        .set("notices.delivery.worker.inbox_batch", 10)
        .set("notices.delivery.worker.batch", 20)
        .set("notices.delivery.worker.lease_secs", 3)
        .set("notices.delivery.worker.inbox_lease_secs", 2)
        .set("notices.delivery.worker.interrupted_check_secs", 1)
        .set("notices.delivery.worker.idle_sleep_ms", 50)
        .set(
            "notices.delivery.worker.email_concurrency",
            EMAIL_CONCURRENCY,
        );
    let mut first = Server::spawn(&delivering, dir.path(), "first").live().await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while smtp.received().len() < (expected / 6) as usize {
        if let Ok(Some(status)) = first.child.try_wait() {
            panic!("the server exited ({status}):\n{}", first.tail());
        }
        assert!(
            Instant::now() < deadline,
            "too few e-mails:\n{}",
            first.tail()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill();
    let at_kill = smtp.received().len();
    let inbox_at_kill = stats(store.as_ref(), rule_id).await.inbox.delivered;
    assert!(
        inbox_at_kill < expected,
        "killed while the inbox was still being delivered"
    );

    let second = Server::spawn(&delivering, dir.path(), "second")
        .live()
        .await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while pending(&stats(store.as_ref(), rule_id).await) > 0 {
        assert!(
            Instant::now() < deadline,
            "the outbox did not drain:\n{}",
            second.tail()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(second);

    let after = stats(store.as_ref(), rule_id).await;
    assert_eq!((after.created, after.inbox.delivered), (expected, expected));
    let notices = delivered(store.as_ref(), &people, &[rule_id]).await;
    assert_eq!(
        notices.len() as u64,
        expected,
        "every notice is in its recipient's inbox"
    );
    let mails = mails_per_notice(&smtp);
    let twice: Vec<_> = mails.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "e-mails sent twice for the same notice: {twice:?}"
    );
    let ours: HashSet<String> = notices.iter().map(|(n, _)| n.id.to_string()).collect();
    assert!(
        mails.keys().all(|id| ours.contains(id)),
        "only this rule's notices were mailed"
    );

    let (mut sent, mut interrupted, mut interrupted_out, mut skipped) = (0, 0, 0, 0);
    for (notice, items) in &notices {
        let id = notice.id.to_string();
        assert!(notice.delivered_at.is_some());
        let (status, attempts, _) = item(items, Channel::Inbox);
        assert_eq!(
            (status, attempts),
            (OutboxStatus::Delivered, 1),
            "inbox item completed once"
        );
        match item(items, Channel::Email) {
            (OutboxStatus::Delivered, 1, _) => {
                assert_eq!(
                    mails.get(&id),
                    Some(&1),
                    "a delivered e-mail is in the log once"
                );
                sent += 1;
            }
            (OutboxStatus::Failed, 1, Some(reason)) if reason.starts_with(INTERRUPTED) => {
                interrupted += 1;
                interrupted_out += usize::from(mails.contains_key(&id));
            }
            (OutboxStatus::Skipped, 0, Some(reason)) if KRR_SKIPS.contains(&reason.as_str()) => {
                assert!(!mails.contains_key(&id), "a skipped e-mail was sent");
                skipped += 1;
            }
            other => panic!("unexpected e-mail item {other:?}"),
        }
    }
    // A send in flight at the kill may have reached the SMTP server; it is not resent either way.
    assert!(
        interrupted <= EMAIL_CONCURRENCY,
        "{interrupted} interrupted sends"
    );
    assert_eq!(
        sent + interrupted_out,
        mails.len(),
        "every e-mail in the log is accounted for"
    );
    assert_eq!(sent as u64, after.email.delivered);
    assert!(
        at_kill * 5 >= mails.len() && at_kill * 5 < mails.len() * 4,
        "killed with {at_kill} of {} e-mails sent: not mid-way",
        mails.len()
    );
    eprintln!(
        "crash safety ({backend:?}): {expected} notices; killed after {at_kill} e-mails and \
         {inbox_at_kill} inbox deliveries; e-mails: {sent} delivered, {interrupted} interrupted \
         ({interrupted_out} of them reached the SMTP server), {skipped} skipped; {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_delivery_delivers_every_notice_once_on_sqlite() {
    crash_safety(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_delivery_delivers_every_notice_once_on_postgres() {
    crash_safety(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_evaluate_and_deliver_without_duplicates() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("temp dir");
    let smtp = SmtpServer::start(SmtpServerOptions::default()).await;
    let sms = SmsGateway::start().await;
    let url = database_url(Backend::Postgres, dir.path()).await;
    let base = Config::new(&url);
    let setup = base
        .clone()
        .set("notices.engine", false)
        .set("notices.deliver", false);
    Server::spawn(&setup, dir.path(), "setup")
        .live()
        .await
        .kill();

    let store = open_store(&url).await;
    let today = minside_core::lifephase::today_in_oslo(Timestamp::now());
    let deadline_day = today
        .checked_add(jiff::Span::new().days(10))
        .expect("a date");
    let all = [Channel::Inbox, Channel::Email, Channel::Sms];
    let trigger = json!({"kind": "before_date", "date": {"fixed": deadline_day.to_string()}, "days_before": 30});
    let rules = replace_rules(
        store.as_ref(),
        vec![
            rule(
                "Kampanje",
                json!({"kind": "campaign"}),
                "resident.children_count >= 2",
                &all,
            ),
            rule("Frist", trigger, "resident.children_count == 1", &all),
        ],
    )
    .await;
    let people = residents(store.as_ref()).await;
    let expected = [
        people.iter().filter(|r| r.children.len() >= 2).count() as u64,
        people.iter().filter(|r| r.children.len() == 1).count() as u64,
    ];
    assert!(
        expected.iter().all(|n| (100..=1000).contains(n)),
        "{expected:?}"
    );

    // Both servers run the engine (the day is due at once) and deliver; SMS at any hour.
    let config = base
        .set("notices.engine", true)
        .set("notices.deliver", true)
        .set("notices.evaluate_at", "00:00")
        .email_to(&smtp)
        .set("notices.delivery.sms.url", sms.url())
        .set("notices.delivery.sms.token", sms.token())
        .set("notices.delivery.worker.sms_window.start", "00:00")
        .set(
            "notices.delivery.worker.sms_window.end",
            "23:59:59.999999999",
        )
        .set("notices.delivery.worker.lease_secs", 30)
        .set("notices.delivery.worker.idle_sleep_ms", 50);
    // All four processes start together: an evaluate run in each server's configuration.
    let runs = [
        spawn_evaluate(&config, dir.path()),
        spawn_evaluate(&config, dir.path()),
    ];
    let a = Server::spawn(&config, dir.path(), "a");
    let b = Server::spawn(&config, dir.path(), "b");
    let (a, b) = tokio::join!(a.live(), b.live());
    let [one, two] = runs;
    let (one, two) = tokio::join!(evaluate_report(one), evaluate_report(two));

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let evaluated = [&a, &b]
            .iter()
            .all(|s| !s.logged("daily evaluation").is_empty());
        let mut done = evaluated;
        for (rule, n) in rules.iter().zip(expected) {
            let s = stats(store.as_ref(), *rule).await;
            done &= s.created == n && pending(&s) == 0;
        }
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not done:\n{}\n{}",
            a.tail(),
            b.tail()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let total: u64 = expected.iter().sum();
    // What every process says it created adds up to the notices there are: none twice.
    let reported = |r: &HashMap<String, u64>| {
        rules
            .iter()
            .filter_map(|id| r.get(&id.to_string()))
            .sum::<u64>()
    };
    let by_server = |s: &Server| {
        let lines = [s.logged("daily evaluation"), s.logged("life events")].concat();
        lines
            .iter()
            .map(|l| l["created"].as_u64().expect("created"))
            .sum::<u64>()
    };
    let created = [reported(&one), reported(&two), by_server(&a), by_server(&b)];
    assert_eq!(
        created.iter().sum::<u64>(),
        total,
        "created by each process: {created:?}"
    );
    let rounds = [&a, &b].map(|s| s.logged("delivery round").len());
    drop((a, b));

    let notices = delivered(store.as_ref(), &people, &rules).await;
    assert_eq!(
        notices.len() as u64,
        total,
        "every notice is in its recipient's inbox"
    );
    let mails = mails_per_notice(&smtp);
    let twice: Vec<_> = mails.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "e-mails sent twice for the same notice: {twice:?}"
    );
    let texts = sms.messages();
    assert_eq!(
        sms.requests(),
        texts.len(),
        "every SMS request was a new message"
    );
    let mut sms_per_notice: HashMap<&str, usize> = HashMap::new();
    for m in &texts {
        *sms_per_notice.entry(m.reference.as_str()).or_default() += 1;
    }
    let twice: Vec<_> = sms_per_notice.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.is_empty(),
        "SMS sent twice for the same notice: {twice:?}"
    );

    let mut per_channel: HashMap<(Channel, OutboxStatus), u64> = HashMap::new();
    for (notice, items) in &notices {
        let id = notice.id.to_string();
        assert_eq!(items.len(), 3, "one outbox item per channel");
        for (channel, status, attempts, detail) in items {
            *per_channel.entry((*channel, *status)).or_default() += 1;
            let sent = match channel {
                Channel::Inbox => true,
                Channel::Email => mails.contains_key(&id),
                Channel::Sms => sms_per_notice.contains_key(id.as_str()),
            };
            match (status, attempts) {
                // Claimed and completed once: a delivery counts one attempt.
                (OutboxStatus::Delivered, 1) => assert!(sent, "{channel} delivered but not sent"),
                (OutboxStatus::Skipped, 0)
                    if detail.as_deref().is_some_and(|d| KRR_SKIPS.contains(&d)) =>
                {
                    assert!(!sent, "{channel} skipped but sent");
                }
                other => panic!("{channel} item {other:?} {detail:?}"),
            }
        }
    }
    let count = |c, s| per_channel.get(&(c, s)).copied().unwrap_or(0);
    assert_eq!(
        count(Channel::Email, OutboxStatus::Delivered),
        mails.len() as u64
    );
    assert_eq!(
        count(Channel::Sms, OutboxStatus::Delivered),
        texts.len() as u64
    );
    assert!(
        !mails.is_empty() && !texts.is_empty(),
        "e-mail and SMS were both used"
    );
    eprintln!(
        "two instances: {total} notices ({expected:?}); created per process (evaluate, evaluate, \
         server a, server b): {created:?}; delivery rounds (a, b): {rounds:?}; {} e-mails, {} SMS, \
         {} + {} skipped; {:.1} s",
        mails.len(),
        texts.len(),
        count(Channel::Email, OutboxStatus::Skipped),
        count(Channel::Sms, OutboxStatus::Skipped),
        started.elapsed().as_secs_f64()
    );
}
