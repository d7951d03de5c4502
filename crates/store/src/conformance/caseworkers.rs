//! Stories: caseworker sessions and logins, apart from the residents'.

use jiff::Timestamp;

use super::{asker, minutes, new_resident, random_hash, random_text, stavanger, t0};
use crate::{
    CaseworkerLoginAttempt, CaseworkerSession, CaseworkerSessionId, NewCaseworkerSession,
    NewSession, Role, Store, StoreError,
};

/// A caseworker session of tenant A created at [`t0`]: idle expiry after 30 minutes,
/// absolute after 10 h.
async fn new_session(store: &dyn Store) -> NewCaseworkerSession {
    store
        .upsert_tenant(&asker(), "Asker", t0())
        .await
        .expect("tenant");
    NewCaseworkerSession {
        token_hash: random_hash(),
        kommunenummer: asker(),
        subject: random_text("oid"),
        name: "Siri Saksbehandler".into(),
        email: Some("siri@asker.example".into()),
        roles: vec![Role::PlanManager, Role::NoticeEditor],
        idp_issuer: "https://login.example/asker/v2.0".into(),
        idp_sid: Some(random_text("sid")),
        id_token: random_text("eyJ.id-token"),
        csrf_token: random_text("csrf"),
        created_at: t0(),
        idle_expires_at: t0() + minutes(30),
        absolute_expires_at: t0() + minutes(600),
    }
}

async fn create(store: &dyn Store, new: &NewCaseworkerSession) -> CaseworkerSession {
    store
        .create_caseworker_session(new.clone())
        .await
        .expect("create caseworker session")
}

async fn find(
    store: &dyn Store,
    new: &NewCaseworkerSession,
    at: Timestamp,
) -> Option<CaseworkerSession> {
    store
        .find_caseworker_session(&new.token_hash, at)
        .await
        .expect("find caseworker session")
}

/// A created session carries what was given (roles sorted, once each), starts `last_seen_at`
/// at `created_at`, is found by its token hash only, and is no resident session.
pub async fn caseworker_session_create_and_find(store: &dyn Store) {
    let new = NewCaseworkerSession {
        roles: vec![Role::Admin, Role::NoticeEditor, Role::Admin],
        ..new_session(store).await
    };
    let session = create(store, &new).await;
    assert_eq!(session.id.0.get_version_num(), 7, "ids are UUIDv7");
    let expected = CaseworkerSession {
        id: session.id,
        kommunenummer: new.kommunenummer,
        subject: new.subject.clone(),
        name: new.name.clone(),
        email: new.email.clone(),
        roles: vec![Role::NoticeEditor, Role::Admin],
        idp_issuer: new.idp_issuer.clone(),
        idp_sid: new.idp_sid.clone(),
        id_token: new.id_token.clone(),
        csrf_token: new.csrf_token.clone(),
        created_at: t0(),
        last_seen_at: t0(),
        idle_expires_at: new.idle_expires_at,
        absolute_expires_at: new.absolute_expires_at,
    };
    assert_eq!(session, expected);
    assert_eq!(find(store, &new, t0() + minutes(1)).await, Some(expected));
    assert!(session.has(Role::PlanManager), "admin grants every role");
    assert_eq!(session.actor(), format!("caseworker:{}", new.subject));

    let unknown = store
        .find_caseworker_session(&random_hash(), t0())
        .await
        .expect("find unknown");
    assert_eq!(unknown, None);
    let as_resident = store
        .find_session(&new.token_hash, t0())
        .await
        .expect("find resident session");
    assert_eq!(
        as_resident, None,
        "a caseworker session is not a resident session"
    );

    let plain = NewCaseworkerSession {
        token_hash: random_hash(),
        email: None,
        idp_sid: None,
        roles: vec![Role::PlanManager],
        ..new
    };
    let session = create(store, &plain).await;
    assert_eq!((&session.email, &session.idp_sid), (&None, &None));
    assert_eq!(session.roles, vec![Role::PlanManager]);
    assert!(!session.has(Role::NoticeEditor) && !session.has(Role::Admin));
}

