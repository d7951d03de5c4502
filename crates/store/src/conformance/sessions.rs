//! Stories: server-side sessions (create, find, touch, acting for, expiry, logout,
//! housekeeping).

use super::{asker, locale, minutes, new_resident, oslo, random_hash, random_text, t0};
use crate::{NewSession, Principal, Resident, Session, SessionId, Store, StoreError};

/// A session for `resident` created at [`t0`]: idle expiry after 30 minutes, absolute after 8 h.
fn new_session(resident: &Resident) -> NewSession {
    NewSession {
        token_hash: random_hash(),
        kommunenummer: resident.kommunenummer,
        resident_id: resident.id,
        acr: "idporten-loa-high".into(),
        idp_issuer: "https://test.idporten.no".into(),
        idp_sid: Some(random_text("sid")),
        id_token: random_text("eyJ.id-token"),
        csrf_token: random_text("csrf"),
        locale: locale(),
        created_at: t0(),
        idle_expires_at: t0() + minutes(30),
        absolute_expires_at: t0() + minutes(8 * 60),
    }
}

async fn create(store: &dyn Store, new: &NewSession) -> Session {
    store
        .create_session(new.clone())
        .await
        .expect("create session")
}

async fn find(store: &dyn Store, new: &NewSession, at: jiff::Timestamp) -> Option<Session> {
    store
        .find_session(&new.token_hash, at)
        .await
        .expect("find session")
}

/// A created session carries what was given, starts `last_seen_at` at `created_at`, and is found
/// by its token hash (and only by it).
pub async fn session_create_and_find(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let new = new_session(&resident);
    let session = create(store, &new).await;

    assert_eq!(session.id.0.get_version_num(), 7, "session ids are UUIDv7");
    let expected = Session {
        id: session.id,
        principal: Principal::Resident,
        kommunenummer: new.kommunenummer,
        resident_id: new.resident_id,
        acting_for: None,
        acr: new.acr.clone(),
        idp_issuer: new.idp_issuer.clone(),
        idp_sid: new.idp_sid.clone(),
        id_token: new.id_token.clone(),
        csrf_token: new.csrf_token.clone(),
        locale: new.locale,
        created_at: new.created_at,
        last_seen_at: new.created_at,
        idle_expires_at: new.idle_expires_at,
        absolute_expires_at: new.absolute_expires_at,
    };
    assert_eq!(session, expected);
    assert_eq!(find(store, &new, t0() + minutes(1)).await, Some(expected));

    let unknown = store
        .find_session(&random_hash(), t0())
        .await
        .expect("find unknown");
    assert_eq!(unknown, None);

    let without_sid = NewSession {
        token_hash: random_hash(),
        idp_sid: None,
        ..new.clone()
    };
    let session = create(store, &without_sid).await;
    assert_eq!(session.idp_sid, None);
}

/// Touching records activity and moves the idle expiry; touching a missing session is
/// `NotFound`.
pub async fn session_touch_extends_idle_expiry(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let new = new_session(&resident);
    let session = create(store, &new).await;

    store
        .touch_session(session.id, t0() + minutes(20), t0() + minutes(50))
        .await
        .expect("touch");
    let found = find(store, &new, t0() + minutes(40))
        .await
        .expect("alive after touch");
    assert_eq!(found.last_seen_at, t0() + minutes(20));
    assert_eq!(found.idle_expires_at, t0() + minutes(50));
    assert_eq!(found.created_at, t0(), "touch keeps created_at");

    match store
        .touch_session(SessionId::new_v7(), t0(), t0() + minutes(30))
        .await
    {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound touching an unknown session, got {other:?}"),
    }
}

/// A session is valid until its idle expiry and not from that instant on.
pub async fn session_idle_expiry(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let new = new_session(&resident);
    create(store, &new).await;

    let just_before = new.idle_expires_at - jiff::SignedDuration::from_micros(1);
    assert!(
        find(store, &new, just_before).await.is_some(),
        "valid before idle expiry"
    );
    assert_eq!(
        find(store, &new, new.idle_expires_at).await,
        None,
        "expired at idle expiry"
    );
}

/// Activity cannot keep a session alive past its absolute expiry.
pub async fn session_absolute_expiry(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let new = new_session(&resident);
    let session = create(store, &new).await;

    let late = new.absolute_expires_at - minutes(1);
    store
        .touch_session(session.id, late, late + minutes(30))
        .await
        .expect("touch near the end");
    assert!(
        find(store, &new, late).await.is_some(),
        "valid before absolute expiry"
    );
    assert_eq!(
        find(store, &new, new.absolute_expires_at).await,
        None,
        "expired at absolute expiry although the idle expiry is later"
    );
}

/// A deleted session is gone; deleting it again is fine.
pub async fn session_delete(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let new = new_session(&resident);
    let session = create(store, &new).await;
    let other = new_session(&resident);
    create(store, &other).await;

    store.delete_session(session.id).await.expect("delete");
    assert_eq!(
        find(store, &new, t0()).await,
        None,
        "deleted session is gone"
    );
    store
        .delete_session(session.id)
        .await
        .expect("deleting again is not an error");
    assert!(
        find(store, &other, t0()).await.is_some(),
        "other sessions stay"
    );
}

