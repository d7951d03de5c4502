//! Stories: pending OpenID Connect logins, taken exactly once.

use super::{asker, locale, minutes, random_hash, random_text, stavanger, t0};
use crate::{LoginAttempt, Store, StoreError};

/// A login attempt for tenant A created at [`t0`], expiring after 10 minutes.
async fn new_attempt(store: &dyn Store) -> LoginAttempt {
    store
        .upsert_tenant(&asker(), "Asker", t0())
        .await
        .expect("tenant");
    LoginAttempt {
        state_hash: random_hash(),
        kommunenummer: asker(),
        nonce: random_text("nonce"),
        pkce_verifier: random_text("pkce"),
        redirect_to: "/api/v1/me/overview".into(),
        acr_requested: "idporten-loa-substantial".into(),
        locale: locale(),
        created_at: t0(),
        expires_at: t0() + minutes(10),
    }
}

async fn take(store: &dyn Store, a: &LoginAttempt, at: jiff::Timestamp) -> Option<LoginAttempt> {
    store
        .take_login_attempt(&a.state_hash, at)
        .await
        .expect("take login attempt")
}

/// Taking an attempt returns it once; the second take (a replayed callback) finds nothing.
pub async fn login_attempt_take_is_single_use(store: &dyn Store) {
    let attempt = new_attempt(store).await;
    store
        .create_login_attempt(attempt.clone())
        .await
        .expect("create");

    assert_eq!(
        take(store, &attempt, t0() + minutes(1)).await,
        Some(attempt.clone())
    );
    assert_eq!(
        take(store, &attempt, t0() + minutes(1)).await,
        None,
        "single use"
    );
    assert_eq!(
        take(
            store,
            &LoginAttempt {
                state_hash: random_hash(),
                ..attempt
            },
            t0()
        )
        .await,
        None
    );
}

/// An attempt is usable until its expiry; taking it at or after expiry finds nothing and removes
/// it.
pub async fn login_attempt_expiry(store: &dyn Store) {
    let attempt = new_attempt(store).await;
    store
        .create_login_attempt(attempt.clone())
        .await
        .expect("create");

    assert_eq!(
        take(store, &attempt, attempt.expires_at).await,
        None,
        "expired at expires_at"
    );
    assert_eq!(
        take(store, &attempt, t0()).await,
        None,
        "the expired attempt was removed"
    );

    let fresh = new_attempt(store).await;
    store
        .create_login_attempt(fresh.clone())
        .await
        .expect("create");
    let just_before = fresh.expires_at - jiff::SignedDuration::from_micros(1);
    assert_eq!(take(store, &fresh, just_before).await, Some(fresh));
}

/// A state hash is used once; reusing it is a named conflict. The tenant must exist.
pub async fn login_attempt_state_hash_is_unique(store: &dyn Store) {
    let attempt = new_attempt(store).await;
    store
        .create_login_attempt(attempt.clone())
        .await
        .expect("create");

    match store.create_login_attempt(attempt.clone()).await {
        Err(StoreError::Conflict(name)) => assert_eq!(name, "login_attempts_pkey"),
        other => panic!("expected Conflict(login_attempts_pkey), got {other:?}"),
    }

    let unknown_tenant = LoginAttempt {
        state_hash: random_hash(),
        kommunenummer: stavanger(),
        ..attempt
    };
    match store.create_login_attempt(unknown_tenant).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected Conflict for an unknown tenant, got {other:?}"),
    }
}

/// Housekeeping deletes abandoned attempts past their expiry and keeps pending ones.
pub async fn login_attempts_delete_expired(store: &dyn Store) {
    let expired = new_attempt(store).await;
    let pending = LoginAttempt {
        expires_at: t0() + minutes(30),
        ..new_attempt(store).await
    };
    store
        .create_login_attempt(expired.clone())
        .await
        .expect("create expired");
    store
        .create_login_attempt(pending.clone())
        .await
        .expect("create pending");

    let now = t0() + minutes(20);
    let deleted = store
        .delete_expired_login_attempts(now)
        .await
        .expect("delete expired");
    assert!(
        deleted >= 1,
        "at least the expired attempt is deleted, got {deleted}"
    );
    assert_eq!(
        take(store, &expired, t0()).await,
        None,
        "the expired attempt is gone"
    );
    assert_eq!(
        take(store, &pending, now).await,
        Some(pending),
        "the pending attempt stays"
    );
}