/// Idle and absolute expiry are exclusive; touching moves the idle expiry, but activity cannot
/// keep a session past its absolute expiry; touching a missing session is `NotFound`.
pub async fn caseworker_session_expiry_and_touch(store: &dyn Store) {
    let new = new_session(store).await;
    let session = create(store, &new).await;
    let micro = jiff::SignedDuration::from_micros(1);
    assert!(
        find(store, &new, new.idle_expires_at - micro)
            .await
            .is_some()
    );
    assert_eq!(
        find(store, &new, new.idle_expires_at).await,
        None,
        "idle expiry"
    );

    let late = new.absolute_expires_at - minutes(1);
    store
        .touch_caseworker_session(session.id, late, late + minutes(30))
        .await
        .expect("touch");
    let found = find(store, &new, late).await.expect("alive after touch");
    assert_eq!(found.last_seen_at, late);
    assert_eq!(found.idle_expires_at, late + minutes(30));
    assert_eq!(
        find(store, &new, new.absolute_expires_at).await,
        None,
        "absolute expiry wins over a later idle expiry"
    );
    match store
        .touch_caseworker_session(CaseworkerSessionId::new_v7(), t0(), t0())
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound touching an unknown session, got {other:?}"),
    }
}

/// Logout deletes one session (idempotently); front-channel logout deletes exactly those of
/// one provider session; housekeeping deletes the expired ones and keeps the rest.
pub async fn caseworker_sessions_delete(store: &dyn Store) {
    let base = new_session(store).await;
    let issuer = random_text("https://login.example");
    let sid = random_text("sid");
    let same = NewCaseworkerSession {
        token_hash: random_hash(),
        idp_issuer: issuer.clone(),
        idp_sid: Some(sid.clone()),
        ..base.clone()
    };
    let same_too = NewCaseworkerSession {
        token_hash: random_hash(),
        ..same.clone()
    };
    let other_issuer = NewCaseworkerSession {
        token_hash: random_hash(),
        idp_issuer: random_text("https://other"),
        ..same.clone()
    };
    let expired = NewCaseworkerSession {
        token_hash: random_hash(),
        idle_expires_at: t0() + minutes(5),
        ..base.clone()
    };
    for new in [&base, &same, &same_too, &other_issuer, &expired] {
        create(store, new).await;
    }

    let deleted = store
        .delete_caseworker_sessions_by_sid(&issuer, &sid)
        .await
        .expect("delete by sid");
    assert_eq!(deleted, 2, "both sessions of that provider session");
    assert_eq!(find(store, &same, t0()).await, None);
    assert!(
        find(store, &other_issuer, t0()).await.is_some(),
        "other issuer stays"
    );

    let removed = store
        .delete_expired_caseworker_sessions(t0() + minutes(10))
        .await
        .expect("delete expired");
    assert!(removed >= 1, "at least the expired session, got {removed}");
    assert_eq!(
        find(store, &expired, t0()).await,
        None,
        "expired one is gone"
    );

    let session = find(store, &base, t0()).await.expect("live session stays");
    store
        .delete_caseworker_session(session.id)
        .await
        .expect("logout");
    store
        .delete_caseworker_session(session.id)
        .await
        .expect("logging out twice is fine");
    assert_eq!(find(store, &base, t0()).await, None);
}

/// A token hash is used once; a session needs a role, a subject and a known tenant.
pub async fn caseworker_session_constraints(store: &dyn Store) {
    let new = new_session(store).await;
    create(store, &new).await;
    match store.create_caseworker_session(new.clone()).await {
        Err(StoreError::Conflict(name)) => assert_eq!(name, "caseworker_sessions_token_hash_key"),
        other => panic!("expected Conflict(caseworker_sessions_token_hash_key), got {other:?}"),
    }
    let cases = [
        (
            "caseworker_sessions_roles_check",
            NewCaseworkerSession {
                token_hash: random_hash(),
                roles: Vec::new(),
                ..new.clone()
            },
        ),
        (
            "caseworker_sessions_subject_check",
            NewCaseworkerSession {
                token_hash: random_hash(),
                subject: String::new(),
                ..new.clone()
            },
        ),
    ];
    for (check, invalid) in cases {
        match store.create_caseworker_session(invalid).await {
            Err(StoreError::Invalid(name)) => assert_eq!(name, check),
            other => panic!("expected Invalid({check}), got {other:?}"),
        }
    }
    let unknown_tenant = NewCaseworkerSession {
        token_hash: random_hash(),
        kommunenummer: stavanger(),
        ..new
    };
    match store.create_caseworker_session(unknown_tenant).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown tenant, got {other:?}"),
    }
}