/// Front-channel logout deletes exactly the sessions of that IdP session (issuer and sid).
pub async fn sessions_delete_by_sid(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let issuer = random_text("https://idp.example");
    let sid = random_text("sid");
    let same = NewSession {
        idp_issuer: issuer.clone(),
        idp_sid: Some(sid.clone()),
        ..new_session(&resident)
    };
    let same_too = NewSession {
        token_hash: random_hash(),
        ..same.clone()
    };
    let other_issuer = NewSession {
        token_hash: random_hash(),
        idp_issuer: random_text("https://other"),
        ..same.clone()
    };
    let other_sid = NewSession {
        token_hash: random_hash(),
        idp_sid: Some(random_text("sid")),
        ..same.clone()
    };
    for new in [&same, &same_too, &other_issuer, &other_sid] {
        create(store, new).await;
    }

    let deleted = store
        .delete_sessions_by_sid(&issuer, &sid)
        .await
        .expect("delete by sid");
    assert_eq!(deleted, 2);
    assert_eq!(find(store, &same, t0()).await, None);
    assert_eq!(find(store, &same_too, t0()).await, None);
    assert!(
        find(store, &other_issuer, t0()).await.is_some(),
        "same sid at another IdP stays"
    );
    assert!(
        find(store, &other_sid, t0()).await.is_some(),
        "another sid stays"
    );

    let none = store
        .delete_sessions_by_sid(&issuer, &sid)
        .await
        .expect("delete again");
    assert_eq!(none, 0);
}

/// Housekeeping deletes sessions past either expiry and keeps live ones.
pub async fn sessions_delete_expired(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let now = t0() + minutes(60);
    let idle_expired = new_session(&resident);
    let absolute_expired = NewSession {
        idle_expires_at: now + minutes(30),
        absolute_expires_at: now,
        ..new_session(&resident)
    };
    let live = NewSession {
        idle_expires_at: now + minutes(1),
        ..new_session(&resident)
    };
    for new in [&idle_expired, &absolute_expired, &live] {
        create(store, new).await;
    }

    let deleted = store
        .delete_expired_sessions(now)
        .await
        .expect("delete expired");
    assert!(
        deleted >= 2,
        "at least the two expired sessions are deleted, got {deleted}"
    );
    // Looking them up at an earlier time shows they are gone, not merely expired.
    assert_eq!(find(store, &idle_expired, t0()).await, None);
    assert_eq!(find(store, &absolute_expired, t0()).await, None);
    assert!(
        find(store, &live, now).await.is_some(),
        "the live session stays"
    );
}

/// A token hash identifies one session; reusing it is a named conflict.
pub async fn session_token_hash_is_unique(store: &dyn Store) {
    let resident = new_resident(store, &asker()).await;
    let new = new_session(&resident);
    create(store, &new).await;

    match store.create_session(new).await {
        Err(StoreError::Conflict(name)) => assert_eq!(name, "sessions_token_hash_key"),
        other => panic!("expected Conflict(sessions_token_hash_key), got {other:?}"),
    }
}

/// A session's tenant must be its resident's tenant, and the resident must exist.
pub async fn session_resident_must_belong_to_tenant(store: &dyn Store) {
    store
        .upsert_tenant(&oslo(), "Oslo", t0())
        .await
        .expect("tenant b");
    let resident = new_resident(store, &asker()).await;

    let wrong_tenant = NewSession {
        kommunenummer: oslo(),
        ..new_session(&resident)
    };
    match store.create_session(wrong_tenant).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for a resident of another tenant, got {other:?}"),
    }

    let unknown = NewSession {
        resident_id: crate::ResidentId::new_v7(),
        ..new_session(&resident)
    };
    match store.create_session(unknown).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown resident, got {other:?}"),
    }
}

/// A session acts for another resident of its tenant once set (touching keeps it), and for
/// itself again once cleared; residents of other tenants and unknown sessions are refused.
pub async fn session_acting_for(store: &dyn Store) {
    let guardian = new_resident(store, &asker()).await;
    let child = new_resident(store, &asker()).await;
    let elsewhere = new_resident(store, &oslo()).await;
    let new = new_session(&guardian);
    let session = create(store, &new).await;
    assert_eq!(session.acting_for, None, "a new session acts for itself");

    store
        .set_acting_for(session.id, Some(child.id))
        .await
        .expect("act for the child");
    store
        .touch_session(session.id, t0() + minutes(1), t0() + minutes(31))
        .await
        .expect("touch");
    let found = find(store, &new, t0() + minutes(2)).await.expect("found");
    assert_eq!(found.acting_for, Some(child.id));
    assert_eq!(
        found.resident_id, guardian.id,
        "the session stays the guardian's"
    );

    for (target, what) in [
        (elsewhere.id, "a resident of another tenant"),
        (crate::ResidentId::new_v7(), "an unknown resident"),
    ] {
        match store.set_acting_for(session.id, Some(target)).await {
            Err(StoreError::Conflict(_)) => {}
            other => panic!("expected Conflict acting for {what}, got {other:?}"),
        }
    }
    let unchanged = find(store, &new, t0() + minutes(2)).await.expect("found");
    assert_eq!(unchanged.acting_for, Some(child.id));

    store
        .set_acting_for(session.id, None)
        .await
        .expect("act for itself again");
    let found = find(store, &new, t0() + minutes(2)).await.expect("found");
    assert_eq!(found.acting_for, None);

    match store.set_acting_for(SessionId::new_v7(), None).await {
        Err(StoreError::NotFound) => {}
        other => panic!("expected NotFound for an unknown session, got {other:?}"),
    }
}
