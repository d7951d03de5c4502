//! Stories: residents' preferences, rule statistics, the paper-letter list, job leases and
//! markers.

use jiff::civil::date;

use super::{active_rule, claim, claim_own, create_one, deliver_inbox, notice};
use crate::conformance::{asker, kommune, minutes, new_resident, oslo, random_pid, t0};
use crate::{
    Channel, ChannelCounts, NoticeId, NoticePreferences, OutboxOutcome, RegisterAddress,
    RegisterPerson, ResidentStatus, RuleStats, SkipReason, Store, StoreError,
};

/// No row means every channel and nothing opted out; set preferences read back as set, only
/// for a resident of the given tenant; `opted_out_among` picks the residents who opted out of
/// a category.
pub async fn notice_preferences_default_and_round_trip(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let b = new_resident(store, &k).await;
    let c = new_resident(store, &k).await;
    assert_eq!(
        store.get_preferences(a.id).await.expect("defaults"),
        NoticePreferences::all()
    );
    let prefs = NoticePreferences {
        email: false,
        sms: true,
        opted_out: vec!["barnehage".into(), "skole".into()],
    };
    store
        .set_preferences(&k, a.id, &prefs, t0())
        .await
        .expect("set preferences");
    assert_eq!(store.get_preferences(a.id).await.expect("get"), prefs);
    let changed = NoticePreferences {
        email: true,
        sms: false,
        opted_out: vec!["skole".into()],
    };
    store
        .set_preferences(&k, a.id, &changed, t0() + minutes(1))
        .await
        .expect("change preferences");
    assert_eq!(store.get_preferences(a.id).await.expect("get"), changed);
    store
        .set_preferences(&k, b.id, &prefs, t0())
        .await
        .expect("set preferences");
    assert!(matches!(
        store.set_preferences(&oslo(), c.id, &prefs, t0()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.get_preferences(c.id).await.expect("get"),
        NoticePreferences::all()
    );

    let among = |category, ids: Vec<_>| async move {
        store
            .opted_out_among(category, &ids)
            .await
            .expect("opted out among")
    };
    assert_eq!(among("skole", vec![c.id, b.id, a.id]).await, [b.id, a.id]);
    assert_eq!(among("barnehage", vec![a.id, b.id, c.id]).await, [b.id]);
    assert!(among("helse", vec![a.id, b.id, c.id]).await.is_empty());
    assert!(among("skole", vec![]).await.is_empty());
}

/// Per rule: notices created and read, and outbox items per channel and state (`sending`
/// counts as pending).
pub async fn notice_rule_stats_count_per_channel(store: &dyn Store) {
    let k = asker();
    let a = new_resident(store, &k).await;
    let rule = active_rule(store, &k).await;
    assert_eq!(
        store.rule_stats(&k, rule.id).await.expect("stats"),
        RuleStats::default()
    );
    let both = [Channel::Email, Channel::Sms];
    let ids = store
        .create_notices(&[
            notice(&rule, &a, "1", &both, 1),
            notice(&rule, &a, "2", &both, 1),
            notice(&rule, &a, "3", &both, 1),
        ])
        .await
        .expect("create notices");
    let now = t0() + minutes(5);
    deliver_inbox(store, &ids[..2], now).await;
    store
        .mark_notice_read(a.id, ids[0], now)
        .await
        .expect("read");

    let items = claim_own(store, &claim("stats", &both, now), &ids).await;
    let item = |i: usize, channel| {
        items
            .iter()
            .find(|it| it.notice_id == ids[i] && it.channel == channel)
            .expect("claimed item")
            .id
    };
    let skipped = |reason| OutboxOutcome::Skipped { reason };
    let outcomes = [
        (
            item(0, Channel::Email),
            OutboxOutcome::Delivered { at: now },
        ),
        (
            item(1, Channel::Email),
            OutboxOutcome::Failed {
                reason: "550".into(),
            },
        ),
        (item(2, Channel::Email), skipped(SkipReason::KrrOutdated)),
        (item(0, Channel::Sms), skipped(SkipReason::Preference)),
        (item(1, Channel::Sms), skipped(SkipReason::NoContact)),
    ];
    store
        .complete_outbox("stats", &outcomes)
        .await
        .expect("complete");
    let sending = store
        .mark_sending("stats", &[item(2, Channel::Sms)], now, now + minutes(5))
        .await
        .expect("mark sending");
    assert_eq!(sending.len(), 1);

    let counts = |pending, delivered, failed, skipped| ChannelCounts {
        pending,
        delivered,
        failed,
        skipped,
    };
    assert_eq!(
        store.rule_stats(&k, rule.id).await.expect("stats"),
        RuleStats {
            created: 3,
            read: 1,
            inbox: counts(1, 2, 0, 0),
            email: counts(0, 1, 1, 1),
            sms: counts(1, 0, 0, 2),
        }
    );
}

/// The paper-letter list: notices whose every digital item was skipped for a contact-register
/// reason, with the register's name and address, newest first. Not listed: skipped by
/// preference (even partly), delivered or still pending on a digital channel, inbox only.
pub async fn paper_letters_list_notices_no_digital_channel_could_carry(store: &dyn Store) {
    let k = kommune("4203");
    store
        .upsert_tenant(&k, k.name(), t0())
        .await
        .expect("upsert tenant");
    let person = |given: &str| RegisterPerson {
        pid: random_pid(),
        given_name: given.to_owned(),
        family_name: "Moe".to_owned(),
        birth_date: date(1980, 5, 17),
        address: Some(RegisterAddress {
            street: "Langbryggen 1".to_owned(),
            postcode: "4841".to_owned(),
            city: "Arendal".to_owned(),
            point: None,
        }),
        moved_in: Some(date(2010, 1, 1)),
        status: ResidentStatus::Active,
        guardians: Vec::new(),
    };
    let people = [person("Per"), person("Pål")];
    store
        .apply_register_snapshot(&k, "conformance-notices", &people, 1, t0())
        .await
        .expect("register snapshot");
    let mut residents = Vec::new();
    for p in &people {
        let found = store.find_resident_by_pid(&k, &p.pid).await.expect("find");
        residents.push(found.expect("loaded by the snapshot"));
    }
    let (per, pal) = (&residents[0], &residents[1]);
    let rule = active_rule(store, &k).await;
    let both = [Channel::Email, Channel::Sms];
    use SkipReason::{KrrOutdated, KrrReserved, NoContact, Preference};

    // Per notice: the e-mail item's skip reason (`None`: delivered) and the SMS item's (`None`:
    // left pending).
    let cases: [(
        &crate::Resident,
        &str,
        Option<SkipReason>,
        Option<SkipReason>,
    ); 6] = [
        (per, "reserved", Some(KrrReserved), Some(KrrReserved)),
        (pal, "by preference", Some(Preference), Some(Preference)),
        (
            pal,
            "partly by preference",
            Some(Preference),
            Some(KrrReserved),
        ),
        (
            pal,
            "outdated and no contact",
            Some(KrrOutdated),
            Some(NoContact),
        ),
        (per, "e-mail delivered", None, Some(KrrReserved)),
        (pal, "sms pending", Some(KrrReserved), None),
    ];
    let mut ids = Vec::new();
    for (minute, (resident, occurrence, ..)) in (1..).zip(&cases) {
        ids.push(create_one(store, notice(&rule, resident, occurrence, &both, minute)).await);
    }
    let inbox_only = create_one(store, notice(&rule, per, "inbox only", &[], 9)).await;
    let now = t0() + minutes(10);
    let items = claim_own(store, &claim("paper", &both, now), &ids).await;
    let item = |n: NoticeId, channel| {
        items
            .iter()
            .find(|i| i.notice_id == n && i.channel == channel)
            .expect("claimed item")
            .id
    };
    let mut outcomes = Vec::new();
    for (n, (_, _, email, sms)) in ids.iter().zip(&cases) {
        let email = match email {
            Some(reason) => OutboxOutcome::Skipped { reason: *reason },
            None => OutboxOutcome::Delivered { at: now },
        };
        outcomes.push((item(*n, Channel::Email), email));
        if let Some(reason) = sms {
            outcomes.push((
                item(*n, Channel::Sms),
                OutboxOutcome::Skipped { reason: *reason },
            ));
        }
    }
    store
        .complete_outbox("paper", &outcomes)
        .await
        .expect("complete");
    assert_eq!(
        store.outbox_of(ids[5]).await.expect("outbox")[2].1,
        crate::OutboxStatus::Pending
    );

    let letters = store
        .paper_letters(&k, Some(rule.id), 100)
        .await
        .expect("paper letters");
    let listed: Vec<NoticeId> = letters.iter().map(|l| l.notice_id).collect();
    assert_eq!(listed, [ids[3], ids[0]], "newest first, KRR reasons only");
    assert!(!listed.contains(&inbox_only));
    let newest = &letters[0];
    assert_eq!(newest.reasons, [KrrOutdated, NoContact]);
    assert_eq!((newest.rule_id, newest.recipient_id), (rule.id, pal.id));
    assert_eq!(newest.name, pal.name);
    assert_eq!(newest.street.as_deref(), Some("Langbryggen 1"));
    assert_eq!(newest.postcode.as_deref(), Some("4841"));
    assert_eq!(newest.city.as_deref(), Some("Arendal"));
    assert_eq!(newest.created_at, t0() + minutes(4));
    assert_eq!(letters[1].reasons, [KrrReserved]);

    let first_only = store.paper_letters(&k, None, 1).await.expect("limit");
    assert_eq!(first_only.len(), 1);
    assert_eq!(first_only[0].notice_id, ids[3]);
    assert!(
        store
            .paper_letters(&asker(), Some(rule.id), 100)
            .await
            .expect("other tenant")
            .is_empty(),
        "another tenant's list"
    );
}

/// A job lease is held by one owner until it ends (exclusive); the holder may renew it.
pub async fn job_lease_is_exclusive_until_expiry(store: &dyn Store) {
    let job = format!("evaluate-{}", uuid::Uuid::now_v7());
    let at = |m| t0() + minutes(m);
    let lease = |owner: &'static str, until, now| {
        let job = job.clone();
        async move {
            store
                .try_job_lease(&job, owner, at(until), at(now))
                .await
                .expect("try job lease")
        }
    };
    assert!(lease("a", 10, 0).await, "a free lease is taken");
    assert!(!lease("b", 15, 5).await, "held by a");
    assert!(lease("a", 20, 5).await, "the holder renews");
    assert!(!lease("b", 30, 19).await, "still held by a");
    assert!(lease("b", 30, 20).await, "expired at its end");
    assert!(!lease("a", 40, 21).await, "now held by b");
}

/// Markers read back as last set; an unknown marker is `None`.
pub async fn markers_round_trip(store: &dyn Store) {
    let name = format!("register-events:{}", uuid::Uuid::now_v7());
    assert_eq!(store.get_marker(&name).await.expect("get"), None);
    store.set_marker(&name, "41", t0()).await.expect("set");
    store
        .set_marker(&name, "42", t0() + minutes(1))
        .await
        .expect("set again");
    assert_eq!(
        store.get_marker(&name).await.expect("get").as_deref(),
        Some("42")
    );
}