/// A pending caseworker login is taken once, not after its expiry, never by the residents'
/// login flow, and housekeeping removes abandoned ones.
pub async fn caseworker_login_attempts(store: &dyn Store) {
    store
        .upsert_tenant(&asker(), "Asker", t0())
        .await
        .expect("tenant");
    let attempt = CaseworkerLoginAttempt {
        state_hash: random_hash(),
        kommunenummer: asker(),
        nonce: random_text("nonce"),
        pkce_verifier: random_text("pkce"),
        redirect_to: "/api/v1/admin/session".into(),
        created_at: t0(),
        expires_at: t0() + minutes(10),
    };
    let take = |a: &CaseworkerLoginAttempt, at: Timestamp| {
        let hash = a.state_hash;
        async move {
            store
                .take_caseworker_login_attempt(&hash, at)
                .await
                .expect("take")
        }
    };
    store
        .create_caseworker_login_attempt(attempt.clone())
        .await
        .expect("create");
    match store.create_caseworker_login_attempt(attempt.clone()).await {
        Err(StoreError::Conflict(name)) => assert_eq!(name, "caseworker_login_attempts_pkey"),
        other => panic!("expected Conflict(caseworker_login_attempts_pkey), got {other:?}"),
    }
    let resident_take = store
        .take_login_attempt(&attempt.state_hash, t0())
        .await
        .expect("resident take");
    assert_eq!(resident_take, None, "the resident flow cannot take it");
    assert_eq!(
        take(&attempt, t0() + minutes(1)).await,
        Some(attempt.clone())
    );
    assert_eq!(take(&attempt, t0() + minutes(1)).await, None, "single use");

    let expired = CaseworkerLoginAttempt {
        state_hash: random_hash(),
        ..attempt.clone()
    };
    store
        .create_caseworker_login_attempt(expired.clone())
        .await
        .expect("create");
    assert_eq!(take(&expired, expired.expires_at).await, None, "expired");
    assert_eq!(take(&expired, t0()).await, None, "and removed");

    let abandoned = CaseworkerLoginAttempt {
        state_hash: random_hash(),
        ..attempt.clone()
    };
    let pending = CaseworkerLoginAttempt {
        state_hash: random_hash(),
        expires_at: t0() + minutes(30),
        ..attempt.clone()
    };
    for a in [&abandoned, &pending] {
        store
            .create_caseworker_login_attempt(a.clone())
            .await
            .expect("create");
    }
    let deleted = store
        .delete_expired_caseworker_login_attempts(t0() + minutes(20))
        .await
        .expect("delete expired");
    assert!(
        deleted >= 1,
        "at least the abandoned attempt, got {deleted}"
    );
    assert_eq!(take(&abandoned, t0()).await, None);
    assert_eq!(take(&pending, t0() + minutes(20)).await, Some(pending));

    let unknown_tenant = CaseworkerLoginAttempt {
        state_hash: random_hash(),
        kommunenummer: stavanger(),
        ..attempt
    };
    match store.create_caseworker_login_attempt(unknown_tenant).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown tenant, got {other:?}"),
    }
}

/// Resident sessions do not show up as caseworker sessions.
pub async fn resident_sessions_are_not_caseworker_sessions(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let token_hash = random_hash();
    store
        .create_session(NewSession {
            token_hash,
            kommunenummer: asker(),
            resident_id: resident.id,
            acr: "idporten-loa-high".into(),
            idp_issuer: "https://test.idporten.no".into(),
            idp_sid: None,
            id_token: random_text("eyJ"),
            csrf_token: random_text("csrf"),
            locale: minside_core::Locale::Nb,
            created_at: t0(),
            idle_expires_at: t0() + minutes(30),
            absolute_expires_at: t0() + minutes(60),
        })
        .await
        .expect("resident session");
    let found = store
        .find_caseworker_session(&token_hash, t0())
        .await
        .expect("find");
    assert_eq!(found, None);
}
