//! Unit tests of the access-log hash chain.

use jiff::Timestamp;
use minside_core::Kommunenummer;
use uuid::Uuid;

use super::*;

fn entry(minute: i64, purpose: &str) -> AccessLogEntry {
    AccessLogEntry {
        kommunenummer: Kommunenummer::parse("3203").expect("valid kommunenummer"),
        resident_id: ResidentId(Uuid::from_u128(0x0195_4f3a_0000_7000_8000_0000_0000_0001)),
        at: Timestamp::from_second(1_740_819_600 + minute * 60).expect("valid timestamp"),
        actor_kind: "caseworker".into(),
        actor_ref: "caseworker:asker-17".into(),
        categories: vec!["address".into(), "family".into()],
        purpose: purpose.into(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_hash_is_pinned() {
    // Changing the encoding changes every stored chain: bump the version tag if it must change.
    let hash = entry_hash(&GENESIS, &entry(0, "case handling"));
    assert_eq!(hex(&hash), PINNED);
}

const PINNED: &str = "8d965fed6244a1e9c605610cb6b7edfa080bef37dd627455cfa5cf3399707fe4";

#[test]
fn the_encoding_is_unambiguous() {
    let joined = AccessLogEntry {
        categories: vec!["a,b".into()],
        ..entry(0, "p")
    };
    let split = AccessLogEntry {
        categories: vec!["a".into(), "b".into()],
        ..entry(0, "p")
    };
    assert_ne!(entry_hash(&GENESIS, &joined), entry_hash(&GENESIS, &split));

    let left = AccessLogEntry {
        actor_kind: "ab".into(),
        actor_ref: "c".into(),
        ..entry(0, "p")
    };
    let right = AccessLogEntry {
        actor_kind: "a".into(),
        actor_ref: "bc".into(),
        ..entry(0, "p")
    };
    assert_ne!(encode(&left), encode(&right));

    let none = AccessLogEntry {
        categories: Vec::new(),
        ..entry(0, "")
    };
    let empty = AccessLogEntry {
        categories: vec![String::new()],
        ..entry(0, "")
    };
    assert_ne!(encode(&none), encode(&empty));
}

#[test]
fn the_hash_depends_on_prev_and_every_field() {
    let base = entry(0, "p");
    let h = entry_hash(&GENESIS, &base);
    assert_ne!(h, entry_hash(&[1; 32], &base));
    let variants = [
        AccessLogEntry {
            kommunenummer: Kommunenummer::parse("0301").expect("valid"),
            ..base.clone()
        },
        AccessLogEntry {
            resident_id: ResidentId(Uuid::nil()),
            ..base.clone()
        },
        entry(1, "p"),
        AccessLogEntry {
            actor_kind: "system".into(),
            ..base.clone()
        },
        AccessLogEntry {
            actor_ref: "x".into(),
            ..base.clone()
        },
        AccessLogEntry {
            categories: vec!["family".into(), "address".into()],
            ..base.clone()
        },
        entry(0, "q"),
    ];
    for variant in &variants {
        assert_ne!(h, entry_hash(&GENESIS, variant), "{variant:?}");
    }
}

#[test]
fn sub_microseconds_do_not_change_the_hash() {
    let exact = entry(0, "p");
    let finer = AccessLogEntry {
        at: exact.at + jiff::SignedDuration::from_nanos(999),
        ..exact.clone()
    };
    assert_eq!(entry_hash(&GENESIS, &exact), entry_hash(&GENESIS, &finer));
    let linked = link(None, [finer]);
    assert_eq!(linked[0].entry, exact, "link truncates to microseconds");
}

fn chain(n: i64) -> Vec<ChainedEntry> {
    link(None, (0..n).map(|i| entry(i, &format!("entry {i}"))))
}

#[test]
fn a_linked_chain_verifies_and_continues_from_its_head() {
    let first = chain(3);
    assert_eq!(first[0].prev_hash, GENESIS);
    assert_eq!(first.iter().map(|l| l.seq).collect::<Vec<_>>(), [1, 2, 3]);
    let head = first.last().map(|l| ChainHead {
        seq: l.seq,
        hash: l.hash,
    });
    let more = link(head, [entry(9, "later")]);
    assert_eq!((more[0].seq, more[0].prev_hash), (4, first[2].hash));

    let all: Vec<_> = first.into_iter().chain(more).collect();
    let verdict = verify(all.clone());
    assert_eq!(
        verdict,
        ChainVerdict {
            entries: 4,
            intact: true,
            first_broken_at: None
        }
    );
    // Retention: the remaining suffix verifies on its own.
    assert!(verify(all[2..].to_vec()).intact);
    assert_eq!(
        verify(Vec::new()),
        ChainVerdict {
            entries: 0,
            intact: true,
            first_broken_at: None
        }
    );
}

#[test]
fn tampering_breaks_the_chain_at_the_changed_entry() {
    let mut changed = chain(4);
    changed[2].entry.purpose = "something else".into();
    let verdict = verify(changed.clone());
    assert_eq!(verdict.entries, 4);
    assert!(!verdict.intact);
    assert_eq!(verdict.first_broken_at, Some(changed[2].entry.at));

    // Recomputing the changed entry's hash moves the break to the next entry.
    changed[2].hash = entry_hash(&changed[2].prev_hash, &changed[2].entry);
    assert_eq!(
        verify(changed.clone()).first_broken_at,
        Some(changed[3].entry.at)
    );

    let mut removed = chain(4);
    removed.remove(1);
    assert_eq!(
        verify(removed.clone()).first_broken_at,
        Some(removed[1].entry.at)
    );

    let mut swapped = chain(3);
    swapped.swap(1, 2);
    assert_eq!(
        verify(swapped.clone()).first_broken_at,
        Some(swapped[1].entry.at)
    );

    let mut renumbered = chain(3);
    renumbered[2].seq = 7;
    assert!(!verify(renumbered).intact);
}

#[test]
fn batches_are_grouped_per_resident_in_order() {
    let other = ResidentId(Uuid::from_u128(1));
    let mine = entry(0, "a");
    let theirs = AccessLogEntry {
        resident_id: other,
        ..entry(1, "b")
    };
    let groups = group_by_resident(vec![mine.clone(), theirs.clone(), entry(2, "c")]);
    let order: Vec<_> = groups.keys().copied().collect();
    assert_eq!(order, [other, mine.resident_id], "residents in id order");
    assert_eq!(groups[&mine.resident_id], [mine, entry(2, "c")]);
    assert_eq!(groups[&other], [theirs]);
}
