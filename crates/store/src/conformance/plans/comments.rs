//! Stories: residents' comments on a phase (add, own list, withdraw, hide, answer, counts).

use jiff::civil::date;
use serde_json::json;

use super::{comment, kristiansund, new_phase, new_plan, phase_fields, plan_fields, resident};
use crate::conformance::{minutes, t0};
use crate::{
    CaseworkerNote, CommentDisplay, CommentId, NewComment, PhaseCounts, PhaseKind, ResidentId,
    Stance, Store, StoreError, StoredComment,
};

fn ids(comments: &[StoredComment]) -> Vec<CommentId> {
    comments.iter().map(|c| c.id).collect()
}

fn note(text: &str, minute: i64) -> CaseworkerNote {
    CaseworkerNote {
        text: text.to_owned(),
        by: "caseworker:kari".to_owned(),
        at: t0() + minutes(minute),
    }
}

/// A comment is stored as written (map drawing, document reference, stance, display); a
/// resident's own list and the phase's list are oldest first. Only the author withdraws a
/// comment (once: the first time counts), a caseworker hides it with a reason and shows it
/// again, and answers it (a new answer replaces the old); the comment stays listed throughout.
pub async fn plan_comments_add_withdraw_hide_and_answer(store: &dyn Store) {
    let k = kristiansund();
    let plan = new_plan(store, &k, &plan_fields("Frei sentrum")).await;
    let phase = new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Horing, date(2025, 3, 1), date(2025, 4, 15)),
        0,
    )
    .await;
    let (kari, ola) = (
        resident(store, &k, "Kari Nordmann").await,
        resident(store, &k, "Ola Hansen").await,
    );

    let drawn = NewComment {
        geometry: Some(json!({"type": "Point", "coordinates": [7.7351, 63.1122]})),
        document_ref: Some("https://example.no/plan/plankart.pdf".into()),
        ..comment(&phase, &kari, Stance::Against, 1)
    };
    let first = store.add_comment(&drawn).await.expect("add comment");
    assert_eq!(first.id.0.get_version_num(), 7, "comment ids are UUIDv7");
    assert_eq!(
        first,
        StoredComment {
            id: first.id,
            comment: drawn.clone(),
            withdrawn_at: None,
            hidden: None,
            answer: None,
        }
    );
    let anonymous = NewComment {
        display: CommentDisplay::Hidden,
        ..comment(&phase, &ola, Stance::Neutral, 2)
    };
    let second = store.add_comment(&anonymous).await.expect("add comment");
    assert_eq!(second.comment, anonymous);
    let third = store
        .add_comment(&comment(&phase, &kari, Stance::For, 3))
        .await
        .expect("add comment");
    assert_eq!(store.get_comment(&k, first.id).await.expect("get"), first);

    let plan_id = plan.fields.plan_id.as_str();
    let own = |r: ResidentId| async move {
        ids(&store
            .comments_of_resident(&k, plan_id, r)
            .await
            .expect("own comments"))
    };
    assert_eq!(own(kari.id).await, vec![first.id, third.id]);
    assert_eq!(own(ola.id).await, vec![second.id]);
    let all = store.comments_of_phase(&k, phase.id).await.expect("list");
    assert_eq!(all, vec![first.clone(), second.clone(), third.clone()]);

    // Withdrawing: only the author, and the first time counts.
    assert!(matches!(
        store
            .withdraw_comment(&k, first.id, ola.id, t0() + minutes(5))
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(
        store.get_comment(&k, first.id).await.expect("get"),
        first,
        "someone else's attempt changed nothing"
    );
    let withdrawn = store
        .withdraw_comment(&k, first.id, kari.id, t0() + minutes(10))
        .await
        .expect("withdraw");
    assert_eq!(
        withdrawn,
        StoredComment {
            withdrawn_at: Some(t0() + minutes(10)),
            ..first.clone()
        }
    );
    let again = store
        .withdraw_comment(&k, first.id, kari.id, t0() + minutes(20))
        .await
        .expect("withdraw again");
    assert_eq!(again.withdrawn_at, Some(t0() + minutes(10)));
    assert_eq!(own(kari.id).await, vec![first.id, third.id], "still listed");

    // Hiding and showing again.
    let reason = note("Inneholder personopplysninger om naboen.", 30);
    let hidden = store
        .set_comment_hidden(&k, second.id, Some(&reason))
        .await
        .expect("hide");
    assert_eq!(
        hidden,
        StoredComment {
            hidden: Some(reason.clone()),
            ..second.clone()
        }
    );
    assert_eq!(store.get_comment(&k, second.id).await.expect("get"), hidden);
    let shown = store
        .set_comment_hidden(&k, second.id, None)
        .await
        .expect("show again");
    assert_eq!(shown, second);

    // Answering, and answering anew.
    let answer = note("Støy er vurdert i planbeskrivelsen, kapittel 6.", 40);
    let answered = store
        .answer_comment(&k, third.id, &answer)
        .await
        .expect("answer");
    assert_eq!(answered.answer, Some(answer));
    let better = note("Støy er vurdert i kapittel 6; se også ROS-analysen.", 50);
    let answered = store
        .answer_comment(&k, third.id, &better)
        .await
        .expect("answer anew");
    assert_eq!(
        answered,
        StoredComment {
            answer: Some(better),
            ..third.clone()
        }
    );
    assert_eq!(
        ids(&store.comments_of_phase(&k, phase.id).await.expect("list")),
        vec![first.id, second.id, third.id]
    );

    for missing in [
        store.get_comment(&k, CommentId::new_v7()).await,
        store
            .set_comment_hidden(&k, CommentId::new_v7(), Some(&reason))
            .await,
        store.answer_comment(&k, CommentId::new_v7(), &reason).await,
        store
            .withdraw_comment(&k, CommentId::new_v7(), kari.id, t0())
            .await,
    ] {
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    }
    let empty = NewComment {
        text: String::new(),
        ..comment(&phase, &kari, Stance::For, 60)
    };
    match store.add_comment(&empty).await {
        Err(StoreError::Invalid(name)) => assert_eq!(name, "plan_comments_text_check"),
        other => panic!("an empty comment must be refused, got {other:?}"),
    }
    let stranger = NewComment {
        resident_id: ResidentId(uuid::Uuid::now_v7()),
        ..comment(&phase, &kari, Stance::For, 60)
    };
    assert!(
        matches!(
            store.add_comment(&stranger).await,
            Err(StoreError::Conflict(_))
        ),
        "the author must be a resident of the tenant"
    );
    assert_eq!(own(kari.id).await, vec![first.id, third.id]);
}

/// Counts per phase of the plan, in phase order, for phases with comments: every comment in
/// `total` and in its stance, withdrawn, hidden and answered ones also in their own count.
pub async fn plan_comment_counts_per_phase(store: &dyn Store) {
    let k = kristiansund();
    let plan = new_plan(store, &k, &plan_fields("Dale gård")).await;
    let hearing = new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Horing, date(2025, 4, 1), date(2025, 5, 15)),
        1,
    )
    .await;
    let start = new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Oppstart, date(2025, 3, 1), date(2025, 3, 31)),
        2,
    )
    .await;
    new_phase(
        store,
        &plan,
        &phase_fields(PhaseKind::Vedtak, date(2025, 6, 20), date(2025, 6, 20)),
        3,
    )
    .await;
    let other = new_plan(store, &k, &plan_fields("Gomalandet")).await;
    let elsewhere = new_phase(
        store,
        &other,
        &phase_fields(PhaseKind::Horing, date(2025, 3, 1), date(2025, 3, 31)),
        4,
    )
    .await;
    let author = resident(store, &k, "Kari Nordmann").await;
    let add = |phase, stance, minute| {
        let new = comment(phase, &author, stance, minute);
        async move { store.add_comment(&new).await.expect("add comment") }
    };

    add(&start, Stance::For, 10).await;
    let withdrawn = add(&start, Stance::Against, 11).await;
    let hidden = add(&start, Stance::Neutral, 12).await;
    let answered = add(&hearing, Stance::Against, 13).await;
    add(&hearing, Stance::Against, 14).await;
    add(&elsewhere, Stance::For, 15).await;
    store
        .withdraw_comment(&k, withdrawn.id, author.id, t0() + minutes(20))
        .await
        .expect("withdraw");
    store
        .set_comment_hidden(&k, hidden.id, Some(&note("Usaklig.", 21)))
        .await
        .expect("hide");
    store
        .answer_comment(&k, hidden.id, &note("Besvart per brev.", 22))
        .await
        .expect("answer");
    store
        .answer_comment(&k, answered.id, &note("Takk.", 23))
        .await
        .expect("answer");

    let counts = store
        .comment_counts(&k, &plan.fields.plan_id)
        .await
        .expect("counts");
    assert_eq!(
        counts,
        vec![
            (
                start.id,
                PhaseCounts {
                    total: 3,
                    withdrawn: 1,
                    hidden: 1,
                    answered: 1,
                    for_: 1,
                    neutral: 1,
                    against: 1,
                }
            ),
            (
                hearing.id,
                PhaseCounts {
                    total: 2,
                    answered: 1,
                    against: 2,
                    ..PhaseCounts::default()
                }
            ),
        ],
        "by phase order; the phase without comments is left out"
    );
    assert!(
        store
            .comment_counts(&k, "no-such-plan")
            .await
            .expect("counts")
            .is_empty()
    );
}
